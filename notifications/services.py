"""Notifications by email: rendered in the transaction of the change they tell of, sent by the `send_notification`
job once it committed. A send that fails on the way (the mail server down, a 4xx) is retried by the job layer for as
long as that lasts; a message the server refuses for good (a 5xx) is recorded as failed. Neither ever touches the
change itself."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from dds.jobs.services import job_enqueue

from .models import Notification

Kind = Notification.Kind
State = Notification.State


def _name(user):
    return user.full_name or user.username


def notification_link(path):
    """The address of `path` of the API (`projects/<id>`): absolute when SIGNIN_BASE_URL names the service."""
    return f"{settings.SIGNIN_BASE_URL or ''}/api/v1/{path}"


@transaction.atomic
def notification_create(*, actor_user, kind, link, facts, user=None, to_address=None):
    """Tell `user` (or, for someone without an account yet, `to_address`) of the change `kind` that `actor_user`
    (None: DDS itself) made: `facts` (names, the reason) fill the kind's templates
    (`notifications/templates/notifications/<kind>.*`), `link` is the address of the thing (`notification_link`).
    Nobody is told of their own doing, nor anyone who turned notifications off or has no email or no active
    account."""
    if user is not None:
        if actor_user is not None and actor_user.pk == user.pk:
            return None
        if not (user.is_active and user.email and user.email_notifications):
            return None
        to_address = user.email
    context = {
        **facts,
        "recipient": _name(user) if user is not None else to_address,
        "actor": _name(actor_user) if actor_user is not None else "DDS",
        "link": link,
    }
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        to_address=to_address,
        subject=" ".join(render_to_string(f"notifications/{kind}.subject.txt", context).split())[:255],
        text=render_to_string(f"notifications/{kind}.txt", context),
        html=render_to_string(f"notifications/{kind}.html", context),
    )
    job_enqueue("send_notification", notification.id)
    return notification


def _refused_for_good(error):
    """Whether the mail server refused the message with a permanent (5xx) answer."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _record(notification_id, **fields):
    Notification.objects.filter(pk=notification_id).update(**fields)


def notification_send(*, notification_id):
    """Send a pending notification once (the job's work). A person who turned notifications off since is not sent
    it. A failure on the way is recorded on the notification and raised, so that the job is retried."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id, state=State.PENDING).first()
    if notification is None:
        return
    if notification.user is not None and not notification.user.email_notifications:
        _record(notification_id, state=State.SKIPPED)
        return
    message = EmailMultiAlternatives(notification.subject, notification.text, to=[notification.to_address])
    message.attach_alternative(notification.html, "text/html")
    attempts = notification.attempts + 1
    try:
        message.send()
    except Exception as error:
        failed = State.FAILED if _refused_for_good(error) else State.PENDING
        _record(notification_id, state=failed, attempts=attempts, last_error=f"{type(error).__name__}: {error}")
        if failed == State.FAILED:
            return
        raise
    _record(notification_id, state=State.SENT, attempts=attempts, last_error="", sent_on=timezone.now())
