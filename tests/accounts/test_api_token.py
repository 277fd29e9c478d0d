"""POST /api/v1/software_agents/api_token: a token from an agent key and a user key
(docs/api/authentication.md#tokens)."""

import re
import time
from urllib.parse import urlencode

import pytest
from django.db import connection

from dds.accounts import services
from dds.accounts.models import ApiKey

URL = "/api/v1/software_agents/api_token"
FORM = "application/x-www-form-urlencoded"
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"

MISSING_KEYS = {
    "error": 400,
    "code": "not_provided",
    "reason": "missing key or keys",
    "suggestion": "api_key and user_key are required",
}
INVALID_KEY = {
    "error": 404,
    "code": "not_provided",
    "reason": "invalid key",
    "suggestion": "ensure both keys are valid",
}


def post(client, data, encoding="json", path=URL):
    if encoding == "form":
        return client.post(path, urlencode(data), content_type=FORM)
    return client.post(path, data, format="json")


@pytest.mark.parametrize("path", [URL, URL + "/"])
@pytest.mark.parametrize("encoding", ["json", "form"])
def test_it_mints_a_token_from_both_keys(anonymous, agent_key, alice_key, encoding, path):
    before = int(time.time())
    response = post(anonymous, {"agent_key": agent_key, "user_key": alice_key}, encoding, path)
    after = int(time.time())

    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"api_token", "expires_on", "time_to_live"}
    assert isinstance(body["api_token"], str) and body["api_token"]
    assert body["time_to_live"] == 7200
    assert before + 7200 <= body["expires_on"] <= after + 7200
    assert "X-Total-Pages" not in response


def test_it_mints_a_token_that_acts_for_the_user_through_the_agent(anonymous, alice, alice_agent, agent_key, alice_key):
    token = post(anonymous, {"agent_key": agent_key, "user_key": alice_key}).json()["api_token"]

    response = anonymous.get("/api/v1/current_user", HTTP_AUTHORIZATION=token)

    assert response.status_code == 200
    assert response.json()["id"] == str(alice.id)
    assert response.json()["username"] == "alice"
    assert response.json()["agent"] == {"id": str(alice_agent.id), "name": "DukeDSClient"}


def test_it_records_the_users_last_login(anonymous, alice, agent_key, alice_key):
    assert alice.last_login is None
    before = time.time()
    token = post(anonymous, {"agent_key": agent_key, "user_key": alice_key}).json()["api_token"]

    alice.refresh_from_db()
    assert before - 1 <= alice.last_login.timestamp() <= time.time() + 1
    last_login_on = anonymous.get("/api/v1/current_user", HTTP_AUTHORIZATION=token).json()["last_login_on"]
    assert re.fullmatch(TIMESTAMP, last_login_on)


def test_it_ignores_extra_keys_and_a_stale_authorization_header(anonymous, agent_key, alice_key):
    anonymous.credentials(HTTP_AUTHORIZATION="an.expired.token")

    response = post(anonymous, {"agent_key": agent_key, "user_key": alice_key, "hash": {"value": "x"}})

    assert response.status_code == 201


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"agent_key": "AGENT"},
        {"user_key": "USER"},
        {"agent_key": "", "user_key": "USER"},
        {"agent_key": "AGENT", "user_key": ""},
    ],
    ids=["no-keys", "no-user-key", "no-agent-key", "blank-agent-key", "blank-user-key"],
)
@pytest.mark.parametrize("encoding", ["json", "form"])
def test_it_refuses_a_request_without_both_keys(anonymous, alice, agent_key, alice_key, data, encoding):
    real = {"AGENT": agent_key, "USER": alice_key}
    data = {name: real.get(value, value) for name, value in data.items()}

    response = post(anonymous, data, encoding)

    assert response.status_code == 400
    assert response.json() == MISSING_KEYS
    alice.refresh_from_db()
    assert alice.last_login is None


