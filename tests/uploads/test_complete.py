"""PUT /uploads/{id}/complete (202) and the completion job that verifies the stored bytes
(docs/api/uploads.md#complete)."""

import hashlib
import os
import uuid
from urllib.parse import urlencode

import pytest

from dds.jobs.models import Job
from uploads import services
from uploads.hashes import CHUNK_HASH_MISMATCH, HASH_MISMATCH, NOT_IN_STORE, SIZE_MISMATCH
from uploads.models import Fingerprint, Upload
from uploads.serializers import UploadSerializer

from ..client import API, FORM, chunk_body, md5
from ..envelopes import FORBIDDEN, TIMESTAMP, invalid, new_audit, not_found, user_preview
from . import stored

DATA = b"The quick brown fox jumps over the lazy dog"


def complete_url(upload):
    return f"{API}/uploads/{upload['id']}/complete"


def status_of(client, upload):
    return client.get(f"{API}/uploads/{upload['id']}").json()["status"]


def object_path(storage_root, upload):
    return storage_root / upload["storage_provider"]["id"] / upload["project"]["id"] / upload["id"]


def chunk_folder(storage_root, upload):
    return storage_root / upload["storage_provider"]["id"] / upload["project"]["id"] / f"{upload['id']}.chunks"


def chunk_files(storage_root, upload):
    return stored.chunk_files(storage_root, upload["storage_provider"]["id"], upload["project"]["id"], upload["id"])


def stored_bytes(storage_root, upload):
    return stored.stored_bytes(storage_root, upload["storage_provider"]["id"], upload["project"]["id"], upload["id"])


