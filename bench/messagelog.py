"""Message-log draining: entries from RabbitMQ into the index in bulk, against one request per entry (the original's
way), side by side in one run.

    .venv/bin/python bench/messagelog.py [--messages 20000] [--single 2000] [--batch-size 500]

The index is the Elasticsearch HTTP double of the tests (tests/elasticsearch_double.py) on loopback: no
Elasticsearch server can be installed here, so the figures measure our side of the wire (RabbitMQ consumption,
acknowledgements, JSON and HTTP) against the same endpoint for both ways. Targets: bulk ≥ 10× the one-by-one rate
and ≥ 5,000 messages/s.
"""

import argparse
import json
import sys
import time
import uuid
from datetime import UTC, datetime

import pika
from harness import ROOT
from harness.hardware import print_machine
from harness.sandbox import django_setup, rabbitmq_vhost, scratch_dir, server_env

sys.path.insert(0, str(ROOT))


def publish(url, count):
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.queue_declare("message_log", durable=True)
    now = datetime.now(UTC).isoformat()
    for index in range(count):
        entry = {
            "message_id": str(uuid.uuid4()),
            "queue": "upload_completion",
            "actor": "complete_upload",
            "args": [str(uuid.uuid4())],
            "resource_id": str(index),
            "enqueued_on": now,
            "request_id": str(uuid.uuid4()),
            "user_id": None,
        }
        channel.basic_publish("", "message_log", json.dumps(entry).encode(), pika.BasicProperties(delivery_mode=2))
    connection.close()


def drain_bulk(url, double_url, count, batch_size):
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from messagelog.indexing import ElasticsearchSink, RabbitSource

    source, sink = RabbitSource(url, prefetch=batch_size * 2), ElasticsearchSink(double_url)
    started, indexed = time.perf_counter(), 0
    while indexed < count and time.perf_counter() - started < 600:
        batch = source.fetch(batch_size, wait=1.0)
        sink.index([entry for _, entry in batch])
        source.ack([token for token, _ in batch])
        indexed += len(batch)
    elapsed = time.perf_counter() - started
    source.close()
    return indexed, elapsed


def drain_one_by_one(url, double_url, count):
    """What the original did: one index request, then one acknowledgement, per entry."""
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from messagelog.indexing import ElasticsearchSink, QueueMessage, RabbitSource

    source, client = RabbitSource(url, prefetch=1), ElasticsearchSink(double_url).client
    started, indexed = time.perf_counter(), 0
    while indexed < count and time.perf_counter() - started < 600:
        for token, entry in source.fetch(1, wait=1.0):
            client.index(index=QueueMessage._index._name, id=entry["message_id"], document=entry)
            source.ack([token])
            indexed += 1
    elapsed = time.perf_counter() - started
    source.close()
    return indexed, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--single", type=int, default=2_000, help="entries drained one request at a time")
    parser.add_argument("--batch-size", type=int, default=500)
    arguments = parser.parse_args()

    print_machine()
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from tests.elasticsearch_double import ElasticsearchDouble

    double = ElasticsearchDouble()
    double.start()
    url = rabbitmq_vhost("bench_messagelog")
    django_setup(server_env(f"sqlite:///{scratch_dir('messagelog')}/unused.sqlite3", scratch_dir("storage")))

    publish(url, arguments.messages)
    bulk_count, bulk_seconds = drain_bulk(url, double.url, arguments.messages, arguments.batch_size)
    publish(url, arguments.single)
    single_count, single_seconds = drain_one_by_one(url, double.url, arguments.single)
    double.stop()

    bulk_rate, single_rate = bulk_count / bulk_seconds, single_count / single_seconds
    print(f"\n{'way':<28}{'messages':>10}{'seconds':>10}{'messages/s':>12}")
    bulk = f"bulk, {arguments.batch_size} a request"
    print(f"{bulk:<28}{bulk_count:>10}{bulk_seconds:>10.2f}{bulk_rate:>12.0f}")
    print(f"{'one request per message':<28}{single_count:>10}{single_seconds:>10.2f}{single_rate:>12.0f}")
    ratio = bulk_rate / single_rate
    print(
        f"\nbulk / one-by-one: {ratio:.1f}× (target ≥ 10×: {'met' if ratio >= 10 else 'missed'}); "
        f"bulk rate target ≥ 5,000/s: {'met' if bulk_rate >= 5000 else 'missed'}"
    )


if __name__ == "__main__":
    main()