@pytest.mark.parametrize("body", ["[]", '[{"agent_key": "a", "user_key": "u"}]', '"keys"', "5", "null"])
def test_it_finds_no_keys_in_a_json_body_that_is_not_an_object(anonymous, db, body):
    response = anonymous.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == MISSING_KEYS


def test_it_checks_for_missing_keys_before_looking_keys_up(anonymous, db):
    response = post(anonymous, {"agent_key": "no-such-key"})

    assert response.status_code == 400
    assert response.json() == MISSING_KEYS


def test_it_refuses_an_unknown_agent_key(anonymous, alice, alice_key):
    response = post(anonymous, {"agent_key": "0" * 32, "user_key": alice_key})

    assert response.status_code == 404
    assert response.json() == INVALID_KEY
    alice.refresh_from_db()
    assert alice.last_login is None


def test_it_refuses_an_unknown_user_key(anonymous, agent_key):
    response = post(anonymous, {"agent_key": agent_key, "user_key": "0" * 32})

    assert response.status_code == 404
    assert response.json() == INVALID_KEY


def test_it_refuses_the_key_of_a_deleted_agent(as_alice, anonymous, alice_agent, agent_key, alice_key):
    assert as_alice.delete(f"/api/v1/software_agents/{alice_agent.id}").status_code == 204
    assert ApiKey.objects.filter(key=agent_key).exists()

    response = post(anonymous, {"agent_key": agent_key, "user_key": alice_key})

    assert response.status_code == 404
    assert response.json() == INVALID_KEY


def test_it_refuses_a_user_key_given_as_the_agent_key(anonymous, bob, alice_key):
    bob_key = services.api_key_ensure(owner=bob).key

    response = post(anonymous, {"agent_key": bob_key, "user_key": alice_key})

    assert response.status_code == 404
    assert response.json() == INVALID_KEY


def test_it_refuses_an_agent_key_given_as_the_user_key(anonymous, agent_key):
    response = post(anonymous, {"agent_key": agent_key, "user_key": agent_key})

    assert response.status_code == 404
    assert response.json() == INVALID_KEY


def test_it_refuses_the_key_of_a_deactivated_user(anonymous, alice, agent_key, alice_key):
    alice.is_active = False
    alice.save()

    response = post(anonymous, {"agent_key": agent_key, "user_key": alice_key})

    assert response.status_code == 404
    assert response.json() == INVALID_KEY


def test_it_answers_a_malformed_json_body_with_the_error_envelope(anonymous, db):
    response = anonymous.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"error", "code", "reason", "suggestion"}
    assert body["error"] == 400
    assert body["code"] == "not_provided"
    assert body["reason"] == "malformed request body"
    assert body["suggestion"].endswith("send a JSON object or a form-encoded body")


def test_it_answers_an_unsupported_body_type_with_415(anonymous, db):
    response = anonymous.post(URL, "agent_key", content_type="text/plain")

    assert response.status_code == 415
    assert response.json() == {
        "error": 415,
        "code": "not_provided",
        "reason": "unsupported media type",
        "suggestion": "send application/json or application/x-www-form-urlencoded",
    }


def test_it_answers_get_with_405_and_the_allowed_methods(anonymous, db):
    response = anonymous.get(URL)

    assert response.status_code == 405
    assert response.json() == {
        "error": 405,
        "code": "not_provided",
        "reason": "method not allowed",
        "suggestion": "check the allowed methods in the API documentation at /api/docs/",
    }
    assert "POST" in response["Allow"]


def test_it_refuses_a_key_with_a_nul(anonymous, agent_key, alice_key):
    response = post(anonymous, {"agent_key": agent_key, "user_key": alice_key + "\x00"})

    if connection.vendor == "postgresql":  # PostgreSQL cannot compare text holding a NUL
        assert response.status_code == 400
        assert response.json()["reason"] == "invalid value"
    else:
        assert response.status_code == 404
        assert response.json() == INVALID_KEY
