"""POST/GET /api/v1/projects/{id}/transfers, GET /api/v1/project_transfers and GET /api/v1/project_transfers/{id}:
offering a project to other users, and who sees the offers (docs/api/transfers.md)."""

import uuid

import pytest

from projects.models import ProjectTransfer

from ..client import FORM
from ..envelopes import (
    FORBIDDEN,
    NO_TOKEN,
    TIMESTAMP,
    has_no_paging_headers,
    invalid,
    new_audit,
    not_found,
    user_preview,
)
from .transfers import CALLERS, managers_only

PENDING_EXISTS = invalid(("status", "Pending transfer already exists"))
UNKNOWN_RECIPIENT = invalid(("project_transfer_users", "is invalid"))
UNKNOWN_STATUS = {
    "error": 404,
    "code": "not_provided",
    "reason": "Unknown Status",
    "suggestion": 'Status should be one of the following: ["pending", "rejected", "accepted", "canceled"]',
}


def url(project):
    return f"/api/v1/projects/{getattr(project, 'id', project)}/transfers"


def transfer_url(transfer):
    return f"/api/v1/project_transfers/{getattr(transfer, 'id', transfer)}"


def offer(client, project, *users):
    return client.post(url(project), {"to_users": [{"id": str(user.id)} for user in users]}, format="json")


def ids(response):
    return [transfer["id"] for transfer in response.json()["results"]]


# --- POST /projects/{id}/transfers -------------------------------------------------------------------------


def test_it_offers_a_project_to_its_recipients(as_alice, alice, bob, carol, project):
    response = offer(as_alice, project, carol, bob)

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "status": "pending",
        "status_comment": None,
        "audit": new_audit(body, alice),
        "to_users": [user_preview(bob), user_preview(carol)],
        "from_user": user_preview(alice),
        "project": {"id": str(project.id), "name": project.name},
    }
    assert TIMESTAMP.match(body["audit"]["created_on"])
    assert has_no_paging_headers(response)
    transfer = ProjectTransfer.objects.get(pk=body["id"])
    assert (transfer.project, transfer.from_user, transfer.status) == (project, alice, "pending")
    assert set(transfer.to_users.all()) == {bob, carol}


def test_it_takes_the_recipients_as_a_form_the_way_ddsclient_sends_them(as_alice, bob, carol, project):
    body = f"to_users%5B%5D%5Bid%5D={bob.id}&to_users%5B%5D%5Bid%5D={carol.id}"

    response = as_alice.generic("POST", url(project), body, content_type=FORM)

    assert response.status_code == 201
    assert [user["username"] for user in response.json()["to_users"]] == ["bob", "carol"]


def test_it_names_a_recipient_given_twice_once(as_alice, bob, project):
    response = offer(as_alice, project, bob, bob)

    assert response.status_code == 201
    assert response.json()["to_users"] == [user_preview(bob)]


def test_it_refuses_a_second_pending_transfer_of_a_project(as_alice, bob, carol, project, make_transfer):
    first = make_transfer(project, bob)

    response = offer(as_alice, project, carol)

    assert response.status_code == 400
    assert response.json() == PENDING_EXISTS
    assert list(ProjectTransfer.objects.values_list("id", flat=True)) == [first.id]


def test_it_offers_a_project_again_once_its_transfer_is_closed(as_alice, as_bob, bob, project, make_transfer):
    first = make_transfer(project, bob)
    assert as_bob.put(f"{transfer_url(first)}/reject", {}, format="json").status_code == 200

    response = offer(as_alice, project, bob)

    assert response.status_code == 201
    assert ProjectTransfer.objects.filter(project=project).count() == 2


@pytest.mark.parametrize("recipient", [str(uuid.uuid4()), "doesNotExist"])
def test_it_refuses_a_recipient_who_is_not_a_user(as_alice, bob, project, recipient):
    response = as_alice.post(url(project), {"to_users": [{"id": str(bob.id)}, {"id": recipient}]}, format="json")

    assert response.status_code == 400
    assert response.json() == UNKNOWN_RECIPIENT
    assert not ProjectTransfer.objects.exists()


def test_it_refuses_a_deactivated_recipient(as_alice, bob, project):
    bob.is_active = False
    bob.save()

    response = offer(as_alice, project, bob)

    assert response.status_code == 400
    assert response.json() == UNKNOWN_RECIPIENT


def test_it_refuses_a_transfer_to_nobody(as_alice, project):
    response = offer(as_alice, project)

    assert response.status_code == 400
    assert response.json() == invalid(("project_transfer_users", "can't be blank"))


