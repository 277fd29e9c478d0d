"""Listings cost a fixed number of queries per page, whatever the page size and the depth of the tree.

The queries of a page of 5 items are counted; a page of 50 items, and a page of 5 items 8 folders deep, must cost
exactly as many. Rows are built with the services directly (no HTTP), by several users and an agent, so that per-item
lookups of users, agents, uploads, hashes or ancestors would show up as extra queries.
"""

import pytest

from dds.accounts import services as accounts
from dds.audit import Actor
from files import services as files

from ..client import API
from .conftest import stored_file, stored_folder, stored_upload


@pytest.fixture
def actors(alice, bob, grant, project):
    grant(project, bob, "file_editor")
    agent = accounts.software_agent_create(actor=Actor(user=bob), name="DukeDSClient")
    return [Actor(user=alice), Actor(user=bob), Actor(user=bob, agent=agent)]


def chain(project, actors, depth):
    """`depth` nested folders from the top of the project, made by each of `actors` in turn; top first."""
    folders = [None]
    for level in range(depth):
        folders.append(stored_folder(project, actors[level % len(actors)].user, folders[-1], f"level {level + 1}"))
    return folders[1:]


def add_files(project, actors, folders, count):
    """`count` files spread over `folders` (the last one first), made by each of `actors` in turn, half relabelled."""
    for index in range(count):
        parent = folders[-1 - index % len(folders)]
        data_file = stored_file(
            project, actors[index % len(actors)].user, parent, bytes([index]) * (index + 1), f"f{index}"
        )
        if index % 2:
            files.file_update(actor=actors[(index + 1) % len(actors)], file=data_file, label=f"label {index}")


@pytest.fixture
def trees(alice, project, make_project, grant, actors):
    """`shallow`: 2 levels holding 50 files; `deep`: 8 levels, 5 files on levels 8 to 4 (the newest items)."""
    shallow = chain(project, actors, 2)
    add_files(project, actors, shallow, 50)
    deep_project = make_project(alice, "Deep")
    grant(deep_project, actors[1].user, "file_editor")
    deep = chain(deep_project, actors, 8)
    add_files(deep_project, actors, deep, 5)
    return {"shallow": (project, shallow[0]), "deep": (deep_project, deep[0])}


LISTINGS = {
    "project children": lambda project, folder: f"/projects/{project.id}/children?name_contains=&",
    "folder children": lambda project, folder: f"/folders/{folder.id}/children?name_contains=f&",
    "project files": lambda project, folder: f"/projects/{project.id}/files?",
}


def test_it_lists_a_page_in_the_same_number_of_queries_whatever_its_size_and_depth(
    as_alice, trees, django_assert_max_num_queries, django_assert_num_queries
):
    def get(listing, tree, per_page):
        response = as_alice.get(f"{API}{LISTINGS[listing](*trees[tree])}per_page={per_page}")
        assert response.status_code == 200, response.content
        return response.json()["results"]

    for listing in LISTINGS:
        with django_assert_max_num_queries(30) as counted:
            assert len(get(listing, "shallow", 5)) == 5

        with django_assert_num_queries(len(counted)):
            assert len(get(listing, "shallow", 50)) == 50
        with django_assert_num_queries(len(counted)):
            deep = get(listing, "deep", 5)

        assert sorted(len(item["ancestors"]) for item in deep) == [5, 6, 7, 8, 9], listing


def test_it_lists_the_versions_of_a_file_in_the_same_number_of_queries_however_many(
    as_alice, project, actors, django_assert_max_num_queries, django_assert_num_queries
):
    def file_with_versions(count, name):
        data_file = stored_file(project, actors[0].user, None, b"v1", name)
        for number in range(2, count + 1):
            actor = actors[number % len(actors)]
            upload = stored_upload(project, actor.user, bytes([number]) * number)
            files.file_update(actor=actor, file=data_file, upload=upload, label=f"v{number}")
        return data_file

    few, many = file_with_versions(5, "few"), file_with_versions(50, "many")

    with django_assert_max_num_queries(30) as counted:
        assert len(as_alice.get(f"{API}/files/{few.id}/versions").json()["results"]) == 5

    with django_assert_num_queries(len(counted)):
        large = as_alice.get(f"{API}/files/{many.id}/versions")

    assert [item["version"] for item in large.json()["results"]] == list(range(1, 51))


def test_it_creates_a_file_and_answers_from_the_rows_in_hand(
    client_for, alice, alice_agent, project, django_assert_num_queries
):
    as_agent = client_for(alice, alice_agent)
    upload = stored_upload(project, alice, b"small", "small.txt")
    body = {"parent": {"kind": "dds-project", "id": str(project.id)}, "upload": {"id": str(upload.id)}}

    # session, project, upload and its hashes, permissions; then, in a savepoint, the project's lock, one check of the
    # upload, the file naming its version, the version and the purge race check; the search indexing job recorded with
    # its log entry, then run after the commit (12 in all: see tests/uploads/test_queries.py).
    with django_assert_num_queries(12 + 12):
        created = as_agent.post(f"{API}/files", body, format="json")

    assert created.status_code == 201, created.content
    shown = as_agent.get(f"{API}/files/{created.json()['id']}")
    assert created.json() == shown.json()
    assert created.json()["current_version"]["version"] == 1


def test_it_shows_a_file_in_four_queries(client_for, alice, alice_agent, project, django_assert_num_queries):
    data_file = stored_file(project, alice, None, b"bytes", "shown.txt")
    as_agent = client_for(alice, alice_agent)

    with django_assert_num_queries(4):  # session, file, its hashes, permissions
        response = as_agent.get(f"{API}/files/{data_file.id}")

    assert response.status_code == 200
    assert response.json()["name"] == "shown.txt"


def test_it_adds_a_version_and_answers_from_the_rows_in_hand(
    client_for, alice, alice_agent, project, django_assert_num_queries
):
    data_file = stored_file(project, alice, None, b"first", "changed.txt")
    upload = stored_upload(project, alice, b"second", "changed.txt")
    as_agent = client_for(alice, alice_agent)

    # session, file, its hashes, permissions, upload and its hashes; then, in a savepoint, the project's and the file's
    # locks, the file read again, one check of the upload, the earlier versions, the version (in a savepoint of its
    # own), the purge race check, the current version and the file; the search indexing job of the file (12: see
    # tests/uploads/test_queries.py).
    with django_assert_num_queries(19 + 12):
        updated = as_agent.put(f"{API}/files/{data_file.id}", {"upload": {"id": str(upload.id)}}, format="json")

    assert updated.status_code == 200, updated.content
    assert updated.json() == as_agent.get(f"{API}/files/{data_file.id}").json()
    assert updated.json()["current_version"]["version"] == 2
    assert updated.json()["current_version"]["upload"]["id"] == str(upload.id)


def test_it_relabels_a_file_and_answers_from_the_rows_in_hand(
    client_for, alice, alice_agent, project, django_assert_num_queries
):
    data_file = stored_file(project, alice, None, b"first", "labelled.txt")
    as_agent = client_for(alice, alice_agent)

    # session, file, its hashes, permissions; in a savepoint, the project's and the file's locks, the file read again,
    # the version and the file; the hashes; the search indexing job of the saved file (12: see
    # tests/uploads/test_queries.py).
    with django_assert_num_queries(12 + 12):
        updated = as_agent.put(f"{API}/files/{data_file.id}", {"label": "new label"}, format="json")

    assert updated.status_code == 200, updated.content
    assert updated.json() == as_agent.get(f"{API}/files/{data_file.id}").json()
    assert updated.json()["current_version"]["label"] == "new label"
