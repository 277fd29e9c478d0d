"""API routes: every path answers with and without a trailing slash, never redirecting (CONTRACT §1.1)."""

import re

from django.urls import re_path


def api_path(template, view, name=None):
    """`api_path("projects/{id}/permissions/{user_id}", View)`: each `{name}` matches one path segment."""
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re_path(rf"^{pattern}/?$", view.as_view(), name=name)
