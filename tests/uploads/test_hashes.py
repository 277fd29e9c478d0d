"""PUT /uploads/{id}/hashes: one more whole-file fingerprint of a completed upload (docs/api/uploads.md#hashes)."""

import uuid
from urllib.parse import urlencode

import pytest

from uploads import services
from uploads.hashes import HASH_MISMATCH
from uploads.models import Fingerprint

from ..client import API, FORM, md5, sha256
from ..envelopes import FORBIDDEN, invalid, new_audit, not_found, user_preview

DATA = b"Call me Ishmael. Some years ago - never mind how long precisely"


def hashes_url(upload):
    return f"{API}/uploads/{upload['id']}/hashes"


@pytest.fixture
def verified(as_alice, uploaded, complete):
    """Alice's chunked upload of DATA, completed and verified."""
    upload = uploaded(DATA)
    complete(as_alice, upload["id"], DATA)
    assert as_alice.get(f"{API}/uploads/{upload['id']}").json()["status"]["is_consistent"] is True
    return upload


def test_it_adds_a_matching_sha256_to_a_verified_upload(as_alice, alice, verified):
    response = as_alice.put(hashes_url(verified), {"value": sha256(DATA), "algorithm": "sha256"}, format="json")

    assert response.status_code == 200
    hashes = response.json()["hashes"]
    assert [(h["algorithm"], h["value"]) for h in hashes] == [("md5", md5(DATA)), ("sha256", sha256(DATA))]
    assert hashes[1]["audit"] == new_audit(hashes[1], alice)
    assert as_alice.get(f"{API}/uploads/{verified['id']}").json()["hashes"] == hashes
    assert "X-Total-Pages" not in response


def test_it_takes_a_form_body(as_alice, verified):
    body = urlencode({"value": sha256(DATA).upper(), "algorithm": "sha256"})

    response = as_alice.put(hashes_url(verified), body, content_type=FORM)

    assert response.status_code == 200
    assert response.json()["hashes"][1]["algorithm"] == "sha256"


def test_it_refuses_a_sha256_that_does_not_match_the_stored_bytes(as_alice, verified):
    response = as_alice.put(hashes_url(verified), {"value": sha256(b"other"), "algorithm": "sha256"}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("fingerprints.value", "does not match the stored bytes"))
    assert list(Fingerprint.objects.values_list("algorithm", flat=True)) == ["md5"]


def test_it_checks_a_hash_reported_before_verification_during_verification(alice, client_for, uploaded):
    """Completed, not verified yet: the sha256 is kept, and the completion job compares it with the bytes."""
    waiting = client_for(alice, commit=False)
    upload = uploaded(DATA)
    waiting.put(
        f"{API}/uploads/{upload['id']}/complete", {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json"
    )

    response = waiting.put(hashes_url(upload), {"value": sha256(b"other"), "algorithm": "sha256"}, format="json")
    services.upload_verify(upload_id=upload["id"])

    assert response.status_code == 200
    status = waiting.get(f"{API}/uploads/{upload['id']}").json()["status"]
    assert (status["is_consistent"], status["error_message"]) == (True, HASH_MISMATCH)


def test_it_refuses_a_hash_for_an_upload_not_completed(as_alice, uploaded):
    upload = uploaded(DATA)

    response = as_alice.put(hashes_url(upload), {"value": sha256(DATA), "algorithm": "sha256"}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("fingerprints", "must be blank"))
    assert not Fingerprint.objects.exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"value": md5(DATA), "algorithm": "crc32"}, [("fingerprints.algorithm", "is not included in the list")]),
        ({"value": "zz", "algorithm": "sha256"}, [("fingerprints.value", "is invalid")]),
        ({"algorithm": "sha256"}, [("value", "is missing")]),
        (
            {"hash": {"value": sha256(DATA), "algorithm": "sha256"}},
            [("value", "is missing"), ("algorithm", "is missing")],
        ),
    ],
)
def test_it_refuses_an_invalid_hash(as_alice, verified, body, errors):
    response = as_alice.put(hashes_url(verified), body, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(*errors)
    assert Fingerprint.objects.count() == 1


def test_it_requires_update_file(bob, client_for, grant, project, verified):
    grant(project, bob, "file_uploader")

    response = client_for(bob).put(hashes_url(verified), {"value": sha256(DATA), "algorithm": "sha256"}, format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert Fingerprint.objects.count() == 1


def test_it_lets_a_file_editor_add_a_hash(bob, client_for, grant, project, verified):
    grant(project, bob, "file_editor")

    response = client_for(bob).put(hashes_url(verified), {"value": sha256(DATA), "algorithm": "sha256"}, format="json")

    assert response.status_code == 200
    assert response.json()["hashes"][1]["audit"]["created_by"] == user_preview(bob)


@pytest.mark.parametrize("upload_id", [str(uuid.uuid4()), "x"])
def test_it_answers_404_for_an_unknown_upload(as_alice, project, upload_id):
    response = as_alice.put(
        f"{API}/uploads/{upload_id}/hashes", {"value": sha256(DATA), "algorithm": "sha256"}, format="json"
    )

    assert response.status_code == 404
    assert response.json() == not_found("Upload")


def test_it_keeps_one_hash_per_algorithm(as_alice, verified):
    """Issue 29: an upload's `hashes` stay bounded: the same report again changes nothing, another value is refused."""
    again = as_alice.put(hashes_url(verified), {"value": md5(DATA).upper(), "algorithm": "md5"}, format="json")
    other = as_alice.put(hashes_url(verified), {"value": md5(b"other"), "algorithm": "md5"}, format="json")

    assert again.status_code == 200 and len(again.json()["hashes"]) == 1
    assert (other.status_code, other.json()) == (400, invalid(("fingerprints.algorithm", "has already been taken")))
    assert list(Fingerprint.objects.values_list("algorithm", flat=True)) == ["md5"]
