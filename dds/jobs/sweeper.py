"""The sweeper: what keeps the promise that a not-consistent resource becomes consistent with nobody running a command.

Each pass (every JOB_SWEEP_EVERY seconds in `run_workers` and, in inline mode, in every web process):
1. sends the jobs recorded but never sent (the broker was unreachable, the process died after its commit), or, inline,
   queues them for this process's runners;
2. inline mode: queues the jobs whose retry is due, and those whose process died before or while running them;
3. re-enqueues the work of resources still not consistent after RECONCILE_OLDER_THAN seconds whose job was lost (a
   message gone with a deleted queue, a job done while its resource still waits), closing the lost job as superseded;
4. asks each worker's finder for work nobody requests (uploads the retention policy frees).
A job that failed for good is left to a human: the admin and /health show it.
"""

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import Q
from django.utils import timezone

from .adapters import adapter
from .models import Job
from .registry import job_lease_seconds, load_finders, load_pending
from .services import abandoned_here, job_enqueue, job_run, job_supersede

logger = logging.getLogger(__name__)

# A job younger than this is still in the hands of the request that made it.
SEND_GRACE = timedelta(seconds=2)
# Resources looked at per worker and pass: a huge backlog is worked through over several passes.
BATCH = 500


def jobs_unsent():
    """Jobs recorded but never sent (dramatiq) or never started (inline), oldest first."""
    return Job.objects.filter(
        state=Job.State.INITIALIZED, sent_on__isnull=True, created_on__lt=timezone.now() - SEND_GRACE
    ).order_by("created_on")


def _jobs_due_inline():
    """Retries that are due, jobs this process abandoned, and jobs another process claimed and never finished."""
    now = timezone.now()
    lease = now - timedelta(seconds=job_lease_seconds())
    return Job.objects.filter(
        Q(state=Job.State.RETRYING, run_after__lte=now)
        | Q(state=Job.State.RETRYING, run_after__isnull=True)
        | Q(state=Job.State.IN_PROGRESS, started_on__lt=lease)
        | abandoned_here()
    ).order_by("created_on")


class _Queues:
    """Whether a queue (with its delayed queue) holds messages, asked of the broker at most once a pass."""

    def __init__(self):
        self._holding = {}

    def holding(self, queue):
        if queue not in self._holding:
            self._holding[queue] = adapter().queue_holds_messages(queue)
        return self._holding[queue]


def _is_lost(job, *, now, cutoff, queues):
    """A job whose message can no longer bring its work about. A message still waiting in its queue (workers down or
    behind) is not lost: sending it again would only do the work twice."""
    if job.state == Job.State.INITIALIZED:
        return job.sent_on is not None and job.sent_on < cutoff and not queues.holding(job.queue)
    if job.state == Job.State.IN_PROGRESS:
        return job.started_on < now - timedelta(seconds=job_lease_seconds())
    if job.state == Job.State.RETRYING:
        return job.run_after is not None and job.run_after < cutoff and not queues.holding(job.queue)
    return job.state == Job.State.COMPLETE and job.finished_on < cutoff


def _resend_lost(name, pending, *, older_than, queues):
    now = timezone.now()
    cutoff = now - older_than
    waiting = pending.selector().filter(**{f"{pending.since}__lt": cutoff}).values_list(*pending.args)[:BATCH]
    waiting = [[str(value) for value in row] for row in waiting]
    if not waiting:
        return 0
    newest = {}
    jobs = Job.objects.filter(worker=name, resource_id__in={args[0] for args in waiting}).exclude(
        state=Job.State.SUPERSEDED
    )
    for job in jobs.order_by("created_on"):
        newest[tuple(job.args)] = job
    resent = 0
    for args in waiting:
        job = newest.get(tuple(args))
        if job is not None and not _is_lost(job, now=now, cutoff=cutoff, queues=queues):
            continue
        with transaction.atomic():
            replacement = job_enqueue(name, *args)
            if job is not None:
                job_supersede(job=job, by=replacement)
        resent += 1
    return resent


def sweep(*, workers=None, older_than=None):
    """One pass. `workers`: the names whose lost work this process re-enqueues (those it runs; None: all)."""
    older_than = timedelta(seconds=settings.RECONCILE_OLDER_THAN if older_than is None else older_than)
    counts = {"sent": 0, "run": 0, "resent": 0, "found": 0}
    mode = adapter()
    # "sent": published to the broker; "run": queued for this process's runners (inline).
    resumed = "sent" if mode.uses_broker else "run"
    for job_id in jobs_unsent().values_list("id", flat=True)[:BATCH]:
        if mode.resume(job_id):
            counts[resumed] += 1
    if not mode.uses_broker:
        for job_id in _jobs_due_inline().values_list("id", flat=True)[:BATCH]:
            Job.objects.filter(id=job_id, state=Job.State.IN_PROGRESS).update(state=Job.State.RETRYING, run_after=None)
            if mode.resume(job_id):
                counts["run"] += 1
    queues = _Queues()
    for name, pending in load_pending().items():
        if workers is None or name in workers:
            counts["resent"] += _resend_lost(name, pending, older_than=older_than, queues=queues)
    for name, find in load_finders().items():
        if workers is None or name in workers:
            counts["found"] += find()
    return counts


class Sweeper(threading.Thread):
    """`sweep()` every `every` seconds until stopped; a failing pass (the database down) is logged and tried again."""

    def __init__(self, *, every, workers=None):
        super().__init__(name="dds-sweeper", daemon=True)
        self.every = every
        self.workers = workers
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(self.every):
            close_old_connections()
            try:
                counts = sweep(workers=self.workers)
            except Exception:
                logger.exception("sweep failed; trying again in %s s", self.every)
                continue
            if any(counts.values()):
                logger.info("swept: %s", counts)
        connections.close_all()

    def stop(self):
        self.stopping.set()


_started = []


def inline_start():
    """Inline mode: start this web process's job runners and its sweeper, once (the web processes are the workers)."""
    mode = adapter()
    if mode.uses_broker or _started:
        return
    mode.start(job_run)
    if settings.JOB_SWEEP_EVERY:
        sweeper = Sweeper(every=settings.JOB_SWEEP_EVERY)
        _started.append(sweeper)
        sweeper.start()
