import math
import re
import secrets

from django.db import transaction
from django.utils import timezone

from dds import errors
from dds.jobs.services import job_enqueue
from files.services import upload_purge_request
from projects.services import project_storage_add_everywhere

from .models import HASH_ALGORITHMS, Chunk, Fingerprint, Upload
from .selectors import uploads_to_purge, uploads_with_live_versions
from .storage.base import StorageUnreachable, backend_for

_HEX_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}
_MIN_CHUNK_NUMBER = 1


def _new_etag():
    return secrets.token_hex(16)


def upload_limits(provider, *, size, chunked):
    """The response headers of POST /projects/{id}/uploads (CONTRACT §11.2)."""
    if not chunked:
        return {"X-MAX-UPLOAD-SIZE": str(provider.max_upload_size_bytes)}
    return {
        "X-MIN-CHUNK-UPLOAD-SIZE": str(math.ceil(size / provider.chunk_max_number)),
        "X-MAX-CHUNK-UPLOAD-SIZE": str(provider.max_chunked_upload_size_bytes),
    }


def _check_hash(field, algorithm, value, *, allowed=HASH_ALGORITHMS):
    if algorithm not in allowed:
        raise errors.ValidationFailed.field(f"{field}.algorithm", "is not included in the list")
    if not re.fullmatch(rf"[0-9a-fA-F]{{{_HEX_LENGTHS[algorithm]}}}", value):
        raise errors.ValidationFailed.field(f"{field}.value", "is invalid")


@transaction.atomic
def storage_provider_save(*, provider, is_new):
    """Save an operator's provider; a new one gets storage for every live project, initialized by jobs."""
    provider.save()
    if is_new and not provider.is_deprecated:
        project_storage_add_everywhere(storage_provider=provider)
    return provider


@transaction.atomic
def upload_create(*, actor, project, storage_provider, name, content_type, size, chunked=True):
    if storage_provider.is_deprecated:
        raise errors.ValidationFailed.field("storage_provider", "cannot be deprecated")
    maximum = storage_provider.max_chunked_upload_size_bytes if chunked else storage_provider.max_upload_size_bytes
    if size >= maximum:
        raise errors.ValidationFailed.field("size", f"File size is currently not supported - maximum size is {maximum}")
    backend = backend_for(storage_provider)
    upload = Upload(
        project=project,
        storage_provider=storage_provider,
        name=name,
        content_type=content_type,
        size=size,
        is_chunked=chunked,
        etag=_new_etag(),
        ready_for_chunks=chunked and backend.ready_at_creation,
    )
    upload.stamp_created(actor)
    upload.save()
    if chunked and not upload.ready_for_chunks:
        job_enqueue("initialize_upload_storage", upload.id)
    return upload


@transaction.atomic
def upload_storage_initialize(*, upload_id):
    """The job's work: prepare storage for a chunked upload (an S3 multipart upload). Safe to run again."""
    upload = (
        Upload.objects.select_for_update(of=("self",)).select_related("storage_provider").filter(pk=upload_id).first()
    )
    if upload is None or upload.ready_for_chunks or upload.purged_on is not None:
        return
    upload.multipart_upload_id = backend_for(upload.storage_provider).upload_initialize(upload)
    upload.ready_for_chunks = True
    upload.save(update_fields=["multipart_upload_id", "ready_for_chunks"])


def _check_open(upload):
    if upload.completed_on is not None:
        raise errors.ValidationFailed.field("completed_at", "Cannot change completed_at.")


@transaction.atomic
def chunk_register(*, upload, number, size, hash_value, hash_algorithm):
    """Register (or replace) chunk `number`: its size and md5, which its bytes must match."""
    provider = upload.storage_provider
    _check_open(upload)
    if number < _MIN_CHUNK_NUMBER:
        raise errors.ValidationFailed.field("number", f"must be greater than or equal to {_MIN_CHUNK_NUMBER}")
    if number > provider.chunk_max_number:
        raise errors.ValidationFailed(base=["maximum upload chunks exceeded."])
    if size < 0:
        raise errors.ValidationFailed.field("size", "must be greater than or equal to 0")
    if size >= provider.chunk_max_size_bytes:
        raise errors.ValidationFailed.field("size", f"must be less than {provider.chunk_max_size_bytes}")
    _check_hash("hash", hash_algorithm, hash_value, allowed=(provider.chunk_hash_algorithm,))
    chunk = Chunk.objects.select_for_update().filter(upload=upload, number=number).first() or Chunk(
        upload=upload, number=number
    )
    unchanged = chunk.pk and (chunk.size, chunk.hash_value.lower()) == (size, hash_value.lower())
    chunk.size, chunk.hash_value, chunk.hash_algorithm = size, hash_value, hash_algorithm
    if not unchanged:
        chunk.is_stored = False if backend_for(provider).ready_at_creation else None
    chunk.save()
    return chunk


