from dds.routing import api_path

from . import views

urlpatterns = [
    api_path("projects", views.ProjectListView),
    api_path("projects/{id}", views.ProjectView),
    api_path("projects/{id}/permissions", views.ProjectPermissionListView),
    api_path("projects/{id}/permissions/{user_id}", views.ProjectPermissionView),
    api_path("auth_roles", views.AuthRoleListView),
    api_path("auth_roles/{id}", views.AuthRoleView),
    api_path("system/permissions", views.SystemPermissionListView),
    api_path("system/permissions/{user_id}", views.SystemPermissionView),
]
