"""Every endpoint of folders, files, versions and listings × every kind of caller: the status
docs/api/permissions.md#required-permission-per-endpoint implies.

The project is Alice's; Carol is the caller. Each caller's test builds the project once, then sends each request in a
savepoint rolled back afterwards, so that every request meets the same starting state. The expected status comes from
the built-in roles (tests/roles.py), and the required permission of each endpoint. A
refused request must change nothing; an accepted PUT, POST or DELETE must change something.
"""

import uuid

import pytest
from django.db import transaction

from dds.audit import Actor
from files import services as files
from files.models import Container, FileVersion
from projects import services as projects
from projects.models import AuthRole
from uploads.models import Upload

from ..client import API
from ..envelopes import FORBIDDEN, NO_TOKEN, not_found
from ..roles import EVERY_PROJECT_PERMISSION
from ..roles import PROJECT_ROLE_PERMISSIONS as ROLE_PERMISSIONS
from .conftest import stored_file, stored_folder, stored_upload

# Who calls, and the permissions on Alice's project that caller holds (None: no token at all). A system admin passes
# every project check.
CALLERS = {
    "no token": None,
    **{role: permissions for role, permissions in ROLE_PERMISSIONS.items()},
    "admin of another project": set(),
    "system admin": EVERY_PROJECT_PERMISSION,
}

AUTHENTICATED = "authenticated"

# Method, path, body, required permission, success status. In the project: raw/ ⊃ {sub/, reads},
# reads has versions 1 and 2; Carol's own verified upload waits to become a file.
ENDPOINTS = {
    "POST /folders": ("post", "/folders", {"name": "new", "parent": "{top}"}, "create_file", 201),
    "GET /folders/{id}": ("get", "/folders/{raw}", None, "view_project", 200),
    "DELETE /folders/{id}": ("delete", "/folders/{sub}", None, "delete_file", 204),
    "PUT /folders/{id}/move": ("put", "/folders/{sub}/move", {"parent": "{top}"}, "create_file", 200),
    "PUT /folders/{id}/rename": ("put", "/folders/{raw}/rename", {"name": "renamed"}, "create_file", 200),
    "GET /projects/{id}/children": ("get", "/projects/{project}/children", None, "view_project", 200),
    "GET /folders/{id}/children": ("get", "/folders/{raw}/children?name_contains=", None, "view_project", 200),
    "GET /projects/{id}/files": ("get", "/projects/{project}/files", None, "download_file", 200),
    "POST /files": ("post", "/files/", {"parent": "{top}", "upload": {"id": "{carols_upload}"}}, "create_file", 201),
    "GET /files/{id}": ("get", "/files/{reads}", None, "view_project", 200),
    "PUT /files/{id}": ("put", "/files/{reads}", {"label": "relabelled"}, "update_file", 200),
    "DELETE /files/{id}": ("delete", "/files/{reads}", None, "delete_file", 204),
    "PUT /files/{id}/move": ("put", "/files/{reads}/move", {"parent": "{top}"}, "create_file", 200),
    "PUT /files/{id}/rename": ("put", "/files/{reads}/rename", {"name": "renamed"}, "update_file", 200),
    "GET /files/{id}/url": ("get", "/files/{reads}/url", None, "download_file", 200),
    "GET /files/{id}/versions": ("get", "/files/{reads}/versions", None, "view_project", 200),
    "GET /file_versions/{id}": ("get", "/file_versions/{v1}", None, "view_project", 200),
    "PUT /file_versions/{id}": ("put", "/file_versions/{v1}", {"label": "relabelled"}, "update_file", 200),
    "DELETE /file_versions/{id}": ("delete", "/file_versions/{v1}", None, "delete_file", 204),
    "GET /file_versions/{id}/url": ("get", "/file_versions/{v1}/url", None, "download_file", 200),
    "POST /file_versions/{id}/current": ("post", "/file_versions/{v1}/current", None, "update_file", 201),
    "GET /current_user/usage": ("get", "/current_user/usage", None, AUTHENTICATED, 200),
}


def expected_status(caller, endpoint):
    held = CALLERS[caller]
    _, _, _, required, success = ENDPOINTS[endpoint]
    if held is None:
        return 401
    return success if required == AUTHENTICATED or required in held else 403


def fill(template, ids):
    """Put the ids into a path or a body template."""
    if isinstance(template, dict):
        return {key: fill(value, ids) for key, value in template.items()}
    if template == "{top}":
        return {"kind": "dds-project", "id": ids["project"]}
    return template.format(**ids) if isinstance(template, str) else template


def state():
    """Everything these endpoints could change."""
    return (
        sorted(Container.objects.values_list("id", "name", "parent_id", "path", "is_deleted")),
        sorted(FileVersion.objects.values_list("id", "version", "label", "is_deleted")),
        sorted(Upload.objects.values_list("id", "purged_on")),
    )


@pytest.fixture
def make_caller(carol, project, grant, make_project, client_for, anonymous):
    def make(caller):
        if caller == "no token":
            return anonymous
        if caller in ROLE_PERMISSIONS:
            grant(project, carol, caller)
        elif caller == "admin of another project":
            make_project(carol, "Carol's own")
        elif caller == "system admin":
            system_admin = AuthRole.objects.get(pk="system_admin")
            projects.system_permission_set(actor=Actor(user=carol), user=carol, auth_role=system_admin)
        return client_for(carol)

    return make


