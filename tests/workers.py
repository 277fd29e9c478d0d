"""Helpers for tests that run workers in their own processes."""

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wait_until(predicate, timeout=20, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise AssertionError(f"not true after {timeout} s: {predicate.__doc__ or predicate}")


def queue_depth(broker, queue_name):
    ready, delayed, dead = broker.get_queue_message_counts(queue_name)
    return {"ready": ready, "delayed": delayed, "dead": dead}
