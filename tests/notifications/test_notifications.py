"""Notifications by email, sent through a real SMTP server on loopback (aiosmtpd) by the `send_notification` job
after the change commits: who gets what, with which subject and link, the retry while the server is down, a refusal
for good, and the opt-out."""

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from dds.accounts.models import User
from dds.audit import Actor
from dds.jobs.models import Job
from dds.jobs.sweeper import sweep
from notifications.models import Notification
from projects.models import ProjectPermission, ProjectTransfer
from projects.transfers import services as transfer_services

from ..client import Chunks, TestApi, md5
from ..committing import commit_then_run_jobs
from .conftest import BASE_URL, SmtpServer

FOOTER = "To stop them, set email_notifications to false with\nPUT /api/v1/current_user."


def put_role(client, project, user, role_id):
    return client.put(
        f"/api/v1/projects/{project.id}/permissions/{user.id}", {"auth_role": {"id": role_id}}, format="json"
    )


def only_message(smtp):
    assert len(smtp.mailbox.messages) == 1, [message.subject for message in smtp.mailbox.messages]
    return smtp.mailbox.messages[0]


def link_in(message):
    """The link of the message, the same in its text and its HTML part."""
    [text_link] = re.findall(r"^(https://\S+)$", message.text, re.MULTILINE)
    assert f'<a href="{text_link}">{text_link}</a>' in message.html
    return text_link


def test_a_person_given_a_role_is_told_which_on_which_project(as_alice, bob, project, smtp):
    response = put_role(as_alice, project, bob, "file_editor")

    assert response.status_code == 200
    message = only_message(smtp)
    assert message.recipients == ["bob@example.org"]
    assert message.sender == "DDS <dds@example.edu>"
    assert message.subject == "Alice Liddell gave you the role File Editor on the project Mouse RNA-seq"
    assert message.text.startswith("Dear Bob Builder,\n\nAlice Liddell gave you the role File Editor on the project")
    assert FOOTER in message.text
    assert "<strong>File Editor</strong>" in message.html
    assert link_in(message) == f"{BASE_URL}/api/v1/projects/{project.id}"
    notification = Notification.objects.get()
    assert (notification.state, notification.attempts, notification.kind) == ("sent", 1, "role_given")


def test_a_person_whose_role_is_removed_is_told(as_alice, bob, project, grant, smtp):
    grant(project, bob, "project_viewer")
    smtp.mailbox.messages.clear()

    response = as_alice.delete(f"/api/v1/projects/{project.id}/permissions/{bob.id}")

    assert response.status_code == 204
    message = only_message(smtp)
    assert message.recipients == ["bob@example.org"]
    assert message.subject == "Alice Liddell removed your role on the project Mouse RNA-seq"
    assert "you no longer have access to it" in message.text
    assert link_in(message) == f"{BASE_URL}/api/v1/projects/{project.id}"


def test_names_are_escaped_in_the_html_part_only(as_alice, bob, make_project, alice, smtp):
    project = make_project(alice, "<b>RNA</b> & co")

    put_role(as_alice, project, bob, "project_viewer")

    message = only_message(smtp)
    assert message.subject == "Alice Liddell gave you the role Project Viewer on the project <b>RNA</b> & co"
    assert "on the project <b>RNA</b> & co in DDS." in message.text
    assert "<strong>&lt;b&gt;RNA&lt;/b&gt; &amp; co</strong>" in message.html


def test_no_one_is_told_of_their_own_doing(as_alice, alice, bob, project, grant, smtp):
    grant(project, bob, "project_admin")

    response = put_role(as_alice, project, alice, "file_editor")

    assert response.status_code == 200
    assert smtp.mailbox.messages == []
    assert not Notification.objects.filter(user=alice).exists()


