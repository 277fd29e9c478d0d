"""Serializer fields with the wire formats of CONTRACT §1.3."""

from datetime import UTC

from rest_framework import serializers


class Timestamp(serializers.DateTimeField):
    """ISO-8601 UTC with millisecond precision and a `Z` suffix: `2024-05-01T14:03:22.512Z`."""

    def to_representation(self, value):
        if value is None:
            return None
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class OnlySometimesMethodField(serializers.SerializerMethodField):
    """A method field that the representation leaves out for the objects `shown(obj)` is false for (CONTRACT's "only
    when …" keys); its method runs only for the others.

    drf-spectacular lists every read-only field as required in a response; this one is not marked read-only so that
    the schema does not promise a key the body may lack. It is used in output-only serializers.
    """

    def __init__(self, method_name=None, *, shown, **kwargs):
        super().__init__(method_name, **kwargs)
        self.read_only = False
        self.shown = shown

    def get_attribute(self, instance):
        if not self.shown(instance):
            raise serializers.SkipField()
        return super().get_attribute(instance)
