"""Tools for deterministic race tests against the real PostgreSQL: requests in threads of their own, a second
connection that holds a lock they need, and the count of backends waiting for one."""

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psycopg
from django.db import connection, connections

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
    """How many backends of the test database wait for a lock now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def wait_for_lock_waiters(count):
    def waiting():
        """the requests wait for the lock"""
        return lock_waiters() >= count

    wait_until(waiting)
