"""Search is fed through the job layer's outbox: a change made while the broker is out is found once it is back,
with nobody running a command."""

import pytest

from dds.audit import Actor
from dds.jobs.models import Job
from metadata import services as metadata

from ..client import API
from ..files.conftest import stored_file
from ..jobs.test_healing import broker_refusing_us
from ..workers import wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

COUNT = 5


def found(client, text):
    response = client.post(f"{API}/search/folders_files", {"query_string": {"query": text}}, format="json")
    assert response.status_code == 201, response.content
    return sorted(item["name"] for item in response.json()["results"])


def test_what_changed_during_a_broker_outage_is_found_afterwards(as_alice, alice, project, dramatiq_mode, start_worker):
    start_worker("index_search_document")
    expected = [f"outage-{n}.csv" for n in range(COUNT)]
    with broker_refusing_us():
        made = [stored_file(project, alice, None, b"x", name) for name in expected]
        metadata.tags_append(actor=Actor(user=alice), obj=made[0], labels=["during-outage"])
        unsent = Job.objects.filter(worker="index_search_document", sent_on__isnull=True)
        assert unsent.count() == COUNT + 1
        assert found(as_alice, "outage") == []

    wait_until(lambda: found(as_alice, "outage") == expected, timeout=120)
    assert found(as_alice, "during-outage") == ["outage-0.csv"]
    states = set(Job.objects.filter(worker="index_search_document").values_list("state", flat=True))
    assert states == {Job.State.COMPLETE}
