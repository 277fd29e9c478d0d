"""GET /api/v1/projects/{id}/permissions and GET/PUT/DELETE /api/v1/projects/{id}/permissions/{user_id}
(docs/api/permissions.md#project-permissions)."""

import uuid

import pytest

from projects.models import ProjectPermission

from ..client import FORM
from ..envelopes import FORBIDDEN, NO_TOKEN, has_no_paging_headers, invalid, not_found, user_preview

ROLE_PREVIEWS = {
    "project_admin": (
        "Project Admin",
        "Can update project details, delete project, manage project level permissions and perform all file operations",
    ),
    "project_viewer": ("Project Viewer", "Can only view project and file meta-data"),
    "file_editor": ("File Editor", "Can view download create update and delete files"),
    "system_admin": ("System Admin", "Can administrate the system"),
}

# The refusal of a change to one's own role while nobody else can manage the project's permissions.
LAST_MANAGER = {
    **FORBIDDEN,
    "suggestion": "another user must be able to manage this project's permissions first",
}


def url(project, user=None):
    base = f"/api/v1/projects/{getattr(project, 'id', project)}/permissions"
    return base if user is None else f"{base}/{getattr(user, 'id', user)}"


def permission(project, user, role_id):
    name, description = ROLE_PREVIEWS[role_id]
    return {
        "project": {"id": str(project.id), "name": project.name},
        "user": user_preview(user),
        "auth_role": {"id": role_id, "name": name, "description": description},
    }


def put_role(client, project, user, role_id):
    return client.put(url(project, user), {"auth_role": {"id": role_id}}, format="json")


def roles_on(project):
    return {row.user.username: row.auth_role_id for row in ProjectPermission.objects.filter(project=project)}


# --- GET /projects/{id}/permissions ------------------------------------------------------------------


def test_it_lists_every_permission_of_a_project_newest_first(as_alice, alice, bob, carol, project):
    assert put_role(as_alice, project, bob, "project_viewer").status_code == 200
    assert put_role(as_alice, project, carol, "file_editor").status_code == 200

    response = as_alice.get(url(project))

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            permission(project, carol, "file_editor"),
            permission(project, bob, "project_viewer"),
            permission(project, alice, "project_admin"),
        ]
    }


def test_it_pages_the_permissions_when_asked(as_alice, alice, bob, carol, project, grant):
    grant(project, bob, "project_viewer")
    grant(project, carol, "file_editor")

    response = as_alice.get(f"{url(project)}/", {"page": 2, "per_page": 2})

    assert response.status_code == 200
    assert response.json() == {"results": [permission(project, alice, "project_admin")]}
    assert (response["X-Total"], response["X-Total-Pages"], response["X-Page"], response["X-Per-Page"]) == (
        "3",
        "2",
        "2",
        "2",
    )


def test_it_answers_a_thousand_permissions_in_one_page_to_a_client_that_does_not_page(
    as_alice, alice, project, make_user
):
    members = [make_user(f"member{number}") for number in range(3)]
    ProjectPermission.objects.bulk_create(
        ProjectPermission(project=project, user=member, auth_role_id="project_viewer") for member in members
    )

    response = as_alice.get(url(project))

    assert response.status_code == 200
    assert len(response.json()["results"]) == 4
    assert (response["X-Total-Pages"], response["X-Per-Page"]) == ("1", "1000")


def test_it_lists_the_permissions_to_a_viewer(as_bob, bob, project, grant):
    grant(project, bob, "project_viewer")

    assert as_bob.get(url(project)).status_code == 200


def test_it_refuses_the_list_to_a_user_without_a_role(as_bob, project):
    response = as_bob.get(url(project))

    assert response.status_code == 403
    assert response.json() == FORBIDDEN


@pytest.mark.parametrize("project_id", [str(uuid.uuid4()), "nope"])
def test_it_answers_404_for_the_permissions_of_an_unknown_project(as_alice, db, project_id):
    response = as_alice.get(url(project_id))

    assert response.status_code == 404
    assert response.json() == not_found("Project")


def test_it_answers_404_for_the_permissions_of_a_deleted_project(as_alice, alice, project):
    assert as_alice.delete(f"/api/v1/projects/{project.id}").status_code == 204

    assert as_alice.get(url(project)).json() == not_found("Project")
    assert as_alice.get(url(project, alice)).json() == not_found("Project")
    assert put_role(as_alice, project, alice, "file_editor").json() == not_found("Project")


def test_it_answers_401_to_the_list_without_a_token(anonymous, project):
    response = anonymous.get(url(project))

    assert response.status_code == 401
    assert response.json() == NO_TOKEN


