import os
import signal
import subprocess
import sys
from datetime import timedelta

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from dds.audit import Actor
from dds.jobs.management.commands.run_workers import selected_workers
from dds.jobs.models import Job
from dds.jobs.services import jobs_run_queued
from projects.models import ProjectStorageProvider
from projects.services import project_create
from uploads.models import StorageProvider

from ..committing import commit_then_run_jobs
from ..workers import ROOT, queue_depth, wait_until

QUEUE = "project_storage_provider_initialization"
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def create_project(client, name="Mouse RNA-seq"):
    response = client.post("/api/v1/projects", {"name": name, "description": "reads"}, format="json")
    assert response.status_code == 202
    return response.json()


def project_is_consistent(client, project_id):
    return client.get(f"/api/v1/projects/{project_id}").json()["is_consistent"]


@committed
def test_it_sends_nothing_for_a_rolled_back_transaction(dramatiq_mode, alice):
    with pytest.raises(RuntimeError), transaction.atomic():
        project_create(actor=Actor(user=alice), name="Doomed", description="never committed")
        raise RuntimeError("roll back")
    assert Job.objects.count() == 0
    assert queue_depth(dramatiq_mode, QUEUE)["ready"] == 0


@committed
def test_it_runs_inline_jobs_after_the_commit_never_inside_it(alice, storage_root):
    with transaction.atomic():
        project = project_create(actor=Actor(user=alice), name="Inline", description="d")
        assert Job.objects.get().state == Job.State.INITIALIZED
    assert Job.objects.get().state == Job.State.INITIALIZED  # committed: the request answers, its job waits its turn

    assert jobs_run_queued() == 1  # what the process's job runners do after the response
    job = Job.objects.get()
    assert job.state == Job.State.COMPLETE
    assert job.attempts == 1
    assert ProjectStorageProvider.objects.get(project=project).is_initialized


@committed
def test_it_leaves_a_project_not_consistent_until_a_worker_runs(dramatiq_mode, as_alice, start_worker, storage_root):
    project = create_project(as_alice)
    assert project["is_consistent"] is False
    job = Job.objects.get()
    assert (job.worker, job.queue, job.args) == (
        "initialize_project_storage",
        QUEUE,
        [project["id"], str(StorageProvider.objects.get(is_default=True).id)],
    )
    assert job.state == Job.State.INITIALIZED and job.sent_on is not None
    assert queue_depth(dramatiq_mode, QUEUE)["ready"] == 1
    assert project_is_consistent(as_alice, project["id"]) is False

    start_worker()
    wait_until(lambda: project_is_consistent(as_alice, project["id"]))
    job.refresh_from_db()
    assert job.state == Job.State.COMPLETE
    assert job.attempts == 1
    assert job.started_on <= job.finished_on
    provider = StorageProvider.objects.get(is_default=True)
    assert (storage_root / str(provider.id) / project["id"]).is_dir()


@committed
def test_it_finishes_a_job_whose_worker_was_killed_in_the_middle(dramatiq_mode, as_alice, start_worker):
    project = create_project(as_alice)
    storage = ProjectStorageProvider.objects.get(project_id=project["id"])
    database = connection.settings_dict
    # Hold the storage row locked from another connection: the job blocks inside its transaction.
    with psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"]
    ) as locker:
        locker.execute(f"SELECT * FROM {ProjectStorageProvider._meta.db_table} WHERE id = %s FOR UPDATE", [storage.id])
        first = start_worker()
        wait_until(lambda: Job.objects.get().state == Job.State.IN_PROGRESS)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    start_worker()
    wait_until(lambda: project_is_consistent(as_alice, project["id"]))
    job = Job.objects.get()
    assert job.state == Job.State.COMPLETE
    assert job.attempts == 2
    assert ProjectStorageProvider.objects.filter(project_id=project["id"]).count() == 1
    assert queue_depth(dramatiq_mode, QUEUE) == {"ready": 0, "delayed": 0, "dead": 0}


