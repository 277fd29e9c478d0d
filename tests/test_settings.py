"""A wrong environment value stops start-up with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def start(**environment):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL",)}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "variable, value",
    [
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "mysql://root@localhost/dds"),
        ("STORAGE_PROVIDER", "ftp"),
        ("ACTIVE_JOB_QUEUE_ADAPTER", "celery"),
        ("CLOUDAMQP_URL", "localhost:5672"),
        ("MESSAGE_LOG_WORK_DURATION", "soon"),
        ("DEBUG", "maybe"),
        ("OIDC_TIMEOUT", "soon"),
        ("OIDC_TIMEOUT", "0"),
        ("SIGNIN_BASE_URL", "dds.example.org"),
    ],
)
def test_it_refuses_a_bad_value_naming_the_variable(variable, value):
    result = start(**{variable: value})
    assert result.returncode != 0
    assert variable in result.stderr
    assert "Traceback" not in result.stderr


def test_it_refuses_to_run_without_a_secret_key_when_debug_is_off():
    result = start(DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_refuses_dramatiq_jobs_without_a_broker_url():
    result = start(ACTIVE_JOB_QUEUE_ADAPTER="dramatiq", CLOUDAMQP_URL="")
    assert result.returncode != 0
    assert "CLOUDAMQP_URL" in result.stderr


def test_it_starts_on_its_embedded_defaults(tmp_path):
    result = start(DATABASE_URL=f"sqlite:///{tmp_path}/dds.sqlite3")
    assert result.returncode == 0, result.stderr
