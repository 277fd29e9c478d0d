"""Inject faults into the real stack while uploads complete, and count what recovers and what is lost.

    .venv/bin/python bench/faults.py [--uploads 200] [--only worker-kill,broker-cut,s3-down,db-down]

The stack, all on this machine: PostgreSQL (a scratch database, DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/dds_bench_faults, dropped and created anew), RabbitMQ (a virtual host of its own,
made with rabbitmqctl and deleted at the end), the moto S3 server behind a TCP relay that this script can cut,
gunicorn serving dds.wsgi, and `manage.py run_workers` processes. Needs gunicorn (requirements/production.txt).

- worker-kill: the uploads are completed while no worker runs; then two workers start and one is SIGKILLed while
  they verify. Every upload must end consistent without an integrity error, with exactly one complete_upload job
  (whose state is complete), and its stored object must hold the bytes sent.
- broker-cut: every connection of the virtual host is closed (rabbitmqctl close_all_connections -p VHOST) three
  times while the uploads complete; then `manage.py reconcile --older-than 0`. Nothing may stay not consistent, and
  the message log (`manage.py index_messages`) must hold one entry per job sent.
- s3-down: the uploads go to an S3 provider; the S3 endpoint refuses connections while they complete, for a while;
  they must stay not consistent, without an integrity error, and end consistent, each object intact, once it is back.
- db-down: a second API process whose DATABASE_URL names a closed port answers requests: each must be a 503 in the
  envelope, without a stack trace.

Prints "N injected, N recovered, 0 lost" per fault and exits non-zero when anything was lost.
"""

import argparse
import concurrent.futures
import hashlib
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import harness

ROOT = harness.ROOT
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dds.settings")

VHOST = "dds_bench_faults"
SECRET_KEY = "bench-faults-secret-key-not-for-production"
CHUNK = 1024


def run(*command, check=True, env=None):
    return subprocess.run(command, check=check, capture_output=True, text=True, env=env, cwd=ROOT)


# --- the stack ------------------------------------------------------------------------------------------------


class Relay:
    """A TCP relay in front of the S3 server: `down()` closes its listener and every relayed connection (the
    endpoint refuses connections), `up()` listens again on the same port. The S3 server keeps its data."""

    def __init__(self, target_port):
        self.target_port, self.port = target_port, harness.free_port()
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
    def __init__(self, storage_root):
        self.processes, self.workers = [], []
        self.logs = Path(tempfile.mkdtemp(prefix="dds-faults-logs-"))
        self.api_port = harness.free_port()
        self.url = f"http://127.0.0.1:{self.api_port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "CLOUDAMQP_URL": f"amqp://guest:guest@127.0.0.1:5672/{VHOST}",
            "ACTIVE_JOB_QUEUE_ADAPTER": "dramatiq",
            "STORAGE_ROOT": str(storage_root),
            "DEBUG": "false",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "JOB_MAX_RETRIES": "30",
            "DATABASE_CONN_MAX_AGE": "0",
            "LOG_LEVEL": "WARNING",
        }

    def start(self, name, command, env=None):
        log = (self.logs / f"{name}.log").open("w")
        process = subprocess.Popen(command, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT)
        process.name, process.log = name, self.logs / f"{name}.log"
        self.processes.append(process)
        return process

    def start_s3(self):
        port = harness.free_port()
        env = {**os.environ, "S3_UPLOAD_PART_MIN_SIZE": "256"}
        self.s3 = self.start("moto", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], env)
        harness.wait_until(
            lambda: _answers(f"http://127.0.0.1:{port}/moto-api/"), timeout=30, what="the S3 server answers"
        )
        self.relay = Relay(port)
        self.s3_endpoint = f"http://127.0.0.1:{self.relay.port}"

    def start_api(self, port=None, env=None):
        port = port or self.api_port
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "dds.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "60",
        ]
        process = self.start(f"api-{port}", command, env)
        harness.wait_until(
            lambda: _answers(f"http://127.0.0.1:{port}/api/v1/nope", process), timeout=30, what="the API answers"
        )
        return process

    def start_worker(self):
        name = f"worker-{len(self.workers)}"
        process = self.start(name, [sys.executable, "manage.py", "run_workers", "--threads", "4"])
        harness.wait_until(
            lambda: "running workers" in process.log.read_text() or process.poll() is not None,
            timeout=60,
            what="worker up",
        )
        if process.poll() is not None:
            raise RuntimeError(process.log.read_text())
        self.workers.append(process)
        return process

    def stop_workers(self):
        for process in self.workers:
            if process.poll() is None:
                process.terminate()
        for process in self.workers:
            process.wait(timeout=60)
        self.workers = []

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _answers(url, process=None):
    import requests

    if process is not None and process.poll() is not None:
        raise RuntimeError(f"{process.name} exited: {process.log.read_text()[-2000:]}")
    try:
        requests.get(url, timeout=1)
        return True
    except requests.RequestException:
        return False


