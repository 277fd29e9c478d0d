"""Chunks hashed in number order while the others still arrive (uploads/storage/follower.py): verification goes on
from there, and records exactly the digests of the bytes stored, whatever the order the chunks came in, however
often one was sent, and whether or not the process that verifies followed them."""

import hashlib
import os

import pytest

from dds.jobs.adapters import ADAPTERS
from dds.jobs.models import Job
from uploads.models import Upload
from uploads.storage import follower
from uploads.storage.follower import followed_take

from ..client import API, Chunks, TestApi, chunk_body, md5
from ..workers import queue_depth, wait_until
from . import stored

DATA = os.urandom(5 * 1000 + 7)


def digests(data):
    return {algorithm: hashlib.new(algorithm, data).hexdigest() for algorithm in ("md5", "sha1", "sha256")}


def followed(upload):
    """(digests, chunks) of what this process followed of the upload, once its follower has caught up; forgets it."""
    ADAPTERS["inline"].hints_wait()
    row = Upload.objects.get(pk=upload["id"])
    hashes, count = followed_take(row, list(row.chunks.order_by("number")))
    return hashes.hexdigests(), count


def send_chunks(client, upload, data, numbers, chunk_size=1000):
    api = TestApi(client)
    for number in numbers:
        piece = data[(number - 1) * chunk_size : number * chunk_size]
        descriptor = api.call("PUT", f"/uploads/{upload['id']}/chunks", 200, json=chunk_body(number, piece))
        assert api.send(descriptor, piece).status_code == 201


def complete(client, upload, data):
    response = client.put(
        f"{API}/uploads/{upload['id']}/complete", {"hash": {"value": md5(data), "algorithm": "md5"}}, format="json"
    )
    assert response.status_code == 202
    return client.get(f"{API}/uploads/{upload['id']}").json()["status"]


def test_it_hashes_every_chunk_as_it_is_stored(uploaded):
    upload = uploaded(DATA, chunk_size=1000)

    assert followed(upload) == (digests(DATA), 6)


def test_it_hashes_chunks_stored_out_of_order_once_the_gap_is_filled(as_alice, create_upload):
    upload = create_upload(size=len(DATA))
    send_chunks(as_alice, upload, DATA, [3, 2])
    ADAPTERS["inline"].hints_wait()
    assert follower._followed[Upload.objects.get(pk=upload["id"]).id].hashed == []  # chunk 1 missing: nothing yet

    send_chunks(as_alice, upload, DATA, [3, 2, 5, 1, 6, 4])

    assert followed(upload) == (digests(DATA), 6)


def test_it_verifies_from_where_the_follower_got_to(as_alice, create_upload):
    upload = create_upload(size=len(DATA))
    send_chunks(as_alice, upload, DATA, [1, 2, 3, 5, 6])  # followed up to chunk 3
    ADAPTERS["inline"].hints_wait()
    send_chunks(as_alice, upload, DATA, [4])

    status = complete(as_alice, upload, DATA)

    assert (status["is_consistent"], status["error_message"]) == (True, None)
    row = Upload.objects.get(pk=upload["id"])
    assert (row.stored_size, row.stored_md5, row.stored_sha1, row.stored_sha256) == (
        len(DATA),
        *digests(DATA).values(),
    )


def test_a_chunk_sent_again_with_other_bytes_after_it_was_hashed_is_hashed_again(as_alice, uploaded, storage_root):
    upload = uploaded(DATA, chunk_size=1000)
    ADAPTERS["inline"].hints_wait()
    changed = DATA[:1000] + os.urandom(1000) + DATA[2000:]
    send_chunks(as_alice, upload, changed, [2])

    status = complete(as_alice, upload, changed)

    assert (status["is_consistent"], status["error_message"]) == (True, None)
    row = Upload.objects.get(pk=upload["id"])
    assert (row.stored_md5, row.stored_sha256) == (md5(changed), digests(changed)["sha256"])
    provider, project = upload["storage_provider"]["id"], upload["project"]["id"]
    assert stored.stored_bytes(storage_root, provider, project, upload["id"]) == changed


def test_nothing_is_followed_once_a_verification_took_what_was(as_alice, uploaded):
    upload = uploaded(DATA, chunk_size=1000)
    assert followed(upload)[1] == 6

    send_chunks(as_alice, upload, DATA, [1])  # a hint that comes after the verification took the digests

    assert followed(upload) == (digests(b""), 0)


def test_a_process_that_followed_nothing_hashes_every_chunk(as_alice, uploaded):
    upload = uploaded(DATA, chunk_size=1000)
    followed(upload)  # as in a process other than the one the chunks' hints reached

    status = complete(as_alice, upload, DATA)

    assert (status["is_consistent"], status["error_message"]) == (True, None)
    assert Upload.objects.get(pk=upload["id"]).stored_sha1 == digests(DATA)["sha1"]


def test_a_chunk_cut_short_on_disk_after_it_was_hashed_is_a_size_error(as_alice, uploaded, storage_root):
    upload = uploaded(DATA, chunk_size=1000)
    ADAPTERS["inline"].hints_wait()
    provider, project = upload["storage_provider"]["id"], upload["project"]["id"]
    with stored.chunk_files(storage_root, provider, project, upload["id"])[1].open("r+b") as chunk:
        chunk.truncate(10)

    status = complete(as_alice, upload, DATA)

    assert (status["is_consistent"], status["error_message"]) == (
        True,
        "reported size does not match size computed by StorageProvider",
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_dramatiq_mode_the_worker_follows_the_chunks_without_a_job(dramatiq_mode, as_alice, start_worker):
    start_worker("initialize_project_storage", "complete_upload")
    project = as_alice.post("/api/v1/projects", {"name": "Followed", "description": "d"}, format="json").json()
    wait_until(lambda: as_alice.get(f"/api/v1/projects/{project['id']}").json()["is_consistent"])
    upload = TestApi(as_alice).upload_create(project["id"], size=len(DATA), name="f.bin", chunked=True)

    TestApi(as_alice).chunks_send(upload["id"], Chunks(DATA, 1000))
    wait_until(lambda: queue_depth(dramatiq_mode, "upload_completion")["ready"] == 0)
    status = complete(as_alice, upload, DATA)
    wait_until(lambda: as_alice.get(f"{API}/uploads/{upload['id']}").json()["status"]["is_consistent"])

    assert as_alice.get(f"{API}/uploads/{upload['id']}").json()["status"]["error_message"] is None
    assert Upload.objects.get(pk=upload["id"]).stored_sha256 == digests(DATA)["sha256"]
    assert list(Job.objects.filter(resource_id=upload["id"]).values_list("worker", flat=True)) == ["complete_upload"]
    assert status["completed_on"] is not None