def test_the_recipients_of_a_transfer_are_told_of_the_offer(as_alice, project, bob, carol, smtp):
    response = as_alice.post(
        f"/api/v1/projects/{project.id}/transfers",
        {"to_users": [{"id": str(bob.id)}, {"id": str(carol.id)}]},
        format="json",
    )

    assert response.status_code == 201
    transfer_id = response.json()["id"]
    messages = sorted(smtp.mailbox.messages, key=lambda message: message.recipients)
    assert [message.recipients for message in messages] == [["bob@example.org"], ["carol@example.org"]]
    for message in messages:
        assert message.subject == "Alice Liddell offers you the project Mouse RNA-seq"
        assert link_in(message) == f"{BASE_URL}/api/v1/project_transfers/{transfer_id}"


@pytest.mark.parametrize(
    "action, verb, who", [("accept", "accepted", "bob"), ("reject", "rejected", "bob")], ids=["accept", "reject"]
)
def test_the_sender_is_told_when_a_recipient_answers_with_the_reason(
    client_for, project, bob, carol, make_transfer, smtp, action, verb, who
):
    transfer = make_transfer(project, bob, carol)
    smtp.mailbox.messages.clear()

    response = client_for(bob).put(
        f"/api/v1/project_transfers/{transfer.id}/{action}", {"status_comment": "see you at the lab"}, format="json"
    )

    assert response.status_code == 200
    message = only_message(smtp)
    assert message.recipients == ["alice@example.org"]
    assert message.subject == f"Bob Builder {verb} the transfer of the project Mouse RNA-seq"
    assert "Reason: see you at the lab" in message.text
    assert "<p>Reason: see you at the lab</p>" in message.html
    assert link_in(message) == f"{BASE_URL}/api/v1/project_transfers/{transfer.id}"


def test_the_recipients_are_told_when_the_sender_cancels(as_alice, project, bob, carol, make_transfer, smtp):
    transfer = make_transfer(project, bob, carol)
    smtp.mailbox.messages.clear()

    response = as_alice.put(f"/api/v1/project_transfers/{transfer.id}/cancel", {}, format="json")

    assert response.status_code == 200
    assert sorted(message.recipients for message in smtp.mailbox.messages) == [
        ["bob@example.org"],
        ["carol@example.org"],
    ]
    assert {message.subject for message in smtp.mailbox.messages} == {
        "Alice Liddell canceled the transfer of the project Mouse RNA-seq"
    }


def test_the_recipients_are_told_when_deleting_the_project_cancels_its_transfer(
    as_alice, project, bob, make_transfer, smtp
):
    make_transfer(project, bob)
    smtp.mailbox.messages.clear()

    response = as_alice.delete(f"/api/v1/projects/{project.id}")

    assert response.status_code == 204
    message = only_message(smtp)
    assert message.recipients == ["bob@example.org"]
    assert f"Reason: {transfer_services.SYSTEM_CANCEL_COMMENT}" in message.text


def test_the_uploader_is_told_when_an_upload_fails_its_integrity_check(as_alice, project, smtp):
    upload = TestApi(as_alice).upload(project.id, Chunks(b"hello world", 4), reported_md5=md5(b"other"), form=False)

    status = as_alice.get(f"/api/v1/uploads/{upload['id']}").json()["status"]
    assert status["error_message"]
    message = only_message(smtp)
    assert message.recipients == ["alice@example.org"]
    assert message.subject == "Your upload of data.bin to Mouse RNA-seq failed its integrity check"
    assert f"failed its integrity check in DDS: {status['error_message']}." in message.text
    assert link_in(message) == f"{BASE_URL}/api/v1/uploads/{upload['id']}"


def test_a_verified_upload_tells_no_one(as_alice, project, smtp):
    TestApi(as_alice).upload(project.id, Chunks(b"hello world", 4), form=False)

    assert smtp.mailbox.messages == []


def retry_due_jobs():
    """Make the retries due now, and run the sweeper's pass that runs them, as a web process's would."""
    Job.objects.filter(state=Job.State.RETRYING).update(run_after=timezone.now() - timedelta(seconds=1))
    with commit_then_run_jobs():
        sweep()


