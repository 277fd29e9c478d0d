import math

from django.db.models import Prefetch, Sum

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


VERIFIED_BYTES_PER_SECOND = 200_000_000


def retry_after(upload):
    """Seconds a client should wait for a completed upload's verification: the bytes of the uploads completed before
    it and still unverified, and its own, read at VERIFIED_BYTES_PER_SECOND; whole seconds, at least 1 (CONTRACT,
    decision 2), so a wait under half a second is overstated at least twice."""
    queued = uploads_awaiting_verification().filter(completed_on__lte=upload.completed_on)
    return max(1, math.ceil((queued.aggregate(total=Sum("size"))["total"] or 0) / VERIFIED_BYTES_PER_SECOND))
