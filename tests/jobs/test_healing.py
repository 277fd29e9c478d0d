"""Faults the way they happen, healed with nobody running a command: the sweeper in `run_workers` and in the embedded
server (bin/serve) does it. Each test asserts what a user sees afterwards: every resource consistent, every job done.
"""

import shutil
import subprocess
from contextlib import contextmanager
from functools import partial

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from dds.audit import Actor
from dds.jobs.models import Job
from projects.models import ProjectStorageProvider
from projects.services import project_create
from uploads.models import Upload

from ..files.conftest import stored_upload
from ..workers import wait_until
from .test_sweeper import process_dies_after_commit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

COUNT = 10


def _vhost():
    return settings.CLOUDAMQP_URL.rsplit("/", 1)[1] or "/"


def _rabbitmqctl(*args):
    done = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@contextmanager
def broker_refusing_us():
    """RabbitMQ refuses the run's user on its virtual host (permissions revoked, open connections closed) until the
    block ends, as during an outage or a botched credentials change."""
    if shutil.which("rabbitmqctl") is None or _vhost() == "/":
        pytest.skip("needs rabbitmqctl and a virtual host of the run's own")
    _rabbitmqctl("clear_permissions", "-p", _vhost(), "guest")
    _rabbitmqctl("close_all_connections", "-p", _vhost(), "broker outage")
    try:
        yield
    finally:
        _rabbitmqctl("set_permissions", "-p", _vhost(), "guest", ".*", ".*", ".*")


def verified(uploads):
    return Upload.objects.filter(id__in=[u.id for u in uploads], is_consistent=True, error_on__isnull=True).count()


def test_after_a_broker_outage_every_upload_is_verified_with_no_command(project, alice, dramatiq_mode, start_worker):
    start_worker("complete_upload")
    with broker_refusing_us():
        uploads = [stored_upload(project, alice, f"outage {n}".encode(), verified=False) for n in range(COUNT)]
        unsent = Job.objects.filter(worker="complete_upload", sent_on__isnull=True)
        assert unsent.count() == COUNT
        assert all(error.startswith("not sent: ") for error in unsent.values_list("last_error", flat=True))
        assert verified(uploads) == 0

    wait_until(lambda: verified(uploads) == COUNT, timeout=60)

    def job_states():
        return set(Job.objects.filter(worker="complete_upload").values_list("state", flat=True))

    # the worker marks its job complete just after the upload's verification commits
    wait_until(lambda: not job_states() & set(Job.LIVE_STATES), timeout=10)
    assert job_states() == {Job.State.COMPLETE}


def test_a_job_whose_database_connection_is_killed_is_retried_with_no_command(alice, start_server):
    start_server()
    with process_dies_after_commit():  # the server's sweeper will run its job
        project = project_create(actor=Actor(user=alice), name="Killed", description="its job's connection dies")
    storage = ProjectStorageProvider.objects.get(project=project)
    database = connection.settings_dict
    connect = partial(psycopg.connect, host=database["HOST"], port=database["PORT"], user=database["USER"])
    with connect(dbname=database["NAME"]) as locker, connect(dbname=database["NAME"], autocommit=True) as watcher:
        locker.execute(f"SELECT 1 FROM {ProjectStorageProvider._meta.db_table} WHERE id = %s FOR UPDATE", [storage.id])

        def job_waiting_on_the_lock():
            """the job's connection waits for the row lock (asked outside the locker's transaction, whose view of
            pg_stat_activity stays as it first read it)"""
            return watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()

        wait_until(job_waiting_on_the_lock)
        watcher.execute("SELECT pg_terminate_backend(%s)", job_waiting_on_the_lock())

    wait_until(lambda: ProjectStorageProvider.objects.get(pk=storage.pk).is_initialized)
    job = Job.objects.get()
    assert (job.state, job.attempts) == (Job.State.COMPLETE, 2)
