import math
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Sum,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from dds.jobs.adapters import adapter
from files.models import Deletion, FileVersion
from projects.selectors import project_storage_is_initialized

from .models import Chunk, Fingerprint, StorageProvider, Upload


def storage_providers():
    return StorageProvider.objects.all()


def active_storage_providers():
    return StorageProvider.objects.filter(is_deprecated=False)


def storage_providers_for(*, project):
    """Storage providers, each with `project_storage_ready`: whether `project`'s storage on it is initialized."""
    return StorageProvider.objects.annotate(project_storage_ready=project_storage_is_initialized(project=project))


# The rows an upload's serializer reads with it; its hashes and chunks are prefetched.
UPLOAD_SHOWN_RELATED = ("project", "storage_provider", *Upload.AUDIT_RELATED)


def _chunks():
    return Prefetch("chunks", queryset=Chunk.objects.order_by("number"))


def _fingerprints():
    return Prefetch("fingerprints", queryset=Fingerprint.objects.select_related(*Fingerprint.AUDIT_RELATED))


def uploads():
    """Uploads of live projects, with what their serializer reads loaded in a fixed number of queries: but the chunks,
    which a chunked upload shown alone reads in one query and a non-chunked one never reads."""
    return (
        Upload.objects.filter(project__is_deleted=False)
        .select_related(*UPLOAD_SHOWN_RELATED)
        .prefetch_related(_fingerprints())
    )


def upload_with_chunks_and_hashes(upload):
    """An upload read with UPLOAD_SHOWN_RELATED, its hashes (and a chunked one's chunks) loaded now: as shown."""
    prefetch_related_objects([upload], _fingerprints(), *([_chunks()] if upload.is_chunked else []))
    return upload


def upload_with_no_chunks_nor_hashes(upload):
    """A new upload, built from rows in hand, as its serializer shows it: it has no chunks and no hashes yet."""
    prefetch_related_objects(
        [upload],
        Prefetch("chunks", queryset=Chunk.objects.none()),
        Prefetch("fingerprints", queryset=Fingerprint.objects.none()),
    )
    return upload


def upload_read_with_chunks_and_hashes(upload_id):
    """An upload with everything its serializer reads loaded now, the chunks of a chunked one too."""
    upload = uploads().get(pk=upload_id)
    if upload.is_chunked:
        prefetch_related_objects([upload], _chunks())
    return upload


def uploads_to_change():
    return Upload.objects.filter(project__is_deleted=False).select_related("project", "storage_provider")


def _filesystem_uploads():
    """Uploads on the filesystem backend, of live projects."""
    return Upload.objects.select_related("storage_provider").filter(
        storage_provider__kind="filesystem", project__is_deleted=False
    )


def signed_upload(*, provider_id, project_id, upload_id):
    """The upload a filesystem backend's signed URL names, while its project is live and its bytes not purged; None
    if there is none."""
    return (
        _filesystem_uploads()
        .filter(pk=upload_id, project_id=project_id, storage_provider_id=provider_id, purged_on__isnull=True)
        .first()
    )


def upload_to_follow(upload_id):
    """The filesystem upload whose chunks may be followed: chunked, not completed yet, its project live."""
    return _filesystem_uploads().open().filter(pk=upload_id, is_chunked=True).first()


def chunk_of(upload, number):
    """The upload's chunk `number`, or None if it was never registered."""
    return upload.chunks.filter(number=number).first()


def project_uploads(*, project):
    return uploads().filter(project=project).prefetch_related(_chunks()).order_by("-created_on", "id")


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
    """Chunked uploads whose storage (an S3 multipart upload) a job has not prepared yet (and never will: purged)."""
    return Upload.objects.filter(is_chunked=True, ready_for_chunks=False, project__is_deleted=False, purged_on=None)


def uploads_awaiting_verification():
    """Completed uploads the completion job has not verified yet, oldest first."""
    return Upload.objects.awaiting_verification().order_by("completed_on")


def upload_once_verified(upload):
    """What `complete` answers: the upload re-read once its verification has recorded a verdict, if that comes within
    COMPLETE_WAIT_SECONDS (workers, or this process's job runners, verify it); else, or should the database not answer
    (or the project be gone), `upload` as the completion committed it. Where no runner may be verifying it (a process
    without runners: its jobs run once it answered), the upload is re-read at once, without asking first. A quick
    verification then reaches the client in the answer, which spares it a poll and the sleep its retry policy adds
    (DukeDSClient: 5 s)."""
    waits = adapter().verdict_may_lag
    deadline = time.monotonic() + settings.COMPLETE_WAIT_SECONDS
    try:
        while waits and Upload.objects.filter(pk=upload.pk).awaiting_verification().exists():
            if time.monotonic() >= deadline:
                return upload
            time.sleep(0.05)
        return upload_read_with_chunks_and_hashes(upload.pk)
    except (DatabaseError, Upload.DoesNotExist):
        return upload


