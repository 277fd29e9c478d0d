"""What the benchmarks share: the machine's description, scratch databases and folders, the servers they start on
loopback (gunicorn, run_workers, moto, a RabbitMQ virtual host), a chunked HTTP client, py-spy profiles, tables.

Every server listens on 127.0.0.1 only and every loop here is bounded by a count or a deadline. Processes started
through `Processes` are ended by their own id when the benchmark exits, however it exits.
"""

import atexit
import collections
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BLOCK = 1024 * 1024
MiB = 1024 * 1024
SECRET_KEY = "bench-secret-key-not-for-production-0123456789abcdef"


# --- the machine --------------------------------------------------------------------------------------------


def machine(path="/tmp"):
    """nproc, memory, CPU model and the disk holding `path`, as RESULTS.md records them."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    device, fstype = "?", "?"
    best = ""
    for line in Path("/proc/mounts").read_text().splitlines():
        source, mount, kind = line.split()[:3]
        if str(Path(path).resolve()).startswith(mount) and len(mount) > len(best):
            best, device, fstype = mount, source, kind
    disk = f"{device} ({fstype})"
    name = Path(device).name
    rotational = Path(f"/sys/block/{name}/queue/rotational")
    if rotational.exists():
        disk += ", rotational" if rotational.read_text().strip() == "1" else ", non-rotational"
        size = Path(f"/sys/block/{name}/size")
        if size.exists():
            disk += f", {int(size.read_text()) * 512 / 2**30:.0f} GiB"
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": os.cpu_count(),
        "memory": f"{memory_kb / 2**20:.1f} GiB",
        "cpu": cpu,
        "disk": disk,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "code": _code_version(),
    }


def _code_version():
    """The commit measured, and how many files of the working tree differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return "?"
    return f"{head or '?'} + {len(changed)} uncommitted files" if changed else head or "?"


def print_machine(path="/tmp"):
    facts = machine(path)
    print("machine: " + "; ".join(f"{key} {value}" for key, value in facts.items()))
    return facts


# --- scratch database and folders -----------------------------------------------------------------------------


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


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


def user_token(username="bench"):
    """A user and an api_token for it (Django must be set up on the services' SECRET_KEY)."""
    from dds.accounts.services import user_create
    from dds.authentication import api_token_encode

    user = user_create(username=username)
    return user, api_token_encode(user=user)["api_token"]


def build(file_count):
    """A project of `file_count` verified files under folders 4 deep, written in bulk."""
    from django.utils import timezone

    from dds.accounts.services import user_create
    from dds.audit import Actor
    from files.models import Container, FileVersion
    from files.services import folder_create
    from projects.services import project_create
    from uploads.models import Fingerprint, StorageProvider, Upload

    user = user_create(username=f"bench-{uuid.uuid4().hex[:8]}")
    actor = Actor(user=user)
    project = project_create(actor=actor, name="Bench", description="10,000 files")
    provider = StorageProvider.objects.get(is_default=True)
    folders = [None]
    for depth in range(4):
        folders.append(folder_create(actor=actor, project=project, parent=folders[-1], name=f"level {depth}"))
    now = timezone.now()
    uploads, fingerprints, nodes, versions = [], [], [], []
    for index in range(file_count):
        parent = folders[index % len(folders)]
        upload = Upload(
            project=project,
            storage_provider=provider,
            name=f"file-{index}.bin",
            content_type="application/octet-stream",
            size=1000 + index,
            etag="bench",
            ready_for_chunks=True,
            completed_on=now,
            is_consistent=True,
            created_by=user,
        )
        node = Container(
            kind=Container.Kind.FILE,
            project=project,
            parent=parent,
            path=parent.subtree_path if parent else "",
            name=upload.name,
            created_by=user,
        )
        version = FileVersion(file=node, version=1, upload=upload, created_by=user)
        node.current_version = version
        uploads.append(upload)
        fingerprints.append(Fingerprint(upload=upload, algorithm="md5", value=f"{index:032x}", created_by=user))
        nodes.append(node)
        versions.append(version)
    Upload.objects.bulk_create(uploads, batch_size=2000)
    Fingerprint.objects.bulk_create(fingerprints, batch_size=2000)
    current = [node.current_version for node in nodes]
    for node in nodes:
        node.current_version = None
    Container.objects.bulk_create(nodes, batch_size=2000)
    FileVersion.objects.bulk_create(versions, batch_size=2000)
    for node, version in zip(nodes, current, strict=True):
        node.current_version = version
    Container.objects.bulk_update(nodes, ["current_version"], batch_size=2000)
    return user, project


