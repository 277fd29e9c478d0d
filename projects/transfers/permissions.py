"""Who may do what with a transfer: its sender and recipients, the project's managers, system admins."""

from dds import errors
from projects.permissions import is_system_admin, project_permissions


def _is_recipient(user, transfer):
    return any(recipient.pk == user.pk for recipient in transfer.to_users.all())


def _manages_project(user, transfer):
    return "manage_project_permissions" in project_permissions(user, transfer.project)


def require_transfer_viewer(user, transfer):
    """The sender, a recipient, or whoever manages the project's permissions (a system admin does)."""
    if not (transfer.from_user_id == user.pk or _is_recipient(user, transfer) or _manages_project(user, transfer)):
        raise errors.Forbidden()


def require_transfer_recipient(user, transfer):
    """Accept and reject: a recipient, or a system admin."""
    if not (_is_recipient(user, transfer) or is_system_admin(user)):
        raise errors.Forbidden()


def require_transfer_manager(user, transfer):
    """Cancel: whoever manages the project's permissions."""
    if not _manages_project(user, transfer):
        raise errors.Forbidden()