@pytest.fixture
def ids(alice, carol, project):
    raw = stored_folder(project, alice, None, "raw")
    sub = stored_folder(project, alice, raw, "sub")
    reads = stored_file(project, alice, raw, b"first", "reads", label="run 1")
    v1 = reads.current_version
    files.file_update(actor=Actor(user=alice), file=reads, upload=stored_upload(project, alice, b"second"))
    carols_upload = stored_upload(project, carol, b"carol's", "carol.txt")
    return {
        key: str(value.id)
        for key, value in {
            "project": project,
            "raw": raw,
            "sub": sub,
            "reads": reads,
            "v1": v1,
            "carols_upload": carols_upload,
        }.items()
    }


@pytest.mark.parametrize("caller", list(CALLERS))
def test_it_answers_each_caller_as_its_permissions_imply(make_caller, ids, caller):
    client = make_caller(caller)
    statuses, wrong_bodies, wrong_effects = {}, {}, {}

    for endpoint, (method, path, body, _, _) in ENDPOINTS.items():
        writes = method != "get"
        send = getattr(client, method)
        url = API + fill(path, ids)
        with transaction.atomic():
            before = state() if writes else None
            response = send(url, fill(body, ids), format="json") if body else send(url)
            after = state() if writes else None
            transaction.set_rollback(True)
        statuses[endpoint] = response.status_code
        expected = expected_status(caller, endpoint)
        if expected in (401, 403) and response.json() != {401: NO_TOKEN, 403: FORBIDDEN}[expected]:
            wrong_bodies[endpoint] = response.json()
        if (after != before) != (writes and expected < 400):
            wrong_effects[endpoint] = "wrote" if after != before else "wrote nothing"

    assert statuses == {endpoint: expected_status(caller, endpoint) for endpoint in ENDPOINTS}
    assert wrong_bodies == {}
    assert wrong_effects == {}


# Unknown ids, asked by a caller who holds no role anywhere: the lookup comes first
# (docs/api/permissions.md#evaluation-order), so 404, never 403.
UNKNOWN = {
    "POST /folders (unknown parent folder)": (
        "post",
        "/folders",
        {"name": "x", "parent": "{unknown folder}"},
        "Folder",
    ),
    "POST /folders (unknown project)": ("post", "/folders", {"name": "x", "parent": "{unknown project}"}, "Project"),
    "GET /folders/{id}": ("get", "/folders/{unknown}", None, "Folder"),
    "DELETE /folders/{id}": ("delete", "/folders/{unknown}", None, "Folder"),
    "PUT /folders/{id}/move": ("put", "/folders/{unknown}/move", {"parent": "{top}"}, "Folder"),
    "PUT /folders/{id}/rename": ("put", "/folders/{unknown}/rename", {"name": "x"}, "Folder"),
    "GET /folders/{id}/children": ("get", "/folders/{unknown}/children", None, "Folder"),
    "GET /projects/{id}/children": ("get", "/projects/{unknown}/children", None, "Project"),
    "GET /projects/{id}/files": ("get", "/projects/{unknown}/files", None, "Project"),
    "POST /files (unknown upload)": ("post", "/files", {"parent": "{top}", "upload": {"id": "{unknown}"}}, "Upload"),
    "GET /files/{id}": ("get", "/files/{unknown}", None, "DataFile"),
    "PUT /files/{id}": ("put", "/files/{unknown}", {"label": "x"}, "DataFile"),
    "DELETE /files/{id}": ("delete", "/files/{unknown}", None, "DataFile"),
    "PUT /files/{id}/move": ("put", "/files/{unknown}/move", {"parent": "{top}"}, "DataFile"),
    "PUT /files/{id}/rename": ("put", "/files/{unknown}/rename", {"name": "x"}, "DataFile"),
    "GET /files/{id}/url": ("get", "/files/{unknown}/url", None, "DataFile"),
    "GET /files/{id}/versions": ("get", "/files/{unknown}/versions", None, "DataFile"),
    "GET /file_versions/{id}": ("get", "/file_versions/{unknown}", None, "FileVersion"),
    "PUT /file_versions/{id}": ("put", "/file_versions/{unknown}", {"label": "x"}, "FileVersion"),
    "DELETE /file_versions/{id}": ("delete", "/file_versions/{unknown}", None, "FileVersion"),
    "GET /file_versions/{id}/url": ("get", "/file_versions/{unknown}/url", None, "FileVersion"),
    "POST /file_versions/{id}/current": ("post", "/file_versions/{unknown}/current", None, "FileVersion"),
}


def test_it_answers_404_for_unknown_ids_before_403(as_bob, project):
    unknown = str(uuid.uuid4())
    ids = {"project": str(project.id), "unknown": unknown}
    references = {
        "{unknown folder}": {"kind": "dds-folder", "id": unknown},
        "{unknown project}": {"kind": "dds-project", "id": unknown},
    }

    def filled(template):
        if isinstance(template, dict):
            return {key: filled(value) for key, value in template.items()}
        return references.get(template) or fill(template, ids)

    answers = {}
    for endpoint, (method, path, body, _) in UNKNOWN.items():
        url = API + fill(path, ids)
        send = getattr(as_bob, method)
        response = send(url, filled(body), format="json") if body else send(url)
        answers[endpoint] = (response.status_code, response.json())

    assert answers == {endpoint: (404, not_found(model)) for endpoint, (_, _, _, model) in UNKNOWN.items()}
