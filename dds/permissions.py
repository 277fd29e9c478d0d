"""Who may do what: the checks every app shares (CONTRACT §5)."""

from rest_framework.permissions import BasePermission

from dds import errors


def is_agent_session(request):
    return request.auth is not None and request.auth.agent is not None


def is_system_admin(user):
    return user.is_superuser


class NotAgentSession(BasePermission):
    """Key and software-agent management refuse sessions minted from agent keys (CONTRACT §3.5–3.6)."""

    def has_permission(self, request, view):
        if request.user is None:
            return False
        if is_agent_session(request):
            raise errors.Forbidden()
        return True


def require_creator_or_system_admin(user, resource):
    if resource.created_by_id != user.id and not is_system_admin(user):
        raise errors.Forbidden()
