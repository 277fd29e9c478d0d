"""Tags, templates, properties and object metadata as the original serializes them, and the bodies they take."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dds.audit_serializers import AuditSerializer
from dds.fields import DESCRIPTION_MAX_LENGTH, Timestamp

from .models import Property, Tag, Template
from .selectors import KINDS
from .services import LABEL_MAX_LENGTH, NAME_MAX_LENGTH, VALUE_MAX_LENGTH


class ObjectReferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    id = serializers.UUIDField()


class TagSerializer(serializers.ModelSerializer):
    audit = AuditSerializer(source="*", read_only=True)
    object = ObjectReferenceSerializer(source="object_ref")

    class Meta:
        model = Tag
        fields = ["id", "label", "audit", "object"]


class TagLabelSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()
    last_used_on = Timestamp()


class TagCreateSerializer(serializers.Serializer):
    label = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=LABEL_MAX_LENGTH)


class TagAppendSerializer(serializers.Serializer):
    tags = TagCreateSerializer(many=True)


class TemplatePreviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Template
        fields = ["id", "name"]


class TemplateSerializer(serializers.ModelSerializer):
    audit = AuditSerializer(source="*", read_only=True)

    class Meta:
        model = Template
        fields = ["id", "name", "label", "description", "is_deprecated", "audit"]


class TemplateCreateSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=NAME_MAX_LENGTH)
    label = serializers.CharField(allow_blank=True, max_length=LABEL_MAX_LENGTH)
    description = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=DESCRIPTION_MAX_LENGTH
    )


class TemplateUpdateSerializer(TemplateCreateSerializer):
    name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=NAME_MAX_LENGTH)
    label = serializers.CharField(required=False, allow_blank=True, max_length=LABEL_MAX_LENGTH)


class PropertySerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(source="data_type", choices=Property.Type.values)
    audit = AuditSerializer(source="*", read_only=True)
    template = TemplatePreviewSerializer()

    class Meta:
        model = Property
        fields = ["id", "key", "label", "description", "type", "is_deprecated", "audit", "template"]


class PropertyCreateSerializer(serializers.Serializer):
    key = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=NAME_MAX_LENGTH)
    label = serializers.CharField(allow_blank=True, max_length=LABEL_MAX_LENGTH)
    description = serializers.CharField(allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    type = serializers.CharField(allow_blank=True, help_text=f"one of {', '.join(Property.Type.values)}")


class PropertyUpdateSerializer(serializers.Serializer):
    key = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=NAME_MAX_LENGTH)
    label = serializers.CharField(required=False, allow_blank=True, max_length=LABEL_MAX_LENGTH)
    description = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    type = serializers.CharField(
        required=False, allow_blank=True, help_text=f"one of {', '.join(Property.Type.values)}"
    )


@extend_schema_field(
    {"oneOf": [{"type": "string", "maxLength": VALUE_MAX_LENGTH}, {"type": "number"}, {"type": "boolean"}]}
)
class ScalarTextField(serializers.Field):
    """A value as text: a string as sent, a number or a boolean as JSON writes it (`true`, `3.5`)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return "true" if data else "false"
        if isinstance(data, (int, float, str)):
            return str(data)
        raise serializers.ValidationError("is invalid")

    def to_representation(self, value):
        return value


class KeyValueSerializer(serializers.Serializer):
    key = serializers.CharField(trim_whitespace=False)
    value = ScalarTextField()


class MetadataWriteSerializer(serializers.Serializer):
    properties = KeyValueSerializer(many=True)


class PropertyPreviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Property
        fields = ["id", "key", "label"]


class MetadataValueSerializer(serializers.Serializer):
    template_property = PropertyPreviewSerializer(source="property")
    value = serializers.CharField()


class ObjectMetadataSerializer(serializers.Serializer):
    object = ObjectReferenceSerializer(source="object_ref")
    template = TemplatePreviewSerializer()
    properties = MetadataValueSerializer(source="values", many=True)
