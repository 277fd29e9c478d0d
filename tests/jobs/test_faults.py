"""Faults that fit in a few seconds, with nothing lost (bench/faults.py injects them at scale, and more).

A worker SIGKILLed while it verifies: its unacknowledged messages return to RabbitMQ, another worker verifies them,
and each upload ends verified, by one job, once. Every connection of the run's RabbitMQ virtual host closed under
a worker and under the API process: both reconnect, and every job sent is in the message log.
"""

import json
import shutil
import subprocess

import pytest
from django.conf import settings

from dds.jobs.models import Job
from messagelog.capture import QUEUE
from uploads.models import Upload

from ..files.conftest import stored_upload
from ..workers import wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

COUNT = 20


def verified(uploads):
    return Upload.objects.filter(id__in=[u.id for u in uploads], is_consistent=True, error_on__isnull=True).count()


def test_a_worker_killed_while_it_verifies_loses_nothing(project, alice, dramatiq_mode, start_worker):
    uploads = [stored_upload(project, alice, f"bytes {n}".encode() * 50, verified=False) for n in range(COUNT)]
    victim = start_worker("complete_upload")
    wait_until(lambda: verified(uploads) >= 1, interval=0.01)

    victim.kill()
    victim.wait(timeout=30)
    start_worker("complete_upload")

    def job_states(upload):
        return list(
            Job.objects.filter(worker="complete_upload", resource_id=str(upload.id)).values_list("state", flat=True)
        )

    # A verdict commits just before its worker records the job done: wait for both.
    wait_until(
        lambda: verified(uploads) == COUNT and all(job_states(u) == [Job.State.COMPLETE] for u in uploads), timeout=60
    )
    assert [job_states(upload) for upload in uploads] == [[Job.State.COMPLETE]] * COUNT


def _vhost():
    return settings.CLOUDAMQP_URL.rsplit("/", 1)[1] or "/"


@pytest.mark.skipif(shutil.which("rabbitmqctl") is None, reason="closing connections needs rabbitmqctl")
def test_connections_closed_under_a_worker_and_the_api_lose_no_job_and_no_log_entry(
    project, alice, dramatiq_mode, start_worker
):

    if _vhost() == "/":
        pytest.skip("the run has no virtual host of its own: closing every connection would hit other runs")
    dramatiq_mode.channel.queue_declare(QUEUE, durable=True)
    dramatiq_mode.channel.queue_purge(QUEUE)
    start_worker("complete_upload")
    first = [stored_upload(project, alice, f"first {n}".encode(), verified=False) for n in range(COUNT // 2)]
    wait_until(lambda: verified(first) == len(first), timeout=60)

    closed = subprocess.run(
        ["rabbitmqctl", "-q", "close_all_connections", "-p", _vhost(), "fault injection"], capture_output=True
    )
    assert closed.returncode == 0, closed.stderr
    second = [stored_upload(project, alice, f"second {n}".encode(), verified=False) for n in range(COUNT // 2)]

    wait_until(lambda: verified(second) == len(second), timeout=60)
    jobs = Job.objects.filter(worker="complete_upload")
    sent = {str(job_id) for job_id in jobs.filter(sent_on__isnull=False).values_list("id", flat=True)}
    assert jobs.filter(sent_on__isnull=True).count() == 0
    assert len(sent) == COUNT
    logged = []
    while (delivery := _get(dramatiq_mode, QUEUE)) is not None:
        logged.append(json.loads(delivery)["message_id"])
    assert sorted(logged) == sorted(sent)


def _get(broker, queue):
    for _ in range(2):  # the test's own connection was closed too: the first try may find it dead
        try:
            _, _, body = broker.channel.basic_get(queue, auto_ack=True)
            return body
        except Exception:  # noqa: BLE001 (pika's connection errors)
            del broker.connection
    raise AssertionError("cannot read the message log queue")