def test_it_accepts_the_completion_and_records_the_reported_hash(as_alice, alice, uploaded):
    upload = uploaded(DATA)

    response = as_alice.put(complete_url(upload), {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json")

    assert response.status_code == 202
    completed = response.json()
    assert TIMESTAMP.match(completed["status"]["completed_on"])
    assert completed["status"]["is_consistent"] is None
    assert completed["etag"] != upload["etag"]
    assert completed["audit"]["last_updated_by"] == user_preview(alice)
    assert completed["hashes"] == [
        {
            "algorithm": "md5",
            "value": md5(DATA),
            "audit": new_audit(completed["hashes"][0], alice),
        }
    ]
    assert "X-Total-Pages" not in response


def test_it_verifies_the_bytes_after_answering(as_alice, uploaded, storage_root):
    upload = uploaded(DATA)

    as_alice.put(complete_url(upload), {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json")

    status = status_of(as_alice, upload)
    assert status["is_consistent"] is True
    assert status["error_on"] is None and status["error_message"] is None
    assert stored_bytes(storage_root, upload) == DATA
    assert not object_path(storage_root, upload).exists()  # the chunks are the object: its bytes are never copied
    assert Job.objects.get(worker="complete_upload").state == Job.State.COMPLETE
    stored = Upload.objects.get()
    assert (stored.stored_size, stored.stored_md5) == (len(DATA), md5(DATA))


def test_it_takes_the_form_body_ddsclient_sends(as_alice, uploaded):
    upload = uploaded(DATA)
    body = urlencode({"hash[value]": md5(DATA), "hash[algorithm]": "md5"})

    response = as_alice.put(complete_url(upload), body, content_type=FORM)

    assert response.status_code == 202
    assert [(h["algorithm"], h["value"]) for h in response.json()["hashes"]] == [("md5", md5(DATA))]
    assert status_of(as_alice, upload)["is_consistent"] is True


def test_it_completes_an_empty_file(as_alice, create_upload, storage_root):
    upload = create_upload(size=0)

    response = as_alice.put(complete_url(upload), {"hash": {"value": md5(b""), "algorithm": "md5"}}, format="json")

    assert response.status_code == 202
    status = status_of(as_alice, upload)
    assert (status["is_consistent"], status["error_message"]) == (True, None)
    assert object_path(storage_root, upload).read_bytes() == b""


def test_it_refuses_an_unknown_hash_algorithm(as_alice, uploaded):
    upload = uploaded(DATA)

    response = as_alice.put(complete_url(upload), {"hash": {"value": md5(DATA), "algorithm": "crc32"}}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("fingerprints.algorithm", "is not included in the list"))
    assert status_of(as_alice, upload)["completed_on"] is None
    assert not Fingerprint.objects.exists()


def test_it_refuses_a_malformed_hash_value(as_alice, uploaded):
    upload = uploaded(DATA)

    response = as_alice.put(complete_url(upload), {"hash": {"value": "xyz", "algorithm": "md5"}}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("fingerprints.value", "is invalid"))
    assert status_of(as_alice, upload)["completed_on"] is None


@pytest.mark.parametrize(
    "report",
    [{"hash": {"value": md5(DATA), "algorithm": "md5"}}, {"hash": {"value": md5(DATA).upper(), "algorithm": "md5"}}],
)
def test_it_answers_a_completion_repeated_with_the_same_hash_as_the_first_and_changes_nothing(
    as_alice, uploaded, report
):
    upload = uploaded(DATA)
    first = as_alice.put(complete_url(upload), {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json")

    again = as_alice.put(complete_url(upload), report, format="json")

    assert again.status_code == 202
    assert again.json()["etag"] == first.json()["etag"]
    assert again.json()["status"]["completed_on"] == first.json()["status"]["completed_on"]
    assert again.json()["hashes"] == first.json()["hashes"]
    assert Fingerprint.objects.count() == 1
    assert Job.objects.filter(worker="complete_upload").count() == 1


def test_it_answers_a_completion_repeated_without_a_hash_as_the_first(as_alice, uploaded):
    upload = uploaded(DATA)
    first = as_alice.put(complete_url(upload), {}, format="json")

    again = as_alice.put(complete_url(upload), {}, format="json")

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["etag"] == first.json()["etag"]
    assert Job.objects.filter(worker="complete_upload").count() == 1


@pytest.mark.parametrize(
    ("first_report", "second_report"),
    [
        ({"hash": {"value": md5(DATA), "algorithm": "md5"}}, {"hash": {"value": md5(b"other"), "algorithm": "md5"}}),
        ({"hash": {"value": md5(DATA), "algorithm": "md5"}}, {}),
        ({}, {"hash": {"value": md5(DATA), "algorithm": "md5"}}),
    ],
)
def test_it_refuses_a_second_completion_with_another_report(as_alice, uploaded, first_report, second_report):
    upload = uploaded(DATA)
    first = as_alice.put(complete_url(upload), first_report, format="json")

    second = as_alice.put(complete_url(upload), second_report, format="json")

    assert second.status_code == 400
    assert second.json() == invalid(("completed_at", "Cannot change completed_at."))
    assert status_of(as_alice, upload)["completed_on"] == first.json()["status"]["completed_on"]
    assert Fingerprint.objects.count() == len(first_report)
    assert Job.objects.filter(worker="complete_upload").count() == 1


def test_it_answers_a_repeated_completion_with_the_same_hash_after_more_hashes_were_reported(as_alice, uploaded):
    upload = uploaded(DATA)
    report = {"hash": {"value": md5(DATA), "algorithm": "md5"}}
    as_alice.put(complete_url(upload), report, format="json")
    sha256 = {"value": hashlib.sha256(DATA).hexdigest(), "algorithm": "sha256"}
    assert as_alice.put(f"{API}/uploads/{upload['id']}/hashes", sha256, format="json").status_code == 200

    again = as_alice.put(complete_url(upload), report, format="json")

    assert again.status_code == 202
    assert [h["algorithm"] for h in again.json()["hashes"]] == ["md5", "sha256"]


def test_it_refuses_to_complete_an_upload_on_a_deprecated_provider_and_changes_nothing(
    as_alice, uploaded, default_provider
):
    upload = uploaded(DATA)
    default_provider.is_deprecated = True
    default_provider.save()

    response = as_alice.put(complete_url(upload), {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("storage_provider", "cannot be deprecated"))
    assert status_of(as_alice, upload)["completed_on"] is None
    assert Fingerprint.objects.count() == 0
    assert Job.objects.filter(worker="complete_upload").count() == 0


def test_it_answers_the_202_from_what_the_completion_committed_without_reading_it_again(
    as_alice, uploaded, django_assert_max_num_queries
):
    """The response is read inside the completion's transaction: nothing after the commit can fail it."""
    upload = uploaded(DATA)
    serialized = services.upload_complete(
        actor=None, upload=Upload.objects.get(pk=upload["id"]), hash_value=md5(DATA), hash_algorithm="md5"
    )

    with django_assert_max_num_queries(0):
        data = UploadSerializer(serialized, context={"host": "http://testserver"}).data

    assert data["status"]["completed_on"] is not None
    assert [h["value"] for h in data["hashes"]] == [md5(DATA)]
    assert [c["number"] for c in data["chunks"]] == [1, 2, 3]


@pytest.mark.parametrize("body", [{}, {"hash": {"value": "0" * 64, "algorithm": "sha256"}}])
def test_it_requires_an_md5_to_complete_a_non_chunked_upload(as_alice, create_upload, body):
    upload = create_upload(size=len(DATA), chunked=False)

    response = as_alice.put(complete_url(upload), body, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("fingerprints", "must contain storage provider compatible algorithm: md5"))
    assert status_of(as_alice, upload)["completed_on"] is None


@pytest.mark.parametrize("upload_id", [str(uuid.uuid4()), "nope"])
def test_it_answers_404_for_an_unknown_upload(as_alice, project, upload_id):
    response = as_alice.put(f"{API}/uploads/{upload_id}/complete", {}, format="json")

    assert response.status_code == 404
    assert response.json() == not_found("Upload")


@pytest.mark.parametrize("role", ["file_downloader", "project_viewer"])
def test_it_refuses_a_user_who_cannot_create_files(bob, client_for, grant, project, uploaded, role):
    upload = uploaded(DATA)
    grant(project, bob, role)

    response = client_for(bob).put(
        complete_url(upload), {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert Upload.objects.get().completed_on is None


# --- what verification records (docs/api/errors.md#integrity-reasons) ----------------------------------


def test_it_records_a_size_error_when_chunks_are_missing(as_alice, create_upload, storage_root):
    upload = create_upload(size=len(DATA))
    as_alice.put(f"{API}/uploads/{upload['id']}/chunks", chunk_body(1, DATA[:10]), format="json")

    response = as_alice.put(complete_url(upload), {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json")

    assert response.status_code == 202
    status = status_of(as_alice, upload)
    assert status["is_consistent"] is True
    assert status["error_message"] == SIZE_MISMATCH
    assert TIMESTAMP.match(status["error_on"])
    assert not object_path(storage_root, upload).exists()


def test_it_records_a_hash_error_when_the_whole_file_md5_differs(as_alice, uploaded, storage_root):
    """Storage keeps what arrived, with the error recorded."""
    upload = uploaded(DATA)

    as_alice.put(complete_url(upload), {"hash": {"value": md5(b"other"), "algorithm": "md5"}}, format="json")

    status = status_of(as_alice, upload)
    assert (status["is_consistent"], status["error_message"]) == (True, HASH_MISMATCH)
    assert stored_bytes(storage_root, upload) == DATA


def test_it_records_a_chunk_hash_error_when_a_chunk_was_registered_again_but_not_sent(as_alice, uploaded):
    upload = uploaded(DATA, chunk_size=10)
    as_alice.put(f"{API}/uploads/{upload['id']}/chunks", chunk_body(2, b"0123456789"), format="json")

    as_alice.put(complete_url(upload), {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json")

    status = status_of(as_alice, upload)
    assert (status["is_consistent"], status["error_message"]) == (True, CHUNK_HASH_MISMATCH)


def test_it_records_a_non_chunked_upload_that_was_never_sent(as_alice, create_upload):
    upload = create_upload(size=len(DATA), chunked=False)

    response = as_alice.put(complete_url(upload), {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json")

    assert response.status_code == 202
    status = status_of(as_alice, upload)
    assert (status["is_consistent"], status["error_message"]) == (True, NOT_IN_STORE)
    assert status["error_on"] is not None


def test_it_stores_a_non_chunked_upload_sent_to_its_signed_url(as_alice, anonymous, create_upload, send, storage_root):
    upload = create_upload(size=len(DATA), chunked=False)

    sent = send(anonymous, upload["signed_url"], DATA)
    completed = as_alice.put(complete_url(upload), {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json")

    assert sent.status_code == 201
    assert completed.status_code == 202
    assert "signed_url" not in completed.json()
    shown = as_alice.get(f"{API}/uploads/{upload['id']}").json()
    assert "signed_url" not in shown
    assert (shown["status"]["is_consistent"], shown["status"]["error_message"]) == (True, None)
    assert object_path(storage_root, upload).read_bytes() == DATA


def test_it_records_a_non_chunked_upload_whose_md5_differs(as_alice, anonymous, create_upload, send):
    upload = create_upload(size=len(DATA), chunked=False)
    send(anonymous, upload["signed_url"], DATA)

    as_alice.put(complete_url(upload), {"hash": {"value": md5(b"else"), "algorithm": "md5"}}, format="json")

    assert status_of(as_alice, upload)["error_message"] == HASH_MISMATCH


# --- the completion job can run again ------------------------------------------------------------------


def test_it_verifies_once_however_often_the_job_runs(alice, client_for, uploaded, storage_root):
    waiting = client_for(alice, commit=False)
    upload = uploaded(DATA)
    waiting.put(complete_url(upload), {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json")
    assert status_of(waiting, upload)["is_consistent"] is None

    services.upload_verify(upload_id=upload["id"])
    verified = [(path.stat().st_ino, path.stat().st_mtime_ns) for path in chunk_files(storage_root, upload)]
    first = status_of(waiting, upload)
    services.upload_verify(upload_id=upload["id"])

    assert status_of(waiting, upload) == first
    assert (first["is_consistent"], first["error_message"]) == (True, None)
    assert stored_bytes(storage_root, upload) == DATA
    assert [(path.stat().st_ino, path.stat().st_mtime_ns) for path in chunk_files(storage_root, upload)] == verified


def test_it_verifies_again_after_a_crash_between_hashing_and_commit(alice, client_for, uploaded, storage_root):
    """The bytes were hashed, but the outcome was never recorded: run the job again."""
    waiting = client_for(alice, commit=False)
    upload = uploaded(DATA)
    waiting.put(complete_url(upload), {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json")
    services.upload_verify(upload_id=upload["id"])
    Upload.objects.filter(pk=upload["id"]).update(is_consistent=None, stored_size=None, stored_md5="")

    services.upload_verify(upload_id=upload["id"])

    status = status_of(waiting, upload)
    assert (status["is_consistent"], status["error_message"]) == (True, None)
    assert Upload.objects.get().stored_md5 == md5(DATA)
    assert stored_bytes(storage_root, upload) == DATA


def test_it_does_nothing_for_an_upload_not_completed(uploaded, as_alice):
    upload = uploaded(DATA)

    services.upload_verify(upload_id=upload["id"])

    assert status_of(as_alice, upload)["is_consistent"] is None


def test_it_reports_a_large_random_file_byte_for_byte(as_alice, uploaded, storage_root):
    data = os.urandom(3 * 1024 + 17)
    upload = uploaded(data, chunk_size=1024)

    as_alice.put(complete_url(upload), {"hash": {"value": md5(data), "algorithm": "md5"}}, format="json")

    assert status_of(as_alice, upload)["error_message"] is None
    assert stored_bytes(storage_root, upload) == data
