"""/login, /login/callback, /login/keys, /logout: people sign in through their institution's OpenID Connect
provider (authorization code flow with PKCE) and get their client config, with plain HTML forms."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from dds.accounts.models import ApiKey, AuthenticationService, User

from ..identity_provider import REDIRECT_URI, free_port

BASE_URL = REDIRECT_URI.removesuffix("/login/callback")


@pytest.fixture
def browser(settings, openid_service):
    """A Django test client as a person's browser; the service's public URL is a loopback one the provider takes."""
    settings.SIGNIN_BASE_URL = BASE_URL
    return Client()


@pytest.fixture
def jane(identity_provider):
    identity_provider.set_account("jdoe", name="Jane Doe", given_name="Jane", family_name="Doe", email="jane@x.edu")
    return "jdoe"


def sign_in(browser, identity_provider, login):
    start = browser.get("/login")
    assert start.status_code == 302
    callback = urlsplit(identity_provider.approve(start["Location"], login))
    return browser.get(callback.path, parse_qs(callback.query))


def config_on(page):
    html = page.content.decode()
    found = re.search(r'<pre id="client-config">url: (\S+)\nuser_key: (\w+)\nagent_key: (\w+)\n</pre>', html)
    return found.groups() if found else None


@pytest.mark.parametrize("path", ["/login", "/login/"])
def test_it_sends_the_browser_to_the_issuer_with_pkce(browser, identity_provider, openid_service, path):
    response = browser.get(path)

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{identity_provider.issuer}/auth"
    query = {name: values[0] for name, values in parse_qs(location.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == "dds"
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"]
    assert "code_verifier" not in query


def test_it_signs_a_person_in_and_makes_then_replaces_their_keys(browser, identity_provider, jane):
    signed_in = sign_in(browser, identity_provider, jane)

    assert signed_in.status_code == 302 and signed_in["Location"] == "/login"
    page = browser.get("/login")
    assert page.status_code == 200
    assert "Signed in as Jane Doe" in page.content.decode()
    assert config_on(page) is None
    assert "Make my client keys" in page.content.decode()

    made = browser.post("/login/keys")
    assert made.status_code == 302
    url, user_key, agent_key = config_on(browser.get("/login"))
    user = User.objects.get(username="jdoe")
    assert url == f"{BASE_URL}/api/v1"
    assert ApiKey.objects.get(user=user).key == user_key
    assert ApiKey.objects.get(software_agent__created_by=user, software_agent__name="DukeDSClient").key == agent_key

    browser.post("/login/keys")
    _, new_user_key, same_agent_key = config_on(browser.get("/login"))
    assert new_user_key != user_key
    assert same_agent_key == agent_key
    assert ApiKey.objects.get(user=user).key == new_user_key


def test_it_signs_out(browser, identity_provider, jane):
    sign_in(browser, identity_provider, jane)

    signed_out = browser.post("/logout")

    assert signed_out.status_code == 200
    assert "Signed out" in signed_out.content.decode()
    assert browser.get("/login").status_code == 302  # to the issuer again


def test_it_refuses_a_callback_this_browser_did_not_start(browser, identity_provider, jane):
    other_browser = Client()
    start = browser.get("/login")
    callback = urlsplit(identity_provider.approve(start["Location"], jane))

    response = other_browser.get(callback.path, parse_qs(callback.query))

    assert response.status_code == 401
    assert "this sign-in was not started by this browser" in response.content.decode()
    assert not User.objects.filter(username="jdoe").exists()


def test_it_shows_what_the_issuer_answered_when_a_person_declines(browser):
    start = browser.get("/login")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]

    response = browser.get("/login/callback", {"state": state, "error": "access_denied"})

    assert response.status_code == 401
    assert "the identity provider answered: access_denied" in response.content.decode()


def test_it_needs_a_signed_in_person_and_a_form_token_to_make_keys(browser, identity_provider, jane):
    assert browser.post("/login/keys")["Location"] == "/login"
    assert not ApiKey.objects.exists()

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(User.objects.create(username="mallory"))
    assert strict.post("/login/keys").status_code == 403
    assert not ApiKey.objects.exists()


def test_it_answers_503_when_the_issuer_is_down(browser, openid_service):
    AuthenticationService.objects.filter(pk=openid_service.pk).update(base_uri=f"http://127.0.0.1:{free_port()}")

    response = browser.get("/login")

    assert response.status_code == 503
    assert "identity provider communication failure" in response.content.decode()


def test_it_says_when_no_issuer_is_configured(settings, db):
    response = Client().get("/login")

    assert response.status_code == 401
    assert "no identity provider is configured here" in response.content.decode()
