"""Requests that could stall the server, against the quick start's server (bin/serve) on a real socket (issue 32,
items 8 and 10). Each test's socket timeout only keeps a regression from hanging the suite: the answers it waits for
come at once, where the code before took about an hour (a quadratic check) or forever (a thread held)."""

import json
import socket
from urllib.parse import urlsplit

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ANSWER_WITHIN = 60  # seconds; a guard against hanging, far above what a linear check or a free thread needs


def exchange(url, request):
    """Send `request` (bytes) to the server at `url`; the status and JSON body of its answer."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=ANSWER_WITHIN) as connection:
        connection.sendall(request)
        answer = b""
        while block := connection.recv(65536):
            answer += block
    assert answer, "the server closed the connection without answering"
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


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
        address = urlsplit(url)
        self.socket = socket.create_connection((address.hostname, address.port), timeout=ANSWER_WITHIN)
        self.socket.sendall(request[:sent])
        self.rest = request[sent:]

    def finish(self):
        """Send the rest; the status and JSON body of the answer."""
        self.socket.sendall(self.rest)
        answer = b""
        while block := self.socket.recv(65536):
            answer += block
        self.socket.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        return int(head.split()[1]), json.loads(body)

    def close(self):
        self.socket.close()


def test_slow_clients_do_not_keep_others_from_being_served(start_server):
    server = start_server()
    body = json.dumps({"agent_key": "a" * 32, "user_key": "u" * 32}).encode()
    request = post_json("/api/v1/software_agents/api_token", body)
    # Half stop inside their headers, half inside their bodies.
    slow = [SlowClient(server.url, request, sent=20 if n % 2 else len(request) - 10) for n in range(SLOW_CLIENTS)]
    try:
        status, health = exchange(server.url, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        finished = slow.pop().finish()
    finally:
        for client in slow:
            client.close()

    state = health if status == 200 else health["health"]  # answered, whatever else /health reports
    assert state["database"]["ok"] is True
    assert finished == (404, INVALID_KEY)
