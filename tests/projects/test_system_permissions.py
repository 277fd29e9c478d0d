"""GET /api/v1/system/permissions and GET/PUT/DELETE /api/v1/system/permissions/{user_id}
(docs/api/permissions.md#system-permissions)."""

import uuid

import pytest

from projects.models import SystemPermission

from ..client import FORM
from ..envelopes import FORBIDDEN, NO_TOKEN, has_no_paging_headers, invalid, not_found, user_preview

URL = "/api/v1/system/permissions"

SYSTEM_ADMIN = {"id": "system_admin", "name": "System Admin", "description": "Can administrate the system"}


def url(user):
    return f"{URL}/{getattr(user, 'id', user)}"


def grant_body(role_id):
    return {"auth_role": {"id": role_id}}


def admins():
    return sorted(SystemPermission.objects.values_list("user__username", flat=True))


def test_it_lists_the_system_permissions_to_a_system_admin(as_sysadmin, sysadmin):
    response = as_sysadmin.get(URL, {"page": 1, "per_page": 1})

    assert response.status_code == 200
    assert response.json() == {"results": [{"user": user_preview(sysadmin), "auth_role": SYSTEM_ADMIN}]}
    assert has_no_paging_headers(response)


def test_it_answers_one_system_permission(as_sysadmin, sysadmin):
    response = as_sysadmin.get(f"{url(sysadmin)}/")

    assert response.status_code == 200
    assert response.json() == {"user": user_preview(sysadmin), "auth_role": SYSTEM_ADMIN}


def test_it_answers_404_for_a_user_without_a_system_permission(as_sysadmin, bob):
    response = as_sysadmin.get(url(bob))

    assert response.status_code == 404
    assert response.json() == not_found("SystemPermission")


@pytest.mark.parametrize("user_id", [str(uuid.uuid4()), "nobody"])
def test_it_answers_404_for_an_unknown_user(as_sysadmin, user_id):
    for response in (
        as_sysadmin.get(url(user_id)),
        as_sysadmin.put(url(user_id), grant_body("system_admin"), format="json"),
        as_sysadmin.delete(url(user_id)),
    ):
        assert response.status_code == 404
        assert response.json() == not_found("User")


def test_it_makes_a_user_a_system_admin(as_sysadmin, bob, as_bob, project):
    response = as_sysadmin.put(url(bob), grant_body("system_admin"), format="json")

    assert response.status_code == 200
    assert response.json() == {"user": user_preview(bob), "auth_role": SYSTEM_ADMIN}
    assert has_no_paging_headers(response)
    assert admins() == ["bob", "sysadmin"]
    assert as_bob.get(URL).status_code == 200
    assert as_bob.get(f"/api/v1/projects/{project.id}").status_code == 200


def test_it_makes_a_system_admin_from_a_form_body(as_sysadmin, bob):
    response = as_sysadmin.put(url(bob), "auth_role%5Bid%5D=system_admin", content_type=FORM)

    assert response.status_code == 200
    assert admins() == ["bob", "sysadmin"]


@pytest.mark.parametrize("role_id", ["project_admin", "project_viewer", "file_editor"])
def test_it_refuses_a_project_role(as_sysadmin, bob, role_id):
    response = as_sysadmin.put(url(bob), grant_body(role_id), format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("auth_role", "wrong context"))
    assert admins() == ["sysadmin"]


def test_it_answers_404_for_an_unknown_role(as_sysadmin, bob):
    response = as_sysadmin.put(url(bob), grant_body("root"), format="json")

    assert response.status_code == 404
    assert response.json() == not_found("AuthRole")
    assert admins() == ["sysadmin"]


def test_it_requires_an_auth_role(as_sysadmin, bob):
    response = as_sysadmin.put(url(bob), {}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("auth_role", "is missing"))


def test_it_takes_a_system_permission_away(as_sysadmin, bob, as_bob):
    as_sysadmin.put(url(bob), grant_body("system_admin"), format="json")

    response = as_sysadmin.delete(url(bob))

    assert response.status_code == 204
    assert response.content == b""
    assert admins() == ["sysadmin"]
    assert as_bob.get(URL).json() == FORBIDDEN


def test_it_answers_404_to_deleting_a_missing_system_permission(as_sysadmin, bob):
    response = as_sysadmin.delete(url(bob))

    assert response.status_code == 404
    assert response.json() == not_found("SystemPermission")


def test_it_refuses_to_let_a_system_admin_revoke_their_own(as_sysadmin, sysadmin):
    response = as_sysadmin.delete(url(sysadmin))

    assert response.status_code == 403
    assert response.json() == {**FORBIDDEN, "suggestion": "another system admin must revoke your system permission"}
    assert admins() == ["sysadmin"]


def test_it_lets_another_system_admin_revoke_one(as_sysadmin, sysadmin, bob, client_for):
    as_sysadmin.put(url(bob), grant_body("system_admin"), format="json")

    response = client_for(bob).delete(url(sysadmin))

    assert response.status_code == 204
    assert admins() == ["bob"]


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", "list", None),
        ("get", "one", None),
        ("put", "one", grant_body("system_admin")),
        ("delete", "one", None),
    ],
)
def test_it_refuses_everyone_but_system_admins(as_alice, alice, sysadmin, project, method, path, body):
    """Alice is project_admin on her project: project roles give nothing here."""
    target = URL if path == "list" else url(alice if method == "put" else sysadmin)

    response = getattr(as_alice, method)(target, body, format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert admins() == ["sysadmin"]


def test_it_refuses_a_system_permissions_request_without_a_token(anonymous, sysadmin):
    for response in (anonymous.get(URL), anonymous.put(url(sysadmin), grant_body("system_admin"), format="json")):
        assert response.status_code == 401
        assert response.json() == NO_TOKEN