def test_it_names_every_problem_of_an_offer_at_once(as_alice, bob, project, make_transfer):
    make_transfer(project, bob)

    response = as_alice.post(url(project), {"to_users": [{"id": "nobody"}]}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(
        ("project_transfer_users", "is invalid"), ("status", "Pending transfer already exists")
    )


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "to_users", "is missing"),
        ({"to_users": "bob"}, "to_users", "is invalid"),
        ({"to_users": [{"name": "bob"}]}, "to_users.0.id", "is missing"),
        ({"to_users": [{"id": "x"}, {"id": ""}]}, "to_users.1.id", "can't be blank"),
        ({"to_users": [{"id": None}]}, "to_users.0.id", "can't be blank"),
    ],
)
def test_it_refuses_a_malformed_body_before_looking_the_project_up(as_alice, body, field, message):
    response = as_alice.post(url(uuid.uuid4()), body, format="json")

    assert response.status_code == 400
    assert response.json() == invalid((field, message))


def test_it_answers_not_found_for_an_unknown_or_deleted_project(as_alice, bob, project):
    assert offer(as_alice, uuid.uuid4(), bob).json() == not_found("Project")
    assert offer(as_alice, "not-a-uuid", bob).status_code == 404
    assert as_alice.delete(f"/api/v1/projects/{project.id}").status_code == 204

    response = offer(as_alice, project, bob)

    assert response.status_code == 404
    assert response.json() == not_found("Project")


@pytest.mark.parametrize("caller", CALLERS)
def test_it_lets_only_those_who_manage_the_permissions_offer_a_project(carol_as, bob, project, caller):
    expected = managers_only(caller, 201)

    response = offer(carol_as(caller), project, bob)

    assert response.status_code == expected
    if expected == 403:
        assert response.json() == FORBIDDEN
    if expected == 401:
        assert response.json() == NO_TOKEN
    assert ProjectTransfer.objects.exists() == (expected == 201)


def test_it_records_the_agent_that_offered_a_project(carol_as, carol, bob, project):
    response = offer(carol_as("agent session of a project_admin"), project, bob)

    assert response.status_code == 201
    assert response.json()["audit"]["created_by"]["agent"]["name"] == "DukeDSClient"
    assert response.json()["from_user"] == user_preview(carol)


def test_it_lets_the_sender_still_change_the_project_while_its_transfer_is_pending(
    as_alice, bob, carol, project, make_transfer
):
    make_transfer(project, bob)

    renamed = as_alice.put(f"/api/v1/projects/{project.id}", {"name": "Renamed"}, format="json")
    shared = as_alice.put(
        f"/api/v1/projects/{project.id}/permissions/{carol.id}", {"auth_role": {"id": "file_editor"}}, format="json"
    )

    assert (renamed.status_code, shared.status_code) == (200, 200)


# --- GET /projects/{id}/transfers ----------------------------------------------------------------------


@pytest.fixture
def history(alice, bob, as_bob, project, make_transfer):
    """Alice's project offered to Bob twice: rejected, then pending."""
    rejected = make_transfer(project, bob)
    assert as_bob.put(f"{transfer_url(rejected)}/reject", {}, format="json").status_code == 200
    pending = make_transfer(project, bob)
    return [str(pending.id), str(rejected.id)]


def test_it_lists_a_projects_transfers_newest_first(as_alice, project, history):
    response = as_alice.get(url(project))

    assert response.status_code == 200
    assert ids(response) == history
    assert [transfer["status"] for transfer in response.json()["results"]] == ["pending", "rejected"]


def test_it_does_not_page_a_projects_transfers(as_alice, project, history):
    response = as_alice.get(f"{url(project)}/", {"page": 1, "per_page": 1})

    assert ids(response) == history
    assert has_no_paging_headers(response)


@pytest.mark.parametrize(
    ("caller", "sees"),
    [
        ("project_admin on the project", True),
        ("file_editor on the project", False),
        ("project_viewer on the project", False),
        ("admin of another project", False),
        ("system admin", True),
        ("agent session of a project_admin", True),
    ],
)
def test_it_lists_a_projects_transfers_to_those_who_manage_it(carol_as, project, history, caller, sees):
    response = carol_as(caller).get(url(project))

    assert response.status_code == 200
    assert ids(response) == (history if sees else [])


def test_it_lists_a_projects_transfers_to_their_recipients(as_carol, bob, carol, make_project, make_transfer):
    bobs = make_project(bob, "Bob's")
    to_carol = make_transfer(bobs, carol)

    response = as_carol.get(url(bobs))  # Carol holds no role on Bob's project

    assert response.status_code == 200
    assert ids(response) == [str(to_carol.id)]


