"""GET /projects/{id}/files: every live file with a fresh download URL, a page failing as a whole
(docs/api/files.md#project-file-listing)."""

import json
import uuid

import pytest

from uploads import services as uploads
from uploads.hashes import HASH_MISMATCH

from ..client import API, md5
from ..envelopes import FORBIDDEN, NOT_CONSISTENT, PAGING_HEADERS, not_found
from .conftest import download, inside, stored_file, stored_folder

INTEGRITY = {
    "error": 400,
    "code": "not_provided",
    "reason": HASH_MISMATCH,
    "suggestion": "You must begin a new upload process",
}


def listing(client, project, **query):
    return client.get(f"{API}/projects/{project.id}/files", query)


def names(response):
    return [item["name"] for item in response.json()["results"]]


def test_it_lists_every_live_file_with_its_size_hashes_ancestors_and_a_download_url(
    as_alice, project, folder_of, file_of
):
    raw = folder_of("raw")
    lane = folder_of("lane 1", inside(raw))
    reads = file_of(b"ACGT" * 100, name="reads.fastq", parent=inside(lane))

    response = listing(as_alice, project)

    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item == {
        "id": reads["id"],
        "name": "reads.fastq",
        "size": 400,
        "file_url": item["file_url"],
        "hashes": [{"value": md5(b"ACGT" * 100), "algorithm": "md5"}],
        "ancestors": [
            {"kind": "dds-project", "id": str(project.id), "name": project.name},
            {"kind": "dds-folder", "id": raw["id"], "name": "raw"},
            {"kind": "dds-folder", "id": lane["id"], "name": "lane 1"},
        ],
    }
    assert item["file_url"]["http_verb"] == "GET" and item["file_url"]["http_headers"] == []
    fetched = download(as_alice, item["file_url"])
    assert fetched.status_code == 200
    assert fetched.bytes == b"ACGT" * 100
    assert 'filename="reads.fastq"' in fetched["Content-Disposition"]


def test_it_lists_files_at_every_depth_most_recently_updated_first(as_alice, alice, project):
    raw = stored_folder(project, alice, None, "raw")
    deep = stored_folder(project, alice, stored_folder(project, alice, raw, "a"), "b")
    stored_file(project, alice, deep, b"1", "one")
    two = stored_file(project, alice, None, b"22", "two")
    stored_file(project, alice, raw, b"333", "three")
    assert as_alice.put(f"{API}/files/{two.id}", {"label": "touched"}, format="json").status_code == 200

    response = listing(as_alice, project)

    assert names(response) == ["two", "three", "one"]
    assert [item["size"] for item in response.json()["results"]] == [2, 3, 1]
    assert response["X-Total"] == "3"


def test_it_leaves_deleted_files_and_folders_out(as_alice, alice, project):
    raw = stored_folder(project, alice, None, "raw")
    stored_file(project, alice, raw, b"1", "in raw")
    gone = stored_file(project, alice, None, b"2", "gone")
    stored_file(project, alice, None, b"3", "kept")
    as_alice.delete(f"{API}/files/{gone.id}")
    as_alice.delete(f"{API}/folders/{raw.id}")

    assert names(listing(as_alice, project)) == ["kept"]


def test_it_serves_the_current_version_of_each_file(as_alice, project, file_of, upload_of):
    reads = file_of(b"first", name="reads")
    second = upload_of(b"second version", name="reads")
    as_alice.put(f"{API}/files/{reads['id']}", {"upload": {"id": second["id"]}}, format="json")

    [item] = listing(as_alice, project).json()["results"]

    assert item["size"] == len(b"second version")
    assert item["hashes"] == [{"value": md5(b"second version"), "algorithm": "md5"}]
    assert download(as_alice, item["file_url"]).bytes == b"second version"


def test_it_pages_the_listing(as_alice, alice, project):
    for index in range(3):
        stored_file(project, alice, None, b"x", f"f{index}")

    first = listing(as_alice, project, per_page=2)
    second = listing(as_alice, project, per_page=2, page=2)

    assert {header: first[header] for header in PAGING_HEADERS} == {
        "X-Total": "3",
        "X-Total-Pages": "2",
        "X-Page": "1",
        "X-Per-Page": "2",
        "X-Next-Page": "2",
        "X-Prev-Page": "",
    }
    assert names(first) + names(second) == ["f2", "f1", "f0"]
    assert (second["X-Next-Page"], second["X-Prev-Page"]) == ("", "1")


def test_it_answers_an_empty_project_with_zero_pages(as_alice, project):
    response = listing(as_alice, project)

    assert response.status_code == 200
    assert response.json() == {"results": []}
    assert (response["X-Total"], response["X-Total-Pages"]) == ("0", "0")


def test_it_answers_404_not_consistent_for_a_page_holding_an_unverified_file(as_alice, alice, project, file_of):
    stored_file(project, alice, None, b"fine", "fine")
    file_of(b"waiting", name="waiting", commit=False)

    response = listing(as_alice, project)

    assert response.status_code == 404
    assert response.json() == NOT_CONSISTENT
    assert int(response["Retry-After"]) >= 1
    assert "X-Total-Pages" not in response


