"""Deleting a folder or a project: the request writes a few rows whatever the size of the tree, each `delete_tree`
step marks at most DELETION_BATCH items, and meanwhile nothing below the deleted root is listed, shown or downloaded.

The deletions are made with jobs that never run (`commit=False` clients, services called in the test's transaction):
the test runs the steps itself, one by one, and counts what each writes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dds import errors
from dds.audit import Actor
from dds.jobs.models import Job
from files import services
from files.models import Container, Deletion, FileVersion
from projects import services as projects
from uploads.models import Upload

from ..client import API
from ..envelopes import not_found
from .conftest import stored_file, stored_folder, stored_upload

BATCH = 4
WRITES = ("INSERT", "UPDATE", "DELETE")


def writes(captured):
    return [query["sql"] for query in captured.captured_queries if query["sql"].lstrip().upper().startswith(WRITES)]


def tree(project, user, name, count):
    """A folder `name` holding a folder and `count` files, half of them in the inner folder; (top, inner, files)."""
    top = stored_folder(project, user, None, name)
    inner = stored_folder(project, user, top, f"{name} inner")
    made = [
        stored_file(project, user, inner if n % 2 else top, f"{name} {n}".encode(), f"{name} {n}") for n in range(count)
    ]
    return top, inner, made


def names(response):
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["results"]}


def test_a_folder_delete_writes_the_same_few_rows_whatever_its_size_and_hides_the_rest(client_for, alice, project):
    small, _, _ = tree(project, alice, "small", 2)
    large, inner, inside = tree(project, alice, "large", 16)
    kept = stored_file(project, alice, None, b"kept", "kept")
    as_alice = client_for(alice, commit=False)

    counted = {}
    for folder in (small, large):
        with CaptureQueriesContext(connection) as captured:
            assert as_alice.delete(f"{API}/folders/{folder.id}").status_code == 204
        counted[folder.name] = writes(captured)

    # the folder marked and moved to the trash, its Deletion, the job (and, inline, its log entry)
    assert len(counted["large"]) == len(counted["small"]) <= 4
    assert Container.objects.filter(pk__in=[inner.pk, *(f.pk for f in inside)], is_deleted=False).count() == 17
    assert names(as_alice.get(f"{API}/projects/{project.id}/children?name_contains=")) == {"kept"}
    assert names(as_alice.get(f"{API}/projects/{project.id}/files")) == {"kept"}
    for path in (f"/folders/{inner.id}", f"/folders/{inner.id}/children", f"/files/{inside[1].id}/url"):
        response = as_alice.get(f"{API}{path}")
        assert response.status_code == 404, path
    assert as_alice.get(f"{API}/file_versions/{inside[1].current_version_id}/url").status_code == 404
    assert as_alice.get(f"{API}/files/{kept.id}/url").status_code == 200
    body = {"parent": {"kind": "dds-folder", "id": str(inner.id)}, "name": "late"}
    assert as_alice.post(f"{API}/folders", body, format="json").json() == not_found("Folder")


def _run_steps(deletion):
    """Run the deletion's steps until it is finished; per step, (items marked, purges requested, statements)."""
    steps = []
    while Deletion.objects.filter(pk=deletion.pk, finished_on=None).exists():
        marked = Container.objects.filter(is_deleted=True).count()
        requested = Upload.objects.filter(purge_requested_on__isnull=False).count()
        with CaptureQueriesContext(connection) as captured:
            services.deletion_step(deletion_id=deletion.pk)
        steps.append(
            (
                Container.objects.filter(is_deleted=True).count() - marked,
                Upload.objects.filter(purge_requested_on__isnull=False).count() - requested,
                len(captured),
            )
        )
        assert len(steps) < 20, steps
    return steps


def test_each_step_of_a_folder_delete_marks_at_most_a_batch(settings, alice, project):
    settings.DELETION_BATCH = BATCH
    top, inner, inside = tree(project, alice, "top", 9)
    services.folder_delete(actor=Actor(user=alice), folder=top)
    deletion = Deletion.objects.get(root=top)

    steps = _run_steps(deletion)

    # inner + 9 files: 4, 4, 2 items; each file's upload requested as its file is marked
    assert [marked for marked, _, _ in steps] == [4, 4, 2]
    assert sum(requested for _, requested, _ in steps) == 9
    # a step costs the same statements whatever is left, and two per purge job it records (the job, its log entry)
    assert len({statements - 2 * requested for _, requested, statements in steps[:-1]}) == 1
    deletion.refresh_from_db()
    assert (deletion.marked, deletion.purges_requested, deletion.steps) == (10, 9, 3)
    below = Container.objects.filter(pk__in=[inner.pk, *(f.pk for f in inside)])
    assert set(below.values_list("is_deleted", "deleted_by")) == {(True, alice.pk)}
    assert all(path.startswith(f"{top.id}/") for path in below.values_list("path", flat=True))
    assert not FileVersion.objects.filter(file__in=inside, is_deleted=False).exists()
    assert Job.objects.filter(worker="delete_tree", resource_id=str(deletion.pk)).count() == 3
    assert Job.objects.filter(worker="purge_upload").count() == 9


def test_a_project_delete_marks_its_items_then_requests_every_upload_a_batch_a_step(
    settings, client_for, alice, project
):
    settings.DELETION_BATCH = BATCH
    tree(project, alice, "top", 5)
    loose = stored_upload(project, alice, b"never made into a file", "loose")

    with CaptureQueriesContext(connection) as captured:
        assert client_for(alice, commit=False).delete(f"{API}/projects/{project.id}").status_code == 204
    assert len(writes(captured)) <= 5  # the project, its Deletion, the job (its log entry), a pending transfer
    assert Container.objects.filter(project=project, is_deleted=False).count() == 7
    steps = _run_steps(Deletion.objects.get(project=project))

    # 7 items (2 folders, 5 files), then 6 uploads: at most 4 rows a step in all
    assert [marked + requested for marked, requested, _ in steps] == [4, 4, 4, 1]
    assert not Container.objects.filter(project=project, is_deleted=False).exists()
    assert not Upload.objects.filter(project=project, purge_requested_on=None).exists()
    assert Upload.objects.get(pk=loose.pk).purge_requested_on is not None


def test_a_project_is_deleted_once(alice, project):
    projects.project_delete(actor=Actor(user=alice), project=project)

    with pytest.raises(errors.NotFound):
        projects.project_delete(actor=Actor(user=alice), project=project)

    assert Deletion.objects.filter(project=project).count() == 1
