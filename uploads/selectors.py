import math

from django.db.models import Count, Max, Prefetch, Sum

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


# A page of GET /projects/{id}/uploads embeds at most this many chunks (about 1.1 MB of them), or one upload's when a
# single upload has more (a provider's chunk_max_number can exceed it).
LISTED_CHUNKS_PER_PAGE = 10_000


def project_uploads_per_page(*, project):
    """The largest page of the project's uploads that keeps the chunks it embeds within LISTED_CHUNKS_PER_PAGE: pages
    are cut by the upload with the most chunks, so every page of the listing has the same size."""
    per_upload = Chunk.objects.filter(upload__project=project).values("upload").annotate(count=Count("id"))
    most = per_upload.aggregate(most=Max("count"))["most"] or 1
    return max(1, LISTED_CHUNKS_PER_PAGE // most)


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