# --- GET /projects/{id}/permissions/{user_id} --------------------------------------------------------


def test_it_answers_one_users_permission(as_alice, alice, project):
    response = as_alice.get(f"{url(project, alice)}/")

    assert response.status_code == 200
    assert response.json() == permission(project, alice, "project_admin")
    assert has_no_paging_headers(response)


def test_it_answers_404_for_a_user_without_a_role_on_the_project(as_alice, bob, project):
    response = as_alice.get(url(project, bob))

    assert response.status_code == 404
    assert response.json() == not_found("ProjectPermission")


@pytest.mark.parametrize("user_id", [str(uuid.uuid4()), "nobody"])
def test_it_answers_404_for_an_unknown_user(as_alice, project, user_id):
    response = as_alice.get(url(project, user_id))

    assert response.status_code == 404
    assert response.json() == not_found("User")


def test_it_refuses_one_permission_to_a_user_without_a_role(as_bob, alice, project):
    response = as_bob.get(url(project, alice))

    assert response.status_code == 403
    assert response.json() == FORBIDDEN


# --- PUT /projects/{id}/permissions/{user_id} --------------------------------------------------------


def test_it_gives_a_user_a_role(as_alice, alice, bob, as_bob, project):
    response = put_role(as_alice, project, bob, "file_editor")

    assert response.status_code == 200
    assert response.json() == permission(project, bob, "file_editor")
    assert has_no_paging_headers(response)
    assert roles_on(project) == {"alice": "project_admin", "bob": "file_editor"}
    assert as_bob.get(f"/api/v1/projects/{project.id}").status_code == 200


def test_it_gives_a_role_from_a_form_body(as_alice, bob, project):
    """DukeDSClient sends `auth_role[id]=…` form-encoded, to the path with a trailing slash."""
    response = as_alice.put(f"{url(project, bob)}/", "auth_role%5Bid%5D=file_editor", content_type=FORM)

    assert response.status_code == 200
    assert response.json() == permission(project, bob, "file_editor")
    assert roles_on(project)["bob"] == "file_editor"


def test_it_replaces_the_users_role(as_alice, bob, project):
    put_role(as_alice, project, bob, "project_viewer")

    response = put_role(as_alice, project, bob, "file_editor")

    assert response.status_code == 200
    assert response.json()["auth_role"]["id"] == "file_editor"
    assert ProjectPermission.objects.filter(project=project, user=bob).count() == 1
    assert roles_on(project) == {"alice": "project_admin", "bob": "file_editor"}


def test_it_lets_another_admin_change_the_creators_role(as_bob, alice, bob, project, grant):
    grant(project, bob, "project_admin")

    response = put_role(as_bob, project, alice, "project_viewer")

    assert response.status_code == 200
    assert roles_on(project) == {"alice": "project_viewer", "bob": "project_admin"}


@pytest.mark.parametrize("body", [{}, {"auth_role": None}, {"role": {"id": "file_editor"}}])
def test_it_requires_an_auth_role(as_alice, bob, project, body):
    response = as_alice.put(url(project, bob), body, format="json")

    assert response.status_code == 400
    expected = "can't be blank" if "auth_role" in body else "is missing"
    assert response.json() == invalid(("auth_role", expected))
    assert roles_on(project) == {"alice": "project_admin"}


@pytest.mark.parametrize("role_id", ["owner", "view_project", "PROJECT_ADMIN"])
def test_it_answers_404_for_an_unknown_role(as_alice, bob, project, grant, role_id):
    grant(project, bob, "project_viewer")

    response = put_role(as_alice, project, bob, role_id)

    assert response.status_code == 404
    assert response.json() == not_found("AuthRole")
    assert roles_on(project) == {"alice": "project_admin", "bob": "project_viewer"}


@pytest.mark.parametrize(
    "project_id, user_id, caller, role_id, expected",
    [
        ("unknown", "unknown", "alice", "owner", not_found("Project")),
        ("unknown", "bob", "alice", "file_editor", not_found("Project")),
        ("project", "unknown", "bob", "owner", not_found("User")),
        ("project", "carol", "bob", "owner", FORBIDDEN),
        ("project", "carol", "alice", "owner", not_found("AuthRole")),
    ],
)
def test_it_looks_up_the_project_then_the_user_then_checks_then_finds_the_role(
    client_for, alice, bob, carol, project, project_id, user_id, caller, role_id, expected
):
    people = {"alice": alice, "bob": bob, "carol": carol}
    target_project = project.id if project_id == "project" else uuid.uuid4()
    target_user = people[user_id].id if user_id in people else uuid.uuid4()

    response = put_role(client_for(people[caller]), target_project, target_user, role_id)

    assert response.json() == expected
    assert roles_on(project) == {"alice": "project_admin"}