@transaction.atomic
def chunk_stored(*, chunk):
    """The storage endpoint received the chunk's bytes and they matched."""
    Chunk.objects.filter(pk=chunk.pk, size=chunk.size, hash_value=chunk.hash_value).update(is_stored=True)


@transaction.atomic
def upload_complete(*, actor, upload, hash_value=None, hash_algorithm=None):
    """Record the whole-file hash, mark the upload completed and queue its verification (CONTRACT §11.6)."""
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    _check_open(upload)
    if hash_algorithm is not None or hash_value is not None:
        _check_hash("fingerprints", hash_algorithm, hash_value or "")
    if not upload.is_chunked and hash_algorithm != upload.storage_provider.chunk_hash_algorithm:
        algorithm = upload.storage_provider.chunk_hash_algorithm
        raise errors.ValidationFailed.field(
            "fingerprints", f"must contain storage provider compatible algorithm: {algorithm}"
        )
    if hash_algorithm is not None:
        fingerprint = Fingerprint(upload=upload, algorithm=hash_algorithm, value=hash_value)
        fingerprint.stamp_created(actor)
        fingerprint.save()
    upload.completed_on = timezone.now()
    upload.etag = _new_etag()
    upload.stamp_updated(actor)
    upload.save()
    job_enqueue("complete_upload", upload.id)
    return upload


@transaction.atomic
def upload_verify(*, upload_id):
    """The completion job: compare storage with the client's report, once, and record the outcome.

    A mismatch is recorded (`error_on`, `error_message`) and makes the upload consistent; storage that does not
    answer raises, so the job is retried and the upload stays not consistent.
    """
    upload = (
        Upload.objects.select_for_update(of=("self",), no_key=True)
        .select_related("storage_provider")
        .filter(pk=upload_id)
        .first()
    )
    if upload is None or upload.completed_on is None or upload.is_consistent:
        return
    if upload.is_chunked and not upload.ready_for_chunks:
        raise StorageUnreachable("the upload's storage is not initialized yet")
    verification = backend_for(upload.storage_provider).upload_verify(
        upload, list(upload.chunks.order_by("number")), list(upload.fingerprints.all())
    )
    upload.is_consistent = True
    upload.stored_size = verification.size
    for algorithm, value in verification.hashes.items():
        setattr(upload, f"stored_{algorithm}", value)
    if verification.error is not None:
        upload.error_on = timezone.now()
        upload.error_message = verification.error
    elif upload.is_chunked:
        upload.chunks.update(is_stored=True)
    upload.save()


@transaction.atomic
def upload_reverify(*, upload):
    """An operator's request: verify a completed upload again (e.g. after storage was repaired)."""
    Upload.objects.filter(pk=upload.pk, completed_on__isnull=False).update(
        is_consistent=None, error_on=None, error_message=None
    )
    job_enqueue("complete_upload", upload.id)


@transaction.atomic
def fingerprint_add(*, actor, upload, algorithm, value):
    """Report one more whole-file hash of a completed upload (PUT /uploads/{id}/hashes)."""
    if upload.completed_on is None:
        raise errors.ValidationFailed.field("fingerprints", "must be blank")
    _check_hash("fingerprints", algorithm, value)
    stored = upload.stored_hash(algorithm)
    if upload.is_consistent and upload.error_on is None and stored and stored != value.lower():
        raise errors.ValidationFailed.field("fingerprints.value", "does not match the stored bytes")
    fingerprint = Fingerprint(upload=upload, algorithm=algorithm, value=value)
    fingerprint.stamp_created(actor)
    fingerprint.save()
    return fingerprint


# Purges one sweep enqueues at most: a sweep stays one short transaction however many uploads expire at once.
RETENTION_SWEEP_BATCH = 500


@transaction.atomic
def upload_retention_sweep(*, limit=RETENTION_SWEEP_BATCH):
    """Enqueue purges for the uploads the retention policy frees (selectors.uploads_to_purge), at most `limit` per
    call; returns how many. Safe to run often and side by side: an upload is requested once, and concurrent sweeps
    skip the rows another one holds."""
    batch = list(
        uploads_to_purge()
        .select_for_update(of=("self",), no_key=True, skip_locked=True)
        .values_list("id", flat=True)[:limit]
    )
    upload_purge_request(upload_ids=batch)
    return len(batch)


@transaction.atomic
def upload_purge(*, upload_id):
    """The removal job: drop an upload's bytes once no live file version references it. Safe to run again."""
    upload = (
        Upload.objects.select_for_update(of=("self",)).select_related("storage_provider").filter(pk=upload_id).first()
    )
    if upload is None or upload.purged_on is not None:
        return
    if uploads_with_live_versions().filter(pk=upload.pk).exists():
        return
    backend_for(upload.storage_provider).upload_purge(upload)
    upload.purged_on = timezone.now()
    upload.save(update_fields=["purged_on"])
