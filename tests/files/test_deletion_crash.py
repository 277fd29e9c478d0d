"""A worker SIGKILLed in the middle of a large delete: RabbitMQ hands the step it had to another worker, which
resumes from what is still unmarked, and the deletion finishes with nothing left behind: every item and version
marked, every upload of the project purged, its bytes gone, every job done."""

import pytest

from dds.jobs.models import Job
from files.models import Container, Deletion, FileVersion
from uploads.models import Upload

from ..client import API
from ..workers import wait_until
from .conftest import stored_file, stored_folder, stored_upload

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FILES = 30
BATCH = "2"


def stored_bytes(root):
    return [path for path in root.rglob("*") if path.is_file()]


def test_a_worker_killed_in_the_middle_of_a_project_delete_resumes_and_leaves_nothing(
    alice, project, client_for, dramatiq_mode, start_worker, storage_root
):
    folder = stored_folder(project, alice, None, "data")
    for n in range(FILES):
        stored_file(project, alice, folder if n % 2 else None, f"file {n}".encode(), f"f{n}")
    stored_upload(project, alice, b"never made into a file", "loose")
    assert stored_bytes(storage_root)

    assert client_for(alice).delete(f"{API}/projects/{project.id}").status_code == 204
    deletion = Deletion.objects.get(project=project)
    victim = start_worker("delete_tree", DELETION_BATCH=BATCH)

    def progressed():
        """the worker marked a few items"""
        return Deletion.objects.get(pk=deletion.pk).marked >= 4

    wait_until(progressed, interval=0.01)
    victim.kill()
    victim.wait(timeout=30)
    assert Deletion.objects.get(pk=deletion.pk).finished_on is None

    start_worker("delete_tree", "purge_upload", DELETION_BATCH=BATCH)

    def finished():
        """the deletion finished, every upload of the project is purged and every job is done"""
        done = Deletion.objects.filter(pk=deletion.pk, finished_on__isnull=False).exists()
        ours = Job.objects.filter(worker__in=("delete_tree", "purge_upload"))
        working = ours.exclude(state__in=(Job.State.COMPLETE, Job.State.SUPERSEDED))
        return done and not working.exists() and not Upload.objects.filter(project=project, purged_on=None).exists()

    wait_until(finished, timeout=120)
    assert not Container.objects.filter(project=project, is_deleted=False).exists()
    assert not FileVersion.objects.filter(file__project=project, is_deleted=False).exists()
    assert Deletion.objects.get(pk=deletion.pk).marked == FILES + 1
    assert stored_bytes(storage_root) == []
