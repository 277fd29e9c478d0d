"""The error bodies (docs/api/errors.md) the tests expect, spelled out, and small checks every app's tests share."""

import re

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
PAGING_HEADERS = ("X-Total", "X-Total-Pages", "X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page")

NO_TOKEN = {
    "error": 401,
    "code": "not_provided",
    "reason": "no api_token",
    "suggestion": "you might need to login through an authentication service",
}

NOT_CONSISTENT = {
    "error": 404,
    "code": "resource_not_consistent",
    "reason": "resource changes are still being processed by system",
    "suggestion": "this is a temporary state that will eventually be resolved by the system; please retry request",
}

FORBIDDEN = {
    "error": 403,
    "code": "not_provided",
    "reason": "Unauthorized",
    "suggestion": "request permission to access this resource",
}


def not_found(model):
    return {
        "error": 404,
        "code": "not_provided",
        "reason": f"{model} Not Found",
        "suggestion": f"you may have mistyped the {model} id",
    }


def invalid(*errors):
    """A 400 with field errors: `invalid(("name", "is missing"), …)`."""
    return {
        "error": 400,
        "code": "not_provided",
        "reason": "validation failed",
        "suggestion": "Fix the following invalid fields and resubmit",
        "errors": [{"field": field, "message": message} for field, message in errors],
    }


def user_preview(user):
    return {"id": str(user.id), "username": user.username, "full_name": user.full_name}


def new_audit(body, creator):
    """The `audit` of `body`, a resource `creator` has just made: created then, never updated nor deleted."""
    return {
        "created_on": body["audit"]["created_on"],
        "created_by": user_preview(creator),
        "last_updated_on": None,
        "last_updated_by": None,
        "deleted_on": None,
        "deleted_by": None,
    }


def has_no_paging_headers(response):
    return not any(header in response for header in PAGING_HEADERS)
