"""/api/v1/software_agents/{id}/api_key: an agent's key, for its creator only
(docs/api/authentication.md#software-agents)."""

import re

import pytest

from dds.accounts.models import ApiKey
from projects.models import SystemPermission

MINT = "/api/v1/software_agents/api_token"
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"

NO_KEY = {"error": 404, "code": "not_provided", "reason": "ApiKey Not Found", "suggestion": "you must create an ApiKey"}
NO_AGENT = {
    "error": 404,
    "code": "not_provided",
    "reason": "SoftwareAgent Not Found",
    "suggestion": "you may have mistyped the SoftwareAgent id",
}
FORBIDDEN = {
    "error": 403,
    "code": "not_provided",
    "reason": "Unauthorized",
    "suggestion": "request permission to access this resource",
}


@pytest.fixture
def url(alice_agent):
    return f"/api/v1/software_agents/{alice_agent.id}/api_key"


def mint(client, agent_key, user_key):
    return client.post(MINT, {"agent_key": agent_key, "user_key": user_key}, format="json")


def test_it_answers_the_agents_key(as_alice, url, agent_key):
    response = as_alice.get(url)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"key", "created_on"}
    assert body["key"] == agent_key
    assert re.fullmatch(TIMESTAMP, body["created_on"])
    assert "X-Total-Pages" not in response


def test_it_replaces_the_key_on_put(as_alice, anonymous, url, alice_agent, agent_key, alice_key):
    response = as_alice.put(url + "/")

    assert response.status_code == 200
    new_key = response.json()["key"]
    assert re.fullmatch(r"[0-9a-f]{32}", new_key)
    assert new_key != agent_key
    assert ApiKey.objects.get(software_agent=alice_agent).key == new_key
    assert mint(anonymous, agent_key, alice_key).status_code == 404
    assert mint(anonymous, new_key, alice_key).status_code == 201


def test_it_deletes_the_key(as_alice, anonymous, url, alice_agent, agent_key, alice_key):
    response = as_alice.delete(url)

    assert response.status_code == 204
    assert response.content == b""
    assert not ApiKey.objects.filter(software_agent=alice_agent).exists()
    assert mint(anonymous, agent_key, alice_key).status_code == 404
    for response in (as_alice.get(url), as_alice.delete(url)):
        assert response.status_code == 404
        assert response.json() == NO_KEY


def test_it_creates_a_new_key_after_deletion(as_alice, url, alice_agent):
    as_alice.delete(url)

    response = as_alice.put(url)

    assert response.status_code == 200
    assert ApiKey.objects.get(software_agent=alice_agent).key == response.json()["key"]


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_it_refuses_another_user(as_bob, url, alice_agent, agent_key, method):
    response = getattr(as_bob, method)(url)

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert ApiKey.objects.get(software_agent=alice_agent).key == agent_key


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_it_answers_404_for_a_deleted_agent(as_alice, url, alice_agent, agent_key, method):
    assert as_alice.delete(f"/api/v1/software_agents/{alice_agent.id}").status_code == 204

    response = getattr(as_alice, method)(url)

    assert response.status_code == 404
    assert response.json() == NO_AGENT
    assert ApiKey.objects.get(software_agent=alice_agent).key == agent_key


@pytest.mark.parametrize("agent_id", ["not-a-uuid", "6e1d9c3b-4a7f-4e2d-9b8c-5f0a3e7d1c91"])
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_it_answers_404_for_an_unknown_agent(as_alice, agent_id, method):
    response = getattr(as_alice, method)(f"/api/v1/software_agents/{agent_id}/api_key")

    assert response.status_code == 404
    assert response.json() == NO_AGENT


def test_it_lets_a_system_admin_manage_anyones_agent_key(as_bob, bob, url, agent_key):
    SystemPermission.objects.create(user=bob, auth_role_id="system_admin")

    assert as_bob.get(url).json()["key"] == agent_key
    assert as_bob.put(url).json()["key"] != agent_key
    assert as_bob.delete(url).status_code == 204
