"""Requests that could stall the server, against the quick start's server (bin/serve) on a real socket (issue 32,
items 8 and 10). Each test's socket timeout only keeps a regression from hanging the suite: the answers it waits for
come at once, where the code before took about an hour (a quadratic check) or forever (a thread held)."""

import json
import socket
from urllib.parse import urlsplit

from django.conf import settings

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
