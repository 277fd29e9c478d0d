"""Shared named users and HTTP clients: tests talk to the service over its API, as clients do."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from functools import partial

import dramatiq
import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from dds.accounts import services
from dds.accounts.models import User
from dds.audit import Actor
from dds.authentication import api_token_encode
from dds.jobs.adapters import ADAPTERS
from dds.jobs.registry import load_workers
from dds.jobs.services import job_run
from dds.jobs.sweeper import Sweeper
from projects import services as project_services
from projects.models import AuthRole
from projects.transfers.services import project_transfer_create
from uploads.models import StorageProvider

from .committing import commit_then_run_jobs
from .workers import ROOT, serve, stop, wait_until

# A test using one of these runs workers or servers in other processes, sharing its database: PostgreSQL only.
_OTHER_PROCESSES = {"dramatiq_mode", "start_server", "start_worker"}


def pytest_collection_modifyitems(config, items):
    """On SQLite, skip the tests marked `postgresql` (or using a fixture of _OTHER_PROCESSES), each saying why."""
    if connection.vendor != "sqlite":
        return
    for item in items:
        marker = item.get_closest_marker("postgresql")
        if marker is not None:
            reason = marker.args[0] if marker.args else "PostgreSQL only"
        elif _OTHER_PROCESSES & set(item.fixturenames):
            reason = "processes sharing the test database need a database server, not an in-memory SQLite database"
        else:
            continue
        item.add_marker(pytest.mark.skip(reason=f"needs PostgreSQL: {reason}"))


@pytest.fixture(autouse=True)
def inline_jobs(request):
    """Each test starts with no inline job queued. A test serving requests from a live server gets the job runners and
    the sweeper of a web process (dds/wsgi.py starts them there): its requests commit for real, its jobs run after
    their responses, and a job that failed on a passing fault is retried (the in-memory SQLite test database refuses
    a write while another connection reads). Any other test runs its jobs with tests.committing."""
    inline = ADAPTERS["inline"]
    inline.drain(lambda *args, **kwargs: None)
    if "live_server" not in request.fixturenames:
        yield inline
        return
    inline.start(job_run)
    sweeper = Sweeper(every=1)
    sweeper.start()
    yield inline
    sweeper.stop()
    sweeper.join()
    inline.stop()


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    settings.STORAGE_ROOT = tmp_path / "storage"
    return settings.STORAGE_ROOT


@pytest.fixture
def anonymous():
    return APIClient()


class CommittingClient(APIClient):
    """An API client whose requests each run their on-commit callbacks when they return, as a real commit would, and
    then the inline jobs these queued, as the server's job runners would after the response.

    pytest-django runs each test in one transaction that never commits, so the callbacks through which jobs are
    sent would never fire by themselves. Callbacks of a request whose work rolled back are dropped, as in a real
    rollback. (In production the commit comes before the response is rendered; here after.)
    """

    def request(self, **kwargs):
        with commit_then_run_jobs():
            return super().request(**kwargs)


@pytest.fixture
def client_for():
    """`client_for(user)`, `client_for(user, agent)`: a client sending that session's raw api_token.

    `commit=False` gives a client whose jobs never run, as in a deployment whose workers have not got to them yet.
    """

    def make(user, agent=None, *, commit=True):
        client = CommittingClient() if commit else APIClient()
        client.credentials(HTTP_AUTHORIZATION=api_token_encode(user=user, agent=agent)["api_token"])
        return client

    return make


@pytest.fixture
def make_user(db):
    def make(username):
        return services.user_create(
            username=username, email=f"{username}@example.org", first_name=username.title(), last_name="Tester"
        )

    return make


@pytest.fixture
def alice(db):
    return services.user_create(username="alice", email="alice@example.org", first_name="Alice", last_name="Liddell")


@pytest.fixture
def bob(db):
    return services.user_create(username="bob", email="bob@example.org", first_name="Bob", last_name="Builder")


@pytest.fixture
def alice_agent(alice):
    return services.software_agent_create(actor=Actor(user=alice), name="DukeDSClient")


@pytest.fixture
def carol(make_user):
    return make_user("carol")


@pytest.fixture
def sysadmin(make_user):
    """A user holding the system_admin role (the first one has to be made without the API)."""
    user = make_user("sysadmin")
    project_services.system_permission_set(
        actor=Actor(user=user), user=user, auth_role=AuthRole.objects.get(pk="system_admin")
    )
    return user


@pytest.fixture
def operator(db):
    """A Django test client signed in to the admin as a superuser."""
    client = Client()
    client.force_login(User.objects.create(username="operator", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def as_alice(client_for, alice):
    return client_for(alice)


@pytest.fixture
def as_bob(client_for, bob):
    return client_for(bob)


@pytest.fixture
def as_carol(client_for, carol):
    return client_for(carol)


@pytest.fixture
def as_sysadmin(client_for, sysadmin):
    return client_for(sysadmin)


@pytest.fixture
def make_project():
    """`make_project(owner, name)`: a project as POST /projects makes it, its storage initialized on every provider;
    `initialized=False` leaves its storage job waiting."""

    def make(owner, name="Mouse RNA-seq", description="RNA-seq of mouse livers", slug="", *, initialized=True):
        create = partial(project_services.project_create, actor=Actor(user=owner), name=name, description=description)
        if not initialized:
            return create(slug=slug)
        with commit_then_run_jobs():
            return create(slug=slug)

    return make


@pytest.fixture
def project(alice, make_project):
    """Alice's project, its storage initialized: she is its project_admin."""
    return make_project(alice)


