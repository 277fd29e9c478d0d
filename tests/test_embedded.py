"""The embedded defaults as bin/quickstart runs them (bin/serve: waitress threads, SQLite, inline jobs, filesystem
storage), under concurrent clients: a SQLite write lock is waited out, never a 503, and the real DukeDSClient uploads
and downloads a tree with parallel workers."""

import hashlib
import os
import random
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import yaml

from .ddsclient import ddsclient_cli
from .workers import ROOT, serve, stop, wait_until

API = "/api/v1"


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """A fresh embedded DDS: its own SQLite file and storage, the user `demo` and their client config."""
    home = tmp_path_factory.mktemp("embedded")
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("CLOUDAMQP_URL", "ACTIVE_JOB_QUEUE_ADAPTER", "DATABASE_CONN_MAX_AGE")
    }
    env.update(DATABASE_URL=f"sqlite:///{home}/dds.sqlite3", STORAGE_ROOT=str(home / "storage"))
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=120)
    server = serve(home / "server.log", env)
    config = subprocess.run(
        [*manage, "create_client_config", "demo", "--create-user", "--url", f"{server.url}{API}"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    server.database = home / "dds.sqlite3"
    server.config = yaml.safe_load(config)
    server.home = home
    yield server
    stop(server)


def _session(embedded):
    keys = {"user_key": embedded.config["user_key"], "agent_key": embedded.config["agent_key"]}
    token = requests.post(f"{embedded.url}{API}/software_agents/api_token", json=keys, timeout=30).json()
    session = requests.Session()
    session.headers["Authorization"] = token["api_token"]
    return session


def test_it_waits_out_a_write_lock_held_by_another_connection_instead_of_answering_503(embedded):
    session = _session(embedded)
    holder = sqlite3.connect(embedded.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, as a long write by another thread or process holds it
    with ThreadPoolExecutor(max_workers=1) as pool:
        created = pool.submit(
            session.post, f"{embedded.url}{API}/projects", json={"name": "Locked out", "description": "d"}, timeout=60
        )
        time.sleep(6)  # longer than SQLite's default busy timeout (5 s), under which this answered 503
        assert not created.done()  # it waits for the lock
        holder.execute("ROLLBACK")
        response = created.result()
    holder.close()

    assert response.status_code == 202, response.text
    project_id = response.json()["id"]
    wait_until(lambda: session.get(f"{embedded.url}{API}/projects/{project_id}", timeout=30).json()["is_consistent"])


def _tree(root):
    """Nested folders of small files and one file of several chunks; {relative path: md5}."""
    rng = random.Random(20261201)
    files = {f"top/small-{n}.txt": rng.randbytes(rng.randint(1, 4096)) for n in range(12)}
    files |= {f"top/nested/deeper/leaf-{n}.bin": rng.randbytes(rng.randint(1, 8192)) for n in range(12)}
    files["top/nested/six-chunks.bin"] = rng.randbytes(6 * 2**20 - 1000)
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    return {path: hashlib.md5(data).hexdigest() for path, data in files.items()}


def _md5s(root):
    return {
        str(path.relative_to(root)): hashlib.md5(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def test_the_real_client_uploads_and_downloads_a_tree_with_four_workers(embedded, tmp_path):
    config = tmp_path / "ddsclient.yml"
    config.write_text(yaml.safe_dump({**embedded.config, "upload_workers": 4, "upload_bytes_per_chunk": "1MB"}))
    sent = _tree(tmp_path / "sent")

    uploaded = ddsclient_cli(config, "upload", "-p", "Tree", str(tmp_path / "sent" / "top"))
    assert uploaded.returncode == 0, uploaded.stdout + uploaded.stderr
    downloaded = ddsclient_cli(config, "download", "-p", "Tree", str(tmp_path / "received"))
    assert downloaded.returncode == 0, downloaded.stdout + downloaded.stderr

    assert _md5s(tmp_path / "received") == sent
    log = embedded.log.read_text()
    assert "Service Unavailable:" not in log  # Django logs every 5xx answer so
    assert "database is locked" not in log
    assert "sweep failed" not in log  # its sweeper has passed on SQLite all along
