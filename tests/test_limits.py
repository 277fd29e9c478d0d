"""The limits a hostile client probes: body size, name lengths, deep trees, odd characters, paging, ids of the wrong
kind. Each answers in the envelope, never a 500, and changes nothing it should not."""

import json
import time
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dds.audit import Actor
from files import services as files
from files.models import Container

from .client import API
from .envelopes import invalid, not_found
from .files.conftest import stored_file, stored_folder, stored_upload


def top(project):
    return {"kind": "dds-project", "id": str(project.id)}


# --- request body size -----------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_it_refuses_an_oversize_body_with_413_before_reading_it(as_alice, project, settings, content_type):
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    body = (
        json.dumps({"name": "big", "description": padding})
        if "json" in content_type
        else f"name=big&description={padding}"
    )

    response = as_alice.generic("PUT", f"{API}/projects/{project.id}", body, content_type=content_type)

    assert response.status_code == 413
    assert response.json() == {
        "error": 413,
        "code": "not_provided",
        "reason": "request body too large",
        "suggestion": "send file bytes to the signed storage URL, not to the API",
    }
    project.refresh_from_db()
    assert project.name != "big"


def test_it_takes_a_body_just_under_the_limit(as_alice, project, settings):
    padding = "d" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 100)  # a key the operation ignores

    response = as_alice.put(f"{API}/projects/{project.id}", {"description": "new", "padding": padding}, format="json")

    assert response.status_code == 200
    assert response.json()["description"] == "new"


def test_it_refuses_an_oversize_body_even_without_a_token(anonymous, db, settings):
    response = anonymous.generic(
        "POST",
        f"{API}/software_agents/api_token",
        "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        content_type="application/json",
    )

    assert response.status_code == 413
    assert response.json()["code"] == "not_provided"