# --- uploads --------------------------------------------------------------------------------------------------


def md5(data):
    return hashlib.md5(data).hexdigest()


def upload_many(stack, token, project_id, count, *, provider_id=None, threads=8):
    """Send `count` uploads of two chunks each as DukeDSClient does, up to PUT complete (202): {upload_id: data}."""
    from tests.client import DDSClient

    local = threading.local()
    rng = random.Random(count)
    payloads = [rng.randbytes(CHUNK + rng.randrange(1, CHUNK)) for _ in range(count)]

    def one(data):
        if not hasattr(local, "client"):
            local.client = DDSClient(stack.url, token)
        upload = local.client.upload(project_id, data, chunk_size=CHUNK, storage_provider_id=provider_id)
        return upload["id"], data

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return dict(pool.map(one, payloads))


def upload_states(ids):
    from uploads.models import Upload

    return {str(u.id): u for u in Upload.objects.filter(id__in=list(ids)).select_related("storage_provider")}


def count_consistent(ids):
    from uploads.models import Upload

    return Upload.objects.filter(id__in=list(ids), is_consistent=True).count()


def stored_bytes(upload):
    from uploads.storage.base import backend_for

    backend = backend_for(upload.storage_provider)
    if upload.storage_provider.kind == "filesystem":
        return backend.object_path(upload).read_bytes()
    return backend.client.get_object(Bucket=backend.bucket(upload.project_id), Key=backend.key(upload))["Body"].read()


def verdict(name, sent, *, injected, extra_checks=()):
    """Check every upload of `sent` ({id: data}): consistent, no error, the bytes stored; count what was lost."""
    states = upload_states(sent)
    lost = []
    for upload_id, data in sent.items():
        upload = states[upload_id]
        if not upload.is_consistent:
            lost.append(f"{upload_id}: not consistent")
        elif upload.error_on is not None:
            lost.append(f"{upload_id}: integrity error {upload.error_message!r}")
        else:
            try:
                if md5(stored_bytes(upload)) != md5(data):
                    lost.append(f"{upload_id}: stored bytes differ")
            except Exception as error:  # noqa: BLE001 (reported, never hidden)
                lost.append(f"{upload_id}: stored object unreadable ({error})")
    for check in extra_checks:
        lost += check()
    recovered = len(sent) - len({line.split(":")[0] for line in lost if line.split(":")[0] in sent})
    print(f"  {name}: {injected}; {len(sent)} uploads, {recovered} recovered, {len(lost)} lost")
    for line in lost[:20]:
        print(f"    LOST {line}")
    return not lost


def one_complete_job_each(sent):
    def check():
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


# --- the faults -----------------------------------------------------------------------------------------------


def worker_kill(stack, token, project_id, count):
    from dds.jobs.models import Job

    print(f"worker-kill: {count} uploads completed while no worker runs; a worker SIGKILLed as it verifies them")
    stack.stop_workers()
    sent = upload_many(stack, token, project_id, count)
    victim = stack.start_worker()
    harness.wait_until(lambda: count_consistent(sent) >= 1, timeout=120, what="a first upload verified", interval=0.01)
    victim.kill()
    victim.wait()
    done_at_kill = count_consistent(sent)
    in_flight = Job.objects.filter(worker="complete_upload", resource_id__in=list(sent), state="in_progress").count()
    stack.workers.remove(victim)
    stack.start_worker()
    stack.start_worker()
    try:
        harness.wait_until(lambda: count_consistent(sent) == count, timeout=180, what="every upload verified")
    except TimeoutError:
        pass
    return verdict(
        "worker SIGKILL",
        sent,
        injected=f"1 SIGKILL with {done_at_kill}/{count} verified and {in_flight} jobs in progress",
        extra_checks=[one_complete_job_each(sent)],
    )


