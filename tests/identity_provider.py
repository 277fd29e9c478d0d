"""A real OpenID Connect provider on loopback for the sign-in tests: `tests/oidc/provider.js`, the certified
`oidc-provider` npm package run by Node.js (bin/test installs the packages pinned in tests/oidc with `npm ci`)."""

import base64
import hashlib
import json
import re
import secrets
import socket
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests

OIDC_DIR = Path(__file__).parent / "oidc"
CLIENT_ID = "dds"
CLIENT_SECRET = "dds-client-secret"
# Another application registered at the same provider (tests/oidc/provider.js): its tokens are not for DDS.
SURVEY_CLIENT = ("survey", "survey-secret")
REDIRECT_URI = "http://127.0.0.1:8000/login/callback"
START_TIMEOUT = 30


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class IdentityProvider:
    def __init__(self, workdir):
        if not (OIDC_DIR / "node_modules").is_dir():
            pytest.fail("tests/oidc/node_modules is missing: run bin/test, or `npm ci` in tests/oidc")
        self.accounts_file = workdir / "accounts.json"
        self.accounts_file.write_text("{}")
        port = free_port()
        self.issuer = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            ["node", "provider.js", str(port), CLIENT_ID, CLIENT_SECRET, str(self.accounts_file)],
            cwd=OIDC_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline()
        if line.strip() != f"ready {self.issuer}":
            self.stop()
            pytest.fail(f"the OpenID Connect provider did not start: {line!r}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def set_account(self, login, **claims):
        """The claims (`name`, `given_name`, `family_name`, `email`) the provider gives for `login` from now on."""
        accounts = json.loads(self.accounts_file.read_text())
        accounts[login] = claims
        self.accounts_file.write_text(json.dumps(accounts))

    def _set_clock(self, offset_seconds):
        requests.put(f"{self.issuer}/-/clock", data=str(offset_seconds), timeout=10).raise_for_status()

    def approve(self, authorization_url, login, *, redirect_uri=REDIRECT_URI, cancel=False):
        """Sign `login` in at `authorization_url` through the provider's own login and consent forms, as a browser
        would (`cancel`: press the login page's "Cancel" instead); the URL the provider then sends the browser back
        to."""
        browser = requests.Session()
        response = browser.get(authorization_url, allow_redirects=False, timeout=10)
        while not response.headers.get("Location", "").startswith(redirect_uri):
            if response.is_redirect:
                response = browser.get(
                    urljoin(response.url, response.headers["Location"]), allow_redirects=False, timeout=10
                )
                continue
            if cancel:
                abort = re.search(r'<a href="([^"]+)">\[ Cancel \]</a>', response.text)
                assert abort, f"no Cancel link on the provider's page: {response.text[:500]}"
                response = browser.get(urljoin(response.url, abort[1]), allow_redirects=False, timeout=10)
                continue
            action = re.search(r'<form[^>]* action="([^"]+)"', response.text)
            assert action, f"no form on the provider's page ({response.status_code}): {response.text[:500]}"
            if 'name="login"' in response.text:
                form = {"prompt": "login", "login": login, "password": "any"}
            else:
                form = {"prompt": "consent"}
            response = browser.post(urljoin(response.url, action[1]), data=form, allow_redirects=False, timeout=10)
        return response.headers["Location"]

    def sign_in(self, login, *, resource=None, issued_ago=0, client=(CLIENT_ID, CLIENT_SECRET)):
        """The tokens the provider gives `client` (`(id, secret)`: DDS's unless told) after `login` signs in through
        its own login and consent forms; `issued_ago` seconds: tokens the provider issues with its clock that far
        back."""
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        query = {
            "client_id": client[0],
            "response_type": "code",
            "scope": "openid profile email",
            "redirect_uri": REDIRECT_URI,
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if resource:
            query["resource"] = resource
        location = self.approve(f"{self.issuer}/auth?{urlencode(query)}", login)
        code = parse_qs(urlsplit(location).query)["code"][0]
        exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
        exchange["code_verifier"] = verifier
        if resource:
            exchange["resource"] = resource
        self._set_clock(-issued_ago)
        try:
            tokens = requests.post(f"{self.issuer}/token", data=exchange, auth=client, timeout=10)
        finally:
            self._set_clock(0)
        tokens.raise_for_status()
        return tokens.json()
