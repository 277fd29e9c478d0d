"""Tools for deterministic race tests against the real PostgreSQL: requests in threads of their own, a second
connection that holds a lock they need, and the count of backends waiting for one."""

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection, connections, transaction

from .client import API
from .workers import wait_until


def in_thread(fn, *args, **kwargs):
    """Start `fn(*args, **kwargs)` in a thread with database connections of its own; a Future of its result."""

    def run():
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(run)
    pool.shutdown(wait=False)
    return future


@contextmanager
def second_connection():
    """A connection of its own to the test database, in a transaction: the locks it takes hold until it leaves."""
    database = connection.settings_dict
    with psycopg.connect(
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"] or None,
        host=database["HOST"],
        port=database["PORT"] or None,
    ) as other:
        yield other


def lock_waiters():
    """How many backends of the test database wait for a lock now (also inside a transaction, which would otherwise
    read the activity it saw first)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def wait_for_lock_waiters(count):
    def waiting():
        """the requests wait for the lock"""
        return lock_waiters() >= count

    wait_until(waiting)


def answered_after(write, client, method, path, body=None):
    """Run `write()` in a transaction held open until an API request, sent from a thread, waits for a lock (or has
    answered: code that does not take the lock it should lets it through at once), then commit; the request's
    response."""
    if connection.vendor != "postgresql":
        pytest.skip("seeing a request wait for a row lock needs PostgreSQL")
    with transaction.atomic():
        write()
        answer = in_thread(getattr(client, method.lower()), f"{API}{path}", body, format="json")

        def waiting_or_answered():
            """the request waits for a lock, or has answered"""
            return lock_waiters() > 0 or answer.done()

        wait_until(waiting_or_answered)
    return answer.result(timeout=30)
