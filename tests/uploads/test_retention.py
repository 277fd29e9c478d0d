"""The retention policy: bytes nobody can reach are freed by `purge_upload` jobs — every upload of a deleted project,
errored uploads, and uploads not made into a file version within UPLOAD_RETENTION_DAYS — on the filesystem and in
S3; the bytes of a file's live version never are."""

import threading
import uuid
from datetime import timedelta

import boto3
import pytest
import requests
from django.db import connection, transaction
from django.utils import timezone

from dds.jobs import sweeper
from dds.jobs.models import Job
from uploads import services
from uploads.models import RetentionMark, Upload
from uploads.selectors import uploads_awaiting_storage

from ..client import API, chunk_body, md5
from ..committing import commit_then_run_jobs
from . import stored

DATA = b"0123456789abcdefghijklmnopqrstuvwxyz"


def stored_files(root):
    return sorted(path for path in root.rglob("*") if path.is_file())


def started_days_ago(upload_id, days):
    Upload.objects.filter(pk=upload_id).update(created_on=timezone.now() - timedelta(days=days))


def sweep(**limit):
    """One pass of the sweeper, which asks the retention sweep for purges (with `limit=`, that call alone); its jobs
    run after its commit (inline mode). Returns how many purges it enqueued."""
    with commit_then_run_jobs():
        return services.upload_retention_sweep(**limit) if limit else sweeper.sweep()["found"]


def purged(upload_id):
    return Upload.objects.get(pk=upload_id).purged_on is not None