# --- processes ---------------------------------------------------------------------------------------------


class Processes:
    """Every process a benchmark starts, ended by its own id (SIGTERM, then SIGKILL) when the benchmark exits."""

    def __init__(self):
        self.started = []
        atexit.register(self.stop_all)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def start(self, args, *, env, log, cwd=ROOT):
        with open(log, "w") as output:
            process = subprocess.Popen(args, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
        process.log = Path(log)
        self.started.append(process)
        return process

    def stop(self, process, timeout=60):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def stop_all(self):
        for process in reversed(self.started):
            self.stop(process)


def wait_until(predicate, *, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def answers(url):
    """Whether anything answers HTTP at `url`."""
    try:
        urllib.request.urlopen(url, timeout=2)
        return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer (503 included) means it is serving
    except OSError:
        return False


class Gunicorn:
    """`gunicorn dds.wsgi` on 127.0.0.1 with `workers` sync workers."""

    def __init__(self, processes, env, *, workers, log, threads=1, timeout=300, access_log=False):
        if not (Path(PYTHON).parent / "gunicorn").exists():
            sys.exit("gunicorn is missing: bin/install requirements/production.txt (it pins gunicorn)")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        args = [
            str(Path(PYTHON).parent / "gunicorn"),
            "dds.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
            "--graceful-timeout",
            "10",
        ]
        if threads > 1:
            args += ["--threads", str(threads)]
        if access_log:  # one line per request, into `log`
            args += ["--access-logfile", "-"]
        self.process = processes.start(args, env=env, log=log)
        self.processes = processes
        wait_until(lambda: self._check() and answers(f"{self.url}/health"), timeout=60, what="gunicorn")
        wait_until(lambda: len(self.worker_pids()) == workers, timeout=60, what="gunicorn workers")

    def _check(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {self.process.log.read_text()[-3000:]}")
        return True

    def worker_pids(self):
        return children(self.process.pid)

    def stop(self):
        self.processes.stop(self.process)


def children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def memory_kb(pid):
    """(VmHWM, VmRSS) of a process in kB: its peak and its current resident set."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            fields[key] = int(value.split()[0])
    return fields["VmHWM"], fields["VmRSS"]


def start_moto(processes, log, *, part_min_size=None):
    """moto in server mode on loopback, as tests/conftest.py starts it; returns its endpoint URL."""
    port = free_port()
    env = dict(os.environ)
    if part_min_size is not None:
        env["S3_UPLOAD_PART_MIN_SIZE"] = str(part_min_size)
    process = processes.start([PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], env=env, log=log)
    endpoint = f"http://127.0.0.1:{port}"

    def up():
        if process.poll() is not None:
            raise RuntimeError(f"moto exited: {Path(log).read_text()[-3000:]}")
        return answers(f"{endpoint}/moto-api/")

    wait_until(up, timeout=60, what="moto")
    process.endpoint = endpoint
    return process


def start_workers(processes, env, log, *names, threads=4):
    """`manage.py run_workers` in a child process, once it says it is running."""
    process = processes.start([PYTHON, "manage.py", "run_workers", "--threads", str(threads), *names], env=env, log=log)

    def ready():
        if process.poll() is not None:
            raise RuntimeError(f"run_workers exited: {Path(log).read_text()[-3000:]}")
        return "running workers" in Path(log).read_text()

    wait_until(ready, timeout=60, what="run_workers")
    return process


class CpuShare:
    """Who used the machine's CPU between start and report: this benchmark's processes, PostgreSQL, RabbitMQ, and
    everything else (another session's tests on a shared machine show up there), plus the hypervisor's steal.

    /proc is sampled every second (until `report`), so processes that end meanwhile (a PostgreSQL backend whose
    connection closed, a short test process) are counted up to their last sample.
    """

    SERVICES = {"postgres": "PostgreSQL", "beam.smp": "RabbitMQ", "epmd": "RabbitMQ"}

    def __init__(self, interval=1.0):
        self.started = time.monotonic()
        self.machine = self._machine()
        self.first, self.last = {}, {}
        self._sample()
        self.first = dict(self.last)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval):
        while not self._stop.wait(interval):
            self._sample()

    @staticmethod
    def _machine():
        values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        user, nice, system, idle, iowait, irq, softirq, steal = (values + [0] * 8)[:8]
        return {"busy": user + nice + system + irq + softirq, "steal": steal, "all": sum(values[:8])}

    def _sample(self):
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            # fields from 3 on: state ppid … utime(14) stime(15) cutime(16) cstime(17) … starttime(22)
            found[(int(entry.name), fields[19])] = (
                name,
                int(fields[1]),
                sum(int(value) for value in fields[11:13]),
                sum(int(value) for value in fields[11:15]),
            )
        ours, frontier = {os.getpid()}, [os.getpid()]
        children_of = collections.defaultdict(list)
        for (pid, _), (_, parent, _, _) in found.items():
            children_of[parent].append(pid)
        while frontier:
            for child in children_of[frontier.pop()]:
                if child not in ours:
                    ours.add(child)
                    frontier.append(child)
        for key, (name, _, own, with_children) in found.items():
            is_ours = key[0] in ours or self.last.get(key, (None, False))[1]
            # reaped children's time counts only in this benchmark's tree (elsewhere it may predate the start)
            self.last[key] = (name, is_ours, with_children if is_ours else own)

    def report(self):
        self._stop.set()
        self._thread.join(timeout=10)
        self._sample()
        machine = self._machine()
        total = max(1, machine["all"] - self.machine["all"])
        groups = collections.Counter()
        for key, (name, is_ours, ticks) in self.last.items():
            before = self.first.get(key)
            delta = ticks - (before[2] if before else 0)
            groups["this benchmark" if is_ours else self.SERVICES.get(name, "other processes")] += max(0, delta)
        busy = machine["busy"] - self.machine["busy"]
        groups["unattributed"] = max(0, busy - sum(groups.values()))
        parts = ", ".join(
            f"{group} {groups[group] / total:.0%}"
            for group in ("this benchmark", "PostgreSQL", "RabbitMQ", "other processes", "unattributed")
        )
        return (
            f"CPU over {time.monotonic() - self.started:.0f} s ({os.cpu_count()} cores = 100%): busy "
            f"{busy / total:.0%} ({parts}); steal {(machine['steal'] - self.machine['steal']) / total:.0%}; "
            f"load average now {Path('/proc/loadavg').read_text().split()[0]}"
        )


# --- the API -------------------------------------------------------------------------------------------------


class Api:
    """The API over HTTP with one api_token; a requests session per thread."""

    def __init__(self, base_url, token):
        self.base_url = base_url
        self.api = f"{base_url}/api/v1"
        self.token = token
        self._local = threading.local()

    @property
    def session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers["Authorization"] = self.token
        return session

    def request(self, method, path, **kwargs):
        return self.session.request(method, f"{self.api}{path}", timeout=kwargs.pop("timeout", 600), **kwargs)

    def call(self, method, path, expected, **kwargs):
        response = self.request(method, path, **kwargs)
        if response.status_code != expected:
            raise RuntimeError(f"{method} {path}: {response.status_code} (expected {expected}): {response.text[:500]}")
        return response.json() if response.content else None

    def transfer(self, descriptor, **kwargs):
        """Send a signed transfer descriptor (no Authorization: the URL is the credential)."""
        session = getattr(self._local, "bare", None)
        if session is None:
            session = self._local.bare = requests.Session()
        return session.request(
            descriptor["http_verb"],
            descriptor["host"] + descriptor["url"],
            headers=dict(descriptor["http_headers"] or {}),
            timeout=600,
            **kwargs,
        )

    def create_project(self, name="Bench", timeout=60):
        project = self.call("POST", "/projects", 202, json={"name": name, "description": "benchmark"})
        wait_until(
            lambda: self.call("GET", f"/projects/{project['id']}", 200)["is_consistent"],
            timeout=timeout,
            what="the project's storage",
            interval=0.02,
        )
        return project

    def wait_consistent(self, upload_id, timeout=600):
        def status():
            current = self.call("GET", f"/uploads/{upload_id}", 200)["status"]
            return current if current["is_consistent"] else None

        status = wait_until(status, timeout=timeout, what="the upload's verification", interval=0.05)
        if status["error_on"] is not None:
            raise RuntimeError(f"upload {upload_id} failed verification: {status['error_message']}")
        return status


class SourceFile:
    """A file of random bytes in a scratch folder, with the md5 of each chunk and of the whole computed once."""

    def __init__(self, path, size, chunk_size):
        self.path, self.size, self.chunk_size = Path(path), size, chunk_size
        whole = hashlib.md5()
        self.chunk_md5 = []
        with self.path.open("wb") as output:
            for offset in range(0, size, chunk_size):
                chunk = hashlib.md5()
                for block_offset in range(offset, min(offset + chunk_size, size), BLOCK):
                    block = os.urandom(min(BLOCK, size - block_offset, offset + chunk_size - block_offset))
                    output.write(block)
                    chunk.update(block)
                    whole.update(block)
                self.chunk_md5.append(chunk.hexdigest())
            output.flush()
            os.fsync(output.fileno())  # no writeback of it left to weigh on what is measured next
        self.md5 = whole.hexdigest()

    def chunks(self):
        """(number, offset, length, md5) of every chunk."""
        return [
            (index + 1, offset, min(self.chunk_size, self.size - offset), self.chunk_md5[index])
            for index, offset in enumerate(range(0, self.size, self.chunk_size))
        ]

    def read(self, offset, length):
        with self.path.open("rb") as source:
            return os.pread(source.fileno(), length, offset)


def api_upload(api, project_id, source, *, threads=4, name="data.bin", storage_provider_id=None, wait_ready=60):
    """Upload `source` as DukeDSClient does, `threads` chunks at once (register, then PUT the bytes); complete.

    Returns the completed upload and the seconds of each phase: create, chunks, complete.
    """
    times = {}
    started = time.perf_counter()
    body = {"name": name, "content_type": "application/octet-stream", "size": source.size}
    if storage_provider_id:
        body["storage_provider"] = {"id": str(storage_provider_id)}
    upload = api.call("POST", f"/projects/{project_id}/uploads", 201, json=body)
    if not upload["status"]["ready_for_chunks"]:
        wait_until(
            lambda: api.call("GET", f"/uploads/{upload['id']}", 200)["status"]["ready_for_chunks"],
            timeout=wait_ready,
            what="the upload's storage",
            interval=0.01,
        )
    times["create"] = time.perf_counter() - started

    def send(chunk):
        number, offset, length, md5 = chunk
        url = api.call(
            "PUT",
            f"/uploads/{upload['id']}/chunks",
            200,
            json={"number": number, "size": length, "hash": {"value": md5, "algorithm": "md5"}},
        )
        data = source.read(offset, length)
        response = api.transfer(url, data=data)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"chunk {number}: {response.status_code} {response.text[:300]}")

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, source.chunks()))
    times["chunks"] = time.perf_counter() - started - times["create"]
    completed = api.call(
        "PUT", f"/uploads/{upload['id']}/complete", 202, data={"hash[value]": source.md5, "hash[algorithm]": "md5"}
    )
    times["complete"] = time.perf_counter() - started - times["create"] - times["chunks"]
    return completed, times


def hash_speeds(mib=128):
    """MiB/s of md5, sha1 and sha256 on one core, 1 MiB blocks: what every byte the service hashes costs."""
    block = os.urandom(BLOCK)
    speeds = {}
    for algorithm in ("md5", "sha1", "sha256"):
        digest = hashlib.new(algorithm)
        started = time.perf_counter()
        for _ in range(mib):
            digest.update(block)
        speeds[algorithm] = mib / (time.perf_counter() - started)
    return speeds


def disk_limit(source, target_dir):
    """Seconds to write `source`'s bytes to a file in `target_dir` (the same disk) while computing their md5, in
    1 MiB blocks, fsync included: what this machine can do at best with the bytes the service stores."""
    target = Path(target_dir) / f"limit-{time.monotonic_ns()}"
    os.sync()  # start with no writeback pending (not timed)
    md5 = hashlib.md5()
    started = time.perf_counter()
    with source.path.open("rb") as input_, target.open("wb") as output:
        while block := input_.read(BLOCK):
            md5.update(block)
            output.write(block)
        output.flush()
        os.fsync(output.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    assert md5.hexdigest() == source.md5
    return elapsed


# --- profiles ----------------------------------------------------------------------------------------------------


class Profile:
    """py-spy sampling the given processes (and their children) while a phase runs, summarised by function.

    py-spy is installed only in .venv (`.venv/bin/pip install py-spy`), never in requirements.
    """

    def __init__(self, processes, pids, out_dir, name, *, rate=200, idle=False):
        spy = Path(PYTHON).parent / "py-spy"
        if not spy.exists():
            sys.exit("--profile needs py-spy: .venv/bin/pip install py-spy (not a project requirement)")
        self.files, self.recorders, self.rate = [], [], rate
        for pid in pids:
            out = Path(out_dir) / f"{name}-{pid}.txt"
            args = [
                str(spy),
                "record",
                "--format",
                "raw",
                "-o",
                str(out),
                "--pid",
                str(pid),
                "--rate",
                str(rate),
                "--nonblocking",
                "--subprocesses",
            ]
            if idle:
                args.append("--idle")
            self.recorders.append(processes.start(args, env=dict(os.environ), log=Path(out_dir) / f"{name}-{pid}.log"))
            self.files.append(out)
        time.sleep(1.0)  # py-spy attaches

    def stop(self):
        for recorder in self.recorders:
            if recorder.poll() is None:
                recorder.send_signal(signal.SIGINT)
        for recorder in self.recorders:
            try:
                recorder.wait(timeout=60)
            except subprocess.TimeoutExpired:
                recorder.kill()
        return self.summary()

    def stacks(self):
        for path in self.files:
            if not path.exists():
                continue
            for line in path.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                if stack and count.isdigit():
                    yield stack.split(";"), int(count)

    def summary(self, top=12):
        """Shares of the sampled non-idle time: by project function (inclusive), by the project line under which the
        time is spent (the deepest project frame of each sample: where a C call such as a hash update or a write
        is made), and by function (self)."""
        total = 0
        inclusive, lines_, own = collections.Counter(), collections.Counter(), collections.Counter()
        for frames, count in self.stacks():
            parsed = [_frame(frame) for frame in frames if not frame.startswith("process ")]
            if not parsed:
                continue
            total += count
            for name in {f"{file}:{function}" for file, function, _ in parsed if _is_project(file)}:
                inclusive[name] += count
            project = [(file, line) for file, _, line in parsed if _is_project(file)]
            if project:
                lines_[(project[-1], project[-2] if len(project) > 1 else None)] += count
            else:
                lines_[(("(outside the project's code)", 0), None)] += count
            file, function, _ = parsed[-1]
            own[f"{file}:{function}"] += count
        out = [
            f"profile: {total} samples = {total / self.rate:.1f} s of non-idle thread time (running, or in a "
            "call py-spy does not count as idle), all processes"
        ]
        if not total:
            return "\n".join(out)
        out.append("  inclusive  project function")
        out += [f"  {count / total:7.1%}    {name}" for name, count in inclusive.most_common(top)]
        out.append("  under      project line")
        for ((file, line), caller), count in lines_.most_common(top):
            called = f"  <- {caller[0]}:{caller[1]}" if caller else ""
            out.append(f"  {count / total:7.1%}    {file}:{line}  {_source_line(file, line)}{called}")
        out.append("  self       function")
        out += [f"  {count / total:7.1%}    {name}" for name, count in own.most_common(top)]
        return "\n".join(out)


_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _frame(frame):
    """`Hashes.update (uploads/storage/base.py:34)` → ("uploads/storage/base.py", "Hashes.update", 34)."""
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip(), "", 0
    file = match["file"]
    if file.startswith(str(ROOT) + "/"):
        file = file[len(str(ROOT)) + 1 :]
    file = re.sub(r"^.*?/site-packages/", "", file)
    return file, match["function"], int(match["line"] or 0)


def _is_project(file):
    return not file.startswith(".venv") and file.endswith(".py") and (ROOT / file).is_file() and "/" in file


def _source_line(file, line):
    try:
        return (ROOT / file).read_text().splitlines()[line - 1].strip()
    except (OSError, IndexError):
        return ""


def request_costs(client, cases, repeat=10):
    """Print, for each case, one request at a time in this process through Django's test `client`: its SQL queries,
    their time, and PostgreSQL's planning and execution time. A case is (name, method, path, body) or (name, factory)
    with factory() → (method, path, body), called before every request (for requests that cannot be repeated)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = []
    for name, *spec in cases:
        factory = spec[0] if len(spec) == 1 else (lambda spec=spec: spec)
        for _ in range(3):  # warm
            client.generic(*_request(factory()), content_type="application/json")
        timings = []
        for _ in range(repeat):
            request = _request(factory())
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.generic(*request, content_type="application/json")
                elapsed = time.perf_counter() - started
            timings.append((elapsed, sum(float(q["time"]) for q in captured.captured_queries), len(captured)))
            if response.status_code >= 300:
                raise RuntimeError(f"{name}: {response.status_code} {response.content[:300]}")
        total, sql, count = (median([t[index] for t in timings]) for index in range(3))
        planning, execution = planning_and_execution(captured.captured_queries)
        rows.append([name, count, f"{total * 1000:.1f}", f"{sql * 1000:.1f}", f"{planning:.1f}", f"{execution:.1f}"])
    table(
        [
            f"one request in-process (median of {repeat}, one at a time)",
            "SQL queries",
            "ms",
            "of which in SQL calls ms",
            "PostgreSQL planning ms",
            "PostgreSQL execution ms",
        ],
        rows,
    )


def _request(spec):
    method, path, body = spec
    return method, path, body or ""


def completed_upload(project_id, user, size=4096):
    """An upload row marked completed and verified, written straight to the database (for POST /files)."""
    from django.utils import timezone

    from uploads.models import Fingerprint, StorageProvider, Upload

    upload = Upload.objects.create(
        project_id=project_id,
        storage_provider=StorageProvider.objects.get(is_default=True),
        name=f"direct-{uuid.uuid4().hex[:8]}.bin",
        content_type="application/octet-stream",
        size=size,
        etag="bench",
        ready_for_chunks=True,
        completed_on=timezone.now(),
        is_consistent=True,
        created_by=user,
    )
    Fingerprint.objects.create(upload=upload, algorithm="md5", value="0" * 32, created_by=user)
    return upload


def planning_and_execution(captured_queries):
    """PostgreSQL's own planning and execution milliseconds, summed over the SELECTs of a captured request (each
    run again under EXPLAIN ANALYZE, twice, the second counted)."""
    from django.db import connection

    planning = execution = 0.0
    with connection.cursor() as cursor:
        for query in captured_queries:
            if not query["sql"].startswith("SELECT"):
                continue
            for _ in range(2):
                cursor.execute("EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) " + query["sql"])
                plan = cursor.fetchone()[0]
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
            planning += plan["Planning Time"]
            execution += plan["Execution Time"]
    return planning, execution


# --- figures and tables ----------------------------------------------------------------------------------------


def percentile(values, fraction):
    """The nearest-rank percentile (fraction 0.99 for p99)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


def median(values):
    return statistics.median(values)


def phases(times):
    """`{"create": 0.07, "chunks": 3.2}` → "create 0.07, chunks 3.20" (seconds)."""
    return ", ".join(f"{phase} {seconds:.2f}" for phase, seconds in times.items())


def verdict(ok):
    return "pass" if ok else "MISS"


def table(headers, rows):
    """Print a Markdown table (so it pastes into RESULTS.md as it is)."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(header)), *(len(row[index]) for row in cells)) for index, header in enumerate(headers)]
    print("| " + " | ".join(str(header).ljust(width) for header, width in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for row in cells:
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")
