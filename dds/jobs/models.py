import uuid

from django.conf import settings
from django.db import models


class Job(models.Model):
    """One background job and how far it got: what an operator reads to learn why a resource is not consistent.

    The table is the jobs' outbox: a job is recorded in the transaction that makes its work visible, and sent (inline:
    run) after that commits; one whose sending failed stays `initialized` with no `sent_on` until the sweeper sends it.
    Its id is the id of the Dramatiq message that carries it. `superseded`: closed because a later job of the same
    worker and arguments took over its work.
    """

    class State(models.TextChoices):
        INITIALIZED = "initialized"
        IN_PROGRESS = "in_progress"
        RETRYING = "retrying"
        COMPLETE = "complete"
        FAILED = "failed"
        SUPERSEDED = "superseded"

    LIVE_STATES = (State.INITIALIZED, State.IN_PROGRESS, State.RETRYING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    worker = models.CharField(max_length=100, db_index=True)
    queue = models.CharField(max_length=100)
    args = models.JSONField(default=list)
    resource_id = models.CharField(max_length=64, db_index=True, help_text="the first argument: the resource's id")
    state = models.CharField(max_length=20, choices=State.choices, default=State.INITIALIZED, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_on = models.DateTimeField(null=True, blank=True)
    started_on = models.DateTimeField(null=True, blank=True)
    finished_on = models.DateTimeField(null=True, blank=True)
    run_after = models.DateTimeField(null=True, blank=True, help_text="when a retrying job's next attempt is due")
    claimed_by = models.CharField(max_length=32, blank=True, help_text="inline: the process that runs it")

    class Meta:
        ordering = ["-created_on"]

    def __str__(self):
        return f"{self.worker}({', '.join(map(str, self.args))}) {self.state}"
