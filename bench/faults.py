"""Inject faults into the real stack while uploads complete, and count what recovers, what is lost, and how long the
service takes to heal by itself: nobody runs a command (no `manage.py reconcile`) in any scenario.

    .venv/bin/python bench/faults.py [--uploads 200] [--only worker-kill,broker-cut,broker-outage,connection-kill,...]

The stack, all on this machine, started with bench/harness.py: PostgreSQL (a scratch database, DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/dds_bench_faults, dropped and created anew), RabbitMQ (a virtual host of its own,
deleted at the end), the moto S3 server behind a TCP relay that this script can cut, gunicorn serving dds.wsgi (2
processes × 4 threads) and `manage.py run_workers` processes, each with its built-in sweeper.
 The client retries a request answered 5xx or not answered, as DukeDSClient does, and
every answer is counted.

- worker-kill: the uploads are completed while no worker runs; then two workers start and one is SIGKILLed while
  they verify. Every upload must end consistent without an integrity error, with exactly one complete_upload job
  (whose state is complete), and its stored object must hold the bytes sent.
- broker-cut: every connection of the virtual host is closed (rabbitmqctl close_all_connections -p VHOST) three
  times while the uploads complete, 2.5 s apart. Healed from the last complete answered (the cuts are over by then);
  the message log (`manage.py index_messages`) must hold one entry per job sent.
- broker-outage: a quarter of --uploads have their chunks stored; then RabbitMQ refuses the service (clear_permissions
  and close_all_connections on the virtual host) for --outage seconds while they complete; then set_permissions.
  Every complete must answer 202 and its job be recorded unsent; healed from the broker's return.
- connection-kill: pg_terminate_backend on every database connection of the service (web and workers: their
  application_name is set through PGAPPNAME) every --kill-every seconds while half of --uploads are sent whole, in
  production mode and again in inline mode (gunicorn alone; its processes run the jobs and the sweeper). Healed from
  the last kill that ended a connection.
- s3-down: a quarter of --uploads go to an S3 provider; the S3 endpoint refuses connections while they complete, for
  a while; they must stay not consistent, without an integrity error, and end consistent, each object intact.
- db-down: a second API process whose DATABASE_URL names a closed port answers requests: each must be a 503 in the
  envelope, without a stack trace.

For every upload scenario: nothing may stay not consistent, no job of the uploads may stay initialized, in progress or
retrying, and every stored object must be the bytes sent. A client that gets no answer below 500 after 50 attempts gives
up on that upload (counted, not checked). Prints a line per fault and a Markdown table, and exits non-zero when
anything was lost or a problem found.
"""

import argparse
import atexit
import collections
import concurrent.futures
import hashlib
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import requests
from harness import fixtures, hardware, sandbox, servers, tables

from tests.client import HttpApi, wait_until

VHOST = "dds_bench_faults"
CHUNK = 1024
# The application_name of every database connection of the service's processes: what connection-kill terminates.
SERVICE = "dds-bench-faults-service"
# A request answered 5xx or not answered is sent again this often at most, 0.2 s apart (DukeDSClient retries a 503).
ATTEMPTS = 50
HEAL_TIMEOUT = 240
KILL = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND application_name = %s"


def rabbitmqctl(*args, check=True):
    return subprocess.run(["rabbitmqctl", "-q", *args], check=check, capture_output=True, text=True, timeout=60)


# --- the stack ------------------------------------------------------------------------------------------------


class Relay:
    """A TCP relay in front of the S3 server: `down()` closes its listener and every relayed connection (the
    endpoint refuses connections), `up()` listens again on the same port. The S3 server keeps its data."""

    def __init__(self, target_port):
        self.target_port, self.port = target_port, servers.free_port()
        self.connections, self.lock, self.listener = [], threading.Lock(), None
        self.up()

    def up(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self):
        listener, self.listener = self.listener, None
        listener.close()
        with self.lock:
            for connection in self.connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()
            self.connections.clear()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.close()
                except OSError:
                    pass


