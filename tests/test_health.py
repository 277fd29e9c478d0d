from datetime import timedelta

import pytest
from django.utils import timezone

from dds.jobs.models import Job
from uploads.models import StorageProvider

pytestmark = pytest.mark.django_db


def test_it_reports_every_part_healthy(anonymous):
    response = anonymous.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == {"ok": True}
    assert body["broker"] == {"ok": True, "adapter": "inline"}
    provider = StorageProvider.objects.get(is_default=True)
    assert body["storage"]["ok"] is True
    assert body["storage"]["providers"][provider.name]["ok"] is True
    assert body["storage"]["providers"][provider.name]["free_mb"] > 0
    nothing = {"count": 0, "oldest_age_seconds": 0}
    assert body["jobs"] == {"ok": True, "unsent": nothing, "failed": 0}
    assert body["not_consistent"] == {
        "initialize_project_storage": nothing,
        "initialize_upload_storage": nothing,
        "complete_upload": nothing,
        "delete_tree": nothing,
        "index_search_document": nothing,
    }


def test_it_counts_work_not_yet_consistent(anonymous, client_for, alice):
    client_for(alice, commit=False).post(
        "/api/v1/projects", {"name": "Waiting", "description": "its job never ran"}, format="json"
    )
    pending = anonymous.get("/health").json()["not_consistent"]["initialize_project_storage"]
    assert pending["count"] == 1
    assert pending["oldest_age_seconds"] >= 0


def test_it_reports_queue_depths_of_the_broker(dramatiq_mode, anonymous):
    broker = anonymous.get("/health").json()["broker"]
    assert broker["ok"] is True
    assert "project_storage_provider_initialization" in broker["queue_depths"]


def test_it_answers_503_naming_an_unreachable_broker(settings, anonymous):
    settings.ACTIVE_JOB_QUEUE_ADAPTER = "dramatiq"
    settings.CLOUDAMQP_URL = "amqp://guest:guest@127.0.0.1:1/"
    response = anonymous.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert (body["error"], body["code"], body["reason"]) == (503, "not_provided", "unhealthy: broker")
    assert body["health"]["broker"]["ok"] is False
    assert body["health"]["database"] == {"ok": True}


def test_it_answers_503_naming_unwritable_storage(settings, anonymous, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.STORAGE_ROOT = blocker
    response = anonymous.get("/health")
    assert response.status_code == 503
    assert response.json()["reason"] == "unhealthy: storage"


def test_it_answers_503_when_storage_has_less_free_space_than_the_floor(settings, anonymous, storage_root):
    settings.STORAGE_MIN_FREE_MB = 10**9  # a petabyte: more than this disk has
    response = anonymous.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["reason"] == "unhealthy: storage"
    (state,) = body["health"]["storage"]["providers"].values()
    assert state["ok"] is False
    assert "below STORAGE_MIN_FREE_MB" in state["error"]


def test_it_answers_503_for_jobs_not_sent_for_longer_than_the_threshold(client_for, alice, anonymous, settings):
    client_for(alice, commit=False).post("/api/v1/projects", {"name": "Unsent", "description": "d"}, format="json")
    Job.objects.update(created_on=timezone.now() - timedelta(seconds=settings.HEALTH_QUEUE_STALL_SECONDS + 5))
    response = anonymous.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["reason"] == "unhealthy: jobs"
    assert body["health"]["jobs"]["unsent"]["count"] == 1
    assert body["health"]["jobs"]["unsent"]["oldest_age_seconds"] >= settings.HEALTH_QUEUE_STALL_SECONDS


def test_it_reports_failed_jobs_without_answering_503(as_alice, anonymous, settings):
    settings.JOB_MAX_RETRIES = 0
    tape = StorageProvider.objects.create(name="Tape", kind="tape")
    as_alice.post("/api/v1/projects", {"name": "Half", "description": "one provider fails"}, format="json")
    StorageProvider.objects.filter(pk=tape.pk).update(is_deprecated=True)  # storage itself is healthy
    response = anonymous.get("/health")
    assert response.status_code == 200
    assert response.json()["jobs"]["failed"] == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_answers_503_for_a_queue_with_a_backlog_and_no_consumer(dramatiq_mode, as_alice, anonymous, settings):
    as_alice.post("/api/v1/projects", {"name": "Waiting", "description": "no worker runs"}, format="json")
    assert anonymous.get("/health").status_code == 200  # a fresh backlog is not a stall
    Job.objects.update(sent_on=timezone.now() - timedelta(seconds=settings.HEALTH_QUEUE_STALL_SECONDS + 5))
    response = anonymous.get("/health")
    assert response.status_code == 503
    broker = response.json()["health"]["broker"]
    assert broker["stalled_queues"] == ["project_storage_provider_initialization"]
    assert broker["consumers"]["project_storage_provider_initialization"] == 0
