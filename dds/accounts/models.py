import secrets
import uuid
from urllib.parse import urlparse

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from dds.audit import Audited


def new_key():
    return secrets.token_hex(16)


class User(AbstractUser, Audited):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    full_name = models.CharField(max_length=255, blank=True)
    authentication_service = models.ForeignKey(
        "AuthenticationService",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="identity provider",
        help_text=(
            "The identity provider whose person this account is: the first sign-in there of the same username links "
            "to it, a sign-in through any other provider never does. Blank: the default identity provider."
        ),
    )

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
    """A user key or an agent key: tokens are minted from one of each (docs/api/authentication.md#tokens)."""

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
    """An identity provider users sign in through (docs/api/signin.md); operators manage them in the admin.

    An OpenID Connect service names its issuer in `base_uri` (its discovery document is
    `<base_uri>/.well-known/openid-configuration`) and the claims that give a person's username, names and email.
    The local service (one is made on the first migrate) signs in no one: it is the directory of the users operators
    make, so that clients can find them.
    """

    class Kind(models.TextChoices):
        OPENID = "openid", "OpenID Connect issuer"
        LOCAL = "local", "Users made by operators"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service_id = models.UUIDField(default=uuid.uuid4, unique=True)
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OPENID)
    base_uri = models.CharField(
        max_length=2048, blank=True, help_text="OpenID Connect: the issuer URL, exactly as its tokens name it"
    )
    client_id = models.CharField(max_length=255, blank=True, help_text="OpenID Connect: this service's client id")
    client_secret = models.CharField(max_length=1024, blank=True)
    scope = models.CharField(max_length=255, default="openid profile email")
    audience = models.CharField(
        max_length=2048, blank=True, help_text="the `aud` a JWT access token must carry; blank: the client id"
    )
    username_claim = models.CharField(max_length=64, default="preferred_username")
    full_name_claim = models.CharField(max_length=64, default="name")
    first_name_claim = models.CharField(max_length=64, default="given_name")
    last_name_claim = models.CharField(max_length=64, default="family_name")
    email_claim = models.CharField(max_length=64, default="email")
    login_initiation_url = models.CharField(max_length=2048, blank=True)
    login_response_type = models.CharField(max_length=32, default="token")
    is_default = models.BooleanField(default=False)
    is_deprecated = models.BooleanField(default=False)
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="one_default_auth_service",
                violation_error_message="another service is the default: use the action “Make the default” instead",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind != self.Kind.OPENID:
            return
        missing = [field for field in ("base_uri", "client_id", "client_secret") if not getattr(self, field)]
        if missing:
            raise ValidationError({field: "an OpenID Connect service needs it" for field in missing})
        parsed = urlparse(self.base_uri)
        loopback = parsed.hostname in ("127.0.0.1", "::1", "localhost")
        if parsed.scheme != "https" and not (parsed.scheme == "http" and loopback):
            raise ValidationError({"base_uri": "an issuer is reached over https (http only on loopback)"})


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


class KeyFailureCount(models.Model):
    """Failed key checks of one subject (a client address, or a key's SHA-256) in one fixed window: the counters of
    the key-guessing limits (`dds/accounts/rate_limits.py`). Kept in the database, which every mode shares."""

    subject = models.CharField(max_length=80)
    window = models.BigIntegerField(db_index=True, help_text="the window's start, in seconds since the epoch")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject", "window"], name="one_count_per_subject_and_window")]

    def __str__(self):
        return f"{self.subject}: {self.count} from {self.window}"
