"""Project invitations: a project admin invites an email address into a role; the emailed single-use link (sent
through a real SMTP server) grants it to whoever signs in through a connected provider (a real OpenID Connect
provider) and accepts, once, before it expires, unless it was revoked."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from dds.accounts.models import User
from projects.models import ProjectInvitation, ProjectPermission

from ..accounts.conftest import openid_service_for
from ..identity_provider import REDIRECT_URI, IdentityProvider
from .conftest import BASE_URL

DORA = "dora@elsewhere.org"


def invite(client, project, email=DORA, role="file_editor"):
    return client.post(
        f"/api/v1/projects/{project.id}/invitations", {"email": email, "auth_role": {"id": role}}, format="json"
    )


def token_of(smtp, base_url=BASE_URL):
    [message] = [message for message in smtp.mailbox.messages if message.recipients == [DORA]]
    [link] = re.findall(rf"^{re.escape(base_url)}/invitations/(\S+)$", message.text, re.MULTILINE)
    return link


@pytest.fixture(scope="module")
def identity_provider(tmp_path_factory):
    """A real OpenID Connect provider on loopback, where the invited people sign in."""
    provider = IdentityProvider(tmp_path_factory.mktemp("identity-provider"))
    yield provider
    provider.stop()


@pytest.fixture
def university(db, identity_provider):
    return openid_service_for(identity_provider)


def signed_in(identity_provider, service, login, **claims):
    """A client holding the api_token of `login`, signed in at `identity_provider` through `service`."""
    identity_provider.set_account(login, **claims)
    access_token = identity_provider.sign_in(login)["access_token"]
    client = APIClient()
    response = client.get(
        "/api/v1/user/api_token", {"access_token": access_token, "authentication_service_id": str(service.service_id)}
    )
    assert response.status_code == 200, response.json()
    client.credentials(HTTP_AUTHORIZATION=response.json()["api_token"])
    return client


def accept(client, token):
    return client.post("/api/v1/project_invitations/accept", {"token": token}, format="json")


def test_an_invited_address_gets_a_link_and_the_person_who_signs_in_gets_the_role(
    as_alice,
    alice,
    project,
    smtp,
    identity_provider,
    university,
):
    created = invite(as_alice, project)

    assert created.status_code == 201
    body = created.json()
    assert (body["email"], body["status"], body["auth_role"]["id"], body["accepted_by"]) == (
        DORA,
        "pending",
        "file_editor",
        None,
    )
    expires_on = ProjectInvitation.objects.get().expires_on
    assert timedelta(days=7) - timedelta(minutes=1) < expires_on - timezone.now() <= timedelta(days=7)
    [message] = smtp.mailbox.messages
    assert message.recipients == [DORA]
    assert message.subject == "Alice Liddell invites you to the project Mouse RNA-seq in DDS"
    assert "with the role File Editor" in message.text
    token = token_of(smtp)
    assert f'<a href="{BASE_URL}/invitations/{token}">' in message.html
    assert "token" not in body and token not in created.content.decode()

    dora = signed_in(identity_provider, university, "dora", name="Dora Explorer", email=DORA, email_verified=True)
    accepted = accept(dora, token)

    assert accepted.status_code == 200
    dora_user = User.objects.get(username="dora")
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["accepted_by"] == {"id": str(dora_user.id), "username": "dora", "email": DORA}
    assert ProjectPermission.objects.get(project=project, user=dora_user).auth_role_id == "file_editor"
    assert dora.get(f"/api/v1/projects/{project.id}").status_code == 200


def test_someone_else_than_the_addressee_may_accept_and_the_project_sees_who(
    as_alice,
    project,
    smtp,
    identity_provider,
    university,
):
    invite(as_alice, project)
    token = token_of(smtp)
    other = signed_in(identity_provider, university, "olga", name="Olga Other", email="olga@x.edu", email_verified=True)

    accepted = accept(other, token)

    assert accepted.status_code == 200
    listed = as_alice.get(f"/api/v1/projects/{project.id}/invitations").json()["results"]
    assert [(item["email"], item["accepted_by"]["email"]) for item in listed] == [(DORA, "olga@x.edu")]
    invitation = ProjectInvitation.objects.get()
    assert invitation.accepted_by.username == "olga"
    assert invitation.accepted_on is not None


def test_an_invitation_is_used_once(as_alice, project, smtp, client_for, bob, carol):
    invite(as_alice, project)
    token = token_of(smtp)
    assert accept(client_for(bob), token).status_code == 200

    again = accept(client_for(carol), token)

    assert again.status_code == 409
    assert again.json() == {
        "error": 409,
        "code": "not_provided",
        "reason": "invitation accepted",
        "suggestion": "ask the project's administrator for a new invitation",
    }
    assert not ProjectPermission.objects.filter(project=project, user=carol).exists()


def test_an_expired_invitation_grants_nothing(as_alice, project, smtp, client_for, bob):
    invite(as_alice, project)
    ProjectInvitation.objects.update(expires_on=timezone.now() - timedelta(seconds=1))

    response = accept(client_for(bob), token_of(smtp))

    assert (response.status_code, response.json()["reason"]) == (409, "invitation expired")
    assert not ProjectPermission.objects.filter(project=project, user=bob).exists()
    assert ProjectInvitation.objects.get().status == "pending"


def test_a_revoked_invitation_grants_nothing(as_alice, project, smtp, client_for, bob):
    invitation_id = invite(as_alice, project).json()["id"]

    revoked = as_alice.delete(f"/api/v1/projects/{project.id}/invitations/{invitation_id}")
    response = accept(client_for(bob), token_of(smtp))
    revoked_again = as_alice.delete(f"/api/v1/projects/{project.id}/invitations/{invitation_id}")

    assert revoked.status_code == 204
    assert (response.status_code, response.json()["reason"]) == (409, "invitation revoked")
    assert (revoked_again.status_code, revoked_again.json()["reason"]) == (409, "invitation revoked")
    assert not ProjectPermission.objects.filter(project=project, user=bob).exists()


def test_an_accepted_invitation_cannot_be_revoked(as_alice, project, smtp, client_for, bob):
    invitation_id = invite(as_alice, project).json()["id"]
    accept(client_for(bob), token_of(smtp))

    response = as_alice.delete(f"/api/v1/projects/{project.id}/invitations/{invitation_id}")

    assert (response.status_code, response.json()["reason"]) == (409, "invitation accepted")
    assert ProjectPermission.objects.filter(project=project, user=bob).exists()


@pytest.mark.parametrize("token", ["not-a-token", "x" * 43])
def test_an_unknown_token_is_404(as_alice, token):
    response = accept(as_alice, token)

    assert (response.status_code, response.json()["reason"]) == (404, "ProjectInvitation Not Found")


def test_a_role_the_person_holds_already_is_left_as_it_is(as_alice, project, smtp, client_for, bob, grant):
    grant(project, bob, "project_admin")
    invite(as_alice, project, role="project_viewer")

    response = accept(client_for(bob), token_of(smtp))

    assert response.status_code == 200
    assert ProjectPermission.objects.get(project=project, user=bob).auth_role_id == "project_admin"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "not an address", "auth_role": {"id": "file_editor"}}, "email"),
        ({"email": DORA}, "auth_role"),
        ({"email": DORA, "auth_role": {"id": "system_admin"}}, "auth_role"),
    ],
)
def test_it_refuses_an_invitation_it_cannot_send(as_alice, project, smtp, body, field):
    response = as_alice.post(f"/api/v1/projects/{project.id}/invitations", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert not ProjectInvitation.objects.exists()
    assert smtp.mailbox.messages == []


def test_only_a_permission_manager_invites(client_for, bob, project, grant, smtp):
    grant(project, bob, "file_editor")

    response = invite(client_for(bob), project)

    assert response.status_code == 403
    assert not ProjectInvitation.objects.exists()


def test_the_link_signs_a_person_in_and_brings_them_back_to_accept(
    settings,
    as_alice,
    project,
    smtp,
    identity_provider,
    university,
):
    local = REDIRECT_URI.removesuffix("/login/callback")
    settings.SIGNIN_BASE_URL = local
    invite(as_alice, project)
    token = token_of(smtp, base_url=local)
    identity_provider.set_account("dora", name="Dora Explorer", email=DORA, email_verified=True)
    browser = Client()

    first = browser.get(f"/invitations/{token}")
    assert (first.status_code, first["Location"]) == (302, "/login")
    start = browser.get("/login")
    callback = urlsplit(identity_provider.approve(start["Location"], "dora"))
    back = browser.get(callback.path, parse_qs(callback.query))
    assert (back.status_code, back["Location"]) == (302, f"/invitations/{token}")
    offer = browser.get(back["Location"])
    assert offer.status_code == 200
    assert "Alice Liddell invites you to the role File Editor on the project Mouse RNA-seq" in offer.content.decode()
    accepted = browser.post(f"/invitations/{token}")

    assert accepted.status_code == 200
    assert "You now have access to the project Mouse RNA-seq." in accepted.content.decode()
    dora = User.objects.get(username="dora")
    assert ProjectPermission.objects.get(project=project, user=dora).auth_role_id == "file_editor"
    used = browser.get(f"/invitations/{token}")
    assert used.status_code == 409
    assert "was accepted" in used.content.decode()
