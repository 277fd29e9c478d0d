"""GET /api/v1/users (filtered, paginated) and GET /api/v1/users/{id} (docs/api/authentication.md#users)."""

import pytest
from django.db import connection

from dds.accounts import services

URL = "/api/v1/users"
PAGING_HEADERS = ("X-Total", "X-Total-Pages", "X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page")

NOT_FOUND = {
    "error": 404,
    "code": "not_provided",
    "reason": "User Not Found",
    "suggestion": "you may have mistyped the User id",
}


def invalid(field):
    return {
        "error": 400,
        "code": "not_provided",
        "reason": "validation failed",
        "suggestion": "Fix the following invalid fields and resubmit",
        "errors": [{"field": field, "message": "is invalid"}],
    }


def paging(response):
    return {header: response[header] for header in PAGING_HEADERS}


def usernames(response):
    return [user["username"] for user in response.json()["results"]]


@pytest.fixture
def carol(db):
    return services.user_create(username="carol", email="carol@example.org", first_name="Carol", last_name="Alison")


@pytest.fixture
def five_users(alice, bob, carol):
    return [
        alice,
        bob,
        carol,
        services.user_create(username="dave", email="dave@example.org", first_name="Dave", last_name="Jones"),
        services.user_create(username="erin", email="erin@example.org", first_name="Erin", last_name="Smith"),
    ]


# --- paging ------------------------------------------------------------------------------------------


def test_it_answers_every_user_on_one_page_by_default(as_alice, five_users):
    response = as_alice.get(URL)

    assert response.status_code == 200
    assert sorted(usernames(response)) == ["alice", "bob", "carol", "dave", "erin"]
    assert paging(response) == {
        "X-Total": "5",
        "X-Total-Pages": "1",
        "X-Page": "1",
        "X-Per-Page": "100",
        "X-Next-Page": "",
        "X-Prev-Page": "",
    }


@pytest.mark.parametrize(
    "page, count, next_page, prev_page",
    [("1", 2, "2", ""), ("2", 2, "3", "1"), ("3", 1, "", "2")],
)
def test_it_pages_through_users(as_alice, five_users, page, count, next_page, prev_page):
    response = as_alice.get(URL, {"page": page, "per_page": 2})

    assert response.status_code == 200
    assert len(response.json()["results"]) == count
    assert paging(response) == {
        "X-Total": "5",
        "X-Total-Pages": "3",
        "X-Page": page,
        "X-Per-Page": "2",
        "X-Next-Page": next_page,
        "X-Prev-Page": prev_page,
    }


def test_it_shows_each_user_on_exactly_one_page(as_alice, five_users):
    seen = []
    for page in (1, 2, 3):
        seen += usernames(as_alice.get(URL, {"page": page, "per_page": 2}))

    assert sorted(seen) == ["alice", "bob", "carol", "dave", "erin"]


def test_it_answers_an_empty_page_past_the_end(as_alice, five_users):
    response = as_alice.get(URL, {"page": 4, "per_page": 2})

    assert response.status_code == 200
    assert response.json() == {"results": []}
    assert paging(response) == {
        "X-Total": "5",
        "X-Total-Pages": "3",
        "X-Page": "4",
        "X-Per-Page": "2",
        "X-Next-Page": "",
        "X-Prev-Page": "",
    }


def test_it_answers_an_empty_page_far_past_the_end(as_alice, five_users):
    response = as_alice.get(URL, {"page": 10**20, "per_page": 1000})

    assert response.status_code == 200
    assert response.json() == {"results": []}
    assert response["X-Total"] == "5"


def test_it_answers_zero_pages_when_nothing_matches(as_alice, five_users):
    response = as_alice.get(URL, {"username": "nobody"})

    assert response.status_code == 200
    assert response.json() == {"results": []}
    assert paging(response) == {
        "X-Total": "0",
        "X-Total-Pages": "0",
        "X-Page": "1",
        "X-Per-Page": "100",
        "X-Next-Page": "",
        "X-Prev-Page": "",
    }


def test_it_clamps_per_page_to_1000(as_alice, five_users):
    response = as_alice.get(URL, {"per_page": 5000})

    assert len(response.json()["results"]) == 5
    assert response["X-Per-Page"] == "1000"
    assert response["X-Total-Pages"] == "1"


@pytest.mark.parametrize("per_page", ["0", "-3", ""])
def test_it_uses_the_default_page_size_for_a_per_page_below_one(as_alice, five_users, per_page):
    response = as_alice.get(URL, {"per_page": per_page})

    assert response.status_code == 200
    assert response["X-Per-Page"] == "100"
    assert len(response.json()["results"]) == 5


