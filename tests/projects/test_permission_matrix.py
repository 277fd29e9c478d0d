"""Every project endpoint that exists × every kind of caller: the status
docs/api/permissions.md#required-permission-per-endpoint implies.

The project is Alice's; Bob holds file_downloader on it (so his permission can be read, changed and deleted);
Carol is the caller. The expected status comes from the built-in roles (tests/roles.py).
"""

import pytest

from projects.models import Project, ProjectPermission

from ..envelopes import FORBIDDEN, NO_TOKEN
from ..roles import EVERY_PROJECT_PERMISSION, ROLE_PERMISSIONS

# Method, path, body, required permission, success status, writes?
ENDPOINTS = {
    "GET /projects/{id}": ("get", "/projects/{project}", None, "view_project", 200, False),
    "PUT /projects/{id}": ("put", "/projects/{project}", {"name": "Renamed"}, "update_project", 200, True),
    "DELETE /projects/{id}": ("delete", "/projects/{project}", None, "delete_project", 204, True),
    "GET /projects/{id}/permissions": ("get", "/projects/{project}/permissions", None, "view_project", 200, False),
    "GET /projects/{id}/permissions/{user_id}": (
        "get",
        "/projects/{project}/permissions/{bob}",
        None,
        "view_project",
        200,
        False,
    ),
    "PUT /projects/{id}/permissions/{user_id}": (
        "put",
        "/projects/{project}/permissions/{bob}",
        {"auth_role": {"id": "project_viewer"}},
        "manage_project_permissions",
        200,
        True,
    ),
    "DELETE /projects/{id}/permissions/{user_id}": (
        "delete",
        "/projects/{project}/permissions/{bob}",
        None,
        "manage_project_permissions",
        204,
        True,
    ),
}

# Who calls, and which permissions on the project that caller should be found to hold (None: no token at all).
CALLERS = {
    "no token": None,
    **{f"{role} on the project": ROLE_PERMISSIONS[role] for role in ROLE_PERMISSIONS},
    "admin of another project": set(),
    "system admin": EVERY_PROJECT_PERMISSION,
    "agent session of a project_admin": ROLE_PERMISSIONS["project_admin"],
}


def expected_status(caller, endpoint):
    held = CALLERS[caller]
    _, _, _, required, success, _ = ENDPOINTS[endpoint]
    if held is None:
        return 401
    return success if required in held else 403


def state(project):
    project = Project.objects.get(pk=project.pk)
    roles = ProjectPermission.objects.filter(project=project).values_list("user__username", "auth_role_id")
    return project.name, project.is_deleted, sorted(roles)


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("caller", list(CALLERS))
def test_it_answers_each_caller_as_its_permissions_imply(carol_as, project, bob, grant, caller, endpoint):
    grant(project, bob, "file_downloader")
    client = carol_as(caller)
    before = state(project)
    method, path, body, _, _, writes = ENDPOINTS[endpoint]
    path = "/api/v1" + path.format(project=project.id, bob=bob.id)

    response = getattr(client, method)(path, body, format="json") if body else getattr(client, method)(path)

    expected = expected_status(caller, endpoint)
    assert response.status_code == expected
    if expected == 401:
        assert response.json() == NO_TOKEN
    elif expected == 403:
        assert response.json() == FORBIDDEN
    if expected >= 400 or not writes:
        assert state(project) == before
    else:
        assert state(project) != before
