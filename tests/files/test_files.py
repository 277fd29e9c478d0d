"""POST /files, GET/PUT/DELETE /files/{id}, PUT /files/{id}/move and /rename (docs/api/files.md#files)."""

import uuid

import pytest

from files.models import Container, FileVersion
from uploads.hashes import HASH_MISMATCH
from uploads.models import StorageProvider, Upload

from ..client import API, FORM, md5
from ..envelopes import FORBIDDEN, TIMESTAMP, has_no_paging_headers, invalid, new_audit, not_found, user_preview
from .conftest import download, form, inside, stored_file, stored_folder, stored_upload, top_of

DATA = b"@read1\nACGT\n+\nIIII\n"


def create(client, upload, parent, **extra):
    return client.post(f"{API}/files", {"parent": parent, "upload": {"id": upload["id"]}, **extra}, format="json")


def ref(row):
    """`{"id": …}` of a row, as request bodies and JSON responses carry it."""
    return {"id": str(row.id)}


def versions_of(file_id):
    return list(
        FileVersion.objects.filter(file_id=file_id).order_by("version").values_list("version", "label", "upload_id")
    )


# --- POST /files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/files", "/files/"])
def test_it_creates_a_file_from_a_verified_upload(as_alice, alice, project, folder_of, upload_of, path):
    raw = folder_of("raw")
    upload = upload_of(DATA, name="reads.fastq")

    response = as_alice.post(
        f"{API}{path}", {"parent": inside(raw), "upload": {"id": upload["id"]}, "label": "lane 1"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    provider = StorageProvider.objects.get(is_default=True)
    fingerprint = upload["hashes"][0]
    assert body == {
        "kind": "dds-file",
        "id": body["id"],
        "parent": {"kind": "dds-folder", "id": raw["id"]},
        "name": "reads.fastq",
        "audit": new_audit(body, alice),
        "is_deleted": False,
        "current_version": {
            "id": body["current_version"]["id"],
            "version": 1,
            "label": "lane 1",
            "upload": {
                "id": upload["id"],
                "size": len(DATA),
                "storage_provider": {
                    "id": str(provider.id),
                    "name": provider.name,
                    "description": provider.description,
                },
                "hashes": [{"algorithm": "md5", "value": md5(DATA), "audit": fingerprint["audit"]}],
            },
        },
        "project": {"id": str(project.id), "name": project.name},
        "ancestors": [
            {"kind": "dds-project", "id": str(project.id), "name": project.name},
            {"kind": "dds-folder", "id": raw["id"], "name": "raw"},
        ],
    }
    assert TIMESTAMP.match(body["audit"]["created_on"])
    assert has_no_paging_headers(response)
    assert versions_of(body["id"]) == [(1, "lane 1", uuid.UUID(upload["id"]))]


def test_it_creates_a_file_at_the_top_of_the_project_with_no_label(as_alice, alice, project):
    upload = ref(stored_upload(project, alice, DATA, "notes.txt"))

    response = create(as_alice, upload, top_of(project))

    assert response.status_code == 201
    body = response.json()
    assert body["parent"] == top_of(project)
    assert body["current_version"]["label"] is None
    assert body["current_version"]["upload"]["hashes"][0]["value"] == md5(DATA)


def test_it_takes_the_form_body(as_alice, alice, project):
    upload = ref(stored_upload(project, alice, DATA))
    body = form(**{"parent[kind]": "dds-project", "parent[id]": str(project.id), "upload[id]": upload["id"]})

    response = as_alice.post(f"{API}/files/", body, content_type=FORM)

    assert response.status_code == 201
    assert response.json()["current_version"]["upload"]["id"] == upload["id"]


def test_it_accepts_a_completed_upload_not_yet_verified(client_for, alice, project, upload_of):
    upload = upload_of(DATA, commit=False)
    assert upload["status"]["is_consistent"] is None

    response = create(client_for(alice, commit=False), upload, top_of(project))

    assert response.status_code == 201
    assert response.json()["current_version"]["upload"]["hashes"][0]["value"] == md5(DATA)


def test_it_refuses_an_upload_that_is_not_completed(as_alice, project):
    upload = as_alice.post(
        f"{API}/projects/{project.id}/uploads",
        {"name": "a", "content_type": "text/plain", "size": 3},
        format="json",
    ).json()

    response = create(as_alice, upload, top_of(project))

    assert response.status_code == 400
    assert response.json() == invalid(("upload", "must be completed successfully"))
    assert not Container.objects.exists()


def test_it_refuses_an_upload_with_an_integrity_error(as_alice, alice, project):
    upload = ref(stored_upload(project, alice, DATA, reported_md5=md5(b"not these bytes")))
    assert as_alice.get(f"{API}/uploads/{upload['id']}").json()["status"]["error_message"] == HASH_MISMATCH

    response = create(as_alice, upload, top_of(project))

    assert response.status_code == 400
    assert response.json() == invalid(("upload", "cannot have an error"))
    assert not Container.objects.exists()


def test_it_answers_404_for_an_upload_of_another_project(as_alice, alice, make_project, project):
    other = make_project(alice, "Other")
    upload = ref(stored_upload(other, alice, DATA))

    response = create(as_alice, upload, top_of(project))

    assert response.status_code == 404
    assert response.json() == not_found("Upload")


@pytest.mark.parametrize("upload_id", [str(uuid.uuid4()), "nope"])
def test_it_answers_404_for_an_unknown_upload(as_alice, project, upload_id):
    response = create(as_alice, {"id": upload_id}, top_of(project))

    assert response.status_code == 404
    assert response.json() == not_found("Upload")


def test_it_refuses_the_same_upload_for_a_second_file(as_alice, alice, project):
    upload = ref(stored_upload(project, alice, DATA))
    assert create(as_alice, upload, top_of(project)).status_code == 201

    response = create(as_alice, upload, top_of(project))

    assert response.status_code == 400
    assert response.json() == invalid(("upload", "has already been used by another file"))
    assert Container.objects.count() == 1


def test_it_refuses_a_caller_with_create_file_who_did_not_create_the_upload(client_for, alice, bob, project, grant):
    upload = ref(stored_upload(project, alice, DATA))
    grant(project, bob, "file_editor")

    response = create(client_for(bob), upload, top_of(project))

    assert response.status_code == 403
    assert response.json() == {**FORBIDDEN, "suggestion": "only the user who created the upload can make a file of it"}
    assert not Container.objects.exists()


def test_it_lets_a_system_admin_make_a_file_of_anyones_upload(client_for, alice, sysadmin, project):
    upload = ref(stored_upload(project, alice, DATA))

    response = create(client_for(sysadmin), upload, top_of(project))

    assert response.status_code == 201
    assert response.json()["audit"]["created_by"] == user_preview(sysadmin)


def test_it_answers_404_for_a_deleted_parent_folder_or_project(as_alice, alice, project):
    upload = ref(stored_upload(project, alice, DATA))
    gone = stored_folder(project, alice, None, "gone")
    as_alice.delete(f"{API}/folders/{gone.id}")

    into_folder = create(as_alice, upload, inside(gone))
    into_unknown = create(as_alice, upload, {"kind": "dds-project", "id": str(uuid.uuid4())})
    as_alice.delete(f"{API}/projects/{project.id}")
    into_project = create(as_alice, upload, top_of(project))

    assert (into_folder.status_code, into_folder.json()) == (404, not_found("Folder"))
    assert (into_unknown.status_code, into_unknown.json()) == (404, not_found("Project"))
    assert (into_project.status_code, into_project.json()) == (404, not_found("Project"))
    assert not Container.objects.filter(kind="dds-file").exists()


def test_it_requires_a_parent_and_an_upload(as_alice):
    response = as_alice.post(f"{API}/files/", {}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("parent", "is missing"), ("upload", "is missing"))


# --- GET /files/{id} -----------------------------------------------------------------------------------


def test_it_shows_a_file_as_it_was_created(as_alice, alice, project):
    made = create(as_alice, ref(stored_upload(project, alice, DATA)), top_of(project), label="l").json()

    response = as_alice.get(f"{API}/files/{made['id']}")

    assert response.status_code == 200
    assert response.json() == made
    assert has_no_paging_headers(response)


def test_it_still_shows_a_deleted_file_as_deleted(as_alice, alice, project):
    data_file = stored_file(project, alice)
    as_alice.delete(f"{API}/files/{data_file.id}")

    response = as_alice.get(f"{API}/files/{data_file.id}")

    assert response.status_code == 200
    body = response.json()
    assert body["is_deleted"] is True
    assert TIMESTAMP.match(body["audit"]["deleted_on"])
    assert body["audit"]["deleted_by"] == user_preview(alice)


def test_a_deleted_file_leaves_its_folder_for_the_top_of_the_project_as_in_the_original_trash(as_alice, alice, project):
    raw = stored_folder(project, alice, None, "raw")
    data_file = stored_file(project, alice, raw)

    assert as_alice.delete(f"{API}/files/{data_file.id}").status_code == 204

    body = as_alice.get(f"{API}/files/{data_file.id}").json()
    assert body["parent"] == {"kind": "dds-project", "id": str(project.id)}
    assert body["ancestors"] == [{"kind": "dds-project", "id": str(project.id), "name": project.name}]
    assert Container.objects.get(pk=data_file.id).deleted_from_parent == raw
    assert as_alice.get(f"{API}/folders/{raw.id}/children").json()["results"] == []


@pytest.mark.parametrize("file_id", [str(uuid.uuid4()), "nope"])
def test_it_answers_404_for_an_unknown_file(as_alice, project, file_id):
    response = as_alice.get(f"{API}/files/{file_id}")

    assert response.status_code == 404
    assert response.json() == not_found("DataFile")


def test_it_answers_404_for_a_folder_id_on_the_file_routes(as_alice, alice, project):
    folder = stored_folder(project, alice)

    response = as_alice.get(f"{API}/files/{folder.id}")

    assert (response.status_code, response.json()) == (404, not_found("DataFile"))


# --- PUT /files/{id} -----------------------------------------------------------------------------------


def test_it_adds_a_version_from_a_form_upload_id_carrying_the_label_over(as_alice, alice, project):
    made = ref(stored_file(project, alice, None, DATA, "reads", label="first run"))
    second = ref(stored_upload(project, alice, b"second run bytes", "other name"))

    response = as_alice.put(f"{API}/files/{made['id']}", form(**{"upload[id]": second["id"]}), content_type=FORM)

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "reads"
    assert body["current_version"]["version"] == 2
    assert body["current_version"]["label"] == "first run"
    assert body["current_version"]["upload"]["id"] == second["id"]
    assert body["current_version"]["upload"]["hashes"][0]["value"] == md5(b"second run bytes")
    assert body["audit"]["last_updated_by"] == user_preview(alice)
    assert [(number, label) for number, label, _ in versions_of(made["id"])] == [(1, "first run"), (2, "first run")]


def test_it_takes_a_new_label_with_a_new_version(as_alice, alice, project):
    made = stored_file(project, alice, label="first run")
    second = stored_upload(project, alice, b"second")

    response = as_alice.put(
        f"{API}/files/{made.id}", {"upload": {"id": str(second.id)}, "label": "rerun"}, format="json"
    )

    assert response.json()["current_version"]["label"] == "rerun"
    assert [(number, label) for number, label, _ in versions_of(made.id)] == [(1, "first run"), (2, "rerun")]


def test_it_adds_no_version_for_the_current_upload(as_alice, alice, project):
    made = as_alice.get(f"{API}/files/{stored_file(project, alice).id}").json()

    response = as_alice.put(
        f"{API}/files/{made['id']}", form(**{"upload[id]": made["current_version"]["upload"]["id"]}), content_type=FORM
    )

    assert response.status_code == 200
    assert response.json()["current_version"] == made["current_version"]
    assert len(versions_of(made["id"])) == 1


def test_it_relabels_the_current_version_with_a_label_alone(as_alice, alice, project):
    made = as_alice.get(f"{API}/files/{stored_file(project, alice, label='old').id}").json()

    response = as_alice.put(f"{API}/files/{made['id']}", {"label": "new"}, format="json")

    assert response.status_code == 200
    assert response.json()["current_version"]["version"] == 1
    assert response.json()["current_version"]["label"] == "new"
    assert versions_of(made["id"]) == [(1, "new", uuid.UUID(made["current_version"]["upload"]["id"]))]


def test_it_numbers_a_new_version_after_deleted_ones(as_alice, alice, project):
    data_file = stored_file(project, alice)
    for data in (b"two", b"three"):
        upload = ref(stored_upload(project, alice, data))
        as_alice.put(f"{API}/files/{data_file.id}", {"upload": upload}, format="json")
    for number in (2, 1):
        version = FileVersion.objects.get(file=data_file, version=number)
        assert as_alice.delete(f"{API}/file_versions/{version.id}").status_code == 204

    response = as_alice.put(
        f"{API}/files/{data_file.id}", {"upload": ref(stored_upload(project, alice))}, format="json"
    )

    assert response.json()["current_version"]["version"] == 4
    numbers = FileVersion.objects.filter(file=data_file).values_list("version", "is_deleted")
    assert list(numbers) == [(1, True), (2, True), (3, False), (4, False)]


def test_it_refuses_a_new_version_from_an_upload_that_is_not_completed_or_failed(as_alice, alice, project):
    made = {"id": str(stored_file(project, alice).id)}
    open_upload = as_alice.post(
        f"{API}/projects/{project.id}/uploads", {"name": "a", "content_type": "text/plain", "size": 3}, format="json"
    ).json()
    failed = ref(stored_upload(project, alice, b"failed", reported_md5=md5(b"other")))

    not_completed = as_alice.put(f"{API}/files/{made['id']}", {"upload": {"id": open_upload["id"]}}, format="json")
    with_error = as_alice.put(f"{API}/files/{made['id']}", {"upload": {"id": failed["id"]}}, format="json")

    assert (not_completed.status_code, not_completed.json()) == (
        400,
        invalid(("upload", "must be completed successfully")),
    )
    assert (with_error.status_code, with_error.json()) == (400, invalid(("upload", "cannot have an error")))
    assert len(versions_of(made["id"])) == 1


def test_it_answers_404_for_a_new_version_from_an_upload_of_another_project(as_alice, alice, make_project, project):
    made = stored_file(project, alice)
    elsewhere = stored_upload(make_project(alice, "Other"), alice)

    response = as_alice.put(f"{API}/files/{made.id}", {"upload": {"id": str(elsewhere.id)}}, format="json")

    assert (response.status_code, response.json()) == (404, not_found("Upload"))


def test_it_lets_a_file_editor_add_a_version_from_an_upload_of_someone_else(client_for, alice, bob, project, grant):
    made = stored_file(project, alice)
    second = stored_upload(project, alice, b"alice's second")
    grant(project, bob, "file_editor")

    response = client_for(bob).put(f"{API}/files/{made.id}", {"upload": {"id": str(second.id)}}, format="json")

    assert response.status_code == 200
    assert response.json()["current_version"]["version"] == 2


# --- DELETE /files/{id} --------------------------------------------------------------------------------


def object_path(storage_root, upload_id):
    upload = Upload.objects.get(pk=upload_id)
    return storage_root / str(upload.storage_provider_id) / str(upload.project_id) / str(upload.id)


def test_it_deletes_a_file_and_then_answers_404_to_changes_and_urls(as_alice, alice, project):
    made = {"id": str(stored_file(project, alice).id)}

    response = as_alice.delete(f"{API}/files/{made['id']}")

    assert response.status_code == 204
    assert response.content == b""
    for answer in (
        as_alice.put(f"{API}/files/{made['id']}", {"label": "x"}, format="json"),
        as_alice.get(f"{API}/files/{made['id']}/url"),
        as_alice.put(f"{API}/files/{made['id']}/rename", {"name": "x"}, format="json"),
        as_alice.delete(f"{API}/files/{made['id']}"),
    ):
        assert (answer.status_code, answer.json()) == (404, not_found("DataFile"))
    version = FileVersion.objects.get()
    assert version.is_deleted and version.deleted_by == alice


def test_it_purges_the_bytes_of_a_deleted_files_uploads_and_their_old_urls_answer_404(
    as_alice, anonymous, alice, project, storage_root
):
    made = as_alice.get(f"{API}/files/{stored_file(project, alice, None, DATA).id}").json()
    second = {"id": str(stored_upload(project, alice, b"second").id)}
    as_alice.put(f"{API}/files/{made['id']}", {"upload": {"id": second["id"]}}, format="json")
    old_urls = [
        as_alice.get(f"{API}/files/{made['id']}/url").json(),
        as_alice.get(f"{API}/file_versions/{made['current_version']['id']}/url").json(),
    ]
    upload_ids = [made["current_version"]["upload"]["id"], second["id"]]
    assert all(object_path(storage_root, upload_id).is_file() for upload_id in upload_ids)

    as_alice.delete(f"{API}/files/{made['id']}")

    for upload_id in upload_ids:
        assert Upload.objects.get(pk=upload_id).purged_on is not None
        assert not object_path(storage_root, upload_id).exists()
        status = as_alice.get(f"{API}/uploads/{upload_id}").json()["status"]
        assert TIMESTAMP.match(status["purged_on"])
    for descriptor in old_urls:
        response = download(anonymous, descriptor)
        assert response.status_code == 404
        assert response.json()["code"] == "not_provided"
        assert not hasattr(response, "bytes")


# --- PUT /files/{id}/move ------------------------------------------------------------------------------


def move(client, file_id, parent):
    return client.put(f"{API}/files/{file_id}/move", {"parent": parent}, format="json")


def test_it_moves_a_file_into_a_folder_and_back_to_the_top(as_alice, alice, project):
    data_file = stored_file(project, alice, None, b"x", "x.txt")
    raw = stored_folder(project, alice, None, "raw")

    into = move(as_alice, data_file.id, inside(raw))
    top = as_alice.get(f"{API}/projects/{project.id}/children").json()["results"]
    back = move(as_alice, data_file.id, top_of(project))

    assert into.status_code == 200
    assert into.json()["parent"] == inside(raw)
    assert [a["name"] for a in into.json()["ancestors"]] == [project.name, "raw"]
    assert into.json()["audit"]["last_updated_by"] == user_preview(alice)
    assert [item["name"] for item in top] == ["raw"]
    assert back.status_code == 200
    assert back.json()["parent"] == top_of(project)
    assert back.json()["ancestors"] == [{"kind": "dds-project", "id": str(project.id), "name": project.name}]


def test_it_refuses_to_move_a_file_to_another_project(as_alice, alice, make_project, project):
    data_file = stored_file(project, alice)
    other = make_project(alice, "Other")
    there = stored_folder(other, alice, None, "there")

    for parent in (top_of(other), inside(there)):
        response = move(as_alice, data_file.id, parent)
        assert response.status_code == 400
        assert response.json() == invalid(("project_id", "Cannot change project_id."))
    assert Container.objects.get(pk=data_file.id).project_id == project.id


def test_it_answers_404_when_moving_a_file_into_a_deleted_folder_or_moving_a_deleted_file(as_alice, alice, project):
    data_file = stored_file(project, alice)
    gone_file = stored_file(project, alice)
    gone = stored_folder(project, alice, None, "gone")
    as_alice.delete(f"{API}/folders/{gone.id}")
    as_alice.delete(f"{API}/files/{gone_file.id}")

    into_deleted = move(as_alice, data_file.id, inside(gone))
    deleted_moved = move(as_alice, gone_file.id, top_of(project))

    assert (into_deleted.status_code, into_deleted.json()) == (404, not_found("Folder"))
    assert (deleted_moved.status_code, deleted_moved.json()) == (404, not_found("DataFile"))
    assert Container.objects.get(pk=data_file.id).parent_id is None


# --- PUT /files/{id}/rename ----------------------------------------------------------------------------


def test_it_renames_a_file(as_alice, alice, project):
    data_file = stored_file(project, alice, None, b"x", "old.txt")

    response = as_alice.put(f"{API}/files/{data_file.id}/rename", {"name": "new.fastq.gz"}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "new.fastq.gz"
    assert response.json()["audit"]["last_updated_by"] == user_preview(alice)
    assert as_alice.get(f"{API}/files/{data_file.id}").json()["name"] == "new.fastq.gz"
    assert Upload.objects.get().name == "old.txt"


@pytest.mark.parametrize(
    "body, error",
    [({}, ("name", "is missing")), ({"name": ""}, ("name", "can't be blank")), ({"name": "x" * 256}, None)],
)
def test_it_refuses_a_rename_without_a_proper_name(as_alice, alice, project, body, error):
    data_file = stored_file(project, alice, None, b"x", "old.txt")

    response = as_alice.put(f"{API}/files/{data_file.id}/rename", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "name"
    if error:
        assert response.json() == invalid(error)
    assert Container.objects.get(pk=data_file.id).name == "old.txt"
