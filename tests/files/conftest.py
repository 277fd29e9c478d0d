"""Projects, uploads and files the files tests share.

`upload_of(data)` makes a completed, verified upload the way DukeDSClient does, over the API; `file_of(data)` makes
a file of it with POST /files. `stored_upload(project, user, data)` and `stored_file(…)` make the same rows with the
services alone (no HTTP) — verified, unverified or failed — for tests that need rows fast. Envelopes come from
tests/envelopes.py.
"""

import io
from urllib.parse import urlencode

import pytest

from dds.audit import Actor
from files import services as files
from uploads import services as uploads
from uploads.models import StorageProvider
from uploads.storage.filesystem import FilesystemStorage

from ..client import API, Chunks, TestApi, md5


def top_of(project):
    """The parent reference of a project's top level."""
    return {"kind": "dds-project", "id": str(project.id)}


def inside(folder):
    """The parent reference of a folder (its JSON or its row)."""
    return {"kind": "dds-folder", "id": str(folder["id"] if isinstance(folder, dict) else folder.id)}


def form(**fields):
    """A Rack-style form body: `form(**{"upload[id]": …})`."""
    return urlencode(fields)


def download(client, descriptor):
    """Fetch a signed download descriptor (served by the filesystem backend on our host); the response."""
    assert descriptor["http_verb"] == "GET" and descriptor["http_headers"] == []
    assert descriptor["host"] == "http://testserver" and descriptor["url"].startswith("/")
    response = client.get(descriptor["url"])
    if response.status_code == 200:
        response.bytes = b"".join(response.streaming_content)
    return response


@pytest.fixture
def upload_of(client_for, alice, project):
    """`upload_of(data, name=…)`: POST /projects/{id}/uploads, PUT its chunks and their bytes, PUT complete.

    The upload's JSON as GET /uploads/{id} then answers. `commit=False` leaves it completed but not yet verified;
    `reported_md5=` reports another whole-file md5 (verification then records an integrity error).
    """

    def make(data, *, name="data.bin", user=None, on=None, commit=True, reported_md5=None, chunk_size=1000):
        api = TestApi(client_for(user or alice, commit=commit))
        source = Chunks(data, chunk_size)
        upload = api.upload((on or project).id, source, name=name, reported_md5=reported_md5, form=False)
        return api.call("GET", f"/uploads/{upload['id']}", 200)

    return make


@pytest.fixture
def file_of(client_for, alice, project, upload_of):
    """`file_of(data, name=…, parent=…)`: an upload of `data` made into a file with POST /files; the file's JSON."""

    def make(data, *, name="data.bin", parent=None, user=None, on=None, commit=True, reported_md5=None, label=None):
        upload = upload_of(data, name=name, user=user, on=on, commit=commit, reported_md5=reported_md5)
        body = {"parent": parent or top_of(on or project), "upload": {"id": upload["id"]}}
        if label is not None:
            body["label"] = label
        response = client_for(user or alice, commit=commit).post(f"{API}/files", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return make


@pytest.fixture
def failed_file(file_of):
    """`failed_file(data)`: a file made while its upload was unverified, whose verification then found a bad md5.

    (Verification running at once would have refused the file: POST /files takes no upload with an error.)
    """

    def make(data, name="bad.bin"):
        made = file_of(data, name=name, commit=False, reported_md5=md5(b"something else"))
        uploads.upload_verify(upload_id=made["current_version"]["upload"]["id"])
        return made

    return make


@pytest.fixture
def folder_of(client_for, alice, project):
    """`folder_of(name, parent=…)`: POST /folders as Alice (top of her project unless `parent` says); its JSON."""

    def make(name, parent=None, *, user=None, on=None):
        body = {"name": name, "parent": parent or top_of(on or project)}
        response = client_for(user or alice).post(f"{API}/folders", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return make


def stored_upload(project, user, data=b"bytes", name="data.bin", *, verified=True, reported_md5=None):
    """A completed upload of `data`, its bytes stored, made with the services alone (no HTTP).

    Verified unless `verified=False` (its completion job then never runs); `reported_md5=` reports another md5, which
    verification records as an integrity error.
    """
    actor = Actor(user=user)
    provider = StorageProvider.objects.get(is_default=True)
    upload = uploads.upload_create(
        actor=actor,
        project=project,
        storage_provider=provider,
        name=name,
        content_type="application/octet-stream",
        size=len(data),
        chunked=False,
    )
    with FilesystemStorage(provider).object_stage(upload, io.BytesIO(data)) as staged:
        uploads.upload_object_store(upload_id=upload.id, staged=staged)
    uploads.upload_complete(actor=actor, upload=upload, hash_value=reported_md5 or md5(data), hash_algorithm="md5")
    if verified:
        uploads.upload_verify(upload_id=upload.id)
    upload.refresh_from_db()
    return upload


def stored_file(project, user, parent=None, data=b"bytes", name="data.bin", label=None, *, state="verified"):
    """A file (row) of a fresh upload of `data` under `parent` (a folder row, or None for the top level).

    `state`: "verified"; "unverified" (completed, its verification still to come); "failed" (made while unverified,
    then verification found another md5 than the one reported).
    """
    reported_md5 = md5(data + b"!") if state == "failed" else None
    upload = stored_upload(project, user, data, name, verified=state == "verified", reported_md5=reported_md5)
    data_file = files.file_create(actor=Actor(user=user), project=project, parent=parent, upload=upload, label=label)
    if state == "failed":
        uploads.upload_verify(upload_id=upload.id)
    return data_file


def stored_folder(project, user, parent=None, name="folder"):
    return files.folder_create(actor=Actor(user=user), project=project, parent=parent, name=name)
