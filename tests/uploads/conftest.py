"""Projects, roles, uploads and envelopes the uploads tests share.

`client_for` (and with it `as_alice`, `as_bob`) comes from tests/conftest.py: each request runs the on-commit
callbacks it registered when it returns, so the jobs it enqueued (inline mode) have run before the test's next line;
`client_for(user, commit=False)` gives a client whose jobs stay waiting.
"""

import hashlib

import pytest
from django.test import TestCase

from dds.audit import Actor
from projects import services as projects
from projects.models import AuthRole
from uploads.models import StorageProvider

API = "/api/v1"
FORM = "application/x-www-form-urlencoded"

NOT_CONSISTENT = {
    "error": 404,
    "code": "resource_not_consistent",
    "reason": "resource changes are still being processed by system",
    "suggestion": "this is a temporary state that will eventually be resolved by the system; please retry request",
}

FORBIDDEN = {
    "error": 403,
    "code": "not_provided",
    "reason": "Unauthorized",
    "suggestion": "request permission to access this resource",
}


def not_found(model):
    return {
        "error": 404,
        "code": "not_provided",
        "reason": f"{model} Not Found",
        "suggestion": f"you may have mistyped the {model} id",
    }


def invalid(*errors):
    """A 400 with field errors only: `invalid(("size", "is missing"), …)`."""
    return {
        "error": 400,
        "code": "not_provided",
        "reason": "validation failed",
        "suggestion": "Fix the following invalid fields and resubmit",
        "errors": [{"field": field, "message": message} for field, message in errors],
    }


def md5(data):
    return hashlib.md5(data).hexdigest()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def chunk_body(number, data, **extra):
    return {"number": number, "size": len(data), "hash": {"value": md5(data), "algorithm": "md5"}, **extra}


@pytest.fixture
def default_provider(db):
    return StorageProvider.objects.get(is_default=True)


@pytest.fixture
def make_project():
    """`make_project(owner)`: a project as POST /projects makes it; `initialized=False` leaves its storage job
    waiting."""

    def make(owner, name="Mouse RNA-seq", *, initialized=True):
        if not initialized:
            return projects.project_create(actor=Actor(user=owner), name=name, description="d")
        with TestCase.captureOnCommitCallbacks(execute=True):
            return projects.project_create(actor=Actor(user=owner), name=name, description="d")

    return make


@pytest.fixture
def project(alice, make_project):
    """Alice's project, its storage initialized on every provider: she is its project_admin."""
    return make_project(alice)


@pytest.fixture
def grant():
    """`grant(project, user, "file_editor")`: give `user` that role on `project`, as its creator would."""

    def give(project, user, role_id):
        return projects.project_permission_set(
            actor=Actor(user=project.created_by), project=project, user=user, auth_role=AuthRole.objects.get(pk=role_id)
        )

    return give


@pytest.fixture
def create_upload(as_alice, project):
    """`create_upload(size=…, chunked=…)`: POST /projects/{id}/uploads as Alice in her project; the upload's JSON."""

    def create(size=10, *, chunked=True, name="data.bin", on=None, client=None, **extra):
        body = {"name": name, "content_type": "application/octet-stream", "size": size, "chunked": chunked, **extra}
        response = (client or as_alice).post(f"{API}/projects/{(on or project).id}/uploads", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return create


@pytest.fixture
def send():
    """`send(client, descriptor, data)`: the bytes to a signed URL of the filesystem backend (a path on our host)."""

    def put(client, descriptor, data):
        assert descriptor["host"] == "http://testserver"
        return client.generic(descriptor["http_verb"], descriptor["url"], data, content_type="application/octet-stream")

    return put


@pytest.fixture
def uploaded(as_alice, create_upload, send):
    """`uploaded(data, chunk_size=…)`: a chunked upload of `data`, every chunk sent, not completed; its JSON."""

    def make(data, *, chunk_size=16, client=None, **create):
        client = client or as_alice
        upload = create_upload(size=len(data), client=client, **create)
        for number, offset in enumerate(range(0, len(data), chunk_size), start=1):
            piece = data[offset : offset + chunk_size]
            descriptor = client.put(f"{API}/uploads/{upload['id']}/chunks", chunk_body(number, piece), format="json")
            assert descriptor.status_code == 200, descriptor.content
            assert send(client, descriptor.json(), piece).status_code == 201
        return upload

    return make


@pytest.fixture
def complete():
    """`complete(client, upload_id, data)`: PUT /uploads/{id}/complete with the md5 of `data`, its jobs run."""

    def finish(client, upload_id, data):
        response = client.put(
            f"{API}/uploads/{upload_id}/complete", {"hash": {"value": md5(data), "algorithm": "md5"}}, format="json"
        )
        assert response.status_code == 202, response.content
        return response.json()

    return finish
