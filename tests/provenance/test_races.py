"""Two requests recording relations on the same activity and file version at once: the activity's row lock makes the
second wait for the first's commit, so exactly one of each conflicting pair is recorded."""

import threading

import pytest
from django.db import connections

from provenance.models import Relation

from ..client import API
from .conftest import activity_of


def _at_once(requests):
    """Send each `(client, path, body)` from its own thread (and database connection), all released together."""
    barrier = threading.Barrier(len(requests))
    statuses = [None] * len(requests)

    def send(index, client, path, body):
        try:
            barrier.wait()
            statuses[index] = client.post(f"{API}{path}", body, format="json").status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def _body(activity, version):
    return {"activity": {"id": activity["id"]}, "entity": {"kind": "dds-file-version", "id": str(version.id)}}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.postgresql("the in-memory SQLite test database locks whole tables without waiting; tests/test_embedded.py")
@pytest.mark.parametrize(
    "paths",
    [
        ("/relations/used", "/relations/used"),
        ("/relations/was_generated_by", "/relations/was_generated_by"),
        ("/relations/used", "/relations/was_generated_by"),
    ],
)
def test_it_records_one_of_two_conflicting_relations_sent_at_once(client_for, alice, versions, paths):
    activity = activity_of(client_for(alice))
    body = _body(activity, versions["in"])

    statuses = _at_once([(client_for(alice), path, body) for path in paths])

    assert statuses == [201, 400]
    assert Relation.objects.count() == 1
