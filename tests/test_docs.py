"""The OpenAPI schema, the Swagger UI page and the admin's styles, served from this service alone (no CDN)."""

import contextlib
import os
import re
import signal
import subprocess
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import yaml
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.test import Client

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_TIMEOUT = 90
TOKEN_PATH = "/api/v1/software_agents/api_token"


class _AssetParser(HTMLParser):
    """Collects the URLs a page loads scripts, styles and icons from."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def _asset_urls(html):
    parser = _AssetParser()
    parser.feed(html)
    return parser.urls


def _is_same_origin(url):
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and url.startswith("/")


class _RequestLog:
    """WSGI middleware that records (path, status) of every request the live server answers."""

    def __init__(self, app):
        self.app = app
        self.requests = []

    def __call__(self, environ, start_response):
        def recording_start_response(status, headers, exc_info=None):
            self.requests.append((environ["PATH_INFO"], int(status.split()[0])))
            return start_response(status, headers, exc_info)

        return self.app(environ, recording_start_response)

    def status_of(self, path):
        return [status for logged, status in self.requests if logged == path]


@contextlib.contextmanager
def _served_by_the_app_alone(live_server):
    """pytest-django wraps live_server in Django's StaticFilesHandler, which serves /static/ whatever DEBUG says.
    Answer through the plain WSGI app instead, as gunicorn does, so /static/ is WhiteNoise's job; the app is built
    now so that the middleware sees the current settings."""
    httpd = live_server.thread.httpd
    previous = httpd.get_app()
    log = _RequestLog(WSGIHandler())
    httpd.set_app(log)
    try:
        yield log
    finally:
        httpd.set_app(previous)


def _chromium(tmp_path, *args):
    """Run headless Chromium with `args`; return its stdout. Nothing but the live server can be reached."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (bin/test does when run as root)")
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-dev-shm-usage",
        # Any host but the live server's fails to resolve, so a CDN reference cannot load.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        *args,
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = process.communicate(timeout=CHROMIUM_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"Chromium did not finish within {CHROMIUM_TIMEOUT} s")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, f"Chromium exited with {process.returncode}:\n{stderr[-3000:]}"
    return stdout


def test_it_validates_the_schema(tmp_path):
    schema_file = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))
    schema = yaml.safe_load(schema_file.read_text())
    assert schema["openapi"].startswith("3.")
    assert TOKEN_PATH in schema["paths"]


def test_it_serves_the_schema_and_docs_html(anonymous):
    schema = anonymous.get("/api/schema/")
    assert schema.status_code == 200
    assert TOKEN_PATH in schema.content.decode()

    docs = anonymous.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    urls = _asset_urls(html)
    assert any(url.endswith("/swagger-ui-bundle.js") for url in urls), urls
    assert any(url.endswith("/swagger-ui.css") for url in urls), urls
    assert [url for url in urls if not _is_same_origin(url)] == []
    assert re.findall(r"https?://[^\s\"'<>]+", html) == []


# Like every test that commits, it restores the seeded rows (auth roles, the default provider) afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("debug", [True, False], ids=["debug", "no-debug"])
def test_it_renders_the_docs_page_in_chromium(live_server, settings, tmp_path, debug):
    settings.DEBUG = debug
    started = time.monotonic()
    with _served_by_the_app_alone(live_server) as log:
        dom = _chromium(tmp_path, "--virtual-time-budget=15000", "--dump-dom", f"{live_server.url}/api/docs/")
    elapsed = time.monotonic() - started

    # Swagger UI puts zero-width spaces after the slashes of the paths it shows.
    dom = dom.replace("\u200b", "")
    assert 'id="swagger-ui"' in dom
    assert re.search(r'class="[^"]*\bopblock\b', dom), f"Swagger UI listed no operations; requests: {log.requests}"
    assert TOKEN_PATH in dom
    assert "DDS API" in dom
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        assert log.status_of(f"/static/drf_spectacular_sidecar/swagger-ui-dist/{asset}") == [200], log.requests
    assert log.status_of("/api/schema") == [200], log.requests
    print(f"Chromium rendered /api/docs/ with DEBUG={debug} in {elapsed:.1f} s")


def test_it_serves_the_admin_login_page_with_its_css(settings):
    settings.DEBUG = False
    client = Client()  # made after the setting, so WhiteNoise is set up without DEBUG

    page = client.get("/admin/login/")
    assert page.status_code == 200
    stylesheets = [url for url in _asset_urls(page.content.decode()) if url.endswith(".css")]
    assert "/static/admin/css/base.css" in stylesheets
    for url in stylesheets:
        assert _is_same_origin(url), url
        css = client.get(url)
        assert css.status_code == 200, url
        assert css["Content-Type"].startswith("text/css"), url
        assert b"".join(css.streaming_content), url
