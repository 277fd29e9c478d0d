"""Limits on guessing keys at POST /software_agents/api_token: failed checks are counted per client address and per
key (each key of the request) in fixed windows of KEY_FAILURE_WINDOW seconds; once a count reaches its limit, every
attempt from that address or with that key answers 429 with Retry-After until the window ends, right keys too.

The counters are rows of the database (KeyFailureCount), the one store every mode shares: several gunicorn processes
on several machines count together, and the embedded default needs nothing more. A cache in process memory would
count per process; Django's database cache increments by read-then-write, which concurrent failures undercount;
Redis would be one more service to run. A failure costs one upsert, a check one indexed read.
"""

import hashlib
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from dds import errors

from .models import KeyFailureCount


class TooManyKeyFailures(errors.TooManyRequests):
    reason = "too many failed key checks"
    suggestion = "check the agent_key and user_key of your client config, then retry after Retry-After seconds"


def client_address(request):
    if settings.CLIENT_ADDRESS_HEADER:
        forwarded = request.headers.get(settings.CLIENT_ADDRESS_HEADER, "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")


def _subjects(address, keys):
    """(subject, limit) pairs: the address, and each key by its SHA-256 (no guessed key is stored)."""
    hashed = {hashlib.sha256(key.encode()).hexdigest() for key in keys}
    return [(f"address:{address}", settings.KEY_FAILURES_PER_ADDRESS)] + [
        (f"key:{digest}", settings.KEY_FAILURES_PER_KEY) for digest in sorted(hashed)
    ]


def _window(now):
    return int(now) // settings.KEY_FAILURE_WINDOW * settings.KEY_FAILURE_WINDOW


def key_failures_check(*, address, keys):
    """429 (TooManyKeyFailures) if the address or a key has used up its failures in this window."""
    now = time.time()
    window = _window(now)
    limits = dict(_subjects(address, keys))
    counts = KeyFailureCount.objects.filter(window=window, subject__in=limits).values_list("subject", "count")
    if any(count >= limits[subject] for subject, count in counts):
        raise TooManyKeyFailures(retry_after=window + settings.KEY_FAILURE_WINDOW - now)


def key_failure_record(*, address, keys):
    """Count one failed check for the address and each key, and forget the windows that ended."""
    window = _window(time.time())
    KeyFailureCount.objects.filter(window__lt=window).delete()
    for subject, _ in _subjects(address, keys):
        counter = KeyFailureCount.objects.filter(subject=subject, window=window)
        if counter.update(count=F("count") + 1):
            continue
        try:
            with transaction.atomic():
                KeyFailureCount.objects.create(subject=subject, window=window, count=1)
        except IntegrityError:  # a concurrent failure made the row first
            counter.update(count=F("count") + 1)
