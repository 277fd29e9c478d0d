"""The real DukeDSClient 4.0.0 API layer (what D4S2 and `ddsclient deliver` call) offers, shows and closes project
transfers on a live server: form bodies, collections fetched with its paging helper, no paging headers where none
belong."""

import pytest

from ..ddsclient import ddsc_api

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def as_client(live_server, client_keys):
    """`as_client(user, code)`: run `code` in DukeDSClient as `user`; what it assigned to `result`."""

    def run(user, code):
        user_key, agent_key = client_keys(user)
        return ddsc_api(f"{live_server.url}/api/v1", user_key=user_key, agent_key=agent_key, code=code)

    return run


def offer(as_client, sender, project, *recipients):
    recipient_ids = [str(user.id) for user in recipients]
    return as_client(sender, f"result = api.create_project_transfer({str(project.id)!r}, {recipient_ids!r}).json()")


def test_it_offers_shows_and_accepts_a_transfer(as_client, alice, bob, carol, project, grant):
    grant(project, carol, "file_editor")
    created = offer(as_client, alice, project, bob)
    transfer_id = created["id"]

    seen = as_client(
        bob,
        f"""
result = {{
    "one": api.get_project_transfer({transfer_id!r}).json(),
    "of_project": api.get_project_transfers({str(project.id)!r}).json(),
    "all": api.get_all_project_transfers().json(),
}}
""",
    )
    accepted = as_client(bob, f"result = api.accept_project_transfer({transfer_id!r}, 'This data looks great').json()")
    permissions = as_client(bob, f"result = api.get_project_permissions({str(project.id)!r}).json()")

    assert (created["status"], created["from_user"]["username"]) == ("pending", "alice")
    assert [user["username"] for user in created["to_users"]] == ["bob"]
    assert created["project"] == {"id": str(project.id), "name": project.name}
    assert seen["one"] == created
    assert [transfer["id"] for transfer in seen["of_project"]["results"]] == [transfer_id]
    assert [transfer["id"] for transfer in seen["all"]["results"]] == [transfer_id]
    assert seen["one"]["audit"]["created_on"]  # D4S2 reads it
    assert (accepted["status"], accepted["status_comment"]) == ("accepted", "This data looks great")
    assert accepted["audit"]["last_updated_on"]
    roles = {row["user"]["username"]: row["auth_role"]["id"] for row in permissions["results"]}
    assert roles == {"bob": "project_admin", "alice": "project_viewer"}


def test_it_offers_a_project_to_two_recipients_at_once(as_client, alice, bob, carol, project):
    created = offer(as_client, alice, project, bob, carol)

    assert [user["username"] for user in created["to_users"]] == ["bob", "carol"]


def test_it_offers_and_rejects_a_transfer(as_client, alice, bob, project):
    transfer_id = offer(as_client, alice, project, bob)["id"]

    rejected = as_client(bob, f"result = api.reject_project_transfer({transfer_id!r}, 'Missing files').json()")
    permissions = as_client(alice, f"result = api.get_project_permissions({str(project.id)!r}).json()")

    assert (rejected["status"], rejected["status_comment"]) == ("rejected", "Missing files")
    assert [row["user"]["username"] for row in permissions["results"]] == ["alice"]


def test_it_offers_and_cancels_a_transfer(as_client, alice, bob, project):
    transfer_id = offer(as_client, alice, project, bob)["id"]

    canceled = as_client(alice, f"result = api.cancel_project_transfer({transfer_id!r}).json()")
    seen = as_client(bob, f"result = api.get_project_transfer({transfer_id!r}).json()")

    assert (canceled["status"], canceled["status_comment"]) == ("canceled", None)
    assert seen["status"] == "canceled"


def test_it_reports_a_second_pending_transfer_as_the_clients_error(as_client, alice, bob, carol, project):
    offer(as_client, alice, project, bob)

    refused = as_client(
        alice,
        f"""
from ddsc.core.ddsapi import DataServiceError
try:
    api.create_project_transfer({str(project.id)!r}, [{str(carol.id)!r}])
except DataServiceError as error:
    result = {{"status": error.status_code, "message": str(error)}}
""",
    )

    assert refused["status"] == 400
    assert "validation failed" in refused["message"]


def test_it_tells_d4s2_a_caller_who_may_not_see_a_transfer_with_a_403(as_client, alice, bob, carol, project):
    transfer_id = offer(as_client, alice, project, bob)["id"]

    refused = as_client(
        carol,
        f"""
from ddsc.core.ddsapi import DataServiceError
try:
    api.get_project_transfer({transfer_id!r})
except DataServiceError as error:
    result = error.status_code
""",
    )

    assert refused == 403  # D4S2's DDSUtil.get_project_transfer turns it into DDSNotRecipientException
