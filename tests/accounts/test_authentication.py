"""The api_token in the Authorization header, and every way it can fail
(docs/api/authentication.md#the-authorization-header)."""

import time
import uuid

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from dds.authentication import api_token_encode

URL = "/api/v1/current_user"

NO_TOKEN = {
    "error": 401,
    "code": "not_provided",
    "reason": "no api_token",
    "suggestion": "you might need to login through an authentication service",
}
INVALID = {
    "error": 401,
    "code": "not_provided",
    "reason": "invalid api_token",
    "suggestion": "token not properly signed",
}
EXPIRED = {
    "error": 401,
    "code": "not_provided",
    "reason": "expired api_token",
    "suggestion": "you need to login with your authentication service",
}


def get_with(token):
    return APIClient().get(URL, HTTP_AUTHORIZATION=token)


def signed(claims, secret=None):
    return jwt.encode(claims, secret or settings.SECRET_KEY, algorithm="HS256")


def call(client, method, path, data=None):
    """`method` on `path`: `data` goes as a JSON body with POST and PUT, as the query with GET."""
    if method in ("post", "put"):
        return getattr(client, method)(path, data, format="json")
    return getattr(client, method)(path, data)


def assert_refused(response, envelope):
    assert response.status_code == 401
    assert response.json() == envelope
    assert "WWW-Authenticate" in response


def test_it_accepts_the_raw_token(alice):
    response = get_with(api_token_encode(user=alice)["api_token"])

    assert response.status_code == 200
    assert response.json()["id"] == str(alice.id)


def test_it_refuses_a_request_without_a_token(anonymous, db):
    assert_refused(anonymous.get(URL), NO_TOKEN)


def test_it_refuses_an_empty_authorization_header(db):
    assert_refused(get_with(""), NO_TOKEN)


def test_it_refuses_a_bearer_token(alice):
    token = api_token_encode(user=alice)["api_token"]

    assert_refused(get_with(f"Bearer {token}"), INVALID)


def test_it_refuses_a_token_with_a_tampered_signature(alice):
    header, payload, signature = api_token_encode(user=alice)["api_token"].split(".")
    tampered = ("B" if signature[0] == "A" else "A") + signature[1:]

    assert_refused(get_with(f"{header}.{payload}.{tampered}"), INVALID)


def test_it_refuses_a_token_whose_claims_were_swapped(alice, bob):
    header, _, signature = api_token_encode(user=alice)["api_token"].split(".")
    _, bobs_payload, _ = api_token_encode(user=bob)["api_token"].split(".")

    assert_refused(get_with(f"{header}.{bobs_payload}.{signature}"), INVALID)


def test_it_refuses_a_token_signed_with_another_secret(alice):
    token = signed({"id": str(alice.id), "exp": int(time.time()) + 60}, secret="not-our-secret-" * 3)

    assert_refused(get_with(token), INVALID)


def test_it_refuses_an_expired_token(alice):
    token = signed({"id": str(alice.id), "exp": int(time.time()) - 10})

    assert_refused(get_with(token), EXPIRED)


def test_it_refuses_a_token_without_expiry(alice):
    assert_refused(get_with(signed({"id": str(alice.id)})), INVALID)


def test_it_refuses_a_token_without_a_user(db):
    assert_refused(get_with(signed({"exp": int(time.time()) + 60})), INVALID)


def test_it_refuses_a_token_whose_user_id_is_not_a_uuid(alice):
    assert_refused(get_with(signed({"id": "alice", "exp": int(time.time()) + 60})), INVALID)


def test_it_refuses_a_token_of_an_unknown_user(db):
    assert_refused(get_with(signed({"id": str(uuid.uuid4()), "exp": int(time.time()) + 60})), INVALID)


def test_it_refuses_a_token_of_a_deactivated_user(alice):
    token = api_token_encode(user=alice)["api_token"]
    alice.is_active = False
    alice.save()

    assert_refused(get_with(token), INVALID)


def test_it_refuses_a_token_of_a_removed_user(alice):
    token = api_token_encode(user=alice)["api_token"]
    alice.delete()

    assert_refused(get_with(token), INVALID)


def test_it_refuses_a_token_minted_for_an_agent_deleted_since(as_alice, alice, alice_agent):
    token = api_token_encode(user=alice, agent=alice_agent)["api_token"]
    assert get_with(token).status_code == 200

    assert as_alice.delete(f"/api/v1/software_agents/{alice_agent.id}").status_code == 204

    assert_refused(get_with(token), INVALID)


def test_it_refuses_a_token_minted_for_an_agent_removed_since(alice, alice_agent):
    token = api_token_encode(user=alice, agent=alice_agent)["api_token"]
    alice_agent.delete()

    assert_refused(get_with(token), INVALID)


def test_it_refuses_a_token_whose_agent_id_is_not_a_uuid(alice):
    token = signed({"id": str(alice.id), "software_agent_id": "x", "exp": int(time.time()) + 60})

    assert_refused(get_with(token), INVALID)


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "....", "\u00e9t\u00e9"])
def test_it_refuses_a_garbage_token(db, token):
    assert_refused(get_with(token), INVALID)


def test_it_refuses_an_unsigned_token(alice):
    token = jwt.encode({"id": str(alice.id), "exp": int(time.time()) + 60}, None, algorithm="none")

    assert_refused(get_with(token), INVALID)


SOME_ID = "6e1d9c3b-4a7f-4e2d-9b8c-5f0a3e7d1c91"


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/current_user"),
        ("get", "/api/v1/current_user/api_key"),
        ("put", "/api/v1/current_user/api_key"),
        ("delete", "/api/v1/current_user/api_key"),
        ("get", "/api/v1/software_agents"),
        ("post", "/api/v1/software_agents"),
        ("get", f"/api/v1/software_agents/{SOME_ID}"),
        ("put", f"/api/v1/software_agents/{SOME_ID}"),
        ("delete", f"/api/v1/software_agents/{SOME_ID}"),
        ("get", f"/api/v1/software_agents/{SOME_ID}/api_key"),
        ("put", f"/api/v1/software_agents/{SOME_ID}/api_key"),
        ("delete", f"/api/v1/software_agents/{SOME_ID}/api_key"),
        ("get", "/api/v1/users"),
        ("get", f"/api/v1/users/{SOME_ID}"),
        ("get", f"/api/v1/auth_providers/{SOME_ID}/affiliates"),
        ("get", f"/api/v1/auth_providers/{SOME_ID}/affiliates/jdoe"),
        ("post", f"/api/v1/auth_providers/{SOME_ID}/affiliates/jdoe/dds_user"),
    ],
)
def test_it_requires_a_token_on_every_authenticated_endpoint(anonymous, db, method, path):
    response = call(anonymous, method, path, {"name": "x"} if method in ("post", "put") else None)

    assert_refused(response, NO_TOKEN)
