"""/api/v1/current_user/api_key: the caller's user key, read, replaced and deleted
(docs/api/authentication.md#current-user)."""

import re

import pytest

from dds.accounts.models import ApiKey

URL = "/api/v1/current_user/api_key"
MINT = "/api/v1/software_agents/api_token"
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"

NO_KEY = {"error": 404, "code": "not_provided", "reason": "ApiKey Not Found", "suggestion": "you must create an ApiKey"}
FORBIDDEN = {
    "error": 403,
    "code": "not_provided",
    "reason": "Unauthorized",
    "suggestion": "request permission to access this resource",
}


def mint(client, agent_key, user_key):
    return client.post(MINT, {"agent_key": agent_key, "user_key": user_key}, format="json")


def test_it_answers_the_callers_key(as_alice, alice_key):
    response = as_alice.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"key", "created_on"}
    assert body["key"] == alice_key
    assert re.fullmatch(TIMESTAMP, body["created_on"])
    assert "X-Total-Pages" not in response


def test_it_answers_404_when_the_caller_has_no_key(as_alice):
    response = as_alice.get(URL)

    assert response.status_code == 404
    assert response.json() == NO_KEY


def test_it_shows_only_the_callers_own_key(as_bob, alice_key):
    response = as_bob.get(URL)

    assert response.status_code == 404
    assert response.json() == NO_KEY


def test_it_creates_a_key_on_put(as_alice, alice):
    response = as_alice.put(URL)

    assert response.status_code == 200
    body = response.json()
    assert re.fullmatch(r"[0-9a-f]{32}", body["key"])
    assert re.fullmatch(TIMESTAMP, body["created_on"])
    assert ApiKey.objects.get(user=alice).key == body["key"]


def test_it_replaces_the_key_on_put(as_alice, anonymous, alice, alice_key, agent_key):
    response = as_alice.put(URL)

    assert response.status_code == 200
    new_key = response.json()["key"]
    assert re.fullmatch(r"[0-9a-f]{32}", new_key)
    assert new_key != alice_key
    assert list(ApiKey.objects.filter(user=alice).values_list("key", flat=True)) == [new_key]
    assert as_alice.get(URL).json()["key"] == new_key
    assert mint(anonymous, agent_key, alice_key).status_code == 404
    assert mint(anonymous, agent_key, new_key).status_code == 201


def test_it_deletes_the_key(as_alice, anonymous, alice, alice_key, agent_key):
    response = as_alice.delete(URL)

    assert response.status_code == 204
    assert response.content == b""
    assert not ApiKey.objects.filter(user=alice).exists()
    assert as_alice.get(URL).json() == NO_KEY
    assert mint(anonymous, agent_key, alice_key).status_code == 404


def test_it_answers_404_when_deleting_a_key_twice(as_alice, alice_key):
    assert as_alice.delete(URL).status_code == 204

    response = as_alice.delete(URL)

    assert response.status_code == 404
    assert response.json() == NO_KEY


def test_it_ignores_dukedsclients_bogus_query_and_content_type(as_alice, alice_key):
    assert as_alice.get(URL + "?%7B%7D", content_type="application/json").json()["key"] == alice_key
    assert as_alice.delete(URL + "/?%7B%7D", content_type="application/json").status_code == 204


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_it_refuses_an_agent_backed_session(as_alice_agent, alice, alice_key, method):
    response = getattr(as_alice_agent, method)(URL)

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert list(ApiKey.objects.filter(user=alice).values_list("key", flat=True)) == [alice_key]
