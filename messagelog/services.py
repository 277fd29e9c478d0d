"""What happens without a job (a transfer offered, accepted, …) enters the message log like a job message does.

Such an entry has the shape of a job's (`capture.entry`): `queue` is `events`, `actor` names the event, `args`
start with the resource's id, and `user_id` is who did it. Inline mode writes it to PendingMessage in the caller's
transaction; dramatiq mode publishes it to the `message_log` queue once that transaction has committed, so a rolled-back
change is never logged.
"""

import uuid
from datetime import UTC, datetime

from dds import request_context
from dds.jobs.adapters import adapter

EVENTS = "events"


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
    adapter().log(log_entry)
    return log_entry
