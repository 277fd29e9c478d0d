from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from dds import exception_handler
from dds.health import AppStatusView, HealthView
from dds.index import IndexView, RootIndexView, favicon
from projects.invitations.pages import invitation_page

urlpatterns = [
    re_path(r"^$", RootIndexView.as_view(), name="index"),
    re_path(r"^api/v1/?$", IndexView.as_view(), name="api-index"),
    path("favicon.ico", favicon, name="favicon"),
    re_path(r"^api/v1/app/status/?$", AppStatusView.as_view(), name="app-status"),
    path("api/v1/", include("dds.accounts.urls")),
    path("api/v1/", include("projects.urls")),
    path("api/v1/", include("uploads.urls")),
    path("api/v1/", include("files.urls")),
    path("api/v1/", include("provenance.urls")),
    path("api/v1/", include("metadata.urls")),
    path("api/v1/", include("search.urls")),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    re_path(r"^health/?$", HealthView.as_view(), name="health"),
    path("storage/", include("uploads.transfer_urls")),
    path("admin/", admin.site.urls),
    path("", include("dds.accounts.signin_urls")),
    re_path(r"^invitations/(?P<token>[A-Za-z0-9_-]{1,128})/?$", invitation_page, name="invitation"),
    # Any other path is an unknown route: a JSON 404 whatever DEBUG says.
    re_path(r"", csrf_exempt(exception_handler.handler404)),
]

handler404 = "dds.exception_handler.handler404"
handler500 = "dds.exception_handler.handler500"