def broker_cut(stack, token, project_id, count):
    print(f"broker-cut: every connection of the virtual host closed 3 times while {count} uploads complete")
    cuts = []
    stop = threading.Event()

    def cutter():
        for _ in range(3):
            if stop.wait(2.5):
                return
            result = run("rabbitmqctl", "-q", "close_all_connections", "-p", VHOST, "fault injection", check=False)
            cuts.append(result.returncode)

    thread = threading.Thread(target=cutter)
    thread.start()
    sent = upload_many(stack, token, project_id, count, threads=4)
    thread.join()
    try:
        harness.wait_until(
            lambda: count_consistent(sent) == count, timeout=30, what="every upload verified before reconcile"
        )
    except TimeoutError:
        pass
    before = count - count_consistent(sent)
    result = run(sys.executable, "manage.py", "reconcile", "--older-than", "0", env=stack.env)
    try:
        harness.wait_until(
            lambda: count_consistent(sent) == count, timeout=180, what="every upload verified after reconcile"
        )
    except TimeoutError:
        pass
    print(f"    not consistent before reconcile: {before}; reconcile: {result.stdout.strip().replace(chr(10), '; ')}")
    return verdict(
        "RabbitMQ connections closed",
        sent,
        injected=f"{len([c for c in cuts if c == 0])} cuts",
        extra_checks=[message_log_complete(stack)],
    )


def message_log_complete(stack):
    def check():
        from dds.jobs.models import Job
        from messagelog.models import LoggedMessage

        run(sys.executable, "manage.py", "index_messages", "--duration", "5", "--verbosity", "0", env=stack.env)
        sent_jobs = set(Job.objects.filter(sent_on__isnull=False).values_list("id", flat=True))
        logged = set(LoggedMessage.objects.values_list("message_id", flat=True))
        unsent = Job.objects.filter(sent_on__isnull=True).count()
        print(
            f"    message log: {len(logged)} entries, {len(sent_jobs)} jobs sent, {unsent} jobs never sent (reconciled)"
        )
        return [f"{job_id}: job sent but not in the message log" for job_id in sorted(sent_jobs - logged, key=str)]

    return check


def s3_down(stack, token, project_id, count, outage=10):
    from uploads.models import StorageProvider
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
    from projects.models import ProjectStorageProvider

    harness.wait_until(
        lambda: ProjectStorageProvider.objects.filter(
            project_id=project_id, storage_provider=provider, is_initialized=True
        ).exists(),
        timeout=60,
        what="the project's S3 storage initialized",
    )
    from tests.client import DDSClient

    client = DDSClient(stack.url, token)
    rng = random.Random(7)
    sent = {}
    uploads = []
    for _ in range(count):  # every chunk stored while S3 is up; completion waits
        data = rng.randbytes(CHUNK + rng.randrange(1, CHUNK))
        body = {
            "name": "s3.bin",
            "content_type": "application/octet-stream",
            "size": len(data),
            "storage_provider": {"id": str(provider.id)},
        }
        upload = client.call("POST", f"/projects/{project_id}/uploads", 201, json=body)
        client.wait_until(lambda u=upload: client.call("GET", f"/uploads/{u['id']}", 200)["status"]["ready_for_chunks"])
        for number, offset in enumerate(range(0, len(data), CHUNK), start=1):
            piece = data[offset : offset + CHUNK]
            url = client.call(
                "PUT",
                f"/uploads/{upload['id']}/chunks",
                200,
                json={"number": number, "size": len(piece), "hash": {"value": md5(piece), "algorithm": "md5"}},
            )
            import requests

            assert requests.put(url["host"] + url["url"], data=piece, timeout=30).status_code in (200, 201)
        uploads.append((upload["id"], data))
    stack.relay.down()
    for upload_id, data in uploads:
        client.call(
            "PUT", f"/uploads/{upload_id}/complete", 202, data={"hash[value]": md5(data), "hash[algorithm]": "md5"}
        )
        sent[upload_id] = data
    time.sleep(outage)
    states = upload_states(sent)
    waiting = sum(1 for u in states.values() if not u.is_consistent and u.error_on is None)
    failed_early = [
        f"{i}: integrity error while storage was down: {u.error_message}" for i, u in states.items() if u.error_on
    ]
    from dds.jobs.models import Job

    retrying = Job.objects.filter(worker="complete_upload", resource_id__in=list(sent), state="retrying").count()
    print(f"    during the outage: {waiting}/{count} not consistent and without error, {retrying} jobs retrying")
    stack.relay.up()
    try:
        harness.wait_until(
            lambda: count_consistent(sent) == count, timeout=240, what="every S3 upload verified after the outage"
        )
    except TimeoutError:
        pass
    return verdict("S3 endpoint down", sent, injected=f"1 outage of {outage} s", extra_checks=[lambda: failed_early])


