"""/login, /login/callback, /login/keys, /logout: people sign in through their institution's OpenID Connect
provider (authorization code flow with PKCE) and get their client config, with plain HTML forms."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from dds.accounts.models import ApiKey, AuthenticationService, User

from ..identity_provider import REDIRECT_URI, IdentityProvider, free_port
from .conftest import openid_service_for

BASE_URL = REDIRECT_URI.removesuffix("/login/callback")


@pytest.fixture
def browser(settings, openid_service):
    """A Django test client as a person's browser; the service's public URL is a loopback one the provider takes."""
    settings.SIGNIN_BASE_URL = BASE_URL
    return Client()


@pytest.fixture
def jane(identity_provider):
    identity_provider.set_account(
        "jdoe", name="Jane Doe", given_name="Jane", family_name="Doe", email="jane@x.edu", email_verified=True
    )
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


def failure_on(page):
    html = page.content.decode()
    assert "access_token" not in html and "Traceback" not in html
    return re.search(r'<p id="reason">(.*?)</p>', html, re.S)[1]


def test_it_refuses_a_callback_this_browser_did_not_start(browser, identity_provider, jane):
    other_browser = Client()
    start = browser.get("/login")
    callback = urlsplit(identity_provider.approve(start["Location"], jane))

    response = other_browser.get(callback.path, parse_qs(callback.query))
    finished = browser.get(callback.path, parse_qs(callback.query))
    replayed = browser.get(callback.path, parse_qs(callback.query))

    not_started = "This sign-in was not started in this browser, or it is over already. Please sign in again."
    assert response.status_code == 400
    assert failure_on(response) == not_started
    assert finished.status_code == 302
    assert replayed.status_code == 400
    assert failure_on(replayed) == not_started


def test_it_says_so_when_a_person_cancels_at_the_provider(browser, identity_provider, jane):
    start = browser.get("/login")
    callback = urlsplit(identity_provider.approve(start["Location"], jane, cancel=True))

    response = browser.get(callback.path, parse_qs(callback.query))

    assert response.status_code == 403
    assert failure_on(response) == (
        "You did not sign in at Example University: it was cancelled, or Example University refused it."
    )


def test_it_says_so_when_the_provider_does_not_confirm_the_sign_in(browser):
    start = browser.get("/login")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]

    response = browser.get("/login/callback", {"state": state, "code": "a-code-the-provider-never-gave"})

    assert response.status_code == 400
    assert failure_on(response) == "Example University did not confirm that you signed in. Please sign in again."


def test_it_refuses_a_disabled_account(browser, identity_provider, jane):
    sign_in(browser, identity_provider, jane)
    browser.post("/logout")
    User.objects.filter(username="jdoe").update(is_active=False)

    response = sign_in(browser, identity_provider, jane)

    assert response.status_code == 403
    assert failure_on(response) == (
        "Example University knows you, but DDS cannot sign you in: this account is disabled: ask the operators of DDS "
        "to enable it."
    )


def test_it_needs_a_signed_in_person_and_a_form_token_to_make_keys(browser, identity_provider, jane):
    assert browser.post("/login/keys")["Location"] == "/login"
    assert not ApiKey.objects.exists()

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(User.objects.create(username="mallory"))
    assert strict.post("/login/keys").status_code == 403
    assert not ApiKey.objects.exists()


def test_the_keys_page_is_never_cached(browser, identity_provider, jane):
    sign_in(browser, identity_provider, jane)
    browser.post("/login/keys")

    page = browser.get("/login")

    assert config_on(page) is not None
    assert "no-store" in page["Cache-Control"]


def test_it_answers_503_when_the_issuer_is_down(browser, openid_service):
    AuthenticationService.objects.filter(pk=openid_service.pk).update(base_uri=f"http://127.0.0.1:{free_port()}")

    response = browser.get("/login")

    assert response.status_code == 503
    assert failure_on(response) == "Example University cannot be reached just now. Please try again in a few minutes."


def test_it_answers_503_when_the_issuer_went_down_after_its_discovery_was_cached(settings, db, tmp_path):
    settings.SIGNIN_BASE_URL = BASE_URL
    provider = IdentityProvider(tmp_path)
    try:
        openid_service_for(provider)
        browser = Client()
        assert browser.get("/login").status_code == 302  # the discovery document is cached now
    finally:
        provider.stop()

    response = browser.get("/login")

    assert response.status_code == 503
    assert failure_on(response) == "Example University cannot be reached just now. Please try again in a few minutes."


def test_it_says_when_no_issuer_is_configured(settings, db):
    response = Client().get("/login")

    assert response.status_code == 503
    assert failure_on(response) == (
        "Signing in is not set up on this DDS yet: its operators have not connected an identity provider."
    )


@pytest.fixture
def partner(openid_service, other_identity_provider):
    return openid_service_for(other_identity_provider, name="Partner Institute")


def buttons_on(page):
    return re.findall(
        r'<button type="submit" name="provider" value="([^"]+)"[^>]*>([^<]+)</button>', page.content.decode()
    )


def test_it_lists_the_providers_and_remembers_the_one_used_last(
    browser, openid_service, other_identity_provider, partner
):
    other_identity_provider.set_account("ann", name="Ann Other")

    listed = browser.get("/login")
    chosen = browser.get("/login", {"provider": str(partner.service_id)})
    callback = urlsplit(other_identity_provider.approve(chosen["Location"], "ann"))
    signed_in = browser.get(callback.path, parse_qs(callback.query))
    browser.post("/logout")
    listed_again = browser.get("/login")

    assert listed.status_code == 200
    assert buttons_on(listed) == [
        (str(openid_service.service_id), "Example University"),
        (str(partner.service_id), "Partner Institute"),
    ]
    assert chosen.status_code == 302
    assert chosen["Location"].startswith(f"{other_identity_provider.issuer}/auth?")
    assert signed_in.status_code == 302
    assert User.objects.get(identities__authentication_service=partner).username == "ann"
    assert signed_in.cookies["dds_provider"].value == str(partner.service_id)
    assert buttons_on(listed_again)[0] == (str(partner.service_id), "Partner Institute")
    assert "(used last time)" in listed_again.content.decode()


@pytest.mark.parametrize("provider", ["6e1d9c3b-4a7f-4e2d-9b8c-5f0a3e7d1c91", "not-an-id", ""])
def test_it_refuses_a_provider_it_does_not_have(browser, partner, provider):
    response = browser.get("/login", {"provider": provider})

    assert response.status_code == 400
    assert failure_on(response) == "There is no such identity provider here. Choose yours on the sign-in page."


def test_it_tells_a_person_whose_username_is_taken_the_one_they_got(
    browser, identity_provider, other_identity_provider, partner, make_user
):
    make_user("ann")
    other_identity_provider.set_account("ann", name="Ann Other")

    chosen = browser.get("/login", {"provider": str(partner.service_id)})
    callback = urlsplit(other_identity_provider.approve(chosen["Location"], "ann"))
    browser.get(callback.path, parse_qs(callback.query))
    page = browser.get("/login").content.decode()

    assert (
        re.search(r'<p id="username">(.*?)</p>', page, re.S)[1].split()
        == (
            "Your DDS username is <strong>ann@partner-institute</strong>. The username “ann” is another account's "
            "here, so yours names your identity provider."
        ).split()
    )
