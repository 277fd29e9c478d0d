"""What happens without a job enters the message log too: each transfer offered and each status change, with the
user who did it, in either adapter mode, and only once its transaction has committed."""

from datetime import timedelta

import dramatiq
import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dds.audit import Actor
from messagelog.models import LoggedMessage, PendingMessage
from projects.transfers.services import project_transfer_create

from ..workers import wait_until
from .conftest import committed
from .test_index_messages import index_messages


def events():
    return [row.entry for row in PendingMessage.objects.order_by("id") if row.entry["queue"] == "events"]


def offer(client, project, user, request_id):
    response = client.post(
        f"/api/v1/projects/{project.id}/transfers",
        {"to_users": [{"id": str(user.id)}]},
        format="json",
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def close(client, transfer_id, action, request_id):
    response = client.put(
        f"/api/v1/project_transfers/{transfer_id}/{action}", {}, format="json", HTTP_X_REQUEST_ID=request_id
    )
    assert response.status_code == 200, response.content


# --- inline mode ---------------------------------------------------------------------------------------------


def test_inline_an_offer_leaves_one_entry_naming_what_who_and_which_request(as_alice, alice, bob, project):
    transfer_id = offer(as_alice, project, bob, "offer-1")

    (entry,) = events()
    assert entry == {
        "message_id": entry["message_id"],
        "queue": "events",
        "actor": "project_transfer_created",
        "args": [transfer_id, str(project.id), "pending"],
        "resource_id": transfer_id,
        "enqueued_on": entry["enqueued_on"],
        "request_id": "offer-1",
        "user_id": str(alice.id),
    }
    enqueued_on = parse_datetime(entry["enqueued_on"])
    assert enqueued_on.utcoffset() == timedelta(0)
    assert abs(enqueued_on - timezone.now()) < timedelta(seconds=30)
    assert PendingMessage.objects.get(message_id=entry["message_id"]).entry == entry


@pytest.mark.parametrize(
    ("action", "who", "event", "status"),
    [
        ("accept", "bob", "project_transfer_accepted", "accepted"),
        ("reject", "bob", "project_transfer_rejected", "rejected"),
        ("cancel", "alice", "project_transfer_canceled", "canceled"),
    ],
)
def test_inline_each_status_change_leaves_an_entry_naming_who_changed_it(
    as_alice, as_bob, alice, bob, project, action, who, event, status
):
    transfer_id = offer(as_alice, project, bob, "offer")

    close({"alice": as_alice, "bob": as_bob}[who], transfer_id, action, "close")

    created, changed = events()
    assert created["actor"] == "project_transfer_created"
    assert (changed["actor"], changed["args"], changed["resource_id"]) == (
        event,
        [transfer_id, str(project.id), status],
        transfer_id,
    )
    assert (changed["request_id"], changed["user_id"]) == ("close", str({"alice": alice, "bob": bob}[who].id))


def test_inline_the_system_cancel_of_a_deleted_projects_transfer_names_who_deleted_it(as_alice, alice, bob, project):
    transfer_id = offer(as_alice, project, bob, "offer")

    assert as_alice.delete(f"/api/v1/projects/{project.id}", HTTP_X_REQUEST_ID="delete").status_code == 204

    canceled = events()[-1]
    assert canceled["actor"] == "project_transfer_canceled_by_system"
    assert canceled["args"] == [transfer_id, str(project.id), "canceled"]
    assert (canceled["request_id"], canceled["user_id"]) == ("delete", str(alice.id))


def test_inline_a_refused_change_leaves_no_entry(as_alice, as_bob, alice, bob, project):
    transfer_id = offer(as_alice, project, bob, "offer")
    close(as_bob, transfer_id, "reject", "reject")

    assert as_bob.put(f"/api/v1/project_transfers/{transfer_id}/accept", {}, format="json").status_code == 400
    assert as_alice.post(
        f"/api/v1/projects/{project.id}/transfers", {"to_users": [{"id": "nobody"}]}, format="json"
    ).status_code == 400  # fmt: skip

    assert [entry["actor"] for entry in events()] == ["project_transfer_created", "project_transfer_rejected"]


@committed
def test_inline_a_rolled_back_transaction_leaves_no_entry(alice, bob, project):
    with pytest.raises(RuntimeError), transaction.atomic():
        project_transfer_create(actor=Actor(user=alice), project=project, to_user_ids=[bob.id])
        assert len(events()) == 1
        raise RuntimeError("roll back")

    assert events() == []


def test_inline_index_messages_indexes_the_events_beside_the_jobs(as_alice, alice, bob, project):
    transfer_id = offer(as_alice, project, bob, "offer")

    index_messages("--duration", "1")

    row = LoggedMessage.objects.get(queue="events")
    assert (row.actor, row.resource_id, row.user, row.request_id) == (
        "project_transfer_created",
        transfer_id,
        alice,
        "offer",
    )
    assert PendingMessage.objects.count() == 0


# --- dramatiq mode ---------------------------------------------------------------------------------------------


def queued_events(message_log):
    return [entry for entry in message_log.peek() if entry["queue"] == "events"]


@committed
def test_dramatiq_an_offer_is_published_once_its_transaction_committed(message_log, alice, bob, project):
    with transaction.atomic():
        transfer = project_transfer_create(actor=Actor(user=alice), project=project, to_user_ids=[bob.id])
        assert queued_events(message_log) == []

    wait_until(lambda: len(queued_events(message_log)) == 1)
    (entry,) = queued_events(message_log)
    assert (entry["actor"], entry["resource_id"], entry["user_id"]) == (
        "project_transfer_created",
        str(transfer.id),
        str(alice.id),
    )
    assert PendingMessage.objects.filter(entry__queue="events").count() == 0


@committed
def test_dramatiq_a_rolled_back_transaction_publishes_nothing(message_log, alice, bob, project):
    with pytest.raises(RuntimeError), transaction.atomic():
        project_transfer_create(actor=Actor(user=alice), project=project, to_user_ids=[bob.id])
        raise RuntimeError("roll back")

    assert queued_events(message_log) == []


@committed
def test_dramatiq_an_entry_is_published_on_a_fresh_connection_when_the_old_one_was_closed(
    message_log, alice, bob, project
):
    broker = dramatiq.get_broker()
    broker.channel.basic_qos()  # the thread's connection and channel exist…
    broker.connection.close()  # …and the server has closed them

    with transaction.atomic():
        project_transfer_create(actor=Actor(user=alice), project=project, to_user_ids=[bob.id])

    wait_until(lambda: len(queued_events(message_log)) == 1)
