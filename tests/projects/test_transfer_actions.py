"""PUT /api/v1/project_transfers/{id}/accept|reject|cancel, and what deleting a project does to its pending
transfer (docs/api/transfers.md)."""

import uuid

import pytest

from dds.accounts.services import software_agent_create
from dds.audit import Actor
from projects.models import ProjectPermission, ProjectTransfer
from projects.services import project_delete

from ..client import FORM
from ..envelopes import FORBIDDEN, NO_TOKEN, invalid, not_found, user_preview
from .transfers import CALLERS, managers_only

NOT_PENDING = invalid(("status", "cannot be changed when not pending"))
COMMENT_FIXED = invalid(
    ("status", "cannot be changed when not pending"), ("status_comment", "Cannot change status_comment.")
)


def action_url(transfer, action):
    return f"/api/v1/project_transfers/{getattr(transfer, 'id', transfer)}/{action}"


def put(client, transfer, action, **body):
    return client.put(action_url(transfer, action), body, format="json")


def roles_on(project):
    return {row.user.username: row.auth_role_id for row in ProjectPermission.objects.filter(project=project)}


@pytest.fixture
def transfer(project, bob, carol, grant, make_transfer):
    """Alice's project, on which Carol is a file_editor, offered to Bob."""
    grant(project, carol, "file_editor")
    return make_transfer(project, bob)


# --- accept ----------------------------------------------------------------------------------------------


def test_it_hands_the_project_to_the_recipient_who_accepts(as_bob, alice, bob, project, transfer):
    response = put(as_bob, transfer, "accept", status_comment="This data looks great...")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"]) == (str(transfer.id), "accepted")
    assert body["status_comment"] == "This data looks great..."
    assert body["audit"]["last_updated_by"] == user_preview(bob)
    assert body["audit"]["last_updated_on"] is not None
    assert body["from_user"] == user_preview(alice)
    assert roles_on(project) == {"bob": "project_admin", "alice": "project_viewer"}  # Carol's role is gone
    assert ProjectTransfer.objects.get(pk=transfer.pk).status == "accepted"


def test_it_makes_every_recipient_an_admin(as_carol, alice, bob, carol, make_user, project, make_transfer):
    erin = make_user("erin")
    transfer = make_transfer(project, bob, carol)
    ProjectPermission.objects.create(project=project, user=erin, auth_role_id="file_downloader")

    response = put(as_carol, transfer, "accept")

    assert response.status_code == 200
    assert response.json()["status_comment"] is None
    assert roles_on(project) == {"bob": "project_admin", "carol": "project_admin", "alice": "project_viewer"}


def test_it_keeps_a_sender_who_is_also_a_recipient_admin(as_alice, alice, bob, project, make_transfer):
    transfer = make_transfer(project, alice, bob)

    assert put(as_alice, transfer, "accept").status_code == 200
    assert roles_on(project) == {"alice": "project_admin", "bob": "project_admin"}


def test_it_leaves_the_permissions_of_other_projects_alone(as_bob, alice, bob, carol, project, make_project, transfer):
    other = make_project(alice, "Another")
    ProjectPermission.objects.create(project=other, user=carol, auth_role_id="file_editor")

    assert put(as_bob, transfer, "accept").status_code == 200
    assert roles_on(other) == {"alice": "project_admin", "carol": "file_editor"}


def test_it_lets_the_new_admins_manage_the_project_and_the_sender_only_view_it(as_alice, as_bob, project, transfer):
    assert put(as_bob, transfer, "accept").status_code == 200

    assert as_bob.put(f"/api/v1/projects/{project.id}", {"name": "Bob's now"}, format="json").status_code == 200
    assert as_alice.get(f"/api/v1/projects/{project.id}").status_code == 200
    assert as_alice.put(f"/api/v1/projects/{project.id}", {"name": "Mine"}, format="json").json() == FORBIDDEN


def test_it_takes_the_comment_as_a_form_the_way_ddsclient_sends_it(as_bob, transfer):
    response = as_bob.generic("PUT", action_url(transfer, "accept"), "status_comment=Thanks%21", content_type=FORM)

    assert response.status_code == 200
    assert response.json()["status_comment"] == "Thanks!"


def test_it_takes_an_empty_body(as_bob, transfer):
    response = as_bob.generic("PUT", action_url(transfer, "reject"))

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("no token", 401),
        ("project_admin on the project", 403),
        ("file_editor on the project", 403),
        ("admin of another project", 403),
        ("system admin", 200),
        ("agent session of a project_admin", 403),
    ],
)
@pytest.mark.parametrize("action", ["accept", "reject"])
def test_it_lets_only_a_recipient_or_a_system_admin_accept_or_reject(
    carol_as, project, bob, make_transfer, caller, expected, action
):
    transfer = make_transfer(project, bob)
    client = carol_as(caller)
    before = roles_on(project)

    response = put(client, transfer, action)

    assert response.status_code == expected
    assert response.json() == {401: NO_TOKEN, 403: FORBIDDEN}.get(expected, response.json())
    stored = ProjectTransfer.objects.get(pk=transfer.pk).status
    assert stored == ({"accept": "accepted", "reject": "rejected"}[action] if expected == 200 else "pending")
    if expected != 200 or action == "reject":
        assert roles_on(project) == before


