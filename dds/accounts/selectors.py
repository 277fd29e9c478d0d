from django.db.models import Subquery, prefetch_related_objects

from dds import errors
from dds.lookups import parse_uuid

from . import directory
from .models import ApiKey, AuthenticationService, Directory, SoftwareAgent, User


def session_of(*, user_id, agent_id=None):
    """`(user, agent)` for an api_token's claims in one query: the active user, and the live agent when `agent_id` is
    given (else None); None when either is missing. The agent's columns ride along as subqueries of the user's row."""
    users = User.objects.filter(pk=user_id, is_active=True)
    if agent_id is None:
        user = users.first()
        return None if user is None else (user, None)
    agent = SoftwareAgent.objects.filter(pk=agent_id, is_deleted=False)
    columns = [field.attname for field in SoftwareAgent._meta.concrete_fields]
    row = users.annotate(**{f"session_agent_{column}": Subquery(agent.values(column)) for column in columns}).first()
    if row is None or row.session_agent_id is None:
        return None
    values = [getattr(row, f"session_agent_{column}") for column in columns]
    return row, SoftwareAgent.from_db(SoftwareAgent.objects.db, columns, values)


_NO_SIGNIN_SERVICE = "no identity provider is configured here: an operator adds one in the admin"


def user_detail(user):
    """`user` (a row already read, as authentication reads it) with what UserSerializer reads of it loaded."""
    prefetch_related_objects([user], "identities__authentication_service", *User.AUDIT_RELATED)
    return user


def users():
    return (
        User.objects.filter(is_active=True)
        .prefetch_related("identities__authentication_service")
        .select_related(*User.AUDIT_RELATED)
    )


def user_list(*, full_name_contains="", first_name_begins_with="", last_name_begins_with="", username="", email=""):
    """Users matching every given filter (docs/api/authentication.md#users); an empty value is no filter."""
    queryset = users()
    if full_name_contains:
        queryset = queryset.filter(full_name__icontains=full_name_contains)
    if first_name_begins_with:
        queryset = queryset.filter(first_name__istartswith=first_name_begins_with)
    if last_name_begins_with:
        queryset = queryset.filter(last_name__istartswith=last_name_begins_with)
    if username:
        queryset = queryset.filter(username=username)
    if email:
        queryset = queryset.filter(email=email)
    return queryset.order_by("username", "id")


def software_agents():
    return SoftwareAgent.objects.select_related(*SoftwareAgent.AUDIT_RELATED)


def auth_providers():
    return AuthenticationService.objects.order_by("-created_on", "id")


def signin_services():
    """The OpenID Connect services people choose from at /login: those not deprecated, oldest first."""
    return AuthenticationService.objects.filter(kind=AuthenticationService.Kind.OPENID, is_deprecated=False).order_by(
        "created_on", "id"
    )


def default_signin_service():
    """The OpenID Connect service used when none is named (the default provider): the default service when it is
    OpenID Connect, else the oldest one not deprecated; None when there is none."""
    openid = AuthenticationService.objects.filter(kind=AuthenticationService.Kind.OPENID)
    return openid.filter(is_default=True).first() or signin_services().first()


def signin_service(*, service_id=None):
    """The OpenID Connect service a person signs in through: the one whose `service_id` is given, else the default
    provider (`default_signin_service`)."""
    if service_id is not None:
        key = parse_uuid(service_id)
        service = AuthenticationService.objects.filter(service_id=key).first() if key else None
        if service is None:
            raise errors.UnknownAuthenticationService()
    else:
        service = default_signin_service()
        if service is None:
            raise errors.InvalidAccessToken(suggestion=_NO_SIGNIN_SERVICE)
    if service.kind != AuthenticationService.Kind.OPENID:
        raise errors.InvalidAccessToken(suggestion="this authentication service has no identity provider to ask")
    return service


def _local_person(user):
    return directory.Person(
        uid=user.username,
        username=user.username,
        full_name=user.full_name,
        first_name=user.first_name,
        last_name=user.last_name,
        email=user.email,
    )


def _institution_directory(service):
    """The LDAP directory of `service`, or None; 400 for a service with no directory of any kind."""
    if service.kind == AuthenticationService.Kind.LOCAL:
        return None
    found = Directory.objects.filter(authentication_service=service).first()
    if found is None:
        raise errors.NoDirectory()
    return found


def affiliate_list(*, service, username="", email="", full_name_contains=""):
    """The people of `service`'s directory matching every given filter, as `directory.Person`s; none without a
    filter, nor for a `full_name_contains` shorter than 3 characters (docs/api/signin.md#affiliates-authenticated).

    An OpenID Connect service's directory is the LDAP directory an operator attached to it. The local service's is
    its active users, matched as `GET /users` matches them, so that a person a client did not find there is not
    found here either.
    """
    ldap = _institution_directory(service)
    filters = {"username": username, "email": email, "full_name_contains": full_name_contains}
    if ldap is not None:
        return directory.people(ldap, **filters)
    if not (username or email or len(full_name_contains) >= directory.FULL_NAME_MIN_LENGTH):
        return []
    users = user_list(**filters).prefetch_related(None).select_related(None)
    return [_local_person(user) for user in users[: directory.SEARCH_LIMIT]]


def affiliate_get(*, service, uid):
    ldap = _institution_directory(service)
    if ldap is not None:
        person = directory.person(ldap, uid)
        if person is None:
            raise errors.AffiliateNotFound()
        return person
    user = User.objects.filter(is_active=True, username=uid).first()
    if user is None:
        raise errors.AffiliateNotFound(
            suggestion=f"no user {uid!r} here: an operator adds one with `manage.py create_client_config --create-user`"
        )
    return _local_person(user)


def client_agent(*, user, name):
    """The user's oldest live software agent called `name`, or None."""
    return SoftwareAgent.objects.filter(created_by=user, name=name, is_deleted=False).order_by("created_on").first()


def client_keys(*, user, agent_name):
    """`(user key, agent key)` of a DDS client config for `user`; either is None when it does not exist yet."""
    agent = client_agent(user=user, name=agent_name)
    user_key = ApiKey.objects.filter(user=user).first()
    agent_key = ApiKey.objects.filter(software_agent=agent).first() if agent else None
    return user_key, agent_key
