import uuid

from django.conf import settings
from django.db import models


class PendingMessage(models.Model):
    """Inline mode's stand-in for the `message_log` queue: entries wait here for `index_messages`."""

    message_id = models.UUIDField()
    entry = models.JSONField()
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.entry.get('actor')} {self.message_id}"


class LoggedMessage(models.Model):
    """The database index of the message log (when no ELASTICSEARCH_URL is set): one row per job message."""

    message_id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    queue = models.CharField(max_length=100, db_index=True)
    actor = models.CharField(max_length=100, db_index=True)
    args = models.JSONField(default=list)
    resource_id = models.CharField(max_length=64, blank=True, db_index=True)
    enqueued_on = models.DateTimeField(db_index=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    indexed_on = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-enqueued_on"]

    def __str__(self):
        return f"{self.actor}({', '.join(map(str, self.args))})"
