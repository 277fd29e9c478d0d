"""Verification claims: the lease one verification holds on an upload while it reads the bytes
outside any transaction.

A claim is free once released, once older than VERIFICATION_LEASE, or, on PostgreSQL, as soon as the database
session that took it has ended: the claim of a worker that crashed is taken again by the redelivered job at once.
"""

import secrets
from datetime import timedelta

from django.db import connection
from django.utils import timezone

# Longer than a job's time limit: only a verification that nobody can see ending leaves a claim this old.
VERIFICATION_LEASE = timedelta(minutes=15)

_SESSION = "pg_backend_pid()::text || ':' || extract(epoch FROM backend_start)::text"


def _database_session():
    """This connection's database session, "" where the database cannot tell another session whether it lives."""
    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_SESSION} FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        return cursor.fetchone()[0]


def _session_ended(session):
    if not session or connection.vendor != "postgresql":
        return False
    pid, started = session.split(":", 1)
    with connection.cursor() as cursor:
        # Another role's session shows its pid but not always its start: the pid alone then keeps the claim.
        cursor.execute(
            "SELECT backend_start IS NULL OR extract(epoch FROM backend_start)::text = %s "
            "FROM pg_stat_activity WHERE pid = %s",
            [started, int(pid)],
        )
        row = cursor.fetchone()
    return row is None or not row[0]


def claim_is_free(upload):
    """Free, or left by a verification that cannot be running: this session's own (a connection verifies one upload
    at a time), a session that has ended, or one older than the lease."""
    if not upload.verification_claim:
        return True
    if upload.verification_claimed_on < timezone.now() - VERIFICATION_LEASE:
        return True
    session = upload.verification_session
    return _session_ended(session) or (session != "" and session == _database_session())


def claim_take(upload):
    """Claim the upload for this verification (the caller saves it); returns the claim's token."""
    upload.verification_claim = secrets.token_hex(16)
    upload.verification_claimed_on = timezone.now()
    upload.verification_session = _database_session()
    return upload.verification_claim


def claim_clear(upload):
    upload.verification_claim, upload.verification_claimed_on, upload.verification_session = "", None, ""


CLAIM_FIELDS = ["verification_claim", "verification_claimed_on", "verification_session"]
