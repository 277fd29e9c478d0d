"""GET /api/v1/auth_roles and GET /api/v1/auth_roles/{id} (docs/api/permissions.md#auth-roles)."""

import pytest

from ..envelopes import NO_TOKEN, has_no_paging_headers, not_found

URL = "/api/v1/auth_roles"

# docs/api/permissions.md#built-in-roles, written out: id → (name, contexts, permissions in seed order, description).
SEEDED = {
    "system_admin": ("System Admin", ["system"], ["system_admin"], "Can administrate the system"),
    "project_admin": (
        "Project Admin",
        ["project"],
        [
            "view_project",
            "update_project",
            "delete_project",
            "manage_project_permissions",
            "download_file",
            "create_file",
            "update_file",
            "delete_file",
        ],
        "Can update project details, delete project, manage project level permissions and perform all file operations",
    ),
    "project_viewer": ("Project Viewer", ["project"], ["view_project"], "Can only view project and file meta-data"),
    "file_downloader": ("File Downloader", ["project"], ["view_project", "download_file"], "Can download files"),
    "file_editor": (
        "File Editor",
        ["project"],
        ["view_project", "download_file", "create_file", "update_file", "delete_file"],
        "Can view download create update and delete files",
    ),
    "file_uploader": ("File Uploader", ["project"], ["view_project", "create_file"], "Can update files"),
}


def role(role_id):
    name, contexts, permissions, description = SEEDED[role_id]
    return {
        "id": role_id,
        "name": name,
        "description": description,
        "permissions": [{"id": permission} for permission in permissions],
        "contexts": contexts,
        "is_deprecated": False,
    }


def by_id(response):
    roles = response.json()["results"]
    assert len(roles) == len({r["id"] for r in roles})
    return {r["id"]: r for r in roles}


def test_it_lists_the_six_seeded_roles(as_alice):
    response = as_alice.get(URL)

    assert response.status_code == 200
    assert by_id(response) == {role_id: role(role_id) for role_id in SEEDED}


def test_it_does_not_page_the_roles(as_alice):
    response = as_alice.get(URL, {"page": 2, "per_page": 1})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 6
    assert has_no_paging_headers(response)


@pytest.mark.parametrize(
    "context, expected",
    [
        ("project", {"project_admin", "project_viewer", "file_downloader", "file_editor", "file_uploader"}),
        ("system", {"system_admin"}),
    ],
)
def test_it_filters_the_roles_by_context(as_alice, context, expected):
    response = as_alice.get(URL, {"context": context})

    assert response.status_code == 200
    assert by_id(response) == {role_id: role(role_id) for role_id in expected}


@pytest.mark.parametrize("context", ["other", "Project", "projects"])
def test_it_answers_404_for_an_unknown_context(as_alice, context):
    response = as_alice.get(URL, {"context": context})

    assert response.status_code == 404
    assert response.json() == {
        "error": 404,
        "code": "not_provided",
        "reason": "Unknown Context",
        "suggestion": "Context should be either project or system",
    }


@pytest.mark.parametrize("role_id", sorted(SEEDED))
def test_it_answers_one_role(as_alice, role_id):
    response = as_alice.get(f"{URL}/{role_id}/")

    assert response.status_code == 200
    assert response.json() == role(role_id)
    assert has_no_paging_headers(response)


@pytest.mark.parametrize("role_id", ["owner", "Project_Admin", "view_project"])
def test_it_answers_404_for_an_unknown_role(as_alice, role_id):
    response = as_alice.get(f"{URL}/{role_id}")

    assert response.status_code == 404
    assert response.json() == not_found("AuthRole")


@pytest.mark.parametrize("path", [URL, f"{URL}/project_admin"])
def test_it_answers_401_without_a_token(anonymous, db, path):
    response = anonymous.get(path)

    assert response.status_code == 401
    assert response.json() == NO_TOKEN
