"""GET /api/v1/current_user: the caller's user object, with the acting agent
(docs/api/authentication.md#current-user)."""

import re
from datetime import timedelta

from dds.accounts.models import AuthenticationService, UserIdentity

URL = "/api/v1/current_user"
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def test_it_answers_the_callers_user_object(as_alice, alice):
    response = as_alice.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    audit = body.pop("audit")
    assert body == {
        "id": str(alice.id),
        "username": "alice",
        "full_name": "Alice Liddell",
        "first_name": "Alice",
        "last_name": "Liddell",
        "email": "alice@example.org",
        "auth_provider": None,
        "last_login_on": None,
        "agent": None,
        "email_notifications": True,
    }
    assert re.fullmatch(TIMESTAMP, audit.pop("created_on"))
    assert audit == {
        "created_by": None,
        "last_updated_on": None,
        "last_updated_by": None,
        "deleted_on": None,
        "deleted_by": None,
    }


def test_it_names_the_agent_of_an_agent_backed_session(as_alice_agent, alice, alice_agent):
    response = as_alice_agent.get(URL)

    assert response.status_code == 200
    assert response.json()["id"] == str(alice.id)
    assert response.json()["agent"] == {"id": str(alice_agent.id), "name": "DukeDSClient"}


def test_it_answers_the_callers_first_identity_provider(as_alice, alice):
    duke = AuthenticationService.objects.create(name="Duke Authentication Service")
    other = AuthenticationService.objects.create(name="Other")
    first = UserIdentity.objects.create(user=alice, authentication_service=duke, uid="al123")
    later = UserIdentity.objects.create(user=alice, authentication_service=other, uid="alice-elsewhere")
    UserIdentity.objects.filter(pk=later.pk).update(created_on=first.created_on + timedelta(seconds=1))

    response = as_alice.get(URL)

    assert response.json()["auth_provider"] == {"uid": "al123", "source": "Duke Authentication Service"}


def test_it_answers_another_caller_as_themselves(as_bob, bob):
    response = as_bob.get(URL)

    assert response.json()["id"] == str(bob.id)
    assert response.json()["username"] == "bob"


def test_it_ignores_dukedsclients_bogus_query_and_content_type(as_alice, alice):
    response = as_alice.get(URL + "?%7B%7D", content_type="application/json")

    assert response.status_code == 200
    assert response.json()["id"] == str(alice.id)


def test_it_accepts_a_trailing_slash(as_alice, alice):
    response = as_alice.get(URL + "/")

    assert response.status_code == 200
    assert response.json()["id"] == str(alice.id)


def test_it_sends_no_paging_headers(as_alice):
    response = as_alice.get(URL, {"page": 2, "per_page": 1})

    assert response.status_code == 200
    for header in ("X-Total", "X-Total-Pages", "X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page"):
        assert header not in response
