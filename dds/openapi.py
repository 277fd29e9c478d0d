"""Shared OpenAPI pieces: the error envelope component and a decorator that documents an operation's real
success and error responses."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from dds.errors import NOT_PROVIDED, RESOURCE_NOT_CONSISTENT
from dds.pagination import PAGE_HEADERS


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    error = serializers.IntegerField(help_text="The HTTP status repeated.")
    code = serializers.ChoiceField(choices=[NOT_PROVIDED, RESOURCE_NOT_CONSISTENT])
    reason = serializers.CharField()
    suggestion = serializers.CharField(allow_blank=True)
    errors = FieldErrorSerializer(many=True, required=False, help_text="Only for field-level validation failures.")


_ERROR_DESCRIPTIONS = {
    400: "Bad input: `validation failed` with `errors`, or an object-level reason.",
    401: "`no api_token`, `expired api_token` or `invalid api_token`.",
    403: "`Unauthorized`: the caller lacks the permission this operation needs.",
    404: "`<Model> Not Found` (also for ids that are not UUIDs).",
    405: "Method not allowed.",
    409: "Conflict.",
    415: "Unsupported media type.",
    416: "`Range` past the end; `Content-Range: bytes */<size>` tells the size.",
    500: "Internal error, in the envelope.",
    503: "Temporarily unavailable; retry later.",
}

NOT_CONSISTENT_404 = (
    "`<Model> Not Found`, or `code: resource_not_consistent` (with a `Retry-After` header) while background work "
    "on the resource is unfinished."
)

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    response=[404],
    description="Seconds to wait before retrying a `resource_not_consistent` response.",
)

PAGE_HEADER_PARAMETERS = [
    OpenApiParameter(name, OpenApiTypes.STR, location=OpenApiParameter.HEADER, response=[200]) for name in PAGE_HEADERS
]


def error_responses(*statuses, **descriptions):
    """`{status: envelope response}`; `descriptions` overrides a default text, keyed `e404=…`."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=descriptions.get(f"e{status}") or _ERROR_DESCRIPTIONS[status])
        for status in statuses
    }


def documented(
    *, ok, errors=(401,), request=None, summary=None, paged=False, parameters=(), operation_id=None, **descriptions
):
    """`extend_schema` with the success responses `ok` (`{status: serializer or None}`) and the envelopes of `errors`."""
    responses = {**ok, **error_responses(*errors, **descriptions)}
    params = [*parameters, *(PAGE_HEADER_PARAMETERS if paged else ())]
    if 404 in errors and "resource_not_consistent" in descriptions.get("e404", ""):
        params.append(RETRY_AFTER)
    return extend_schema(
        request=request, responses=responses, summary=summary, parameters=params or None, operation_id=operation_id
    )


def strip_optional_slash(endpoints, **kwargs):
    """Preprocessing hook: routes match with or without a trailing slash; document them without it."""
    return [(path.rstrip("/"), regex, method, callback) for path, regex, method, callback in endpoints]
