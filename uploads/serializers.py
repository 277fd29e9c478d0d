from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField

from dds.audit_serializers import AuditSerializer
from dds.fields import OnlySometimesMethodField, PathNameField, Timestamp
from projects.serializers import ProjectPreviewSerializer

from .hashes import HASH_ALGORITHMS, HEX_DIGEST_PATTERN
from .models import Chunk, Fingerprint, StorageProvider, Upload
from .storage.base import backend_for


class StorageProviderSerializer(serializers.ModelSerializer):
    class Meta:
        model = StorageProvider
        fields = [
            "id",
            "name",
            "description",
            "is_deprecated",
            "is_default",
            "chunk_hash_algorithm",
            "chunk_max_number",
            "chunk_max_size_bytes",
        ]


class StorageProviderPreviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = StorageProvider
        fields = ["id", "name", "description"]


@extend_schema_field({"type": "string", "enum": list(HASH_ALGORITHMS)})
class HashAlgorithmField(serializers.CharField):
    """A hash algorithm, in any case (the original portal sends `MD5`); the service refuses another one (and a
    chunk's must be its provider's)."""

    def to_internal_value(self, data):
        return super().to_internal_value(data).lower()


@extend_schema_field({"type": "string", "pattern": HEX_DIGEST_PATTERN})
class HashValueField(serializers.CharField):
    """A hex digest (md5, sha1 or sha256 long); the service checks its length against the algorithm."""


class HashSerializer(serializers.Serializer):
    value = HashValueField(max_length=128)
    algorithm = HashAlgorithmField(max_length=20)


class _UploadChunksSerializer(serializers.ListSerializer):
    """An upload's chunks, left out of a non-chunked upload's representation without being read."""

    def get_attribute(self, upload):
        if not upload.is_chunked:
            raise SkipField()
        return super().get_attribute(upload)


class ChunkSerializer(serializers.ModelSerializer):
    hash = serializers.SerializerMethodField()
    is_stored = serializers.BooleanField(
        allow_null=True, help_text="whether the chunk's bytes have arrived; null where storage tells only at completion"
    )

    class Meta:
        model = Chunk
        fields = ["number", "size", "hash", "is_stored"]
        list_serializer_class = _UploadChunksSerializer

    @extend_schema_field(HashSerializer)
    def get_hash(self, chunk):
        return {"value": chunk.hash_value, "algorithm": chunk.hash_algorithm}


class FingerprintSerializer(serializers.ModelSerializer):
    audit = AuditSerializer(source="*", read_only=True)

    class Meta:
        model = Fingerprint
        fields = ["algorithm", "value", "audit"]


class UploadStatusSerializer(serializers.Serializer):
    initiated_on = Timestamp(source="created_on")
    ready_for_chunks = serializers.BooleanField(required=False, help_text="chunked uploads only")
    completed_on = Timestamp(allow_null=True)
    is_consistent = serializers.BooleanField(allow_null=True)
    purged_on = Timestamp(allow_null=True)
    error_on = Timestamp(allow_null=True)
    error_message = serializers.CharField(allow_null=True)

    def to_representation(self, upload):
        status = super().to_representation(upload)
        if not upload.is_chunked:
            del status["ready_for_chunks"]
        return status


class TransferSerializer(serializers.Serializer):
    """A signed transfer descriptor (docs/api/conventions.md#signed-transfer-urls): request `host + url` with
    `http_verb`, no Authorization."""

    http_verb = serializers.ChoiceField(choices=["GET", "PUT"])
    host = serializers.CharField()
    url = serializers.CharField()
    http_headers = serializers.ListField(child=serializers.DictField(), max_length=0)


class UploadSerializer(serializers.ModelSerializer):
    """Chunked and non-chunked uploads (docs/api/uploads.md#the-upload-object); `host` in the context is the API's
    scheme and host."""

    storage_container = serializers.UUIDField(source="project_id")
    chunks = ChunkSerializer(many=True, required=False, help_text="chunked uploads only")
    status = UploadStatusSerializer(source="*")
    audit = AuditSerializer(source="*", read_only=True)
    project = ProjectPreviewSerializer()
    storage_provider = StorageProviderPreviewSerializer()
    hashes = FingerprintSerializer(source="fingerprints", many=True)
    signed_url = OnlySometimesMethodField(
        shown=lambda upload: not upload.is_chunked and upload.is_open,
        help_text="non-chunked uploads only, until completed",
    )

    class Meta:
        model = Upload
        fields = [
            "id",
            "name",
            "content_type",
            "size",
            "etag",
            "storage_container",
            "chunks",
            "status",
            "audit",
            "project",
            "storage_provider",
            "hashes",
            "signed_url",
        ]

    @extend_schema_field(TransferSerializer)
    def get_signed_url(self, upload):
        return backend_for(upload.storage_provider).object_url(upload, host=self.context["host"])


class UploadCreateSerializer(serializers.Serializer):
    name = PathNameField()
    content_type = serializers.CharField(max_length=255)
    size = serializers.IntegerField(min_value=0)
    chunked = serializers.BooleanField(default=True)
    storage_provider = serializers.DictField(required=False, help_text='{"id": "<storage provider id>"}')


class ChunkRegisterSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    size = serializers.IntegerField()
    hash = HashSerializer()


class CompleteSerializer(serializers.Serializer):
    hash = HashSerializer(required=False)


class FingerprintCreateSerializer(serializers.Serializer):
    value = HashValueField(max_length=128)
    algorithm = HashAlgorithmField(max_length=20)
