"""The workers: each is a Dramatiq actor with the original service's worker and queue names."""

import dramatiq
from django.conf import settings

WORKERS = {}

# Keep each job well under RabbitMQ's 30-minute consumer timeout.
TIME_LIMIT_MS = 10 * 60 * 1000


def worker(name, *, queue):
    """Declare the actor `name`, consuming `queue`, retried with exponential backoff up to JOB_MAX_RETRIES times."""

    def declare(fn):
        actor = dramatiq.actor(
            fn,
            actor_name=name,
            queue_name=queue,
            max_retries=settings.JOB_MAX_RETRIES,
            min_backoff=1000,
            max_backoff=5 * 60 * 1000,
            time_limit=TIME_LIMIT_MS,
        )
        WORKERS[name] = actor
        return actor

    return declare


def load_workers():
    """Import every app's `actors` module, so that WORKERS names them all."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("actors")
    return WORKERS
