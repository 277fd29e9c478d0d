import math
import secrets
import uuid
from contextlib import suppress
from datetime import UTC, datetime

from django.db import Error, transaction
from django.utils import timezone

from dds import errors
from dds.jobs.services import job_enqueue
from dds.names import path_name_check
from notifications.models import Notification
from notifications.services import notification_create, notification_link
from projects.selectors import project_hold_live
from projects.storage import project_storage_add_everywhere

from . import claims, selectors
from .hashes import HASH_ALGORITHMS, is_hex_digest, whole_file_error
from .models import Chunk, Fingerprint, RetentionMark, Upload
from .selectors import uploads_errored_to_purge, uploads_expired_since, uploads_with_live_versions
from .storage.base import StorageUnreachable, backend_for

_MIN_CHUNK_NUMBER = 1


def _new_etag():
    return secrets.token_hex(16)


def upload_limits(provider, *, size, chunked):
    """The response headers of POST /projects/{id}/uploads (docs/api/uploads.md#create)."""
    if not chunked:
        return {"X-MAX-UPLOAD-SIZE": str(provider.max_upload_size_bytes)}
    return {
        "X-MIN-CHUNK-UPLOAD-SIZE": str(math.ceil(size / provider.chunk_max_number)),
        "X-MAX-CHUNK-UPLOAD-SIZE": str(provider.max_chunked_upload_size_bytes),
    }


def _check_hash(field, algorithm, value, *, allowed=HASH_ALGORITHMS):
    if algorithm not in allowed:
        raise errors.ValidationFailed.field(f"{field}.algorithm", "is not included in the list")
    if not is_hex_digest(algorithm, value):
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
    """A new upload, answered from the rows in hand, inserted while it holds the project against its deletion (whose
    jobs then purge it too)."""
    path_name_check(name)
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
    project_hold_live(project)
    upload.save()
    if chunked and not upload.ready_for_chunks:
        job_enqueue("initialize_upload_storage", upload.id)
    return selectors.upload_with_no_chunks_nor_hashes(upload)


@transaction.atomic
def upload_storage_initialize(*, upload_id):
    """The job's work: prepare storage for a chunked upload (an S3 multipart upload). Safe to run again."""
    upload = (
        Upload.objects.select_for_update(of=("self",)).select_related("storage_provider").filter(pk=upload_id).first()
    )
    if upload is None or not upload.is_preparing or upload.is_purged:
        return
    upload.multipart_upload_id = backend_for(upload.storage_provider).upload_initialize(upload)
    upload.ready_for_chunks = True
    upload.save(update_fields=["multipart_upload_id", "ready_for_chunks"])


def _check_open(upload):
    if not upload.is_open:
        raise errors.ValidationFailed.field("completed_at", "Cannot change completed_at.")


def _locked(upload_id, *, related=("storage_provider",)):
    """The upload's row, locked: every change of its state and its chunks' is serialized on it."""
    return Upload.objects.select_for_update(of=("self",)).select_related(*related).get(pk=upload_id)


@transaction.atomic
def chunk_register(*, upload, number, size, hash_value, hash_algorithm):
    """Register (or replace) chunk `number`: its size and md5, which its bytes must match."""
    upload = _locked(upload.pk)
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
    chunk = Chunk.objects.filter(upload=upload, number=number).first() or Chunk(upload=upload, number=number)
    unchanged = chunk.pk and (chunk.size, chunk.hash_value.lower()) == (size, hash_value.lower())
    chunk.size, chunk.hash_value, chunk.hash_algorithm = size, hash_value, hash_algorithm
    if not unchanged:
        chunk.is_stored = False if backend_for(provider).ready_at_creation else None
    chunk.save()
    return chunk


def _receiving(upload_id):
    """The upload's row, locked, while bytes may still be kept for it: not purged, its project live (read after the
    lock, which a project's deletion holds until it commits), not completed. A purged upload's or a deleted project's
    is not found, as its signed URL answers from then on."""
    upload = _locked(upload_id)
    if upload.is_purged or upload.project.is_deleted:
        raise errors.NotFound("Upload")
    if not upload.is_open:
        raise errors.UploadAlreadyCompleted()
    return upload


@transaction.atomic
def chunk_store(*, upload_id, number, size, hash_value, staged):
    """Keep bytes that arrived for chunk `number` registered as `size` and `hash_value` (and matched them).

    `staged.commit()` puts them where the chunk's bytes live, under the upload's lock, and only if that is still the
    chunk's registration and bytes may still be kept (`_receiving`): a late transfer never replaces the bytes of a newer
    registration, adds bytes to an upload whose verification may have begun, nor puts them back after a purge.
    """
    upload = _receiving(upload_id)
    chunk = Chunk.objects.filter(upload=upload, number=number).first()
    if chunk is None or (chunk.size, chunk.hash_value.lower()) != (size, hash_value.lower()):
        raise errors.ChunkRegisteredAgain()
    staged.commit()
    Chunk.objects.filter(pk=chunk.pk).update(is_stored=True)


