"""POST /projects/{id}/uploads, GET /projects/{id}/uploads and GET /uploads/{id} (docs/api/uploads.md#create)."""

import uuid
from urllib.parse import urlencode

import pytest

from dds.audit import Actor
from dds.jobs.models import Job
from dds.jobs.services import jobs_run_queued
from projects import services as projects
from uploads.models import Chunk, StorageProvider, Upload

from ..client import API, FORM
from ..envelopes import FORBIDDEN, NOT_CONSISTENT, TIMESTAMP, invalid, new_audit, not_found, user_preview

BODY = {"name": "sample1.fastq.gz", "content_type": "application/gzip", "size": 734003200}
PAGING = ("X-Total", "X-Total-Pages", "X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page")


def uploads_of(project):
    return f"{API}/projects/{project.id}/uploads"


def test_it_starts_a_chunked_upload(as_alice, alice, project, default_provider):
    response = as_alice.post(uploads_of(project), BODY, format="json")

    assert response.status_code == 201
    upload = response.json()
    row = Upload.objects.get()
    assert upload == {
        "id": str(row.id),
        "name": "sample1.fastq.gz",
        "content_type": "application/gzip",
        "size": 734003200,
        "etag": row.etag,
        "storage_container": str(project.id),
        "chunks": [],
        "status": {
            "initiated_on": upload["audit"]["created_on"],
            "ready_for_chunks": True,
            "completed_on": None,
            "is_consistent": None,
            "purged_on": None,
            "error_on": None,
            "error_message": None,
        },
        "audit": new_audit(upload, alice),
        "project": {"id": str(project.id), "name": "Mouse RNA-seq"},
        "storage_provider": {
            "id": str(default_provider.id),
            "name": "Default filesystem storage",
            "description": "Files under STORAGE_ROOT on this machine",
        },
        "hashes": [],
    }
    assert TIMESTAMP.match(upload["status"]["initiated_on"])
    assert len(row.etag) >= 16
    assert row.is_chunked is True and row.created_by == alice


def test_it_tells_the_chunk_size_limits_of_a_chunked_upload(as_alice, project, default_provider):
    response = as_alice.post(uploads_of(project), BODY, format="json")

    # ceil(734003200 / 10000) = 73401: the smallest chunk that keeps a file within chunk_max_number chunks.
    assert response["X-MIN-CHUNK-UPLOAD-SIZE"] == "73401"
    assert response["X-MAX-CHUNK-UPLOAD-SIZE"] == str(default_provider.max_chunked_upload_size_bytes)
    assert "X-MAX-UPLOAD-SIZE" not in response
    assert not any(header in response for header in PAGING)


def test_it_starts_a_non_chunked_upload_with_its_signed_url(as_alice, project, default_provider):
    response = as_alice.post(uploads_of(project), {**BODY, "size": 1234, "chunked": False}, format="json")

    assert response.status_code == 201
    upload = response.json()
    assert "chunks" not in upload
    assert "ready_for_chunks" not in upload["status"]
    assert upload["status"]["completed_on"] is None and upload["status"]["is_consistent"] is None
    signed = upload["signed_url"]
    assert signed["http_verb"] == "PUT"
    assert signed["host"] == "http://testserver"
    assert signed["url"].startswith(f"/storage/{default_provider.id}/{project.id}/{upload['id']}?")
    assert signed["http_headers"] == []
    assert response["X-MAX-UPLOAD-SIZE"] == "5368709120"
    assert "X-MIN-CHUNK-UPLOAD-SIZE" not in response and "X-MAX-CHUNK-UPLOAD-SIZE" not in response
    assert Upload.objects.get().is_chunked is False


def test_it_takes_a_form_encoded_body_with_chunked_false(as_alice, project):
    body = urlencode({"name": "notes.txt", "content_type": "text/plain", "size": "12", "chunked": "false"})

    response = as_alice.post(uploads_of(project), body, content_type=FORM)

    assert response.status_code == 201
    upload = response.json()
    assert (upload["name"], upload["content_type"], upload["size"]) == ("notes.txt", "text/plain", 12)
    assert "signed_url" in upload and "chunks" not in upload


def test_it_takes_an_empty_file(as_alice, project):
    response = as_alice.post(uploads_of(project), {**BODY, "size": 0}, format="json")

    assert response.status_code == 201
    assert response.json()["size"] == 0
    assert response["X-MIN-CHUNK-UPLOAD-SIZE"] == "0"


