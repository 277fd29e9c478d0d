"""/api/v1/software_agents and /software_agents/{id}: registering the programs that act for users
(docs/api/authentication.md#software-agents)."""

import re
from urllib.parse import urlencode

import pytest

from dds.accounts import services
from dds.accounts.models import ApiKey, SoftwareAgent
from dds.audit import Actor
from projects.models import SystemPermission

URL = "/api/v1/software_agents"
FORM = "application/x-www-form-urlencoded"
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
PAGING_HEADERS = ("X-Total", "X-Total-Pages", "X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page")

FORBIDDEN = {
    "error": 403,
    "code": "not_provided",
    "reason": "Unauthorized",
    "suggestion": "request permission to access this resource",
}
NOT_FOUND = {
    "error": 404,
    "code": "not_provided",
    "reason": "SoftwareAgent Not Found",
    "suggestion": "you may have mistyped the SoftwareAgent id",
}


def call(client, method, path, data=None):
    """`method` on `path`: `data` goes as a JSON body with POST and PUT, as the query with GET."""
    if method in ("post", "put"):
        return getattr(client, method)(path, data, format="json")
    return getattr(client, method)(path, data)


def invalid(field, message):
    return {
        "error": 400,
        "code": "not_provided",
        "reason": "validation failed",
        "suggestion": "Fix the following invalid fields and resubmit",
        "errors": [{"field": field, "message": message}],
    }


def by(user, agent=None):
    """The audit actor object of `user`, acting through `agent`."""
    actor = {"id": str(user.id), "username": user.username, "full_name": user.full_name}
    if agent is not None:
        actor["agent"] = {"id": str(agent.id), "name": agent.name}
    return actor


def split_audit(body):
    """The audit without its timestamps, after checking each is ISO-8601 UTC or null."""
    audit = dict(body["audit"])
    for key in ("created_on", "last_updated_on", "deleted_on"):
        value = audit.pop(key)
        assert value is None or re.fullmatch(TIMESTAMP, value), (key, value)
    return audit


# --- GET /software_agents ---------------------------------------------------------------------------


def test_it_lists_every_live_agent(as_alice, alice, bob, alice_agent):
    bobs = services.software_agent_create(actor=Actor(user=bob), name="Bob's uploader")
    gone = services.software_agent_create(actor=Actor(user=alice), name="Retired")
    services.software_agent_delete(actor=Actor(user=alice), agent=gone)

    response = as_alice.get(URL)

    assert response.status_code == 200
    ids = sorted(agent["id"] for agent in response.json()["results"])
    assert ids == sorted([str(alice_agent.id), str(bobs.id)])


def test_it_lists_without_paging(as_alice, alice):
    for n in range(3):
        services.software_agent_create(actor=Actor(user=alice), name=f"agent {n}")

    response = as_alice.get(URL, {"page": 2, "per_page": 1})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 3
    for header in PAGING_HEADERS:
        assert header not in response


def test_it_lists_agents_in_their_full_shape(as_alice, alice, alice_agent):
    (agent,) = as_alice.get(URL).json()["results"]

    assert split_audit(agent) == {
        "created_by": by(alice),
        "last_updated_by": None,
        "deleted_by": None,
    }
    del agent["audit"]
    assert agent == {
        "id": str(alice_agent.id),
        "name": "DukeDSClient",
        "description": None,
        "repo_url": None,
        "is_deleted": False,
    }


# --- POST /software_agents --------------------------------------------------------------------------


@pytest.mark.parametrize("path", [URL, URL + "/"])
def test_it_registers_an_agent(as_alice, alice, path):
    data = {"name": "Uploader", "description": "uploads things", "repo_url": "https://example.org/uploader"}

    response = as_alice.post(path, data, format="json")

    assert response.status_code == 201
    body = response.json()
    agent = SoftwareAgent.objects.get(pk=body["id"])
    assert (agent.name, agent.description, agent.repo_url, agent.is_deleted) == (
        "Uploader",
        "uploads things",
        "https://example.org/uploader",
        False,
    )
    assert agent.created_by == alice
    assert split_audit(body) == {"created_by": by(alice), "last_updated_by": None, "deleted_by": None}
    del body["audit"]
    assert body == {"id": str(agent.id), **data, "is_deleted": False}
    assert "X-Total-Pages" not in response