def test_it_refuses_the_sender_accepting_their_own_offer(as_alice, project, transfer):
    before = roles_on(project)

    response = put(as_alice, transfer, "accept")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert roles_on(project) == before


def test_it_lets_a_recipient_accept_through_their_agent(client_for, bob, project, transfer):
    agent = software_agent_create(actor=Actor(user=bob), name="D4S2")

    response = put(client_for(bob, agent), transfer, "accept")

    assert response.status_code == 200
    assert response.json()["audit"]["last_updated_by"]["agent"]["name"] == "D4S2"


# --- reject ------------------------------------------------------------------------------------------------


def test_it_records_a_rejection_and_changes_no_permission(as_bob, project, transfer):
    before = roles_on(project)

    response = put(as_bob, transfer, "reject", status_comment="Missing alignment files...")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_comment"]) == ("rejected", "Missing alignment files...")
    assert roles_on(project) == before


# --- cancel ------------------------------------------------------------------------------------------------


def test_it_lets_the_sender_cancel(as_alice, project, transfer):
    before = roles_on(project)

    response = put(as_alice, transfer, "cancel", status_comment="Sent to the wrong PI...")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_comment"]) == ("canceled", "Sent to the wrong PI...")
    assert roles_on(project) == before


@pytest.mark.parametrize("caller", CALLERS)
def test_it_lets_only_those_who_manage_the_permissions_cancel(carol_as, project, bob, make_transfer, caller):
    expected = managers_only(caller, 200)
    transfer = make_transfer(project, bob)

    response = put(carol_as(caller), transfer, "cancel")

    assert response.status_code == expected
    assert ProjectTransfer.objects.get(pk=transfer.pk).status == ("canceled" if expected == 200 else "pending")


def test_it_refuses_a_recipient_canceling(as_bob, transfer):
    response = put(as_bob, transfer, "cancel")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN


# --- a closed transfer stays as it is ----------------------------------------------------------------------


@pytest.mark.parametrize("closing", ["accept", "reject", "cancel"])
@pytest.mark.parametrize("action", ["accept", "reject", "cancel"])
def test_it_never_changes_a_closed_transfer(as_sysadmin, project, transfer, closing, action):
    assert put(as_sysadmin, transfer, closing, status_comment="done").status_code == 200
    closed = ProjectTransfer.objects.get(pk=transfer.pk)
    before = roles_on(project)

    same_comment = put(as_sysadmin, transfer, action, status_comment="done")
    no_comment = put(as_sysadmin, transfer, action)
    new_comment = put(as_sysadmin, transfer, action, status_comment="changed my mind")

    assert (same_comment.status_code, no_comment.status_code, new_comment.status_code) == (400, 400, 400)
    assert same_comment.json() == no_comment.json() == NOT_PENDING
    assert new_comment.json() == COMMENT_FIXED
    after = ProjectTransfer.objects.get(pk=transfer.pk)
    assert (after.status, after.status_comment, after.last_updated_on) == (
        closed.status,
        "done",
        closed.last_updated_on,
    )
    assert roles_on(project) == before


def test_it_checks_the_caller_before_telling_the_transfer_is_closed(as_alice, as_bob, carol_as, transfer):
    assert put(as_alice, transfer, "cancel").status_code == 200

    assert put(as_alice, transfer, "accept").json() == FORBIDDEN
    assert put(as_bob, transfer, "cancel").json() == FORBIDDEN
    assert put(as_bob, transfer, "accept").json() == NOT_PENDING


@pytest.mark.parametrize("action", ["accept", "reject", "cancel"])
@pytest.mark.parametrize("transfer_id", [str(uuid.uuid4()), "notfoundid"])
def test_it_answers_not_found_for_an_unknown_transfer(as_sysadmin, action, transfer_id):
    response = put(as_sysadmin, transfer_id, action)

    assert response.status_code == 404
    assert response.json() == not_found("ProjectTransfer")


@pytest.mark.parametrize("comment", [{"nested": "object"}, ["a", "list"]])
def test_it_refuses_a_comment_that_is_not_text(as_bob, transfer, comment):
    response = as_bob.put(action_url(transfer, "reject"), {"status_comment": comment}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status_comment"
    assert ProjectTransfer.objects.get(pk=transfer.pk).status == "pending"


# --- deleting the project ----------------------------------------------------------------------------------


def test_it_cancels_the_pending_transfer_of_a_deleted_project(as_alice, as_bob, alice, project, transfer):
    response = as_alice.delete(f"/api/v1/projects/{project.id}")

    assert response.status_code == 204
    canceled = as_alice.get(f"/api/v1/project_transfers/{transfer.id}").json()
    assert canceled["status"] == "canceled"
    assert canceled["status_comment"] == "canceled by the system: the project was deleted"
    assert canceled["audit"]["last_updated_by"] == user_preview(alice)
    assert put(as_bob, transfer, "accept").json() == NOT_PENDING


def test_it_leaves_the_closed_transfers_of_a_deleted_project_as_they_were(as_bob, alice, project, transfer):
    assert put(as_bob, transfer, "reject", status_comment="no thanks").status_code == 200

    project_delete(actor=Actor(user=alice), project=project)

    rejected = ProjectTransfer.objects.get(pk=transfer.pk)
    assert (rejected.status, rejected.status_comment) == ("rejected", "no thanks")
