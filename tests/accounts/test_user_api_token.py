"""GET /api/v1/user/api_token: login through an identity provider, not enabled here (CONTRACT §3.4, decision 6)."""

import pytest

URL = "/api/v1/user/api_token"

NO_ACCESS_TOKEN = {
    "error": 400,
    "code": "not_provided",
    "reason": "no access_token",
    "suggestion": "you might need to login through an authentication service",
}
INVALID_ACCESS_TOKEN = {
    "error": 401,
    "code": "not_provided",
    "reason": "invalid access_token",
    "suggestion": "token not properly signed",
}


@pytest.mark.parametrize("query", [{}, {"access_token": ""}, {"authentication_service_id": "x"}])
def test_it_requires_an_access_token(anonymous, db, query):
    response = anonymous.get(URL, query)

    assert response.status_code == 400
    assert response.json() == NO_ACCESS_TOKEN


@pytest.mark.parametrize("path", [URL, URL + "/"])
def test_it_refuses_every_access_token(anonymous, db, path):
    response = anonymous.get(path, {"access_token": "eyJhbGciOiJIUzI1NiJ9.e30.sig"})

    assert response.status_code == 401
    assert response.json() == INVALID_ACCESS_TOKEN


def test_it_refuses_an_access_token_for_a_named_service(anonymous, db):
    response = anonymous.get(URL, {"access_token": "abc", "authentication_service_id": "6e1d9c3b"})

    assert response.status_code == 401
    assert response.json() == INVALID_ACCESS_TOKEN


def test_it_needs_no_api_token(anonymous, db):
    anonymous.credentials(HTTP_AUTHORIZATION="garbage")

    response = anonymous.get(URL, {"access_token": "abc"})

    assert response.status_code == 401
    assert response.json() == INVALID_ACCESS_TOKEN