@pytest.mark.parametrize(
    "project_id, caller",
    [("unknown", "alice"), ("project", "bob")],
)
def test_it_checks_for_a_missing_auth_role_before_anything_else(
    client_for, alice, bob, carol, project, project_id, caller
):
    """docs/api/permissions.md#evaluation-order: a missing required parameter (400) wins over lookups (404) and
    authorization (403)."""
    people = {"alice": alice, "bob": bob}
    target_project = project.id if project_id == "project" else uuid.uuid4()

    response = client_for(people[caller]).put(url(target_project, carol), {}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("auth_role", "is missing"))


def test_it_accepts_a_system_role_on_a_project_but_it_grants_nothing_there(as_alice, as_bob, bob, carol, project):
    response = put_role(as_alice, project, bob, "system_admin")

    assert response.status_code == 200
    assert response.json() == permission(project, bob, "system_admin")
    assert roles_on(project)["bob"] == "system_admin"
    assert as_bob.get(f"/api/v1/projects/{project.id}").json() == FORBIDDEN
    assert as_bob.get("/api/v1/projects").json() == {"results": []}
    assert as_bob.get("/api/v1/system/permissions").json() == FORBIDDEN
    assert put_role(as_bob, project, carol, "project_viewer").json() == FORBIDDEN


# --- one's own role ----------------------------------------------------------------------------------


def test_it_refuses_to_change_ones_own_role_when_nobody_else_can_manage(as_alice, alice, project):
    response = put_role(as_alice, project, alice, "project_viewer")

    assert response.status_code == 403
    assert response.json() == LAST_MANAGER
    assert roles_on(project) == {"alice": "project_admin"}


def test_it_refuses_to_delete_ones_own_role_when_nobody_else_can_manage(as_alice, alice, bob, project, grant):
    grant(project, bob, "file_editor")

    response = as_alice.delete(url(project, alice))

    assert response.status_code == 403
    assert response.json() == LAST_MANAGER
    assert roles_on(project) == {"alice": "project_admin", "bob": "file_editor"}


def test_it_lets_one_change_ones_own_role_when_another_user_can_manage(as_alice, alice, bob, project, grant):
    grant(project, bob, "project_admin")

    response = put_role(as_alice, project, alice, "project_viewer")

    assert response.status_code == 200
    assert response.json() == permission(project, alice, "project_viewer")
    assert roles_on(project) == {"alice": "project_viewer", "bob": "project_admin"}
    assert put_role(as_alice, project, alice, "project_admin").json() == FORBIDDEN


def test_it_lets_one_delete_ones_own_role_when_another_user_can_manage(as_alice, alice, bob, project, grant):
    grant(project, bob, "project_admin")

    response = as_alice.delete(url(project, alice))

    assert response.status_code == 204
    assert roles_on(project) == {"bob": "project_admin"}
    assert as_alice.get(f"/api/v1/projects/{project.id}").json() == FORBIDDEN


# --- DELETE /projects/{id}/permissions/{user_id} -----------------------------------------------------


def test_it_takes_a_users_role_away(as_alice, as_bob, bob, project, grant):
    grant(project, bob, "file_editor")

    response = as_alice.delete(url(project, bob))

    assert response.status_code == 204
    assert response.content == b""
    assert roles_on(project) == {"alice": "project_admin"}
    assert as_bob.get(f"/api/v1/projects/{project.id}").json() == FORBIDDEN


def test_it_answers_404_to_a_second_delete(as_alice, bob, project, grant):
    grant(project, bob, "file_editor")
    assert as_alice.delete(url(project, bob)).status_code == 204

    response = as_alice.delete(f"{url(project, bob)}/")

    assert response.status_code == 404
    assert response.json() == not_found("ProjectPermission")


@pytest.mark.parametrize("user_id", [str(uuid.uuid4()), "nobody"])
def test_it_answers_404_to_a_delete_for_an_unknown_user(as_alice, project, user_id):
    response = as_alice.delete(url(project, user_id))

    assert response.status_code == 404
    assert response.json() == not_found("User")


def test_it_refuses_a_delete_to_a_user_who_cannot_manage(as_bob, alice, bob, project, grant):
    grant(project, bob, "file_editor")

    response = as_bob.delete(url(project, alice))

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert roles_on(project) == {"alice": "project_admin", "bob": "file_editor"}