class Stack:
    """The services, started through servers.Processes (ended by id at exit), their logs kept in `logs`."""

    def __init__(self, storage_root, database_url, broker_url):
        self.processes = servers.Processes()
        self.logs = Path(tempfile.mkdtemp(prefix="dds-faults-logs-"))
        self.workers, self.started = [], 0
        self.env = sandbox.server_env(
            database_url,
            storage_root,
            ACTIVE_JOB_QUEUE_ADAPTER="dramatiq",
            CLOUDAMQP_URL=broker_url,
            JOB_MAX_RETRIES=30,
            DATABASE_CONN_MAX_AGE=0,
            LOG_LEVEL="WARNING",
            PGAPPNAME=SERVICE,
        )
        self.inline_env = {key: value for key, value in self.env.items() if key != "CLOUDAMQP_URL"}
        self.inline_env["ACTIVE_JOB_QUEUE_ADAPTER"] = "inline"

    def start_api(self, name, env=None):
        return servers.Gunicorn(
            self.processes, env or self.env, workers=2, threads=4, timeout=60, log=self.logs / f"{name}.log"
        )

    def start_worker(self):
        self.started += 1
        process = servers.start_workers(self.processes, self.env, self.logs / f"worker-{self.started}.log")
        self.workers.append(process)
        return process

    def stop_workers(self):
        for process in self.workers:
            self.processes.stop(process)
        self.workers = []

    def start_s3(self):
        moto = servers.start_moto(self.processes, self.logs / "moto.log", part_min_size=256)
        self.relay = Relay(int(moto.endpoint.rsplit(":", 1)[1]))
        self.s3_endpoint = f"http://127.0.0.1:{self.relay.port}"


# --- uploads, as a client that retries ------------------------------------------------------------------------


def md5(data):
    return hashlib.md5(data).hexdigest()


class Answers:
    """Every answer the service gave, by step and status (0: no answer), and how retried completes ended."""

    def __init__(self):
        self.counts, self.lock = collections.Counter(), threading.Lock()

    def add(self, step, status):
        with self.lock:
            self.counts[(step, status)] += 1

    def of(self, step, test=lambda status: True):
        return sum(count for (name, status), count in self.counts.items() if name == step and test(status))

    def failures(self):
        """'complete 503×2, chunk 503×5': every answer that was not a success, by step."""
        parts = [
            f"client gave up×{count}" if step == "gave up" else f"{step} {status or 'no answer'}×{count}"
            for (step, status), count in sorted(self.counts.items(), key=str)
            if not (200 <= status < 300) and not step.startswith("complete:")
        ]
        return ", ".join(parts) or "none"


class GaveUp(Exception):
    """The client stopped retrying a request: no answer below 500 in ATTEMPTS attempts."""


def retried(answers, step, request):
    """Send `request()` until it is answered below 500: (the response, every status seen in order)."""
    statuses = []
    for _ in range(ATTEMPTS):
        try:
            response = request()
        except requests.RequestException:
            response = None
        status = response.status_code if response is not None else 0
        statuses.append(status)
        answers.add(step, status)
        if response is not None and status < 500:
            return response, statuses
        time.sleep(0.2)
    raise GaveUp(f"{step}: answered {statuses} ({ATTEMPTS} attempts)")


def expect(response, *statuses):
    if response.status_code not in statuses:
        request = response.request
        raise RuntimeError(f"{request.method} {request.url}: {response.status_code}: {response.text[:300]}")
    return response.json() if response.content else None