@pytest.fixture
def grant():
    """`grant(project, user, "file_editor")`: give `user` that role on `project`, as its creator would."""

    def give(project, user, role_id):
        return project_services.project_permission_set(
            actor=Actor(user=project.created_by), project=project, user=user, auth_role=AuthRole.objects.get(pk=role_id)
        )

    return give


@pytest.fixture
def make_transfer():
    """`make_transfer(project, bob, carol)`: the project offered to those users by its creator (or `sender=`)."""

    def make(project, *recipients, sender=None):
        return project_transfer_create(
            actor=Actor(user=sender or project.created_by),
            project=project,
            to_user_ids=[user.id for user in recipients],
        )

    return make


@pytest.fixture
def carol_as(carol, project, grant, make_project, client_for, anonymous):
    """`carol_as(caller)`: a client for one of the callers the permission matrices name, with Carol as the user:
    "no token", "<role> on the project", "admin of another project", "system admin", "agent session of a
    project_admin" (through `agent=`, else an agent made for it). `commit=` as for client_for."""

    def make(caller, *, agent=None, commit=True):
        if caller == "no token":
            return anonymous
        actor = Actor(user=carol)
        if caller.endswith(" on the project"):
            grant(project, carol, caller.removesuffix(" on the project"))
        elif caller == "admin of another project":
            make_project(carol, "Carol's own")
        elif caller == "system admin":
            role = AuthRole.objects.get(pk="system_admin")
            project_services.system_permission_set(actor=actor, user=carol, auth_role=role)
        elif caller == "agent session of a project_admin":
            grant(project, carol, "project_admin")
            agent = agent or services.software_agent_create(actor=actor, name="DukeDSClient")
            return client_for(carol, agent, commit=commit)
        else:
            raise ValueError(f"no such caller: {caller!r}")
        return client_for(carol, commit=commit)

    return make


@pytest.fixture
def default_provider(db):
    return StorageProvider.objects.get(is_default=True)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3-protocol server (moto in server mode) on loopback, for the whole session."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path_factory.mktemp("s3") / "moto.log"
    env = {**os.environ, "S3_UPLOAD_PART_MIN_SIZE": "256"}
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the S3 server did not start: {log.read_text()}") from None
            time.sleep(0.1)
    yield endpoint
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3_provider(db, s3_server):
    return StorageProvider.objects.create(
        name="Loopback S3",
        description="moto",
        kind="s3",
        endpoint_url=s3_server,
        access_key_id="testing",
        secret_access_key="testing",
        region="us-east-1",
        bucket_name="dds-",
    )


@pytest.fixture
def dramatiq_mode(settings):
    """Jobs go to RabbitMQ; the queues start empty."""
    settings.ACTIVE_JOB_QUEUE_ADAPTER = "dramatiq"
    broker = dramatiq.get_broker()
    del broker.connection  # a fresh one: an earlier test may have had the broker close this thread's connection
    for actor in load_workers().values():
        broker.get_queue_message_counts(actor.queue_name)  # declares the queue in a brand-new virtual host
        broker.flush(actor.queue_name)
    return broker


def _service_env(storage_root, **environment):
    """The environment of a service process sharing this test's PostgreSQL database and storage."""
    database = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "STORAGE_ROOT": str(storage_root),
        "JOB_SWEEP_EVERY": "1",
        **environment,
    }


@pytest.fixture
def start_server(storage_root, tmp_path):
    """`start_server(RECONCILE_OLDER_THAN="5")`: the embedded server (bin/serve) in a child process on this test's
    database, inline mode, its sweeper passing every second; `.url` is its base URL, `.log` its log."""
    processes = []

    def start(**environment):
        env = _service_env(storage_root, ACTIVE_JOB_QUEUE_ADAPTER="inline", **environment)
        process = serve(tmp_path / f"server-{len(processes)}.log", env)
        processes.append(process)
        return process

    yield start
    for process in processes:
        stop(process)


@pytest.fixture
def start_worker(storage_root, tmp_path):
    """`start_worker("initialize_project_storage", JOB_MAX_RETRIES="1")`: run_workers in a child process, its sweeper
    passing every second."""
    processes = []

    def start(*names, **environment):
        env = _service_env(storage_root, ACTIVE_JOB_QUEUE_ADAPTER="dramatiq", **environment)
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


@pytest.fixture
def client_keys():
    """`client_keys(user)`: the (user_key, agent_key) pair of `user`'s DukeDSClient agent, as create_client_config
    makes them."""

    def make(user):
        user_key, agent_key = services.client_credentials_ensure(user=user, agent_name="DukeDSClient")
        return user_key.key, agent_key.key

    return make