def test_a_send_is_retried_while_the_mail_server_is_down_and_never_undoes_the_change(as_alice, bob, project, smtp_port):
    response = put_role(as_alice, project, bob, "file_editor")

    assert response.status_code == 200
    assert ProjectPermission.objects.get(project=project, user=bob).auth_role_id == "file_editor"
    notification = Notification.objects.get()
    assert (notification.state, notification.attempts) == ("pending", 1)
    assert notification.last_error.startswith("ConnectionRefusedError: ")
    job = Job.objects.get(worker="send_notification")
    assert job.state == Job.State.RETRYING

    retry_due_jobs()
    assert Notification.objects.get().attempts == 2

    server = SmtpServer(smtp_port)
    server.start()
    try:
        retry_due_jobs()
    finally:
        server.stop()

    notification.refresh_from_db()
    assert (notification.state, notification.attempts, notification.last_error) == ("sent", 3, "")
    assert [message.recipients for message in server.mailbox.messages] == [["bob@example.org"]]
    assert Job.objects.get(worker="send_notification").state == Job.State.COMPLETE


def test_a_message_the_server_refuses_for_good_is_recorded_as_failed_and_not_retried(as_alice, bob, project, smtp):
    smtp.mailbox.refuse.add("bob@example.org")

    put_role(as_alice, project, bob, "file_editor")

    notification = Notification.objects.get()
    assert (notification.state, notification.attempts) == ("failed", 1)
    assert "550" in notification.last_error
    assert Job.objects.get(worker="send_notification").state == Job.State.COMPLETE


def test_a_person_can_turn_notifications_off(client_for, as_alice, bob, project, smtp):
    as_bob = client_for(bob)
    assert as_bob.get("/api/v1/current_user").json()["email_notifications"] is True

    turned_off = as_bob.put("/api/v1/current_user", {"email_notifications": False}, format="json")
    put_role(as_alice, project, bob, "file_editor")

    assert turned_off.status_code == 200
    assert turned_off.json()["email_notifications"] is False
    assert as_bob.get("/api/v1/current_user").json()["email_notifications"] is False
    assert smtp.mailbox.messages == []
    assert not Notification.objects.exists()


def test_a_message_waiting_when_its_person_turns_notifications_off_is_not_sent(
    client_for, as_alice, bob, project, smtp_port
):
    put_role(as_alice, project, bob, "file_editor")
    client_for(bob).put("/api/v1/current_user", {"email_notifications": False}, format="json")
    server = SmtpServer(smtp_port)
    server.start()
    try:
        retry_due_jobs()
    finally:
        server.stop()

    assert Notification.objects.get().state == "skipped"
    assert server.mailbox.messages == []


@pytest.mark.parametrize("body", [{}, {"email_notifications": "perhaps"}, {"email_notifications": None}])
def test_it_refuses_a_setting_it_cannot_read(as_alice, body):
    response = as_alice.put("/api/v1/current_user", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "email_notifications"
    assert User.objects.get(username="alice").email_notifications is True


def test_the_admin_shows_sent_and_failed_messages(operator, as_alice, bob, carol, project, smtp):
    smtp.mailbox.refuse.add("carol@example.org")
    put_role(as_alice, project, bob, "file_editor")
    put_role(as_alice, project, carol, "file_editor")

    sent = operator.get("/admin/notifications/notification/?state__exact=sent").content.decode()
    failed = operator.get("/admin/notifications/notification/?state__exact=failed").content.decode()

    assert "bob@example.org" in sent and "carol@example.org" not in sent
    assert "carol@example.org" in failed and "bob@example.org" not in failed


def test_a_rolled_back_change_sends_nothing(alice, bob, project, smtp):
    with pytest.raises(RuntimeError), transaction.atomic():
        transfer_services.project_transfer_create(actor=Actor(user=alice), project=project, to_user_ids=[bob.id])
        raise RuntimeError("the request failed after the offer")

    assert not ProjectTransfer.objects.exists()
    assert not Notification.objects.exists()
    assert smtp.mailbox.messages == []
