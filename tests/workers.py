"""Helpers for tests that run workers and servers in their own processes."""

import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wait_until(predicate, timeout=20, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise AssertionError(f"not true after {timeout} s: {predicate.__doc__ or predicate}")


def queue_depth(broker, queue_name):
    ready, delayed, dead = broker.get_queue_message_counts(queue_name)
    return {"ready": ready, "delayed": delayed, "dead": dead}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(log, env):
    """Start the embedded server (bin/serve, as bin/quickstart runs it) on a free port; returns the process, its base
    URL as `process.url` and its log as `process.log`, once it answers."""
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(ROOT / "bin" / "serve")], cwd=ROOT, env={**env, "PORT": str(port)}, stdout=output, stderr=output
        )
    process.url, process.log = f"http://127.0.0.1:{port}", log

    def answering():
        """the server answers"""
        assert process.poll() is None, log.read_text()
        try:
            urllib.request.urlopen(f"{process.url}/health", timeout=2)
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    wait_until(answering, timeout=30)
    return process


def stop(process):
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)
