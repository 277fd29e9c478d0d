from django.db.models import Exists, OuterRef, Prefetch, Q

from dds.accounts.models import User
from projects.models import ProjectPermission, ProjectTransfer
from projects.permissions import is_system_admin, roles_granting


def project_transfers():
    """Transfers with what their object shows: the project, the sender, the recipients (by username), the audit."""
    recipients = Prefetch("to_users", queryset=User.objects.order_by("username", "id"))
    related = ("project", "from_user", *ProjectTransfer.AUDIT_RELATED)
    return ProjectTransfer.objects.select_related(*related).prefetch_related(recipients)


def project_transfer_list(*, user, project=None, status=None):
    """The transfers `user` may see, newest first: those they sent or receive, and those of the projects whose
    permissions they manage (every one for a system admin)."""
    queryset = project_transfers()
    if project is not None:
        queryset = queryset.filter(project=project)
    if status is not None:
        queryset = queryset.filter(status=status)
    if not is_system_admin(user):
        managed = ProjectPermission.objects.filter(
            project=OuterRef("project"), user=user, auth_role_id__in=roles_granting("manage_project_permissions")
        )
        received = ProjectTransfer.to_users.through.objects.filter(projecttransfer=OuterRef("pk"), user=user)
        queryset = queryset.filter(Q(from_user=user) | Exists(managed) | Exists(received))
    return queryset.order_by("-created_on", "id")