VERIFIED_BYTES_PER_SECOND = 200_000_000


def retry_after(upload):
    """Seconds a client should wait for a completed upload's verification: the bytes of the uploads completed before
    it and still unverified, and its own, read at VERIFIED_BYTES_PER_SECOND; whole seconds, at least 1
    (docs/api/consistency.md#retry-after), so a wait under half a second is overstated at least twice."""
    queued = uploads_awaiting_verification().filter(completed_on__lte=upload.completed_on)
    return max(1, math.ceil((queued.aggregate(total=Sum("size"))["total"] or 0) / VERIFIED_BYTES_PER_SECOND))


def _live_versions():
    """The live file versions (not deleted, of a file and a project not deleted, nor below a folder being deleted) of
    the upload `OuterRef("pk")`."""
    return FileVersion.objects.filter(
        upload=OuterRef("pk"), is_deleted=False, file__is_deleted=False, file__project__is_deleted=False
    ).exclude(Deletion.covering(path="file__path", project="file__project_id"))


def uploads_with_live_versions():
    """Uploads a live file version references: their bytes are never purged."""
    return Upload.objects.filter(Exists(_live_versions()))


def has_live_version(upload):
    """Whether a live file version references the upload: only then may its bytes be downloaded."""
    return uploads_with_live_versions().filter(pk=upload.pk).exists()


def uploads_to_purge():
    """Uploads whose bytes nobody can reach and whose purge was not requested yet, oldest first: errored ones, those
    of deleted projects, and those not made into a file version within UPLOAD_RETENTION_DAYS. An upload a live file
    version references is never among them."""
    expired = timezone.now() - timedelta(days=settings.UPLOAD_RETENTION_DAYS)
    unreachable = Q(error_on__isnull=False) | Q(project__is_deleted=True) | Q(created_on__lt=expired)
    return Upload.objects.filter(
        unreachable, ~Exists(_live_versions()), purged_on__isnull=True, purge_requested_on__isnull=True
    ).order_by("created_on", "id")


def uploads_errored_to_purge():
    """Uploads whose verification found an error and whose purge was not requested yet (a partial index holds them),
    but those a live file version references (made into a file before a verification found the error)."""
    return Upload.objects.filter(
        ~Exists(_live_versions()), error_on__isnull=False, purged_on=None, purge_requested_on=None
    ).order_by("created_on")


def uploads_expired_since(mark):
    """Uploads past UPLOAD_RETENTION_DAYS after `mark` (a RetentionMark), in (created_on, id) order, each with
    `can_purge`: whether its bytes are unreachable and no purge was requested yet. Read along the created_on index from
    the mark: only what expired since."""
    expired = timezone.now() - timedelta(days=settings.UPLOAD_RETENTION_DAYS)
    unrequested = Q(purged_on=None, purge_requested_on=None)
    return (
        Upload.objects.filter(created_on__gte=mark.created_on, created_on__lt=expired)
        .exclude(created_on=mark.created_on, id__lte=mark.upload_id)
        .annotate(can_purge=ExpressionWrapper(unrequested & ~Exists(_live_versions()), BooleanField()))
        .order_by("created_on", "id")
    )


def uploads_awaiting_purge():
    """Uploads to purge, whether or not their purge job was enqueued yet: what an operator sees waiting."""
    requested = Q(purged_on=None, purge_requested_on__isnull=False)
    return Upload.objects.filter(Q(pk__in=uploads_to_purge().values("pk")) | requested)


# What an upload holds in storage until it is purged: what verification measured, else the size the client declared.
_HELD = Coalesce("stored_size", "size")
# The same summed over a project's or a provider's uploads (both name them `uploads`), for `.annotate()`.
HELD_BYTES = Coalesce(Sum(Coalesce("uploads__stored_size", "uploads__size"), filter=Q(uploads__purged_on=None)), 0)


def held_bytes(uploads):
    return uploads.filter(purged_on=None).aggregate(held=Coalesce(Sum(_HELD), 0))["held"]
