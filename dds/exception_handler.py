"""Every error leaves the service as the JSON envelope (docs/api/errors.md#envelope), whatever raised it."""

import logging
import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from dds import errors

logger = logging.getLogger(__name__)

# DRF's error codes in the original's Rails wording (docs/api/errors.md#validation-failures); `{n}` is the number DRF's
# own message names.
_MESSAGES = {
    "required": "is missing",
    "blank": "can't be blank",
    "null": "can't be blank",
    "invalid": "is invalid",
    "not_a_dict": "is invalid",
    "not_a_list": "is invalid",
    "null_characters_not_allowed": "is invalid",
    "surrogate_characters_not_allowed": "is invalid",
    "invalid_choice": "is not included in the list",
    "max_length": errors.too_long("{n}"),
    "min_value": "must be greater than or equal to {n}",
    "max_value": "must be less than or equal to {n}",
    "max_string_length": "is too large",
}


def _message(detail):
    template = _MESSAGES.get(getattr(detail, "code", None))
    if template is None:
        return str(detail)
    number = re.search(r"-?\d+", str(detail))
    return template.format(n=number.group() if number else "")


def _flatten(detail, prefix=""):
    """Turn DRF's nested error detail into (field, message) pairs; `non_field_errors` become base errors."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            field = key if key in ("non_field_errors", "") else f"{prefix}{key}"
            yield from _flatten(value, f"{field}." if field != "non_field_errors" else prefix)
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten(item, prefix)
    else:
        field = prefix.rstrip(".")
        yield field, _message(detail) if field else str(detail)


def _validation_failed(exc):
    pairs = list(_flatten(exc.detail if isinstance(exc.detail, (dict, list)) else [exc.detail]))
    return errors.ValidationFailed(
        errors=[(field, message) for field, message in pairs if field],
        base=[message for field, message in pairs if not field],
    )


def _as_dds_error(exc):
    if isinstance(exc, errors.DDSError):
        return exc
    if isinstance(exc, drf.ValidationError):
        return _validation_failed(exc)
    if isinstance(exc, drf.ParseError):
        return errors.MalformedBody(suggestion=f"{exc.detail}; send a JSON object or a form-encoded body")
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        return errors.NotAuthenticated()
    if isinstance(exc, (drf.PermissionDenied, DjangoPermissionDenied)):
        return errors.Forbidden()
    if isinstance(exc, (drf.NotFound, Http404)):
        return errors.RouteNotFound()
    if isinstance(exc, drf.MethodNotAllowed):
        return errors.MethodNotAllowed()
    if isinstance(exc, drf.NotAcceptable):
        return errors.NotAcceptable()
    if isinstance(exc, drf.UnsupportedMediaType):
        return errors.UnsupportedMediaType()
    if isinstance(exc, drf.Throttled):
        return errors.TooManyRequests(exc.wait)
    if isinstance(exc, RequestDataTooBig):
        return errors.PayloadTooLarge()
    if isinstance(exc, SuspiciousOperation):
        # e.g. TooManyFieldsSent (more form fields than DATA_UPLOAD_MAX_NUMBER_FIELDS); its text names settings.
        return errors.BadRequest()
    if isinstance(exc, DataError):
        return errors.UnstorableValue()
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.exception("database unavailable")
        return errors.ServiceUnavailable(reason="database unavailable")
    logger.exception("unhandled error", exc_info=exc)
    return errors.InternalError()


def error_response(error, response=None):
    """The envelope for `error`, keeping the headers DRF's own handler already set on `response`."""
    result = JsonResponse(error.body(), status=error.status_code)
    if response is not None:
        for header in ("WWW-Authenticate", "Allow", "Retry-After"):
            if header in response:
                result[header] = response[header]
    for header, value in error.headers().items():
        result[header] = value
    return result


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: run DRF's default first (headers, rollback), then answer the envelope."""
    response = drf_exception_handler(exc, context)
    if response is None:
        set_rollback()
    return error_response(_as_dds_error(exc), response)


def handler404(request, exception=None):
    return error_response(errors.RouteNotFound())


def handler500(request):
    return error_response(errors.InternalError())
