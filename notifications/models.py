import uuid

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """An email telling a person what was done that concerns them, rendered when it was done and sent by the
    `send_notification` job after that change committed."""

    class Kind(models.TextChoices):
        ROLE_GIVEN = "role_given", "given a project role"
        ROLE_REMOVED = "role_removed", "project role removed"
        TRANSFER_PROPOSED = "transfer_proposed", "project offered"
        TRANSFER_ACCEPTED = "transfer_accepted", "project transfer accepted"
        TRANSFER_REJECTED = "transfer_rejected", "project transfer rejected"
        TRANSFER_CANCELED = "transfer_canceled", "project transfer canceled"
        UPLOAD_FAILED = "upload_failed", "upload failed its integrity check"
        INVITATION = "invitation", "invited into a project"

    class State(models.TextChoices):
        PENDING = "pending", "waiting to be sent"
        SENT = "sent", "sent"
        FAILED = "failed", "refused by the mail server"
        SKIPPED = "skipped", "not sent: the person turned notifications off or has no email"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="blank: an address that is nobody's account yet (an invitation)",
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    to_address = models.CharField(max_length=254)
    subject = models.CharField(max_length=255)
    text = models.TextField()
    html = models.TextField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_on = models.DateTimeField(auto_now_add=True)
    sent_on = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_on"]
        indexes = [models.Index(fields=["state", "created_on"])]

    def __str__(self):
        return f"{self.subject} to {self.to_address}"
