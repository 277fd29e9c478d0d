"""POST /folders, GET/DELETE /folders/{id}, PUT /folders/{id}/move and /rename (docs/api/files.md#folders)."""

import uuid

import pytest

from files.models import Container, FileVersion
from uploads.models import Upload

from ..client import API
from ..envelopes import TIMESTAMP, has_no_paging_headers, invalid, new_audit, not_found, user_preview
from .conftest import form, inside, stored_file, stored_folder, top_of


def create(client, name, parent):
    return client.post(f"{API}/folders", {"name": name, "parent": parent}, format="json")


def project_ancestor(project):
    return {"kind": "dds-project", "id": str(project.id), "name": project.name}


def folder_ancestor(folder):
    return {"kind": "dds-folder", "id": folder["id"], "name": folder["name"]}


# --- POST /folders ------------------------------------------------------------------------------------


def test_it_creates_a_folder_at_the_top_of_a_project(as_alice, alice, project):
    response = create(as_alice, "raw", top_of(project))

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "kind": "dds-folder",
        "id": body["id"],
        "parent": {"kind": "dds-project", "id": str(project.id)},
        "name": "raw",
        "is_deleted": False,
        "audit": new_audit(body, alice),
        "project": {"id": str(project.id), "name": project.name},
        "ancestors": [project_ancestor(project)],
    }
    assert TIMESTAMP.match(body["audit"]["created_on"])
    assert has_no_paging_headers(response)
    folder = Container.objects.get()
    assert (str(folder.id), folder.kind, folder.parent_id, folder.project_id) == (
        body["id"],
        "dds-folder",
        None,
        project.id,
    )


def test_it_creates_a_folder_in_a_folder_of_the_same_project(as_alice, project, folder_of):
    raw = folder_of("raw")

    response = create(as_alice, "lane 1", inside(raw))

    assert response.status_code == 201
    body = response.json()
    assert body["parent"] == {"kind": "dds-folder", "id": raw["id"]}
    assert body["project"] == {"id": str(project.id), "name": project.name}
    assert body["ancestors"] == [project_ancestor(project), folder_ancestor(raw)]


def test_it_looks_a_parent_of_any_kind_but_dds_project_up_as_a_folder(as_alice, project, folder_of):
    raw = folder_of("raw")

    response = create(as_alice, "lane 1", {"kind": "dds-file", "id": raw["id"]})
    by_project_id = create(as_alice, "lane 2", {"kind": "dds-folder", "id": str(project.id)})

    assert response.status_code == 201
    assert response.json()["parent"] == {"kind": "dds-folder", "id": raw["id"]}
    assert by_project_id.status_code == 404
    assert by_project_id.json() == not_found("Folder")


def test_it_records_the_agent_that_created_a_folder(client_for, alice, alice_agent, project):
    response = create(client_for(alice, alice_agent), "raw", top_of(project))

    assert response.json()["audit"]["created_by"] == {
        **user_preview(alice),
        "agent": {"id": str(alice_agent.id), "name": "DukeDSClient"},
    }


