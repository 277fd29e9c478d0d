"""Who did what and when: the caller behind a request, and the audit columns every resource carries
(docs/api/conventions.md#audit)."""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone


@dataclass(frozen=True)
class Actor:
    """The caller behind a request: a user, and the software agent acting for them when the token says so."""

    user: object
    agent: object = None


def _user_column():
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


def _agent_column():
    return models.ForeignKey(
        "accounts.SoftwareAgent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class Audited(models.Model):
    created_on = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    created_by = _user_column()
    created_by_agent = _agent_column()
    last_updated_on = models.DateTimeField(null=True, blank=True, editable=False)
    last_updated_by = _user_column()
    last_updated_by_agent = _agent_column()
    deleted_on = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = _user_column()
    deleted_by_agent = _agent_column()

    AUDIT_RELATED = (
        "created_by",
        "created_by_agent",
        "last_updated_by",
        "last_updated_by_agent",
        "deleted_by",
        "deleted_by_agent",
    )

    class Meta:
        abstract = True

    def _stamp(self, prefix, actor):
        setattr(self, f"{prefix}_on", timezone.now())
        setattr(self, f"{prefix}_by", actor.user if actor else None)
        setattr(self, f"{prefix}_by_agent", actor.agent if actor else None)

    def stamp_created(self, actor):
        self._stamp("created", actor)

    def stamp_updated(self, actor):
        self._stamp("last_updated", actor)

    def stamp_deleted(self, actor):
        self._stamp("deleted", actor)
