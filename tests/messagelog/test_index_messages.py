"""`manage.py index_messages`: the message log drained into its index in bulk, each entry once, none lost.

Inline mode drains the PendingMessage table, dramatiq mode the `message_log` queue on the real RabbitMQ; the index is
the LoggedMessage table, or Elasticsearch (the double of tests/elasticsearch_double.py) when ELASTICSEARCH_URL is set.
"""

import io
import os
import re
import signal
import socket
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils.dateparse import parse_datetime

from dds.jobs.models import Job
from messagelog.indexing import QueueMessage
from messagelog.models import LoggedMessage, PendingMessage

from ..client import chunk_body, md5
from ..workers import ROOT, wait_until
from .conftest import committed, job_ids

INDEX = "queue_messages"
MAPPING = {
    "properties": {
        "message_id": {"type": "keyword"},
        "queue": {"type": "keyword"},
        "actor": {"type": "keyword"},
        "args": {"type": "keyword"},
        "resource_id": {"type": "keyword"},
        "enqueued_on": {"type": "date"},
        "request_id": {"type": "keyword"},
        "user_id": {"type": "keyword"},
    }
}
PROGRESS = re.compile(r"^indexed (\d+) \(\d+/s\), queue depth (\d+)$")
SUMMARY = re.compile(r"^done: indexed (\d+) messages in (\d+\.\d) s \(\d+/s\), queue depth (\d+)$")


def assert_summary(line, *, indexed, duration, depth):
    """The summary line: what was indexed, over at least the --duration asked for, and what is left."""
    match = SUMMARY.match(line)
    assert match, line
    assert int(match.group(1)) == indexed
    assert duration <= float(match.group(2)) < duration + 2
    assert int(match.group(3)) == depth


