"""GET /api/v1/user/api_token: an access token from an institution's OpenID Connect provider buys an api_token
(docs/api/signin.md). The provider is real: `oidc-provider` on loopback (tests/identity_provider.py)."""

import time

import jwt
import pytest
from django.conf import settings

from dds.accounts.models import AuthenticationService, User, UserIdentity

from ..identity_provider import SURVEY_CLIENT, free_port
from .conftest import openid_service_for

URL = "/api/v1/user/api_token"
AUDIENCE = "https://dds.example.org/api"

NO_ACCESS_TOKEN = {
    "error": 400,
    "code": "not_provided",
    "reason": "no access_token",
    "suggestion": "you might need to login through an authentication service",
}
INVALID_ACCESS_TOKEN = {
    "error": 401,
    "code": "not_provided",
    "reason": "invalid access_token",
    "suggestion": "token not properly signed",
}
EXPIRED_ACCESS_TOKEN = {**INVALID_ACCESS_TOKEN, "suggestion": "the access token has expired: sign in again"}
NOT_FOR_DDS = "the access token was issued to another application, not to DDS"
NOT_REGISTERED = {**INVALID_ACCESS_TOKEN, "suggestion": "authentication service not registered"}


@pytest.fixture
def jane(identity_provider):
    identity_provider.set_account(
        "jdoe", name="Jane Doe", given_name="Jane", family_name="Doe", email="jane.doe@example.edu", email_verified=True
    )
    return "jdoe"


def mint(client, service, access_token):
    return client.get(URL, {"access_token": access_token, "authentication_service_id": str(service.service_id)})


@pytest.mark.parametrize("query", [{}, {"authentication_service_id": "x"}])
def test_it_requires_an_access_token(anonymous, db, query):
    response = anonymous.get(URL, query)

    assert response.status_code == 400
    assert response.json() == NO_ACCESS_TOKEN


def test_it_refuses_an_empty_access_token_as_the_original_does(anonymous, openid_service):
    response = anonymous.get(URL, {"access_token": "", "authentication_service_id": str(openid_service.service_id)})

    assert response.status_code == 401
    assert response.json() == INVALID_ACCESS_TOKEN


@pytest.mark.parametrize("service_id", ["6e1d9c3b-4a7f-4e2d-9b8c-5f0a3e7d1c91", "6e1d9c3b"])
def test_it_names_an_unknown_authentication_service(anonymous, db, service_id):
    response = anonymous.get(URL, {"access_token": "abc", "authentication_service_id": service_id})

    assert response.status_code == 401
    assert response.json() == NOT_REGISTERED


def test_it_signs_in_a_person_for_the_first_time(anonymous, identity_provider, openid_service, jane):
    access_token = identity_provider.sign_in(jane)["access_token"]

    started = time.time()
    response = mint(anonymous, openid_service, access_token)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"api_token", "expires_on", "time_to_live"}
    assert body["time_to_live"] == settings.API_TOKEN_TIME_TO_LIVE
    user = User.objects.get(username="jdoe")
    assert (user.full_name, user.first_name, user.last_name, user.email) == (
        "Jane Doe",
        "Jane",
        "Doe",
        "jane.doe@example.edu",
    )
    assert user.last_login.timestamp() >= started - 1
    assert list(UserIdentity.objects.values_list("authentication_service", "uid")) == [(openid_service.id, "jdoe")]
    claims = jwt.decode(body["api_token"], settings.SECRET_KEY, algorithms=["HS256"])
    assert claims["service_id"] == str(openid_service.service_id)

    anonymous.credentials(HTTP_AUTHORIZATION=body["api_token"])
    me = anonymous.get("/api/v1/current_user").json()
    assert (me["id"], me["username"]) == (str(user.id), "jdoe")
    assert me["auth_provider"] == {"uid": "jdoe", "source": "Example University"}


def test_it_updates_names_and_email_when_the_person_returns(anonymous, identity_provider, openid_service, jane):
    first = mint(anonymous, openid_service, identity_provider.sign_in(jane)["access_token"])
    user_id = User.objects.get(username="jdoe").id
    identity_provider.set_account(
        "jdoe", name="Jane Roe", given_name="Jane", family_name="Roe", email="jane.roe@example.edu", email_verified=True
    )

    again = mint(anonymous, openid_service, identity_provider.sign_in(jane)["access_token"])

    assert (first.status_code, again.status_code) == (200, 200)
    user = User.objects.get()
    assert user.id == user_id
    assert (user.full_name, user.last_name, user.email) == ("Jane Roe", "Roe", "jane.roe@example.edu")
    assert UserIdentity.objects.count() == 1


