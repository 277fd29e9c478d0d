"""Operators connect an institution's OpenID Connect issuer in the admin and choose the default service."""

import pytest

from dds.accounts.models import AuthenticationService, Directory

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


def directory_form(service, **fields):
    """The change form of `service` with its directory inline filled in."""
    form = {
        field: value
        for field, value in issuer_form(name=service.name, service_id=str(service.service_id)).items()
        if field != "login_response_type"
    }
    form.update(
        {
            "base_uri": service.base_uri,
            "directory-TOTAL_FORMS": "1",
            "directory-INITIAL_FORMS": "0",
            "directory-MIN_NUM_FORMS": "0",
            "directory-MAX_NUM_FORMS": "1",
            "directory-0-url": "ldap://ldap.example.edu:389",
            "directory-0-bind_dn": "cn=dds,dc=example,dc=edu",
            "directory-0-bind_password": "directory-secret",
            "directory-0-base_dn": "ou=people,dc=example,dc=edu",
            "directory-0-person_filter": "(objectClass=person)",
            "directory-0-timeout": "10",
            "directory-0-uid_attribute": "uid",
            "directory-0-username_attribute": "uid",
            "directory-0-full_name_attribute": "displayName",
            "directory-0-first_name_attribute": "givenName",
            "directory-0-last_name_attribute": "sn",
            "directory-0-email_attribute": "mail",
            "directory-0-verify_certificate": "on",
        }
    )
    form.update({f"directory-0-{field}": value for field, value in fields.items()})
    return form


def test_it_attaches_a_directory_to_an_issuer(operator, openid_service):
    response = operator.post(f"{CHANGELIST}{openid_service.pk}/change/", directory_form(openid_service))

    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    directory = openid_service.directory
    assert (directory.url, directory.bind_dn, directory.bind_password, directory.base_dn) == (
        "ldap://ldap.example.edu:389",
        "cn=dds,dc=example,dc=edu",
        "directory-secret",
        "ou=people,dc=example,dc=edu",
    )


def test_it_refuses_a_directory_it_could_not_use(operator, openid_service):
    response = operator.post(
        f"{CHANGELIST}{openid_service.pk}/change/", directory_form(openid_service, url="https://ldap.example.edu")
    )

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors == [
        {"url": ["an LDAP URL: ldap://host:port or ldaps://host:port"]}
    ]
    assert not Directory.objects.exists()


def test_the_local_service_has_no_directory_to_attach(operator):
    local = AuthenticationService.objects.get(kind="local")

    page = operator.get(f"{CHANGELIST}{local.pk}/change/").content.decode()

    assert "directory-TOTAL_FORMS" not in page
