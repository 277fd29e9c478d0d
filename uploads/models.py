import uuid

from django.db import models
from django.db.models import Q


class StorageProvider(models.Model):
    """Where bytes live (CONTRACT §8). Operators add providers in the admin; a migration creates the default one."""

    class Kind(models.TextChoices):
        FILESYSTEM = "filesystem"
        S3 = "s3"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FILESYSTEM)
    is_default = models.BooleanField(default=False)
    is_deprecated = models.BooleanField(default=False)
    chunk_hash_algorithm = models.CharField(max_length=20, default="md5")
    chunk_max_number = models.PositiveIntegerField(default=10000)
    chunk_max_size_bytes = models.BigIntegerField(default=5368709120)
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_storage_provider")
        ]

    def __str__(self):
        return self.name
