"""Tags, templates, properties and object metadata as the original serializes them, and the bodies they take."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dds.audit_serializers import AuditSerializer
from dds.fields import Timestamp

from .models import Property, Tag, Template
from .selectors import KINDS


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
    label = serializers.CharField(allow_blank=True, trim_whitespace=False)


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
    name = serializers.CharField(allow_blank=True, trim_whitespace=False)
    label = serializers.CharField(allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class TemplateUpdateSerializer(TemplateCreateSerializer):
    name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    label = serializers.CharField(required=False, allow_blank=True)


class PropertySerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(source="data_type", choices=Property.Type.values)
    audit = AuditSerializer(source="*", read_only=True)
    template = TemplatePreviewSerializer()

    class Meta:
        model = Property
        fields = ["id", "key", "label", "description", "type", "is_deprecated", "audit", "template"]


class PropertyCreateSerializer(serializers.Serializer):
    key = serializers.CharField(allow_blank=True, trim_whitespace=False)
    label = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    type = serializers.CharField(allow_blank=True, help_text=f"one of {', '.join(Property.Type.values)}")


class PropertyUpdateSerializer(serializers.Serializer):
    key = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    label = serializers.CharField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    type = serializers.CharField(
        required=False, allow_blank=True, help_text=f"one of {', '.join(Property.Type.values)}"
    )


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]})
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
