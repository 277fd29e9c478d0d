"""Two writes to one project's transfers at once: the second waits for the first and then answers as if it came
after it, never a 500, never two pending transfers, never an accepted transfer that was also canceled.

Each test holds the first write open in its own transaction (the test's connection), sends the second over HTTP to a
live server from a thread, waits until PostgreSQL shows that request waiting for a lock, and only then commits.
"""

import threading

import pytest
import requests
from django.db import connection, transaction

from dds.audit import Actor
from dds.authentication import api_token_encode
from projects.models import AuthRole, Project, ProjectPermission, ProjectTransfer
from projects.services import project_delete, project_permission_set
from projects.transfers.services import project_transfer_accept, project_transfer_cancel, project_transfer_create

from ..envelopes import FORBIDDEN, invalid, not_found
from ..workers import wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgresql("row locks waited for across connections"),
]


def _someone_waits_for_a_lock():
    """another connection to the test database waits for a row lock"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.fixture
def second(live_server):
    """`second(user, method, path, json=…)` sends that request from a thread; `.result()` waits for its response."""

    class Request:
        def __init__(self, user, method, path, **kwargs):
            headers = {"Authorization": api_token_encode(user=user)["api_token"]}
            url = f"{live_server.url}/api/v1{path}"
            self.response = None
            self.thread = threading.Thread(target=self._send, args=(method, url, headers, kwargs))
            self.thread.start()
            wait_until(_someone_waits_for_a_lock)

        def _send(self, method, url, headers, kwargs):
            self.response = requests.request(method, url, headers=headers, timeout=60, **kwargs)

        def result(self):
            self.thread.join(timeout=60)
            return self.response

    return Request


def test_an_accept_waiting_for_a_cancel_finds_the_transfer_canceled(second, alice, bob, project, make_transfer):
    transfer = make_transfer(project, bob)

    with transaction.atomic():
        project_transfer_cancel(actor=Actor(user=alice), transfer=transfer)
        accept = second(bob, "PUT", f"/project_transfers/{transfer.id}/accept", json={})

    response = accept.result()
    assert response.status_code == 400
    assert response.json() == invalid(("status", "cannot be changed when not pending"))
    assert ProjectTransfer.objects.get(pk=transfer.pk).status == "canceled"
    assert list(ProjectPermission.objects.filter(project=project).values_list("user__username", "auth_role_id")) == [
        ("alice", "project_admin")
    ]


def test_an_offer_waiting_for_another_finds_a_pending_transfer(second, alice, bob, carol, project):
    with transaction.atomic():
        first = project_transfer_create(actor=Actor(user=alice), project=project, to_user_ids=[bob.id])
        offer = second(alice, "POST", f"/projects/{project.id}/transfers", json={"to_users": [{"id": str(carol.id)}]})

    response = offer.result()
    assert response.status_code == 400
    assert response.json() == invalid(("status", "Pending transfer already exists"))
    assert list(ProjectTransfer.objects.values_list("id", flat=True)) == [first.id]


def test_an_offer_waiting_for_the_projects_deletion_finds_no_project(second, alice, bob, project):
    with transaction.atomic():
        project_delete(actor=Actor(user=alice), project=project)
        offer = second(alice, "POST", f"/projects/{project.id}/transfers", json={"to_users": [{"id": str(bob.id)}]})

    response = offer.result()
    assert response.status_code == 404
    assert response.json() == not_found("Project")
    assert not ProjectTransfer.objects.exists()


def test_a_deletion_waiting_for_an_offer_cancels_it(second, alice, bob, project):
    with transaction.atomic():
        transfer = project_transfer_create(actor=Actor(user=alice), project=project, to_user_ids=[bob.id])
        deletion = second(alice, "DELETE", f"/projects/{project.id}")

    assert deletion.result().status_code == 204
    canceled = ProjectTransfer.objects.get(pk=transfer.pk)
    assert (canceled.status, canceled.last_updated_by) == ("canceled", alice)


def _roles(project):
    return sorted(ProjectPermission.objects.filter(project=project).values_list("user__username", "auth_role_id"))


# What the sender, project_admin until the accept, sends while it commits (issue 32, item 2).
SENDERS_WRITES = {
    "a third user made project_admin": lambda project, bob, carol: (
        "PUT",
        f"/projects/{project.id}/permissions/{carol.id}",
        {"auth_role": {"id": "project_admin"}},
    ),
    "the recipient made project_viewer": lambda project, bob, carol: (
        "PUT",
        f"/projects/{project.id}/permissions/{bob.id}",
        {"auth_role": {"id": "project_viewer"}},
    ),
    "the project deleted": lambda project, bob, carol: ("DELETE", f"/projects/{project.id}", None),
    "the project offered again": lambda project, bob, carol: (
        "POST",
        f"/projects/{project.id}/transfers",
        {"to_users": [{"id": str(carol.id)}]},
    ),
}


@pytest.mark.parametrize("write", SENDERS_WRITES)
def test_a_senders_write_waiting_for_the_accept_is_refused_and_the_recipient_is_the_only_admin(
    write, second, alice, bob, carol, project, make_transfer
):
    transfer = make_transfer(project, bob)
    method, path, body = SENDERS_WRITES[write](project, bob, carol)

    with transaction.atomic():
        project_transfer_accept(actor=Actor(user=bob), transfer=transfer)
        change = second(alice, method, path, json=body)

    response = change.result()
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert _roles(project) == [("alice", "project_viewer"), ("bob", "project_admin")]
    assert list(ProjectTransfer.objects.values_list("status", flat=True)) == ["accepted"]
    assert Project.objects.get(pk=project.pk).is_deleted is False


def test_an_accept_waiting_for_a_permission_change_never_deadlocks_and_replaces_it(
    second, alice, bob, project, make_transfer
):
    """The change inserts the recipient's permission first; the accept, which inserts it too, waits for it. Code that
    locked the project only at the change's commit (its foreign key check) deadlocked here: a 503 or a failed
    commit."""
    transfer = make_transfer(project, bob)

    with transaction.atomic():
        project_permission_set(
            actor=Actor(user=alice), project=project, user=bob, auth_role=AuthRole.objects.get(pk="file_downloader")
        )
        accept = second(bob, "PUT", f"/project_transfers/{transfer.id}/accept", json={})

    response = accept.result()
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert _roles(project) == [("alice", "project_viewer"), ("bob", "project_admin")]