def test_it_takes_a_form_body(as_alice, project):
    body = form(name="raw", **{"parent[kind]": "dds-project", "parent[id]": str(project.id)})

    response = as_alice.post(f"{API}/folders", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 201
    assert response.json()["name"] == "raw"


@pytest.mark.parametrize("name", ["", "   "])
def test_it_refuses_a_blank_name(as_alice, project, name):
    response = create(as_alice, name, top_of(project))

    assert response.status_code == 400
    assert response.json() == invalid(("name", "can't be blank"))
    assert not Container.objects.exists()


def test_it_requires_a_name_and_a_parent(as_alice):
    response = as_alice.post(f"{API}/folders", {}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("name", "is missing"), ("parent", "is missing"))


@pytest.mark.parametrize("name", ["a/b", "/", "tab\there", "new\nline", "nul\x00", "bell\x07", "del\x7f"])
def test_it_refuses_a_name_with_a_slash_or_a_control_character(as_alice, project, name):
    response = create(as_alice, name, top_of(project))

    assert response.status_code == 400
    body = response.json()
    assert (body["error"], body["code"], body["reason"]) == (400, "not_provided", "validation failed")
    assert [error["field"] for error in body["errors"]] == ["name"]
    assert not Container.objects.exists()


def test_it_refuses_a_name_of_256_characters_and_takes_255(as_alice, project):
    too_long = create(as_alice, "x" * 256, top_of(project))
    longest = create(as_alice, "y" * 255, top_of(project))

    assert too_long.status_code == 400
    assert too_long.json() == invalid(("name", "is too long (maximum is 255 characters)"))
    assert longest.status_code == 201
    assert list(Container.objects.values_list("name", flat=True)) == ["y" * 255]


@pytest.mark.parametrize("name", ["Données brutes", "データ", "🧬 reads", "  padded  "])
def test_it_keeps_a_unicode_name_as_sent(as_alice, project, name):
    response = create(as_alice, name, top_of(project))

    assert response.status_code == 201
    assert response.json()["name"] == name
    assert as_alice.get(f"{API}/folders/{response.json()['id']}").json()["name"] == name


def test_it_answers_404_for_an_unknown_or_deleted_parent_folder(as_alice, project, folder_of):
    gone = folder_of("gone")
    as_alice.delete(f"{API}/folders/{gone['id']}")

    for parent in ({"kind": "dds-folder", "id": str(uuid.uuid4())}, inside(gone), {"kind": "dds-folder", "id": "nope"}):
        response = create(as_alice, "raw", parent)
        assert response.status_code == 404
        assert response.json() == not_found("Folder")
    assert Container.objects.filter(name="raw").count() == 0


def test_it_answers_404_for_an_unknown_or_deleted_project(as_alice, alice, make_project):
    deleted = make_project(alice, "Deleted")
    assert as_alice.delete(f"{API}/projects/{deleted.id}").status_code == 204

    for parent in ({"kind": "dds-project", "id": str(uuid.uuid4())}, top_of(deleted)):
        response = create(as_alice, "raw", parent)
        assert response.status_code == 404
        assert response.json() == not_found("Project")
    assert not Container.objects.exists()


def test_it_answers_project_not_found_under_a_folder_of_a_deleted_project(as_alice, alice, make_project):
    deleted = make_project(alice, "Deleted")
    raw = stored_folder(deleted, alice, None, "raw")
    assert as_alice.delete(f"{API}/projects/{deleted.id}").status_code == 204

    response = create(as_alice, "sub", inside(raw))

    assert response.status_code == 404
    assert response.json() == not_found("Project")
    assert not Container.objects.filter(name="sub").exists()


def test_it_creates_folders_while_the_project_storage_is_initializing(as_alice, alice, make_project):
    pending = make_project(alice, "Pending", initialized=False)

    response = create(as_alice, "raw", top_of(pending))

    assert response.status_code == 201


# --- GET /folders/{id} ---------------------------------------------------------------------------------


def test_it_shows_a_folder(as_alice, project, folder_of):
    raw = folder_of("raw")
    lane = folder_of("lane", inside(raw))

    response = as_alice.get(f"{API}/folders/{lane['id']}")

    assert response.status_code == 200
    assert response.json() == lane
    assert has_no_paging_headers(response)


@pytest.mark.parametrize("folder_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_it_answers_404_for_an_unknown_folder(as_alice, project, folder_id):
    response = as_alice.get(f"{API}/folders/{folder_id}")

    assert response.status_code == 404
    assert response.json() == not_found("Folder")


def test_it_answers_404_for_a_file_id_on_the_folder_routes(as_alice, alice, project):
    data_file = stored_file(project, alice)

    response = as_alice.get(f"{API}/folders/{data_file.id}")

    assert response.status_code == 404
    assert response.json() == not_found("Folder")


def test_it_answers_404_for_a_deleted_folder(as_alice, folder_of):
    raw = folder_of("raw")
    as_alice.delete(f"{API}/folders/{raw['id']}")

    response = as_alice.get(f"{API}/folders/{raw['id']}")

    assert response.status_code == 404
    assert response.json() == not_found("Folder")


# --- DELETE /folders/{id} ------------------------------------------------------------------------------


@pytest.fixture
def subtree(alice, project):
    """raw/ ⊃ {lane/ ⊃ {deep/ ⊃ {c.txt}, b.txt}, a.txt}, and keep.txt beside raw/ at the top; `{"id", "name"}` each."""
    raw = stored_folder(project, alice, None, "raw")
    lane = stored_folder(project, alice, raw, "lane")
    deep = stored_folder(project, alice, lane, "deep")
    rows = {
        "raw": raw,
        "lane": lane,
        "deep": deep,
        "a": stored_file(project, alice, raw, b"a", "a.txt"),
        "b": stored_file(project, alice, lane, b"b", "b.txt"),
        "c": stored_file(project, alice, deep, b"c", "c.txt"),
        "keep": stored_file(project, alice, None, b"keep", "keep.txt"),
    }
    return {key: {"id": str(row.id), "name": row.name} for key, row in rows.items()}


def test_it_deletes_a_folder_and_its_whole_subtree_at_once(as_alice, alice, project, subtree, storage_root):
    response = as_alice.delete(f"{API}/folders/{subtree['raw']['id']}")

    assert response.status_code == 204
    assert response.content == b""
    listing = as_alice.get(f"{API}/projects/{project.id}/children", {"name_contains": ""}).json()["results"]
    assert [item["name"] for item in listing] == ["keep.txt"]
    deleted = Container.objects.filter(is_deleted=True)
    assert sorted(deleted.values_list("name", flat=True)) == ["a.txt", "b.txt", "c.txt", "deep", "lane", "raw"]
    assert set(deleted.values_list("deleted_by", flat=True)) == {alice.id}
    assert sorted(FileVersion.objects.filter(is_deleted=True).values_list("file__name", flat=True)) == [
        "a.txt",
        "b.txt",
        "c.txt",
    ]
    assert not FileVersion.objects.get(file__name="keep.txt").is_deleted
    purged = Upload.objects.filter(purged_on__isnull=False)
    assert sorted(purged.values_list("name", flat=True)) == ["a.txt", "b.txt", "c.txt"]
    assert sorted(path.name for path in storage_root.rglob("*") if path.is_file()) == [
        str(Upload.objects.get(name="keep.txt").id)
    ]


def test_it_answers_404_for_the_files_and_folders_of_a_deleted_folder(as_alice, subtree):
    as_alice.delete(f"{API}/folders/{subtree['raw']['id']}")

    renamed = as_alice.put(f"{API}/files/{subtree['c']['id']}", {"label": "x"}, format="json")
    url = as_alice.get(f"{API}/files/{subtree['b']['id']}/url")
    inner = as_alice.get(f"{API}/folders/{subtree['deep']['id']}")
    children = as_alice.get(f"{API}/folders/{subtree['lane']['id']}/children")

    assert (renamed.status_code, renamed.json()) == (404, not_found("DataFile"))
    assert (url.status_code, url.json()) == (404, not_found("DataFile"))
    assert (inner.status_code, inner.json()) == (404, not_found("Folder"))
    assert (children.status_code, children.json()) == (404, not_found("Folder"))


def test_it_shows_a_file_of_a_deleted_folder_as_deleted(as_alice, subtree):
    as_alice.delete(f"{API}/folders/{subtree['raw']['id']}")

    response = as_alice.get(f"{API}/files/{subtree['c']['id']}")

    assert response.status_code == 200
    assert response.json()["is_deleted"] is True
    assert TIMESTAMP.match(response.json()["audit"]["deleted_on"])


def test_it_answers_404_when_deleting_a_folder_twice(as_alice, folder_of):
    raw = folder_of("raw")
    as_alice.delete(f"{API}/folders/{raw['id']}")

    response = as_alice.delete(f"{API}/folders/{raw['id']}")

    assert response.status_code == 404
    assert response.json() == not_found("Folder")


# --- PUT /folders/{id}/move ----------------------------------------------------------------------------


def move(client, folder, parent):
    return client.put(f"{API}/folders/{folder['id']}/move", {"parent": parent}, format="json")


def test_it_moves_a_folder_and_its_descendants_report_their_new_ancestors(as_alice, alice, project, subtree):
    elsewhere = as_alice.post(f"{API}/folders", {"name": "elsewhere", "parent": top_of(project)}, format="json").json()

    response = move(as_alice, subtree["lane"], inside(elsewhere))

    assert response.status_code == 200
    body = response.json()
    assert body["parent"] == {"kind": "dds-folder", "id": elsewhere["id"]}
    assert body["ancestors"] == [project_ancestor(project), folder_ancestor(elsewhere)]
    assert body["audit"]["last_updated_by"] == user_preview(alice)
    deep = as_alice.get(f"{API}/folders/{subtree['deep']['id']}").json()
    c = as_alice.get(f"{API}/files/{subtree['c']['id']}").json()
    lane = folder_ancestor(subtree["lane"])
    assert deep["ancestors"] == [project_ancestor(project), folder_ancestor(elsewhere), lane]
    assert c["ancestors"] == [
        project_ancestor(project),
        folder_ancestor(elsewhere),
        lane,
        folder_ancestor(subtree["deep"]),
    ]
    below_raw = as_alice.get(f"{API}/folders/{subtree['raw']['id']}/children", {"name_contains": ""}).json()
    assert [item["name"] for item in below_raw["results"]] == ["a.txt"]
    below_elsewhere = as_alice.get(f"{API}/folders/{elsewhere['id']}/children", {"name_contains": ""}).json()
    assert sorted(item["name"] for item in below_elsewhere["results"]) == ["b.txt", "c.txt", "deep", "lane"]


def test_it_keeps_a_moved_folders_subtree_when_its_old_parent_is_deleted(as_alice, project, subtree):
    move(as_alice, subtree["lane"], top_of(project))

    as_alice.delete(f"{API}/folders/{subtree['raw']['id']}")

    everything = as_alice.get(f"{API}/projects/{project.id}/children?name_contains=").json()["results"]
    assert sorted(item["name"] for item in everything) == ["b.txt", "c.txt", "deep", "keep.txt", "lane"]
    assert as_alice.get(f"{API}/files/{subtree['c']['id']}/url").status_code == 200


def test_it_moves_a_folder_to_the_top_of_its_project(as_alice, project, subtree):
    response = move(as_alice, subtree["deep"], top_of(project))

    assert response.status_code == 200
    assert response.json()["parent"] == top_of(project)
    assert response.json()["ancestors"] == [project_ancestor(project)]
    c = as_alice.get(f"{API}/files/{subtree['c']['id']}").json()
    assert c["ancestors"] == [project_ancestor(project), folder_ancestor(subtree["deep"])]


def test_it_refuses_to_move_a_folder_into_itself(as_alice, subtree):
    response = move(as_alice, subtree["lane"], inside(subtree["lane"]))

    assert response.status_code == 400
    assert response.json() == invalid(("parent", "cannot be itself"), ("parent_id", "cannot be itself"))
    assert as_alice.get(f"{API}/folders/{subtree['lane']['id']}").json()["parent"] == inside(subtree["raw"])


@pytest.mark.parametrize("target", ["lane", "deep"])
def test_it_refuses_to_move_a_folder_into_one_of_its_descendants(as_alice, subtree, target):
    response = move(as_alice, subtree["raw"], inside(subtree[target]))

    assert response.status_code == 400
    assert response.json() == invalid(("parent", "cannot be a child folder"), ("parent_id", "cannot be a child folder"))
    assert Container.objects.get(pk=subtree["raw"]["id"]).parent_id is None


def test_it_refuses_to_move_a_folder_to_another_project(as_alice, alice, make_project, subtree):
    other = make_project(alice, "Other")
    there = as_alice.post(f"{API}/folders", {"name": "there", "parent": top_of(other)}, format="json").json()

    for parent in (top_of(other), inside(there)):
        response = move(as_alice, subtree["lane"], parent)
        assert response.status_code == 400
        assert response.json() == invalid(("project_id", "Cannot change project_id."))
    assert Container.objects.get(pk=subtree["lane"]["id"]).parent_id == uuid.UUID(subtree["raw"]["id"])


def test_it_answers_404_when_moving_to_or_moving_a_deleted_folder(as_alice, project, subtree, folder_of):
    gone = folder_of("gone")
    as_alice.delete(f"{API}/folders/{gone['id']}")

    into_deleted = move(as_alice, subtree["lane"], inside(gone))
    deleted_moved = move(as_alice, gone, top_of(project))

    assert (into_deleted.status_code, into_deleted.json()) == (404, not_found("Folder"))
    assert (deleted_moved.status_code, deleted_moved.json()) == (404, not_found("Folder"))


def test_it_requires_a_parent_to_move(as_alice, subtree):
    response = as_alice.put(f"{API}/folders/{subtree['lane']['id']}/move", {}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("parent", "is missing"))


# --- PUT /folders/{id}/rename --------------------------------------------------------------------------


def test_it_renames_a_folder_and_its_descendants_see_the_new_name(as_alice, alice, project, subtree):
    response = as_alice.put(f"{API}/folders/{subtree['raw']['id']}/rename", {"name": "raw-v2"}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "raw-v2"
    assert response.json()["audit"]["last_updated_by"] == user_preview(alice)
    c = as_alice.get(f"{API}/files/{subtree['c']['id']}").json()
    assert [ancestor["name"] for ancestor in c["ancestors"]] == [project.name, "raw-v2", "lane", "deep"]


@pytest.mark.parametrize(
    "body, error",
    [
        ({}, ("name", "is missing")),
        ({"name": ""}, ("name", "can't be blank")),
        ({"name": "a/b"}, ("name", "is invalid (not only dots and spaces; no '/', '\\' or control characters)")),
    ],
)
def test_it_refuses_a_rename_without_a_proper_name(as_alice, subtree, body, error):
    response = as_alice.put(f"{API}/folders/{subtree['raw']['id']}/rename", body, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(error)
    assert Container.objects.get(pk=subtree["raw"]["id"]).name == "raw"


def test_a_deleted_folder_moves_to_the_top_of_the_trash_and_its_contents_stay_in_it(as_alice, project, subtree):
    as_alice.delete(f"{API}/folders/{subtree['lane']['id']}")

    lane = Container.objects.get(pk=subtree["lane"]["id"])
    assert (lane.parent, str(lane.deleted_from_parent_id)) == (None, subtree["raw"]["id"])
    deep = Container.objects.get(pk=subtree["deep"]["id"])
    assert str(deep.parent_id) == subtree["lane"]["id"]
    c_txt = as_alice.get(f"{API}/files/{subtree['c']['id']}").json()
    assert c_txt["is_deleted"] is True
    assert [item["name"] for item in c_txt["ancestors"]] == [project.name, "lane", "deep"]
    raw_listing = as_alice.get(f"{API}/folders/{subtree['raw']['id']}/children").json()["results"]
    assert [item["name"] for item in raw_listing] == ["a.txt"]


# --- depth (issue 29: every item's ancestors are listed with it, so they stay bounded) -----------------------------

TOO_DEEP = invalid(("parent", "is too deep (folders nest at most 255 levels)"))


def test_it_nests_folders_at_most_255_deep_at_create_and_move(as_alice, alice, project):
    chain = [None]
    for level in range(255):
        chain.append(stored_folder(project, alice, chain[-1], f"level {level + 1}"))
    deepest, above = ({"kind": "dds-folder", "id": str(folder.id)} for folder in (chain[255], chain[254]))
    loose = stored_folder(project, alice, None, "loose")
    with_child = stored_folder(project, alice, None, "with a child")
    stored_folder(project, alice, with_child, "child")

    refused = create(as_alice, "level 256", deepest)
    moved = move(as_alice, {"id": str(loose.id)}, above)
    refused_move = move(as_alice, {"id": str(with_child.id)}, above)

    assert (refused.status_code, refused.json()) == (400, TOO_DEEP)
    assert moved.status_code == 200 and len(moved.json()["ancestors"]) == 255
    assert (refused_move.status_code, refused_move.json()) == (400, TOO_DEEP)
    assert Container.objects.get(pk=with_child.id).parent_id is None
