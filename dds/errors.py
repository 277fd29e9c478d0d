"""The API's exception family: each error carries its status, code, reason and suggestion.

Views and services raise these; `dds.exception_handler` turns them (and DRF's own exceptions) into the
envelope of docs/api/errors.md#envelope: `{"error": <status>, "code", "reason", "suggestion"[, "errors"]}`.
"""

import math

from rest_framework import status
from rest_framework.exceptions import APIException

NOT_PROVIDED = "not_provided"
RESOURCE_NOT_CONSISTENT = "resource_not_consistent"


def too_long(limit):
    """The field error of a text over `limit` characters, in the wording clients of the original match."""
    return f"is too long (maximum is {limit} characters)"


class DDSError(APIException):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    code = NOT_PROVIDED
    reason = "internal server error"
    suggestion = "try again in a few minutes, or contact the systems administrators"

    def __init__(self, reason=None, suggestion=None):
        if reason is not None:
            self.reason = reason
        if suggestion is not None:
            self.suggestion = suggestion
        super().__init__(detail=self.reason, code=self.code)

    def headers(self):
        return {}

    def body(self):
        return {"error": self.status_code, "code": self.code, "reason": self.reason, "suggestion": self.suggestion}


class ValidationFailed(DDSError):
    """A 400 with field errors and/or object-level ("base") errors (docs/api/errors.md#validation-failures)."""

    status_code = status.HTTP_400_BAD_REQUEST
    fix_fields = "Fix the following invalid fields and resubmit"

    def __init__(self, errors=(), base=()):
        self.errors = [{"field": field, "message": message} for field, message in errors]
        self.base = list(base)
        if self.base:
            reason, suggestion = " ".join(self.base), self.fix_fields if self.errors else ""
        else:
            reason, suggestion = "validation failed", self.fix_fields
        super().__init__(reason, suggestion)

    @classmethod
    def field(cls, field, message):
        return cls(errors=[(field, message)])

    def body(self):
        body = super().body()
        if self.errors:
            body["errors"] = self.errors
        return body


class BadRequest(DDSError):
    status_code = status.HTTP_400_BAD_REQUEST
    reason = "bad request"
    suggestion = "check the request and resubmit"


class MalformedBody(BadRequest):
    reason = "malformed request body"
    suggestion = "send a JSON object or a form-encoded body"


class NestedTooDeep(BadRequest):
    reason = "request body nested too deeply"

    def __init__(self, limit):
        super().__init__(suggestion=f"nest objects and arrays at most {limit} levels deep")


class UnstorableValue(BadRequest):
    """The database refused a value from the request (a NUL character, a number out of range)."""

    reason = "invalid value"
    suggestion = "a value in the request holds a character or a number the service cannot store or search for"


class MissingKeys(BadRequest):
    reason = "missing key or keys"
    suggestion = "api_key and user_key are required"


class NoDirectory(BadRequest):
    reason = "authentication provider does not support affilate searches"
    suggestion = "perhaps you are using the wrong authentication provider"


class MissingAccessToken(BadRequest):
    reason = "no access_token"
    suggestion = "you might need to login through an authentication service"


class UploadAlreadyCompleted(BadRequest):
    """Bytes sent to a signed URL of an upload completed since: they would never be verified, so none is kept."""

    reason = "upload already completed"
    suggestion = "start a new upload"


class IntegrityFailure(DDSError):
    """The upload's stored bytes do not match what the client reported; `reason` is the upload's error_message."""

    status_code = status.HTTP_400_BAD_REQUEST
    suggestion = "You must begin a new upload process"


class NotAuthenticated(DDSError):
    status_code = status.HTTP_401_UNAUTHORIZED
    reason = "no api_token"
    suggestion = "you might need to login through an authentication service"

    def headers(self):
        return {"WWW-Authenticate": "api_token"}


class ExpiredApiToken(NotAuthenticated):
    reason = "expired api_token"
    suggestion = "you need to login with your authentication service"


class InvalidApiToken(NotAuthenticated):
    reason = "invalid api_token"
    suggestion = "token not properly signed"


class InvalidAccessToken(NotAuthenticated):
    reason = "invalid access_token"
    suggestion = "token not properly signed"


class SignInRefused(InvalidAccessToken):
    """The identity provider vouched for the person, but DDS will not sign them in; `why` says it to the person."""

    def __init__(self, why):
        self.why = why
        super().__init__(suggestion=f"DDS cannot sign this person in: {why}")


class UnknownAuthenticationService(InvalidAccessToken):
    suggestion = "authentication service not registered"


class Forbidden(DDSError):
    status_code = status.HTTP_403_FORBIDDEN
    reason = "Unauthorized"
    suggestion = "request permission to access this resource"


