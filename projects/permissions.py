"""Who may do what on projects, and who is a system admin: the role checks every app shares
(docs/api/permissions.md)."""

from django.db.models import OuterRef, Subquery

from dds import errors
from dds.accounts.models import User

from .models import AuthRole, Project, ProjectPermission, SystemPermission

PROJECT_PERMISSIONS = frozenset(
    {
        "view_project",
        "update_project",
        "delete_project",
        "manage_project_permissions",
        "download_file",
        "create_file",
        "update_file",
        "delete_file",
    }
)
SYSTEM_ADMIN = "system_admin"


def roles_granting(permission):
    """Ids of the auth roles whose permissions include `permission` (a handful of rows, read whole)."""
    return [role.id for role in AuthRole.objects.all() if permission in role.permissions]


def _granted(user, **grants):
    """`{name: the permissions of the auth role that grants[name] gives user}`, in one query.

    Each of `grants` is a queryset of SystemPermission or ProjectPermission rows holding at most one per user. The
    roles are read with the grants, never kept between requests: the admin may change a role's permissions.
    """
    roles = {
        name: Subquery(rows.filter(user=OuterRef("pk")).values("auth_role__permissions")[:1])
        for name, rows in grants.items()
    }
    row = User.objects.filter(pk=user.pk).values(**roles).first() or {}
    return {name: frozenset(row.get(name) or ()) for name in grants}


def is_system_admin(user):
    return SYSTEM_ADMIN in _granted(user, system=SystemPermission.objects.all())["system"]


def project_grants(user, project):
    """`(permissions, is_system_admin)`: the permissions `user` holds on `project` (every one for a system admin, else
    those of their role), and whether they are a system admin, in one query."""
    granted = _granted(
        user, system=SystemPermission.objects.all(), project=ProjectPermission.objects.filter(project=project)
    )
    if SYSTEM_ADMIN in granted["system"]:
        return PROJECT_PERMISSIONS, True
    return granted["project"], False


def project_permissions(user, project):
    return project_grants(user, project)[0]


def require_project_permission(user, project, permission):
    if permission not in project_permissions(user, project):
        raise errors.Forbidden()


def projects_visible_to(user, queryset=None):
    """Projects on which `user` may `view_project` (all of them for a system admin)."""
    queryset = Project.objects.all() if queryset is None else queryset
    if is_system_admin(user):
        return queryset
    return queryset.filter(permissions__user=user, permissions__auth_role_id__in=roles_granting("view_project"))


def require_system_admin(user):
    if not is_system_admin(user):
        raise errors.Forbidden()


def require_creator_or_system_admin(user, resource, *, system_admin=None, suggestion=None):
    """`system_admin`: whether `user` is one, where the caller has read it already."""
    if resource.created_by_id == user.id:
        return
    if not (is_system_admin(user) if system_admin is None else system_admin):
        raise errors.Forbidden(suggestion=suggestion)