def prepare(api, answers, project_id, data, provider_id=None):
    """Create an upload of `data` and store its chunks as DukeDSClient does; returns the upload's id."""
    body = {"name": "fault.bin", "content_type": "application/octet-stream", "size": len(data)}
    if provider_id:
        body["storage_provider"] = {"id": str(provider_id)}
    path = f"/projects/{project_id}/uploads"
    upload = expect(retried(answers, "create", lambda: api.request("POST", path, json=body, timeout=60))[0], 201)
    upload_id = upload["id"]
    if not upload["status"]["ready_for_chunks"]:
        wait_until(
            lambda: expect(
                retried(answers, "read", lambda: api.request("GET", f"/uploads/{upload_id}", timeout=60))[0], 200
            )["status"]["ready_for_chunks"],
            timeout=60,
            what="the upload's storage",
            interval=0.05,
        )
    for number, offset in enumerate(range(0, len(data), CHUNK), start=1):
        piece = data[offset : offset + CHUNK]
        body = {"number": number, "size": len(piece), "hash": {"value": md5(piece), "algorithm": "md5"}}
        url = expect(
            retried(
                answers, "chunk", lambda b=body: api.request("PUT", f"/uploads/{upload_id}/chunks", json=b, timeout=60)
            )[0],
            200,
        )
        expect(retried(answers, "bytes", lambda u=url, p=piece: api.transfer(u, data=p))[0], 200, 201)
    return upload_id


def complete(api, answers, upload_id, data):
    """PUT complete until it is answered below 500. A 400 after a 5xx means the first one committed: counted apart
    (`complete: 5xx then 400`), and the upload is still one the service must verify."""
    form = {"hash[value]": md5(data), "hash[algorithm]": "md5"}
    path = f"/uploads/{upload_id}/complete"
    response, statuses = retried(answers, "complete", lambda: api.request("PUT", path, data=form, timeout=60))
    retried_first = len(statuses) > 1
    if response.status_code == 202:
        answers.add("complete: 5xx then 202" if retried_first else "complete: 202 at once", 1)
        return
    if response.status_code == 400 and retried_first:
        answers.add("complete: 5xx then 400", 1)
        return
    expect(response, 202)


def payloads(count, seed):
    rng = random.Random(seed)
    return [rng.randbytes(CHUNK + rng.randrange(1, CHUNK)) for _ in range(count)]


def in_parallel(function, items, threads):
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(function, items))


def upload_many(api, answers, project_id, count, *, threads=8, seed=None):
    """`count` uploads of two chunks each, sent whole (create, chunks, complete): {upload_id: data}."""

    def one(data):
        try:
            upload_id = prepare(api, answers, project_id, data)
            complete(api, answers, upload_id, data)
        except GaveUp:
            answers.add("gave up", 0)
            return None
        return upload_id, data

    return dict(item for item in in_parallel(one, payloads(count, count if seed is None else seed), threads) if item)


# --- what the service holds -----------------------------------------------------------------------------------


def count_consistent(ids):
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from uploads.models import Upload

    return Upload.objects.filter(id__in=list(ids), is_consistent=True).count()


def healed_after(sent, since):
    """Seconds from `since` (time.monotonic()) until every upload of `sent` is consistent, polled every 50 ms; None
    when some is not within HEAL_TIMEOUT."""
    try:
        wait_until(
            lambda: count_consistent(sent) == len(sent), timeout=HEAL_TIMEOUT, what="every upload", interval=0.05
        )
    except TimeoutError:
        return None
    return time.monotonic() - since


def stored_bytes(upload):
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from uploads.storage.base import backend_for

    backend = backend_for(upload.storage_provider)
    if upload.storage_provider.kind == "filesystem":
        return b"".join(path.read_bytes() for path in backend.object_segments(upload))
    return backend.client.get_object(Bucket=backend.bucket(upload.project_id), Key=backend.key(upload))["Body"].read()