@committed
def test_it_dead_letters_at_once_a_job_no_retry_can_mend(dramatiq_mode, as_alice, start_worker):
    StorageProvider.objects.create(name="Not yet supported", kind="tape")
    project = create_project(as_alice)
    start_worker()
    failing = Job.objects.get(args__1=str(StorageProvider.objects.get(kind="tape").id))
    wait_until(lambda: Job.objects.get(pk=failing.pk).state == Job.State.FAILED, timeout=30)
    failing.refresh_from_db()
    assert failing.attempts == 1
    assert failing.last_error == "UnknownStorageKind: no storage backend for providers of kind 'tape'"
    assert queue_depth(dramatiq_mode, QUEUE)["dead"] == 1
    assert project_is_consistent(as_alice, project["id"]) is False


def test_it_requeues_failed_jobs_as_new_jobs(as_alice, settings):
    settings.JOB_MAX_RETRIES = 0
    tape = StorageProvider.objects.create(name="Tape", kind="tape")
    project = create_project(as_alice)
    failed = Job.objects.get(state=Job.State.FAILED)
    assert failed.args == [project["id"], str(tape.id)]
    tape.kind = "filesystem"
    tape.save()
    with commit_then_run_jobs():
        call_command("requeue_jobs", "--failed", stdout=open(os.devnull, "w"))
    assert Job.objects.filter(state=Job.State.COMPLETE).count() == 2
    assert Job.objects.get(pk=failed.pk).state == Job.State.SUPERSEDED  # the admin's failed list is empty again
    assert project_is_consistent(as_alice, project["id"]) is True


def test_it_runs_once_a_job_whose_process_died_after_the_commit(client_for, alice):
    as_alice = client_for(alice, commit=False)
    project = create_project(as_alice)  # its on-commit run never happens: as if the process died after the commit
    assert project_is_consistent(as_alice, project["id"]) is False
    Job.objects.update(created_on=timezone.now() - timedelta(seconds=10))

    call_command("reconcile", stdout=open(os.devnull, "w"))
    call_command("reconcile", stdout=open(os.devnull, "w"))

    assert project_is_consistent(as_alice, project["id"]) is True
    job = Job.objects.get()
    assert (job.state, job.attempts) == (Job.State.COMPLETE, 1)


def test_it_leaves_a_job_alone_while_its_request_may_still_send_it(client_for, alice):
    as_alice = client_for(alice, commit=False)
    project = create_project(as_alice)
    call_command("reconcile", stdout=open(os.devnull, "w"))
    assert project_is_consistent(as_alice, project["id"]) is False
    assert Job.objects.get().state == Job.State.INITIALIZED


WORKERS = {
    "initialize_project_storage",
    "initialize_upload_storage",
    "complete_upload",
    "purge_upload",
    "delete_tree",
    "index_search_document",
    "send_notification",
}
VALID_NAMES = (
    "valid names: complete_upload, delete_tree, index_search_document, initialize_project_storage, "
    "initialize_upload_storage, purge_upload, send_notification"
)


def test_it_runs_every_worker_except_those_excluded():
    assert set(selected_workers([], except_names=[])) == WORKERS
    assert set(selected_workers([], except_names=["complete_upload"])) == WORKERS - {"complete_upload"}
    assert selected_workers(["complete_upload"], except_names=["complete_upload"]) == ["complete_upload"]


def test_it_refuses_an_unknown_worker_name_listing_the_valid_ones():
    with pytest.raises(CommandError, match=f"unknown worker nope; {VALID_NAMES}"):
        selected_workers(["nope"], except_names=[])
    with pytest.raises(CommandError, match="WORKERS_ALL_RUN_EXCEPT names an unknown worker typo"):
        selected_workers([], except_names=["typo"])


def test_it_exits_with_the_list_when_run_with_an_unknown_name():
    result = subprocess.run(
        [sys.executable, "manage.py", "run_workers", "nope"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert VALID_NAMES in result.stderr


@committed
def test_it_stops_cleanly_on_sigterm(dramatiq_mode, start_worker):
    worker = start_worker()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    assert "stopping" in worker.log.read_text()


@committed
def test_it_leaves_out_the_workers_named_in_workers_all_run_except(dramatiq_mode, start_worker):
    worker = start_worker(
        WORKERS_ALL_RUN_EXCEPT=(
            " initialize_project_storage , complete_upload ,purge_upload, delete_tree,index_search_document,"
            "send_notification"
        )
    )
    assert "running workers: initialize_upload_storage\n" in worker.log.read_text()
