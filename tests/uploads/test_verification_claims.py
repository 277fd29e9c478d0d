"""The completion job reads the bytes outside any transaction (issue 12, item 5), under a claim (a lease) that keeps
two verifications of one upload from both reading or assembling it; a fingerprint reported while it reads is
checked by its verdict (issue 13, item 2).

The verification is held mid-read for real: the stored object is replaced by a named pipe that the test writes the
bytes into, so the job blocks inside its read loop for as long as the test wants.
"""

import errno
import hashlib
import os
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from uploads import services
from uploads.claims import VERIFICATION_LEASE
from uploads.hashes import HASH_MISMATCH
from uploads.models import Upload
from uploads.storage.base import StorageUnreachable
from uploads.storage.filesystem import FilesystemStorage

from ..client import API, md5
from ..files.conftest import stored_upload
from ..races import in_thread, second_connection
from ..workers import wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DATA = os.urandom(64 * 1024)


@pytest.fixture
def completed(project, alice, dramatiq_mode):
    """A non-chunked upload of DATA, completed with its md5; its verification job waits in RabbitMQ."""
    return stored_upload(project, alice, DATA, verified=False)


class Pipe:
    """The upload's object as a named pipe: `open()` returns once a verification has opened it to read."""

    def __init__(self, upload):
        self.path = FilesystemStorage(upload.storage_provider).object_path(upload)
        self.path.unlink()
        os.mkfifo(self.path)
        self.fd = None

    def _open_if_read(self):
        try:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            if error.errno != errno.ENXIO:
                raise
        return self.fd is not None

    def open(self):
        def reader_opened():
            """a verification reads the object"""
            return self._open_if_read()

        wait_until(reader_opened)
        os.set_blocking(self.fd, True)

    def write(self, data):
        os.write(self.fd, data)

    def close(self):
        if self.fd is not None or self._open_if_read():
            os.close(self.fd)
        self.fd = None


@pytest.fixture
def pipe_of():
    """`pipe_of(upload)`: a Pipe closed at the end of the test, so that a verification still reading it ends."""
    pipes = []

    def make(upload):
        pipes.append(Pipe(upload))
        return pipes[-1]

    yield make
    for pipe in pipes:
        pipe.close()


def verify_in_thread(upload, *, idle_timeout=None):
    """upload_verify in a thread, on a connection with `idle_in_transaction_session_timeout` set; (future, pid)."""
    started = {}

    def verify():
        with connection.cursor() as cursor:
            if idle_timeout:
                cursor.execute(f"SET idle_in_transaction_session_timeout = '{idle_timeout}'")
            cursor.execute("SELECT pg_backend_pid()")
            started["pid"] = cursor.fetchone()[0]
        services.upload_verify(upload_id=upload.id)

    future = in_thread(verify)
    wait_until(lambda: "pid" in started or future.done())
    return future, started.get("pid")


def session(pid):
    """(state, seconds in that state) of a backend, as PostgreSQL tells it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT state, extract(epoch FROM clock_timestamp() - state_change) FROM pg_stat_activity WHERE pid = %s",
            [pid],
        )
        return cursor.fetchone()


@pytest.mark.postgresql("observes the verification's database session in pg_stat_activity")
def test_it_holds_no_transaction_while_it_reads_and_outlives_the_idle_in_transaction_timeout(completed, pipe_of):
    pipe = pipe_of(completed)
    verification, pid = verify_in_thread(completed, idle_timeout="100ms")
    pipe.open()
    pipe.write(DATA[:1000])

    def idle_longer_than_the_timeout():
        """the verification's session has been idle, mid-read, for longer than the timeout"""
        state, seconds = session(pid)
        assert state == "idle", state
        return seconds > 0.3

    wait_until(idle_longer_than_the_timeout)
    pipe.write(DATA[1000:])
    pipe.close()
    verification.result(timeout=30)

    upload = Upload.objects.get(pk=completed.pk)
    assert (upload.is_consistent, upload.error_message) == (True, None)
    assert (upload.stored_size, upload.stored_md5) == (len(DATA), md5(DATA))
    assert upload.verification_claim == ""


