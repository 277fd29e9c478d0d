"""POST/GET /activities, GET/PUT/DELETE /activities/{id}: the original's activities_api.rb and activity policy."""

import uuid

import pytest

from provenance.models import Activity

from ..client import API
from ..envelopes import FORBIDDEN, NO_TOKEN, TIMESTAMP, invalid, not_found, user_preview
from .conftest import activity_of, relate


def test_it_records_an_activity_started_now_unless_told(as_alice, alice):
    response = as_alice.post(
        f"{API}/activities", {"name": "RF PI3-Kinase", "description": "a random forest"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "dds-activity" and uuid.UUID(body["id"])
    assert (body["name"], body["description"], body["ended_on"], body["is_deleted"]) == (
        "RF PI3-Kinase",
        "a random forest",
        None,
        False,
    )
    assert TIMESTAMP.match(body["started_on"])
    assert body["audit"]["created_by"] == user_preview(alice) and TIMESTAMP.match(body["audit"]["created_on"])
    assert Activity.objects.get(pk=body["id"]).created_by == alice


def test_it_takes_what_dukedsclient_sends_nulls_and_offsets_included(as_alice):
    body = {"name": "copy", "description": None, "started_on": "2024-05-01T14:03:22.512345+02:00", "ended_on": None}

    response = as_alice.post(f"{API}/activities", body, format="json")

    assert response.status_code == 201
    assert (response.json()["started_on"], response.json()["description"]) == ("2024-05-01T12:03:22.512Z", None)


def test_it_takes_a_form_body_and_a_date_alone(as_alice):
    response = as_alice.post(
        f"{API}/activities", "name=run&started_on=2024-05-01", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 201
    assert response.json()["started_on"] == "2024-05-01T00:00:00.000Z"


def test_it_records_the_agent_of_an_agent_session(client_for, alice, alice_agent):
    body = activity_of(client_for(alice, alice_agent))

    assert body["audit"]["created_by"]["agent"] == {"id": str(alice_agent.id), "name": "DukeDSClient"}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [("name", "is missing")]),
        ({"name": None}, [("name", "can't be blank")]),
        ({"name": "   "}, [("name", "can't be blank")]),
        ({"name": "x" * 256}, [("name", "is too long (maximum is 255 characters)")]),
        ({"name": "x", "started_on": "yesterday"}, [("started_on", "is invalid")]),
        ({"name": "x", "started_on": "2024-05-02", "ended_on": "2024-05-01"}, [("ended_on", "must be >= started_on")]),
    ],
)
def test_it_refuses_an_invalid_activity(as_alice, body, errors):
    response = as_alice.post(f"{API}/activities", body, format="json")

    assert (response.status_code, response.json()) == (400, invalid(*errors))
    assert not Activity.objects.exists()


def test_it_refuses_a_caller_without_a_token(anonymous):
    response = anonymous.post(f"{API}/activities", {"name": "x"}, format="json")

    assert (response.status_code, response.json()) == (401, NO_TOKEN)


def test_it_lists_the_activities_one_created_or_sees_through_a_relation_paged(
    as_alice, as_bob, bob, versions, grant, project
):
    mine = activity_of(as_alice, "mine")
    deleted = activity_of(as_alice, "deleted")
    assert as_alice.delete(f"{API}/activities/{deleted['id']}").status_code == 204
    bobs_unrelated = activity_of(as_bob, "bob's own")
    bobs_related = activity_of(as_bob, "bob's, used Alice's file")
    grant(project, bob, "project_viewer")
    relate(as_bob, "used", bobs_related, versions["in"])

    response = as_alice.get(f"{API}/activities", {"per_page": 1})
    second = as_alice.get(f"{API}/activities", {"per_page": 1, "page": 2})

    assert response.status_code == 200
    assert (response["X-Total"], response["X-Total-Pages"]) == ("2", "2")
    names = [response.json()["results"][0]["name"], second.json()["results"][0]["name"]]
    assert names == [bobs_related["name"], mine["name"]]
    assert bobs_unrelated["name"] not in names


def test_it_shows_an_activity_to_its_creator_and_to_those_who_see_a_related_file_version(
    as_alice, as_carol, carol, versions, grant, project
):
    activity = activity_of(as_alice)
    relate(as_alice, "used", activity, versions["in"])

    refused = as_carol.get(f"{API}/activities/{activity['id']}")
    grant(project, carol, "project_viewer")
    shown = as_carol.get(f"{API}/activities/{activity['id']}")

    assert (refused.status_code, refused.json()) == (403, FORBIDDEN)
    assert (shown.status_code, shown.json()) == (200, activity)


def test_it_still_shows_a_deleted_activity(as_alice):
    activity = activity_of(as_alice)
    as_alice.delete(f"{API}/activities/{activity['id']}")

    response = as_alice.get(f"{API}/activities/{activity['id']}")

    assert response.status_code == 200
    assert response.json()["is_deleted"] is True and TIMESTAMP.match(response.json()["audit"]["deleted_on"])


@pytest.mark.parametrize("method", ["get", "put", "delete"])
@pytest.mark.parametrize("id", [uuid.uuid4(), "not-a-uuid"])
def test_it_answers_404_for_an_unknown_activity(as_alice, method, id):
    response = getattr(as_alice, method)(f"{API}/activities/{id}", {}, format="json")

    assert (response.status_code, response.json()) == (404, not_found("Activity"))


def test_it_changes_what_the_creator_sends_and_clears_what_is_null(as_alice, alice):
    activity = activity_of(as_alice, description="first", started_on="2024-05-01T12:00:00Z")

    response = as_alice.put(
        f"{API}/activities/{activity['id']}",
        {"name": "renamed", "description": None, "ended_on": "2024-05-01T14:30:00Z"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["started_on"], body["ended_on"]) == (
        "renamed",
        None,
        "2024-05-01T12:00:00.000Z",
        "2024-05-01T14:30:00.000Z",
    )
    assert body["audit"]["last_updated_by"] == user_preview(alice)


def test_it_keeps_the_dates_in_order_on_update(as_alice):
    activity = activity_of(as_alice, started_on="2024-05-02T00:00:00Z")

    response = as_alice.put(f"{API}/activities/{activity['id']}", {"ended_on": "2024-05-01"}, format="json")

    assert (response.status_code, response.json()) == (400, invalid(("ended_on", "must be >= started_on")))


def test_it_lets_only_the_creator_or_a_system_admin_change_or_delete(as_alice, as_bob, as_sysadmin):
    activity = activity_of(as_alice)
    url = f"{API}/activities/{activity['id']}"

    refused = [as_bob.put(url, {"name": "mine now"}, format="json"), as_bob.delete(url)]
    changed = as_sysadmin.put(url, {"name": "by the admin"}, format="json")

    assert [(response.status_code, response.json()) for response in refused] == [(403, FORBIDDEN)] * 2
    assert changed.status_code == 200 and changed.json()["name"] == "by the admin"


def test_it_deletes_logically_once(as_alice):
    activity = activity_of(as_alice)
    url = f"{API}/activities/{activity['id']}"

    deleted = as_alice.delete(url)
    again = [as_alice.delete(url), as_alice.put(url, {"name": "x"}, format="json")]

    assert deleted.status_code == 204 and deleted.content == b""
    assert Activity.objects.get(pk=activity["id"]).is_deleted
    assert [(response.status_code, response.json()) for response in again] == [(404, not_found("Activity"))] * 2