def index_messages(*args):
    """Run the command in this process; its standard output."""
    out = io.StringIO()
    call_command("index_messages", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def pending_entries():
    return {str(row.message_id): row.entry for row in PendingMessage.objects.all()}


def bulk_ids(double):
    return [doc_id for request in double.bulk_requests() for doc_id in request.bulk_ids()]


def closed_port_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def assert_logged(entries, *, user):
    """The LoggedMessage table holds exactly `entries` (by message id), each as captured."""
    rows = {str(row.message_id): row for row in LoggedMessage.objects.all()}
    assert set(rows) == set(entries)
    for message_id, entry in entries.items():
        row = rows[message_id]
        assert (row.queue, row.actor, row.args, row.resource_id, row.request_id) == (
            entry["queue"],
            entry["actor"],
            entry["args"],
            entry["resource_id"],
            entry["request_id"],
        )
        assert row.enqueued_on == parse_datetime(entry["enqueued_on"])
        assert row.user == user


# --- inline mode, database index ---------------------------------------------------------------------------------


def test_inline_it_indexes_each_pending_entry_once(client_for, alice, create_projects):
    create_projects(client_for(alice), 4)
    entries = pending_entries()
    assert set(entries) == job_ids() and len(entries) == 4

    index_messages("--duration", "1")

    assert LoggedMessage.objects.count() == 4
    assert PendingMessage.objects.count() == 0
    assert_logged(entries, user=alice)
    assert {row.request_id for row in LoggedMessage.objects.all()} == {f"req-{number}" for number in range(4)}

    index_messages("--duration", "1")
    assert LoggedMessage.objects.count() == 4


def test_inline_it_indexes_new_entries_of_a_later_run_beside_the_earlier_ones(client_for, alice, create_projects):
    as_alice = client_for(alice)
    create_projects(as_alice, 2, request_prefix="first")
    index_messages("--duration", "1", "--batch-size", "1")
    create_projects(as_alice, 3, request_prefix="second")

    index_messages("--duration", "1", "--batch-size", "2")

    assert LoggedMessage.objects.count() == 5
    assert {str(message_id) for message_id in LoggedMessage.objects.values_list("message_id", flat=True)} == job_ids()
    assert PendingMessage.objects.count() == 0


@pytest.mark.parametrize("args", [("--batch-size", "0"), ("--duration", "0")])
def test_it_refuses_a_batch_size_or_duration_below_one(args, client_for, alice, create_projects):
    create_projects(client_for(alice), 1)
    with pytest.raises(CommandError, match="at least 1"):
        index_messages(*args)
    assert PendingMessage.objects.count() == 1


@pytest.mark.parametrize("every", ["0", "-1", "nan"])
def test_it_refuses_a_progress_interval_that_is_not_positive(every, client_for, alice, create_projects):
    create_projects(client_for(alice), 1)
    with pytest.raises(CommandError, match="--progress-every must be more than 0"):
        index_messages("--duration", "1", "--progress-every", every)
    assert PendingMessage.objects.count() == 1


@committed
def test_inline_it_indexes_an_entry_whose_user_was_deleted_since(client_for, alice, create_projects):
    # Committed: the database checks the user reference when the batch commits, as in production.
    create_projects(client_for(alice), 2)
    entries = pending_entries()
    alice.delete()

    index_messages("--duration", "1")

    assert set(map(str, LoggedMessage.objects.values_list("message_id", flat=True))) == set(entries)
    assert LoggedMessage.objects.filter(user__isnull=True).count() == 2
    assert PendingMessage.objects.count() == 0


# --- output ------------------------------------------------------------------------------------------------------


def test_it_prints_progress_at_the_interval_and_a_summary(client_for, alice, create_projects):
    create_projects(client_for(alice), 3)

    lines = index_messages("--duration", "3", "--progress-every", "0.5").splitlines()

    progress = [PROGRESS.match(line) for line in lines[:-1]]
    assert all(progress), lines
    assert 4 <= len(progress) <= 6, lines  # every half second of three
    assert all(match[1] == "3" and match[2] == "0" for match in progress)
    assert_summary(lines[-1], indexed=3, duration=3, depth=0)


def test_it_prints_nothing_at_verbosity_0(client_for, alice, create_projects):
    create_projects(client_for(alice), 2)

    assert index_messages("--duration", "1", "--progress-every", "0.2", "--verbosity", "0") == ""
    assert LoggedMessage.objects.count() == 2


def test_it_prints_only_the_summary_when_the_interval_is_longer_than_the_run(client_for, alice, create_projects):
    create_projects(client_for(alice), 1)
    (line,) = index_messages("--duration", "1").splitlines()
    assert_summary(line, indexed=1, duration=1, depth=0)


# --- inline mode, Elasticsearch ----------------------------------------------------------------------------------


def test_inline_it_creates_the_index_with_its_mapping_and_bulk_indexes_by_message_id(
    use_elasticsearch, client_for, alice, create_projects
):
    double = use_elasticsearch
    create_projects(client_for(alice), 3)
    entries = pending_entries()

    index_messages("--duration", "1")

    (created,) = double.recorded("PUT", f"/{INDEX}")
    assert created.json() == {"mappings": MAPPING}
    assert created.json() == {"mappings": QueueMessage._doc_type.mapping.to_dict()}
    assert double.indices[INDEX].mappings == MAPPING
    (bulk,) = double.bulk_requests()
    assert bulk.headers["content-type"] == "application/vnd.elasticsearch+x-ndjson; compatible-with=8"
    assert bulk.headers["accept"] == "application/vnd.elasticsearch+json; compatible-with=8"
    lines = bulk.ndjson()
    assert len(lines) == 6
    actions, sources = lines[0::2], lines[1::2]
    assert actions == [{"index": {"_index": INDEX, "_id": source["message_id"]}} for source in sources]
    assert {source["message_id"]: source for source in sources} == entries
    assert double.documents(INDEX) == entries
    assert PendingMessage.objects.count() == 0
    assert LoggedMessage.objects.count() == 0  # Elasticsearch is the index: nothing in the database one

    # The index exists now: a later run does not create it again, and re-indexing overwrites by id.
    create_projects(client_for(alice), 1, request_prefix="later")
    index_messages("--duration", "1")
    assert len(double.recorded("PUT", f"/{INDEX}")) == 1
    assert [request.method for request in double.recorded(path=f"/{INDEX}")] == ["HEAD", "HEAD", "PUT", "HEAD"]
    assert set(double.documents(INDEX)) == job_ids() and len(job_ids()) == 4


def test_inline_every_answer_passes_the_clients_product_check(use_elasticsearch, client_for, alice, create_projects):
    from elasticsearch import Elasticsearch

    create_projects(client_for(alice), 1)
    index_messages("--duration", "1")
    client = Elasticsearch(use_elasticsearch.url)
    assert client.info()["version"]["number"].startswith("8.")
    assert client.count(index=INDEX)["count"] == 1
    assert client.get(index=INDEX, id=str(Job.objects.get().id))["_source"]["actor"] == "initialize_project_storage"


def test_inline_it_refuses_a_server_that_is_not_elasticsearch(use_elasticsearch, client_for, alice, create_projects):
    use_elasticsearch.product = None  # a 2xx answer without X-Elastic-Product: the official client refuses it
    create_projects(client_for(alice), 2)

    with pytest.raises(CommandError, match="Elasticsearch.*not Elasticsearch"):
        index_messages("--duration", "1")
    assert PendingMessage.objects.count() == 2


def test_inline_a_failing_bulk_stops_the_run_and_leaves_the_rest_pending(
    use_elasticsearch, client_for, alice, create_projects
):
    double = use_elasticsearch
    create_projects(client_for(alice), 20)
    order = list(PendingMessage.objects.values_list("message_id", flat=True))
    double.fail_bulk(2)

    with pytest.raises(CommandError, match="indexing stopped, the batch stays queued: Elasticsearch"):
        index_messages("--duration", "5", "--batch-size", "5")

    assert set(double.documents(INDEX)) == {str(message_id) for message_id in order[:5]}
    assert list(PendingMessage.objects.values_list("message_id", flat=True)) == order[5:]

    index_messages("--duration", "1", "--batch-size", "5")
    assert set(double.documents(INDEX)) == job_ids() and len(job_ids()) == 20
    assert PendingMessage.objects.count() == 0


def test_inline_an_entry_refused_by_elasticsearch_keeps_its_batch_pending(
    use_elasticsearch, client_for, alice, create_projects
):
    double = use_elasticsearch
    create_projects(client_for(alice), 10)
    order = [str(message_id) for message_id in PendingMessage.objects.values_list("message_id", flat=True)]
    double.reject_ids = {order[7]}

    with pytest.raises(CommandError, match="1 entries refused"):
        index_messages("--duration", "5", "--batch-size", "5")

    assert set(double.documents(INDEX)) == set(order) - {order[7]}  # the others of the bulk were indexed
    assert [str(message_id) for message_id in PendingMessage.objects.values_list("message_id", flat=True)] == order[5:]

    double.reject_ids = set()
    index_messages("--duration", "1", "--batch-size", "5")
    assert set(double.documents(INDEX)) == set(order)
    versions = double.versions(INDEX)
    assert {doc_id for doc_id, version in versions.items() if version == 2} == set(order[5:]) - {order[7]}
    assert PendingMessage.objects.count() == 0


def test_inline_elasticsearch_down_fails_naming_it_and_keeps_every_entry(settings, client_for, alice, create_projects):
    settings.ELASTICSEARCH_URL = closed_port_url()
    create_projects(client_for(alice), 3)

    with pytest.raises(CommandError, match=f"Elasticsearch at {settings.ELASTICSEARCH_URL}"):
        index_messages("--duration", "1")
    assert PendingMessage.objects.count() == 3


# --- dramatiq mode: the `message_log` queue on RabbitMQ ----------------------------------------------------------


@committed
def test_dramatiq_it_indexes_each_queued_entry_once_into_the_database(message_log, client_for, alice, create_projects):
    create_projects(client_for(alice), 6)
    wait_until(lambda: message_log.depth() == 6)
    entries = {entry["message_id"]: entry for entry in message_log.peek()}

    output = index_messages("--duration", "2", "--batch-size", "4")

    assert_summary(output.splitlines()[-1], indexed=6, duration=2, depth=0)
    assert LoggedMessage.objects.count() == 6
    assert_logged(entries, user=alice)
    assert message_log.depth() == 0

    index_messages("--duration", "2", "--batch-size", "4")
    assert LoggedMessage.objects.count() == 6
    assert message_log.depth() == 0


@committed
def test_dramatiq_an_entry_delivered_twice_in_one_batch_is_indexed_once(
    message_log, client_for, alice, create_projects
):
    # Delivery is at least once: the same entry may arrive twice (a publisher retrying, a redelivery).
    create_projects(client_for(alice), 3)
    wait_until(lambda: message_log.depth() == 3)
    entries = message_log.peek()
    message_log.publish(entries[0])
    wait_until(lambda: message_log.depth() == 4)

    index_messages("--duration", "2", "--batch-size", "10")

    assert LoggedMessage.objects.count() == 3
    assert set(map(str, LoggedMessage.objects.values_list("message_id", flat=True))) == job_ids()
    assert message_log.depth() == 0


@committed
def test_dramatiq_it_bulk_indexes_queued_entries_into_elasticsearch(
    message_log, use_elasticsearch, client_for, alice, create_projects
):
    double = use_elasticsearch
    create_projects(client_for(alice), 7)
    wait_until(lambda: message_log.depth() == 7)

    index_messages("--duration", "2", "--batch-size", "3")

    assert double.recorded("PUT", f"/{INDEX}")[0].json() == {"mappings": MAPPING}
    assert sorted(bulk_ids(double)) == sorted(job_ids())
    assert [len(request.bulk_ids()) for request in double.bulk_requests()] == [3, 3, 1]
    assert set(double.documents(INDEX)) == job_ids()
    assert message_log.depth() == 0
    assert LoggedMessage.objects.count() == 0


@committed
def test_dramatiq_a_failing_bulk_exits_non_zero_and_loses_nothing(
    message_log, use_elasticsearch, client_for, alice, create_projects
):
    double = use_elasticsearch
    create_projects(client_for(alice), 20)
    wait_until(lambda: message_log.depth() == 20)
    double.fail_bulk(2)

    with pytest.raises(CommandError, match="Elasticsearch"):
        index_messages("--duration", "10", "--batch-size", "5")

    first, failed = double.bulk_requests()[:2]
    assert len(double.bulk_requests()) == 2  # it stopped at the failure
    assert set(double.documents(INDEX)) == set(first.bulk_ids())
    assert len(first.bulk_ids()) == len(failed.bulk_ids()) == 5
    wait_until(lambda: message_log.depth() == 15)  # the failed batch (and what was prefetched) is queued again

    index_messages("--duration", "2", "--batch-size", "5")

    assert set(double.documents(INDEX)) == job_ids() and len(job_ids()) == 20
    assert set(failed.bulk_ids()) <= set(bulk_ids(double)[10:])  # indexed again by the second run
    assert message_log.depth() == 0


@committed
def test_dramatiq_an_indexer_killed_in_the_middle_of_a_bulk_loses_nothing(
    message_log, use_elasticsearch, client_for, alice, create_projects, tmp_path
):
    double = use_elasticsearch
    create_projects(client_for(alice), 20)
    wait_until(lambda: message_log.depth() == 20)
    double.hold_bulk(2)

    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CLOUDAMQP_URL": django_settings.CLOUDAMQP_URL,
        "ACTIVE_JOB_QUEUE_ADAPTER": "dramatiq",
        "ELASTICSEARCH_URL": double.url,
    }
    log = tmp_path / "index_messages.log"
    with log.open("w") as output:
        indexer = subprocess.Popen(
            [sys.executable, "manage.py", "index_messages", "--duration", "60", "--batch-size", "5"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        assert double.held.wait(timeout=30), log.read_text()
        assert len(double.documents(INDEX)) == 5  # the first batch was indexed (and acknowledged)
        indexer.send_signal(signal.SIGKILL)
        assert indexer.wait(timeout=10) == -signal.SIGKILL
    finally:
        if indexer.poll() is None:
            indexer.kill()
            indexer.wait(timeout=10)
    wait_until(lambda: message_log.depth() == 15)  # the batch in flight was never acknowledged

    double.release()  # Elasticsearch applies the bulk whose client died; its answer goes nowhere
    wait_until(lambda: len(double.documents(INDEX)) == 10)
    held = double.bulk_requests()[1]

    index_messages("--duration", "2", "--batch-size", "5")

    documents = double.documents(INDEX)
    assert set(documents) == job_ids() and len(documents) == 20
    assert all(double.versions(INDEX)[doc_id] == 2 for doc_id in held.bulk_ids())  # overwritten, not duplicated
    assert message_log.depth() == 0


@committed
def test_dramatiq_elasticsearch_down_acknowledges_nothing(message_log, settings, client_for, alice, create_projects):
    settings.ELASTICSEARCH_URL = closed_port_url()
    create_projects(client_for(alice), 4)
    wait_until(lambda: message_log.depth() == 4)

    with pytest.raises(CommandError, match="Elasticsearch") as failure:
        index_messages("--duration", "2")

    assert settings.ELASTICSEARCH_URL in str(failure.value)
    assert message_log.depth() == 4


@committed
def test_dramatiq_progress_names_the_queue_depth(message_log, client_for, alice, create_projects):
    create_projects(client_for(alice), 3)
    wait_until(lambda: message_log.depth() == 3)

    lines = index_messages("--duration", "2", "--progress-every", "0.5").splitlines()

    assert [PROGRESS.match(line).groups() for line in lines[:-1]][-1] == ("3", "0")
    assert_summary(lines[-1], indexed=3, duration=2, depth=0)


# --- the admin: the database index searched and filtered ---------------------------------------------------------

CHANGELIST = "/admin/messagelog/loggedmessage/"


@pytest.fixture
def logged(client_for, alice, create_projects):
    """Two projects and a completed upload, their jobs' entries indexed: {name: message id}."""
    as_alice = client_for(alice)
    first, second = create_projects(as_alice, 2)
    data = b"0123456789"
    response = as_alice.post(
        f"/api/v1/projects/{first}/uploads",
        {"name": "data.bin", "content_type": "application/octet-stream", "size": len(data), "chunked": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    upload = response.json()["id"]
    chunk = as_alice.put(f"/api/v1/uploads/{upload}/chunks", chunk_body(1, data), format="json").json()
    assert (
        as_alice.generic(chunk["http_verb"], chunk["url"], data, content_type="application/octet-stream").status_code
        == 201
    )
    completed = as_alice.put(
        f"/api/v1/uploads/{upload}/complete", {"hash": {"value": md5(data), "algorithm": "md5"}}, format="json"
    )
    assert completed.status_code == 202, completed.content
    index_messages("--duration", "1")
    assert LoggedMessage.objects.count() == 3
    return {
        "first": str(Job.objects.get(resource_id=first).id),
        "second": str(Job.objects.get(resource_id=second).id),
        "upload": str(Job.objects.get(resource_id=upload).id),
        "first_project": first,
        "upload_id": upload,
    }


def listed(response):
    assert response.status_code == 200
    return sorted(str(row.message_id) for row in response.context["cl"].result_list)


def test_admin_searches_the_log_by_resource_id(operator, logged):
    assert listed(operator.get(CHANGELIST, {"q": logged["upload_id"]})) == [logged["upload"]]
    # A project id is the resource of its storage job (and an argument of nothing else here).
    assert listed(operator.get(CHANGELIST, {"q": logged["first_project"]})) == [logged["first"]]
    assert listed(operator.get(CHANGELIST, {"q": "req-1"})) == [logged["second"]]  # by request id
    assert listed(operator.get(CHANGELIST, {"q": "nothing-like-this"})) == []
    assert listed(operator.get(CHANGELIST)) == sorted([logged["first"], logged["second"], logged["upload"]])


def test_admin_filters_the_log_by_actor_and_queue(operator, logged):
    projects = sorted([logged["first"], logged["second"]])
    assert listed(operator.get(CHANGELIST, {"actor": "initialize_project_storage"})) == projects
    assert listed(operator.get(CHANGELIST, {"actor": "complete_upload"})) == [logged["upload"]]
    assert listed(operator.get(CHANGELIST, {"queue": "project_storage_provider_initialization"})) == projects
    assert listed(operator.get(CHANGELIST, {"queue": "upload_completion"})) == [logged["upload"]]
    assert listed(operator.get(CHANGELIST, {"queue": "upload_completion", "actor": "initialize_project_storage"})) == []


def test_admin_shows_a_logged_message_read_only(operator, logged):
    response = operator.get(f"{CHANGELIST}{logged['upload']}/change/")
    assert response.status_code == 200
    assert logged["upload_id"].encode() in response.content
    assert operator.get(f"{CHANGELIST}add/").status_code == 403


# --- the double itself: it refuses what the official client never sends -------------------------------------------

BULK_BODY = b'{"index":{"_index":"queue_messages","_id":"m1"}}\n{"actor":"a"}\n'
COMPAT_JSON = "application/vnd.elasticsearch+json; compatible-with=8"
COMPAT_NDJSON = "application/vnd.elasticsearch+x-ndjson; compatible-with=8"


@pytest.mark.parametrize(
    ("content_type", "accept"),
    [
        ("application/json", COMPAT_JSON),  # JSON, not NDJSON
        ("application/x-ndjson", COMPAT_JSON),  # NDJSON without the compatibility version
        (COMPAT_NDJSON, "application/json"),  # Accept without the compatibility header
        (COMPAT_NDJSON, None),
        ("application/vnd.elasticsearch+x-ndjson; compatible-with=7", COMPAT_JSON),
    ],
)
def test_the_double_refuses_a_bulk_with_media_types_the_client_never_sends(elasticsearch, content_type, accept):
    import requests

    headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {})}
    response = requests.post(f"{elasticsearch.url}/_bulk", data=BULK_BODY, headers=headers, timeout=10)

    assert response.status_code == 400
    assert response.headers["X-Elastic-Product"] == "Elasticsearch"
    assert response.json()["error"]["type"] == "media_type_header_exception"
    assert elasticsearch.documents(INDEX) == {}


def test_the_double_answers_a_bulk_as_elasticsearch_does(elasticsearch):
    import requests

    headers = {"Content-Type": COMPAT_NDJSON, "Accept": COMPAT_JSON}
    first = requests.put(f"{elasticsearch.url}/_bulk", data=BULK_BODY, headers=headers, timeout=10)
    again = requests.post(
        f"{elasticsearch.url}/{INDEX}/_bulk",
        data=b'{"index":{"_id":"m1"}}\n{"actor":"b"}\n',
        headers=headers,
        timeout=10,
    )

    assert first.status_code == again.status_code == 200
    assert first.headers["Content-Type"].startswith("application/vnd.elasticsearch+json")
    body = first.json()
    assert set(body) == {"took", "errors", "items"} and body["errors"] is False
    (item,) = body["items"]
    assert item["index"] == {
        "_index": INDEX,
        "_id": "m1",
        "_version": 1,
        "result": "created",
        "_shards": {"total": 2, "successful": 1, "failed": 0},
        "_seq_no": 0,
        "_primary_term": 1,
        "status": 201,
    }
    (item,) = again.json()["items"]
    assert (item["index"]["_id"], item["index"]["_version"], item["index"]["result"], item["index"]["status"]) == (
        "m1",
        2,
        "updated",
        200,
    )
    assert elasticsearch.documents(INDEX) == {"m1": {"actor": "b"}}
    assert [request.body for request in elasticsearch.bulk_requests()][0] == BULK_BODY
