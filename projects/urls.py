from dds.routing import api_path

from . import views
from .invitations import views as invitations
from .transfers import views as transfers

urlpatterns = [
    api_path("projects", views.ProjectListView),
    api_path("projects/{id}", views.ProjectView),
    api_path("projects/{id}/permissions", views.ProjectPermissionListView),
    api_path("projects/{id}/permissions/{user_id}", views.ProjectPermissionView),
    api_path("projects/{id}/transfers", transfers.ProjectTransferListView),
    api_path("project_transfers", transfers.AllProjectTransfersView),
    api_path("project_transfers/{id}", transfers.ProjectTransferView),
    api_path("project_transfers/{id}/accept", transfers.ProjectTransferAcceptView),
    api_path("project_transfers/{id}/reject", transfers.ProjectTransferRejectView),
    api_path("project_transfers/{id}/cancel", transfers.ProjectTransferCancelView),
    api_path("projects/{id}/invitations", invitations.ProjectInvitationListView),
    api_path("projects/{id}/invitations/{invitation_id}", invitations.ProjectInvitationView),
    api_path("project_invitations/accept", invitations.InvitationAcceptView),
    api_path("auth_roles", views.AuthRoleListView),
    api_path("auth_roles/{id}", views.AuthRoleView),
    api_path("system/permissions", views.SystemPermissionListView),
    api_path("system/permissions/{user_id}", views.SystemPermissionView),
]
