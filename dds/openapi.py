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
    416: "`Range` past the end; `Content-Range: bytes */<size>` tells the size.",
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
    """`{status: envelope response}`; `descriptions` overrides a default text, keyed `e404=…`, and is needed for a
    status without one (each operation that answers 409, 503 or 507 says why)."""
    return {
        status: OpenApiResponse(
            ErrorSerializer, description=descriptions.get(f"e{status}") or _ERROR_DESCRIPTIONS[status]
        )
        for status in statuses
    }


def documented(
    *,
    ok,
    errors=(401,),
    request=None,
    summary=None,
    description=None,
    paged=False,
    parameters=(),
    operation_id=None,
    **descriptions,
):
    """`extend_schema` with the success responses `ok` (`{status: serializer or None}`) and the envelopes of `errors`.

    A `many=True` serializer is a collection, whose body is `{"results": [...]}` (see `collections_in_results`).
    """
    responses = {**ok, **error_responses(*errors, **descriptions)}
    params = [*parameters, *(PAGE_HEADER_PARAMETERS if paged else ())]
    if 404 in errors and "resource_not_consistent" in descriptions.get("e404", ""):
        params.append(RETRY_AFTER)
    return extend_schema(
        request=request,
        responses=responses,
        summary=summary,
        description=description,
        parameters=params or None,
        operation_id=operation_id,
    )


def strip_optional_slash(endpoints, **kwargs):
    """Preprocessing hook: routes match with or without a trailing slash; document them without it."""
    return [(path.rstrip("/"), regex, method, callback) for path, regex, method, callback in endpoints]


def collections_in_results(result, generator, request, public):
    """Postprocessing hook: every collection answers `{"results": [item, …]}` (dds.pagination.results), never a bare
    array, so each array a success response documents is wrapped in that object."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                body = response.get("content", {}).get("application/json")
                if body and body.get("schema", {}).get("type") == "array":
                    items = body["schema"]
                    body["schema"] = {"type": "object", "required": ["results"], "properties": {"results": items}}
    return result


def form_bodies_nest_with_brackets(result, generator, request, public):
    """Postprocessing hook: form bodies carry objects as Rack-style bracket keys (`hash[value]=…`,
    docs/api/conventions.md#request-encoding).

    OpenAPI says so with the `deepObject` style for each object property of an `application/x-www-form-urlencoded`
    body; without it a client (or a fuzzer) would send `value=…&algorithm=…` and the object would be missing.
    """
    schemas = result.get("components", {}).get("schemas", {})

    def resolve(schema):
        while isinstance(schema, dict) and "$ref" in schema:
            schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return schema

    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            form = (operation.get("requestBody") or {}).get("content", {}).get("application/x-www-form-urlencoded")
            if not form:
                continue
            properties = resolve(form.get("schema", {})).get("properties", {})
            encoding = {
                name: {"style": "deepObject", "explode": True}
                for name, schema in properties.items()
                if resolve(schema).get("type") == "object"
            }
            if encoding:
                form["encoding"] = encoding
    return result


NO_NUL = "^[^\\u0000]*$"


def strings_carry_no_nul(result, generator, request, public):
    """Postprocessing hook: no text the service takes may hold a NUL character (DRF refuses it in a body, PostgreSQL
    can neither store nor search for it: 400 either way), so every string of a request body or a query parameter
    that has no pattern of its own says so."""

    def mark(schema):
        if not isinstance(schema, dict) or "$ref" in schema:
            return
        if schema.get("type") == "string" and not ({"pattern", "enum", "format"} & schema.keys()):
            schema["pattern"] = NO_NUL
        for key in ("properties",):
            for child in schema.get(key, {}).values():
                mark(child)
        for key in ("items", "additionalProperties"):
            mark(schema.get(key))
        for key in ("allOf", "oneOf", "anyOf"):
            for child in schema.get(key, []):
                mark(child)

    for name, schema in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            mark(schema)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    mark(parameter.get("schema"))
    return result