def verdict(name, sent, *, injected, healed=None, answers=None, extra_checks=()):
    """Check every upload of `sent` ({id: data}): consistent, no error, the bytes stored (else lost); then the other
    problems: no job of them left initialized, in progress or retrying, and `extra_checks`. Print what is wrong and
    return the scenario's row."""
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from dds.jobs.models import Job
    from uploads.models import Upload

    states = {str(u.id): u for u in Upload.objects.filter(id__in=list(sent)).select_related("storage_provider")}
    lost = []
    for upload_id, data in sent.items():
        upload = states[upload_id]
        if not upload.is_consistent:
            jobs = Job.objects.filter(resource_id=upload_id).order_by("created_on")
            rows = "; ".join(f"{j.worker} {j.id} {j.state} attempts {j.attempts} {j.last_error[:120]!r}" for j in jobs)
            lost.append(f"{upload_id}: not consistent (jobs: {rows})")
        elif upload.error_on is not None:
            lost.append(f"{upload_id}: integrity error {upload.error_message!r}")
        else:
            try:
                if md5(stored_bytes(upload)) != md5(data):
                    lost.append(f"{upload_id}: stored bytes differ")
            except Exception as error:  # noqa: BLE001 (reported, never hidden)
                lost.append(f"{upload_id}: stored object unreadable ({error})")
    recovered = len(sent) - len({line.split(":")[0] for line in lost})
    problems = [line for check in extra_checks for line in check()]
    problems += [
        f"{job.resource_id}: job {job.worker} {job.id} left {job.state}, attempts {job.attempts}, "
        f"started {job.started_on}, last error {job.last_error[:120]!r}"
        for job in Job.objects.filter(resource_id__in=list(sent), state__in=Job.LIVE_STATES)
    ]
    heal = f"not within {HEAL_TIMEOUT} s" if healed is None else f"{healed:.1f} s"
    print(
        f"  {name}: {injected}; {len(sent)} uploads, {recovered} recovered, {len(lost)} lost, "
        f"{len(problems)} other problems; healed in {heal}"
    )
    if answers is not None:
        print(f"    answers other than 2xx: {answers.failures()}")
    for line in lost[:20]:
        print(f"    LOST {line}")
    for line in problems[:20]:
        print(f"    PROBLEM {line}")
    row = {"fault": name, "injected": injected, "uploads": len(sent), "recovered": recovered, "lost": len(lost)}
    row.update(problems=len(problems), healed=heal, answers=answers)
    return row


def one_complete_job_each(sent):
    def check():
        # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
        from dds.jobs.models import Job

        problems = []
        for upload_id in sent:
            jobs = list(
                Job.objects.filter(worker="complete_upload", resource_id=upload_id).values_list("state", flat=True)
            )
            if jobs != ["complete"]:
                problems.append(f"{upload_id}: complete_upload jobs {jobs}, not one complete")
        return problems

    return check


def unsent_jobs(sent):
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from dds.jobs.models import Job

    return Job.objects.filter(worker="complete_upload", resource_id__in=list(sent), sent_on__isnull=True).count()


def retried_jobs(sent):
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from dds.jobs.models import Job

    return Job.objects.filter(worker="complete_upload", resource_id__in=list(sent), attempts__gt=1).count()


# --- the faults -----------------------------------------------------------------------------------------------


def worker_kill(stack, api, project_id, count):
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from dds.jobs.models import Job

    print(f"worker-kill: {count} uploads completed while no worker runs; a worker SIGKILLed as it verifies them")
    stack.stop_workers()
    answers = Answers()
    sent = upload_many(api, answers, project_id, count)
    victim = stack.start_worker()
    wait_until(lambda: count_consistent(sent) >= 1, timeout=120, what="a first upload verified", interval=0.01)
    victim.kill()
    victim.wait()
    killed_at = time.monotonic()
    done_at_kill = count_consistent(sent)
    in_flight = Job.objects.filter(worker="complete_upload", resource_id__in=list(sent), state="in_progress").count()
    stack.workers.remove(victim)
    stack.start_worker()
    stack.start_worker()
    return verdict(
        "worker SIGKILL",
        sent,
        injected=f"1 SIGKILL with {done_at_kill}/{count} verified and {in_flight} jobs in progress",
        healed=healed_after(sent, killed_at),
        answers=answers,
        extra_checks=[one_complete_job_each(sent)],
    )


