"""The project listings cost a fixed number of statements per page, whatever the number of rows (issue 29): a page
of a few rows and a page of many are read in as many statements."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import AuthRole, Project, ProjectPermission

API = "/api/v1"


def _statements(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{API}{path}")
    assert response.status_code == 200, response.content
    return len(captured), response.json()["results"]


def _members(project, users):
    role = AuthRole.objects.get(pk="project_viewer")
    ProjectPermission.objects.bulk_create(
        ProjectPermission(project=project, user=user, auth_role=role) for user in users
    )


def test_it_lists_a_projects_permissions_in_as_many_statements_for_3_members_as_for_40(
    as_alice, alice, make_project, make_user
):
    few, many = make_project(alice, "Few"), make_project(alice, "Many")
    users = [make_user(f"member{number}") for number in range(40)]
    _members(few, users[:2])
    _members(many, users)

    small, listed_few = _statements(as_alice, f"/projects/{few.id}/permissions")
    large, listed_many = _statements(as_alice, f"/projects/{many.id}/permissions")

    assert (len(listed_few), len(listed_many)) == (3, 41)
    assert small == large


def test_it_lists_a_users_projects_in_as_many_statements_for_2_as_for_40(as_alice, as_bob, alice, bob, make_project):
    make_project(bob, "Bob's")
    make_project(bob, "Bob's too")
    for number in range(40):
        make_project(alice, f"Project {number}")

    small, listed_few = _statements(as_bob, "/projects")
    large, listed_many = _statements(as_alice, "/projects")

    assert (len(listed_few), len(listed_many)) == (2, 40)
    assert small == large
    assert Project.objects.count() == 42
