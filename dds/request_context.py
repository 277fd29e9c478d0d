"""Which request, and which user, the code is running for: job records and the message log name them."""

import uuid
from contextvars import ContextVar

request_id = ContextVar("request_id", default="")
user_id = ContextVar("user_id", default=None)


class RequestIdMiddleware:
    """Takes the client's `X-Request-Id` (or makes one), answers it back, and keeps it for the request's jobs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-Id", "")[:64]
        request.id = incoming if incoming.isprintable() and incoming else str(uuid.uuid4())
        request_token, user_token = request_id.set(request.id), user_id.set(None)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(request_token)
            user_id.reset(user_token)
        response["X-Request-Id"] = request.id
        return response
