"""A hostile client's large body is refused before anything reads it (413 in the envelope).

DRF parses JSON and form bodies straight from the request stream, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE (which
guards only `request.body` and `request.POST`) would never apply to API requests: this middleware applies it to
every route under /api/ from the declared Content-Length. The signed storage routes (/storage/) take chunk bytes and
are limited by the storage provider's chunk size instead.
"""

from django.conf import settings

from dds import errors
from dds.exception_handler import error_response


class ApiBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                return error_response(errors.PayloadTooLarge())
        return self.get_response(request)
