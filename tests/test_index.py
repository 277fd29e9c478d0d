"""`/` and `/api/v1`: an index of the service's addresses, JSON for API clients and a small page for browsers."""

from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
LINKS = {
    "api": "http://testserver/api/v1",
    "docs": "http://testserver/api/docs",
    "schema": "http://testserver/api/schema",
    "admin": "http://testserver/admin/",
    "health": "http://testserver/health",
}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])


@pytest.mark.parametrize("path", ["/", "/api/v1", "/api/v1/"])
@pytest.mark.parametrize("accept", [None, "application/json", "*/*"])
def test_it_answers_api_clients_the_index_as_json(anonymous, path, accept):
    response = anonymous.get(path, **({"HTTP_ACCEPT": accept} if accept else {}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["name"] == "DDS"
    assert {key: body[key] for key in LINKS} == LINKS


@pytest.mark.parametrize("path", ["/", "/api/v1"])
def test_it_answers_a_browser_a_page_linking_the_docs_admin_health_and_api(anonymous, path):
    response = anonymous.get(path, HTTP_ACCEPT=BROWSER_ACCEPT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    links = _Links()
    links.feed(response.content.decode())
    assert links.hrefs == list(LINKS.values())


def test_every_link_of_the_index_answers(anonymous):
    for url in LINKS.values():
        response = anonymous.get(url.removeprefix("http://testserver"), follow=True)
        assert response.status_code == 200, url


def test_it_ignores_a_stale_token(anonymous):
    response = anonymous.get("/api/v1", HTTP_AUTHORIZATION="not-a-token")

    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/projects/x/nope", "/nope"])
def test_an_unknown_path_still_answers_route_not_found(anonymous, path):
    response = anonymous.get(path)

    assert response.status_code == 404
    assert response.json()["reason"] == "Route Not Found"


def test_it_answers_the_icon_browsers_ask_for(anonymous):
    response = anonymous.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"
    assert "max-age=86400" in response["Cache-Control"]
