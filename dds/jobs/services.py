import logging
import time
import uuid
from datetime import timedelta
from functools import partial

import dramatiq
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from dds import request_context
from messagelog.capture import record_pending

from .models import Job
from .registry import worker_named
from .retries import backoff_seconds, should_retry

logger = logging.getLogger(__name__)

# Who claims inline jobs: this process. The sweeper retakes at once a job this process claimed and no longer runs.
PROCESS = uuid.uuid4().hex
_running = set()


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
        transaction.on_commit(partial(job_run, job.id, recorded=job), robust=True)
    else:
        transaction.on_commit(partial(_send, job), robust=True)
    return job


def _kept(write, *, attempts=8):
    """Run a short write of a job's record, on a new connection when the one it had died: the record must survive the
    very fault its job survives. Inside a transaction no new connection can be had, so the error goes up."""
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except (OperationalError, InterfaceError):
            if attempt == attempts or connection.in_atomic_block:
                raise
            connection.close()
            time.sleep(0.25 * attempt)


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
    return job is not None and _send(job)


def _send(job):
    """Publish `job`, read unsent: right after its commit nobody else sends it (the sweeper waits SEND_GRACE)."""
    try:
        dramatiq.get_broker().enqueue(job_message(job))
    except Exception as error:
        logger.warning("job %s could not be sent (the sweeper sends it again): %s", job.id, error)
        reason = f"not sent: {type(error).__name__}: {error}"
        _kept(lambda: Job.objects.filter(id=job.id).update(last_error=reason))
        return False
    _kept(lambda: Job.objects.filter(id=job.id, sent_on__isnull=True).update(sent_on=timezone.now(), last_error=""))
    return True


def _claim(job_id, recorded=None):
    """The job, claimed for this process; None if it is not due or someone else has it.

    `recorded`: the row as job_enqueue recorded it. It is claimed only if no attempt was made yet, and is then the
    claimed job, with its first attempt, without being read again.
    """
    now = timezone.now()
    due = Job.objects.filter(
        Q(run_after__isnull=True) | Q(run_after__lte=now),
        id=job_id,
        state__in=(Job.State.INITIALIZED, Job.State.RETRYING),
    )
    if recorded is not None:
        due = due.filter(attempts=recorded.attempts)
    claimed = due.update(
        state=Job.State.IN_PROGRESS,
        attempts=F("attempts") + 1,
        started_on=now,
        sent_on=Coalesce("sent_on", now),
        claimed_by=PROCESS,
    )
    if not claimed:
        return None
    if recorded is None:
        return Job.objects.get(id=job_id)
    recorded.attempts += 1
    return recorded


def job_run(job_id, *, recorded=None):
    """inline mode: run a job in this process if it is due and nobody else runs it; a failure is retried later.

    Never raises: whatever goes wrong is on the job's record, or (the database gone for good) the job stays claimed by
    this process, which the sweeper retakes once the database is back. `recorded`: as for `_claim`.
    """
    _running.add(str(job_id))
    try:
        job = _kept(partial(_claim, job_id, recorded))
        if job is None:
            return
        try:
            worker_named(job.worker).fn(*job.args)
        except Exception as error:
            logger.exception("job %s failed (attempt %s)", job_id, job.attempts)
            retry = should_retry(job.attempts - 1, error)
            retry_in = backoff_seconds(job.attempts) if retry else None
            job_finished(job_id, error=error, final=not retry, retry_in=retry_in)
        else:
            job_finished(job_id)
    except Exception:
        logger.exception("job %s: its record could not be kept; the sweeper takes it up again", job_id)
    finally:
        _running.discard(str(job_id))


def abandoned_here():
    """The filter of inline jobs this process claimed and no longer runs: its thread died with the database under it."""
    return Q(state=Job.State.IN_PROGRESS, claimed_by=PROCESS) & ~Q(id__in=list(_running))


def job_started(job_id):
    _kept(
        lambda: Job.objects.filter(id=job_id, state__in=Job.LIVE_STATES).update(
            state=Job.State.IN_PROGRESS, attempts=F("attempts") + 1, started_on=timezone.now()
        )
    )


def job_finished(job_id, *, error=None, final=False, retry_in=None):
    """Record a job's outcome: done, failed for good (`final`), or to be retried (`retry_in` seconds, when known)."""
    now = timezone.now()
    live = Job.objects.filter(id=job_id, state__in=Job.LIVE_STATES)
    if error is None:
        if _kept(lambda: live.update(state=Job.State.COMPLETE, finished_on=now, run_after=None, last_error="")):
            _kept(lambda: _supersede_earlier(job_id))
        return
    changes = {"last_error": f"{type(error).__name__}: {error}"}
    if final:
        changes.update(state=Job.State.FAILED, finished_on=now, run_after=None)
    else:
        changes.update(state=Job.State.RETRYING)
        if retry_in is not None:
            changes["run_after"] = now + timedelta(seconds=retry_in)
    _kept(lambda: live.update(**changes))


def job_retry_scheduled(job_id, *, delay_seconds):
    """dramatiq mode: Retries re-sent the job's message with this delay."""
    _kept(lambda: Job.objects.filter(id=job_id).update(run_after=timezone.now() + timedelta(seconds=delay_seconds)))


def _supersede_earlier(job_id):
    """A job's work is done: earlier jobs of the same worker and arguments that failed or wait no longer need anyone.

    One statement: the done job's worker, arguments and creation are read by subqueries."""
    done = Job.objects.filter(id=job_id)
    Job.objects.filter(
        worker=Subquery(done.values("worker")),
        resource_id=Subquery(done.values("resource_id")),
        args=Subquery(done.values("args")),
        created_on__lt=Subquery(done.values("created_on")),
        state__in=(Job.State.INITIALIZED, Job.State.RETRYING, Job.State.FAILED),
    ).update(state=Job.State.SUPERSEDED, finished_on=timezone.now(), last_error=f"superseded by job {job_id}")


def job_supersede(*, job, by):
    Job.objects.filter(id=job.id, state__in=Job.LIVE_STATES).update(
        state=Job.State.SUPERSEDED, finished_on=timezone.now(), last_error=f"superseded by job {by.id}"
    )


def job_requeue(*, job):
    """Run a failed (or lost) job's work again, as a new job."""
    return job_enqueue(job.worker, *job.args)
