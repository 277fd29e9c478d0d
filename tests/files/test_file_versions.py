"""GET /files/{id}/versions, GET/PUT/DELETE /file_versions/{id}, POST /file_versions/{id}/current
(docs/api/files.md#file-versions)."""

import uuid

import pytest

from files.models import FileVersion
from uploads.models import StorageProvider, Upload

from ..client import API, md5
from ..envelopes import TIMESTAMP, has_no_paging_headers, invalid, new_audit, not_found, user_preview
from .conftest import download, stored_file, stored_upload


@pytest.fixture
def versioned(as_alice, alice, project):
    """A file "reads" with versions 1 (upload A, label "run 1") and 2 (upload B, label "run 2"); rows."""
    data_file = stored_file(project, alice, None, b"AAAA", "reads", label="run 1")
    b = stored_upload(project, alice, b"BBBBBB", "b")
    put = as_alice.put(f"{API}/files/{data_file.id}", {"upload": {"id": str(b.id)}, "label": "run 2"}, format="json")
    assert put.status_code == 200
    v1, v2 = FileVersion.objects.filter(file=data_file).order_by("version")
    return {"file": data_file, "v1": v1, "v2": v2, "A": v1.upload, "B": b}


def object_path(storage_root, upload):
    return storage_root / str(upload.storage_provider_id) / str(upload.project_id) / str(upload.id)


# --- GET /files/{id}/versions, GET /file_versions/{id} -------------------------------------------------------


def test_it_shows_a_version(as_alice, alice, project, versioned):
    response = as_alice.get(f"{API}/file_versions/{versioned['v1'].id}")

    assert response.status_code == 200
    body = response.json()
    provider = StorageProvider.objects.get(is_default=True)
    assert body == {
        "id": str(versioned["v1"].id),
        "kind": "dds-file-version",
        "version": 1,
        "label": "run 1",
        "is_deleted": False,
        "audit": new_audit(body, alice),
        "upload": {
            "id": str(versioned["A"].id),
            "size": 4,
            "storage_provider": {"id": str(provider.id), "name": provider.name, "description": provider.description},
            "hashes": [{"algorithm": "md5", "value": md5(b"AAAA"), "audit": body["upload"]["hashes"][0]["audit"]}],
        },
        "file": {
            "id": str(versioned["file"].id),
            "name": "reads",
            "project": {"id": str(project.id), "name": project.name},
        },
    }
    assert TIMESTAMP.match(body["audit"]["created_on"])
    assert has_no_paging_headers(response)


def test_it_lists_every_version_oldest_first_deleted_ones_too_without_paging(as_alice, versioned):
    as_alice.delete(f"{API}/file_versions/{versioned['v1'].id}")

    response = as_alice.get(f"{API}/files/{versioned['file'].id}/versions?page=1&per_page=1")

    assert response.status_code == 200
    items = response.json()["results"]
    assert [(item["version"], item["label"], item["is_deleted"]) for item in items] == [
        (1, "run 1", True),
        (2, "run 2", False),
    ]
    assert items[1] == as_alice.get(f"{API}/file_versions/{versioned['v2'].id}").json()
    assert has_no_paging_headers(response)


def test_it_still_lists_and_shows_the_versions_of_a_deleted_file(as_alice, versioned):
    as_alice.delete(f"{API}/files/{versioned['file'].id}")

    listing = as_alice.get(f"{API}/files/{versioned['file'].id}/versions")
    current = as_alice.get(f"{API}/file_versions/{versioned['v2'].id}")

    assert [item["is_deleted"] for item in listing.json()["results"]] == [True, True]
    assert current.status_code == 200
    assert current.json()["is_deleted"] is True


def test_it_still_shows_a_deleted_version(as_alice, alice, versioned):
    as_alice.delete(f"{API}/file_versions/{versioned['v1'].id}")

    response = as_alice.get(f"{API}/file_versions/{versioned['v1'].id}")

    assert response.status_code == 200
    assert response.json()["is_deleted"] is True
    assert response.json()["audit"]["deleted_by"] == user_preview(alice)
    assert TIMESTAMP.match(response.json()["audit"]["deleted_on"])


@pytest.mark.parametrize("path, model", [("files/{id}/versions", "DataFile"), ("file_versions/{id}", "FileVersion")])
def test_it_answers_404_for_an_unknown_id(as_alice, project, path, model):
    for unknown in (uuid.uuid4(), "nope"):
        response = as_alice.get(f"{API}/{path.format(id=unknown)}")
        assert (response.status_code, response.json()) == (404, not_found(model))


# --- PUT /file_versions/{id} ----------------------------------------------------------------------------


def test_it_relabels_a_version(as_alice, alice, versioned):
    response = as_alice.put(f"{API}/file_versions/{versioned['v1'].id}", {"label": "the first run"}, format="json")

    assert response.status_code == 200
    assert response.json()["label"] == "the first run"
    assert response.json()["version"] == 1
    assert response.json()["audit"]["last_updated_by"] == user_preview(alice)
    assert FileVersion.objects.get(pk=versioned["v1"].pk).label == "the first run"
    assert FileVersion.objects.get(pk=versioned["v2"].pk).label == "run 2"


def test_it_answers_404_when_relabelling_a_deleted_version(as_alice, versioned):
    as_alice.delete(f"{API}/file_versions/{versioned['v1'].id}")

    response = as_alice.put(f"{API}/file_versions/{versioned['v1'].id}", {"label": "x"}, format="json")

    assert (response.status_code, response.json()) == (404, not_found("FileVersion"))
    assert FileVersion.objects.get(pk=versioned["v1"].pk).label == "run 1"


