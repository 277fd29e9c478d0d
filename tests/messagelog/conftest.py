"""The message log's fixtures: the Elasticsearch double, the `message_log` queue on the real RabbitMQ, projects."""

import json

import pika
import pytest
from django.conf import settings as django_settings

from dds.jobs.models import Job
from messagelog.capture import QUEUE

from ..elasticsearch_double import ElasticsearchDouble

committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def elasticsearch():
    """The Elasticsearch double on a random loopback port, for one test."""
    double = ElasticsearchDouble().start()
    yield double
    double.stop()


@pytest.fixture
def use_elasticsearch(settings, elasticsearch):
    """index_messages indexes into the double."""
    settings.ELASTICSEARCH_URL = elasticsearch.url
    return elasticsearch


class MessageLogQueue:
    """The durable `message_log` queue, looked at over a connection of its own."""

    def __init__(self, url):
        self.url = url
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        self.channel.queue_declare(QUEUE, durable=True)

    def depth(self):
        """Ready messages (a passive declare: what a consumer has not acknowledged comes back to this count)."""
        return self.channel.queue_declare(QUEUE, durable=True, passive=True).method.message_count

    def purge(self):
        self.channel.queue_purge(QUEUE)

    def peek(self):
        """The entries waiting, parsed; they stay queued (taken unacknowledged on a channel that is then closed)."""
        channel = self.connection.channel()
        bodies = []
        while True:
            method, properties, body = channel.basic_get(QUEUE, auto_ack=False)
            if method is None:
                break
            assert properties.delivery_mode == 2, "entries are persistent"
            bodies.append(json.loads(body))
        channel.close()
        return bodies

    def publish(self, entry):
        self.channel.basic_publish(
            exchange="",
            routing_key=QUEUE,
            body=json.dumps(entry).encode(),
            properties=pika.BasicProperties(delivery_mode=2, content_type="application/json"),
        )

    def close(self):
        if self.connection.is_open:
            self.connection.close()


@pytest.fixture
def message_log(dramatiq_mode):
    """Dramatiq mode with the `message_log` queue empty at the start (and left empty)."""
    queue = MessageLogQueue(django_settings.CLOUDAMQP_URL)
    queue.purge()
    yield queue
    queue.purge()
    queue.close()


@pytest.fixture
def create_projects():
    """`create_projects(client, n)`: n projects over the API, request i sending `X-Request-Id: <prefix>-i`.

    Returns the projects' ids, in order. Each enqueues one job per storage provider.
    """

    def create(client, count, *, request_prefix="req"):
        ids = []
        for number in range(count):
            response = client.post(
                "/api/v1/projects",
                {"name": f"Project {number}", "description": "message log"},
                format="json",
                HTTP_X_REQUEST_ID=f"{request_prefix}-{number}",
            )
            assert response.status_code == 202, response.content
            assert response["X-Request-Id"] == f"{request_prefix}-{number}"
            ids.append(response.json()["id"])
        return ids

    return create


def job_ids():
    return {str(job_id) for job_id in Job.objects.values_list("id", flat=True)}
