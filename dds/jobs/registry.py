"""The workers: each is a Dramatiq actor with the original service's worker and queue names, and a declaration of
the work it owes (`Pending`), from which the sweeper and /health both read."""

from dataclasses import dataclass

import dramatiq
from django.conf import settings
from django.utils.module_loading import autodiscover_modules

from .retries import MAX_BACKOFF_MS, MIN_BACKOFF_MS, should_retry

WORKERS = {}
PENDING = {}
FINDERS = {}

# Keep each job well under RabbitMQ's 30-minute consumer timeout.
TIME_LIMIT_MS = 10 * 60 * 1000


@dataclass(frozen=True)
class Pending:
    """What a worker owes: `selector()` returns the resources not consistent until it has run, `since` names the field
    that says since when each waits, and `args` the fields that make the worker's arguments, in order."""

    selector: object
    since: str
    args: tuple = ("id",)


def worker(name, *, queue, pending=None, finds=None):
    """Declare the actor `name`, consuming `queue`, retried with exponential backoff (`retries.should_retry`).

    `pending` declares the resources not consistent until it runs; `finds`, a function the sweeper calls on each pass
    to enqueue work of this worker that no request asks for (expired uploads to purge), returning how much it found.
    """

    def declare(fn):
        actor = dramatiq.actor(
            fn,
            actor_name=name,
            queue_name=queue,
            retry_when=should_retry,
            min_backoff=MIN_BACKOFF_MS,
            max_backoff=MAX_BACKOFF_MS,
            time_limit=TIME_LIMIT_MS,
        )
        WORKERS[name] = actor
        if pending is not None:
            PENDING[name] = pending
        if finds is not None:
            FINDERS[name] = finds
        return actor

    return declare


def load_workers():
    """Import every app's `actors` module, so that WORKERS names them all."""
    autodiscover_modules("actors")
    return WORKERS


def load_pending():
    load_workers()
    return PENDING


def load_finders():
    load_workers()
    return FINDERS


def worker_named(name):
    actor = load_workers().get(name)
    if actor is None:
        raise ValueError(f"no worker named {name!r}; known: {', '.join(sorted(WORKERS))}")
    return actor


def job_lease_seconds():
    """How long a started job may run before the sweeper takes it for lost (its process died mid-job)."""
    return TIME_LIMIT_MS // 1000 + settings.JOB_SWEEP_EVERY + 60