def test_it_requires_a_label(as_alice, versioned):
    response = as_alice.put(f"{API}/file_versions/{versioned['v1'].id}", {}, format="json")

    assert (response.status_code, response.json()) == (400, invalid(("label", "is missing")))


# --- DELETE /file_versions/{id} -------------------------------------------------------------------------


def test_it_refuses_to_delete_the_current_version_of_a_live_file(as_alice, versioned, storage_root):
    response = as_alice.delete(f"{API}/file_versions/{versioned['v2'].id}")

    assert response.status_code == 400
    assert response.json() == invalid(("is_deleted", "The current file version cannot be deleted."))
    assert not FileVersion.objects.get(pk=versioned["v2"].pk).is_deleted
    assert object_path(storage_root, versioned["B"]).is_file()


def test_it_deletes_an_older_version_and_purges_its_uploads_bytes(as_alice, anonymous, alice, versioned, storage_root):
    old_url = as_alice.get(f"{API}/file_versions/{versioned['v1'].id}/url").json()

    response = as_alice.delete(f"{API}/file_versions/{versioned['v1'].id}")

    assert response.status_code == 204
    assert response.content == b""
    version = FileVersion.objects.get(pk=versioned["v1"].pk)
    assert version.is_deleted and version.deleted_by == alice
    assert Upload.objects.get(pk=versioned["A"].pk).purged_on is not None
    assert not object_path(storage_root, versioned["A"]).exists()
    assert download(anonymous, old_url).status_code == 404
    assert Upload.objects.get(pk=versioned["B"].pk).purged_on is None
    assert download(anonymous, as_alice.get(f"{API}/files/{versioned['file'].id}/url").json()).bytes == b"BBBBBB"


def test_it_keeps_the_bytes_of_an_upload_a_live_version_still_references(as_alice, anonymous, versioned, storage_root):
    promoted = as_alice.post(f"{API}/file_versions/{versioned['v1'].id}/current")
    assert promoted.json()["upload"]["id"] == str(versioned["A"].id)

    response = as_alice.delete(f"{API}/file_versions/{versioned['v1'].id}")

    assert response.status_code == 204
    assert Upload.objects.get(pk=versioned["A"].pk).purged_on is None
    assert object_path(storage_root, versioned["A"]).read_bytes() == b"AAAA"
    assert download(anonymous, as_alice.get(f"{API}/files/{versioned['file'].id}/url").json()).bytes == b"AAAA"


def test_it_answers_404_when_deleting_a_version_twice(as_alice, versioned):
    as_alice.delete(f"{API}/file_versions/{versioned['v1'].id}")

    response = as_alice.delete(f"{API}/file_versions/{versioned['v1'].id}")

    assert (response.status_code, response.json()) == (404, not_found("FileVersion"))


def test_it_refuses_a_new_version_from_an_upload_whose_bytes_were_purged(as_alice, versioned):
    as_alice.delete(f"{API}/file_versions/{versioned['v1'].id}")
    assert Upload.objects.get(pk=versioned["A"].pk).purged_on is not None

    response = as_alice.put(
        f"{API}/files/{versioned['file'].id}", {"upload": {"id": str(versioned["A"].id)}}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == invalid(("upload", "cannot have been purged"))
    assert FileVersion.objects.filter(file=versioned["file"]).count() == 2


# --- POST /file_versions/{id}/current ---------------------------------------------------------------------


def test_it_makes_an_older_version_current_again_as_a_new_version(as_alice, alice, versioned):
    response = as_alice.post(f"{API}/file_versions/{versioned['v1'].id}/current")

    assert response.status_code == 201
    body = response.json()
    assert (body["version"], body["label"], body["is_deleted"]) == (3, "run 1", False)
    assert body["upload"]["id"] == str(versioned["A"].id)
    assert body["audit"]["created_by"] == user_preview(alice)
    assert body["id"] not in (str(versioned["v1"].id), str(versioned["v2"].id))
    current = as_alice.get(f"{API}/files/{versioned['file'].id}").json()["current_version"]
    assert (current["id"], current["version"], current["label"]) == (body["id"], 3, "run 1")
    listing = as_alice.get(f"{API}/files/{versioned['file'].id}/versions").json()["results"]
    assert [item["version"] for item in listing] == [1, 2, 3]


def test_it_refuses_to_promote_the_current_version(as_alice, versioned):
    response = as_alice.post(f"{API}/file_versions/{versioned['v2'].id}/current")

    assert response.status_code == 400
    assert response.json() == invalid(("upload_id", "match current file version."))
    assert FileVersion.objects.filter(file=versioned["file"]).count() == 2


def test_it_refuses_to_promote_a_version_whose_upload_is_already_current(as_alice, versioned):
    as_alice.post(f"{API}/file_versions/{versioned['v1'].id}/current")

    response = as_alice.post(f"{API}/file_versions/{versioned['v1'].id}/current")

    assert (response.status_code, response.json()) == (400, invalid(("upload_id", "match current file version.")))


def test_it_answers_404_when_promoting_a_deleted_or_unknown_version(as_alice, versioned):
    as_alice.delete(f"{API}/file_versions/{versioned['v1'].id}")

    for version_id in (versioned["v1"].id, uuid.uuid4()):
        response = as_alice.post(f"{API}/file_versions/{version_id}/current")
        assert (response.status_code, response.json()) == (404, not_found("FileVersion"))
    assert FileVersion.objects.filter(file=versioned["file"]).count() == 2
