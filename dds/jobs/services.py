import logging
from datetime import timedelta
from functools import partial

import dramatiq
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from dds import request_context
from messagelog.capture import record_pending

from .models import Job
from .registry import worker_named
from .retries import backoff_seconds, should_retry

logger = logging.getLogger(__name__)


def job_enqueue(worker_name, *ids):
    """Record a job for the worker `worker_name` with arguments `ids`, and send it once the current transaction
    commits, never before.

    Inline mode runs it in this process right after the commit; dramatiq mode publishes it to RabbitMQ with publisher
    confirms. A rolled-back transaction leaves neither a job record nor a message nor a log entry. A job whose send or
    run fails is not lost: the sweeper sends it again, or retries it, from its record.
    """
    actor = worker_named(worker_name)
    args = [str(value) for value in ids]
    user_id = request_context.user_id.get()
    job = Job.objects.create(
        worker=actor.actor_name,
        queue=actor.queue_name,
        args=args,
        resource_id=args[0] if args else "",
        request_id=request_context.request_id.get() or "",
        user_id=user_id,
    )
    if settings.ACTIVE_JOB_QUEUE_ADAPTER == "inline":
        record_pending(job_message(job))
        transaction.on_commit(partial(job_run, job.id))
    else:
        transaction.on_commit(partial(job_send, job.id))
    return job


def job_message(job):
    """The Dramatiq message that carries `job`: the same message, with the same id, however often it is sent."""
    actor = worker_named(job.worker)
    return dramatiq.Message(
        queue_name=actor.queue_name,
        actor_name=actor.actor_name,
        args=tuple(job.args),
        kwargs={},
        options={"request_id": job.request_id, "user_id": str(job.user_id) if job.user_id else None},
        message_id=str(job.id),
        message_timestamp=int(job.created_on.timestamp() * 1000),
    )


def job_send(job_id):
    """dramatiq mode: publish a recorded job that was not sent yet. Returns whether it is sent now."""
    job = Job.objects.filter(id=job_id, state=Job.State.INITIALIZED, sent_on__isnull=True).first()
    if job is None:
        return False
    try:
        dramatiq.get_broker().enqueue(job_message(job))
    except Exception as error:
        logger.warning("job %s could not be sent (the sweeper sends it again): %s", job_id, error)
        Job.objects.filter(id=job_id).update(last_error=f"not sent: {type(error).__name__}: {error}")
        return False
    Job.objects.filter(id=job_id, sent_on__isnull=True).update(sent_on=timezone.now(), last_error="")
    return True


def job_run(job_id):
    """inline mode: run a job in this process if it is due and nobody else runs it; a failure is retried later."""
    now = timezone.now()
    claimed = Job.objects.filter(
        Q(run_after__isnull=True) | Q(run_after__lte=now),
        id=job_id,
        state__in=(Job.State.INITIALIZED, Job.State.RETRYING),
    ).update(state=Job.State.IN_PROGRESS, attempts=F("attempts") + 1, started_on=now, sent_on=Coalesce("sent_on", now))
    if not claimed:
        return
    job = Job.objects.get(id=job_id)
    try:
        worker_named(job.worker).fn(*job.args)
    except Exception as error:
        logger.exception("job %s failed (attempt %s)", job_id, job.attempts)
        _drop_broken_connection()
        retry = should_retry(job.attempts - 1, error)
        job_finished(job_id, error=error, final=not retry, retry_in=backoff_seconds(job.attempts) if retry else None)
    else:
        job_finished(job_id)


def _drop_broken_connection():
    """A job that failed because its database connection died must not record that on the dead connection."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def job_started(job_id):
    Job.objects.filter(id=job_id, state__in=Job.LIVE_STATES).update(
        state=Job.State.IN_PROGRESS, attempts=F("attempts") + 1, started_on=timezone.now()
    )


def job_finished(job_id, *, error=None, final=False, retry_in=None):
    """Record a job's outcome: done, failed for good (`final`), or to be retried (`retry_in` seconds, when known)."""
    now = timezone.now()
    live = Job.objects.filter(id=job_id, state__in=Job.LIVE_STATES)
    if error is None:
        if live.update(state=Job.State.COMPLETE, finished_on=now, run_after=None, last_error=""):
            _supersede_earlier(Job.objects.get(id=job_id))
        return
    changes = {"last_error": f"{type(error).__name__}: {error}"}
    if final:
        changes.update(state=Job.State.FAILED, finished_on=now, run_after=None)
    else:
        changes.update(state=Job.State.RETRYING)
        if retry_in is not None:
            changes["run_after"] = now + timedelta(seconds=retry_in)
    live.update(**changes)


def job_retry_scheduled(job_id, *, delay_seconds):
    """dramatiq mode: Retries re-sent the job's message with this delay."""
    Job.objects.filter(id=job_id).update(run_after=timezone.now() + timedelta(seconds=delay_seconds))


def _supersede_earlier(job):
    """A job's work is done: earlier jobs of the same worker and arguments that failed or wait no longer need anyone."""
    Job.objects.filter(
        worker=job.worker,
        resource_id=job.resource_id,
        args=job.args,
        created_on__lt=job.created_on,
        state__in=(Job.State.INITIALIZED, Job.State.RETRYING, Job.State.FAILED),
    ).update(state=Job.State.SUPERSEDED, finished_on=timezone.now(), last_error=f"superseded by job {job.id}")


def job_supersede(*, job, by):
    Job.objects.filter(id=job.id, state__in=Job.LIVE_STATES).update(
        state=Job.State.SUPERSEDED, finished_on=timezone.now(), last_error=f"superseded by job {by.id}"
    )


def job_requeue(*, job):
    """Run a failed (or lost) job's work again, as a new job."""
    return job_enqueue(job.worker, *job.args)