def db_down(stack, requests_count=50):
    import requests

    print(f"db-down: {requests_count} requests to an API process whose database is a closed port")
    port = harness.free_port()
    env = {**stack.env, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{harness.free_port()}/dds"}
    process = stack.start_api(port, env)
    import jwt

    token = jwt.encode(
        {"id": "6f1c7b1e-0000-4000-8000-000000000001", "exp": int(time.time()) + 600}, SECRET_KEY, "HS256"
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
        response = requests.get(f"http://127.0.0.1:{port}{path}", headers={"Authorization": token}, timeout=30)
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
    health = requests.get(f"http://127.0.0.1:{port}/health", timeout=30)
    process.terminate()
    print(
        f"  database unavailable: {requests_count} injected, {good} answered 503 in the envelope, {len(lost)} lost"
        f" (/health: {health.status_code} {health.json().get('reason')})"
    )
    for line in lost[:10]:
        print(f"    LOST {line}")
    return not lost


FAULTS = ("worker-kill", "broker-cut", "s3-down", "db-down")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=200, help="uploads per fault (s3-down: a quarter)")
    parser.add_argument("--only", default=",".join(FAULTS), help="comma-separated faults to inject")
    arguments = parser.parse_args()
    chosen = [name for name in arguments.only.split(",") if name]
    assert set(chosen) <= set(FAULTS), f"faults are {FAULTS}"

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dds_bench_faults")
    storage_root = Path(tempfile.mkdtemp(prefix="dds-faults-storage-"))
    harness.recreate_database(os.environ["DATABASE_URL"])
    harness.rabbitmq_vhost(VHOST)
    stack = Stack(storage_root)
    os.environ.update({k: v for k, v in stack.env.items() if k not in ("LOG_LEVEL",)})
    os.environ["LOG_LEVEL"] = "ERROR"
    run(sys.executable, "manage.py", "migrate", "--verbosity", "0", env=stack.env)
    import django

    django.setup()
    from dds.accounts.services import user_create
    from dds.authentication import api_token_encode

    results = {}
    try:
        stack.start_s3()
        stack.start_api()
        stack.start_worker()
        stack.start_worker()
        token = api_token_encode(user=user_create(username="bench-faults"))["api_token"]
        from tests.client import DDSClient

        project_id = DDSClient(stack.url, token).create_project("Faults")["id"]
        started = time.monotonic()
        if "worker-kill" in chosen:
            results["worker-kill"] = worker_kill(stack, token, project_id, arguments.uploads)
        if "broker-cut" in chosen:
            if not stack.workers:
                stack.start_worker()
                stack.start_worker()
            results["broker-cut"] = broker_cut(stack, token, project_id, arguments.uploads)
        if "s3-down" in chosen:
            results["s3-down"] = s3_down(stack, token, project_id, max(1, arguments.uploads // 4))
        if "db-down" in chosen:
            results["db-down"] = db_down(stack)
        print(f"done in {time.monotonic() - started:.0f} s; logs in {stack.logs}")
    finally:
        stack.stop()
        run("rabbitmqctl", "-q", "delete_vhost", VHOST, check=False)
        shutil.rmtree(storage_root, ignore_errors=True)
    failed = [name for name, ok in results.items() if not ok]
    print("lost something in: " + ", ".join(failed) if failed else "nothing lost")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