@pytest.mark.postgresql("observes the verification's database session in pg_stat_activity")
@pytest.mark.parametrize(
    ("reported", "error"), [(hashlib.sha256(DATA).hexdigest(), None), ("0" * 64, HASH_MISMATCH)], ids=["right", "wrong"]
)
def test_a_fingerprint_reported_while_the_bytes_are_read_is_checked_by_the_verdict(
    completed, pipe_of, as_alice, reported, error
):
    pipe = pipe_of(completed)
    verification, _ = verify_in_thread(completed)
    pipe.open()
    pipe.write(DATA[:1000])

    response = as_alice.put(
        f"{API}/uploads/{completed.id}/hashes", {"value": reported, "algorithm": "sha256"}, format="json"
    )
    pipe.write(DATA[1000:])
    pipe.close()
    verification.result(timeout=30)

    assert response.status_code == 200
    upload = Upload.objects.get(pk=completed.pk)
    assert (upload.is_consistent, upload.error_message) == (True, error)
    assert upload.stored_sha256 == hashlib.sha256(DATA).hexdigest()


@pytest.mark.postgresql("observes the verification's database session in pg_stat_activity")
def test_a_second_verification_while_the_first_reads_neither_waits_nor_reads(completed, pipe_of):
    pipe = pipe_of(completed)
    first, _ = verify_in_thread(completed)
    pipe.open()
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '5s'")  # a verification that waits for the first one fails here

    services.upload_verify(upload_id=completed.id)

    assert Upload.objects.get(pk=completed.pk).is_consistent is None
    pipe.write(DATA)
    pipe.close()
    first.result(timeout=30)
    upload = Upload.objects.get(pk=completed.pk)
    assert (upload.is_consistent, upload.error_message, upload.stored_md5) == (True, None, md5(DATA))


def session_of(other):
    """The claim's record of another connection's database session."""
    return other.execute(
        "SELECT pg_backend_pid()::text || ':' || extract(epoch FROM backend_start)::text "
        "FROM pg_stat_activity WHERE pid = pg_backend_pid()"
    ).fetchone()[0]


def _claim(upload, *, session, age=timedelta(0)):
    Upload.objects.filter(pk=upload.pk).update(
        verification_claim="f" * 32, verification_claimed_on=timezone.now() - age, verification_session=session
    )


@pytest.mark.postgresql("holds a row lock from a second connection")
def test_a_claim_whose_database_session_ended_is_taken_again_at_once(completed):
    with second_connection() as other:
        claimant = session_of(other)
    _claim(completed, session=claimant)  # the claimant's connection is closed: its session has ended

    services.upload_verify(upload_id=completed.id)

    upload = Upload.objects.get(pk=completed.pk)
    assert (upload.is_consistent, upload.error_message, upload.verification_claim) == (True, None, "")


@pytest.mark.postgresql("holds a row lock from a second connection")
def test_a_claim_of_a_live_session_is_left_to_it(completed):
    with second_connection() as other:
        claimant = session_of(other)
        other.commit()
        _claim(completed, session=claimant)

        services.upload_verify(upload_id=completed.id)

        assert Upload.objects.get(pk=completed.pk).is_consistent is None


def test_a_claim_older_than_the_lease_is_taken_again(completed):
    _claim(completed, session="", age=VERIFICATION_LEASE + timedelta(seconds=1))

    services.upload_verify(upload_id=completed.id)

    assert Upload.objects.get(pk=completed.pk).is_consistent is True


def test_a_verification_that_fails_releases_its_claim_for_the_retry(completed):
    path = FilesystemStorage(completed.storage_provider).object_path(completed)
    path.unlink()
    path.mkdir()  # storage answers with an error where the object should be

    with pytest.raises(StorageUnreachable):
        services.upload_verify(upload_id=completed.id)

    assert Upload.objects.get(pk=completed.pk).verification_claim == ""
    path.rmdir()
    path.write_bytes(DATA)
    services.upload_verify(upload_id=completed.id)
    assert Upload.objects.get(pk=completed.pk).is_consistent is True


@pytest.mark.postgresql("observes the verification's database session in pg_stat_activity")
def test_a_claim_left_by_this_connection_is_taken_again(completed):
    """A verification whose release failed left it: the same connection cannot be running that one any more."""
    with connection.cursor() as cursor:
        _claim(completed, session=session_of(cursor))

    services.upload_verify(upload_id=completed.id)

    assert Upload.objects.get(pk=completed.pk).is_consistent is True
