"""Limits on guessing keys at POST /software_agents/api_token (issue 32, item 11): failed checks counted per client
address and per key in the database, 429 with Retry-After in the envelope once a count reaches its limit, for right
keys too, until the window ends; counted together by every process of the service."""

import json
import secrets
import urllib.error
import urllib.request

import pytest

from dds.accounts.models import KeyFailureCount

URL = "/api/v1/software_agents/api_token"
INVALID_KEY = {
    "error": 404,
    "code": "not_provided",
    "reason": "invalid key",
    "suggestion": "ensure both keys are valid",
}
TOO_MANY = {
    "error": 429,
    "code": "not_provided",
    "reason": "too many failed key checks",
    "suggestion": "check the agent_key and user_key of your client config, then retry after Retry-After seconds",
}


@pytest.fixture
def limits(settings):
    settings.KEY_FAILURES_PER_ADDRESS = 3
    settings.KEY_FAILURES_PER_KEY = 2
    settings.KEY_FAILURE_WINDOW = 300
    return settings


@pytest.fixture
def keys(alice, client_keys):
    user_key, agent_key = client_keys(alice)
    return {"agent_key": agent_key, "user_key": user_key}


def attempt(client, keys, address="192.0.2.1", **headers):
    return client.post(URL, keys, format="json", REMOTE_ADDR=address, **headers)


def guess():
    return secrets.token_hex(16)


def assert_too_many(response, window=300):
    assert (response.status_code, response.json()) == (429, TOO_MANY)
    assert 1 <= int(response["Retry-After"]) <= window


def test_an_address_that_used_up_its_failures_is_refused_even_with_the_right_keys(anonymous, keys, limits):
    failures = [attempt(anonymous, {"agent_key": guess(), "user_key": guess()}) for _ in range(3)]

    refused = attempt(anonymous, keys)
    elsewhere = attempt(anonymous, keys, address="198.51.100.7")

    assert [response.json() for response in failures] == [INVALID_KEY] * 3
    assert_too_many(refused)
    assert elsewhere.status_code == 201


def test_a_key_that_used_up_its_failures_is_refused_from_every_address(anonymous, keys, limits):
    failures = [
        attempt(anonymous, {"agent_key": keys["agent_key"], "user_key": guess()}, address=f"203.0.113.{n}")
        for n in range(2)
    ]

    refused = attempt(anonymous, keys, address="203.0.113.99")

    assert [response.status_code for response in failures] == [404, 404]
    assert_too_many(refused)
    assert KeyFailureCount.objects.filter(subject__contains=keys["agent_key"]).count() == 0  # stored hashed


def test_right_keys_answer_again_once_the_window_ended(anonymous, keys, limits):
    for _ in range(3):
        attempt(anonymous, {"agent_key": guess(), "user_key": guess()})
    assert attempt(anonymous, keys).status_code == 429

    KeyFailureCount.objects.update(window=0)  # what the clock does in KEY_FAILURE_WINDOW seconds

    assert attempt(anonymous, keys).status_code == 201


def test_successes_and_missing_keys_count_nothing(anonymous, keys, limits):
    answers = [attempt(anonymous, keys).status_code for _ in range(5)]
    answers += [attempt(anonymous, {"agent_key": keys["agent_key"]}).status_code for _ in range(5)]

    assert answers == [201] * 5 + [400] * 5
    assert KeyFailureCount.objects.count() == 0


def test_behind_a_proxy_the_configured_header_names_the_address(anonymous, keys, limits):
    limits.CLIENT_ADDRESS_HEADER = "X-Real-IP"
    for _ in range(3):
        attempt(anonymous, {"agent_key": guess(), "user_key": guess()}, address="127.0.0.1", HTTP_X_REAL_IP="192.0.2.9")

    assert_too_many(attempt(anonymous, keys, address="127.0.0.1", HTTP_X_REAL_IP="192.0.2.9"))
    assert attempt(anonymous, keys, address="127.0.0.1", HTTP_X_REAL_IP="192.0.2.10").status_code == 201


def post_to(server, body):
    request = urllib.request.Request(
        f"{server.url}{URL}", json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_server_processes_count_failures_together(start_server, keys):
    environment = {"KEY_FAILURES_PER_ADDRESS": "3", "KEY_FAILURES_PER_KEY": "100"}
    first, second = start_server(**environment), start_server(**environment)

    failures = [post_to(server, {"agent_key": guess(), "user_key": guess()}) for server in (first, second, first)]
    status, headers, body = post_to(second, keys)

    assert [failure[0] for failure in failures] == [404, 404, 404]
    assert (status, body) == (429, TOO_MANY)
    assert 1 <= int(headers["Retry-After"]) <= 300
