"""Which failures a job retries, and when: the same rule for the inline runner and the Dramatiq workers.

A transient failure (a locked or dropped database connection, storage or the network not answering) is retried for as
long as it lasts, at most MAX_BACKOFF apart: it never needs a human. Any other failure is a defect or bad data; it is
retried JOB_MAX_RETRIES times and then the job is `failed`, which the admin and /health show.
"""

import random
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

MIN_BACKOFF_MS = 1000
MAX_BACKOFF_MS = 5 * 60 * 1000


class TransientError(Exception):
    """A failure that passes by itself (storage not answering): the job is retried for as long as it lasts."""


class PermanentError(Exception):
    """A failure no retry can mend (a provider of a kind no backend serves): the job fails at once, for a human."""


# A database error other than these two (an IntegrityError, a DataError) is a defect, not a passing fault. OSError
# covers a full disk, which passes once space is freed.
_TRANSIENT = (TransientError, OperationalError, InterfaceError, OSError, TimeoutError)


def is_transient(error):
    return isinstance(error, _TRANSIENT)


def should_retry(retries, error):
    """Dramatiq's `retry_when`: `retries` failures came before this one."""
    if isinstance(error, PermanentError):
        return False
    return is_transient(error) or retries < settings.JOB_MAX_RETRIES


def backoff_seconds(attempts):
    """The wait before attempt `attempts + 1`: doubling from MIN_BACKOFF, capped at MAX_BACKOFF, with jitter."""
    ceiling = min(MIN_BACKOFF_MS * 2 ** min(attempts - 1, 20), MAX_BACKOFF_MS)
    return (ceiling / 2 + random.uniform(0, ceiling / 2)) / 1000


def retry_on_dropped_connection(write, *, attempts=8):
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