@pytest.mark.parametrize("page", ["-1", "0"])
def test_it_treats_a_page_below_one_as_the_first(as_alice, five_users, page):
    response = as_alice.get(URL, {"page": page, "per_page": 2})

    assert response.status_code == 200
    assert response["X-Page"] == "1"
    assert response["X-Prev-Page"] == ""
    assert response["X-Next-Page"] == "2"
    assert usernames(response) == usernames(as_alice.get(URL, {"page": 1, "per_page": 2}))


@pytest.mark.parametrize("field", ["per_page", "page"])
@pytest.mark.parametrize("value", ["abc", "1.5", "2x"])
def test_it_refuses_a_page_parameter_that_is_not_an_integer(as_alice, field, value):
    response = as_alice.get(URL, {field: value})

    assert response.status_code == 400
    assert response.json() == invalid(field)
    for header in PAGING_HEADERS:
        assert header not in response


# --- filters -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"full_name_contains": "ICE LID"}, ["alice"]),
        ({"full_name_contains": "ali"}, ["alice", "carol"]),
        ({"full_name_contains": ""}, ["alice", "bob", "carol", "dave", "erin"]),
        ({"first_name_begins_with": "ALI"}, ["alice"]),
        ({"first_name_begins_with": "lice"}, []),
        ({"last_name_begins_with": "ali"}, ["carol"]),
        ({"last_name_begins_with": "LID"}, ["alice"]),
        ({"last_name_begins_with": "dell"}, []),
        ({"username": "alice"}, ["alice"]),
        ({"username": "ali"}, []),
        ({"username": "ALICE"}, []),
        ({"email": "bob@example.org"}, ["bob"]),
        ({"email": "bob@example"}, []),
        ({"email": "BOB@example.org"}, []),
        ({"full_name_contains": "ali", "username": "carol"}, ["carol"]),
        ({"first_name_begins_with": "a", "last_name_begins_with": "a"}, []),
        ({"first_name_begins_with": "c", "last_name_begins_with": "a"}, ["carol"]),
    ],
)
def test_it_filters_users(as_alice, five_users, filters, expected):
    response = as_alice.get(URL, filters)

    assert response.status_code == 200
    assert sorted(usernames(response)) == expected
    assert response["X-Total"] == str(len(expected))


def test_it_ignores_unknown_query_parameters(as_alice, five_users):
    response = as_alice.get(URL + "?%7B%7D&kind=dds-user", content_type="application/json")

    assert response.status_code == 200
    assert response["X-Total"] == "5"


def test_it_answers_a_username_with_a_nul_without_a_500(as_alice, five_users):
    response = as_alice.get(URL, {"username": "alice\x00"})

    if connection.vendor == "postgresql":  # PostgreSQL cannot compare text holding a NUL
        assert response.status_code == 400
        assert response.json()["reason"] == "invalid value"
    else:
        assert response.status_code == 200
        assert response.json() == {"results": []}


def test_it_answers_users_in_their_full_shape(as_alice, alice):
    (user,) = as_alice.get(URL, {"username": "alice"}).json()["results"]

    assert set(user) == {
        "id",
        "username",
        "full_name",
        "first_name",
        "last_name",
        "email",
        "auth_provider",
        "last_login_on",
        "audit",
        "agent",
    }
    assert user["id"] == str(alice.id)
    assert user["full_name"] == "Alice Liddell"
    assert user["agent"] is None


# --- GET /users/{id} ---------------------------------------------------------------------------------


def test_it_answers_one_user(as_alice, alice, bob):
    response = as_alice.get(f"{URL}/{bob.id}")

    assert response.status_code == 200
    assert response.json() == as_alice.get(URL, {"username": "bob"}).json()["results"][0]
    assert response.json()["username"] == "bob"
    assert response.json()["email"] == "bob@example.org"
    for header in PAGING_HEADERS:
        assert header not in response


def test_it_answers_a_null_agent_even_to_an_agent_backed_session(as_alice_agent, bob):
    response = as_alice_agent.get(f"{URL}/{bob.id}/?%7B%7D")

    assert response.status_code == 200
    assert response.json()["agent"] is None


@pytest.mark.parametrize("user_id", ["2c7f3e0a-1b9d-4f6e-8a5c-7d3b1e9f0a81", "not-a-uuid", "alice", "1"])
def test_it_answers_404_for_an_unknown_user(as_alice, user_id):
    response = as_alice.get(f"{URL}/{user_id}")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
