"""One pass of the sweeper at a time, against the real database and RabbitMQ: what it sends, runs, re-enqueues, and
what it leaves to a human."""

from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, transaction
from django.utils import timezone

from dds.audit import Actor
from dds.jobs import sweeper
from dds.jobs.models import Job
from dds.jobs.services import PROCESS, job_run, jobs_run_queued
from projects.models import ProjectStorageProvider
from projects.services import project_create
from uploads.models import StorageProvider

from ..committing import commit_then_run_jobs
from ..workers import queue_depth

QUEUE = "project_storage_provider_initialization"


@contextmanager
def process_dies_after_commit():
    """The block commits, but its on-commit callbacks (the jobs' send or inline run) never happen, as when the
    process dies right after its commit."""
    with transaction.atomic():
        yield
        transaction.get_connection().run_on_commit.clear()


def a_project(alice, name="Swept"):
    with process_dies_after_commit():
        project = project_create(actor=Actor(user=alice), name=name, description="its job was never sent")
    return project


def sweep():
    """One pass, then the inline jobs it queued, run as this process's job runners would run them."""
    counts = sweeper.sweep()
    jobs_run_queued()
    return counts


def age(**fields):
    """Move the jobs' timestamps `fields` (e.g. created_on=10) that many seconds into the past."""
    Job.objects.update(**{field: timezone.now() - timedelta(seconds=seconds) for field, seconds in fields.items()})


def is_initialized(project):
    return ProjectStorageProvider.objects.get(project=project).is_initialized


committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@committed
def test_it_sends_a_job_that_was_recorded_but_never_sent_exactly_once(dramatiq_mode, alice):
    a_project(alice)
    age(created_on=10)

    assert sweep() == {"sent": 1, "run": 0, "resent": 0, "found": 0}
    assert sweep() == {"sent": 0, "run": 0, "resent": 0, "found": 0}

    job = Job.objects.get()
    assert (job.state, job.last_error) == (Job.State.INITIALIZED, "")
    assert job.sent_on is not None
    assert queue_depth(dramatiq_mode, QUEUE)["ready"] == 1


@committed
def test_it_re_enqueues_work_whose_message_was_lost_and_closes_the_lost_job(dramatiq_mode, alice, settings):
    project = a_project(alice)
    age(created_on=10)
    sweep()
    dramatiq_mode.flush(QUEUE)  # the message is gone, as with a deleted queue
    lost = Job.objects.get()
    ProjectStorageProvider.objects.update(created_on=timezone.now() - timedelta(seconds=120))
    age(created_on=120, sent_on=settings.RECONCILE_OLDER_THAN + 1)

    assert sweep()["resent"] == 1

    lost.refresh_from_db()
    assert lost.state == Job.State.SUPERSEDED
    replacement = Job.objects.exclude(pk=lost.pk).get()
    assert lost.last_error == f"superseded by job {replacement.id}"
    assert replacement.args == lost.args and replacement.sent_on is not None
    assert queue_depth(dramatiq_mode, QUEUE)["ready"] == 1
    assert not is_initialized(project)


def test_it_leaves_recent_work_and_sent_messages_alone(dramatiq_mode, alice):
    a_project(alice)
    assert sweep() == {"sent": 0, "run": 0, "resent": 0, "found": 0}  # the request that made it may still be sending it
    assert Job.objects.get().sent_on is None


def test_it_runs_an_inline_job_that_never_ran_once(alice):
    project = a_project(alice)
    age(created_on=10)

    assert sweep()["run"] == 1
    assert sweep()["run"] == 0

    assert is_initialized(project)
    job = Job.objects.get()
    assert (job.state, job.attempts) == (Job.State.COMPLETE, 1)


def test_it_retries_a_transient_failure_for_as_long_as_it_lasts(alice, settings, tmp_path):
    settings.JOB_MAX_RETRIES = 1
    settings.STORAGE_ROOT = tmp_path / "a-file"
    settings.STORAGE_ROOT.write_text("storage cannot make its folders here")
    project = a_project(alice)
    age(created_on=10)
    for _ in range(3):
        sweep()
        job = Job.objects.get()
        assert job.state == Job.State.RETRYING
        assert job.last_error.startswith("StorageUnreachable: ")
        age(run_after=1)
    assert job.attempts == 3  # beyond JOB_MAX_RETRIES: a passing fault never makes a job final

    settings.STORAGE_ROOT = tmp_path / "storage"
    sweep()

    assert is_initialized(project)
    job = Job.objects.get()
    assert (job.state, job.attempts, job.run_after) == (Job.State.COMPLETE, 4, None)


def test_it_leaves_a_job_that_failed_for_good_to_a_human(alice, settings):
    settings.JOB_MAX_RETRIES = 0
    tape = StorageProvider.objects.create(name="Tape", kind="tape")
    project = a_project(alice)
    age(created_on=10)
    sweep()
    failed = Job.objects.get(args=[str(project.id), str(tape.id)])
    assert failed.state == Job.State.FAILED
    ProjectStorageProvider.objects.update(created_on=timezone.now() - timedelta(hours=1))
    age(created_on=3600, finished_on=3600)

    assert sweep()["resent"] == 0
    assert Job.objects.filter(args=failed.args).count() == 1


def test_it_re_enqueues_work_left_pending_by_a_job_that_completed(alice, settings):
    project = a_project(alice)
    age(created_on=10)
    sweep()
    ProjectStorageProvider.objects.update(is_initialized=False, created_on=timezone.now() - timedelta(minutes=5))
    age(created_on=300, finished_on=settings.RECONCILE_OLDER_THAN + 1)

    with commit_then_run_jobs():
        assert sweep()["resent"] == 1
    assert is_initialized(project)
    assert list(Job.objects.values_list("state", flat=True)) == [Job.State.COMPLETE, Job.State.COMPLETE]


@committed
def test_it_leaves_alone_a_message_still_waiting_in_its_queue(dramatiq_mode, alice, settings):
    a_project(alice)
    age(created_on=10)
    sweep()
    ProjectStorageProvider.objects.update(created_on=timezone.now() - timedelta(seconds=120))
    age(created_on=120, sent_on=settings.RECONCILE_OLDER_THAN + 1)  # no worker has taken it for a while

    assert sweep()["resent"] == 0
    assert Job.objects.get().state == Job.State.INITIALIZED
    assert queue_depth(dramatiq_mode, QUEUE)["ready"] == 1


@pytest.mark.postgresql("kills the connection with PostgreSQL's pg_terminate_backend")
@committed
def test_it_keeps_a_jobs_record_through_the_death_of_its_connection(alice):
    project = a_project(alice)
    job = Job.objects.get()
    database = connection.settings_dict
    connection.ensure_connection()
    with psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"], autocommit=True
    ) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])

    job_run(job.id)  # its claim meets the dead connection first

    assert is_initialized(project)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.COMPLETE, 1)


def test_it_runs_again_at_once_an_inline_job_this_process_claimed_and_no_longer_runs(alice):
    project = a_project(alice)
    Job.objects.update(state=Job.State.IN_PROGRESS, attempts=1, started_on=timezone.now(), claimed_by=PROCESS)

    assert sweep()["run"] == 1

    assert is_initialized(project)
    job = Job.objects.get()
    assert (job.state, job.attempts) == (Job.State.COMPLETE, 2)


def test_it_leaves_alone_an_inline_job_another_process_runs(alice):
    a_project(alice)
    Job.objects.update(state=Job.State.IN_PROGRESS, attempts=1, started_on=timezone.now(), claimed_by="another")

    assert sweep()["run"] == 0
    assert Job.objects.get().state == Job.State.IN_PROGRESS
