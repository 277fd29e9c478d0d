"""/api/v1/auth_providers (public, paginated) and their affiliates (CONTRACT §3.8)."""

import pytest

from dds.accounts.models import AuthenticationService, User

URL = "/api/v1/auth_providers"
PAGING_HEADERS = ("X-Total", "X-Total-Pages", "X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page")
SOME_ID = "6e1d9c3b-4a7f-4e2d-9b8c-5f0a3e7d1c91"

NOT_FOUND = {
    "error": 404,
    "code": "not_provided",
    "reason": "AuthenticationService Not Found",
    "suggestion": "you may have mistyped the AuthenticationService id",
}
NO_DIRECTORY = {
    "error": 400,
    "code": "not_provided",
    "reason": "authentication provider does not support affilate searches",
    "suggestion": "add users in the admin or with `manage.py create_client_config --create-user`",
}
NO_TOKEN = {
    "error": 401,
    "code": "not_provided",
    "reason": "no api_token",
    "suggestion": "you might need to login through an authentication service",
}


@pytest.fixture
def duke(db):
    return AuthenticationService.objects.create(
        name="Duke Authentication Service",
        base_uri="https://oauth.example.org",
        login_initiation_url="https://oauth.example.org/authorize?response_type=token",
        is_default=True,
    )


def call(client, method, path, data=None):
    """`method` on `path`: `data` goes as a JSON body with POST and PUT, as the query with GET."""
    if method in ("post", "put"):
        return getattr(client, method)(path, data, format="json")
    return getattr(client, method)(path, data)


def paging(response):
    return {header: response[header] for header in PAGING_HEADERS}


def test_it_lists_providers_without_a_token(anonymous, duke):
    response = anonymous.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": str(duke.id),
                "service_id": str(duke.service_id),
                "name": "Duke Authentication Service",
                "is_deprecated": False,
                "is_default": True,
                "login_initiation_url": "https://oauth.example.org/authorize?response_type=token",
                "base_uri": "https://oauth.example.org",
                "login_response_type": "token",
            }
        ]
    }
    assert paging(response) == {
        "X-Total": "1",
        "X-Total-Pages": "1",
        "X-Page": "1",
        "X-Per-Page": "100",
        "X-Next-Page": "",
        "X-Prev-Page": "",
    }


def test_it_ignores_a_bad_token_on_the_public_listing(anonymous, duke):
    anonymous.credentials(HTTP_AUTHORIZATION="garbage")

    response = anonymous.get(URL + "/?%7B%7D", content_type="application/json")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_it_pages_providers(anonymous, duke):
    AuthenticationService.objects.create(name="Second")
    AuthenticationService.objects.create(name="Third", is_deprecated=True)

    first = anonymous.get(URL, {"per_page": 2})
    second = anonymous.get(URL, {"per_page": 2, "page": 2})

    assert len(first.json()["results"]) == 2
    assert paging(first) == {
        "X-Total": "3",
        "X-Total-Pages": "2",
        "X-Page": "1",
        "X-Per-Page": "2",
        "X-Next-Page": "2",
        "X-Prev-Page": "",
    }
    assert len(second.json()["results"]) == 1
    assert paging(second)["X-Prev-Page"] == "1"
    assert paging(second)["X-Next-Page"] == ""
    names = {provider["name"] for provider in first.json()["results"] + second.json()["results"]}
    assert names == {"Duke Authentication Service", "Second", "Third"}


def test_it_answers_zero_pages_without_providers(anonymous, db):
    response = anonymous.get(URL)

    assert response.status_code == 200
    assert response.json() == {"results": []}
    assert response["X-Total"] == "0"
    assert response["X-Total-Pages"] == "0"


def test_it_refuses_a_per_page_that_is_not_an_integer(anonymous, db):
    response = anonymous.get(URL, {"per_page": "abc"})

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "per_page", "message": "is invalid"}]


def test_it_shows_one_provider_without_a_token(anonymous, duke):
    response = anonymous.get(f"{URL}/{duke.id}")

    assert response.status_code == 200
    assert response.json() == anonymous.get(URL).json()["results"][0]
    for header in PAGING_HEADERS:
        assert header not in response


@pytest.mark.parametrize("provider_id", [SOME_ID, "not-a-uuid"])
def test_it_answers_404_for_an_unknown_provider(anonymous, duke, provider_id):
    response = anonymous.get(f"{URL}/{provider_id}")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# --- affiliates --------------------------------------------------------------------------------------

AFFILIATE_PATHS = [("get", "/affiliates"), ("get", "/affiliates/jdoe"), ("post", "/affiliates/jdoe/dds_user")]


@pytest.mark.parametrize("method, path", AFFILIATE_PATHS)
def test_it_requires_a_token_for_affiliates(anonymous, duke, method, path):
    response = getattr(anonymous, method)(f"{URL}/{duke.id}{path}")

    assert response.status_code == 401
    assert response.json() == NO_TOKEN


@pytest.mark.parametrize("method, path", AFFILIATE_PATHS)
def test_it_answers_that_no_provider_has_a_directory(as_alice, alice, duke, method, path):
    response = call(as_alice, method, f"{URL}/{duke.id}{path}", {"full_name_contains": "Jane"})

    assert response.status_code == 400
    assert response.json() == NO_DIRECTORY
    for header in PAGING_HEADERS:
        assert header not in response
    assert list(User.objects.values_list("username", flat=True)) == ["alice"]


@pytest.mark.parametrize("method, path", AFFILIATE_PATHS)
@pytest.mark.parametrize("provider_id", [SOME_ID, "not-a-uuid"])
def test_it_answers_404_for_the_affiliates_of_an_unknown_provider(as_alice, duke, method, path, provider_id):
    response = getattr(as_alice, method)(f"{URL}/{provider_id}{path}")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
