"""An OpenID Connect service's LDAP directory: `/auth_providers/{id}/affiliates` searches a real OpenLDAP server
(tests/directory.py) and registers its people as users of that service, who can be given a project role before they
ever sign in, and whose first sign-in then lands in that account."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from dds.accounts.models import AuthenticationService, Directory, User, UserIdentity
from projects.models import ProjectPermission

from ..directory import BASE_DN, BIND_DN, CARTERS, SERVER_SIZE_LIMIT
from ..identity_provider import free_port
from .conftest import directory_for

DIRECTORY_DOWN = {
    "error": 503,
    "code": "not_provided",
    "reason": "identity provider communication failure",
    "suggestion": "the directory of Example University did not answer; please try again in a few minutes, or report "
    "an issue",
}
NOT_FOUND = {
    "error": 404,
    "code": "not_provided",
    "reason": "Affiliate Not Found",
    "suggestion": "you may have mistyped the uid",
}
ANN = {"uid": "ann", "full_name": "Ann Smith", "first_name": "Ann", "last_name": "Smith", "email": "ann@example.edu"}


def affiliates(service):
    return f"/api/v1/auth_providers/{service.id}/affiliates"


def uids(response):
    return [person["uid"] for person in response.json()["results"]]


@pytest.mark.parametrize(
    "query",
    [
        {"username": "ann"},
        {"email": "ann@example.edu"},
        {"full_name_contains": "nn Smi"},
        {"full_name_contains": "SMITH"},
    ],
)
def test_it_finds_a_person_of_the_institution(as_alice, institution, query):
    response = as_alice.get(affiliates(institution), query)

    assert response.status_code == 200
    assert response.json() == {"results": [ANN]}
    assert response["X-Total"] == "1"


def test_every_filter_given_must_match(as_alice, institution):
    response = as_alice.get(affiliates(institution), {"username": "ann", "email": "robert.jones@example.edu"})

    assert response.status_code == 200
    assert response.json() == {"results": []}


@pytest.mark.parametrize("query", [{}, {"full_name_contains": "An"}, {"full_name_contains": ""}, {"username": ""}])
def test_a_search_that_would_answer_the_whole_directory_finds_no_one(as_alice, institution, query):
    response = as_alice.get(affiliates(institution), query)

    assert response.status_code == 200
    assert response.json() == {"results": []}
    assert response["X-Total"] == "0"


def test_it_pages_a_search_sorted_by_name(as_alice, institution):
    pages = [
        as_alice.get(affiliates(institution), {"full_name_contains": "carter", "per_page": 15, "page": page})
        for page in (1, 2, 3)
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert [(page["X-Total"], page["X-Total-Pages"], page["X-Page"]) for page in pages] == [
        (str(SERVER_SIZE_LIMIT), "3", "1"),
        (str(SERVER_SIZE_LIMIT), "3", "2"),
        (str(SERVER_SIZE_LIMIT), "3", "3"),
    ]
    found = [uid for page in pages for uid in uids(page)]
    assert found == [f"carter{n:02}" for n in range(1, SERVER_SIZE_LIMIT + 1)]


def test_a_search_is_capped_at_what_the_directory_answers(as_alice, institution):
    """The directory holds more Carters than it answers DDS in one search: the search gives what it answered."""
    response = as_alice.get(affiliates(institution), {"full_name_contains": "Carter", "per_page": 100})

    assert response.status_code == 200
    assert CARTERS > SERVER_SIZE_LIMIT
    assert len(response.json()["results"]) == SERVER_SIZE_LIMIT


@pytest.mark.parametrize(
    "injected",
    ["*)(uid=*", "*", "***", ")(|(uid=*", "ann)(|(objectClass=*", "\\2a", "*)(userPassword=*"],
)
def test_filter_characters_in_a_search_are_only_text(as_alice, institution, injected):
    for name in ("full_name_contains", "username", "email"):
        response = as_alice.get(affiliates(institution), {name: injected})

        assert response.status_code == 200, (name, response.json())
        assert response.json() == {"results": []}, name


def test_a_name_with_filter_characters_is_found_literally(as_alice, institution):
    jay = as_alice.get(affiliates(institution), {"full_name_contains": "(Jay)"})
    star = as_alice.get(affiliates(institution), {"full_name_contains": " * "})

    assert uids(jay) == ["jpark"]
    assert uids(star) == ["star"]


def test_it_shows_one_person(as_alice, institution):
    response = as_alice.get(f"{affiliates(institution)}/ann")

    assert response.status_code == 200
    assert response.json() == ANN


@pytest.mark.parametrize("uid", ["nobody", "*", "ann)(uid=*", "carter*"])
def test_it_answers_404_for_a_uid_not_in_the_directory(as_alice, institution, uid):
    response = as_alice.get(f"{affiliates(institution)}/{uid}")
    registered = as_alice.post(f"{affiliates(institution)}/{uid}/dds_user")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert (registered.status_code, registered.json()) == (404, NOT_FOUND)
    assert not UserIdentity.objects.filter(authentication_service=institution).exists()


def test_it_registers_a_person_as_a_user_of_that_provider(as_alice, alice, institution):
    response = as_alice.post(f"{affiliates(institution)}/ann/dds_user")

    assert response.status_code == 201
    body = response.json()
    assert {key: body[key] for key in ("username", "full_name", "first_name", "last_name", "email")} == {
        "username": "ann",
        "full_name": "Ann Smith",
        "first_name": "Ann",
        "last_name": "Smith",
        "email": "ann@example.edu",
    }
    assert body["auth_provider"] == {"uid": "ann", "source": "Example University"}
    assert body["last_login_on"] is None
    assert body["audit"]["created_by"]["id"] == str(alice.id)
    ann = User.objects.get(pk=body["id"])
    assert ann.authentication_service == institution
    assert list(ann.identities.values_list("authentication_service", "uid")) == [(institution.id, "ann")]
    assert as_alice.get("/api/v1/users", {"username": "ann"}).json()["results"][0]["id"] == body["id"]


def test_a_person_is_registered_once(as_alice, institution):
    as_alice.post(f"{affiliates(institution)}/ann/dds_user")

    again = as_alice.post(f"{affiliates(institution)}/ann/dds_user")

    assert again.status_code == 409
    assert again.json() == {
        "error": 409,
        "code": "not_provided",
        "reason": "Affiliate already registered",
        "suggestion": "nothing else needs to be done",
    }
    assert User.objects.filter(email="ann@example.edu").count() == 1


def test_a_registered_username_taken_by_another_account_names_the_provider(as_alice, make_user, institution):
    other_ann = make_user("ann")

    response = as_alice.post(f"{affiliates(institution)}/ann/dds_user")

    assert response.status_code == 201
    assert response.json()["username"] == "ann@example-university"
    assert not other_ann.identities.exists()


def test_a_role_given_before_the_first_sign_in_is_the_persons_at_their_first_sign_in(
    as_alice, project, identity_provider, institution
):
    registered = as_alice.post(f"{affiliates(institution)}/ann/dds_user").json()
    granted = as_alice.put(
        f"/api/v1/projects/{project.id}/permissions/{registered['id']}",
        {"auth_role": {"id": "file_editor"}},
        format="json",
    )
    assert granted.status_code == 200

    identity_provider.set_account("ann", name="Ann Smith", email="ann@example.edu", email_verified=True)
    access_token = identity_provider.sign_in("ann")["access_token"]
    ann = APIClient()
    signed_in = ann.get(
        "/api/v1/user/api_token",
        {"access_token": access_token, "authentication_service_id": str(institution.service_id)},
    )

    assert signed_in.status_code == 200
    ann.credentials(HTTP_AUTHORIZATION=signed_in.json()["api_token"])
    me = ann.get("/api/v1/current_user").json()
    assert me["id"] == registered["id"]
    assert me["last_login_on"] is not None
    assert [item["id"] for item in ann.get("/api/v1/projects").json()["results"]] == [str(project.id)]
    assert ProjectPermission.objects.get(project=project, user_id=registered["id"]).auth_role_id == "file_editor"
    assert User.objects.filter(identities__authentication_service=institution).count() == 1


@pytest.mark.parametrize(
    "method, path", [("get", ""), ("get", "/ann"), ("post", "/ann/dds_user")], ids=["list", "show", "register"]
)
def test_a_directory_that_is_down_answers_503(as_alice, openid_service, method, path):
    directory_for(openid_service, f"ldap://127.0.0.1:{free_port()}", timeout=2)

    response = getattr(as_alice, method)(f"{affiliates(openid_service)}{path}", {"username": "ann"})

    assert (response.status_code, response.json()) == (503, DIRECTORY_DOWN)
    assert not User.objects.filter(username="ann").exists()


def test_a_directory_that_refuses_the_bind_answers_503_and_logs_why(as_alice, openid_service, ldap_server, caplog):
    directory_for(openid_service, ldap_server.url)
    Directory.objects.filter(authentication_service=openid_service).update(bind_password="wrong")

    response = as_alice.get(affiliates(openid_service), {"username": "ann"})

    assert (response.status_code, response.json()) == (503, DIRECTORY_DOWN)
    assert f"bind as {BIND_DN}: invalidCredentials" in caplog.text


def test_a_search_below_a_base_that_does_not_exist_answers_503(as_alice, openid_service, ldap_server):
    directory_for(openid_service, ldap_server.url)
    Directory.objects.filter(authentication_service=openid_service).update(base_dn=f"ou=nowhere,{BASE_DN}")

    response = as_alice.get(affiliates(openid_service), {"username": "ann"})

    assert (response.status_code, response.json()) == (503, DIRECTORY_DOWN)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"url": "http://127.0.0.1:389"}, "url"),
        ({"url": "ldaps://127.0.0.1:636", "start_tls": True}, "start_tls"),
        ({"person_filter": "objectClass=person"}, "person_filter"),
        ({"uid_attribute": "uid)(cn=*"}, "uid_attribute"),
    ],
)
def test_the_admin_refuses_a_directory_it_cannot_use(openid_service, fields, field):
    directory = Directory(
        authentication_service=openid_service, url="ldap://127.0.0.1:389", base_dn=BASE_DN, bind_dn=BIND_DN
    )
    for name, value in fields.items():
        setattr(directory, name, value)

    with pytest.raises(ValidationError) as refused:
        directory.full_clean()

    assert field in refused.value.message_dict


def test_only_an_openid_service_has_a_directory(db):
    local = AuthenticationService.objects.get(kind="local")
    directory = Directory(authentication_service=local, url="ldap://127.0.0.1:389", base_dn=BASE_DN)

    with pytest.raises(ValidationError):
        directory.full_clean()


@pytest.mark.parametrize("over", ["ldaps", "starttls"])
def test_it_searches_a_directory_over_tls_checking_its_certificate(as_alice, openid_service, ldap_server, over):
    url, start_tls = (ldap_server.tls_url, False) if over == "ldaps" else (ldap_server.url, True)
    directory_for(openid_service, url, start_tls=start_tls, ca_certificates=ldap_server.ca_pem)

    response = as_alice.get(affiliates(openid_service), {"username": "ann"})

    assert (response.status_code, response.json()) == (200, {"results": [ANN]})


@pytest.mark.parametrize("over", ["ldaps", "starttls"])
def test_a_directory_whose_certificate_is_not_trusted_answers_503(as_alice, openid_service, ldap_server, over):
    url, start_tls = (ldap_server.tls_url, False) if over == "ldaps" else (ldap_server.url, True)
    directory_for(openid_service, url, start_tls=start_tls)

    response = as_alice.get(affiliates(openid_service), {"username": "ann"})

    assert (response.status_code, response.json()) == (503, DIRECTORY_DOWN)


def test_a_directory_whose_certificate_is_not_checked_is_searched(as_alice, openid_service, ldap_server):
    directory_for(openid_service, ldap_server.tls_url, verify_certificate=False)

    response = as_alice.get(affiliates(openid_service), {"username": "ann"})

    assert response.json() == {"results": [ANN]}