class NotFound(DDSError):
    """`NotFound("Project")` answers `Project Not Found`, as the reference names its models."""

    status_code = status.HTTP_404_NOT_FOUND

    def __init__(self, model="Resource", suggestion=None):
        super().__init__(f"{model} Not Found", suggestion or f"you may have mistyped the {model} id")


class AffiliateNotFound(DDSError):
    status_code = status.HTTP_404_NOT_FOUND
    reason = "Affiliate Not Found"
    suggestion = "you may have mistyped the uid"


class UnsupportedKind(DDSError):
    """A `kind` the route cannot take: the reference names it in the reason (`object_kind dds-x Not Supported`)."""

    status_code = status.HTTP_404_NOT_FOUND
    suggestion = "Please supply a supported object_kind"

    def __init__(self, kind):
        super().__init__(f"object_kind {kind} Not Supported")


class InvalidKey(DDSError):
    status_code = status.HTTP_404_NOT_FOUND
    reason = "invalid key"
    suggestion = "ensure both keys are valid"


class UnknownContext(DDSError):
    status_code = status.HTTP_404_NOT_FOUND
    reason = "Unknown Context"
    suggestion = "Context should be either project or system"


class UnknownStatus(DDSError):
    """`GET /project_transfers?status=` with a status transfers never have (the reference's wording, its list too)."""

    status_code = status.HTTP_404_NOT_FOUND
    reason = "Unknown Status"
    suggestion = 'Status should be one of the following: ["pending", "rejected", "accepted", "canceled"]'


class RouteNotFound(DDSError):
    status_code = status.HTTP_404_NOT_FOUND
    reason = "Route Not Found"
    suggestion = "check the path against the API documentation at /api/docs/"


class ResourceNotConsistent(DDSError):
    status_code = status.HTTP_404_NOT_FOUND
    code = RESOURCE_NOT_CONSISTENT
    reason = "resource changes are still being processed by system"
    suggestion = "this is a temporary state that will eventually be resolved by the system; please retry request"

    def __init__(self, retry_after=2):
        self.retry_after = max(1, int(retry_after))
        super().__init__()

    def headers(self):
        return {"Retry-After": str(self.retry_after)}


class MethodNotAllowed(DDSError):
    status_code = status.HTTP_405_METHOD_NOT_ALLOWED
    reason = "method not allowed"
    suggestion = "check the allowed methods in the API documentation at /api/docs/"


class AffiliateExists(DDSError):
    status_code = status.HTTP_409_CONFLICT
    reason = "Affiliate already registered"
    suggestion = "nothing else needs to be done"


class InvitationUnusable(DDSError):
    """An invitation that was accepted, revoked or has expired: the reason says which."""

    status_code = status.HTTP_409_CONFLICT
    reason = "invitation unusable"
    suggestion = "ask the project's administrator for a new invitation"


class NotAcceptable(DDSError):
    status_code = status.HTTP_406_NOT_ACCEPTABLE
    reason = "not acceptable"
    suggestion = "accept application/json"


class Conflict(DDSError):
    status_code = status.HTTP_409_CONFLICT
    reason = "conflict"
    suggestion = "read the resource again and retry"


class ChunkRegisteredAgain(Conflict):
    """A chunk's bytes sent to the URL of an earlier registration of the chunk: they are not the ones it awaits."""

    reason = "chunk was registered again"
    suggestion = "send the chunk's bytes to the URL its latest registration answered (register it again for a new one)"


class PayloadTooLarge(DDSError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    reason = "request body too large"
    suggestion = "send file bytes to the signed storage URL, not to the API"


class UnsupportedMediaType(DDSError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    reason = "unsupported media type"
    suggestion = "send application/json or application/x-www-form-urlencoded"


class TooManyRequests(DDSError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    reason = "too many requests"
    suggestion = "slow down and retry later"

    def __init__(self, retry_after=None, reason=None, suggestion=None):
        self.retry_after = None if retry_after is None else max(1, math.ceil(retry_after))
        super().__init__(reason, suggestion)

    def headers(self):
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


class InternalError(DDSError):
    pass


class ServiceUnavailable(DDSError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    reason = "service unavailable"
    suggestion = "try again in a few minutes, or contact the systems administrators"


class IdentityProviderUnavailable(ServiceUnavailable):
    reason = "identity provider communication failure"
    suggestion = "please try again in a few minutes, or report an issue"


class InsufficientStorage(DDSError):
    """The storage has no room for the bytes sent (a full disk or quota): the service's fault, not the client's."""

    status_code = status.HTTP_507_INSUFFICIENT_STORAGE
    reason = "insufficient storage"
    suggestion = "the storage is full: nothing was kept; retry once an operator has freed space, or contact them"


class Unhealthy(ServiceUnavailable):
    """A failed health check: the envelope names the failing parts, and `health` carries every part's state."""

    def __init__(self, failing, health):
        self.health = health
        super().__init__(reason=f"unhealthy: {', '.join(failing)}")

    def body(self):
        return {**super().body(), "health": self.health}
