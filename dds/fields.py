"""Serializer fields with the wire formats of CONTRACT §1.3."""

from datetime import UTC

from rest_framework import serializers


class Timestamp(serializers.DateTimeField):
    """ISO-8601 UTC with millisecond precision and a `Z` suffix: `2024-05-01T14:03:22.512Z`."""

    def to_representation(self, value):
        if value is None:
            return None
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