def test_it_answers_400_integrity_for_a_page_holding_a_failed_upload(as_alice, alice, project, failed_file):
    stored_file(project, alice, None, b"fine", "fine")
    failed_file(b"bad bytes")

    response = listing(as_alice, project)

    assert response.status_code == 400
    assert response.json() == INTEGRITY


def test_it_answers_200_for_a_page_that_does_not_hold_the_bad_file(as_alice, alice, project):
    stored_file(project, alice, None, b"fine", "fine")
    stored_file(project, alice, None, b"bad bytes", "bad", state="failed")
    stored_file(project, alice, None, b"waiting", "waiting", state="unverified")

    newest = listing(as_alice, project, per_page=1)
    middle = listing(as_alice, project, per_page=1, page=2)
    oldest = listing(as_alice, project, per_page=1, page=3)

    assert (newest.status_code, newest.json()) == (404, NOT_CONSISTENT)
    assert (middle.status_code, middle.json()) == (400, INTEGRITY)
    assert oldest.status_code == 200
    assert names(oldest) == ["fine"]
    assert oldest["X-Total"] == "3"


@pytest.mark.parametrize("newest, expected", [("bad", (400, INTEGRITY)), ("waiting", (404, NOT_CONSISTENT))])
def test_it_lets_the_first_failing_item_of_a_page_decide(as_alice, alice, project, newest, expected):
    states = {"bad": "failed", "waiting": "unverified"}
    oldest = "waiting" if newest == "bad" else "bad"
    for name in (oldest, newest):
        stored_file(project, alice, None, name.encode(), name, state=states[name])

    response = listing(as_alice, project)

    assert (response.status_code, response.json()) == expected


def test_it_recovers_once_the_upload_is_verified(as_alice, alice, project):
    waiting = stored_file(project, alice, None, b"waiting", "waiting", state="unverified")
    assert listing(as_alice, project).status_code == 404

    uploads.upload_verify(upload_id=waiting.current_version.upload_id)

    assert names(listing(as_alice, project)) == ["waiting"]


@pytest.mark.parametrize("role, status", [("project_viewer", 403), ("file_uploader", 403), ("file_downloader", 200)])
def test_it_requires_download_file(client_for, bob, alice, project, grant, role, status):
    stored_file(project, alice, None, b"x", "x")
    grant(project, bob, role)

    response = listing(client_for(bob), project)

    assert response.status_code == status
    if status == 403:
        assert response.json() == FORBIDDEN
    else:
        assert names(response) == ["x"]


def without_signature(response):
    """The items with only the path of their file_url: its expiry and signature change with the clock."""
    return [{**item, "file_url": item["file_url"]["url"].split("?")[0]} for item in response.json()["results"]]


def test_it_follows_a_change_of_role_from_one_request_to_the_next(client_for, bob, alice, project, grant):
    stored_file(project, alice, None, b"x", "x")
    grant(project, bob, "file_downloader")
    as_bob = client_for(bob)
    before = listing(as_bob, project)

    grant(project, bob, "project_viewer")
    refused = listing(as_bob, project)
    grant(project, bob, "file_downloader")
    after = listing(as_bob, project)

    assert (refused.status_code, refused.json()) == (403, FORBIDDEN)
    assert after.status_code == 200
    assert without_signature(after) == without_signature(before)


def test_it_follows_an_auth_role_the_admin_edits_at_once(client_for, bob, alice, project, grant, operator):
    stored_file(project, alice, None, b"x", "x")
    grant(project, bob, "file_downloader")
    as_bob = client_for(bob)
    assert names(listing(as_bob, project)) == ["x"]

    def edit_file_downloader(permissions):
        change = operator.post(
            "/admin/projects/authrole/file_downloader/change/",
            {
                "id": "file_downloader",
                "name": "File Downloader",
                "description": "Can download files",
                "permissions": json.dumps(permissions),
                "contexts": json.dumps(["project"]),
            },
        )
        assert change.status_code == 302, change.content

    edit_file_downloader(["view_project"])
    refused = listing(as_bob, project)
    edit_file_downloader(["view_project", "download_file"])
    allowed = listing(as_bob, project)

    assert (refused.status_code, refused.json()) == (403, FORBIDDEN)
    assert names(allowed) == ["x"]


def test_it_lists_every_file_for_a_system_admin_without_a_project_role(client_for, sysadmin, alice, project):
    stored_file(project, alice, None, b"x", "x")

    assert names(listing(client_for(sysadmin), project)) == ["x"]


def test_it_answers_404_before_403_and_for_a_deleted_project(as_alice, as_bob, alice, project):
    unknown = as_bob.get(f"{API}/projects/{uuid.uuid4()}/files")
    as_alice.delete(f"{API}/projects/{project.id}")
    deleted = listing(as_alice, project)

    assert (unknown.status_code, unknown.json()) == (404, not_found("Project"))
    assert (deleted.status_code, deleted.json()) == (404, not_found("Project"))
