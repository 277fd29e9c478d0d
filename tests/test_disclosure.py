"""With DEBUG off, no response tells a hostile client a secret, a stack trace or where the code lives."""

import json

import pytest
from django.conf import settings
from django.test import Client

from .client import API

HOSTILE = [
    ("GET", "/api/v1/failing", None),  # an unexpected exception in an API view
    ("GET", "/plain/failing", None),  # … and outside the API views
    ("GET", "/api/v1/nope", None),
    ("PATCH", "/api/v1/current_user", None),
    ("POST", "/api/v1/software_agents/api_token", "{bad json"),
    ("POST", "/api/v1/software_agents/api_token", json.dumps({"agent_key": "x" * 5000, "user_key": "\u0000"})),
    ("GET", "/api/v1/projects/../../etc/passwd", None),
    ("GET", "/api/v1/files/%00", None),
    ("GET", "/api/v1/users?page=1e309&per_page=-1", None),
    ("PUT", "/storage/../../etc/passwd", "x"),
    ("GET", "/storage/a/b/c?expires=1&signature=zz", None),
    ("PUT", "/storage/a/b/c/1?expires=99999999999&signature=" + "0" * 64, "x"),
    ("GET", "/admin/nope", None),
    ("GET", "/static/../dds/settings.py", None),
    ("GET", "/api/schema/", None),
]
TOKENS = ["garbage", "eyJhbGciOiJub25lIn0.eyJpZCI6IjEifQ.", "Bearer abc", "\u00e9\u00e9"]


@pytest.fixture
def quiet_client(settings, db):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def leaks(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8", "replace") + " ".join(f"{k}: {v}" for k, v in response.items())
    found = [
        marker
        for marker in (settings.SECRET_KEY, "Traceback", "/work/", '.py"', "site-packages", 'File "')
        if marker in text
    ]
    if "secret internals" in text:
        found.append("the exception's message")
    return found


@pytest.mark.urls("tests.failing_urls")
@pytest.mark.parametrize(("method", "path", "body"), HOSTILE)
@pytest.mark.parametrize("token", [None, *TOKENS])
def test_no_response_reveals_secrets_or_internals(quiet_client, method, path, body, token):
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    response = quiet_client.generic(method, path, body or "", content_type="application/json", **headers)

    assert leaks(response) == []
    if response.status_code >= 400 and path.startswith(("/api/v1", "/storage")):
        assert response["Content-Type"] == "application/json"


def test_the_secret_key_signs_but_never_appears(as_alice, project):
    created = as_alice.post(
        f"{API}/projects/{project.id}/uploads",
        {"name": "a", "content_type": "b", "size": 3, "chunked": False},
        format="json",
    )

    assert settings.SECRET_KEY not in created.content.decode()
    assert settings.SECRET_KEY not in str(created.headers)
