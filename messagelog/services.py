"""What happens without a job (a transfer offered, accepted, …) enters the message log like a job message does.

Such an entry has the shape of a job's (`capture.entry`): `queue` is `events`, `actor` names the event, `args`
start with the resource's id, and `user_id` is who did it. Inline mode writes it to PendingMessage in the caller's
transaction; dramatiq mode publishes it to the `message_log` queue once that transaction has committed, so a rolled-back
change is never logged.
"""

import logging
import uuid
from datetime import UTC, datetime
from functools import partial

import dramatiq
from django.conf import settings
from django.db import transaction
from pika.exceptions import AMQPError

from dds import request_context

from .capture import publish, store_pending

EVENTS = "events"

logger = logging.getLogger(__name__)


def message_log_record(*, event, user, args):
    """Log `event` done by `user` (None: nobody asked for it) to the resource `args[0]`; returns the entry."""
    args = [str(value) for value in args]
    log_entry = {
        "message_id": str(uuid.uuid4()),
        "queue": EVENTS,
        "actor": event,
        "args": args,
        "resource_id": args[0],
        "enqueued_on": datetime.now(UTC).isoformat(),
        "request_id": request_context.request_id.get(),
        "user_id": str(user.id) if user is not None else None,
    }
    if settings.ACTIVE_JOB_QUEUE_ADAPTER == "inline":
        store_pending(log_entry)
    else:
        transaction.on_commit(partial(_publish, log_entry))
    return log_entry


def _publish(log_entry):
    broker = dramatiq.get_broker()
    for attempt in (1, 2):
        try:
            publish(broker.channel, log_entry)
            return
        except AMQPError:
            # A connection the server closed while idle: the next one is fresh, as Dramatiq's own enqueue does.
            del broker.connection
            if attempt == 2:
                logger.exception("message log entry %s (%s) was not published", log_entry["message_id"], log_entry)
