import secrets
import uuid
from urllib.parse import urlparse

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
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
    email_notifications = models.BooleanField(
        default=True, help_text="Email this person when they are given or lose a project role, are offered a project, …"
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


_ATTRIBUTE_NAME = RegexValidator(r"^[A-Za-z][A-Za-z0-9-]*$", "an LDAP attribute name: letters, digits and hyphens")


def _attribute(default, help_text):
    return models.CharField(max_length=64, default=default, validators=[_ATTRIBUTE_NAME], help_text=help_text)


class Directory(models.Model):
    """The LDAP directory of an OpenID Connect service's institution: where `/auth_providers/{id}/affiliates` finds its
    people (`dds/accounts/directory.py`). A person's `uid` there must be what the provider sends as `sub`, so that
    the identity DDS registers for them is the one their first sign-in reaches."""

    authentication_service = models.OneToOneField(
        AuthenticationService, on_delete=models.CASCADE, related_name="directory"
    )
    url = models.CharField(max_length=2048, help_text="ldap://host:389 or ldaps://host:636")
    bind_dn = models.CharField(max_length=1024, blank=True, help_text="the DN DDS binds as; blank: anonymous")
    bind_password = models.CharField(max_length=1024, blank=True)
    base_dn = models.CharField(max_length=1024, help_text="where people are searched, with the whole subtree")
    person_filter = models.CharField(
        max_length=1024, default="(objectClass=person)", help_text="an LDAP filter every person matches"
    )
    uid_attribute = _attribute("uid", "the person's identifier: the value the provider sends as `sub`")
    username_attribute = _attribute("uid", "the username a registered person gets")
    full_name_attribute = _attribute("displayName", "searched by `full_name_contains`")
    first_name_attribute = _attribute("givenName", "")
    last_name_attribute = _attribute("sn", "")
    email_attribute = _attribute("mail", "")
    start_tls = models.BooleanField(default=False, help_text="upgrade an ldap:// connection with StartTLS")
    verify_certificate = models.BooleanField(
        default=True, help_text="refuse a server whose certificate the CA certificates below do not sign"
    )
    ca_certificates = models.TextField(blank=True, help_text="PEM; blank: the system's trusted certificates")
    timeout = models.PositiveSmallIntegerField(default=10, help_text="seconds to wait for the directory")

    class Meta:
        verbose_name_plural = "directories"

    def __str__(self):
        return f"directory of {self.authentication_service}"

    def clean(self):
        scheme = urlparse(self.url).scheme
        if scheme not in ("ldap", "ldaps"):
            raise ValidationError({"url": "an LDAP URL: ldap://host:port or ldaps://host:port"})
        if self.start_tls and scheme == "ldaps":
            raise ValidationError({"start_tls": "an ldaps:// connection is encrypted already"})
        if not (self.person_filter.startswith("(") and self.person_filter.endswith(")")):
            raise ValidationError({"person_filter": "an LDAP filter is enclosed in parentheses"})
        if self.authentication_service_id and self.authentication_service.kind != AuthenticationService.Kind.OPENID:
            raise ValidationError("only an OpenID Connect service has a directory: its people sign in through it")


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
