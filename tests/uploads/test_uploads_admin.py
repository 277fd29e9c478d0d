"""The operators' view of uploads in the Django admin: filtering by state, and verifying again."""

import pytest

from dds.jobs.models import Job
from uploads.hashes import HASH_MISMATCH, SIZE_MISMATCH
from uploads.models import Upload

from ..client import API, chunk_body, md5
from ..committing import commit_then_run_jobs

CHANGELIST = "/admin/uploads/upload/"
DATA = b"0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def uploads(alice, client_for, as_alice, uploaded, complete, create_upload):
    """One upload in each state, by name."""
    waiting = client_for(alice, commit=False)
    open_ = uploaded(DATA, name="open")
    pending = uploaded(DATA, name="pending")
    waiting.put(
        f"{API}/uploads/{pending['id']}/complete", {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json"
    )
    errored = uploaded(DATA, name="errored")
    as_alice.put(
        f"{API}/uploads/{errored['id']}/complete", {"hash": {"value": md5(b"x"), "algorithm": "md5"}}, format="json"
    )
    good = uploaded(DATA, name="good")
    complete(as_alice, good["id"], DATA)
    return {upload["name"]: upload["id"] for upload in (open_, pending, errored, good)}


@pytest.mark.parametrize(
    ("state", "names"),
    [
        ("not_consistent", ["pending"]),
        ("errored", ["errored"]),
        ("open", ["open"]),
        ("consistent", ["good"]),
        (None, ["errored", "good", "open", "pending"]),
    ],
)
def test_it_filters_uploads_by_state(operator, uploads, state, names):
    response = operator.get(CHANGELIST, {"state": state} if state else {})

    assert response.status_code == 200
    assert sorted(upload.name for upload in response.context["cl"].result_list) == names


def test_it_shows_an_uploads_chunks_and_hashes(operator, uploads):
    response = operator.get(f"{CHANGELIST}{uploads['errored']}/change/")

    assert response.status_code == 200
    assert HASH_MISMATCH in response.content.decode()
    assert md5(b"x") in response.content.decode()
    assert md5(DATA[:16]) in response.content.decode()


def test_it_queues_verification_again_for_the_completed_uploads_chosen(operator, uploads):
    before = Job.objects.filter(worker="complete_upload", resource_id=uploads["errored"]).count()

    response = operator.post(
        CHANGELIST, {"action": "reverify", "_selected_action": [uploads["errored"], uploads["open"]]}, follow=True
    )

    assert response.status_code == 200
    assert "Queued verification of 1 completed upload(s)." in [str(m) for m in response.context["messages"]]
    jobs = Job.objects.filter(worker="complete_upload", resource_id=uploads["errored"]).order_by("created_on")
    assert jobs.count() == before + 1
    assert jobs.last().state == Job.State.INITIALIZED
    assert not Job.objects.filter(worker="complete_upload", resource_id=uploads["open"]).exists()
    errored = Upload.objects.get(pk=uploads["errored"])
    assert (errored.is_consistent, errored.error_on, errored.error_message) == (None, None, None)
    assert sorted(u.name for u in operator.get(CHANGELIST, {"state": "not_consistent"}).context["cl"].result_list) == [
        "errored",
        "pending",
    ]


def test_it_clears_an_error_once_storage_was_repaired_and_verified_again(
    operator, as_alice, create_upload, storage_root
):
    upload = create_upload(size=len(DATA))
    as_alice.put(f"{API}/uploads/{upload['id']}/chunks", chunk_body(1, DATA), format="json")
    as_alice.put(
        f"{API}/uploads/{upload['id']}/complete", {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json"
    )
    assert Upload.objects.get().error_message == SIZE_MISMATCH
    # An operator puts the object back where storage keeps it.
    target = storage_root / upload["storage_provider"]["id"] / upload["project"]["id"] / upload["id"]
    target.write_bytes(DATA)

    with commit_then_run_jobs():
        operator.post(CHANGELIST, {"action": "reverify", "_selected_action": [upload["id"]]})

    status = as_alice.get(f"{API}/uploads/{upload['id']}").json()["status"]
    assert (status["is_consistent"], status["error_on"], status["error_message"]) == (True, None, None)
    assert Job.objects.filter(worker="complete_upload").latest("created_on").state == Job.State.COMPLETE


def test_it_offers_no_way_to_add_an_upload(operator, db):
    assert operator.get(f"{CHANGELIST}add/").status_code == 403
