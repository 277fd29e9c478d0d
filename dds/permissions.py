"""Who may do what: the checks every app shares (CONTRACT §5)."""

from rest_framework.permissions import BasePermission

from dds import errors
from projects.models import AuthRole, Project, ProjectPermission, SystemPermission

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


def is_agent_session(request):
    return request.auth is not None and request.auth.agent is not None


def roles_granting(permission):
    """Ids of the auth roles whose permissions include `permission` (a handful of rows, read whole)."""
    return [role.id for role in AuthRole.objects.all() if permission in role.permissions]


def is_system_admin(user):
    return SystemPermission.objects.filter(user=user, auth_role_id__in=roles_granting(SYSTEM_ADMIN)).exists()


def project_permissions(user, project):
    """The permissions `user` holds on `project`: every one for a system admin, else those of their role."""
    if is_system_admin(user):
        return PROJECT_PERMISSIONS
    row = ProjectPermission.objects.select_related("auth_role").filter(user=user, project=project).first()
    return frozenset(row.auth_role.permissions) if row else frozenset()


def require_project_permission(user, project, permission):
    if permission not in project_permissions(user, project):
        raise errors.Forbidden()


def projects_visible_to(user, queryset=None):
    """Projects on which `user` may `view_project` (all of them for a system admin)."""
    queryset = Project.objects.all() if queryset is None else queryset
    if is_system_admin(user):
        return queryset
    return queryset.filter(
        permissions__user=user, permissions__auth_role_id__in=roles_granting("view_project")
    )


def require_system_admin(user):
    if not is_system_admin(user):
        raise errors.Forbidden()


def require_creator_or_system_admin(user, resource):
    if resource.created_by_id != user.id and not is_system_admin(user):
        raise errors.Forbidden()


class NotAgentSession(BasePermission):
    """Key and software-agent management refuse sessions minted from agent keys (CONTRACT §3.5–3.6)."""

    def has_permission(self, request, view):
        if request.user is None:
            return False
        if is_agent_session(request):
            raise errors.Forbidden()
        return True
