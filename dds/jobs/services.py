import logging
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta
from functools import partial

from django.db.models import F, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from dramatiq.middleware.time_limit import TimeLimitExceeded
from dramatiq.threading import raise_thread_exception

from dds import request_context

from .adapters import adapter
from .models import Job
from .registry import TIME_LIMIT_MS, worker_named
from .retries import backoff_seconds, retry_on_dropped_connection, should_retry

logger = logging.getLogger(__name__)

# Who claims inline jobs: this process. The sweeper retakes at once a job this process claimed and no longer runs.
PROCESS = uuid.uuid4().hex
_running = set()


def job_enqueue(worker_name, *ids):
    """Record a job for the worker `worker_name` with arguments `ids`, and send it once the current transaction
    commits, never before.

    Inline mode queues it to run in this process after the response; dramatiq mode publishes it to RabbitMQ with
    publisher confirms (adapters.py). A rolled-back transaction leaves neither a job record nor a message nor a log
    entry. A job whose send or run fails is not lost: the sweeper sends it again, or retries it, from its record.
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
    adapter().after_commit(job)
    return job


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


@contextmanager
def _time_limited(seconds):
    """Interrupt this thread with TimeLimitExceeded once `seconds` have passed inside the block (as Dramatiq's TimeLimit
    does to its workers: a system call under way ends first)."""
    lock, done = threading.Lock(), []

    def interrupt(thread_id):
        with lock:
            if not done:
                raise_thread_exception(thread_id, TimeLimitExceeded)

    timer = threading.Timer(seconds, interrupt, (threading.get_ident(),))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            done.append(True)
        timer.cancel()


def job_run(job_id, *, recorded=None):
    """inline mode: run a job in this thread if it is due and nobody else runs it, for at most the workers' time
    limit; a failure (or running past the limit) is retried later.

    Never raises: whatever goes wrong is on the job's record, or (the database gone for good) the job stays claimed by
    this process, which the sweeper retakes once the database is back. `recorded`: as for `_claim`.
    """
    _running.add(str(job_id))
    try:
        job = retry_on_dropped_connection(partial(_claim, job_id, recorded))
        if job is None:
            return
        try:
            with _time_limited(TIME_LIMIT_MS / 1000):
                worker_named(job.worker).fn(*job.args)
        except (Exception, TimeLimitExceeded) as error:
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


def jobs_run_queued():
    """inline mode: run the jobs this process queued, in this thread, until none is left (commands, tests); how many.
    dramatiq mode: none (the workers run them)."""
    return adapter().drain(job_run)


def abandoned_here():
    """The filter of inline jobs this process claimed and no longer runs: its thread died with the database under it."""
    return Q(state=Job.State.IN_PROGRESS, claimed_by=PROCESS) & ~Q(id__in=list(_running))


def job_started(job_id):
    retry_on_dropped_connection(
        lambda: Job.objects.filter(id=job_id, state__in=Job.LIVE_STATES).update(
            state=Job.State.IN_PROGRESS, attempts=F("attempts") + 1, started_on=timezone.now()
        )
    )


def job_finished(job_id, *, error=None, final=False, retry_in=None):
    """Record a job's outcome: done, failed for good (`final`), or to be retried (`retry_in` seconds, when known)."""
    now = timezone.now()
    live = Job.objects.filter(id=job_id, state__in=Job.LIVE_STATES)
    if error is None:
        if retry_on_dropped_connection(
            lambda: live.update(state=Job.State.COMPLETE, finished_on=now, run_after=None, last_error="")
        ):
            retry_on_dropped_connection(lambda: _supersede_earlier(job_id))
        return
    changes = {"last_error": f"{type(error).__name__}: {error}"}
    if final:
        changes.update(state=Job.State.FAILED, finished_on=now, run_after=None)
    else:
        changes.update(state=Job.State.RETRYING)
        if retry_in is not None:
            changes["run_after"] = now + timedelta(seconds=retry_in)
    retry_on_dropped_connection(lambda: live.update(**changes))


def job_retry_scheduled(job_id, *, delay_seconds):
    """dramatiq mode: Retries re-sent the job's message with this delay."""
    retry_on_dropped_connection(
        lambda: Job.objects.filter(id=job_id).update(run_after=timezone.now() + timedelta(seconds=delay_seconds))
    )


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