def broker_cut(stack, api, project_id, count):
    print(f"broker-cut: every connection of the virtual host closed 3 times while {count} uploads complete")
    cuts = []
    stop = threading.Event()

    def cutter():
        for _ in range(3):
            if stop.wait(2.5):
                return
            if rabbitmqctl("close_all_connections", "-p", VHOST, "fault injection", check=False).returncode == 0:
                cuts.append(time.monotonic())

    thread = threading.Thread(target=cutter)
    thread.start()
    answers = Answers()
    try:
        sent = upload_many(api, answers, project_id, count, threads=4)
    finally:
        stop.set()
        thread.join()
    answered = time.monotonic()
    unsent = unsent_jobs(sent)
    last_cut = cuts[-1] if cuts else answered
    print(
        f"    the last cut came {answered - last_cut:.1f} s before the last complete was answered; "
        f"{unsent} complete_upload jobs not sent then"
    )
    return verdict(
        "RabbitMQ connections closed",
        sent,
        injected=f"{len(cuts)} cuts",
        healed=healed_after(sent, answered),
        answers=answers,
        extra_checks=[message_log_complete(stack)],
    )


def message_log_complete(stack):
    def check():
        # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
        from dds.jobs.models import Job
        from messagelog.models import LoggedMessage

        sandbox.manage(stack.env, "index_messages", "--duration", "5", "--verbosity", "0")
        sent_jobs = set(Job.objects.filter(sent_on__isnull=False).values_list("id", flat=True))
        logged = set(LoggedMessage.objects.values_list("message_id", flat=True))
        unsent = Job.objects.filter(sent_on__isnull=True).count()
        print(f"    message log: {len(logged)} entries, {len(sent_jobs)} jobs sent, {unsent} jobs never sent")
        return [f"{job_id}: job sent but not in the message log" for job_id in sorted(sent_jobs - logged, key=str)]

    return check


def broker_outage(stack, api, project_id, count, outage):
    print(f"broker-outage: RabbitMQ refuses the service for {outage} s while {count} uploads complete")
    answers = Answers()
    data = payloads(count, seed=20)
    ids = in_parallel(lambda d: prepare(api, answers, project_id, d), data, 4)
    sent = dict(zip(ids, data, strict=True))
    down = time.monotonic()
    rabbitmqctl("clear_permissions", "-p", VHOST, "guest")
    rabbitmqctl("close_all_connections", "-p", VHOST, "broker outage")
    try:
        in_parallel(lambda item: complete(api, answers, *item), sent.items(), 4)
        completed_in = time.monotonic() - down
        unsent = unsent_jobs(sent)
        time.sleep(max(0.0, down + outage - time.monotonic()))
        unsent_at_return, consistent_during = unsent_jobs(sent), count_consistent(sent)
    finally:
        rabbitmqctl("set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*")
    back = time.monotonic()
    accepted = answers.of("complete", lambda status: status == 202)
    print(
        f"    {accepted}/{count} completes answered 202 within {completed_in:.1f} s of the outage's start; "
        f"{unsent} jobs recorded unsent then, {unsent_at_return} at the broker's return, {consistent_during} consistent"
    )
    return verdict(
        "RabbitMQ refusing the service",
        sent,
        injected=f"1 outage of {outage} s; {accepted}/{count} completes 202, {unsent_at_return} jobs unsent",
        healed=healed_after(sent, back),
        answers=answers,
    )


def connection_kill(api, project_id, count, *, mode, every):
    from django.db import connection

    print(f"connection-kill ({mode}): the service's database connections terminated every {every} s")
    print(f"    while {count} uploads are sent")
    database = connection.settings_dict
    kills, ended = [], [0]
    stop = threading.Event()

    def killer():
        with psycopg.connect(
            host=database["HOST"], port=database["PORT"] or 5432, user=database["USER"], dbname="postgres"
        ) as watcher:
            watcher.autocommit = True
            while not stop.wait(every):
                rows = watcher.execute(KILL, [database["NAME"], SERVICE]).fetchall()
                if rows:
                    kills.append(time.monotonic())
                    ended[0] += len(rows)

    thread = threading.Thread(target=killer)
    thread.start()
    answers = Answers()
    try:
        sent = upload_many(api, answers, project_id, count, threads=4, seed=count + 1)
    finally:
        stop.set()
        thread.join()
    last_kill = kills[-1] if kills else time.monotonic()
    healed = healed_after(sent, last_kill)
    print(
        f"    {len(kills)} kills ended {ended[0]} connections; {retried_jobs(sent)} complete_upload jobs ran more than "
        f"once; completes: {answers.of('complete: 202 at once')} 202 at once, {answers.of('complete: 5xx then 202')} "
        f"5xx then 202, {answers.of('complete: 5xx then 400')} 5xx then 400"
    )
    return verdict(
        f"database connections killed ({mode})",
        sent,
        injected=f"{len(kills)} kills, {ended[0]} connections",
        healed=healed,
        answers=answers,
    )


