"""Finding a row from an id in a path or a body: an id that is not a UUID is simply not found
(docs/api/conventions.md#wire-formats)."""

import uuid

from dds import errors


def parse_uuid(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def get_or_404(queryset, model_name, pk):
    """The row of `queryset` with primary key `pk`, or `NotFound("<model_name>")`."""
    row = None
    key = parse_uuid(pk)
    if key is not None:
        row = queryset.filter(pk=key).first()
    if row is None:
        raise errors.NotFound(model_name)
    return row
