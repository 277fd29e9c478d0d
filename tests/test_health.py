import pytest

from uploads.models import StorageProvider

pytestmark = pytest.mark.django_db


def test_it_reports_every_part_healthy(anonymous):
    response = anonymous.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == {"ok": True}
    assert body["broker"] == {"ok": True, "adapter": "inline"}
    provider = StorageProvider.objects.get(is_default=True)
    assert body["storage"] == {"ok": True, "providers": {provider.name: {"ok": True}}}
    nothing = {"count": 0, "oldest_age_seconds": 0}
    assert body["not_consistent"] == {
        "project_storage": nothing,
        "upload_storage": nothing,
        "upload_verification": nothing,
    }


def test_it_counts_work_not_yet_consistent(anonymous, client_for, alice):
    client_for(alice, commit=False).post(
        "/api/v1/projects", {"name": "Waiting", "description": "its job never ran"}, format="json"
    )
    pending = anonymous.get("/health").json()["not_consistent"]["project_storage"]
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
