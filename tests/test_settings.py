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
        ("DATABASE_CONN_MAX_AGE", "abc"),
        ("DATABASE_CONN_MAX_AGE", "-1"),
        ("DATABASE_PREPARED_STATEMENTS", "sometimes"),
        ("DEBUG", "maybe"),
        ("ALLOWED_HOSTS", "https://dds.example.org"),
        ("CORS_ALLOWED_ORIGINS", "app.example.org"),
        ("CLOUDAMQP_URL", "localhost:5672"),
        ("ACTIVE_JOB_QUEUE_ADAPTER", "celery"),
        ("JOB_MAX_RETRIES", "many"),
        ("JOB_SWEEP_EVERY", "often"),
        ("COMPLETE_WAIT_SECONDS", "a moment"),
        ("RECONCILE_OLDER_THAN", "0"),
        ("HEALTH_QUEUE_STALL_SECONDS", "0"),
        ("STORAGE_MIN_FREE_MB", "1GB"),
        ("STORAGE_PROVIDER", "ftp"),
        ("EMAIL_URL", "mail.example.org"),
        ("EMAIL_URL", "imap://mail.example.org"),
        ("EMAIL_URL", "smtp://mail.example.org:twenty-five"),
        ("EMAIL_TIMEOUT", "0"),
        ("S3_ENDPOINT_URL", "minio:9000"),
        ("S3_REGION", "US East"),
        ("ELASTICSEARCH_URL", "localhost:9200"),
        ("SEARCH_ELASTICSEARCH_URL", "localhost:9200"),
        ("SEARCH_ELASTICSEARCH_INDEX", "Folders-Files"),
        ("MESSAGE_LOG_WORK_DURATION", "soon"),
        ("LOG_LEVEL", "LOUD"),
        ("OIDC_TIMEOUT", "soon"),
        ("OIDC_TIMEOUT", "0"),
        ("SIGNIN_BASE_URL", "dds.example.org"),
        ("UPLOAD_RETENTION_DAYS", "a week"),
        ("UPLOAD_RETENTION_DAYS", "0"),
    ],
)
def test_it_refuses_a_bad_value_naming_the_variable(variable, value):
    result = start(**{variable: value})
    assert result.returncode != 0
    assert variable in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("variable", ["DATABASE_CONN_MAX_AGE", "DATABASE_PREPARED_STATEMENTS"])
@pytest.mark.parametrize("database", ["postgres://postgres@127.0.0.1:5432/dds", "sqlite:///{tmp_path}/dds.sqlite3"])
def test_it_blames_a_bad_database_value_on_itself_on_either_engine(variable, database, tmp_path):
    result = start(DATABASE_URL=database.format(tmp_path=tmp_path), **{variable: "abc"})
    assert result.returncode != 0
    assert variable in result.stderr
    assert "DATABASE_URL" not in result.stderr


@pytest.mark.parametrize("variable", ["STORAGE_ROOT", "STATIC_ROOT"])
def test_it_refuses_a_folder_it_cannot_make(variable, tmp_path):
    (tmp_path / "a-file").write_text("")
    result = start(**{variable: str(tmp_path / "a-file" / "folder")})
    assert result.returncode != 0
    assert variable in result.stderr
    assert "Traceback" not in result.stderr


def test_it_refuses_the_development_secret_key_when_debug_is_off():
    result = start(DEBUG="false", SECRET_KEY="dds-development-only-secret-key-do-not-use-in-production")
    assert result.returncode != 0
    assert "SECRET_KEY must not be the development key" in result.stderr


def test_it_refuses_s3_storage_without_keys():
    result = start(STORAGE_PROVIDER="s3", S3_ACCESS_KEY_ID="", S3_SECRET_ACCESS_KEY="")
    assert result.returncode != 0
    assert "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY" in result.stderr


def test_it_refuses_to_run_workers_an_unknown_exception_names():
    result = subprocess.run(
        [sys.executable, "manage.py", "run_workers"],
        cwd=ROOT,
        env={**os.environ, "WORKERS_ALL_RUN_EXCEPT": "complete_uploads"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "WORKERS_ALL_RUN_EXCEPT names an unknown worker complete_uploads" in result.stderr


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


@pytest.mark.parametrize("debug, secure", [("false", "True True"), ("true", "False False")])
def test_the_session_and_form_cookies_travel_over_https_only_outside_development(debug, secure):
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)"
    )
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(DEBUG=debug, SECRET_KEY="a-production-secret", DJANGO_SETTINGS_MODULE="dds.settings")
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == secure


def mail_settings(**environment):
    env = {key: value for key, value in os.environ.items() if not key.startswith("EMAIL_")}
    env.update(environment)
    code = (
        "from django.conf import settings as s; print(s.EMAIL_BACKEND.rsplit('.', 2)[1], s.EMAIL_HOST, s.EMAIL_PORT, "
        "s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.DEFAULT_FROM_EMAIL)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize(
    "environment, expected",
    [
        ({}, ["console", "localhost", "25", "False", "False", "DDS", "<dds@localhost>"]),
        (
            {
                "EMAIL_URL": "smtp+tls://dds%40example.edu:p%2Fss@mail.example.edu",
                "DEFAULT_FROM_EMAIL": "dds@example.edu",
            },
            ["smtp", "mail.example.edu", "587", "dds@example.edu", "p/ss", "True", "False", "dds@example.edu"],
        ),
        (
            {"EMAIL_URL": "smtps://mail.example.edu"},
            ["smtp", "mail.example.edu", "465", "False", "True", "DDS", "<dds@localhost>"],
        ),
        (
            {"EMAIL_HOST": "relay.example.edu", "EMAIL_PORT": "2525"},
            ["smtp", "relay.example.edu", "2525", "False", "False", "DDS", "<dds@localhost>"],
        ),
    ],
    ids=["embedded default", "EMAIL_URL with STARTTLS", "EMAIL_URL with TLS", "EMAIL_HOST"],
)
def test_it_reads_the_mail_server_from_email_url_or_email_host(environment, expected):
    assert mail_settings(**environment) == expected
