from django.db import transaction
from django.utils import timezone

from dds import errors
from dds.audit import Actor
from dds.authentication import api_token_encode

from .models import ApiKey, SoftwareAgent, User, new_key


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
def api_token_create(*, agent_key, user_key):
    """Mint a token for the user of `user_key` acting through the agent of `agent_key` (CONTRACT §3.3)."""
    agent_row = (
        ApiKey.objects.select_related("software_agent")
        .filter(key=agent_key, software_agent__isnull=False, software_agent__is_deleted=False)
        .first()
    )
    user_row = ApiKey.objects.select_related("user").filter(key=user_key, user__is_active=True).first()
    if agent_row is None or user_row is None:
        raise errors.InvalidKey()
    user = user_row.user
    user.last_login = timezone.now()
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
    agent = (
        SoftwareAgent.objects.filter(created_by=user, name=agent_name, is_deleted=False).order_by("created_on").first()
    )
    if agent is None:
        agent = software_agent_create(actor=Actor(user=user), name=agent_name)
    ensure = api_key_rotate if rotate else api_key_ensure
    return ensure(owner=user), ensure(owner=agent)
