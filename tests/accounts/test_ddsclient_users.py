"""The real `ddsclient add-user` and `remove-user` on a fresh install: they look people up through the default
authentication service, the local users' one, by username or email."""

import pytest

from projects.models import ProjectPermission

from ..ddsclient import ddsclient_cli, write_client_config


@pytest.fixture
def alices_config(live_server, alice, client_keys, tmp_path):
    user_key, agent_key = client_keys(alice)
    return write_client_config(
        tmp_path / "ddsclient.yml", f"{live_server.url}/api/v1", user_key=user_key, agent_key=agent_key
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("who", [["--user", "bob"], ["--email", "bob@example.org"]], ids=["username", "email"])
def test_it_adds_and_removes_a_local_user(alices_config, make_project, alice, bob, who):
    project = make_project(alice, "Mouse")

    added = ddsclient_cli(alices_config, "add-user", "-p", "Mouse", *who)

    assert added.returncode == 0, added.stderr
    assert "Gave user Bob Builder project_admin permissions for project Mouse." in added.stdout
    assert ProjectPermission.objects.get(project=project, user=bob).auth_role_id == "project_admin"

    removed = ddsclient_cli(alices_config, "remove-user", "-p", "Mouse", *who)

    assert removed.returncode == 0, removed.stderr
    assert "Removed permissions from user Bob Builder for project Mouse." in removed.stdout
    assert not ProjectPermission.objects.filter(project=project, user=bob).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_tells_that_an_email_belongs_to_no_one(alices_config, make_project, alice):
    make_project(alice, "Mouse")

    added = ddsclient_cli(alices_config, "add-user", "-p", "Mouse", "--email", "nobody@example.org")

    assert added.returncode == 2
    assert added.stderr.strip() == "Unable to find or register a user with email nobody@example.org"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_names_the_fix_for_an_unknown_username(alices_config, make_project, alice):
    make_project(alice, "Mouse")

    added = ddsclient_cli(alices_config, "add-user", "-p", "Mouse", "--user", "nobody")

    # The client shows any refusal of a registration as a traceback; its last line is our reason and suggestion.
    assert added.returncode == 1
    assert "Reason:Affiliate Not Found" in added.stderr
    assert "Suggestion:no user 'nobody' here: an operator adds one with" in added.stderr
