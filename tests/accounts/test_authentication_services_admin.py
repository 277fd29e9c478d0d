"""Operators connect an institution's OpenID Connect issuer in the admin and choose the default service."""

import pytest

from dds.accounts.models import AuthenticationService

ADD = "/admin/accounts/authenticationservice/add/"
CHANGELIST = "/admin/accounts/authenticationservice/"


def issuer_form(**fields):
    return {
        "name": "Example University",
        "kind": "openid",
        "service_id": "0a6f7c1e-3b2d-4e5f-8a9b-1c2d3e4f5a6b",
        "base_uri": "https://login.example.edu",
        "client_id": "dds",
        "client_secret": "s3cret",
        "scope": "openid profile email",
        "username_claim": "preferred_username",
        "full_name_claim": "name",
        "first_name_claim": "given_name",
        "last_name_claim": "family_name",
        "email_claim": "email",
        "login_response_type": "token",
        **fields,
    }


def test_it_adds_an_issuer(operator):
    response = operator.post(ADD, issuer_form())

    assert response.status_code == 302, response.context["adminform"].form.errors
    service = AuthenticationService.objects.get(name="Example University")
    assert (service.kind, service.base_uri, service.client_id, service.is_default) == (
        "openid",
        "https://login.example.edu",
        "dds",
        False,
    )


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"client_secret": ""}, "client_secret", "an OpenID Connect service needs it"),
        (
            {"base_uri": "http://login.example.edu"},
            "base_uri",
            "an issuer is reached over https (http only on loopback)",
        ),
        ({"is_default": "on"}, "__all__", "another service is the default: use the action “Make the default” instead"),
    ],
)
def test_it_refuses_an_issuer_it_could_not_use(operator, fields, field, message):
    response = operator.post(ADD, issuer_form(**fields))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert not AuthenticationService.objects.filter(name="Example University").exists()


def test_it_makes_a_service_the_default(operator, openid_service):
    response = operator.post(
        CHANGELIST, {"action": "make_default", "_selected_action": [openid_service.pk]}, follow=True
    )

    assert response.status_code == 200
    assert "Example University is now the default." in [str(m) for m in response.context["messages"]]
    assert list(AuthenticationService.objects.filter(is_default=True)) == [openid_service]


def test_it_shows_the_redirect_uri_to_register_and_only_the_fields_an_issuer_uses(operator, settings, openid_service):
    settings.SIGNIN_BASE_URL = "https://dds.example.edu"

    page = operator.get(f"{CHANGELIST}{openid_service.pk}/change/").content.decode()
    adding = operator.get(ADD).content.decode()

    for html in (page, adding):
        assert "Register DDS at the provider with the redirect URI https://dds.example.edu/login/callback" in html
        assert 'name="client_id"' in html and 'name="email_claim"' in html
        assert 'name="login_initiation_url"' not in html and 'name="login_response_type"' not in html


def test_it_shows_the_local_service_only_what_clients_are_shown(operator):
    local = AuthenticationService.objects.get(kind="local")

    page = operator.get(f"{CHANGELIST}{local.pk}/change/").content.decode()

    assert 'name="login_initiation_url"' in page
    assert 'name="client_id"' not in page and "redirect URI" not in page
