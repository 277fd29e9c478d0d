"""GET /projects/{id}/children and GET /folders/{id}/children (docs/api/files.md#children-listings)."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dds import pagination

from ..client import API
from ..envelopes import PAGING_HEADERS, not_found
from .conftest import stored_file, stored_folder


def names(response):
    return [item["name"] for item in response.json()["results"]]


@pytest.fixture
def tree(alice, project):
    """Made oldest first: raw/, raw/Lane_1/, raw/Lane_1/reads.FASTQ, raw/notes.txt, summary.txt, 100%_done.txt."""
    raw = stored_folder(project, alice, None, "raw")
    lane = stored_folder(project, alice, raw, "Lane_1")
    reads = stored_file(project, alice, lane, b"reads", "reads.FASTQ")
    notes = stored_file(project, alice, raw, b"notes", "notes.txt")
    summary = stored_file(project, alice, None, b"summary", "summary.txt")
    done = stored_file(project, alice, None, b"done", "100%_done.txt")
    return {"raw": raw, "lane": lane, "reads": reads, "notes": notes, "summary": summary, "done": done}


def test_it_lists_only_the_top_of_a_project_newest_first(as_alice, project, tree):
    response = as_alice.get(f"{API}/projects/{project.id}/children")

    assert response.status_code == 200
    assert names(response) == ["100%_done.txt", "summary.txt", "raw"]


def test_it_lists_only_the_direct_children_of_a_folder_newest_first(as_alice, tree):
    response = as_alice.get(f"{API}/folders/{tree['raw'].id}/children")

    assert response.status_code == 200
    assert names(response) == ["notes.txt", "Lane_1"]


def test_it_lists_folders_and_files_in_their_own_shapes(as_alice, project, tree):
    folder, data_file = as_alice.get(f"{API}/folders/{tree['raw'].id}/children").json()["results"][::-1]

    assert folder == as_alice.get(f"{API}/folders/{tree['lane'].id}").json()
    assert data_file == as_alice.get(f"{API}/files/{tree['notes'].id}").json()
    assert folder["kind"] == "dds-folder" and data_file["kind"] == "dds-file"


def test_it_lists_the_whole_subtree_of_a_project_for_an_empty_name_contains(as_alice, project, tree):
    response = as_alice.get(f"{API}/projects/{project.id}/children?name_contains=")

    assert response.status_code == 200
    assert names(response) == ["100%_done.txt", "summary.txt", "notes.txt", "reads.FASTQ", "Lane_1", "raw"]


def test_it_lists_the_whole_subtree_below_a_folder_for_an_empty_name_contains(as_alice, tree):
    response = as_alice.get(f"{API}/folders/{tree['raw'].id}/children?name_contains=")

    assert names(response) == ["notes.txt", "reads.FASTQ", "Lane_1"]


def test_it_lists_a_subtree_whose_parents_lead_back_to_the_listed_root(as_alice, project, tree):
    items = as_alice.get(f"{API}/projects/{project.id}/children?name_contains=").json()["results"]

    listed_folders = {item["id"] for item in items if item["kind"] == "dds-folder"}
    for item in items:
        parent = item["parent"]
        assert parent == {"kind": "dds-project", "id": str(project.id)} or (
            parent["kind"] == "dds-folder" and parent["id"] in listed_folders
        )


# name_contains → what it finds: a case-insensitive substring, `%` and `_` taken literally (no SQL wildcards).
FILTERS = {
    "fastq": ["reads.FASTQ"],
    "LANE": ["Lane_1"],
    "t.tx": [],
    "s.t": ["notes.txt"],
    "%": ["100%_done.txt"],
    "_": ["100%_done.txt", "Lane_1"],
    "0%_d": ["100%_done.txt"],
    "a%": [],
    "r_w": [],
}


def test_it_filters_the_subtree_by_a_case_insensitive_literal_substring(as_alice, project, tree):
    found = {}
    for text in FILTERS:
        response = as_alice.get(f"{API}/projects/{project.id}/children", {"name_contains": text})
        assert response.status_code == 200
        assert response["X-Total"] == str(len(response.json()["results"]))
        found[text] = names(response)

    assert found == FILTERS


@pytest.mark.postgresql("SQLite's LIKE folds the case of ASCII letters only (a known limitation)")
def test_it_filters_by_name_case_insensitively_beyond_ascii(as_alice, alice, project):
    stored_folder(project, alice, None, "Éclair")
    stored_folder(project, alice, None, "ΣΊΓΜΑ")

    found = {
        text: names(as_alice.get(f"{API}/projects/{project.id}/children", {"name_contains": text}))
        for text in ("éCLAIR", "σίγμα")
    }

    assert found == {"éCLAIR": ["Éclair"], "σίγμα": ["ΣΊΓΜΑ"]}


def test_it_filters_only_below_the_folder_asked_about(as_alice, alice, project, tree):
    stored_file(project, alice, None, b"other", "top notes.txt")

    response = as_alice.get(f"{API}/folders/{tree['raw'].id}/children", {"name_contains": "notes"})

    assert names(response) == ["notes.txt"]


def test_it_leaves_out_the_fields_the_client_excludes(as_alice, project, tree):
    response = as_alice.get(
        f"{API}/projects/{project.id}/children?name_contains=&exclude_response_fields=audit+ancestors+project"
    )

    items = response.json()["results"]
    assert response.status_code == 200
    assert {item["kind"]: set(item) for item in items} == {
        "dds-folder": {"kind", "id", "parent", "name", "is_deleted"},
        "dds-file": {"kind", "id", "parent", "name", "is_deleted", "current_version"},
    }


def test_it_ignores_unknown_field_names_to_exclude(as_alice, project, tree):
    full = as_alice.get(f"{API}/folders/{tree['raw'].id}/children").json()

    response = as_alice.get(f"{API}/folders/{tree['raw'].id}/children", {"exclude_response_fields": "bogus audit nope"})

    assert response.status_code == 200
    assert response.json() == {"results": [{k: v for k, v in item.items() if k != "audit"} for item in full["results"]]}


def test_it_never_lists_deleted_items(as_alice, project, tree):
    assert as_alice.delete(f"{API}/files/{tree['summary'].id}").status_code == 204
    assert as_alice.delete(f"{API}/folders/{tree['lane'].id}").status_code == 204

    top = as_alice.get(f"{API}/projects/{project.id}/children")
    everything = as_alice.get(f"{API}/projects/{project.id}/children?name_contains=")
    in_raw = as_alice.get(f"{API}/folders/{tree['raw'].id}/children")
    by_name = as_alice.get(f"{API}/projects/{project.id}/children?name_contains=reads")

    assert names(top) == ["100%_done.txt", "raw"]
    assert names(everything) == ["100%_done.txt", "notes.txt", "raw"]
    assert everything["X-Total"] == "3"
    assert names(in_raw) == ["notes.txt"]
    assert names(by_name) == []


def test_it_pages_a_listing_with_the_paging_headers(as_alice, project, tree):
    first = as_alice.get(f"{API}/projects/{project.id}/children?name_contains=&per_page=4")
    second = as_alice.get(f"{API}/projects/{project.id}/children?name_contains=&per_page=4&page=2")

    assert {header: first[header] for header in PAGING_HEADERS} == {
        "X-Total": "6",
        "X-Total-Pages": "2",
        "X-Page": "1",
        "X-Per-Page": "4",
        "X-Next-Page": "2",
        "X-Prev-Page": "",
    }
    assert {header: second[header] for header in PAGING_HEADERS} == {
        "X-Total": "6",
        "X-Total-Pages": "2",
        "X-Page": "2",
        "X-Per-Page": "4",
        "X-Next-Page": "",
        "X-Prev-Page": "1",
    }
    assert names(first) + names(second) == ["100%_done.txt", "summary.txt", "notes.txt", "reads.FASTQ", "Lane_1", "raw"]


def test_it_reads_a_page_of_the_second_half_from_the_end_skipping_nothing(as_alice, alice, project, monkeypatch):
    """Issue 29: the last page of a million-item listing cost a scan of every row before it. (Listings of up to
    READ_WHOLE rows are read whole: here every one is paged.)"""
    monkeypatch.setattr(pagination, "READ_WHOLE", 0)
    for number in range(7):
        stored_folder(project, alice, None, f"f{number}")
    url = f"{API}/projects/{project.id}/children?per_page=3&page="

    with CaptureQueriesContext(connection) as captured:
        last = as_alice.get(f"{url}3")
    pages = [names(as_alice.get(f"{url}{page}")) for page in (1, 2, 3)]

    assert names(last) == ["f0"]
    assert sum(pages, []) == [f"f{number}" for number in reversed(range(7))]
    assert not [query["sql"] for query in captured.captured_queries if "OFFSET" in query["sql"]]


def test_it_reads_a_short_listing_whole_rather_than_walking_its_order_for_a_page(as_alice, alice, project):
    """Issue 29: a rare name among a million files took 2 s: the planner walked the order's index for LIMIT 1."""
    for number in range(3):
        stored_folder(project, alice, None, f"f{number}")

    with CaptureQueriesContext(connection) as captured:
        page = as_alice.get(f"{API}/projects/{project.id}/children?name_contains=f&per_page=2&page=2")

    assert names(page) == ["f0"]
    ids = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('SELECT "files_container"."id" AS "pk"')
    ]
    assert len(ids) == 1 and not ids[0].rstrip().split(")")[-1].count("LIMIT")


