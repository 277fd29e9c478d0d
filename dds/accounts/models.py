import secrets
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from dds.audit import Audited


def new_key():
    return secrets.token_hex(16)


class User(AbstractUser, Audited):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    full_name = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["username"]

    def __str__(self):
        return self.username


class SoftwareAgent(Audited):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    repo_url = models.CharField(max_length=2048, null=True, blank=True)
    is_deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ApiKey(models.Model):
    """A user key or an agent key: tokens are minted from one of each (CONTRACT §3.3)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(max_length=64, unique=True, default=new_key)
    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.CASCADE, related_name="api_key")
    software_agent = models.OneToOneField(
        SoftwareAgent, null=True, blank=True, on_delete=models.CASCADE, related_name="api_key"
    )
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, software_agent__isnull=True)
                | Q(user__isnull=True, software_agent__isnull=False),
                name="api_key_has_exactly_one_owner",
            )
        ]

    def __str__(self):
        return f"key of {self.user or self.software_agent}"


class AuthenticationService(models.Model):
    """An identity provider users can log in through (CONTRACT §3.8); operators manage them in the admin."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service_id = models.UUIDField(default=uuid.uuid4, unique=True)
    name = models.CharField(max_length=255)
    base_uri = models.CharField(max_length=2048, blank=True)
    login_initiation_url = models.CharField(max_length=2048, blank=True)
    login_response_type = models.CharField(max_length=32, default="token")
    is_default = models.BooleanField(default=False)
    is_deprecated = models.BooleanField(default=False)
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_auth_service"
            )
        ]

    def __str__(self):
        return self.name


class UserIdentity(models.Model):
    """A user's account (`uid`) at an identity provider."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identities")
    authentication_service = models.ForeignKey(AuthenticationService, on_delete=models.CASCADE)
    uid = models.CharField(max_length=255)
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "user identities"
        ordering = ["created_on"]
        constraints = [models.UniqueConstraint(fields=["authentication_service", "uid"], name="unique_identity_uid")]

    def __str__(self):
        return f"{self.uid} at {self.authentication_service}"
