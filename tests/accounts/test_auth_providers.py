"""/api/v1/auth_providers (public, paginated) and their affiliates (docs/api/signin.md)."""

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
    "suggestion": "perhaps you are using the wrong authentication provider",
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
    )


@pytest.fixture
def local(db):
    return AuthenticationService.objects.get(kind="local")


def local_provider_item(local):
    return {
        "id": str(local.id),
        "service_id": str(local.service_id),
        "name": "DDS local users",
        "is_deprecated": False,
        "is_default": True,
        "login_initiation_url": "",
        "base_uri": "",
        "login_response_type": "token",
    }


def call(client, method, path, data=None):
    """`method` on `path`: `data` goes as a JSON body with POST and PUT, as the query with GET."""
    if method in ("post", "put"):
        return getattr(client, method)(path, data, format="json")
    return getattr(client, method)(path, data)


def paging(response):
    return {header: response[header] for header in PAGING_HEADERS}


def test_it_has_a_default_provider_for_local_users_on_a_fresh_install(anonymous, local):
    response = anonymous.get(URL)

    assert response.status_code == 200
    assert response.json() == {"results": [local_provider_item(local)]}


def test_it_lists_providers_without_a_token(anonymous, duke, local):
    response = anonymous.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": str(duke.id),
                "service_id": str(duke.service_id),
                "name": "Duke Authentication Service",
                "is_deprecated": False,
                "is_default": False,
                "login_initiation_url": "https://oauth.example.org/authorize?response_type=token",
                "base_uri": "https://oauth.example.org",
                "login_response_type": "token",
            },
            local_provider_item(local),
        ]
    }
    assert paging(response) == {
        "X-Total": "2",
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
    assert len(response.json()["results"]) == 2


def test_it_pages_providers(anonymous, duke):
    AuthenticationService.objects.create(name="Second")

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
    assert names == {"Duke Authentication Service", "Second", "DDS local users"}


def test_it_answers_zero_pages_without_providers(anonymous, db):
    AuthenticationService.objects.all().delete()

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
    assert response.json()["id"] == str(duke.id)
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
def test_it_answers_that_an_openid_provider_has_no_directory(as_alice, alice, duke, method, path):
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


# --- the local users' directory ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [{"username": "bob"}, {"email": "bob@example.org"}, {"full_name_contains": "b bui"}],
    ids=["username", "email", "full_name_contains"],
)
def test_it_finds_local_users_in_the_local_directory(as_alice, local, bob, query):
    response = as_alice.get(f"{URL}/{local.id}/affiliates", query)

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "uid": "bob",
                "full_name": "Bob Builder",
                "first_name": "Bob",
                "last_name": "Builder",
                "email": "bob@example.org",
            }
        ]
    }
    assert response["X-Total"] == "1"


@pytest.mark.parametrize(
    "query", [{}, {"full_name_contains": "Bo"}, {"email": "nobody@example.org"}, {"email": "BOB@example.org"}]
)
def test_it_finds_no_one_without_a_filter_that_matches(as_alice, local, bob, query):
    response = as_alice.get(f"{URL}/{local.id}/affiliates", query)

    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_it_shows_one_person_of_the_local_directory(as_alice, local, bob):
    response = as_alice.get(f"{URL}/{local.id}/affiliates/bob")

    assert response.status_code == 200
    assert response.json()["uid"] == "bob"


@pytest.mark.parametrize("method, path", [("get", "/affiliates/jdoe"), ("post", "/affiliates/jdoe/dds_user")])
def test_it_names_an_unknown_person_of_the_local_directory(as_alice, local, method, path):
    response = getattr(as_alice, method)(f"{URL}/{local.id}{path}")

    assert response.status_code == 404
    assert response.json() == {
        "error": 404,
        "code": "not_provided",
        "reason": "Affiliate Not Found",
        "suggestion": "no user 'jdoe' here: an operator adds one with `manage.py create_client_config --create-user`",
    }
    assert list(User.objects.values_list("username", flat=True)) == ["alice"]


def test_it_answers_that_a_local_person_is_registered_already(as_alice, local, bob):
    response = as_alice.post(f"{URL}/{local.id}/affiliates/bob/dds_user")

    assert response.status_code == 409
    assert response.json() == {
        "error": 409,
        "code": "not_provided",
        "reason": "Affiliate already registered",
        "suggestion": "nothing else needs to be done",
    }
