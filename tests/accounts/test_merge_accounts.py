"""Operators merge two accounts of one person in the admin: identities, software agents, the user key and project
and system roles go to the account kept, in one transaction, and the other is disabled; the admin's history says so."""

import pytest
from django.contrib.admin.models import LogEntry

from dds.accounts import services
from dds.accounts.models import ApiKey, AuthenticationService, User, UserIdentity
from dds.audit import Actor
from projects import services as project_services
from projects.models import AuthRole, ProjectPermission

CHANGELIST = "/admin/accounts/user/"


@pytest.fixture
def partner(db):
    return AuthenticationService.objects.create(name="Partner Institute", base_uri="https://p.example.org")


def merge(operator, keep, other):
    selected = [str(keep.pk), str(other.pk)]
    asked = operator.post(CHANGELIST, {"action": "merge_accounts", "_selected_action": selected})
    done = operator.post(
        CHANGELIST, {"action": "merge_accounts", "_selected_action": selected, "keep": str(keep.pk)}, follow=True
    )
    return asked, done


def test_it_merges_two_accounts_of_one_person(operator, alice, make_user, make_project, partner, client_for):
    ann = services.user_create(username="ann@partner-institute")
    UserIdentity.objects.create(user=ann, authentication_service=partner, uid="ann")
    ann_key = services.api_key_ensure(owner=ann).key
    agent = services.software_agent_create(actor=Actor(user=ann), name="DukeDSClient")
    shared = make_project(alice, "Shared")
    make_project(ann, "Ann's own")
    project_services.project_permission_set(
        actor=Actor(user=alice), project=shared, user=ann, auth_role=AuthRole.objects.get(pk="project_viewer")
    )

    asked, done = merge(operator, alice, ann)

    assert asked.status_code == 200
    assert "Choose the account that stays" in asked.content.decode()
    assert done.status_code == 200
    assert "Merged ann@partner-institute into alice; ann@partner-institute is disabled." in [
        str(message) for message in done.context["messages"]
    ]
    ann.refresh_from_db()
    assert not ann.is_active
    assert list(UserIdentity.objects.values_list("user__username", "uid")) == [("alice", "ann")]
    assert ApiKey.objects.get(user=alice).key == ann_key
    agent.refresh_from_db()
    assert agent.created_by_id == alice.id
    roles = dict(ProjectPermission.objects.filter(user=alice).values_list("project__name", "auth_role"))
    assert roles == {"Shared": "project_admin", "Ann's own": "project_admin"}
    assert not ProjectPermission.objects.filter(user=ann).exists()
    assert set(LogEntry.objects.values_list("object_repr", "change_message")) == {
        ("alice", "Merged the account ann@partner-institute into this one."),
        ("ann@partner-institute", "Merged into the account alice, and disabled."),
    }
    projects = client_for(alice).get("/api/v1/projects").json()["results"]
    assert sorted(project["name"] for project in projects) == ["Ann's own", "Shared"]


def test_it_keeps_the_role_granting_more_and_the_kept_accounts_key(operator, alice, bob, make_project):
    project = make_project(bob, "Bob's")
    project_services.project_permission_set(
        actor=Actor(user=bob), project=project, user=alice, auth_role=AuthRole.objects.get(pk="project_viewer")
    )
    alice_key = services.api_key_ensure(owner=alice).key
    services.api_key_ensure(owner=bob)

    merge(operator, alice, bob)

    assert ProjectPermission.objects.get(user=alice, project=project).auth_role_id == "project_admin"
    assert list(ApiKey.objects.filter(user__isnull=False).values_list("user__username", "key")) == [
        ("alice", alice_key)
    ]
    assert not User.objects.get(username="bob").is_active


def test_it_merges_exactly_two_accounts(operator, alice, bob, carol):
    response = operator.post(
        CHANGELIST,
        {"action": "merge_accounts", "_selected_action": [str(alice.pk), str(bob.pk), str(carol.pk)]},
        follow=True,
    )

    assert "Choose exactly two accounts to merge." in [str(message) for message in response.context["messages"]]
    assert User.objects.filter(is_active=True).count() == 4  # and the operator
