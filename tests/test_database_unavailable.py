"""The database unavailable: a real server process whose DATABASE_URL names a closed port answers 503 in the
envelope (DukeDSClient waits and retries on 503), never a 500 or a stack trace. The shared PostgreSQL server is not
touched."""

import os
import subprocess
import sys
import time

import jwt
import pytest
import requests

from .workers import ROOT, free_port, wait_until

SECRET = "a-secret-that-must-never-be-shown"


@pytest.fixture(scope="module")
def server_without_database(tmp_path_factory):
    port, closed = free_port(), free_port()  # nothing listens on `closed`
    log = tmp_path_factory.mktemp("no-db") / "server.log"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed}/dds",
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "ACTIVE_JOB_QUEUE_ADAPTER": "inline",
        "STORAGE_ROOT": str(tmp_path_factory.mktemp("storage")),
    }
    code = (
        "from wsgiref.simple_server import make_server, WSGIRequestHandler\n"
        "from dds.wsgi import application\n"
        "WSGIRequestHandler.log_message = lambda *a: None\n"
        f"make_server('127.0.0.1', {port}, application).serve_forever()\n"
    )
    with log.open("w") as output:
        process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=output, stderr=output)
    url = f"http://127.0.0.1:{port}"

    def listening():
        """the server listens"""
        assert process.poll() is None, log.read_text()
        try:
            requests.get(f"{url}/api/v1/nope", timeout=1)
            return True
        except requests.ConnectionError:
            return False

    wait_until(listening, timeout=30)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/projects", None),
        ("GET", "/api/v1/current_user", None),
        ("POST", "/api/v1/software_agents/api_token", {"agent_key": "a", "user_key": "b"}),
        ("PUT", "/api/v1/uploads/6f1c7b1e-0000-4000-8000-000000000000/complete", {}),
        ("GET", "/storage/6f1c7b1e-0000-4000-8000-000000000000/b/c?expires=99999999999&signature=x", None),
    ],
)
def test_the_api_answers_503_in_the_envelope(server_without_database, method, path, body):
    token = jwt.encode({"id": "6f1c7b1e-0000-4000-8000-000000000001", "exp": int(time.time()) + 600}, SECRET, "HS256")
    headers = {"Authorization": token}
    response = requests.request(method, server_without_database + path, json=body, headers=headers, timeout=30)

    if path.startswith("/storage/") and response.status_code == 403:
        return  # the signature is checked before any query: a wrong one never reaches the database
    assert response.status_code == 503, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "error": 503,
        "code": "not_provided",
        "reason": "database unavailable",
        "suggestion": "try again in a few minutes, or contact the systems administrators",
    }


def test_health_names_the_database(server_without_database):
    response = requests.get(f"{server_without_database}/health", timeout=30)

    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "not_provided" and body["reason"].startswith("unhealthy: database")
    assert body["health"]["database"]["ok"] is False
    assert SECRET not in response.text and "Traceback" not in response.text
