"""The calls of the original web portal (the original's users' web client) that DDS answers as the original did."""

import pytest

from uploads.models import Chunk, StorageProvider

from .client import API, TestApi, md5
from .envelopes import NO_TOKEN

PORTAL = "https://portal.example.org"


@pytest.fixture
def portal_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [PORTAL]
    settings.CORS_ALLOW_ALL_ORIGINS = False


def test_chunk_registration_takes_the_algorithm_name_in_any_case(as_alice, project):
    api = TestApi(as_alice)
    upload = api.upload_create(project.id, size=5)
    body = {"number": 1, "size": 5, "hash": {"value": md5(b"hello").upper(), "algorithm": "MD5"}}
    descriptor = api.call("PUT", f"/uploads/{upload['id']}/chunks", 200, json=body)
    assert api.send(descriptor, b"hello").status_code == 201
    assert Chunk.objects.values_list("hash_algorithm", flat=True).get() == "md5"
    completed = api.call(
        "PUT", f"/uploads/{upload['id']}/complete", 202, json={"hash": {"value": md5(b"hello"), "algorithm": "Md5"}}
    )
    assert completed["hashes"][0]["algorithm"] == "md5"


def test_storage_urls_answer_cors_for_the_allowed_origins(as_alice, anonymous, project, portal_origin):
    api = TestApi(as_alice)
    upload = api.upload_create(project.id, size=5)
    body = {"number": 1, "size": 5, "hash": {"value": md5(b"hello"), "algorithm": "md5"}}
    url = api.call("PUT", f"/uploads/{upload['id']}/chunks", 200, json=body)["url"]

    preflight = anonymous.options(
        url,
        HTTP_ORIGIN=PORTAL,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == PORTAL
    assert "PUT" in preflight["Access-Control-Allow-Methods"]
    sent = anonymous.generic("PUT", url, b"hello", content_type="application/octet-stream", HTTP_ORIGIN=PORTAL)
    assert sent.status_code == 201
    assert sent["Access-Control-Allow-Origin"] == PORTAL
    elsewhere = anonymous.options(url, HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT")
    assert "Access-Control-Allow-Origin" not in elsewhere


def test_a_double_slash_after_the_api_base(anonymous, as_alice):
    assert anonymous.get(f"{API}//user/api_token").json()["reason"] == "no access_token"
    assert as_alice.get(f"{API}//current_user").status_code == 200


def test_a_bare_authorization_header_is_the_token(client_for, alice, anonymous):
    token = client_for(alice)._credentials["HTTP_AUTHORIZATION"]
    assert " " not in token
    response = anonymous.get(f"{API}/current_user", HTTP_AUTHORIZATION=token)
    assert response.status_code == 200 and response.json()["username"] == "alice"
    assert anonymous.get(f"{API}/current_user").json() == NO_TOKEN


def test_app_status_answers_as_the_original(db, anonymous, settings):
    settings.DEBUG = False
    response = anonymous.get(f"{API}/app/status")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "environment": "production"}


def test_app_status_answers_503_when_the_service_is_not_seeded(db, anonymous, settings):
    settings.DEBUG = True
    StorageProvider.objects.update(is_default=False)
    response = anonymous.get(f"{API}/app/status")
    assert response.status_code == 503
    assert (response.json()["status"], response.json()["environment"]) == ("error", "development")
