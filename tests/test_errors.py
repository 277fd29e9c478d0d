import pytest
from django.test import Client

ENVELOPE_KEYS = {"error", "code", "reason", "suggestion"}


def assert_envelope(response, status, reason, code="not_provided"):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert ENVELOPE_KEYS <= set(body)
    assert body["error"] == status
    assert body["code"] == code
    assert body["reason"] == reason
    return body


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/nope/", "/api/v1/projects/1/nope", "/elsewhere"])
def test_it_answers_unknown_routes_with_a_json_404(anonymous, method, path):
    assert_envelope(getattr(anonymous, method)(path), 404, "Route Not Found")


def test_it_answers_405_in_the_envelope(as_alice):
    response = as_alice.patch("/api/v1/current_user", {}, format="json")
    assert_envelope(response, 405, "method not allowed")


def test_it_answers_415_for_an_unsupported_body(anonymous):
    response = anonymous.post("/api/v1/software_agents/api_token", "keys", content_type="text/plain")
    assert_envelope(response, 415, "unsupported media type")


def test_it_answers_400_for_malformed_json(anonymous):
    response = anonymous.post("/api/v1/software_agents/api_token", "{bad", content_type="application/json")
    assert_envelope(response, 400, "malformed request body")


def test_it_answers_400_for_a_json_body_that_is_not_an_object(as_alice):
    response = as_alice.post("/api/v1/software_agents", "[1, 2]", content_type="application/json")
    body = assert_envelope(response, 400, "Invalid data. Expected a dictionary, but got list.")
    assert body["suggestion"] == ""
    assert "errors" not in body


def test_it_lists_each_invalid_field(as_alice):
    response = as_alice.post("/api/v1/software_agents", {"name": "", "description": 5}, format="json")
    body = assert_envelope(response, 400, "validation failed")
    assert body["suggestion"] == "Fix the following invalid fields and resubmit"
    assert {"field": "name", "message": "can't be blank"} in body["errors"]


@pytest.mark.urls("tests.failing_urls")
def test_it_answers_500_in_the_envelope_without_internals(anonymous):
    response = anonymous.get("/api/v1/failing")
    assert_envelope(response, 500, "internal server error")
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content


@pytest.mark.urls("tests.failing_urls")
def test_it_answers_500_outside_the_api_views_in_the_envelope(settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/plain/failing")
    assert_envelope(response, 500, "internal server error")
    assert b"secret internals" not in response.content
