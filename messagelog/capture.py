"""Every job message that is enqueued leaves one entry in the message log, in either adapter mode.

dramatiq mode: `MessageLogCapture` copies each message, once sent, to the durable `message_log` queue on RabbitMQ
(no worker consumes it). inline mode: `job_enqueue` writes the entry to the PendingMessage table in the same
transaction. `manage.py index_messages` drains either into the index. What happens without a job is logged the same
two ways by `messagelog.services.message_log_record`.
"""

import json
import logging
import threading
from datetime import UTC, datetime

import pika
from dramatiq.middleware import Middleware

QUEUE = "message_log"

logger = logging.getLogger(__name__)


def entry(message):
    """The log entry of a Dramatiq message (its options carry the request id and user that caused it)."""
    args = [str(value) for value in message.args]
    return {
        "message_id": message.message_id,
        "queue": message.queue_name,
        "actor": message.actor_name,
        "args": args,
        "resource_id": args[0] if args else "",
        "enqueued_on": datetime.fromtimestamp(message.message_timestamp / 1000, UTC).isoformat(),
        "request_id": message.options.get("request_id", ""),
        "user_id": message.options.get("user_id"),
    }


def record_pending(message):
    store_pending(entry(message))


def store_pending(log_entry):
    """Inline mode: the entry waits in the database, written in the caller's transaction."""
    # django-dramatiq imports this module for its middleware before Django's models are loaded.
    from .models import PendingMessage  # noqa: PLC0415

    PendingMessage.objects.create(message_id=log_entry["message_id"], entry=log_entry)


_declared = threading.local()


def publish(channel, log_entry):
    """Publish an entry to `message_log` (persistent; publisher-confirmed on the broker's channels)."""
    if getattr(_declared, "channel", None) is not channel:
        channel.queue_declare(QUEUE, durable=True)
        _declared.channel = channel
    channel.basic_publish(
        exchange="",
        routing_key=QUEUE,
        body=json.dumps(log_entry).encode(),
        properties=pika.BasicProperties(delivery_mode=2, content_type="application/json"),
    )


class MessageLogCapture(Middleware):
    """After Dramatiq sent a job message, publish its entry to `message_log`."""

    def after_enqueue(self, broker, message, delay):
        if message.options.get("retries"):
            return  # a retry re-sends a message already logged under its id
        publish(broker.channel, entry(message))
