from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from dds import errors
from dds.audit import Actor
from dds.authentication import api_token_encode

from . import oidc, selectors
from .models import ApiKey, AuthenticationService, SoftwareAgent, User, UserIdentity, new_key
from .signals import user_merged

CLIENT_AGENT_NAME = "DukeDSClient"


@transaction.atomic
def user_create(*, username, email="", first_name="", last_name="", full_name=""):
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        full_name=full_name or f"{first_name} {last_name}".strip() or username,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_update(*, user, **changes):
    """Set a user's `email`, `first_name`, `last_name` or `full_name`."""
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save()
    return user


LAST_LOGIN_PRECISION = timedelta(hours=1)


def api_token_create(*, agent_key, user_key):
    """Mint a token for the user of `user_key` acting through the agent of `agent_key`
    (docs/api/authentication.md#tokens).

    Both keys are read in one query. `last_login` is written only when it is older than LAST_LOGIN_PRECISION: a
    client minting a token per command would otherwise write the user's row every time. No transaction: one read,
    then at most one single-row write that depends on nothing else read.
    """
    rows = ApiKey.objects.select_related("user", "software_agent").filter(
        Q(key=agent_key, software_agent__isnull=False, software_agent__is_deleted=False)
        | Q(key=user_key, user__is_active=True)
    )
    found = {row.key: row for row in rows}
    agent_row, user_row = found.get(agent_key), found.get(user_key)
    if agent_row is None or user_row is None or agent_row.software_agent is None or user_row.user is None:
        raise errors.InvalidKey()
    user = user_row.user
    now = timezone.now()
    if user.last_login is None or user.last_login < now - LAST_LOGIN_PRECISION:
        user.last_login = now
        user.save(update_fields=["last_login"])
    return api_token_encode(user=user, agent=agent_row.software_agent)


def _owner(owner):
    return {"software_agent": owner} if isinstance(owner, SoftwareAgent) else {"user": owner}


@transaction.atomic
def api_key_rotate(*, owner):
    """Give a user or an agent a new key, invalidating the previous one."""
    key, _ = ApiKey.objects.update_or_create(**_owner(owner), defaults={"key": new_key(), "created_on": timezone.now()})
    return key


@transaction.atomic
def api_key_ensure(*, owner):
    """The owner's key, created when it has none."""
    key, _ = ApiKey.objects.get_or_create(**_owner(owner))
    return key


@transaction.atomic
def api_key_delete(*, owner):
    deleted, _ = ApiKey.objects.filter(**_owner(owner)).delete()
    if not deleted:
        raise errors.NotFound("ApiKey", suggestion="you must create an ApiKey")


@transaction.atomic
def software_agent_create(*, actor, name, description=None, repo_url=None):
    agent = SoftwareAgent(name=name, description=description, repo_url=repo_url)
    agent.stamp_created(actor)
    agent.save()
    ApiKey.objects.create(software_agent=agent)
    return agent


@transaction.atomic
def software_agent_update(*, actor, agent, **changes):
    for field, value in changes.items():
        setattr(agent, field, value)
    agent.stamp_updated(actor)
    agent.save()
    return agent


@transaction.atomic
def software_agent_delete(*, actor, agent):
    agent.is_deleted = True
    agent.stamp_deleted(actor)
    agent.save()


@transaction.atomic
def client_credentials_ensure(*, user, agent_name, rotate=False):
    """A user key and the key of the user's software agent `agent_name`: what a DDS client config holds."""
    agent = selectors.client_agent(user=user, name=agent_name)
    if agent is None:
        agent = software_agent_create(actor=Actor(user=user), name=agent_name)
    ensure = api_key_rotate if rotate else api_key_ensure
    return ensure(owner=user), ensure(owner=agent)


@transaction.atomic
def client_keys_issue(*, user, agent_name=CLIENT_AGENT_NAME):
    """Make the keys of the user's client config; when the user has a key already, replace it (the agent's stays)."""
    had_key = ApiKey.objects.filter(user=user).exists()
    user_key, agent_key = client_credentials_ensure(user=user, agent_name=agent_name)
    if had_key:
        user_key = api_key_rotate(owner=user)
    return user_key, agent_key


@transaction.atomic
def user_merge(*, actor, user, into):
    """Merge `user` into `into`, two accounts of one person: `into` gets `user`'s identities, software agents, key
    (when it has none of its own; else `user`'s stops working) and, through `user_merged`, what other apps hold for
    `user` (project and system roles); `user` is disabled. All in one transaction."""
    if user.pk == into.pk:
        raise ValidationError("an account cannot be merged into itself")
    list(User.objects.select_for_update().filter(pk__in=[user.pk, into.pk]).order_by("pk"))
    UserIdentity.objects.filter(user=user).update(user=into)
    SoftwareAgent.objects.filter(created_by=user).update(created_by=into)
    if ApiKey.objects.filter(user=into).exists():
        ApiKey.objects.filter(user=user).delete()
    else:
        ApiKey.objects.filter(user=user).update(user=into)
    user_merged.send(sender=User, actor=actor, user=user, into=into)
    user.is_active = False
    user.stamp_updated(actor)
    user.save()
    into.stamp_updated(actor)
    into.save()
    return into


@transaction.atomic
def authentication_service_make_default(*, service):
    AuthenticationService.objects.filter(is_default=True).exclude(pk=service.pk).update(is_default=False)
    service.is_default = True
    service.save(update_fields=["is_default"])
    return service


