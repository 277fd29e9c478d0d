import uuid

from django.db import models
from django.db.models import Q

from dds.audit import Audited

from .hashes import HEX_LENGTHS

# A provider's limits unless an operator sets others: S3's, whose largest part and single PUT are 5 GiB, and whose
# largest object is 5 TiB.
MAX_PART_SIZE = 5 * 1024**3
MAX_OBJECT_SIZE = 5 * 1024**4


class StorageProvider(models.Model):
    """Where bytes live (docs/api/storage-providers.md). Operators add providers in the admin; a migration creates the
    default one.

    An S3 provider's blank connection fields fall back to the S3_* settings.
    """

    class Kind(models.TextChoices):
        FILESYSTEM = "filesystem"
        S3 = "s3"

    class BucketMode(models.TextChoices):
        PER_PROJECT = "per_project", "a bucket per project"
        SINGLE = "single", "one bucket, a prefix per project"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FILESYSTEM)
    is_default = models.BooleanField(default=False)
    is_deprecated = models.BooleanField(default=False)
    chunk_hash_algorithm = models.CharField(max_length=20, default="md5")
    chunk_max_number = models.PositiveIntegerField(default=10000)
    chunk_max_size_bytes = models.BigIntegerField(default=MAX_PART_SIZE)
    max_upload_size_bytes = models.BigIntegerField(default=MAX_PART_SIZE, help_text="largest non-chunked upload")
    max_chunked_upload_size_bytes = models.BigIntegerField(default=MAX_OBJECT_SIZE, help_text="largest chunked upload")
    endpoint_url = models.CharField(max_length=2048, blank=True, help_text="S3: blank means S3_ENDPOINT_URL")
    access_key_id = models.CharField(max_length=255, blank=True, help_text="S3: blank means S3_ACCESS_KEY_ID")
    secret_access_key = models.CharField(max_length=255, blank=True, help_text="S3: blank means S3_SECRET_ACCESS_KEY")
    region = models.CharField(max_length=64, blank=True, help_text="S3: blank means S3_REGION")
    bucket_mode = models.CharField(max_length=20, choices=BucketMode.choices, default=BucketMode.PER_PROJECT)
    bucket_name = models.CharField(
        max_length=63, blank=True, help_text="S3: the bucket (single mode), or the prefix of project buckets"
    )
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_storage_provider"
            )
        ]

    def __str__(self):
        return self.name


class UploadQuerySet(models.QuerySet):
    """The upload lifecycle's states as filters (Upload.State)."""

    def open(self):
        return self.filter(completed_on__isnull=True)

    def awaiting_verification(self):
        return self.filter(completed_on__isnull=False, is_consistent__isnull=True)

    def verified(self):
        return self.filter(is_consistent=True, error_on__isnull=True)

    def failed(self):
        return self.filter(error_on__isnull=False)