@transaction.atomic
def upload_object_store(*, upload_id, staged):
    """Keep a non-chunked upload's bytes, which matched its size: `staged.commit()` runs only while bytes may be
    kept (`_receiving`)."""
    _receiving(upload_id)
    staged.commit()


def _reported_on_complete(upload):
    """The hash the client reported when it completed the upload (None if none): fingerprints added since are later."""
    fingerprint = upload.fingerprints.filter(created_on__lte=upload.completed_on).order_by("created_on").first()
    return (fingerprint.algorithm, fingerprint.value.lower()) if fingerprint else None


@transaction.atomic
def upload_complete(*, actor, upload, hash_value=None, hash_algorithm=None):
    """Record the whole-file hash, mark the upload completed and queue its verification (docs/api/uploads.md#complete).

    Idempotent for the same report: repeated with the hash it was completed with (or none both times) it changes
    nothing and returns the upload again. Returns the upload as the response shows it, read before the commit.
    """
    upload = _locked(upload.pk, related=selectors.UPLOAD_SHOWN_RELATED)
    report = (hash_algorithm, hash_value.lower()) if hash_algorithm is not None else None
    if not upload.is_open and _reported_on_complete(upload) == report:
        return selectors.upload_with_chunks_and_hashes(upload)
    _check_open(upload)
    if upload.storage_provider.is_deprecated:
        raise errors.ValidationFailed.field("storage_provider", "cannot be deprecated")
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
    upload.save(update_fields=["completed_on", "etag", "last_updated_on", "last_updated_by", "last_updated_by_agent"])
    job_enqueue("complete_upload", upload.id)
    return selectors.upload_with_chunks_and_hashes(upload)


@transaction.atomic
def _verification_claim(upload_id):
    """Claim the upload's verification in a short transaction: (upload, chunks, token), or None if there is nothing
    to do or another live verification holds it (that one records the verdict)."""
    upload = (
        Upload.objects.select_for_update(of=("self",)).select_related("storage_provider").filter(pk=upload_id).first()
    )
    if upload is None or not upload.awaiting_verification:
        return None
    if upload.is_preparing:
        raise StorageUnreachable("the upload's storage is not initialized yet")
    if not claims.claim_is_free(upload):
        return None
    token = claims.claim_take(upload)
    upload.save(update_fields=claims.CLAIM_FIELDS)
    return upload, list(upload.chunks.order_by("number")), token


@transaction.atomic
def _verification_release(upload_id, token):
    upload = Upload.objects.select_for_update().filter(pk=upload_id, verification_claim=token).first()
    if upload is not None:
        claims.claim_clear(upload)
        upload.save(update_fields=claims.CLAIM_FIELDS)


@transaction.atomic
def _verification_record(upload_id, token, verification):
    """Record the verdict if the claim is still this verification's, checking every fingerprint reported so far."""
    upload = Upload.objects.select_for_update().filter(pk=upload_id, verification_claim=token).first()
    if upload is None:
        return
    error = verification.error or whole_file_error(
        upload, list(upload.fingerprints.all()), verification.size, verification.hashes
    )
    upload.is_consistent = True
    upload.stored_size = verification.size
    for algorithm, value in verification.hashes.items():
        setattr(upload, f"stored_{algorithm}", value)
    if error is not None:
        upload.error_on = timezone.now()
        upload.error_message = error
    elif upload.is_chunked:
        upload.chunks.update(is_stored=True)
    claims.claim_clear(upload)
    upload.save()
    if error is not None and upload.created_by_id is not None:
        notification_create(
            actor_user=None,
            user=upload.created_by,
            kind=Notification.Kind.UPLOAD_FAILED,
            link=notification_link(f"uploads/{upload.id}"),
            facts={"upload": upload.name, "project": upload.project.name, "reason": error},
        )


def upload_verify(*, upload_id):
    """The completion job: compare storage with the client's report, once, and record the outcome.

    No transaction stays open while the bytes are read: the work is claimed in one short transaction, read and
    hashed outside any, and the verdict recorded in another. A mismatch is recorded (`error_on`,
    `error_message`) and makes the upload consistent; storage that does not answer raises, the claim is released,
    and the job is retried while the upload stays not consistent.
    """
    claimed = _verification_claim(upload_id)
    if claimed is None:
        return
    upload, chunks, token = claimed
    try:
        verification = backend_for(upload.storage_provider).upload_verify(upload, chunks)
    except BaseException:
        with suppress(Error):
            _verification_release(upload_id, token)
        raise
    _verification_record(upload_id, token, verification)


