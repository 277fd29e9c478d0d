from dds.routing import api_path

from . import views
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
    api_path("auth_roles", views.AuthRoleListView),
    api_path("auth_roles/{id}", views.AuthRoleView),
    api_path("system/permissions", views.SystemPermissionListView),
    api_path("system/permissions/{user_id}", views.SystemPermissionView),
]