def test_it_pages_an_empty_listing(as_alice, project):
    response = as_alice.get(f"{API}/projects/{project.id}/children")

    assert response.json() == {"results": []}
    assert (response["X-Total"], response["X-Total-Pages"], response["X-Next-Page"]) == ("0", "0", "")


def test_it_refuses_a_page_size_that_is_not_a_number(as_alice, project):
    response = as_alice.get(f"{API}/projects/{project.id}/children?per_page=many")

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "per_page", "message": "is invalid"}]


def test_it_answers_404_for_the_children_of_a_deleted_or_unknown_folder(as_alice, tree):
    as_alice.delete(f"{API}/folders/{tree['lane'].id}")

    for folder_id in (tree["lane"].id, uuid.uuid4(), "nope", tree["notes"].id):
        response = as_alice.get(f"{API}/folders/{folder_id}/children")
        assert response.status_code == 404
        assert response.json() == not_found("Folder")


def test_it_answers_404_for_the_children_of_a_deleted_or_unknown_project(as_alice, project, tree):
    as_alice.delete(f"{API}/projects/{project.id}")

    for project_id in (project.id, uuid.uuid4()):
        response = as_alice.get(f"{API}/projects/{project_id}/children")
        assert response.status_code == 404
        assert response.json() == not_found("Project")


def test_it_lists_only_the_project_asked_about(as_alice, alice, make_project, project, tree):
    other = make_project(alice, "Other")
    stored_file(other, alice, None, b"x", "elsewhere.txt")

    response = as_alice.get(f"{API}/projects/{project.id}/children?name_contains=")

    assert "elsewhere.txt" not in names(response)
    assert names(as_alice.get(f"{API}/projects/{other.id}/children")) == ["elsewhere.txt"]