def test_it_answers_400_for_a_form_with_too_many_fields(as_alice, project, settings):
    body = "&".join(f"f{number}=v" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = as_alice.generic(
        "PUT", f"{API}/projects/{project.id}", body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "not_provided"
    assert response.json()["reason"] == "bad request"


# --- names -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("length", "status"), [(255, 201), (256, 400), (10_000, 400)])
def test_it_takes_a_folder_name_up_to_255_characters(as_alice, project, length, status):
    response = as_alice.post(f"{API}/folders", {"name": "é" * length, "parent": top(project)}, format="json")

    assert response.status_code == status
    if status == 400:
        assert response.json() == invalid(("name", "is too long (maximum is 255 characters)"))
        assert not Container.objects.exists()


@pytest.mark.parametrize(("length", "status"), [(255, 202), (256, 400)])
def test_it_takes_a_project_name_up_to_255_characters(as_alice, db, length, status):
    response = as_alice.post(f"{API}/projects", {"name": "n" * length, "description": "d"}, format="json")

    assert response.status_code == status
    if status == 400:
        assert response.json() == invalid(("name", "is too long (maximum is 255 characters)"))


@pytest.mark.parametrize(
    "name",
    ["résumé.txt", "数据 2024", "🧬 reads 🧪.fastq", "שלום.txt", "Zalgo z̷̢a̶l̸g̵o", "tab-less\u00a0nbsp", "ﷺ" * 100],
)
def test_it_keeps_a_unicode_name_exactly(as_alice, project, name):
    created = as_alice.post(f"{API}/folders", {"name": name, "parent": top(project)}, format="json")

    assert created.status_code == 201
    assert created.json()["name"] == name
    assert as_alice.get(f"{API}/folders/{created.json()['id']}").json()["name"] == name
    found = as_alice.get(f"{API}/projects/{project.id}/children", {"name_contains": name[:3]}).json()["results"]
    assert [item["name"] for item in found] == [name]


CONTROL_CHARACTERS = [
    "nul\x00",
    "bell\x07",
    "line\nbreak",
    "del\x7f",
    "esc\x1b[31m",
    "\x1f",
    "next\x85line",
    "c1 start\x80",
    "c1\x9fend",
    "line\u2028separator",
    "paragraph\u2029separator",
]


@pytest.mark.parametrize("name", ["a/b", *CONTROL_CHARACTERS])
def test_it_refuses_slashes_and_control_characters_in_names(as_alice, project, name):
    response = as_alice.post(f"{API}/folders", {"name": name, "parent": top(project)}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "not_provided"
    assert not Container.objects.exists()


@pytest.mark.parametrize("name", [name for name in CONTROL_CHARACTERS[1:] if name.strip()])
def test_it_refuses_control_characters_in_a_renamed_file(as_alice, alice, project, name):
    data_file = stored_file(project, alice, None, b"bytes", "reads.txt")

    response = as_alice.put(f"{API}/files/{data_file.id}/rename", {"name": name}, format="json")

    assert response.json() == invalid(
        ("name", "is invalid (not only dots and spaces; no '/', '\\' or control characters)")
    )
    assert Container.objects.get(pk=data_file.pk).name == "reads.txt"


@pytest.mark.parametrize("name", [name for name in CONTROL_CHARACTERS[1:] if name.strip()])
def test_it_refuses_control_characters_in_project_and_agent_names(as_alice, project, alice_agent, name):
    created = as_alice.post(f"{API}/projects", {"name": name, "description": "d"}, format="json")
    renamed = as_alice.put(f"{API}/projects/{project.id}", {"name": name}, format="json")
    agent = as_alice.post(f"{API}/software_agents", {"name": name}, format="json")
    agent_renamed = as_alice.put(f"{API}/software_agents/{alice_agent.id}", {"name": name}, format="json")

    for response in (created, renamed, agent, agent_renamed):
        assert response.json() == invalid(("name", "is invalid"))
    project.refresh_from_db()
    alice_agent.refresh_from_db()
    assert (project.name, alice_agent.name) == ("Mouse RNA-seq", "DukeDSClient")


@pytest.mark.parametrize("name", ["Mouse\u00a0RNA", "🧬 reads", "tab\u200bzero width", "\u00a1\u00ff"])
def test_it_keeps_other_characters_in_project_names(as_alice, project, name):
    response = as_alice.put(f"{API}/projects/{project.id}", {"name": name}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == name


@pytest.mark.parametrize("name", ["", " ", "\u3000\u2003"])
def test_it_refuses_a_blank_name(as_alice, project, name):
    response = as_alice.post(f"{API}/folders", {"name": name, "parent": top(project)}, format="json")

    assert response.json() == invalid(("name", "can't be blank"))


@pytest.mark.parametrize("value", ["nul\x00", "\ud800 lone surrogate"])
@pytest.mark.parametrize("field", ["name", "description"])
def test_it_answers_400_for_characters_the_database_cannot_store(as_alice, project, field, value):
    body = json.dumps({field: value}, ensure_ascii=True)

    response = as_alice.generic("PUT", f"{API}/projects/{project.id}", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "not_provided"


@pytest.mark.parametrize("query", ["nul%00", "%ED%A0%80", "%FF%FE", "%C0%AF"])
def test_it_answers_a_search_for_unstorable_characters_without_a_500(as_alice, project, query):
    response = as_alice.get(f"{API}/projects/{project.id}/children?name_contains={query}")

    assert response.status_code in (200, 400)
    assert response.status_code == 200 or response.json()["code"] == "not_provided"


# --- deep trees ----------------------------------------------------------------------------------------------

DEPTH = 200


@pytest.fixture
def deep(alice, project):
    """200 folders, each inside the one before."""
    chain, parent = [], None
    for level in range(DEPTH):
        parent = files.folder_create(actor=Actor(user=alice), project=project, parent=parent, name=f"level {level}")
        chain.append(parent)
    return chain


def test_it_answers_a_folder_200_levels_deep_with_every_ancestor_in_bounded_queries(as_alice, project, deep):
    with CaptureQueriesContext(connection) as queries:
        started = time.monotonic()
        response = as_alice.get(f"{API}/folders/{deep[-1].id}")
        elapsed = time.monotonic() - started

    assert response.status_code == 200
    ancestors = response.json()["ancestors"]
    assert [a["id"] for a in ancestors] == [str(project.id)] + [str(folder.id) for folder in deep[:-1]]
    assert ancestors[0]["kind"] == "dds-project" and {a["kind"] for a in ancestors[1:]} == {"dds-folder"}
    assert len(queries) <= 12
    assert elapsed < 2


def test_it_creates_a_folder_and_a_file_at_level_201(as_alice, alice, project, deep):
    folder = as_alice.post(
        f"{API}/folders", {"name": "bottom", "parent": {"kind": "dds-folder", "id": str(deep[-1].id)}}, format="json"
    )
    upload = stored_upload(project, alice, b"deep bytes")
    made = as_alice.post(
        f"{API}/files",
        {"parent": {"kind": "dds-folder", "id": folder.json()["id"]}, "upload": {"id": str(upload.id)}},
        format="json",
    )

    assert folder.status_code == 201 and len(folder.json()["ancestors"]) == DEPTH + 1
    assert made.status_code == 201 and len(made.json()["ancestors"]) == DEPTH + 2
    url = as_alice.get(f"{API}/files/{made.json()['id']}/url")
    assert url.status_code == 200


def test_it_searches_a_200_level_subtree_in_one_page(as_alice, project, deep):
    with CaptureQueriesContext(connection) as queries:
        response = as_alice.get(f"{API}/projects/{project.id}/children", {"name_contains": "level 1", "per_page": 500})

    names = sorted(item["name"] for item in response.json()["results"])
    assert names == sorted(f"level {n}" for n in range(DEPTH) if str(n).startswith("1"))
    assert len(queries) <= 15


def test_it_refuses_to_move_a_folder_into_its_own_200_level_subtree(as_alice, deep):
    response = as_alice.put(
        f"{API}/folders/{deep[0].id}/move", {"parent": {"kind": "dds-folder", "id": str(deep[-1].id)}}, format="json"
    )

    assert response.status_code == 400
    assert Container.objects.get(pk=deep[0].pk).parent_id is None


def test_it_moves_and_deletes_a_200_level_tree(as_alice, project, deep):
    moved = as_alice.put(
        f"{API}/folders/{deep[1].id}/move", {"parent": {"kind": "dds-project", "id": str(project.id)}}, format="json"
    )
    leaf = as_alice.get(f"{API}/folders/{deep[-1].id}").json()
    deleted = as_alice.delete(f"{API}/folders/{deep[1].id}")

    assert moved.status_code == 200
    assert [a["id"] for a in leaf["ancestors"][:2]] == [str(project.id), str(deep[1].id)]
    assert deleted.status_code == 204
    assert Container.objects.filter(is_deleted=False).count() == 1  # deep[0] alone
    assert as_alice.get(f"{API}/folders/{deep[-1].id}").status_code == 404


# --- paging ---------------------------------------------------------------------------------------------------


@pytest.fixture
def three_folders(alice, project):
    return [stored_folder(project, alice, None, f"f{n}") for n in range(3)]


@pytest.mark.parametrize("per_page", ["1001", "100000", str(10**30)])
def test_it_clamps_a_huge_per_page_to_1000(as_alice, project, three_folders, per_page):
    response = as_alice.get(f"{API}/projects/{project.id}/children", {"per_page": per_page})

    assert response.status_code == 200
    assert response["X-Per-Page"] == "1000"
    assert len(response.json()["results"]) == 3


@pytest.mark.parametrize(
    ("page", "per_page"), [("-1", "2"), ("0", "2"), (str(-(10**30)), "2"), ("1", "-5"), ("1", "0")]
)
def test_it_reads_a_page_or_per_page_below_1_as_the_default(as_alice, project, three_folders, page, per_page):
    response = as_alice.get(f"{API}/projects/{project.id}/children", {"page": page, "per_page": per_page})

    assert response.status_code == 200
    assert response["X-Page"] == "1"
    assert response["X-Per-Page"] in ("2", "100")


@pytest.mark.parametrize("page", [str(10**6), str(10**30)])
def test_it_answers_a_page_past_the_end_empty(as_alice, project, three_folders, page):
    response = as_alice.get(f"{API}/projects/{project.id}/children", {"page": page})

    assert response.status_code == 200
    assert response.json() == {"results": []}
    assert response["X-Total"] == "3"


@pytest.mark.parametrize("value", ["abc", "1.5", "1e3", "", "0x10"])
def test_it_answers_400_for_a_page_that_is_not_an_integer(as_alice, project, three_folders, value):
    response = as_alice.get(f"{API}/projects/{project.id}/children", {"page": value or " x"})

    assert response.status_code == 400
    assert response.json() == invalid(("page", "is invalid"))


# --- ids of the wrong kind ---------------------------------------------------------------------------------------


@pytest.fixture
def rows(alice, project):
    folder = stored_folder(project, alice, None, "raw")
    data_file = stored_file(project, alice, folder, b"bytes", "reads.txt")
    return {
        "project": project.id,
        "folder": folder.id,
        "file": data_file.id,
        "file_version": data_file.current_version.id,
        "upload": data_file.current_version.upload_id,
    }


WRONG_KINDS = [
    ("/files/{folder}", "DataFile"),
    ("/files/{folder}/url", "DataFile"),
    ("/files/{file_version}", "DataFile"),
    ("/folders/{file}", "Folder"),
    ("/folders/{file}/children", "Folder"),
    ("/folders/{project}", "Folder"),
    ("/projects/{folder}", "Project"),
    ("/projects/{file}/children", "Project"),
    ("/uploads/{file}", "Upload"),
    ("/file_versions/{file}", "FileVersion"),
    ("/file_versions/{upload}/url", "FileVersion"),
    ("/users/{project}", "User"),
    ("/software_agents/{file}", "SoftwareAgent"),
    ("/storage_providers/{project}", "StorageProvider"),
]


@pytest.mark.parametrize(("path", "model"), WRONG_KINDS)
def test_it_answers_an_id_of_the_wrong_kind_with_the_404_of_the_right_model(as_alice, rows, path, model):
    response = as_alice.get(API + path.format(**rows))

    assert response.status_code == 404
    assert response.json() == not_found(model)


@pytest.mark.parametrize(
    ("parent", "model"),
    [({"kind": "dds-folder", "id": "{file}"}, "Folder"), ({"kind": "dds-project", "id": "{folder}"}, "Project")],
)
def test_it_answers_a_parent_of_the_wrong_kind_with_404(as_alice, rows, parent, model):
    parent = {"kind": parent["kind"], "id": parent["id"].format(**rows)}

    response = as_alice.post(f"{API}/folders", {"name": "x", "parent": parent}, format="json")

    assert response.json() == not_found(model)


def test_it_answers_an_upload_id_that_is_a_file_id_with_404(as_alice, project, rows):
    response = as_alice.post(
        f"{API}/files", {"parent": top(project), "upload": {"id": str(rows["file"])}}, format="json"
    )

    assert response.json() == not_found("Upload")


@pytest.mark.parametrize("bad", ["not-a-uuid", "../../etc/passwd", "%00", str(uuid.uuid4()).upper() + "x", "1" * 500])
def test_it_answers_a_malformed_id_with_404(as_alice, db, bad):
    response = as_alice.get(f"{API}/files/{bad}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_provided"
