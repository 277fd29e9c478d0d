"""The processes a benchmark starts on loopback (gunicorn, run_workers, moto), ended by their own id when it
exits however it exits, and what /proc tells of them."""

import atexit
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from harness import PYTHON, ROOT
from tests.client import wait_until


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


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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

    def __init__(self, processes, env, *, workers, log, threads=1, timeout=300, access_log=False, ready="/health"):
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
        wait_until(lambda: self._check() and answers(f"{self.url}{ready}"), timeout=60, what="gunicorn")
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
