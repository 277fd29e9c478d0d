from django.db.models import Prefetch

from .models import Chunk, Fingerprint, StorageProvider, Upload


def storage_providers():
    return StorageProvider.objects.all()


def active_storage_providers():
    return StorageProvider.objects.filter(is_deprecated=False)


def default_storage_provider():
    return StorageProvider.objects.filter(is_default=True).first()


def uploads():
    """Uploads of live projects, with what their serializer reads loaded in a fixed number of queries."""
    return (
        Upload.objects.filter(project__is_deleted=False)
        .select_related("project", "storage_provider", *Upload.AUDIT_RELATED)
        .prefetch_related(
            Prefetch("chunks", queryset=Chunk.objects.order_by("number")),
            Prefetch("fingerprints", queryset=Fingerprint.objects.select_related(*Fingerprint.AUDIT_RELATED)),
        )
    )


def uploads_to_change():
    return Upload.objects.filter(project__is_deleted=False).select_related("project", "storage_provider")


def project_uploads(*, project):
    return uploads().filter(project=project).order_by("-created_on", "id")


def uploads_awaiting_storage():
    """Chunked uploads whose storage (an S3 multipart upload) a job has not prepared yet."""
    return Upload.objects.filter(is_chunked=True, ready_for_chunks=False, project__is_deleted=False)


def uploads_awaiting_verification():
    """Completed uploads the completion job has not verified yet, oldest first."""
    return Upload.objects.filter(completed_on__isnull=False, is_consistent__isnull=True).order_by("completed_on")


def retry_after(upload):
    """Seconds a client should wait for an upload's verification: a second, plus one per 200 MB to read."""
    return 1 + upload.size // 200_000_000