def test_it_registers_an_agent_from_a_form_body(as_alice):
    response = as_alice.post(URL, urlencode({"name": "Uploader", "description": "d"}), content_type=FORM)

    assert response.status_code == 201
    assert response.json()["name"] == "Uploader"
    assert response.json()["description"] == "d"
    assert response.json()["repo_url"] is None


def test_it_creates_the_agents_key_with_it(as_alice, anonymous, alice_key):
    agent_id = as_alice.post(URL, {"name": "Uploader"}, format="json").json()["id"]

    response = as_alice.get(f"{URL}/{agent_id}/api_key")

    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response.json()["key"])
    token = anonymous.post(
        f"{URL}/api_token", {"agent_key": response.json()["key"], "user_key": alice_key}, format="json"
    )
    assert token.status_code == 201


def test_it_ignores_unknown_keys(as_alice):
    response = as_alice.post(URL, {"name": "Uploader", "hash": {"value": "x"}, "is_deleted": True}, format="json")

    assert response.status_code == 201
    assert response.json()["is_deleted"] is False


def test_it_requires_a_name(as_alice, alice_agent):
    response = as_alice.post(URL, {"description": "no name"}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid("name", "is missing")
    assert SoftwareAgent.objects.count() == 1


@pytest.mark.parametrize("name", ["", None])
def test_it_refuses_a_blank_name(as_alice, alice_agent, name):
    response = as_alice.post(URL, {"name": name}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid("name", "can't be blank")
    assert SoftwareAgent.objects.count() == 1


def test_it_refuses_a_blank_name_from_a_form_body(as_alice):
    response = as_alice.post(URL, "name=", content_type=FORM)

    assert response.status_code == 400
    assert response.json() == invalid("name", "can't be blank")


def test_it_shows_the_agent_in_the_audit_of_what_an_agent_backed_session_created(as_alice, alice, alice_agent):
    created = services.software_agent_create(actor=Actor(user=alice, agent=alice_agent), name="Helper")

    response = as_alice.get(f"{URL}/{created.id}")

    assert split_audit(response.json()) == {
        "created_by": by(alice, alice_agent),
        "last_updated_by": None,
        "deleted_by": None,
    }


# --- GET /software_agents/{id} ----------------------------------------------------------------------


def test_it_shows_any_agent_to_any_user(as_bob, alice, alice_agent):
    response = as_bob.get(f"{URL}/{alice_agent.id}")

    assert response.status_code == 200
    assert response.json()["id"] == str(alice_agent.id)
    assert response.json()["name"] == "DukeDSClient"
    assert "X-Total-Pages" not in response


def test_it_shows_a_deleted_agent(as_alice, alice, alice_agent):
    assert as_alice.delete(f"{URL}/{alice_agent.id}").status_code == 204

    response = as_alice.get(f"{URL}/{alice_agent.id}")

    assert response.status_code == 200
    assert response.json()["is_deleted"] is True
    assert split_audit(response.json()) == {"created_by": by(alice), "last_updated_by": None, "deleted_by": by(alice)}
    assert re.fullmatch(TIMESTAMP, response.json()["audit"]["deleted_on"])


def test_it_ignores_dukedsclients_bogus_query_and_content_type(as_alice, alice_agent):
    response = as_alice.get(f"{URL}/{alice_agent.id}?%7B%7D", content_type="application/json")

    assert response.status_code == 200
    assert response.json()["id"] == str(alice_agent.id)


@pytest.mark.parametrize("agent_id", ["not-a-uuid", "6e1d9c3b-4a7f-4e2d-9b8c-5f0a3e7d1c91", "1"])
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_it_answers_404_for_an_unknown_agent(as_alice, alice_agent, agent_id, method):
    response = call(as_alice, method, f"{URL}/{agent_id}", {"name": "x"} if method == "put" else None)

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# --- PUT /software_agents/{id} ----------------------------------------------------------------------


def test_it_lets_the_creator_update_an_agent(as_alice, alice, alice_agent):
    data = {"name": "DukeDSClient 4", "description": "the command line client", "repo_url": "https://example.org/d"}

    response = as_alice.put(f"{URL}/{alice_agent.id}", data, format="json")

    assert response.status_code == 200
    body = response.json()
    assert split_audit(body) == {"created_by": by(alice), "last_updated_by": by(alice), "deleted_by": None}
    assert re.fullmatch(TIMESTAMP, body["audit"]["last_updated_on"])
    del body["audit"]
    assert body == {"id": str(alice_agent.id), **data, "is_deleted": False}
    alice_agent.refresh_from_db()
    assert (alice_agent.name, alice_agent.description, alice_agent.repo_url) == tuple(data.values())


def test_it_updates_an_agent_from_a_form_body(as_alice, alice_agent):
    response = as_alice.put(f"{URL}/{alice_agent.id}/", urlencode({"description": "from a form"}), content_type=FORM)

    assert response.status_code == 200
    assert response.json()["name"] == "DukeDSClient"
    assert response.json()["description"] == "from a form"
    alice_agent.refresh_from_db()
    assert alice_agent.description == "from a form"


def test_it_refuses_to_blank_an_agents_name(as_alice, alice_agent):
    response = as_alice.put(f"{URL}/{alice_agent.id}", {"name": ""}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid("name", "can't be blank")
    alice_agent.refresh_from_db()
    assert alice_agent.name == "DukeDSClient"
    assert alice_agent.last_updated_on is None


def test_it_refuses_updates_by_another_user(as_bob, alice_agent):
    response = as_bob.put(f"{URL}/{alice_agent.id}", {"name": "Bob's now"}, format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    alice_agent.refresh_from_db()
    assert alice_agent.name == "DukeDSClient"


def test_it_lets_a_system_admin_update_anyones_agent(as_bob, bob, alice_agent):
    SystemPermission.objects.create(user=bob, auth_role_id="system_admin")

    response = as_bob.put(f"{URL}/{alice_agent.id}", {"name": "Renamed"}, format="json")

    assert response.status_code == 200
    assert response.json()["audit"]["last_updated_by"] == by(bob)


# --- DELETE /software_agents/{id} -------------------------------------------------------------------


def test_it_deletes_an_agent_logically(as_alice, alice, alice_agent):
    response = as_alice.delete(f"{URL}/{alice_agent.id}?%7B%7D", content_type="application/json")

    assert response.status_code == 204
    assert response.content == b""
    alice_agent.refresh_from_db()
    assert alice_agent.is_deleted is True
    assert alice_agent.deleted_by == alice
    assert as_alice.get(URL).json()["results"] == []


def test_it_answers_404_once_an_agent_is_deleted(as_alice, alice_agent):
    assert as_alice.delete(f"{URL}/{alice_agent.id}").status_code == 204

    for response in (
        as_alice.put(f"{URL}/{alice_agent.id}", {"name": "back"}, format="json"),
        as_alice.delete(f"{URL}/{alice_agent.id}"),
    ):
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
    alice_agent.refresh_from_db()
    assert alice_agent.name == "DukeDSClient"


def test_it_refuses_deletion_by_another_user(as_bob, alice_agent):
    response = as_bob.delete(f"{URL}/{alice_agent.id}")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    alice_agent.refresh_from_db()
    assert alice_agent.is_deleted is False


# --- agent-backed sessions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", ""),
        ("post", ""),
        ("get", "/{id}"),
        ("put", "/{id}"),
        ("delete", "/{id}"),
        ("get", "/{id}/api_key"),
        ("put", "/{id}/api_key"),
        ("delete", "/{id}/api_key"),
    ],
)
def test_it_refuses_an_agent_backed_session(as_alice_agent, alice_agent, agent_key, method, path):
    data = {"name": "Changed"} if method in ("post", "put") else None

    response = call(as_alice_agent, method, URL + path.format(id=alice_agent.id), data)

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert SoftwareAgent.objects.count() == 1
    alice_agent.refresh_from_db()
    assert (alice_agent.name, alice_agent.is_deleted) == ("DukeDSClient", False)
    assert ApiKey.objects.get(software_agent=alice_agent).key == agent_key
