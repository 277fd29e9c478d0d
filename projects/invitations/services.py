"""Project invitations: a project's manager invites an email address into a project role; whoever follows the
emailed single-use link and signs in, through any connected provider, gets the role, once, before it expires.

Accepting locks the project's row first, then the invitation's (docs/api/concurrency.md), so an invitation is used at
most once; an acceptance by someone whose email differs from the address invited is allowed and written to the
message log, as every acceptance is.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dds import errors
from dds.locks import project_lock, project_lock_for
from messagelog.services import message_log_record
from notifications.models import Notification
from notifications.services import notification_create
from projects.models import ProjectInvitation, ProjectPermission

Status = ProjectInvitation.Status


def token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token):
    """The page a person follows to accept (`projects/invitations/pages.py`)."""
    return f"{settings.SIGNIN_BASE_URL or ''}/invitations/{token}"


@transaction.atomic
def project_invitation_create(*, actor, project, email, auth_role):
    """Invite `email` into `auth_role` on `project`, for INVITATION_DAYS; the address is emailed the link. The
    invitation returned carries its `token`, which is kept nowhere else but in that email."""
    project = project_lock_for(actor, project.pk, "manage_project_permissions")
    if "project" not in auth_role.contexts:
        raise errors.ValidationFailed.field("auth_role", "is not a project role")
    token = secrets.token_urlsafe(32)
    invitation = ProjectInvitation(
        project=project,
        auth_role=auth_role,
        email=email,
        token_sha256=token_digest(token),
        expires_on=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )
    invitation.stamp_created(actor)
    invitation.save()
    notification_create(
        actor_user=actor.user,
        to_address=email,
        kind=Notification.Kind.INVITATION,
        link=invitation_link(token),
        facts={"project": project.name, "role": auth_role.name, "expires_on": invitation.expires_on},
    )
    message_log_record(event="project_invitation_created", user=actor.user, args=[invitation.id, project.id, email])
    invitation.token = token
    return invitation


@transaction.atomic
def project_invitation_revoke(*, actor, invitation):
    project_lock_for(actor, invitation.project_id, "manage_project_permissions")
    invitation = ProjectInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Status.PENDING:
        raise errors.InvitationUnusable(reason=f"invitation {invitation.status}")
    invitation.status = Status.REVOKED
    invitation.stamp_updated(actor)
    invitation.save()
    message_log_record(event="project_invitation_revoked", user=actor.user, args=[invitation.id, invitation.project_id])
    return invitation


def _unusable(invitation):
    if invitation.status != Status.PENDING:
        return errors.InvitationUnusable(reason=f"invitation {invitation.status}")
    if invitation.expires_on <= timezone.now():
        return errors.InvitationUnusable(reason="invitation expired")
    return None


def project_invitation_for_token(token):
    """The invitation of `token`, whatever its state; 404 for a token no invitation has."""
    invitation = (
        ProjectInvitation.objects.select_related("project", "auth_role", "created_by")
        .filter(token_sha256=token_digest(token), project__is_deleted=False)
        .first()
    )
    if invitation is None:
        raise errors.NotFound("ProjectInvitation", suggestion="the link may be mistyped, or its project deleted")
    return invitation


@transaction.atomic
def project_invitation_accept(*, actor, token):
    """Give the caller the invitation's role on its project (a role they hold already is left as it is) and close
    the invitation: 404 for an unknown token, 409 for one accepted, revoked or expired."""
    invitation = project_invitation_for_token(token)
    project_lock(invitation.project_id, "ProjectInvitation")
    invitation = (
        ProjectInvitation.objects.select_for_update().select_related("project", "auth_role").get(pk=invitation.pk)
    )
    unusable = _unusable(invitation)
    if unusable is not None:
        raise unusable
    permission, created = ProjectPermission.objects.get_or_create(
        project=invitation.project, user=actor.user, defaults={"auth_role": invitation.auth_role}
    )
    if created:
        permission.stamp_created(actor)
        permission.save()
    invitation.status = Status.ACCEPTED
    invitation.accepted_by = actor.user
    invitation.accepted_on = timezone.now()
    invitation.stamp_updated(actor)
    invitation.save()
    message_log_record(
        event="project_invitation_accepted",
        user=actor.user,
        args=[invitation.id, invitation.project_id, invitation.email, actor.user.email],
    )
    return invitation
