"""Requests that could stall the server, against the quick start's server (bin/serve) on a real socket (issue 32,
items 8 and 10). Each test's socket timeout only keeps a regression from hanging the suite: the answers it waits for
come at once, where the code before took about an hour (a quadratic check) or forever (a thread held)."""

import json
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from .conftest import _service_env
from .workers import ROOT, free_port, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ANSWER_WITHIN = 60  # seconds; a guard against hanging, far above what a linear check or a free thread needs


def connect(url):
    address = urlsplit(url)
    return socket.create_connection((address.hostname, address.port), timeout=ANSWER_WITHIN)


def answer_on(connection):
    """The status and JSON body of the answer the server sends on `connection`, read to its end."""
    answer = b"".join(iter(lambda: connection.recv(65536), b""))
    assert answer, "the server closed the connection without answering"
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def exchange(url, request):
    """Send `request` (bytes) to the server at `url`; the status and JSON body of its answer."""
    with connect(url) as connection:
        connection.sendall(request)
        return answer_on(connection)


def post_json(path, body):
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def test_it_refuses_a_body_of_escaped_quotes_as_large_as_the_limit_at_once(start_server):
    server = start_server()
    body = b'\\"' * ((settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 16) // 2)

    status, answer = exchange(server.url, post_json("/api/v1/software_agents/api_token", body))

    assert status == 400
    assert (answer["code"], answer["reason"]) == ("not_provided", "malformed request body")
    assert answer["suggestion"].startswith("JSON parse error")


INVALID_KEY = {
    "error": 404,
    "code": "not_provided",
    "reason": "invalid key",
    "suggestion": "ensure both keys are valid",
}
SLOW_CLIENTS = 24  # three times the quick start's eight threads


class SlowClient:
    """A client that sent part of a request, the way a client sending a byte every few seconds has, and holds it."""

    def __init__(self, url, request, *, sent):
        self.socket = connect(url)
        self.socket.sendall(request[:sent])
        self.rest = request[sent:]

    def finish(self):
        """Send the rest; the status and JSON body of the answer."""
        with self.socket:
            self.socket.sendall(self.rest)
            return answer_on(self.socket)

    def close(self):
        self.socket.close()


def served_despite_slow_clients(url):
    """Hold SLOW_CLIENTS requests mid-way (half inside their headers, half inside their bodies), then ask /health;
    its answer, and the answer of one held request once finished."""
    body = json.dumps({"agent_key": "a" * 32, "user_key": "u" * 32}).encode()
    request = post_json("/api/v1/software_agents/api_token", body)
    slow = [SlowClient(url, request, sent=20 if n % 2 else len(request) - 10) for n in range(SLOW_CLIENTS)]
    try:
        status, health = exchange(url, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return (status, health), slow.pop().finish()
    finally:
        for client in slow:
            client.close()


def assert_served(health, finished):
    status, body = health
    state = body if status == 200 else body["health"]  # answered, whatever else /health reports
    assert state["database"]["ok"] is True
    assert finished == (404, INVALID_KEY)


def test_slow_clients_do_not_keep_others_from_being_served(start_server):
    assert_served(*served_despite_slow_clients(start_server().url))


NGINX_MAIN = """
daemon off;
user root;
pid {home}/nginx.pid;
error_log {home}/error.log;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {home}/body;
    proxy_temp_path {home}/proxy;
    fastcgi_temp_path {home}/fastcgi;
    uwsgi_temp_path {home}/uwsgi;
    scgi_temp_path {home}/scgi;
    include {home}/dds.conf;
}}
"""


@pytest.fixture
def behind_nginx(storage_root, tmp_path):
    """The README's production recipe on this test's database: one gunicorn sync worker (the easiest to hold)
    behind nginx with docs/deploy/nginx.conf; the URL of nginx."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is missing: bin/test installs Debian's package")
    home = tmp_path / "nginx"
    home.mkdir()
    gunicorn_port, nginx_port = free_port(), free_port()
    site = (ROOT / "docs" / "deploy" / "nginx.conf").read_text()
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{gunicorn_port}").replace(
        "listen 80;", f"listen 127.0.0.1:{nginx_port};"
    )
    (home / "dds.conf").write_text(site)
    (home / "nginx.conf").write_text(NGINX_MAIN.format(home=home))
    env = _service_env(storage_root, ACTIVE_JOB_QUEUE_ADAPTER="inline", CLIENT_ADDRESS_HEADER="X-Real-IP")
    with (home / "gunicorn.log").open("w") as log:
        gunicorn = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "dds.wsgi", "--bind", f"127.0.0.1:{gunicorn_port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        proxy = subprocess.Popen([nginx, "-c", str(home / "nginx.conf"), "-p", str(home)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{nginx_port}"

    def answering():
        """nginx and gunicorn answer"""
        assert gunicorn.poll() is None and proxy.poll() is None, (home / "gunicorn.log").read_text()
        try:
            urllib.request.urlopen(f"{url}/health", timeout=2)
        except urllib.error.HTTPError as error:
            return error.code != 502
        except OSError:
            return False
        return True

    try:
        wait_until(answering, timeout=30)
        yield url
    finally:
        for process in (proxy, gunicorn):
            process.terminate()
            process.wait(timeout=30)


@pytest.mark.postgresql("gunicorn, in a process of its own, shares the test database")
def test_slow_clients_do_not_keep_others_from_being_served_behind_the_production_proxy(behind_nginx):
    assert_served(*served_despite_slow_clients(behind_nginx))
