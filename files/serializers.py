"""Folders, files and versions as docs/api/files.md shows them.

List views pass `ancestors` (from `selectors.ancestors_of`) in the context, so a page costs a fixed number of
queries whatever the depth of the tree.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dds.audit_serializers import AuditSerializer
from dds.fields import LABEL_MAX_LENGTH, PathNameField
from dds.names import NAME_MAX_LENGTH
from dds.references import NodeReferenceSerializer, ReferenceSerializer
from projects.serializers import ProjectPreviewSerializer
from uploads.serializers import FingerprintSerializer, StorageProviderPreviewSerializer, TransferSerializer

from .models import Container, FileVersion


class ParentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["dds-project", "dds-folder"])
    id = serializers.UUIDField()


class AncestorSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["dds-project", "dds-folder"])
    id = serializers.UUIDField()
    name = serializers.CharField()


class UploadPreviewSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    size = serializers.IntegerField()
    storage_provider = StorageProviderPreviewSerializer()
    hashes = FingerprintSerializer(source="fingerprints", many=True)


class VersionPreviewSerializer(serializers.ModelSerializer):
    upload = UploadPreviewSerializer()

    class Meta:
        model = FileVersion
        fields = ["id", "version", "label", "upload"]


class _ContainerSerializer(serializers.ModelSerializer):
    parent = serializers.SerializerMethodField()
    audit = AuditSerializer(source="*", read_only=True)
    project = ProjectPreviewSerializer()
    ancestors = serializers.SerializerMethodField()

    @extend_schema_field(ParentSerializer)
    def get_parent(self, node):
        if node.parent_id is None:
            return {"kind": "dds-project", "id": str(node.project_id)}
        return {"kind": "dds-folder", "id": str(node.parent_id)}

    @extend_schema_field(AncestorSerializer(many=True))
    def get_ancestors(self, node):
        return self.context["ancestors"][node.pk]

    def to_representation(self, node):
        data = super().to_representation(node)
        for field in self.context.get("exclude", ()):
            data.pop(field, None)
        return data


class FolderSerializer(_ContainerSerializer):
    class Meta:
        model = Container
        fields = ["kind", "id", "parent", "name", "is_deleted", "audit", "project", "ancestors"]


class FileSerializer(_ContainerSerializer):
    current_version = VersionPreviewSerializer()

    class Meta:
        model = Container
        fields = ["kind", "id", "parent", "name", "audit", "is_deleted", "current_version", "project", "ancestors"]


class ChildSerializer(serializers.Serializer):
    """Documentation only: an item of a children listing, a folder or a file (then with `current_version`).

    `exclude_response_fields` may leave out any of these keys, so none of them is required.
    """

    kind = serializers.ChoiceField(choices=Container.Kind.choices, required=False)
    id = serializers.UUIDField(required=False)
    parent = ParentSerializer(required=False)
    name = serializers.CharField(required=False)
    is_deleted = serializers.BooleanField(required=False)
    audit = AuditSerializer(required=False)
    project = ProjectPreviewSerializer(required=False)
    ancestors = AncestorSerializer(many=True, required=False)
    current_version = VersionPreviewSerializer(required=False, help_text="files only")


# Documentation only (its docstring is the schema's description): files.selectors.file_summaries builds the items.
class FileSummarySerializer(serializers.Serializer):
    """An item of GET /projects/{id}/files: the file, its size, hashes and a fresh download URL
    (docs/api/files.md#project-file-listing)."""

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    size = serializers.IntegerField()
    file_url = TransferSerializer(read_only=True)
    hashes = serializers.ListField(child=serializers.DictField(child=serializers.CharField()), read_only=True)
    ancestors = AncestorSerializer(many=True, read_only=True)


class FileReferenceSerializer(serializers.ModelSerializer):
    project = ProjectPreviewSerializer()

    class Meta:
        model = Container
        fields = ["id", "name", "project"]


class FileVersionSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    audit = AuditSerializer(source="*", read_only=True)
    upload = UploadPreviewSerializer()
    file = FileReferenceSerializer()

    class Meta:
        model = FileVersion
        fields = ["id", "kind", "version", "label", "is_deleted", "audit", "upload", "file"]

    def get_kind(self, version) -> str:
        return "dds-file-version"


class FolderCreateSerializer(serializers.Serializer):
    name = PathNameField()
    parent = NodeReferenceSerializer()


class MoveSerializer(serializers.Serializer):
    parent = NodeReferenceSerializer()


class RenameSerializer(serializers.Serializer):
    name = PathNameField()


class FileCreateSerializer(serializers.Serializer):
    parent = NodeReferenceSerializer()
    upload = ReferenceSerializer()
    label = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=LABEL_MAX_LENGTH)


class FileUpdateSerializer(serializers.Serializer):
    upload = ReferenceSerializer(required=False)
    label = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=LABEL_MAX_LENGTH)


class LabelSerializer(serializers.Serializer):
    label = serializers.CharField(allow_null=True, allow_blank=True, max_length=LABEL_MAX_LENGTH)


class UsageSerializer(serializers.Serializer):
    project_count = serializers.IntegerField()
    file_count = serializers.IntegerField()
    storage_bytes = serializers.IntegerField()
