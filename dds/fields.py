"""Serializer fields with the wire formats of docs/api/conventions.md#wire-formats."""

from datetime import UTC

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dds.names import INVALID, NAME_MAX_LENGTH, NAME_SCHEMA, PATH_NAME_SCHEMA, is_valid_name

# The longest free text each kind of field takes (README, Limits); the schema says them as maxLength.
DESCRIPTION_MAX_LENGTH = 10_000  # project and software agent descriptions, a transfer's status comment
LABEL_MAX_LENGTH = 1_000  # file and file version labels
URL_MAX_LENGTH = 2_048


class Timestamp(serializers.DateTimeField):
    """ISO-8601 UTC with millisecond precision and a `Z` suffix: `2024-05-01T14:03:22.512Z`."""

    def to_representation(self, value):
        if value is None:
            return None
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class OnlySometimesMethodField(serializers.SerializerMethodField):
    """A method field that the representation leaves out for the objects `shown(obj)` is false for (the "only
    when …" keys of docs/api/conventions.md#wire-formats); its method runs only for the others.

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


@extend_schema_field(NAME_SCHEMA)
class NameField(serializers.CharField):
    """A project's or a software agent's name (dds/names.py): kept exactly as sent, no space trimmed."""

    default_error_messages = {"invalid": INVALID}

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, max_length=NAME_MAX_LENGTH, **kwargs)

    def run_validation(self, data=serializers.empty):
        if isinstance(data, str) and data.isspace():
            data = ""  # spaces only: `can't be blank`, as DRF's trimming said it
        return super().run_validation(data)

    def to_internal_value(self, data):
        name = super().to_internal_value(data)
        if not is_valid_name(name, path=False):
            self.fail("invalid")
        return name


@extend_schema_field(PATH_NAME_SCHEMA)
class PathNameField(serializers.CharField):
    """A folder's, a file's or an upload's name, kept exactly as sent; the service checks it (`path_name_check`),
    a blank one too, after the lookups the request names (docs/api/permissions.md#evaluation-order)."""

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, **kwargs)

    def run_validation(self, data=serializers.empty):
        if data == "":
            return ""
        return super().run_validation(data)
