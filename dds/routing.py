"""API routes: every path answers with and without a trailing slash, never redirecting
(docs/api/conventions.md#routing)."""

import re

from django.urls import re_path


def api_path(template, view, name=None):
    """`api_path("projects/{id}/permissions/{user_id}", View)`: each `{name}` matches one path segment."""
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re_path(rf"^{pattern}/?$", view.as_view(), name=name)


class CollapseSlashesMiddleware:
    """`/api/v1//user/api_token` (the original portal's double slash) is `/api/v1/user/api_token`: repeated slashes
    in an API path count as one, for every route."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/") and "//" in request.path_info:
            request.path_info = re.sub("/{2,}", "/", request.path_info)
        return self.get_response(request)
