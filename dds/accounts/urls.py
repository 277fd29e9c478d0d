from dds.routing import api_path

from . import views

urlpatterns = [
    api_path("software_agents/api_token", views.ApiTokenView),
    api_path("user/api_token", views.UserApiTokenView),
    api_path("current_user", views.CurrentUserView),
    api_path("current_user/api_key", views.CurrentUserApiKeyView),
    api_path("software_agents", views.SoftwareAgentListView),
    api_path("software_agents/{id}", views.SoftwareAgentView),
    api_path("software_agents/{id}/api_key", views.SoftwareAgentApiKeyView),
    api_path("users", views.UserListView),
    api_path("users/{id}", views.UserView),
    api_path("auth_providers", views.AuthProviderListView),
    api_path("auth_providers/{id}", views.AuthProviderView),
    api_path("auth_providers/{id}/affiliates", views.AffiliatesView),
    api_path("auth_providers/{id}/affiliates/{uid}", views.AffiliateView),
    api_path("auth_providers/{id}/affiliates/{uid}/dds_user", views.AffiliateUserView),
]
