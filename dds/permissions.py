"""What a session may do whatever the project: one from an agent's key manages no keys nor agents."""

from rest_framework.permissions import BasePermission

from dds import errors


def is_agent_session(request):
    return request.auth is not None and request.auth.agent is not None


class NotAgentSession(BasePermission):
    """Key and software-agent management refuse sessions minted from agent keys (docs/api/authentication.md#tokens)."""

    def has_permission(self, request, view):
        if request.user is None:
            return False
        if is_agent_session(request):
            raise errors.Forbidden()
        return True
