"""Users, projects and sessions the projects tests share."""

import pytest
from django.test import TestCase

from dds.accounts import services as accounts
from dds.audit import Actor
from projects import services
from projects.models import AuthRole

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def make_user(db):
    def make(username):
        return accounts.user_create(
            username=username, email=f"{username}@example.org", first_name=username.title(), last_name="Tester"
        )

    return make


@pytest.fixture
def carol(make_user):
    return make_user("carol")


@pytest.fixture
def make_project():
    """`make_project(owner, name)`: a project made as POST /projects makes it, its storage already initialized."""

    def make(owner, name="Mouse RNA-seq", description="RNA-seq of mouse livers", slug=""):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return services.project_create(actor=Actor(user=owner), name=name, description=description, slug=slug)

    return make


@pytest.fixture
def grant():
    """`grant(project, user, "file_editor")`: give `user` that role on `project`, as its creator would."""

    def give(project, user, role_id):
        return services.project_permission_set(
            actor=Actor(user=project.created_by), project=project, user=user, auth_role=AuthRole.objects.get(pk=role_id)
        )

    return give


@pytest.fixture
def project(alice, make_project):
    """Alice's project: she is its project_admin."""
    return make_project(alice)


@pytest.fixture
def sysadmin(make_user):
    """A user holding the system_admin role (the first one has to be made without the API)."""
    user = make_user("sysadmin")
    services.system_permission_set(actor=Actor(user=user), user=user, auth_role=AuthRole.objects.get(pk="system_admin"))
    return user


@pytest.fixture
def as_sysadmin(client_for, sysadmin):
    return client_for(sysadmin)


@pytest.fixture
def as_carol(client_for, carol):
    return client_for(carol)
