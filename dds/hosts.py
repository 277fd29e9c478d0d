"""The API's own address, as a request reached it."""


def api_host(request):
    """The API's own scheme and host: where the filesystem backend's signed URLs point."""
    return request.build_absolute_uri("/").rstrip("/")
