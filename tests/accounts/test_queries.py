"""What authentication and minting a token cost in queries: paid on every request, and once per client command.

Counts are taken inside the test's transaction, so a service's atomic block shows as a SAVEPOINT and its RELEASE.
"""

import time

from dds.accounts.models import User

URL = "/api/v1/software_agents/api_token"


def test_it_authenticates_an_agent_session_and_shows_the_caller_in_two_queries(
    as_alice_agent, alice, alice_agent, django_assert_num_queries
):
    with django_assert_num_queries(2):
        response = as_alice_agent.get("/api/v1/current_user")

    assert response.status_code == 200
    assert response.json()["id"] == str(alice.id)
    assert response.json()["agent"] == {"id": str(alice_agent.id), "name": "DukeDSClient"}


def test_it_reads_both_keys_in_one_query_and_writes_last_login_at_most_hourly(
    anonymous, alice, agent_key, alice_key, django_assert_num_queries
):
    keys = {"agent_key": agent_key, "user_key": alice_key}
    with django_assert_num_queries(3):  # the failure counts of the address and keys, the keys, the first last_login
        assert anonymous.post(URL, keys, format="json").status_code == 201
    first_login = User.objects.get(pk=alice.pk).last_login

    with django_assert_num_queries(2):  # the failure counts and the keys
        assert anonymous.post(URL, keys, format="json").status_code == 201

    assert User.objects.get(pk=alice.pk).last_login == first_login
    assert first_login.timestamp() <= time.time()
