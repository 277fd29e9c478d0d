"""GET /current_user/usage: projects held, their live files, the bytes the caller uploaded for them
(docs/api/authentication.md#current-user)."""

from dds.audit import Actor
from files import services as files

from ..client import API
from ..envelopes import NO_TOKEN, has_no_paging_headers
from .conftest import stored_file, stored_upload


def usage(client):
    response = client.get(f"{API}/current_user/usage")
    assert response.status_code == 200
    assert has_no_paging_headers(response)
    return response.json()


def test_it_counts_nothing_for_a_new_user(as_bob, bob):
    assert usage(as_bob) == {"project_count": 0, "file_count": 0, "storage_bytes": 0}


def test_it_counts_projects_held_live_files_and_the_callers_bytes_for_live_versions(
    as_alice, alice, bob, project, make_project, grant
):
    mine = stored_file(project, alice, None, b"x" * 10, "mine")
    files.file_update(actor=Actor(user=alice), file=mine, upload=stored_upload(project, alice, b"y" * 20))
    grant(project, bob, "file_editor")
    stored_file(project, bob, None, b"b" * 7, "bob's")
    gone = stored_file(project, alice, None, b"g" * 1000, "gone")
    as_alice.delete(f"{API}/files/{gone.id}")
    bobs_project = make_project(bob, "Bob's")
    grant(bobs_project, alice, "project_viewer")
    stored_file(bobs_project, bob, None, b"z" * 5, "bob's own")
    stored_file(bobs_project, alice, None, b"a" * 3, "alice's there")
    deleted_project = make_project(alice, "Deleted")
    stored_file(deleted_project, alice, None, b"d" * 100, "in deleted project")
    as_alice.delete(f"{API}/projects/{deleted_project.id}")
    make_project(bob, "Not Alice's")

    assert usage(as_alice) == {"project_count": 2, "file_count": 4, "storage_bytes": 10 + 20 + 3}


def test_it_stops_counting_the_bytes_of_a_deleted_version_and_counts_a_shared_upload_once(as_alice, alice, project):
    data_file = stored_file(project, alice, None, b"1" * 10, "f")
    files.file_update(actor=Actor(user=alice), file=data_file, upload=stored_upload(project, alice, b"2" * 20))
    first = data_file.versions.get(version=1)
    as_alice.post(f"{API}/file_versions/{first.id}/current")
    assert usage(as_alice)["storage_bytes"] == 30

    as_alice.delete(f"{API}/file_versions/{data_file.versions.get(version=2).id}")

    assert usage(as_alice) == {"project_count": 1, "file_count": 1, "storage_bytes": 10}


def test_it_requires_a_token(anonymous, db):
    response = anonymous.get(f"{API}/current_user/usage")

    assert (response.status_code, response.json()) == (401, NO_TOKEN)
