"""A write that reaches a project while its deletion commits (issue 32, item 1): it finds the project deleted and
answers 404 in the envelope; the project and everything in it stay deleted.

The deletion runs in a transaction held open until the write, sent from a thread, waits for a lock (or has answered:
the code before the fix let some writes through without waiting); then it commits (tests/races.py).
"""

from functools import partial

import pytest

from dds.audit import Actor
from files.models import Container
from projects.models import Project, ProjectPermission
from projects.services import project_delete

from ..client import API
from ..envelopes import not_found
from ..files.conftest import stored_file, top_of
from ..races import answered_after

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WRITES = {
    "update": lambda p, f, bob: ("PUT", f"/projects/{p.id}", {"name": "Renamed"}, "Project"),
    "grant": lambda p, f, bob: (
        "PUT",
        f"/projects/{p.id}/permissions/{bob.id}",
        {"auth_role": {"id": "file_editor"}},
        "Project",
    ),
    "folder": lambda p, f, bob: ("POST", "/folders", {"name": "late", "parent": top_of(p)}, "Project"),
    "rename a file": lambda p, f, bob: ("PUT", f"/files/{f.id}/rename", {"name": "renamed.bin"}, "DataFile"),
}


@pytest.mark.parametrize("write", WRITES)
def test_a_write_waiting_for_a_projects_deletion_is_refused_and_the_project_stays_deleted(
    write, client_for, alice, bob, project, as_alice
):
    data_file = stored_file(project, alice, None, b"bytes", "data.bin")
    method, path, body, model = WRITES[write](project, data_file, bob)

    delete = partial(project_delete, actor=Actor(user=alice), project=project)

    response = answered_after(delete, client_for(alice, commit=False), method, path, body)

    assert (response.status_code, response.json()) == (404, not_found(model))
    shown = as_alice.get(f"{API}/projects/{project.id}").json()
    assert (shown["is_deleted"], shown["name"]) == (True, "Mouse RNA-seq")
    assert as_alice.get(f"{API}/projects").json()["results"] == []
    assert not Container.objects.filter(project=project, is_deleted=False).exists()
    assert list(ProjectPermission.objects.filter(project=project).values_list("user__username", flat=True)) == ["alice"]
    assert Project.objects.get(pk=project.pk).is_deleted
