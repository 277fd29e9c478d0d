import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dds import request_context
from messagelog.capture import record_pending

from .models import Job

logger = logging.getLogger(__name__)


def job_enqueue(actor, *ids):
    """Record a job for `actor(*ids)` and send it once the current transaction commits, never before.

    Inline mode runs it in this process right after the commit; dramatiq mode publishes it to RabbitMQ with
    publisher confirms. A rolled-back transaction leaves neither a job record nor a message nor a log entry.
    """
    args = [str(value) for value in ids]
    user_id = request_context.user_id.get()
    message = actor.message_with_options(
        args=tuple(args), request_id=request_context.request_id.get(), user_id=str(user_id) if user_id else None
    )
    job = Job.objects.create(
        id=message.message_id,
        worker=actor.actor_name,
        queue=actor.queue_name,
        args=args,
        resource_id=args[0] if args else "",
        request_id=message.options["request_id"],
        user_id=user_id,
    )
    if settings.ACTIVE_JOB_QUEUE_ADAPTER == "inline":
        record_pending(message)
        transaction.on_commit(partial(_run_inline, actor, message))
    else:
        transaction.on_commit(partial(_send, actor, message))
    return job


def _send(actor, message):
    try:
        actor.broker.enqueue(message)
    except Exception as error:
        # The job stays `initialized` with its error; `manage.py reconcile` sends its work again.
        logger.exception("job %s could not be sent", message.message_id)
        Job.objects.filter(id=message.message_id).update(last_error=f"not sent: {error}")
        return
    Job.objects.filter(id=message.message_id).update(sent_on=timezone.now())


def _run_inline(actor, message):
    job_started(message.message_id)
    try:
        actor.fn(*message.args)
    except Exception as error:
        logger.exception("inline job %s failed", message.message_id)
        job_finished(message.message_id, error=error, final=True)
    else:
        job_finished(message.message_id)


def job_started(job_id):
    Job.objects.filter(id=job_id).update(
        state=Job.State.IN_PROGRESS, attempts=F("attempts") + 1, started_on=timezone.now()
    )


def job_finished(job_id, *, error=None, final=False):
    if error is None:
        Job.objects.filter(id=job_id).update(state=Job.State.COMPLETE, finished_on=timezone.now(), last_error="")
        return
    state = Job.State.FAILED if final else Job.State.RETRYING
    Job.objects.filter(id=job_id).update(
        state=state, finished_on=timezone.now() if final else None, last_error=f"{type(error).__name__}: {error}"
    )


def job_requeue(*, job):
    """Run a failed (or lost) job's work again, as a new job."""
    from .registry import load_workers

    actor = load_workers().get(job.worker)
    if actor is None:
        raise ValueError(f"no worker named {job.worker!r}")
    return job_enqueue(actor, *job.args)