def test_it_lists_a_sender_their_transfer_after_they_lost_the_project(as_alice, as_bob, alice, bob, project, history):
    assert as_bob.put(f"{transfer_url(history[0])}/accept", {}, format="json").status_code == 200

    response = as_alice.get(url(project))

    assert ids(response) == history  # Alice is now only a viewer, but sent both


def test_it_answers_not_found_for_the_transfers_of_an_unknown_project(as_alice):
    response = as_alice.get(url(uuid.uuid4()))

    assert response.status_code == 404
    assert response.json() == not_found("Project")


def test_it_needs_a_token_to_list_transfers(anonymous, project):
    assert anonymous.get(url(project)).json() == NO_TOKEN
    assert anonymous.get("/api/v1/project_transfers").json() == NO_TOKEN


# --- GET /project_transfers --------------------------------------------------------------------------------


@pytest.fixture
def everywhere(alice, bob, carol, make_user, project, make_project, make_transfer, as_bob):
    """Transfers of four projects: Alice→Bob (pending), Bob→Carol (rejected), Carol→Alice (pending), Dave→Erin."""
    alice_to_bob = make_transfer(project, bob)
    bob_to_carol = make_transfer(make_project(bob, "Bob's"), carol)
    carol_to_alice = make_transfer(make_project(carol, "Carol's"), alice)
    dave = make_user("dave")
    dave_to_erin = make_transfer(make_project(dave, "Dave's"), make_user("erin"))
    return {
        name: str(transfer.id)
        for name, transfer in [
            ("alice_to_bob", alice_to_bob),
            ("bob_to_carol", bob_to_carol),
            ("carol_to_alice", carol_to_alice),
            ("dave_to_erin", dave_to_erin),
        ]
    }


def test_it_lists_every_transfer_the_caller_sent_received_or_manages(as_alice, everywhere):
    response = as_alice.get("/api/v1/project_transfers")

    assert response.status_code == 200
    assert ids(response) == [everywhere["carol_to_alice"], everywhere["alice_to_bob"]]
    assert has_no_paging_headers(response)


def test_it_lists_every_transfer_to_a_system_admin(as_sysadmin, everywhere):
    response = as_sysadmin.get("/api/v1/project_transfers")

    assert sorted(ids(response)) == sorted(everywhere.values())


def test_it_filters_the_transfers_by_status(as_carol, everywhere):
    as_carol.put(f"{transfer_url(everywhere['bob_to_carol'])}/reject", {}, format="json")

    rejected = as_carol.get("/api/v1/project_transfers", {"status": "rejected"})
    pending = as_carol.get("/api/v1/project_transfers", {"status": "pending"})
    accepted = as_carol.get("/api/v1/project_transfers", {"status": "accepted"})

    assert ids(rejected) == [everywhere["bob_to_carol"]]
    assert ids(pending) == [everywhere["carol_to_alice"]]
    assert ids(accepted) == []


@pytest.mark.parametrize("status", ["notexists", "", "Pending"])
def test_it_answers_unknown_status_for_a_status_transfers_never_have(as_alice, status):
    response = as_alice.get("/api/v1/project_transfers", {"status": status})

    assert response.status_code == 404
    assert response.json() == UNKNOWN_STATUS


# --- GET /project_transfers/{id} -----------------------------------------------------------------------


def test_it_shows_a_transfer_to_its_sender_and_recipients(
    as_alice, as_bob, as_carol, bob, carol, project, make_transfer
):
    transfer = make_transfer(project, bob, carol)

    answers = [client.get(transfer_url(transfer)) for client in (as_alice, as_bob, as_carol)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert answers[0].json()["id"] == str(transfer.id)
    assert has_no_paging_headers(answers[0])


@pytest.mark.parametrize("caller", CALLERS)
def test_it_shows_a_transfer_to_those_who_manage_the_project(carol_as, bob, project, make_transfer, caller):
    expected = managers_only(caller, 200)
    transfer = make_transfer(project, bob)

    response = carol_as(caller).get(transfer_url(transfer))

    assert response.status_code == expected
    if expected == 403:
        assert response.json() == FORBIDDEN


@pytest.mark.parametrize("transfer_id", [str(uuid.uuid4()), "notfoundid"])
def test_it_answers_not_found_for_an_unknown_transfer(as_alice, transfer_id):
    response = as_alice.get(transfer_url(transfer_id))

    assert response.status_code == 404
    assert response.json() == not_found("ProjectTransfer")