@transaction.atomic
def upload_reverify(*, upload):
    """An operator's request: verify a completed upload again (e.g. after storage was repaired)."""
    Upload.objects.filter(pk=upload.pk, completed_on__isnull=False).update(
        is_consistent=None, error_on=None, error_message=None
    )
    job_enqueue("complete_upload", upload.id)


@transaction.atomic
def fingerprint_add(*, actor, upload, algorithm, value):
    """Report one more whole-file hash of a completed upload (PUT /uploads/{id}/hashes), one per algorithm.

    Serialized with the verification's verdict on the upload's row: a hash reported before the verdict is checked
    by it, one reported after is compared with the stored bytes here; none is kept unverified.
    """
    upload = _locked(upload.pk, related=selectors.UPLOAD_SHOWN_RELATED)
    if upload.is_open:
        raise errors.ValidationFailed.field("fingerprints", "must be blank")
    _check_hash("fingerprints", algorithm, value)
    # One hash per algorithm, so that an upload lists at most one per algorithm: the same report again is taken
    # as it was, another value refused.
    reported = {
        known.lower() for known in upload.fingerprints.filter(algorithm=algorithm).values_list("value", flat=True)
    }
    if value.lower() in reported:
        return selectors.upload_with_chunks_and_hashes(upload)
    if reported:
        raise errors.ValidationFailed.field("fingerprints.algorithm", "has already been taken")
    stored = upload.stored_hash(algorithm)
    if upload.is_verified and stored and stored != value.lower():
        raise errors.ValidationFailed.field("fingerprints.value", "does not match the stored bytes")
    fingerprint = Fingerprint(upload=upload, algorithm=algorithm, value=value)
    fingerprint.stamp_created(actor)
    fingerprint.save()
    return selectors.upload_with_chunks_and_hashes(upload)  # as the answer shows it, read before the commit


# Purges one sweep enqueues at most: a sweep stays one short transaction however many uploads expire at once.
RETENTION_SWEEP_BATCH = 500
_BEFORE_ANY_UPLOAD = {"created_on": datetime(1970, 1, 1, tzinfo=UTC), "upload_id": uuid.UUID(int=0)}


@transaction.atomic
def upload_retention_sweep(*, limit=RETENTION_SWEEP_BATCH):
    """Enqueue purges for the uploads the retention policy frees, at most `limit` per call; returns how many.

    Reads only rows that can need work: errored uploads not requested yet (a partial index), and the uploads that
    passed UPLOAD_RETENTION_DAYS since the last call (from the watermark, `RetentionMark`), so its cost does not grow
    with the uploads ever made. Safe to run often and side by side: a call that finds the watermark held by another
    leaves the work to that one, and an upload is requested once."""
    RetentionMark.objects.get_or_create(pk=1, defaults=_BEFORE_ANY_UPLOAD)
    mark = RetentionMark.objects.select_for_update(skip_locked=True).filter(pk=1).first()
    if mark is None:
        return 0
    upload_ids = set(uploads_errored_to_purge().values_list("id", flat=True)[:limit])
    expired = uploads_expired_since(mark).values_list("id", "created_on", "can_purge")
    looked_at = list(expired[: limit - len(upload_ids)])
    upload_ids.update(upload_id for upload_id, _, can_purge in looked_at if can_purge)
    if looked_at:
        mark.upload_id, mark.created_on, _ = looked_at[-1]
        mark.save()
    upload_purge_request(upload_ids=upload_ids)
    return len(upload_ids)


@transaction.atomic
def upload_purge_request(*, upload_ids):
    """Queue the removal of uploads' bytes (sent after commit), noting when on each upload; the job keeps any upload a
    live version still references."""
    upload_ids = sorted(set(upload_ids), key=str)
    Upload.objects.filter(pk__in=upload_ids).update(purge_requested_on=timezone.now())
    for upload_id in upload_ids:
        job_enqueue("purge_upload", upload_id)


@transaction.atomic
def upload_purge(*, upload_id):
    """The removal job: drop an upload's bytes once no live file version references it. Safe to run again."""
    upload = (
        Upload.objects.select_for_update(of=("self",)).select_related("storage_provider").filter(pk=upload_id).first()
    )
    if upload is None or upload.is_purged:
        return
    if uploads_with_live_versions().filter(pk=upload.pk).exists():
        return
    backend_for(upload.storage_provider).upload_purge(upload)
    upload.purged_on = timezone.now()
    upload.save(update_fields=["purged_on"])
