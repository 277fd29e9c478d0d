"""One person, one account: an account is reached only through an identity (provider, subject) that belongs to it.
Two real OpenID Connect providers, "Example University" (the default) and "Partner Institute", whose people may
carry the same usernames."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from dds.accounts import services
from dds.accounts.models import AuthenticationService, User, UserIdentity

from .conftest import openid_service_for

URL = "/api/v1/user/api_token"


@pytest.fixture
def university(db, identity_provider):
    service = openid_service_for(identity_provider)
    services.authentication_service_make_default(service=service)
    return service


@pytest.fixture
def partner(db, other_identity_provider):
    return openid_service_for(other_identity_provider, name="Partner Institute")


def sign_in(client, provider, service, login, **claims):
    """`login` signs in at `provider` and exchanges the access token at GET /user/api_token: the response, and a
    client holding the api_token when it succeeded."""
    provider.set_account(login, **claims)
    access_token = provider.sign_in(login)["access_token"]
    response = client.get(URL, {"access_token": access_token, "authentication_service_id": str(service.service_id)})
    if response.status_code == 200:
        client.credentials(HTTP_AUTHORIZATION=response.json()["api_token"])
    return response


def test_a_username_of_another_provider_opens_a_separate_account_that_sees_nothing_of_the_first(
    identity_provider, other_identity_provider, university, partner, make_project
):
    ann = APIClient()
    signed_in = sign_in(
        ann, identity_provider, university, "ann", name="Ann Smith", email="ann@example.edu", email_verified=True
    )
    assert signed_in.status_code == 200
    ann_user = User.objects.get(username="ann")
    project = make_project(ann_user, "Ann's project")

    newcomer = APIClient()
    response = sign_in(
        newcomer,
        other_identity_provider,
        partner,
        "ann",
        name="Ann Other",
        email="ann@partner.org",
        email_verified=True,
    )

    assert response.status_code == 200
    me = newcomer.get("/api/v1/current_user").json()
    assert me["username"] == "ann@partner-institute"
    assert me["id"] != str(ann_user.id)
    assert me["auth_provider"] == {"uid": "ann", "source": "Partner Institute"}
    assert newcomer.get("/api/v1/projects").json()["results"] == []
    assert newcomer.get(f"/api/v1/projects/{project.id}").status_code == 403
    ann_user.refresh_from_db()
    assert (ann_user.full_name, ann_user.email) == ("Ann Smith", "ann@example.edu")
    assert list(ann_user.identities.values_list("authentication_service__name", "uid")) == [
        ("Example University", "ann")
    ]
    assert [item["id"] for item in ann.get("/api/v1/projects").json()["results"]] == [str(project.id)]


def test_a_second_person_of_the_same_username_at_one_provider_gets_a_numbered_username(
    identity_provider, other_identity_provider, university, partner, make_user
):
    make_user("ann")  # an account the default provider's "ann" will sign in to
    User.objects.create(username="ann@partner-institute")  # taken too

    response = sign_in(APIClient(), other_identity_provider, partner, "ann", name="Ann Other")

    assert response.status_code == 200
    assert UserIdentity.objects.get(authentication_service=partner).user.username == "ann@partner-institute-2"


def test_an_operator_made_account_is_linked_only_at_its_provider(
    identity_provider, other_identity_provider, university, partner
):
    made = services.user_create(username="ann", full_name="Ann of Partner")
    User.objects.filter(pk=made.pk).update(authentication_service=partner)

    at_university = sign_in(APIClient(), identity_provider, university, "ann", name="Ann Smith")
    at_partner = sign_in(APIClient(), other_identity_provider, partner, "ann", name="Ann Other")

    assert (at_university.status_code, at_partner.status_code) == (200, 200)
    identities = {identity.authentication_service_id: identity.user for identity in UserIdentity.objects.all()}
    assert identities[partner.id].id == made.id
    assert identities[university.id].username == "ann@example-university"


def test_an_operator_made_account_naming_no_provider_belongs_to_the_default_one(
    identity_provider, other_identity_provider, university, partner
):
    made = services.user_create(username="ann")

    at_partner = sign_in(APIClient(), other_identity_provider, partner, "ann", name="Ann Other")
    at_university = sign_in(APIClient(), identity_provider, university, "ann", name="Ann Smith")

    assert (at_partner.status_code, at_university.status_code) == (200, 200)
    identities = {identity.authentication_service_id: identity.user for identity in UserIdentity.objects.all()}
    assert identities[university.id].id == made.id
    assert identities[partner.id].username == "ann@partner-institute"


def test_an_account_an_identity_reaches_is_never_linked_by_username(identity_provider, university):
    """An operator-made account already linked to one person of the default provider is not another's."""
    made = services.user_create(username="ann")
    UserIdentity.objects.create(user=made, authentication_service=university, uid="ann-smith-1970")

    response = sign_in(APIClient(), identity_provider, university, "ann", name="Ann Other")

    assert response.status_code == 200
    assert UserIdentity.objects.get(uid="ann").user.username == "ann@example-university"


PEOPLE = 12


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_first_sign_ins_of_different_people_at_once_all_succeed():
    """Twelve first sign-ins released together by a barrier: people of two providers, some sharing a username
    across them (item 10 of issue 24)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers")
    university = AuthenticationService.objects.create(name="Example University", base_uri="https://u.example.edu")
    partner = AuthenticationService.objects.create(name="Partner Institute", base_uri="https://p.example.org")
    people = [
        (university if number % 2 else partner, {"sub": f"person-{number}", "preferred_username": f"p{number // 2}"})
        for number in range(PEOPLE)
    ]
    barrier = threading.Barrier(PEOPLE, timeout=60)
    outcomes = [None] * PEOPLE

    def first_sign_in(number):
        service, claims = people[number]
        try:
            barrier.wait()
            outcomes[number] = services.user_sign_in(service=service, claims=claims).username
        except Exception as error:  # what the person would have met
            outcomes[number] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_sign_in, args=(number,)) for number in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)

    assert [outcome for outcome in outcomes if not isinstance(outcome, str)] == []
    assert len(set(outcomes)) == PEOPLE
    assert UserIdentity.objects.count() == PEOPLE
    assert User.objects.filter(identities__isnull=False).distinct().count() == PEOPLE
