import uuid

from django.conf import settings
from django.db import models

from dds.audit import Audited


class AuthRole(models.Model):
    """A named set of permissions (docs/api/permissions.md#built-in-roles); the built-in roles are seeded by a
    migration."""

    id = models.CharField(primary_key=True, max_length=64)
    name = models.CharField(max_length=255)
    description = models.TextField()
    permissions = models.JSONField(default=list)
    contexts = models.JSONField(default=list)
    is_deprecated = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class Project(Audited):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    description = models.TextField()
    slug = models.CharField(max_length=255, unique=True)
    is_deleted = models.BooleanField(default=False, db_index=True)

    def __str__(self):
        return self.name


class ProjectPermission(Audited):
    """The one auth role a user holds on a project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="permissions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_permissions")
    auth_role = models.ForeignKey(AuthRole, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="one_role_per_user_and_project")]

    def __str__(self):
        return f"{self.user} is {self.auth_role_id} on {self.project}"


class SystemPermission(Audited):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="system_permission")
    auth_role = models.ForeignKey(AuthRole, on_delete=models.PROTECT, related_name="+")

    def __str__(self):
        return f"{self.user} is {self.auth_role_id}"


class ProjectTransfer(Audited):
    """A project handed from its sender to recipients, who become its admins once one of them accepts."""

    class Status(models.TextChoices):
        PENDING = "pending"
        REJECTED = "rejected"
        ACCEPTED = "accepted"
        CANCELED = "canceled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="transfers")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_users = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    status_comment = models.TextField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project"], condition=models.Q(status="pending"), name="one_pending_transfer_per_project"
            )
        ]

    def __str__(self):
        return f"{self.project} from {self.from_user}: {self.status}"


class ProjectStorageProvider(models.Model):
    """A project's storage on one provider: uploads to it wait until a job has initialized it
    (docs/api/projects.md#storage-per-provider)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="storage")
    storage_provider = models.ForeignKey("uploads.StorageProvider", on_delete=models.CASCADE, related_name="+")
    is_initialized = models.BooleanField(default=False, db_index=True)
    initialized_on = models.DateTimeField(null=True, blank=True)
    created_on = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "storage_provider"], name="one_storage_per_project_and_provider")
        ]

    def __str__(self):
        state = "initialized" if self.is_initialized else "not initialized"
        return f"{self.project} on {self.storage_provider}: {state}"


class ProjectInvitation(Audited):
    """A project role offered to an email address: whoever follows its single-use link and signs in, through any
    connected provider, before it expires gets that role (`projects/invitations/`). Only the token's SHA-256 is kept."""

    class Status(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        REVOKED = "revoked"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    auth_role = models.ForeignKey(AuthRole, on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(max_length=254)
    token_sha256 = models.CharField(max_length=64, unique=True)
    expires_on = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_on = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_on"]

    def __str__(self):
        return f"{self.email} to {self.project} as {self.auth_role_id}: {self.status}"
