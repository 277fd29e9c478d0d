"""The one settings module: every value comes from the environment, with defaults.

With nothing set the service runs on one machine (SQLite, inline jobs, filesystem storage, message log
indexed in the database). A wrong value stops start-up with a message naming the variable.
"""

import os
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import dj_database_url
from corsheaders.defaults import default_headers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

_DEVELOPMENT_SECRET_KEY = "dds-development-only-secret-key-do-not-use-in-production"
_LOG_LEVELS = {"critical", "error", "warning", "info", "debug"}


def _env(name, default=None):
    value = os.environ.get(name, "").strip()
    return value if value else default


def _env_bool(name, default):
    value = _env(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def _env_int(name, default, minimum=0):
    value = _env(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def _env_choice(name, default, choices):
    value = _env(name, default).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(sorted(choices))}, not {value!r}")
    return value


def _env_list(name, default=""):
    return [item.strip() for item in _env(name, default).split(",") if item.strip()]


def _env_hosts(name, default):
    hosts = _env_list(name, default)
    for host in hosts:
        if not re.fullmatch(r"\.?[\w.*:\[\]-]+", host):
            raise ImproperlyConfigured(f"{name} must list host names (no scheme or path), not {host!r}")
    return hosts


def _env_origins(name):
    origins = _env_list(name)
    for origin in origins:
        parsed = urlparse(origin)
        if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.path or parsed.query:
            raise ImproperlyConfigured(f"{name} must list origins like https://app.example.org, not {origin!r}")
    return origins


def _env_pattern(name, default, pattern, meaning):
    value = _env(name, default)
    if not re.fullmatch(pattern, value):
        raise ImproperlyConfigured(f"{name} must be {meaning}, not {value!r}")
    return value


def _env_directory(name, default):
    """A folder the service writes to: made when missing; a file in its place or an unwritable parent is refused."""
    path = Path(_env(name, str(default))).resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ImproperlyConfigured(f"{name} must be a folder the service can create: {error}") from None
    return path


def _env_url(name, schemes):
    value = _env(name)
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not parsed.hostname:
        raise ImproperlyConfigured(f"{name} must be a {'/'.join(schemes)} URL with a host, not {value!r}")
    return value


# SQLite for a server of many threads: readers never block the writer (WAL), a write transaction takes the write lock
# when it begins, so it never fails upgrading a read lock ("database is locked"), and waits its turn up to 30 s.
_SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def _database(url):
    # Read whatever the engine, so that a wrong value is refused on SQLite too, naming its own variable.
    conn_max_age = _env_int("DATABASE_CONN_MAX_AGE", 60)
    prepared_statements = _env_bool("DATABASE_PREPARED_STATEMENTS", True)
    if url is None:
        VAR_DIR.mkdir(exist_ok=True)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "dds.sqlite3", "OPTIONS": _SQLITE_OPTIONS}
    try:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    except Exception as error:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be parsed ({error}): {url!r}") from None
    if config.get("ENGINE") not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ImproperlyConfigured(f"DATABASE_URL must be a postgres:// or sqlite:// URL, not {url!r}")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = _SQLITE_OPTIONS
    elif prepared_statements:
        # A query run twice on a connection is prepared there: PostgreSQL plans it once, not on every request.
        config["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}
    return config


# --- core -----------------------------------------------------------------------------------------

DEBUG = _env_bool("DEBUG", True)
SECRET_KEY = _env("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = _DEVELOPMENT_SECRET_KEY
elif SECRET_KEY == _DEVELOPMENT_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY must not be the development key when DEBUG is off")
ALLOWED_HOSTS = _env_hosts("ALLOWED_HOSTS", "*")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")
# Outside development the sign-in and admin cookies travel over https only (OWASP's session management guidance).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_dramatiq",
]
LOCAL_APPS = [
    "dds.accounts",
    "dds.jobs",
    "projects",
    "files",
    "uploads",
    "messagelog",
    "provenance",
    "metadata",
    "search",
    "notifications",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dds.request_context.RequestIdMiddleware",
    "dds.routing.CollapseSlashesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "dds.request_limits.ApiBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dds.urls"
WSGI_APPLICATION = "dds.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": _database(_env("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = _env_directory("STATIC_ROOT", VAR_DIR / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without collectstatic (the quick start, the tests) WhiteNoise serves straight from the apps' folders.
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": _env_choice("LOG_LEVEL", "info", _LOG_LEVELS).upper()},
    "loggers": {
        "pika": {"level": "WARNING"},
        "elastic_transport": {"level": "ERROR"},
    },
}

# --- the API ----------------------------------------------------------------------------------------

API_TOKEN_TIME_TO_LIVE = 7200
# API bodies are small JSON or form objects (file bytes go to signed storage URLs): a larger one answers 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["dds.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["dds.parsers.NestingLimitedJSONParser", "dds.parsers.NestedFormParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dds.exception_handler.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "URL_FORMAT_OVERRIDE": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "DDS API",
    "DESCRIPTION": (
        "Duke Data Service REST API v1, eventually consistent (DDS-872). Authenticate with the raw api_token "
        "from POST /api/v1/software_agents/api_token in the Authorization header (no Bearer prefix). Errors, "
        "eventual consistency (`resource_not_consistent` with `Retry-After`), what DDS adds to the original service "
        "and where it differs, and what each `ddsclient` command calls: `docs/api/README.md` in the DDS repository."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs page are public: a stale token a browser still sends must not lock them.
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["dds.openapi.strip_optional_slash"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "dds.openapi.collections_in_results",
        "dds.openapi.form_bodies_nest_with_brackets",
        "dds.openapi.strings_carry_no_nul",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ParentKindEnum": ["dds-project", "dds-folder"],
        "ContainerKindEnum": "files.models.Container.Kind",
    },
}

CORS_ALLOWED_ORIGINS = _env_origins("CORS_ALLOWED_ORIGINS")
CORS_ALLOW_ALL_ORIGINS = not CORS_ALLOWED_ORIGINS
# The API, and the filesystem backend's signed transfer URLs a browser sends bytes to and reads them from.
CORS_URLS_REGEX = r"^/(api|storage)/.*$"
CORS_ALLOW_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT")
CORS_ALLOW_HEADERS = (*default_headers, "cache-control", "pragma")
CORS_EXPOSE_HEADERS = (
    "X-Total",
    "X-Total-Pages",
    "X-Page",
    "X-Per-Page",
    "X-Next-Page",
    "X-Prev-Page",
    "Retry-After",
    "X-Request-Id",
)

# --- jobs, storage, message log ---------------------------------------------------------------------------

CLOUDAMQP_URL = _env_url("CLOUDAMQP_URL", ("amqp", "amqps"))
ACTIVE_JOB_QUEUE_ADAPTER = _env_choice(
    "ACTIVE_JOB_QUEUE_ADAPTER", "dramatiq" if CLOUDAMQP_URL else "inline", {"inline", "dramatiq", "sneakers"}
).replace("sneakers", "dramatiq")
if ACTIVE_JOB_QUEUE_ADAPTER == "dramatiq" and CLOUDAMQP_URL is None:
    raise ImproperlyConfigured("CLOUDAMQP_URL must be set when ACTIVE_JOB_QUEUE_ADAPTER is dramatiq")
WORKERS_ALL_RUN_EXCEPT = _env_list("WORKERS_ALL_RUN_EXCEPT")
JOB_MAX_RETRIES = _env_int("JOB_MAX_RETRIES", 12)
JOB_SWEEP_EVERY = _env_int("JOB_SWEEP_EVERY", 2)
COMPLETE_WAIT_SECONDS = _env_int("COMPLETE_WAIT_SECONDS", 2)
RECONCILE_OLDER_THAN = _env_int("RECONCILE_OLDER_THAN", 60, minimum=1)
HEALTH_QUEUE_STALL_SECONDS = _env_int("HEALTH_QUEUE_STALL_SECONDS", 60, minimum=1)
# Folders and files one step of a folder's or project's deletion marks (one job, one transaction).
DELETION_BATCH = _env_int("DELETION_BATCH", 1000, minimum=1)

# django-dramatiq would otherwise assume RabbitMQ on localhost: without CLOUDAMQP_URL the broker is an in-process
# stub that never carries a message (inline jobs do not use it).
DRAMATIQ_BROKER = {
    "BROKER": "dramatiq.brokers.rabbitmq.RabbitmqBroker" if CLOUDAMQP_URL else "dramatiq.brokers.stub.StubBroker",
    "OPTIONS": {"url": CLOUDAMQP_URL, "confirm_delivery": True} if CLOUDAMQP_URL else {},
    # Dramatiq runs the after-hooks in reverse order: JobProgress sees the outcome Retries decided.
    "MIDDLEWARE": [
        "dramatiq.middleware.AgeLimit",
        "dramatiq.middleware.TimeLimit",
        "dramatiq.middleware.ShutdownNotifications",
        "django_dramatiq.middleware.DbConnectionsMiddleware",
        "dds.jobs.middleware.JobProgress",
        "dramatiq.middleware.Retries",
        "messagelog.capture.MessageLogCapture",
    ],
}
DRAMATIQ_AUTODISCOVER_MODULES = ["actors"]

STORAGE_ROOT = _env_directory("STORAGE_ROOT", VAR_DIR / "storage")
STORAGE_MIN_FREE_MB = _env_int("STORAGE_MIN_FREE_MB", 1024)
# The class serving each kind of storage provider (dotted paths); every kind a provider can have needs one, which
# every management command (migrate, run_workers, check) verifies at start-up.
STORAGE_BACKENDS = {
    "filesystem": "uploads.storage.filesystem.FilesystemStorage",
    "s3": "uploads.storage.s3.S3Storage",
}
STORAGE_PROVIDER = _env_choice("STORAGE_PROVIDER", "filesystem", {"filesystem", "s3"})
S3_ENDPOINT_URL = _env_url("S3_ENDPOINT_URL", ("http", "https"))
S3_ACCESS_KEY_ID = _env("S3_ACCESS_KEY_ID")
S3_SECRET_ACCESS_KEY = _env("S3_SECRET_ACCESS_KEY")
S3_REGION = _env_pattern("S3_REGION", "us-east-1", r"[a-z0-9-]+", "a region name like us-east-1")
if STORAGE_PROVIDER == "s3" and not (S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY):
    raise ImproperlyConfigured("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set when STORAGE_PROVIDER is s3")

# Bytes nobody can reach are freed: an upload not made into a file version this many days after it started is purged
# (an errored upload, and every upload of a deleted project, without waiting).
UPLOAD_RETENTION_DAYS = _env_int("UPLOAD_RETENTION_DAYS", 7, minimum=1)

ELASTICSEARCH_URL = _env_url("ELASTICSEARCH_URL", ("http", "https"))
# Search of folders and files (search/backends): in Elasticsearch when this is set, else in the database. The index is
# an alias of that name over `<name>-v<mapping version>-<timestamp>`; `search_reindex` builds a new one and moves it.
SEARCH_ELASTICSEARCH_URL = _env_url("SEARCH_ELASTICSEARCH_URL", ("http", "https"))
SEARCH_ELASTICSEARCH_INDEX = _env_pattern(
    "SEARCH_ELASTICSEARCH_INDEX", "dds_folders_files", r"[a-z0-9][a-z0-9_]{0,99}", "lower-case letters, digits and _"
)
MESSAGE_LOG_WORK_DURATION = _env_int("MESSAGE_LOG_WORK_DURATION", 300, minimum=1)

# --- sign-in through identity providers -------------------------------------------------------------------

# Seconds DDS waits for an OpenID Connect issuer (discovery, keys, token, userinfo) before answering 503.
OIDC_TIMEOUT = _env_int("OIDC_TIMEOUT", 10, minimum=1)
# The public base URL of this service (`https://dds.example.org`): the redirect URI /login registers with the
# issuer and the `url` of the client config it shows. Unset: taken from each request's Host.
SIGNIN_BASE_URL = (_env_url("SIGNIN_BASE_URL", ("http", "https")) or "").rstrip("/") or None

# --- email (notifications/) ----------------------------------------------------------------------------------

_EMAIL_SCHEMES = {"smtp": (False, False), "smtp+tls": (True, False), "smtps": (False, True)}


def _email(url):
    """Django's EMAIL_* settings from `EMAIL_URL` (`smtp://user:password@host:port`, `smtp+tls://…` for STARTTLS,
    `smtps://…` for TLS from the start, `console://`), else from the EMAIL_* variables themselves; with neither, the
    console backend: each message is written to the standard output of the process that sends it."""
    if url is None:
        host = _env("EMAIL_HOST")
        if host is None:
            return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": host,
            "EMAIL_PORT": _env_int("EMAIL_PORT", 25, minimum=1),
            "EMAIL_HOST_USER": _env("EMAIL_HOST_USER", ""),
            "EMAIL_HOST_PASSWORD": _env("EMAIL_HOST_PASSWORD", ""),
            "EMAIL_USE_TLS": _env_bool("EMAIL_USE_TLS", False),
            "EMAIL_USE_SSL": _env_bool("EMAIL_USE_SSL", False),
        }
    parsed = urlparse(url)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme not in _EMAIL_SCHEMES or not parsed.hostname:
        raise ImproperlyConfigured(
            f"EMAIL_URL must be smtp://, smtp+tls://, smtps:// (user:password@host:port) or console://, not {url!r}"
        )
    use_tls, use_ssl = _EMAIL_SCHEMES[parsed.scheme]
    try:
        port = parsed.port or (465 if use_ssl else 587 if use_tls else 25)
    except ValueError:
        raise ImproperlyConfigured(f"EMAIL_URL has a port that is not a number: {url!r}") from None
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
    }


_MAIL = _email(_env("EMAIL_URL"))
EMAIL_BACKEND = _MAIL["EMAIL_BACKEND"]
EMAIL_HOST = _MAIL.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _MAIL.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _MAIL.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _MAIL.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _MAIL.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _MAIL.get("EMAIL_USE_SSL", False)
# Seconds DDS waits for the mail server; a send that fails is retried by its job.
EMAIL_TIMEOUT = _env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = _env("DEFAULT_FROM_EMAIL", "DDS <dds@localhost>")

# Days a project invitation's link may be used (projects/invitations/).
INVITATION_DAYS = _env_int("INVITATION_DAYS", 7, minimum=1)

# --- key-guessing limits (dds/accounts/rate_limits.py) ------------------------------------------------------

# Failed key checks (POST /software_agents/api_token answering `invalid key`) a client address, and a key, may make
# per window of KEY_FAILURE_WINDOW seconds before every attempt from it, or with it, answers 429 until the window ends.
KEY_FAILURES_PER_ADDRESS = _env_int("KEY_FAILURES_PER_ADDRESS", 30, minimum=1)
KEY_FAILURES_PER_KEY = _env_int("KEY_FAILURES_PER_KEY", 10, minimum=1)
KEY_FAILURE_WINDOW = _env_int("KEY_FAILURE_WINDOW", 300, minimum=1)
# Behind a proxy, the request header that carries the client's address (the README's nginx sets X-Real-IP); unset:
# the connection's address. Set it only when the proxy overwrites that header on every request.
CLIENT_ADDRESS_HEADER = _env("CLIENT_ADDRESS_HEADER")
