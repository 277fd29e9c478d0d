"""Scratch databases, folders and RabbitMQ virtual hosts, and the environment of the services a benchmark
starts (production-like settings, loopback only)."""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import PYTHON, ROOT

SECRET_KEY = "bench-secret-key-not-for-production-0123456789abcdef"


def recreate_database(url):
    """Drop and create the PostgreSQL database `url` names: point it at a scratch database only."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(
        host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"], dbname="postgres", autocommit=True
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{config["NAME"]}"')


def scratch_dir(prefix):
    """A folder under /tmp removed when the benchmark exits."""
    path = Path(tempfile.mkdtemp(prefix=f"dds-bench-{prefix}-", dir="/tmp"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def rabbitmq_vhost(name):
    """A RabbitMQ virtual host of the benchmark's own, made empty (as bin/test does with rabbitmqctl)."""
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], capture_output=True, timeout=60)
    for command in (["add_vhost", name], ["set_permissions", "-p", name, "guest", ".*", ".*", ".*"]):
        subprocess.run(["rabbitmqctl", "-q", *command], check=True, capture_output=True, timeout=60)
    return f"amqp://guest:guest@127.0.0.1:5672/{name}"


def server_env(database_url, storage_root, **extra):
    """The environment of every service process a benchmark starts: production-like (DEBUG off), loopback only."""
    env = {key: value for key, value in os.environ.items() if key not in ("CLOUDAMQP_URL", "ACTIVE_JOB_QUEUE_ADAPTER")}
    env.update(
        DJANGO_SETTINGS_MODULE="dds.settings",
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        STORAGE_ROOT=str(storage_root),
        STATIC_ROOT=str(Path(storage_root).parent / "static"),
        ACTIVE_JOB_QUEUE_ADAPTER="inline",
        PYTHONUNBUFFERED="1",
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(env, *args, timeout=300):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=timeout)


def django_setup(env):
    """Set Django up in this process on the services' settings (to make users and data in bulk)."""
    os.environ.update(env)
    # The project first: a bench script's folder (sys.path[0]) must not shadow an app (bench/messagelog.py).
    if str(ROOT) in sys.path:
        sys.path.remove(str(ROOT))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def in_process_django():
    """A fresh database at DATABASE_URL, migrated, with Django set up here to serve requests through its test client
    (the in-process benchmarks: listing, provenance search)."""
    recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