class Upload(Audited):
    """The bytes behind a file version, and how far their transfer and verification got (docs/api/uploads.md).

    Its lifecycle, in one place: the fields it is kept in are read only through `state` and the predicates below (and
    UploadQuerySet's filters).
    """

    class State(models.TextChoices):
        # preparing -> open                 a job prepared its storage (an S3 multipart upload)
        # open -> verifying                 the client completed it (PUT /uploads/{id}/complete)
        # verifying -> verified | failed    its verification recorded the verdict
        # verified | failed -> verifying    an operator verifies it again (admin)
        # any -> purged                     its bytes were removed
        PREPARING = "preparing", "its storage is not ready for chunks yet"
        OPEN = "open", "receiving bytes"
        VERIFYING = "verifying", "completed; its verification has recorded no verdict yet"
        VERIFIED = "verified", "its bytes are exactly those the client registered"
        FAILED = "failed", "its verification found other bytes (error_on, error_message)"
        PURGED = "purged", "its bytes are removed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="uploads")
    storage_provider = models.ForeignKey(StorageProvider, on_delete=models.PROTECT, related_name="uploads")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.BigIntegerField()
    is_chunked = models.BooleanField(default=True)
    etag = models.CharField(max_length=64)
    multipart_upload_id = models.CharField(max_length=1024, blank=True, help_text="S3 multipart upload id")
    ready_for_chunks = models.BooleanField(default=False)
    completed_on = models.DateTimeField(null=True, blank=True, db_index=True)
    is_consistent = models.BooleanField(null=True, blank=True, db_index=True)
    purge_requested_on = models.DateTimeField(null=True, blank=True, help_text="when a purge job was last enqueued")
    purged_on = models.DateTimeField(null=True, blank=True)
    error_on = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(null=True, blank=True)
    stored_size = models.BigIntegerField(null=True, blank=True, help_text="computed by the completion job")
    stored_md5 = models.CharField(max_length=HEX_LENGTHS["md5"], blank=True)
    stored_sha1 = models.CharField(max_length=HEX_LENGTHS["sha1"], blank=True)
    stored_sha256 = models.CharField(max_length=HEX_LENGTHS["sha256"], blank=True)
    verification_claim = models.CharField(
        max_length=32, blank=True, help_text="the verification at work on the upload's bytes; blank when none is"
    )
    verification_claimed_on = models.DateTimeField(null=True, blank=True)
    verification_session = models.CharField(
        max_length=64, blank=True, help_text="the claimant's database session; its end frees the claim"
    )

    objects = UploadQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["project", "-created_on"]),
            # The sweeper's and the deletions' reads: each holds only the uploads in the state it looks for.
            models.Index(
                fields=["created_on"],
                condition=Q(is_chunked=True, ready_for_chunks=False, purged_on=None),
                name="uploads_awaiting_storage",
            ),
            models.Index(
                fields=["completed_on"],
                condition=Q(completed_on__isnull=False, is_consistent=None),
                name="uploads_awaiting_verification",
            ),
            models.Index(
                fields=["created_on"],
                condition=Q(error_on__isnull=False, purged_on=None, purge_requested_on=None),
                name="uploads_errored_to_purge",
            ),
            models.Index(
                fields=["project", "created_on"],
                condition=Q(purged_on=None, purge_requested_on=None),
                name="uploads_unrequested",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.id})"

    @property
    def state(self):
        if self.is_purged:
            return self.State.PURGED
        if self.is_open:
            return self.State.PREPARING if self.is_preparing else self.State.OPEN
        if self.awaiting_verification:
            return self.State.VERIFYING
        return self.State.FAILED if self.is_failed else self.State.VERIFIED

    @property
    def is_purged(self):
        return self.purged_on is not None

    @property
    def is_preparing(self):
        """A chunked upload whose storage a job has not prepared yet: no chunk can be sent."""
        return self.is_chunked and not self.ready_for_chunks

    @property
    def is_open(self):
        """Not completed yet: chunks may still be registered and sent."""
        return self.completed_on is None

    @property
    def awaiting_verification(self):
        return self.completed_on is not None and self.is_consistent is None

    @property
    def is_failed(self):
        return self.error_on is not None

    @property
    def is_verified(self):
        """Verified and found to be the bytes the client registered: the only bytes ever served."""
        return bool(self.is_consistent) and self.error_on is None

    def stored_hash(self, algorithm):
        return getattr(self, f"stored_{algorithm}")


class Chunk(models.Model):
    """One registered chunk: what the client reported, and what storage received."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    size = models.BigIntegerField()
    hash_value = models.CharField(max_length=128)
    hash_algorithm = models.CharField(max_length=20)
    is_stored = models.BooleanField(null=True, blank=True, help_text="null: this backend learns it at completion")
    registered_on = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["upload", "number"], name="one_chunk_per_number")]

    def __str__(self):
        return f"chunk {self.number} of {self.upload_id}"


class Fingerprint(Audited):
    """A whole-file hash a client reported for an upload (its `hashes`)."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="fingerprints")
    algorithm = models.CharField(max_length=20)
    value = models.CharField(max_length=128)

    class Meta:
        ordering = ["created_on", "id"]

    def __str__(self):
        return f"{self.algorithm}:{self.value}"


class RetentionMark(models.Model):
    """How far the retention sweep has looked at uploads past UPLOAD_RETENTION_DAYS, in (created_on, id) order. Each
    upload is looked at once, as it expires, so a pass reads only what expired since the last one, whatever the
    history; an upload made unreachable later (its version, file, folder or project deleted) has its purge requested
    by that deletion. One row."""

    created_on = models.DateTimeField(help_text="the creation of the last upload looked at")
    upload_id = models.UUIDField(help_text="the last upload looked at")

    def __str__(self):
        return f"uploads looked at up to {self.created_on}"
