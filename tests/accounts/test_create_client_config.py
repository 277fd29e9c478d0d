"""`manage.py create_client_config`: a user's ready-made DDS client config, printed as YAML."""

import re
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from dds.accounts.models import ApiKey, SoftwareAgent, User

pytestmark = pytest.mark.django_db


def run(*args):
    """The config the command printed, after checking it printed YAML on stdout and nothing on stderr."""
    stdout, stderr = StringIO(), StringIO()
    call_command("create_client_config", *args, stdout=stdout, stderr=stderr)
    assert stderr.getvalue() == ""
    return yaml.safe_load(stdout.getvalue())


def test_it_creates_the_user_and_prints_their_config():
    config = run("jdoe", "--create-user")

    user = User.objects.get(username="jdoe")
    agent = SoftwareAgent.objects.get(created_by=user)
    assert agent.name == "DukeDSClient"
    assert config == {
        "url": "http://127.0.0.1:8000/api/v1",
        "user_key": ApiKey.objects.get(user=user).key,
        "agent_key": ApiKey.objects.get(software_agent=agent).key,
    }
    assert re.fullmatch(r"[0-9a-f]{32}", config["user_key"])
    assert re.fullmatch(r"[0-9a-f]{32}", config["agent_key"])


def test_it_prints_only_the_yaml_config():
    stdout = StringIO()
    call_command("create_client_config", "jdoe", "--create-user", stdout=stdout)

    lines = stdout.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["url", "user_key", "agent_key"]


def test_it_reuses_the_keys_when_run_again():
    first = run("jdoe", "--create-user")

    again = run("jdoe")

    assert again == first
    assert User.objects.filter(username="jdoe").count() == 1
    assert SoftwareAgent.objects.count() == 1


def test_it_rotates_both_keys():
    first = run("jdoe", "--create-user")

    rotated = run("jdoe", "--rotate")

    assert rotated["user_key"] != first["user_key"]
    assert rotated["agent_key"] != first["agent_key"]
    assert not ApiKey.objects.filter(key__in=[first["user_key"], first["agent_key"]]).exists()
    assert SoftwareAgent.objects.count() == 1


def test_it_refuses_an_unknown_user_without_create_user():
    with pytest.raises(CommandError, match="--create-user"):
        run("nobody")

    assert not User.objects.filter(username="nobody").exists()
    assert not ApiKey.objects.exists()


def test_it_configures_an_existing_user(alice):
    config = run("alice")

    assert ApiKey.objects.get(user=alice).key == config["user_key"]
    assert User.objects.count() == 1


def test_it_uses_the_given_url_and_agent_name():
    config = run("jdoe", "--create-user", "--url", "https://dds.example.org/api/v1/", "--agent-name", "Portal")

    assert config["url"] == "https://dds.example.org/api/v1"
    assert ApiKey.objects.get(key=config["agent_key"]).software_agent.name == "Portal"


def test_it_prints_keys_that_mint_a_token(anonymous):
    config = run("jdoe", "--create-user")

    response = anonymous.post(
        "/api/v1/software_agents/api_token",
        {"agent_key": config["agent_key"], "user_key": config["user_key"]},
        format="json",
    )

    assert response.status_code == 201
    me = anonymous.get("/api/v1/current_user", HTTP_AUTHORIZATION=response.json()["api_token"])
    assert me.json()["username"] == "jdoe"
    assert me.json()["agent"]["name"] == "DukeDSClient"


def test_it_prints_rotated_keys_that_mint_a_token_and_old_ones_that_do_not(anonymous):
    old = run("jdoe", "--create-user")
    new = run("jdoe", "--rotate")

    def mint(config):
        keys = {"agent_key": config["agent_key"], "user_key": config["user_key"]}
        return anonymous.post("/api/v1/software_agents/api_token", keys, format="json").status_code

    assert mint(new) == 201
    assert mint(old) == 404


def test_it_creates_a_user_with_their_email_and_names():
    run("jdoe", "--create-user", "--email", "jane@example.edu", "--first-name", "Jane", "--last-name", "Doe")

    user = User.objects.get(username="jdoe")
    assert (user.email, user.first_name, user.last_name, user.full_name) == (
        "jane@example.edu",
        "Jane",
        "Doe",
        "Jane Doe",
    )


def test_it_sets_the_email_and_names_of_an_existing_user(alice):
    run("alice", "--email", "alice@wonderland.example", "--full-name", "Alice L.")

    alice.refresh_from_db()
    assert (alice.email, alice.full_name, alice.first_name) == ("alice@wonderland.example", "Alice L.", "Alice")


def test_it_refuses_an_email_that_is_not_one(alice):
    with pytest.raises(CommandError, match="email: Enter a valid email address."):
        run("alice", "--email", "not an email")

    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
