"""A write that reaches a folder or a file while its deletion commits (issue 32, item 1): it finds the object deleted
and answers 404 in the envelope; the object stays deleted, never live again, and no live version is left on a
deleted file.

The deletion runs in a transaction held open until the write, sent from a thread, waits for a lock (or has answered:
the code before the fix let some writes through without waiting); then it commits (tests/races.py).
"""

from functools import partial

import pytest

from dds.audit import Actor
from files import services
from files.models import Container, FileVersion

from ..client import API
from ..envelopes import not_found
from ..races import answered_after
from .conftest import inside, stored_file, stored_folder, stored_upload

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def tree(alice, project):
    """A folder holding a file of two versions (the second current), and a folder to move things to."""
    folder = stored_folder(project, alice, name="raw")
    data_file = stored_file(project, alice, folder, b"first", "data.bin")
    services.file_update(actor=Actor(user=alice), file=data_file, upload=stored_upload(project, alice, b"second"))
    elsewhere = stored_folder(project, alice, name="elsewhere")
    versions = list(FileVersion.objects.filter(file=data_file).order_by("version"))
    return {"folder": folder, "file": data_file, "elsewhere": elsewhere, "first": versions[0], "current": versions[1]}


FILE_WRITES = {
    "rename": lambda t: ("PUT", f"/files/{t['file'].id}/rename", {"name": "renamed.bin"}, "DataFile"),
    "move": lambda t: ("PUT", f"/files/{t['file'].id}/move", {"parent": inside(t["elsewhere"])}, "DataFile"),
    "relabel": lambda t: ("PUT", f"/files/{t['file'].id}", {"label": "relabelled"}, "DataFile"),
    "version relabel": lambda t: ("PUT", f"/file_versions/{t['first'].id}", {"label": "relabelled"}, "FileVersion"),
    "promote": lambda t: ("POST", f"/file_versions/{t['first'].id}/current", {}, "FileVersion"),
}


@pytest.mark.parametrize("write", FILE_WRITES)
def test_a_write_waiting_for_a_files_deletion_is_refused_and_the_file_stays_deleted(
    write, client_for, alice, tree, as_alice
):
    method, path, body, model = FILE_WRITES[write](tree)
    data_file = tree["file"]

    delete = partial(services.file_delete, actor=Actor(user=alice), file=data_file)

    response = answered_after(delete, client_for(alice, commit=False), method, path, body)

    assert (response.status_code, response.json()) == (404, not_found(model))
    shown = as_alice.get(f"{API}/files/{data_file.id}").json()
    assert (shown["is_deleted"], shown["name"], shown["parent"]["kind"]) == (True, "data.bin", "dds-project")
    assert not FileVersion.objects.filter(file=data_file, is_deleted=False).exists()
    assert [v.label for v in FileVersion.objects.filter(file=data_file).order_by("version")] == [None, None]


FOLDER_WRITES = {
    "rename": lambda t: ("PUT", f"/folders/{t['folder'].id}/rename", {"name": "renamed"}, "Folder"),
    "move": lambda t: ("PUT", f"/folders/{t['folder'].id}/move", {"parent": inside(t["elsewhere"])}, "Folder"),
    "folder inside": lambda t: ("POST", "/folders", {"name": "late", "parent": inside(t["folder"])}, "Folder"),
    "rename a file inside": lambda t: ("PUT", f"/files/{t['file'].id}/rename", {"name": "x.bin"}, "DataFile"),
}


@pytest.mark.parametrize("write", FOLDER_WRITES)
def test_a_write_waiting_for_a_folders_deletion_is_refused_and_the_folder_stays_deleted(
    write, client_for, alice, project, tree, as_alice
):
    method, path, body, model = FOLDER_WRITES[write](tree)
    folder = tree["folder"]

    delete = partial(services.folder_delete, actor=Actor(user=alice), folder=folder)

    response = answered_after(delete, client_for(alice, commit=False), method, path, body)

    assert (response.status_code, response.json()) == (404, not_found(model))
    shown = as_alice.get(f"{API}/folders/{folder.id}")
    assert (shown.status_code, shown.json()) == (404, not_found("Folder"))
    assert Container.objects.get(pk=folder.pk).name == "raw"
    everything = as_alice.get(f"{API}/projects/{project.id}/children?name_contains=").json()["results"]
    assert [item["name"] for item in everything] == ["elsewhere"]
    assert not Container.objects.filter(path__startswith=folder.subtree_path, is_deleted=False).exists()


def test_a_file_made_in_a_folder_while_it_is_deleted_is_refused(client_for, alice, project, tree, as_alice):
    upload = stored_upload(project, alice, b"late bytes", "late.bin")
    body = {"parent": inside(tree["folder"]), "upload": {"id": str(upload.id)}}

    delete = partial(services.folder_delete, actor=Actor(user=alice), folder=tree["folder"])

    response = answered_after(delete, client_for(alice, commit=False), "POST", "/files", body)

    assert (response.status_code, response.json()) == (404, not_found("Folder"))
    assert not FileVersion.objects.filter(upload=upload).exists()
    everything = as_alice.get(f"{API}/projects/{project.id}/children?name_contains=").json()["results"]
    assert [item["name"] for item in everything] == ["elsewhere"]
