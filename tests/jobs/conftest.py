"""Workers in their own processes, against the real RabbitMQ and the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import dramatiq
import pytest
from django.db import connection

from dds.jobs.registry import load_workers

ROOT = Path(__file__).resolve().parents[2]


def wait_until(predicate, timeout=20, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise AssertionError(f"not true after {timeout} s: {predicate.__doc__ or predicate}")


@pytest.fixture
def dramatiq_mode(settings):
    """Jobs go to RabbitMQ; the queues start empty."""
    if connection.vendor == "sqlite":
        pytest.skip("workers in other processes need a database server, not an in-memory SQLite test database")
    settings.ACTIVE_JOB_QUEUE_ADAPTER = "dramatiq"
    broker = dramatiq.get_broker()
    for actor in load_workers().values():
        broker.flush(actor.queue_name)
    return broker


def queue_depth(broker, queue_name):
    ready, delayed, dead = broker.get_queue_message_counts(queue_name)
    return {"ready": ready, "delayed": delayed, "dead": dead}


@pytest.fixture
def start_worker(storage_root, tmp_path):
    """`start_worker("initialize_project_storage", JOB_MAX_RETRIES="1")`: run_workers in a child process."""
    processes = []

    def start(*names, **environment):
        database = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "ACTIVE_JOB_QUEUE_ADAPTER": "dramatiq",
            "STORAGE_ROOT": str(storage_root),
            **environment,
        }
        log = tmp_path / f"worker-{len(processes)}.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "run_workers", "--threads", "2", *names],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        processes.append(process)

        def ready():
            """the worker says it is running"""
            assert process.poll() is None, log.read_text()
            return "running workers" in log.read_text()

        wait_until(ready)
        process.log = log
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