def s3_down(stack, api, project_id, count, outage=10):
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from dds.jobs.models import Job
    from projects.models import ProjectStorageProvider
    from uploads.models import StorageProvider, Upload
    from uploads.services import storage_provider_save

    print(f"s3-down: {count} uploads to S3 complete while the S3 endpoint refuses connections for {outage} s")
    provider = storage_provider_save(
        provider=StorageProvider(
            name="Bench S3",
            description="moto behind a relay",
            kind="s3",
            endpoint_url=stack.s3_endpoint,
            access_key_id="testing",
            secret_access_key="testing",
            region="us-east-1",
            bucket_name="dds-faults-",
        ),
        is_new=True,
    )
    wait_until(
        lambda: ProjectStorageProvider.objects.filter(
            project_id=project_id, storage_provider=provider, is_initialized=True
        ).exists(),
        timeout=60,
        what="the project's S3 storage initialized",
    )
    answers = Answers()
    data = payloads(count, seed=7)
    ids = [prepare(api, answers, project_id, d, provider_id=provider.id) for d in data]  # chunks stored while S3 is up
    sent = dict(zip(ids, data, strict=True))
    stack.relay.down()
    for upload_id, d in sent.items():
        complete(api, answers, upload_id, d)
    time.sleep(outage)
    uploads = Upload.objects.filter(id__in=ids)
    waiting = uploads.filter(is_consistent=False, error_on__isnull=True).count()
    failed_early = [f"{u.id}: integrity error while storage was down: {u.error_message}" for u in uploads if u.error_on]
    retrying = Job.objects.filter(worker="complete_upload", resource_id__in=ids, state="retrying").count()
    print(f"    during the outage: {waiting}/{count} not consistent and without error, {retrying} jobs retrying")
    stack.relay.up()
    back = time.monotonic()
    return verdict(
        "S3 endpoint down",
        sent,
        injected=f"1 outage of {outage} s",
        healed=healed_after(sent, back),
        answers=answers,
        extra_checks=[lambda: failed_early],
    )


