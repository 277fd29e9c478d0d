"""In dramatiq mode, verification waits for a worker: the upload stays not consistent until one runs."""

import os

import pytest

from dds.jobs.models import Job

from ..client import md5
from ..workers import queue_depth, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sent_upload(as_alice, project, data):
    """An upload of `data` in one chunk in `project`, its bytes sent, not completed."""
    upload = as_alice.post(
        f"/api/v1/projects/{project['id']}/uploads",
        {"name": "a.bin", "content_type": "application/octet-stream", "size": len(data)},
        format="json",
    ).json()
    url = as_alice.put(
        f"/api/v1/uploads/{upload['id']}/chunks",
        {"number": 1, "size": len(data), "hash": {"value": md5(data), "algorithm": "md5"}},
        format="json",
    ).json()
    assert as_alice.put(url["url"], data, content_type="application/octet-stream").status_code == 201
    return upload


def test_it_stays_not_consistent_until_a_worker_verifies_it(dramatiq_mode, as_alice, start_worker):
    worker = start_worker("initialize_project_storage")
    project = as_alice.post("/api/v1/projects", {"name": "Queued", "description": "d"}, format="json").json()
    wait_until(lambda: as_alice.get(f"/api/v1/projects/{project['id']}").json()["is_consistent"])
    data = os.urandom(2000)
    upload = sent_upload(as_alice, project, data)

    response = as_alice.put(
        f"/api/v1/uploads/{upload['id']}/complete", {"hash": {"value": md5(data), "algorithm": "md5"}}, format="json"
    )
    assert response.status_code == 202
    assert response.json()["status"]["is_consistent"] is None
    assert queue_depth(dramatiq_mode, "upload_completion")["ready"] == 2  # the chunk's follow hint, the job
    assert as_alice.get(f"/api/v1/uploads/{upload['id']}").json()["status"]["is_consistent"] is None

    worker.terminate()
    worker.wait(timeout=30)
    start_worker("complete_upload")
    wait_until(lambda: as_alice.get(f"/api/v1/uploads/{upload['id']}").json()["status"]["is_consistent"])
    status = as_alice.get(f"/api/v1/uploads/{upload['id']}").json()["status"]
    assert status["error_message"] is None
    assert Job.objects.get(worker="complete_upload").state == Job.State.COMPLETE


def test_complete_answers_with_the_verdict_of_a_verification_that_comes_quickly(
    dramatiq_mode, as_alice, start_worker, settings
):
    start_worker("initialize_project_storage", "complete_upload")
    project = as_alice.post("/api/v1/projects", {"name": "Quick", "description": "d"}, format="json").json()
    wait_until(lambda: as_alice.get(f"/api/v1/projects/{project['id']}").json()["is_consistent"])
    data = os.urandom(2000)
    upload = sent_upload(as_alice, project, data)
    settings.COMPLETE_WAIT_SECONDS = 30  # far more than a 2 kB verification takes, even on a loaded machine

    response = as_alice.put(
        f"/api/v1/uploads/{upload['id']}/complete", {"hash": {"value": md5(data), "algorithm": "md5"}}, format="json"
    )

    assert response.status_code == 202
    assert response.json()["status"]["is_consistent"] is True
    assert response.json()["status"]["error_message"] is None
