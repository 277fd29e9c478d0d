"""Every job message that is enqueued leaves exactly one entry in the message log, in either adapter mode."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils.dateparse import parse_datetime

from dds.audit import Actor
from dds.jobs.models import Job
from messagelog.models import PendingMessage
from projects.services import project_create
from uploads.models import StorageProvider

from ..workers import wait_until
from .conftest import committed, job_ids

ACTOR = "initialize_project_storage"
QUEUE = "project_storage_provider_initialization"


def assert_entry_describes_job(entry, job, *, request_id, user):
    assert entry["message_id"] == str(job.id)
    assert entry["queue"] == job.queue == QUEUE
    assert entry["actor"] == job.worker == ACTOR
    assert entry["args"] == job.args
    assert entry["resource_id"] == job.resource_id == job.args[0]
    assert entry["request_id"] == job.request_id == request_id
    assert entry["user_id"] == str(user.id)
    enqueued_on = parse_datetime(entry["enqueued_on"])
    assert enqueued_on.utcoffset() == timedelta(0)
    assert abs(enqueued_on - job.created_on) < timedelta(seconds=5)


# --- inline mode: PendingMessage rows, written in the enqueuing transaction ---------------------------------------


def test_inline_each_job_leaves_one_pending_entry_naming_its_request_and_user(client_for, alice, create_projects):
    projects = create_projects(client_for(alice), 3, request_prefix="inline")

    jobs = {str(job.args[0]): job for job in Job.objects.all()}
    assert set(jobs) == set(projects)
    pending = list(PendingMessage.objects.all())
    assert len(pending) == 3
    assert {str(row.message_id) for row in pending} == job_ids()
    for number, project_id in enumerate(projects):
        job = jobs[project_id]
        (row,) = [row for row in pending if row.message_id == job.id]
        assert job.args == [project_id, str(StorageProvider.objects.get(is_default=True).id)]
        assert_entry_describes_job(row.entry, job, request_id=f"inline-{number}", user=alice)
        assert job.state == Job.State.COMPLETE  # the inline job ran after the commit; its entry stays for the log


def test_inline_a_project_on_two_providers_leaves_two_entries(client_for, alice, create_projects):
    StorageProvider.objects.create(name="Second", kind="filesystem")
    (project,) = create_projects(client_for(alice), 1)

    assert PendingMessage.objects.count() == Job.objects.count() == 2
    assert {row.entry["resource_id"] for row in PendingMessage.objects.all()} == {project}
    assert {str(row.message_id) for row in PendingMessage.objects.all()} == job_ids()


def test_inline_a_request_that_does_not_commit_leaves_its_entry_for_the_commit_to_decide(client_for, alice):
    # Nothing runs on commit for this client: the entry is there (it is part of the transaction), the job not run.
    as_alice = client_for(alice, commit=False)
    response = as_alice.post("/api/v1/projects", {"name": "Waiting", "description": "d"}, format="json")
    assert response.status_code == 202
    job = Job.objects.get()
    assert job.state == Job.State.INITIALIZED
    assert PendingMessage.objects.get().message_id == job.id


@committed
def test_inline_a_rolled_back_transaction_leaves_no_entry(alice):
    with pytest.raises(RuntimeError), transaction.atomic():
        project_create(actor=Actor(user=alice), name="Doomed", description="never committed")
        assert PendingMessage.objects.count() == 1
        raise RuntimeError("roll back")

    assert Job.objects.count() == 0
    assert PendingMessage.objects.count() == 0


@committed
def test_inline_a_committed_transaction_leaves_one_entry_outside_a_request(alice):
    with transaction.atomic():
        project_create(actor=Actor(user=alice), name="Kept", description="committed")

    job = Job.objects.get()
    entry = PendingMessage.objects.get(message_id=job.id).entry
    assert entry["request_id"] == ""  # no request: nothing to name
    assert entry["user_id"] is None
    assert entry["resource_id"] == job.resource_id


# --- dramatiq mode: a copy of each message on the durable `message_log` queue -------------------------------------


@committed
def test_dramatiq_each_message_sent_publishes_one_entry_no_worker_consumes(
    message_log, client_for, alice, create_projects, start_worker
):
    projects = create_projects(client_for(alice), 4, request_prefix="rabbit")

    wait_until(lambda: message_log.depth() == 4)
    assert PendingMessage.objects.count() == 0  # dramatiq mode keeps nothing in the database
    entries = {entry["message_id"]: entry for entry in message_log.peek()}
    assert set(entries) == job_ids()
    for number, project_id in enumerate(projects):
        job = Job.objects.get(resource_id=project_id)
        assert job.sent_on is not None
        assert_entry_describes_job(entries[str(job.id)], job, request_id=f"rabbit-{number}", user=alice)
    wait_until(lambda: message_log.depth() == 4)  # peeking left them queued

    start_worker()
    wait_until(lambda: Job.objects.filter(state=Job.State.COMPLETE).count() == 4)
    assert message_log.depth() == 4  # the workers consume the jobs' queue, never the log


@committed
def test_dramatiq_a_rolled_back_transaction_publishes_nothing(message_log, alice):
    with pytest.raises(RuntimeError), transaction.atomic():
        project_create(actor=Actor(user=alice), name="Doomed", description="never committed")
        raise RuntimeError("roll back")

    assert Job.objects.count() == 0
    assert message_log.depth() == 0


@committed
def test_dramatiq_a_retried_message_is_logged_once(
    message_log, client_for, alice, create_projects, start_worker, storage_root
):
    blocker = storage_root / str(StorageProvider.objects.get(is_default=True).id)
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("in the way: the provider's folder cannot be made until this file is gone")
    create_projects(client_for(alice), 1)
    start_worker()

    (job,) = Job.objects.all()
    wait_until(lambda: Job.objects.get(pk=job.pk).state == Job.State.RETRYING, timeout=30)
    blocker.unlink()
    wait_until(lambda: Job.objects.get(pk=job.pk).state == Job.State.COMPLETE, timeout=30)
    assert Job.objects.get(pk=job.pk).attempts == 2  # sent once, and once more as a retry
    assert message_log.depth() == 1  # one entry per job: the retry is not a new message
    assert sorted(entry["message_id"] for entry in message_log.peek()) == sorted(job_ids())