def test_it_ignores_the_hash_object_ddsclient_sends(as_alice, project):
    body = {**BODY, "hash": {"value": "d41d8cd98f00b204e9800998ecf8427e", "algorithm": "md5"}, "color": "blue"}

    response = as_alice.post(uploads_of(project), body, format="json")

    assert response.status_code == 201
    assert response.json()["hashes"] == []


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"size": -1}, [("size", "must be greater than or equal to 0")]),
        ({"size": "big"}, [("size", "is invalid")]),
        ({"size": 1.5}, [("size", "is invalid")]),
        ({"name": ""}, [("name", "can't be blank")]),
        ({"chunked": "maybe"}, [("chunked", "is invalid")]),
    ],
)
def test_it_refuses_an_invalid_field(as_alice, project, change, errors):
    response = as_alice.post(uploads_of(project), {**BODY, **change}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(*errors)
    assert not Upload.objects.exists()


def test_it_names_every_missing_field(as_alice, project):
    response = as_alice.post(uploads_of(project), {}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("name", "is missing"), ("content_type", "is missing"), ("size", "is missing"))


@pytest.mark.parametrize(
    ("chunked", "maximum"),
    [(True, 5497558138880), (False, 5368709120)],
)
def test_it_refuses_a_size_at_the_maximum(as_alice, project, chunked, maximum):
    too_big = as_alice.post(uploads_of(project), {**BODY, "size": maximum, "chunked": chunked}, format="json")
    just_fits = as_alice.post(uploads_of(project), {**BODY, "size": maximum - 1, "chunked": chunked}, format="json")

    assert too_big.status_code == 400
    assert too_big.json() == invalid(("size", f"File size is currently not supported - maximum size is {maximum}"))
    assert just_fits.status_code == 201
    assert just_fits.json()["size"] == maximum - 1
    assert Upload.objects.count() == 1


def test_it_refuses_a_deprecated_provider(as_alice, project, default_provider):
    StorageProvider.objects.filter(pk=default_provider.pk).update(is_deprecated=True)

    response = as_alice.post(
        uploads_of(project), {**BODY, "storage_provider": {"id": str(default_provider.id)}}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == invalid(("storage_provider", "cannot be deprecated"))
    assert not Upload.objects.exists()


def test_it_refuses_a_provider_deprecated_before_the_project_existed_instead_of_making_clients_wait(
    as_alice, alice, make_project
):
    """New projects get no storage on a deprecated provider: a 404 resource_not_consistent would never end."""
    old = StorageProvider.objects.create(name="Old disk", kind="filesystem", is_deprecated=True)
    project = make_project(alice)

    response = as_alice.post(uploads_of(project), {**BODY, "storage_provider": {"id": str(old.id)}}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("storage_provider", "cannot be deprecated"))


@pytest.mark.parametrize("provider_id", [str(uuid.uuid4()), "not-a-uuid", 7])
def test_it_answers_404_for_an_unknown_provider(as_alice, project, provider_id):
    response = as_alice.post(uploads_of(project), {**BODY, "storage_provider": {"id": provider_id}}, format="json")

    assert response.status_code == 404
    assert response.json() == not_found("StorageProvider")


def test_it_uses_the_named_provider(as_alice, alice, make_project):
    second = StorageProvider.objects.create(name="Second disk", description="more room", kind="filesystem")
    project = make_project(alice)

    response = as_alice.post(uploads_of(project), {**BODY, "storage_provider": {"id": str(second.id)}}, format="json")

    assert response.status_code == 201
    assert response.json()["storage_provider"] == {
        "id": str(second.id),
        "name": "Second disk",
        "description": "more room",
    }


@pytest.mark.parametrize("project_id", [str(uuid.uuid4()), "nope"])
def test_it_answers_404_for_an_unknown_project(as_alice, project_id):
    response = as_alice.post(f"{API}/projects/{project_id}/uploads", BODY, format="json")

    assert response.status_code == 404
    assert response.json() == not_found("Project")


def test_it_answers_404_for_a_deleted_project(as_alice, alice, project):
    projects.project_delete(actor=Actor(user=alice), project=project)

    response = as_alice.post(uploads_of(project), BODY, format="json")

    assert response.status_code == 404
    assert response.json() == not_found("Project")


def test_it_answers_not_consistent_while_the_projects_storage_is_not_initialized(as_alice, alice, make_project):
    project = make_project(alice, initialized=False)

    response = as_alice.post(uploads_of(project), BODY, format="json")

    assert response.status_code == 404
    assert response.json() == NOT_CONSISTENT
    assert int(response["Retry-After"]) >= 1
    assert not Upload.objects.exists()


def test_it_checks_consistency_before_permission(as_alice, alice, bob, client_for, grant, make_project):
    project = make_project(alice, initialized=False)
    grant(project, bob, "project_viewer")

    response = client_for(bob).post(uploads_of(project), BODY, format="json")

    assert response.status_code == 404
    assert response.json() == NOT_CONSISTENT
    assert int(response["Retry-After"]) >= 1


@pytest.mark.parametrize("role", ["project_viewer", "file_downloader", None])
def test_it_refuses_a_user_who_cannot_create_files(bob, client_for, grant, project, role):
    if role:
        grant(project, bob, role)

    response = client_for(bob).post(uploads_of(project), BODY, format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert not Upload.objects.exists()


@pytest.mark.parametrize("role", ["file_uploader", "file_editor"])
def test_it_lets_a_user_who_can_create_files_start_one(bob, client_for, grant, project, role):
    grant(project, bob, role)

    response = client_for(bob).post(uploads_of(project), BODY, format="json")

    assert response.status_code == 201
    assert response.json()["audit"]["created_by"] == user_preview(bob)


def test_it_answers_401_without_a_token(anonymous, project):
    response = anonymous.post(uploads_of(project), BODY, format="json")

    assert response.status_code == 401
    assert response.json()["reason"] == "no api_token"


# --- an S3 provider: the multipart upload is created by a job ------------------------------------------


def test_it_makes_an_s3_chunked_upload_wait_for_its_storage_job(
    s3_provider, alice, bob, grant, make_project, client_for, django_capture_on_commit_callbacks, s3_server
):
    project = make_project(alice)
    grant(project, bob, "project_viewer")
    waiting = client_for(alice, commit=False)
    body = {**BODY, "size": 2000, "storage_provider": {"id": str(s3_provider.id)}}
    chunk = {"number": 1, "size": 2000, "hash": {"value": "0" * 32, "algorithm": "md5"}}

    with django_capture_on_commit_callbacks() as jobs:
        created = waiting.post(uploads_of(project), body, format="json")
    not_ready = waiting.put(f"{API}/uploads/{created.json()['id']}/chunks", chunk, format="json")
    viewer = client_for(bob, commit=False).put(f"{API}/uploads/{created.json()['id']}/chunks", chunk, format="json")

    assert created.status_code == 201
    assert created.json()["status"]["ready_for_chunks"] is False
    assert Job.objects.get(worker="initialize_upload_storage").resource_id == created.json()["id"]
    assert not_ready.status_code == 404
    assert not_ready.json() == NOT_CONSISTENT
    assert int(not_ready["Retry-After"]) >= 1
    assert (viewer.status_code, viewer.json()) == (404, NOT_CONSISTENT), "consistency is checked before permission"

    for job in jobs:
        job()
    jobs_run_queued()
    upload = waiting.get(f"{API}/uploads/{created.json()['id']}").json()
    ready = waiting.put(f"{API}/uploads/{upload['id']}/chunks", chunk, format="json")

    assert upload["status"]["ready_for_chunks"] is True
    assert Upload.objects.get().multipart_upload_id != ""
    assert ready.status_code == 200
    descriptor = ready.json()
    assert descriptor["http_verb"] == "PUT" and descriptor["http_headers"] == []
    assert descriptor["host"] == s3_server
    assert descriptor["url"].startswith(f"/dds-{project.id}/{upload['id']}?")
    assert "partNumber=1" in descriptor["url"]


def test_it_gives_an_s3_non_chunked_upload_its_url_at_once(s3_provider, alice, make_project, as_alice, s3_server):
    project = make_project(alice)
    body = {**BODY, "size": 2000, "chunked": False, "storage_provider": {"id": str(s3_provider.id)}}

    response = as_alice.post(uploads_of(project), body, format="json")

    assert response.status_code == 201
    signed = response.json()["signed_url"]
    assert signed["host"] == s3_server
    assert signed["url"].startswith(f"/dds-{project.id}/{response.json()['id']}?")
    assert not Job.objects.filter(worker="initialize_upload_storage").exists()


# --- reading uploads -----------------------------------------------------------------------------------


def test_it_lists_a_projects_uploads_newest_first_in_pages(as_alice, project, create_upload):
    first = create_upload(name="first")
    second = create_upload(name="second", chunked=False)
    third = create_upload(name="third")

    page1 = as_alice.get(uploads_of(project), {"per_page": 2})
    page2 = as_alice.get(uploads_of(project), {"per_page": 2, "page": 2})

    assert page1.status_code == 200
    assert [u["id"] for u in page1.json()["results"]] == [third["id"], second["id"]]
    assert [u["id"] for u in page2.json()["results"]] == [first["id"]]
    assert {h: page1[h] for h in PAGING} == {
        "X-Total": "3",
        "X-Total-Pages": "2",
        "X-Page": "1",
        "X-Per-Page": "2",
        "X-Next-Page": "2",
        "X-Prev-Page": "",
    }
    assert (page2["X-Page"], page2["X-Next-Page"], page2["X-Prev-Page"]) == ("2", "", "1")
    listed = page1.json()["results"]
    assert "chunks" not in listed[1] and "signed_url" in listed[1]
    assert listed[0]["chunks"] == [] and "signed_url" not in listed[0]


def _with_chunks(upload_id, count):
    """`count` registered chunks of 1 byte for the upload, written in bulk (the API registers them one by one)."""
    Chunk.objects.bulk_create(
        Chunk(upload_id=upload_id, number=number, size=1, hash_value="0" * 32, hash_algorithm="md5", is_stored=True)
        for number in range(1, count + 1)
    )


def test_it_bounds_a_page_of_uploads_by_the_chunks_it_embeds(as_alice, project, create_upload):
    uploads = [create_upload(name=f"big {n}", size=4000) for n in range(5)]
    for upload in uploads:
        _with_chunks(upload["id"], 4000)

    pages = [as_alice.get(uploads_of(project), {"per_page": 1000, "page": page}) for page in (1, 2, 3)]

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert [page["X-Per-Page"] for page in pages] == ["2", "2", "2"]
    assert [page["X-Total-Pages"] for page in pages] == ["3", "3", "3"]
    listed = [upload for page in pages for upload in page.json()["results"]]
    assert [upload["id"] for upload in listed] == [upload["id"] for upload in reversed(uploads)]
    assert all(len(upload["chunks"]) == 4000 for upload in listed)
    assert max(len(page.content) for page in pages) < 1_500_000


def test_it_lists_one_upload_per_page_when_one_has_more_chunks_than_a_page_holds(as_alice, project, create_upload):
    small = create_upload(name="small", size=3)
    huge = create_upload(name="huge", size=10_001)
    _with_chunks(small["id"], 3)
    _with_chunks(huge["id"], 10_001)

    response = as_alice.get(uploads_of(project))

    assert response["X-Per-Page"] == "1"
    assert [len(upload["chunks"]) for upload in response.json()["results"]] == [10_001]


def test_it_lowers_the_page_size_only_as_far_as_the_chunks_require(as_alice, project, create_upload):
    upload = create_upload(size=50)
    _with_chunks(upload["id"], 50)

    response = as_alice.get(uploads_of(project), {"per_page": 1000})

    assert response["X-Per-Page"] == "200"
    default = as_alice.get(uploads_of(project))
    assert default["X-Per-Page"] == "100"


def test_it_lists_no_uploads_with_paging_headers(as_alice, project):
    response = as_alice.get(uploads_of(project))

    assert response.status_code == 200
    assert response.json() == {"results": []}
    assert (response["X-Total"], response["X-Total-Pages"]) == ("0", "0")


def test_it_lists_only_for_users_who_can_view_the_project(as_bob, bob, grant, project, create_upload):
    create_upload()
    refused = as_bob.get(uploads_of(project))
    grant(project, bob, "project_viewer")
    allowed = as_bob.get(uploads_of(project))

    assert refused.status_code == 403
    assert refused.json() == FORBIDDEN
    assert allowed.status_code == 200
    assert len(allowed.json()["results"]) == 1


def test_it_does_not_list_the_uploads_of_a_deleted_project(as_alice, alice, project, create_upload):
    create_upload()
    projects.project_delete(actor=Actor(user=alice), project=project)

    response = as_alice.get(uploads_of(project))

    assert response.status_code == 404
    assert response.json() == not_found("Project")


def test_it_shows_one_upload(as_alice, create_upload):
    upload = create_upload(chunked=False)

    response = as_alice.get(f"{API}/uploads/{upload['id']}/")

    assert response.status_code == 200
    shown = response.json()
    assert {key: value for key, value in shown.items() if key != "signed_url"} == {
        key: value for key, value in upload.items() if key != "signed_url"
    }
    assert shown["signed_url"]["url"].split("?")[0] == upload["signed_url"]["url"].split("?")[0]
    assert not any(header in response for header in PAGING)


def test_it_hides_the_uploads_of_a_deleted_project(as_alice, alice, project, create_upload):
    upload = create_upload()
    projects.project_delete(actor=Actor(user=alice), project=project)

    response = as_alice.get(f"{API}/uploads/{upload['id']}")

    assert response.status_code == 404
    assert response.json() == not_found("Upload")


@pytest.mark.parametrize("upload_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_it_answers_404_for_an_unknown_upload(as_alice, project, upload_id):
    response = as_alice.get(f"{API}/uploads/{upload_id}")

    assert response.status_code == 404
    assert response.json() == not_found("Upload")


def test_it_shows_an_upload_only_to_users_who_can_view_its_project(as_bob, bob, grant, project, create_upload):
    upload = create_upload()
    refused = as_bob.get(f"{API}/uploads/{upload['id']}")
    grant(project, bob, "project_viewer")
    allowed = as_bob.get(f"{API}/uploads/{upload['id']}")

    assert refused.status_code == 403
    assert refused.json() == FORBIDDEN
    assert allowed.status_code == 200
    assert allowed.json()["id"] == upload["id"]