@pytest.fixture
def file_from(as_alice, project):
    """`file_from(upload_id)`: POST /files of a completed upload at the top of Alice's project; the file's JSON."""

    def make(upload_id):
        body = {"parent": {"kind": "dds-project", "id": str(project.id)}, "upload": {"id": upload_id}}
        response = as_alice.post(f"{API}/files", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return make


@pytest.fixture
def bad_upload(as_alice, uploaded):
    """`bad_upload(data)`: a chunked upload of `data` completed with another md5, so verification records an error."""

    def make(data, **create):
        upload = uploaded(data, **create)
        wrong = {"hash": {"value": md5(data + b"!"), "algorithm": "md5"}}
        assert as_alice.put(f"{API}/uploads/{upload['id']}/complete", wrong, format="json").status_code == 202
        assert Upload.objects.get(pk=upload["id"]).error_on is not None
        return upload

    return make


# --- filesystem -------------------------------------------------------------------------------------------------


def test_it_frees_every_byte_of_a_deleted_project(
    as_alice, project, default_provider, uploaded, complete, bad_upload, create_upload, file_from, storage_root
):
    kept = uploaded(DATA, name="a file")
    complete(as_alice, kept["id"], DATA)
    file_from(kept["id"])
    never_a_file = uploaded(DATA, name="completed, never a file")
    complete(as_alice, never_a_file["id"], DATA)
    bad_upload(DATA, name="errored")
    uploaded(DATA, name="chunks sent, never completed")
    create_upload(size=len(DATA), name="nothing sent")
    folder = storage_root / str(default_provider.id) / str(project.id)
    assert len(stored_files(folder)) > 3

    response = as_alice.delete(f"{API}/projects/{project.id}")

    assert response.status_code == 204
    assert stored_files(folder) == []
    assert Upload.objects.filter(project=project, purged_on=None).count() == 0
    assert Job.objects.filter(worker="purge_upload").count() == 5


def test_it_purges_an_upload_not_made_into_a_file_within_the_retention_days(
    as_alice, settings, project, default_provider, uploaded, storage_root
):
    settings.UPLOAD_RETENTION_DAYS = 7
    expired = uploaded(DATA, name="expired")
    recent = uploaded(DATA, name="recent")
    started_days_ago(expired["id"], 8)
    started_days_ago(recent["id"], 6)
    folder = storage_root / str(default_provider.id) / str(project.id)

    assert sweep() == 1

    assert not (folder / f"{expired['id']}.chunks").exists()
    assert stored_files(folder / f"{recent['id']}.chunks") != []
    shown = as_alice.get(f"{API}/uploads/{expired['id']}").json()
    assert shown["status"]["purged_on"] is not None
    assert not purged(recent["id"])


def test_it_purges_an_errored_upload_without_waiting(as_alice, project, default_provider, bad_upload, storage_root):
    upload = bad_upload(DATA)
    assert stored.stored_bytes(storage_root, default_provider.id, project.id, upload["id"]) == DATA

    assert sweep() == 1

    assert stored_files(stored.upload_folder(storage_root, default_provider.id, project.id)) == []
    assert purged(upload["id"])


def test_it_removes_what_an_interrupted_transfer_or_assembly_left(project, default_provider, uploaded, storage_root):
    upload = uploaded(DATA)
    folder = storage_root / str(default_provider.id) / str(project.id)
    (folder / f".{upload['id']}.assembling").write_bytes(DATA[:10])
    (folder / f".{upload['id']}.partial-1-2").write_bytes(DATA[:5])
    started_days_ago(upload["id"], 30)

    sweep()

    assert stored_files(folder) == []


def test_it_never_purges_the_bytes_of_a_live_file_version(
    as_alice, anonymous, alice, project, default_provider, client_for, uploaded, complete, file_from, storage_root
):
    """Even an old upload whose verification failed after a file was made of it keeps its bytes while that file
    version is live."""
    waiting = client_for(alice, commit=False)
    good = uploaded(DATA, name="good")
    complete(as_alice, good["id"], DATA)
    made = file_from(good["id"])
    failed = uploaded(DATA, name="failed")
    wrong = {"hash": {"value": md5(b"other"), "algorithm": "md5"}}
    assert waiting.put(f"{API}/uploads/{failed['id']}/complete", wrong, format="json").status_code == 202
    file_from(failed["id"])
    services.upload_verify(upload_id=failed["id"])
    for upload in (good, failed):
        started_days_ago(upload["id"], 365)
    folder = storage_root / str(default_provider.id) / str(project.id)
    before = stored_files(folder)

    assert sweep() == 0
    with commit_then_run_jobs():
        for upload in (good, failed):
            services.upload_purge(upload_id=upload["id"])

    assert stored_files(folder) == before
    assert not purged(good["id"]) and not purged(failed["id"])
    url = as_alice.get(f"{API}/files/{made['id']}/url").json()
    download = anonymous.get(url["url"])
    assert b"".join(download.streaming_content) == DATA


def test_it_purges_the_bytes_of_an_old_file_once_it_is_deleted(as_alice, uploaded, complete, file_from, storage_root):
    upload = uploaded(DATA)
    complete(as_alice, upload["id"], DATA)
    made = file_from(upload["id"])
    started_days_ago(upload["id"], 30)
    assert sweep() == 0

    assert as_alice.delete(f"{API}/files/{made['id']}").status_code == 204

    assert purged(upload["id"])
    assert sweep() == 0


def test_it_is_safe_to_sweep_and_purge_twice(as_alice, settings, project, uploaded, bad_upload, storage_root):
    settings.UPLOAD_RETENTION_DAYS = 1
    expired = uploaded(DATA, name="expired")
    started_days_ago(expired["id"], 2)
    errored = bad_upload(DATA, name="errored")

    assert sweep() == 2
    assert sweep() == 0
    first = {upload.pk: upload.purged_on for upload in Upload.objects.all()}
    with commit_then_run_jobs():
        services.upload_purge(upload_id=expired["id"])
        services.upload_purge(upload_id=errored["id"])

    assert Job.objects.filter(worker="purge_upload").count() == 2
    assert {upload.pk: upload.purged_on for upload in Upload.objects.all()} == first
    assert stored_files(storage_root) == []


def test_it_enqueues_at_most_one_batch_per_sweep(create_upload):
    uploads = [create_upload(size=1, name=f"old {n}") for n in range(5)]
    for upload in uploads:
        started_days_ago(upload["id"], 30)

    assert [sweep(limit=2), sweep(limit=2), sweep(limit=2), sweep(limit=2)] == [2, 2, 1, 0]
    assert Upload.objects.filter(purged_on=None).count() == 0


@pytest.mark.postgresql("SQLite has no row locks")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sweep_leaves_the_work_to_the_sweep_already_at_it(create_upload):
    uploads = [create_upload(size=1, name=f"old {n}") for n in range(3)]
    for upload in uploads:
        started_days_ago(upload["id"], 30)
    RetentionMark.objects.get_or_create(
        pk=1, defaults={"created_on": timezone.now() - timedelta(days=365), "upload_id": uuid.UUID(int=0)}
    )
    held, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                RetentionMark.objects.select_for_update().get(pk=1)
                held.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(timeout=60)
    try:
        first = sweep()
    finally:
        release.set()
        holder.join()

    assert first == 0
    assert not any(purged(upload["id"]) for upload in uploads)
    assert sweep() == 3
    assert sweep() == 0
    assert all(purged(upload["id"]) for upload in uploads)


def test_it_shows_bytes_held_and_what_waits_to_be_purged_in_the_admin(
    operator, as_alice, project, default_provider, uploaded, complete, bad_upload, file_from
):
    kept = uploaded(DATA, name="kept")
    complete(as_alice, kept["id"], DATA)
    file_from(kept["id"])
    errored = bad_upload(DATA * 2, name="errored")

    projects = operator.get("/admin/projects/project/")
    providers = operator.get("/admin/uploads/storageprovider/")
    waiting = operator.get("/admin/uploads/upload/", {"state": "to_purge"})
    project_page = operator.get(f"/admin/projects/project/{project.id}/change/")

    held = f"{len(DATA) * 3}\xa0bytes"
    assert held in projects.content.decode()
    assert held in providers.content.decode()
    assert held in project_page.content.decode()
    assert [upload.pk for upload in waiting.context["cl"].result_list] == [Upload.objects.get(pk=errored["id"]).pk]
    sweep()
    assert f"{len(DATA)}\xa0bytes" in operator.get("/admin/projects/project/").content.decode()
    assert list(operator.get("/admin/uploads/upload/", {"state": "to_purge"}).context["cl"].result_list) == []


# --- S3 ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def s3(s3_provider):
    return boto3.client(
        "s3",
        endpoint_url=s3_provider.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )


@pytest.fixture
def s3_project(alice, s3_provider, make_project):
    """Alice's project with its storage initialized on the S3 provider too (a bucket of its own)."""
    return make_project(alice, "S3 project")


@pytest.fixture
def s3_upload(as_alice, s3_project, s3_provider):
    """`s3_upload(data, complete=…, md5=…)`: an S3 chunked upload of `data` in one part sent to S3; its id."""

    def make(data, *, complete=False, reported_md5=None):
        body = {"name": "s3.bin", "content_type": "application/octet-stream", "size": len(data)}
        body["storage_provider"] = {"id": str(s3_provider.id)}
        created = as_alice.post(f"{API}/projects/{s3_project.id}/uploads", body, format="json")
        assert created.status_code == 201, created.content
        upload_id = created.json()["id"]
        descriptor = as_alice.put(f"{API}/uploads/{upload_id}/chunks", chunk_body(1, data), format="json").json()
        assert requests.put(descriptor["host"] + descriptor["url"], data=data, timeout=10).status_code == 200
        if complete:
            reported = {"hash": {"value": reported_md5 or md5(data), "algorithm": "md5"}}
            assert as_alice.put(f"{API}/uploads/{upload_id}/complete", reported, format="json").status_code == 202
        return upload_id

    return make


def s3_holds(s3, project):
    """The objects and the multipart uploads S3 holds in the project's bucket."""
    bucket = f"dds-{project.id}"
    objects = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    multipart = [item["Key"] for item in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
    return objects, multipart


def test_it_frees_every_byte_of_a_deleted_project_in_s3(as_alice, s3, s3_project, s3_upload):
    s3_upload(DATA)
    s3_upload(DATA * 2, complete=True)
    s3_upload(DATA * 3, complete=True, reported_md5=md5(b"other"))
    objects, multipart = s3_holds(s3, s3_project)
    assert (len(objects), len(multipart)) == (2, 1)

    assert as_alice.delete(f"{API}/projects/{s3_project.id}").status_code == 204

    assert s3_holds(s3, s3_project) == ([], [])
    assert Upload.objects.filter(project=s3_project, purged_on=None).count() == 0


def test_it_aborts_an_expired_multipart_upload_and_one_a_crash_left_unrecorded(s3, s3_project, s3_upload):
    upload_id = s3_upload(DATA)
    upload = Upload.objects.get(pk=upload_id)
    s3.create_multipart_upload(Bucket=f"dds-{s3_project.id}", Key=str(upload.id))
    started_days_ago(upload_id, 30)
    assert len(s3_holds(s3, s3_project)[1]) == 2

    assert sweep() == 1

    assert s3_holds(s3, s3_project) == ([], [])


def test_it_purges_an_errored_s3_upload_and_keeps_a_live_one(as_alice, s3, s3_project, s3_upload):
    errored = s3_upload(DATA, complete=True, reported_md5=md5(b"other"))
    good = s3_upload(DATA * 2, complete=True)
    body = {"parent": {"kind": "dds-project", "id": str(s3_project.id)}, "upload": {"id": good}}
    assert as_alice.post(f"{API}/files", body, format="json").status_code == 201
    started_days_ago(good, 30)

    sweep()
    with commit_then_run_jobs():
        services.upload_purge(upload_id=errored)

    assert s3_holds(s3, s3_project) == ([good], [])
    assert purged(errored) and not purged(good)


def test_it_prepares_no_multipart_upload_for_an_upload_purged_before_its_storage_was(
    alice, client_for, s3, s3_project, s3_provider
):
    waiting = client_for(alice, commit=False)
    body = {"name": "s3.bin", "content_type": "application/octet-stream", "size": 3}
    body["storage_provider"] = {"id": str(s3_provider.id)}
    upload_id = waiting.post(f"{API}/projects/{s3_project.id}/uploads", body, format="json").json()["id"]
    started_days_ago(upload_id, 30)

    assert sweep() == 1
    services.upload_storage_initialize(upload_id=upload_id)

    assert s3_holds(s3, s3_project) == ([], [])
    assert not uploads_awaiting_storage().filter(pk=upload_id).exists()
