"""Project transfers: offered by a project's manager, then accepted or rejected by a recipient, or canceled.

Every write locks the project's row first, then the transfer's, then changes permissions (docs/api/concurrency.md),
so that offering, closing, changing the project's permissions and deleting the project happen one after another for
the same project; each is written to the message log with the user who did it.
"""

from django.db import IntegrityError, transaction

from dds import errors
from dds.accounts.models import User
from dds.locks import project_lock, project_lock_for
from dds.lookups import parse_uuid
from messagelog.services import message_log_record
from notifications.models import Notification
from notifications.services import notification_create, notification_link
from projects.models import ProjectPermission, ProjectTransfer

Status = ProjectTransfer.Status

SYSTEM_CANCEL_COMMENT = "canceled by the system: the project was deleted"

# The reference's validation messages (its model's), with its attribute names as the fields.
_PENDING_EXISTS = ("status", "Pending transfer already exists")
_NO_RECIPIENTS = ("project_transfer_users", "can't be blank")
_UNKNOWN_RECIPIENT = ("project_transfer_users", "is invalid")
_NOT_PENDING = ("status", "cannot be changed when not pending")
_COMMENT_FIXED = ("status_comment", "Cannot change status_comment.")


def _recipients(to_user_ids):
    """The users named, in order and once each; None if one of them is not an active user."""
    ids = list(dict.fromkeys(parse_uuid(value) for value in to_user_ids))
    if None in ids:
        return None
    found = {user.pk: user for user in User.objects.filter(pk__in=ids, is_active=True)}
    return [found[pk] for pk in ids] if len(found) == len(ids) else None


@transaction.atomic
def project_transfer_create(*, actor, project, to_user_ids):
    """Offer `project` to the users `to_user_ids`; a project has at most one pending transfer."""
    project = project_lock_for(actor, project.pk, "manage_project_permissions")
    problems = []
    recipients = _recipients(to_user_ids)
    if recipients is None:
        problems.append(_UNKNOWN_RECIPIENT)
    if ProjectTransfer.objects.filter(project=project, status=Status.PENDING).exists():
        problems.append(_PENDING_EXISTS)
    if not to_user_ids:
        problems.append(_NO_RECIPIENTS)
    if problems:
        raise errors.ValidationFailed(errors=problems)
    transfer = ProjectTransfer(project=project, from_user=actor.user)
    transfer.stamp_created(actor)
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:
        # Only the project's row lock stands between two offers; the constraint is the last word.
        raise errors.ValidationFailed(errors=[_PENDING_EXISTS]) from None
    transfer.to_users.set(recipients)
    _log("project_transfer_created", actor.user, transfer)
    _notify(actor, transfer, Notification.Kind.TRANSFER_PROPOSED, recipients)
    return transfer


@transaction.atomic
def project_transfer_accept(*, actor, transfer, status_comment=None):
    """The recipients become the project's admins and the sender its viewer; every other permission goes."""
    transfer = _close(actor, transfer, Status.ACCEPTED, status_comment)
    recipients = list(transfer.to_users.all())
    keep = [ProjectPermission(user=user, auth_role_id="project_admin") for user in recipients]
    if transfer.from_user not in recipients:
        keep.append(ProjectPermission(user=transfer.from_user, auth_role_id="project_viewer"))
    ProjectPermission.objects.filter(project_id=transfer.project_id).delete()
    for permission in keep:
        permission.project_id = transfer.project_id
        permission.stamp_created(actor)
    ProjectPermission.objects.bulk_create(keep)
    _log("project_transfer_accepted", actor.user, transfer)
    _notify(actor, transfer, Notification.Kind.TRANSFER_ACCEPTED, [transfer.from_user])
    return transfer


@transaction.atomic
def project_transfer_reject(*, actor, transfer, status_comment=None):
    transfer = _close(actor, transfer, Status.REJECTED, status_comment)
    _log("project_transfer_rejected", actor.user, transfer)
    _notify(actor, transfer, Notification.Kind.TRANSFER_REJECTED, [transfer.from_user])
    return transfer


@transaction.atomic
def project_transfer_cancel(*, actor, transfer, status_comment=None):
    transfer = _close(actor, transfer, Status.CANCELED, status_comment)
    _log("project_transfer_canceled", actor.user, transfer)
    _notify(actor, transfer, Notification.Kind.TRANSFER_CANCELED, [transfer.from_user, *transfer.to_users.all()])
    return transfer


@transaction.atomic
def project_transfers_cancel_pending(*, actor, project):
    """Part of deleting `project` (whose row the caller holds locked): its pending transfer is canceled, by the
    system on behalf of `actor`."""
    for transfer in ProjectTransfer.objects.select_for_update().filter(project=project, status=Status.PENDING):
        transfer.status, transfer.status_comment = Status.CANCELED, SYSTEM_CANCEL_COMMENT
        transfer.stamp_updated(actor)
        transfer.save()
        _log("project_transfer_canceled_by_system", actor.user, transfer)
        _notify(actor, transfer, Notification.Kind.TRANSFER_CANCELED, transfer.to_users.all())


def _close(actor, transfer, status, status_comment):
    """Move a pending transfer to `status` (a comment given replaces none); a closed one never changes again.

    A deleted project's row is locked too: its pending transfer was canceled with it, which is the answer."""
    project_lock(transfer.project_id, live=False)
    transfer = ProjectTransfer.objects.select_for_update().select_related("from_user").get(pk=transfer.pk)
    if transfer.status != Status.PENDING:
        problems = [_NOT_PENDING]
        if status_comment is not None and status_comment != transfer.status_comment:
            problems.append(_COMMENT_FIXED)
        raise errors.ValidationFailed(errors=problems)
    transfer.status = status
    if status_comment is not None:
        transfer.status_comment = status_comment
    transfer.stamp_updated(actor)
    transfer.save()
    return transfer


def _notify(actor, transfer, kind, users):
    for user in users:
        notification_create(
            actor_user=actor.user,
            user=user,
            kind=kind,
            link=notification_link(f"project_transfers/{transfer.id}"),
            facts={"project": transfer.project.name, "reason": transfer.status_comment or ""},
        )


def _log(event, user, transfer):
    message_log_record(event=event, user=user, args=[transfer.id, transfer.project_id, transfer.status])