@pytest.mark.parametrize("verified", [None, False, "yes"], ids=["absent", "false", "not-a-boolean"])
def test_it_takes_no_email_the_issuer_has_not_verified(anonymous, identity_provider, openid_service, bob, verified):
    claims = {"name": "Mallory", "email": "bob@example.org"}
    if verified is not None:
        claims["email_verified"] = verified
    identity_provider.set_account("mallory", **claims)

    response = mint(anonymous, openid_service, identity_provider.sign_in("mallory")["access_token"])

    assert response.status_code == 200
    assert User.objects.get(username="mallory").email == ""
    anonymous.credentials(HTTP_AUTHORIZATION=response.json()["api_token"])
    found = anonymous.get("/api/v1/users", {"email": "bob@example.org"}).json()["results"]
    assert [user["username"] for user in found] == ["bob"]


def test_it_keeps_the_email_when_the_issuer_has_not_verified_a_new_one(
    anonymous, identity_provider, openid_service, jane
):
    mint(anonymous, openid_service, identity_provider.sign_in(jane)["access_token"])
    identity_provider.set_account("jdoe", name="Jane Doe", email="someone.else@example.edu", email_verified=False)

    again = mint(anonymous, openid_service, identity_provider.sign_in(jane)["access_token"])

    assert again.status_code == 200
    assert User.objects.get(username="jdoe").email == "jane.doe@example.edu"


def test_it_checks_a_jwt_access_token_against_the_issuers_keys(anonymous, identity_provider, db, jane):
    service = openid_service_for(identity_provider, audience=AUDIENCE)
    access_token = identity_provider.sign_in(jane, resource=AUDIENCE)["access_token"]
    assert jwt.get_unverified_header(access_token)["alg"] == "RS256"

    response = mint(anonymous, service, access_token)

    assert response.status_code == 200, response.json()
    assert User.objects.get(username="jdoe").email == "jane.doe@example.edu"


def test_it_refuses_an_opaque_token_issued_to_another_application(anonymous, identity_provider, openid_service, jane):
    survey_token = identity_provider.sign_in(jane, client=SURVEY_CLIENT)["access_token"]

    response = mint(anonymous, openid_service, survey_token)

    assert response.status_code == 401
    assert response.json() == {**INVALID_ACCESS_TOKEN, "suggestion": NOT_FOR_DDS}
    assert not User.objects.filter(username="jdoe").exists()


def test_it_refuses_another_applications_jwt_whose_audience_is_the_dds_client(
    anonymous, identity_provider, openid_service, jane
):
    """Without an audience of its own, DDS's client id is the audience: a token issued to another client for it
    (a provider's audience mapper) is that client's, not DDS's."""
    ours = identity_provider.sign_in(jane, resource="urn:client:dds")["access_token"]
    theirs = identity_provider.sign_in(jane, resource="urn:client:dds", client=SURVEY_CLIENT)["access_token"]
    assert jwt.decode(theirs, options={"verify_signature": False})["aud"] == "dds"

    refused = mint(anonymous, openid_service, theirs)
    taken = mint(anonymous, openid_service, ours)

    assert refused.status_code == 401
    assert refused.json() == {**INVALID_ACCESS_TOKEN, "suggestion": NOT_FOR_DDS}
    assert taken.status_code == 200, taken.json()


def test_it_takes_another_applications_jwt_issued_for_dds_audience(anonymous, identity_provider, db, jane):
    """A token for the DDS API (its audience), which a web tool asked for: the audience shows it is for DDS."""
    service = openid_service_for(identity_provider, audience=AUDIENCE)
    access_token = identity_provider.sign_in(jane, resource=AUDIENCE, client=SURVEY_CLIENT)["access_token"]

    response = mint(anonymous, service, access_token)

    assert response.status_code == 200, response.json()


def test_it_refuses_a_jwt_meant_for_another_audience(anonymous, identity_provider, openid_service, jane):
    access_token = identity_provider.sign_in(jane, resource="https://elsewhere.example.org")["access_token"]

    response = mint(anonymous, openid_service, access_token)

    assert response.status_code == 401
    assert response.json() == INVALID_ACCESS_TOKEN
    assert not User.objects.filter(username="jdoe").exists()


def test_it_links_the_user_an_operator_made_with_the_same_username(
    anonymous, identity_provider, openid_service, make_user, jane
):
    made = make_user("jdoe")

    response = mint(anonymous, openid_service, identity_provider.sign_in(jane)["access_token"])

    assert response.status_code == 200
    assert User.objects.get(username="jdoe").id == made.id
    assert UserIdentity.objects.get().user_id == made.id