def _claim(claims, name):
    value = claims.get(name) if name else None
    return value.strip() if isinstance(value, str) else None


def _email_verified(claims):
    # Some providers send the boolean as a string.
    return claims.get("email_verified") in (True, "true")


def _profile(service, claims):
    """The user fields the claims give; a claim the issuer did not send leaves its field as it is, and so does an
    email the issuer does not say it has verified (clients and invitations find people by email)."""
    profile = {
        "first_name": _claim(claims, service.first_name_claim),
        "last_name": _claim(claims, service.last_name_claim),
        "full_name": _claim(claims, service.full_name_claim),
        "email": _claim(claims, service.email_claim) if _email_verified(claims) else None,
    }
    return {field: value for field, value in profile.items() if value is not None}


def claimed_username(service, claims):
    """The username the provider gives the person: its username claim, or the subject."""
    return _claim(claims, service.username_claim) or claims["sub"]


def _linkable(user, service):
    """Whether a first sign-in at `service` may link to `user`, the account of the username the provider gave: only
    an account an operator made for a person of that provider (naming it, or naming none while it is the default
    provider), never a staff or superuser account, never an account an identity reaches already."""
    if user.is_staff or user.is_superuser or user.identities.exists():
        return False
    if user.authentication_service_id is not None:
        return user.authentication_service_id == service.id
    default = selectors.default_signin_service()
    return default is not None and default.id == service.id


def _distinct_username(username, service):
    """A username for a new account whose username is another's: it names the provider (`ann@partner-institute`),
    numbered when that is taken too."""
    suffix = "@" + (slugify(service.name) or str(service.service_id))
    base = username[: User._meta.get_field("username").max_length - len(suffix) - 4] + suffix
    candidate, number = base, 1
    while User.objects.filter(username=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _signed_in_user(service, claims):
    uid = claims["sub"]
    identity = UserIdentity.objects.select_related("user").filter(authentication_service=service, uid=uid).first()
    profile = _profile(service, claims)
    if identity is not None:
        user = identity.user
    else:
        username = claimed_username(service, claims)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(username=username, **profile)
        elif not _linkable(user, service):
            user = user_create(username=_distinct_username(username, service), **profile)
        UserIdentity.objects.create(user=user, authentication_service=service, uid=uid)
    if not user.is_active:
        raise errors.SignInRefused("this account is disabled: ask the operators of DDS to enable it")
    for field, value in profile.items():
        setattr(user, field, value)
    user.last_login = timezone.now()
    user.full_clean(exclude=["password"])
    user.save()
    return user


_SIGN_IN_ATTEMPTS = 10


def _username_taken(error):
    return any(item.code == "unique" for item in getattr(error, "error_dict", {}).get("username", []))


@transaction.atomic
def user_sign_in(*, service, claims):
    """The user the identity (`service`, `sub`) reaches: at a first sign-in a new user, or the user an operator made
    for this provider's person of that username (see `_linkable`); names and verified email updated at every
    sign-in, `last_login` now. An account is never reached through a username alone."""
    for _ in range(_SIGN_IN_ATTEMPTS):
        try:
            with transaction.atomic():
                return _signed_in_user(service, claims)
        except IntegrityError:
            # Another first sign-in at the same moment took the username or made the identity: look again.
            continue
        except ValidationError as error:
            if _username_taken(error):
                continue  # as above, seen before the insert
            raise errors.SignInRefused("; ".join(error.messages)) from None
    raise errors.ServiceUnavailable(suggestion="many people are signing in at this moment: please try again")


def _registered(actor, service, person):
    if UserIdentity.objects.filter(authentication_service=service, uid=person.uid).exists():
        raise errors.AffiliateExists()
    username = person.username
    if User.objects.filter(username=username).exists():
        username = _distinct_username(username, service)
    user = user_create(
        username=username,
        email=person.email,
        first_name=person.first_name,
        last_name=person.last_name,
        full_name=person.full_name,
    )
    user.authentication_service = service
    user.stamp_created(actor)
    user.save()
    UserIdentity.objects.create(user=user, authentication_service=service, uid=person.uid)
    return user


@transaction.atomic
def affiliate_register(*, actor, service, person):
    """A user for `person` of `service`'s directory, reached by the identity (`service`, their uid) that their first
    sign-in through `service` then uses: so they can be given project roles before they ever sign in. A username
    another account has already is made distinct as at sign-in (`ann@partner-institute`). 409 when the identity
    exists."""
    for _ in range(_SIGN_IN_ATTEMPTS):
        try:
            with transaction.atomic():
                return _registered(actor, service, person)
        except IntegrityError:
            # Another registration or first sign-in at the same moment took the username or made the identity.
            continue
        except ValidationError as error:
            if _username_taken(error):
                continue
            raise errors.ValidationFailed(
                errors=[(field, message) for field, messages in error.message_dict.items() for message in messages]
            ) from None
    raise errors.ServiceUnavailable(suggestion="many people are being registered at this moment: please try again")


def api_token_from_access_token(*, access_token, authentication_service_id=None):
    """An api_token for the person an identity provider gave `access_token` (docs/api/signin.md). The issuer is asked
    before any transaction opens."""
    service = selectors.signin_service(service_id=authentication_service_id)
    claims = oidc.access_token_claims(service, access_token)
    user = user_sign_in(service=service, claims=claims)
    return api_token_encode(user=user, service=service)