def db_down(stack, requests_count=50):
    import jwt

    print(f"db-down: {requests_count} requests to an API process whose database is a closed port")
    closed = {**stack.env, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{servers.free_port()}/dds"}
    server = stack.start_api("api-db-down", closed)
    token = jwt.encode(
        {"id": "6f1c7b1e-0000-4000-8000-000000000001", "exp": int(time.time()) + 600}, sandbox.SECRET_KEY, "HS256"
    )
    paths = [
        "/api/v1/projects",
        "/api/v1/current_user",
        "/api/v1/users",
        "/api/v1/storage_providers",
        "/api/v1/uploads/6f1c7b1e-0000-4000-8000-000000000000",
    ]
    good, lost = 0, []
    for number in range(requests_count):
        path = paths[number % len(paths)]
        response = requests.get(f"{server.url}{path}", headers={"Authorization": token}, timeout=30)
        body = response.json() if response.headers.get("Content-Type") == "application/json" else None
        if (
            response.status_code == 503
            and body
            and body.get("code") == "not_provided"
            and "Traceback" not in response.text
        ):
            good += 1
        else:
            lost.append(f"{path}: {response.status_code} {response.text[:200]}")
    health = requests.get(f"{server.url}/health", timeout=30)
    server.stop()
    print(
        f"  database unavailable: {requests_count} injected, {good} answered 503 in the envelope, {len(lost)} lost"
        f" (/health: {health.status_code} {health.json().get('reason')})"
    )
    for line in lost[:10]:
        print(f"    LOST {line}")
    return {
        "fault": "the API's database unreachable",
        "injected": f"{requests_count} requests",
        "uploads": "",
        "recovered": f"{good} answered 503",
        "lost": len(lost),
        "problems": "",
        "healed": "",
        "answers": None,
    }


FAULTS = ("worker-kill", "broker-cut", "broker-outage", "connection-kill", "s3-down", "db-down")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=200, help="uploads per fault (see each fault for its share)")
    parser.add_argument("--only", default=",".join(FAULTS), help="comma-separated faults to inject")
    parser.add_argument("--outage", type=int, default=20, help="seconds RabbitMQ refuses the service (broker-outage)")
    parser.add_argument("--kill-every", type=float, default=0.5, help="seconds between kills (connection-kill)")
    arguments = parser.parse_args()
    chosen = [name for name in arguments.only.split(",") if name]
    assert set(chosen) <= set(FAULTS), f"faults are {FAULTS}"

    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dds_bench_faults")
    storage = sandbox.scratch_dir("faults")
    hardware.print_machine(str(storage))
    sandbox.recreate_database(database_url)
    broker_url = sandbox.rabbitmq_vhost(VHOST)
    atexit.register(rabbitmqctl, "delete_vhost", VHOST, check=False)
    stack = Stack(storage, database_url, broker_url)
    sandbox.manage(stack.env, "migrate", "--verbosity", "0")
    # This process reads and writes as the services do, but under its own application_name: it is never killed.
    sandbox.django_setup({**{k: v for k, v in stack.env.items() if k != "PGAPPNAME"}, "LOG_LEVEL": "ERROR"})
    _, token = fixtures.user_token("bench-faults")

    rows = []
    stack.start_s3()
    server = stack.start_api("api")
    stack.start_worker()
    stack.start_worker()
    api = HttpApi(server.url, token, timeout=600)
    project_id = api.create_project("Faults")["id"]
    started = time.monotonic()
    quarter, half = max(1, arguments.uploads // 4), max(1, arguments.uploads // 2)
    if "worker-kill" in chosen:
        rows.append(worker_kill(stack, api, project_id, arguments.uploads))
    if "broker-cut" in chosen:
        rows.append(broker_cut(stack, api, project_id, arguments.uploads))
    if "broker-outage" in chosen:
        rows.append(broker_outage(stack, api, project_id, quarter, arguments.outage))
    if "connection-kill" in chosen:
        rows.append(connection_kill(api, project_id, half, mode="production", every=arguments.kill_every))
    if "s3-down" in chosen:
        rows.append(s3_down(stack, api, project_id, quarter))
    if "connection-kill" in chosen:
        # Inline mode: no worker runs; gunicorn's processes run the jobs and the sweeper.
        stack.stop_workers()
        inline = stack.start_api("api-inline", stack.inline_env)
        inline_api = HttpApi(inline.url, token, timeout=600)
        inline_project = inline_api.create_project("Faults inline")["id"]
        rows.append(connection_kill(inline_api, inline_project, half, mode="inline", every=arguments.kill_every))
        inline.stop()
    if "db-down" in chosen:
        rows.append(db_down(stack))
    print(f"done in {time.monotonic() - started:.0f} s; logs in {stack.logs}")
    print()
    tables.table(
        ["fault", "injected", "uploads", "recovered", "lost", "other problems", "healed after the fault", "not 2xx"],
        [
            [r["fault"], r["injected"], r["uploads"], r["recovered"], r["lost"], r["problems"], r["healed"]]
            + [_failures(r["answers"])]
            for r in rows
        ],
    )
    failed = [row["fault"] for row in rows if row["lost"] or row["problems"]]
    print("lost something or found a problem in: " + ", ".join(failed) if failed else "nothing lost, no problem")
    return 1 if failed else 0


def _failures(answers):
    return answers.failures() if answers is not None else ""


if __name__ == "__main__":
    sys.exit(main())
