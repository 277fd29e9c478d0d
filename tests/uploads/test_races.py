"""Races on an upload and its chunks (issue 13, items 1, 4 and 5), each made to happen deterministically: a chunk
PUT held mid-body on a real HTTP server with a socket fed by hand, requests in threads that a lock held from a
second connection lines up at the same point. None may answer 5xx, 201 for bytes that will not be used, or leave a
chunk whose bytes are not those of its registration."""

import json
import socket

import pytest

from dds.jobs.models import Job
from dds.jobs.services import jobs_run_queued
from uploads.models import Chunk, Upload

from ..client import API, chunk_body, md5
from ..races import in_thread, second_connection, wait_for_lock_waiters
from ..workers import wait_until
from . import stored
from .test_transfer import chunk_folder, files_under

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DATA = b"The quick brown fox jumps over the lazy dog"


class HeldTransfer:
    """A PUT to a live server whose headers and first bytes are sent, the rest held until `finish()`."""

    def __init__(self, live_server, url, body, *, sent):
        host, port = live_server.thread.host, live_server.thread.port
        self.socket = socket.create_connection((host, port), timeout=30)
        head = (
            f"PUT {url} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        self.socket.sendall(head.encode() + body[:sent])
        self.rest = body[sent:]

    def finish(self):
        """Send the rest of the body; the status and the JSON body (None if empty) of the answer."""
        self.socket.sendall(self.rest)
        answer = b""
        while block := self.socket.recv(65536):
            answer += block
        self.socket.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        return int(head.split()[1]), json.loads(body) if body else None


def register(client, upload, number, data):
    response = client.put(f"{API}/uploads/{upload['id']}/chunks", chunk_body(number, data), format="json")
    assert response.status_code == 200, response.content
    return response.json()["url"]


def receiving(storage_root, upload, number):
    def partial_file():
        """the storage endpoint is receiving the held body"""
        return any(chunk_folder(storage_root, upload).glob(f".{number}.partial-*"))

    wait_until(partial_file)


def test_a_stale_chunk_transfer_never_replaces_the_bytes_of_a_newer_registration(
    live_server, as_alice, anonymous, create_upload, send, storage_root
):
    first, second = b"a" * 16, b"b" * 16
    upload = create_upload(size=16)
    stale = HeldTransfer(live_server, register(as_alice, upload, 1, first), first, sent=8)
    receiving(storage_root, upload, 1)
    fresh = as_alice.put(f"{API}/uploads/{upload['id']}/chunks", chunk_body(1, second), format="json").json()
    assert send(anonymous, fresh, second).status_code == 201

    status, body = stale.finish()

    assert (status, body) == (
        409,
        {
            "error": 409,
            "code": "not_provided",
            "reason": "chunk was registered again",
            "suggestion": "send the chunk's bytes to the URL its latest registration answered "
            "(register it again for a new one)",
        },
    )
    assert (chunk_folder(storage_root, upload) / "1").read_bytes() == second
    assert as_alice.put(f"{API}/uploads/{upload['id']}/complete", {}, format="json").status_code == 202
    verified = Upload.objects.get(pk=upload["id"])
    assert (verified.is_consistent, verified.error_message, verified.stored_md5) == (True, None, md5(second))


def test_a_chunk_url_of_an_earlier_registration_is_refused_before_its_bytes_are_read(
    as_alice, anonymous, create_upload, send, storage_root
):
    upload = create_upload(size=16)
    earlier = as_alice.put(f"{API}/uploads/{upload['id']}/chunks", chunk_body(1, b"a" * 16), format="json").json()
    register(as_alice, upload, 1, b"b" * 16)

    response = send(anonymous, earlier, b"a" * 16)

    assert response.status_code == 409
    assert response.json()["reason"] == "chunk was registered again"
    assert files_under(storage_root) == []
    assert Chunk.objects.get().is_stored is False


@pytest.mark.postgresql("holds a row lock from a second connection")
def test_concurrent_first_registrations_of_one_chunk_number_both_answer_and_leave_one_chunk(
    client_for, alice, create_upload
):
    upload = create_upload(size=16)
    clients = [client_for(alice, commit=False) for _ in range(2)]
    with second_connection() as other:
        other.execute("SELECT 1 FROM uploads_upload WHERE id = %s FOR UPDATE", [upload["id"]])
        answers = [
            in_thread(register_answer, client, upload, byte) for client, byte in zip(clients, b"ab", strict=True)
        ]
        wait_for_lock_waiters(2)
        other.rollback()

    statuses = sorted(answer.result(timeout=30).status_code for answer in answers)

    assert statuses == [200, 200]
    assert Chunk.objects.filter(upload_id=upload["id"]).count() == 1
    assert Chunk.objects.get().hash_value in (md5(b"a" * 16), md5(b"b" * 16))


def register_answer(client, upload, byte):
    return client.put(f"{API}/uploads/{upload['id']}/chunks", chunk_body(1, bytes([byte]) * 16), format="json")


@pytest.mark.postgresql("holds a row lock from a second connection")
def test_a_chunk_registered_while_complete_commits_is_refused_and_the_upload_verifies(
    client_for, alice, uploaded, storage_root
):
    upload = uploaded(DATA)
    completing_client, registering_client = client_for(alice, commit=False), client_for(alice, commit=False)
    with second_connection() as other:
        other.execute(f"LOCK TABLE {Job._meta.db_table} IN EXCLUSIVE MODE")  # complete waits, the upload locked
        completing = in_thread(
            completing_client.put,
            f"{API}/uploads/{upload['id']}/complete",
            {"hash": {"value": md5(DATA), "algorithm": "md5"}},
            format="json",
        )
        wait_for_lock_waiters(1)
        registering = in_thread(
            registering_client.put, f"{API}/uploads/{upload['id']}/chunks", chunk_body(4, b"late"), format="json"
        )
        wait_for_lock_waiters(2)
        other.rollback()

    assert completing.result(timeout=30).status_code == 202
    refused = registering.result(timeout=30)
    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"field": "completed_at", "message": "Cannot change completed_at."}]
    assert list(Chunk.objects.filter(upload_id=upload["id"]).values_list("number", flat=True)) == [1, 2, 3]
    jobs_run_queued()  # the verification complete queued, as the job runners run it after the response
    verified = Upload.objects.get(pk=upload["id"])
    assert (verified.is_consistent, verified.error_message, verified.stored_md5) == (True, None, md5(DATA))


def test_a_chunk_transfer_in_flight_when_verification_finishes_is_refused_and_keeps_nothing(
    live_server, as_alice, uploaded, storage_root
):
    upload = uploaded(DATA)
    again = HeldTransfer(live_server, register(as_alice, upload, 1, DATA[:16]), DATA[:16], sent=8)
    receiving(storage_root, upload, 1)
    completed = as_alice.put(
        f"{API}/uploads/{upload['id']}/complete", {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json"
    )
    assert completed.status_code == 202
    assert Upload.objects.get(pk=upload["id"]).is_consistent is True

    status, body = again.finish()

    assert (status, body) == (
        400,
        {
            "error": 400,
            "code": "not_provided",
            "reason": "upload already completed",
            "suggestion": "start a new upload",
        },
    )
    verified = Upload.objects.get(pk=upload["id"])
    assert (verified.error_message, verified.stored_md5) == (None, md5(DATA))
    chunks = stored.chunk_files(storage_root, upload["storage_provider"]["id"], upload["project"]["id"], upload["id"])
    assert b"".join(path.read_bytes() for path in chunks) == DATA
    assert files_under(storage_root) == sorted(str(path.relative_to(storage_root)) for path in chunks)
