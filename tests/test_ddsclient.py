"""The real DukeDSClient's API layer authenticates against a live server and reads who it is."""

import pytest

from .ddsclient import ddsc_api


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_signs_in_and_reads_the_current_user(live_server, alice, client_keys):
    user_key, agent_key = client_keys(alice)

    result = ddsc_api(
        f"{live_server.url}/api/v1",
        user_key=user_key,
        agent_key=agent_key,
        code="result = api.get_current_user().json()",
    )

    assert (result["username"], result["email"]) == ("alice", "alice@example.org")
