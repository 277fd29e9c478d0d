"""`/` and `/api/v1`: where a person or a client who opens the service's address learns where everything is.

API clients get JSON; a browser (Accept: text/html) gets the same links as a small page. Also the icon browsers
ask every page's host for, `/favicon.ico`.
"""

from pathlib import Path

from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.cache import cache_control
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

_FAVICON = (Path(__file__).parent / "favicon.ico").read_bytes()

_TITLES = {
    "api": "API base (Duke Data Service REST API v1)",
    "docs": "API documentation (Swagger UI)",
    "schema": "OpenAPI schema",
    "admin": "Admin (operators)",
    "health": "Health",
}


class IndexHTMLRenderer(BaseRenderer):
    media_type = "text/html"
    format = "html"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        links = format_html_join(
            "\n",
            '<li><a href="{}">{}</a> <code>{}</code></li>',
            ((data[key], title, data[key]) for key, title in _TITLES.items()),
        )
        return format_html(
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{}</title></head>\n'
            "<body><h1>{}</h1>\n<p>{}</p>\n<ul>\n{}\n</ul></body></html>\n",
            data["name"],
            data["name"],
            data["description"],
            links,
        ).encode()


_INDEX = inline_serializer(
    "Index",
    {
        "name": serializers.CharField(),
        "description": serializers.CharField(),
        **{key: serializers.URLField(help_text=title) for key, title in _TITLES.items()},
    },
)


class IndexView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, IndexHTMLRenderer]

    @extend_schema(
        summary="Where the API base, its documentation, the admin and the health check are",
        operation_id="api_index",
        responses={200: OpenApiResponse(_INDEX, description="JSON, or a small HTML page for Accept: text/html")},
    )
    def get(self, request):
        url = request.build_absolute_uri
        return Response(
            {
                "name": "DDS",
                "description": "A data service for research groups; it speaks the Duke Data Service REST API v1.",
                "api": url(reverse("api-index")),
                "docs": url(reverse("docs")),
                "schema": url(reverse("schema")),
                "admin": url(reverse("admin:index")),
                "health": url(reverse("health")),
            }
        )


@extend_schema_view(get=extend_schema(operation_id="root_index"))
class RootIndexView(IndexView):
    """The same index at `/`."""


@cache_control(public=True, max_age=86400)
def favicon(request):
    return HttpResponse(_FAVICON, content_type="image/x-icon")