def test_it_never_links_an_operators_account_by_username(anonymous, identity_provider, openid_service, jane):
    operator = User.objects.create(username="jdoe", is_staff=True, email="ops@example.org")

    response = mint(anonymous, openid_service, identity_provider.sign_in(jane)["access_token"])

    assert response.status_code == 200
    identity = UserIdentity.objects.select_related("user").get()
    assert identity.user.username == "jdoe@example-university"
    assert identity.user_id != operator.id
    operator.refresh_from_db()
    assert (operator.email, operator.identities.count()) == ("ops@example.org", 0)


def test_it_uses_the_default_provider_without_a_service_id(anonymous, identity_provider, openid_service, jane):
    AuthenticationService.objects.update(is_default=False)
    AuthenticationService.objects.filter(pk=openid_service.pk).update(is_default=True)

    response = anonymous.get(URL, {"access_token": identity_provider.sign_in(jane)["access_token"]})

    assert response.status_code == 200
    assert User.objects.filter(username="jdoe").exists()


@pytest.mark.parametrize(
    "access_token", ["jäne-token-ü", "token\r\nX-Injected: 1", "token\nmore", "tök€n", "a b"], ids=repr
)
def test_it_refuses_a_token_no_issuer_could_have_given_without_asking_one(anonymous, db, access_token):
    down = AuthenticationService.objects.create(
        name="Down", base_uri=f"http://127.0.0.1:{free_port()}", client_id="dds", client_secret="x"
    )

    response = mint(anonymous, down, access_token)

    assert response.status_code == 401  # not the 503 of an issuer asked and not answering
    assert response.json() == {
        **INVALID_ACCESS_TOKEN,
        "suggestion": "an access token holds only letters, digits and -._~+/=",
    }


def test_it_refuses_a_token_the_issuer_never_gave(anonymous, openid_service):
    response = mint(anonymous, openid_service, "not-a-token-the-issuer-gave")

    assert response.status_code == 401
    assert response.json() == INVALID_ACCESS_TOKEN


@pytest.mark.parametrize("resource", [None, AUDIENCE], ids=["opaque", "jwt"])
def test_it_refuses_a_token_from_another_issuer(anonymous, identity_provider, other_identity_provider, db, resource):
    service = openid_service_for(identity_provider, audience=AUDIENCE)
    other_identity_provider.set_account("jdoe", name="Mallory", email="mallory@example.com")
    access_token = other_identity_provider.sign_in("jdoe", resource=resource)["access_token"]

    response = mint(anonymous, service, access_token)

    assert response.status_code == 401
    assert response.json() == INVALID_ACCESS_TOKEN
    assert not User.objects.filter(username="jdoe").exists()


def test_it_refuses_an_expired_jwt(anonymous, identity_provider, db, jane):
    service = openid_service_for(identity_provider, audience=AUDIENCE)
    # Issued two hours ago, for one hour.
    access_token = identity_provider.sign_in(jane, resource=AUDIENCE, issued_ago=2 * 3600)["access_token"]

    response = mint(anonymous, service, access_token)

    assert response.status_code == 401
    assert response.json() == EXPIRED_ACCESS_TOKEN


def test_it_refuses_an_expired_opaque_token(anonymous, identity_provider, openid_service, jane):
    access_token = identity_provider.sign_in(jane, issued_ago=2 * 3600)["access_token"]

    response = mint(anonymous, openid_service, access_token)

    assert response.status_code == 401
    assert response.json() == INVALID_ACCESS_TOKEN


def test_it_answers_503_when_the_issuer_cannot_be_reached(anonymous, db):
    issuer = f"http://127.0.0.1:{free_port()}"
    service = AuthenticationService.objects.create(name="Down", base_uri=issuer, client_id="dds", client_secret="x")

    response = mint(anonymous, service, "abc")

    assert response.status_code == 503
    assert response.json() == {
        "error": 503,
        "code": "not_provided",
        "reason": "identity provider communication failure",
        "suggestion": f"the identity provider {issuer} did not answer; please try again in a few minutes",
    }


def test_it_signs_no_one_in_through_the_local_users_service(anonymous, db):
    local = AuthenticationService.objects.get(kind="local")

    response = mint(anonymous, local, "abc")

    assert response.status_code == 401
    assert response.json() == {
        **INVALID_ACCESS_TOKEN,
        "suggestion": "this authentication service has no identity provider to ask",
    }


def test_it_says_when_no_identity_provider_is_configured(anonymous, db):
    response = anonymous.get(URL, {"access_token": "abc"})

    assert response.status_code == 401
    assert response.json() == {
        **INVALID_ACCESS_TOKEN,
        "suggestion": "no identity provider is configured here: an operator adds one in the admin",
    }


def test_it_needs_no_api_token(anonymous, openid_service):
    anonymous.credentials(HTTP_AUTHORIZATION="garbage")

    response = mint(anonymous, openid_service, "abc")

    assert response.status_code == 401
    assert response.json() == INVALID_ACCESS_TOKEN
