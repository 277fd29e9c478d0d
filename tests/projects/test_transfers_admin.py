"""The operators' view of project transfers in the Django admin: by status, with their project and parties."""

import pytest

from projects.models import ProjectTransfer

CHANGELIST = "/admin/projects/projecttransfer/"


@pytest.fixture
def transfers(alice, bob, carol, as_bob, project, make_project, make_transfer):
    """Alice's project offered to Bob and Carol (pending); Bob's offered to Alice and canceled."""
    pending = make_transfer(project, bob, carol)
    canceled = make_transfer(make_project(bob, "Bob's"), alice)
    assert as_bob.put(f"/api/v1/project_transfers/{canceled.id}/cancel", {}, format="json").status_code == 200
    return {"pending": pending, "canceled": canceled}


@pytest.mark.parametrize(
    ("status", "names"),
    [("pending", ["Mouse RNA-seq"]), ("canceled", ["Bob's"]), ("accepted", []), (None, ["Bob's", "Mouse RNA-seq"])],
)
def test_it_lists_the_transfers_by_status(operator, transfers, status, names):
    response = operator.get(CHANGELIST, {"status__exact": status} if status else {})

    assert response.status_code == 200
    assert sorted(transfer.project.name for transfer in response.context["cl"].result_list) == names


def test_it_shows_each_transfers_project_and_parties(operator, transfers):
    page = operator.get(CHANGELIST, {"status__exact": "pending"}).content.decode()

    assert "Mouse RNA-seq" in page
    assert "bob, carol" in page
    assert ">alice<" in page


def test_it_finds_a_transfer_by_a_recipients_username(operator, transfers):
    response = operator.get(CHANGELIST, {"q": "carol"})

    assert [transfer.pk for transfer in response.context["cl"].result_list] == [transfers["pending"].pk]


def test_it_shows_a_transfer_read_only(operator, transfers):
    response = operator.get(f"{CHANGELIST}{transfers['pending'].pk}/change/")

    assert response.status_code == 200
    assert "bob, carol" in response.content.decode()
    assert not response.context["adminform"].form.fields  # every field is read-only


def test_it_cancels_the_pending_transfers_chosen_as_the_operator(operator, transfers):
    chosen = [transfers["pending"].pk, transfers["canceled"].pk]

    response = operator.post(CHANGELIST, {"action": "cancel_transfers", "_selected_action": chosen}, follow=True)

    assert response.status_code == 200
    assert "Canceled 1 pending transfer(s)." in [str(message) for message in response.context["messages"]]
    canceled = ProjectTransfer.objects.get(pk=transfers["pending"].pk)
    assert (canceled.status, canceled.status_comment, canceled.last_updated_by.username) == (
        "canceled",
        "canceled by an operator",
        "operator",
    )
