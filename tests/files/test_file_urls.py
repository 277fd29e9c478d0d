"""GET /files/{id}/url and GET /file_versions/{id}/url: signed downloads, consistency, integrity
(docs/api/files.md#download-urls)."""

import uuid

import pytest

from files.models import Container, FileVersion
from uploads import services as uploads
from uploads.hashes import HASH_MISMATCH
from uploads.models import Upload

from ..client import API
from ..envelopes import FORBIDDEN, NOT_CONSISTENT, has_no_paging_headers, not_found
from .conftest import download, stored_file, stored_upload

DATA = b"0123456789" * 50
INTEGRITY = {
    "error": 400,
    "code": "not_provided",
    "reason": HASH_MISMATCH,
    "suggestion": "You must begin a new upload process",
}


def file_url(data_file):
    return f"{API}/files/{data_file.id}/url"


def version_url(data_file):
    return f"{API}/file_versions/{data_file.current_version_id}/url"


@pytest.fixture(params=["file", "file version"])
def url_of(request):
    """Both endpoints behave alike for the current version: the test runs once for each."""
    return file_url if request.param == "file" else version_url


def test_it_gives_a_signed_url_that_downloads_exactly_the_bytes(as_alice, anonymous, file_of, url_of):
    made = Container.objects.get(pk=file_of(DATA, name="reads.fastq")["id"])

    response = as_alice.get(url_of(made))

    assert response.status_code == 200
    descriptor = response.json()
    assert set(descriptor) == {"http_verb", "host", "url", "http_headers"}
    assert (descriptor["http_verb"], descriptor["host"], descriptor["http_headers"]) == ("GET", "http://testserver", [])
    assert has_no_paging_headers(response)
    fetched = download(anonymous, descriptor)
    assert fetched.status_code == 200
    assert fetched.bytes == DATA
    assert fetched["Content-Disposition"] == 'attachment; filename="reads.fastq"'


def test_it_names_the_download_after_the_files_current_name(as_alice, anonymous, alice, project, url_of):
    made = stored_file(project, alice, None, DATA, "old.txt")
    as_alice.put(f"{API}/files/{made.id}/rename", {"name": "résumé 1.txt"}, format="json")

    fetched = download(anonymous, as_alice.get(url_of(made)).json())

    assert fetched.bytes == DATA
    assert fetched["Content-Disposition"] == "attachment; filename*=utf-8''r%C3%A9sum%C3%A9%201.txt"


def test_it_downloads_an_older_version_by_its_own_url(as_alice, anonymous, alice, project):
    data_file = stored_file(project, alice, None, b"first", "reads")
    second = stored_upload(project, alice, b"second", "ignored name")
    as_alice.put(f"{API}/files/{data_file.id}", {"upload": {"id": str(second.id)}}, format="json")
    first_version = FileVersion.objects.get(file=data_file, version=1)

    older = download(anonymous, as_alice.get(f"{API}/file_versions/{first_version.id}/url").json())
    current = download(anonymous, as_alice.get(f"{API}/files/{data_file.id}/url").json())

    assert (older.bytes, older["Content-Disposition"]) == (b"first", 'attachment; filename="reads"')
    assert (current.bytes, current["Content-Disposition"]) == (b"second", 'attachment; filename="reads"')


def test_it_answers_404_not_consistent_with_retry_after_while_the_upload_is_unverified(
    as_alice, alice, project, url_of
):
    made = stored_file(project, alice, state="unverified")

    response = as_alice.get(url_of(made))

    assert response.status_code == 404
    assert response.json() == NOT_CONSISTENT
    assert int(response["Retry-After"]) >= 1


def test_it_asks_to_wait_for_the_bytes_queued_for_verification_before_the_upload(as_alice, alice, project):
    """Retry-After counts the unverified bytes completed up to this upload, at 200 MB a second, rounded up."""
    earlier = stored_upload(project, alice, verified=False)
    made = stored_file(project, alice, state="unverified")
    later = stored_upload(project, alice, verified=False)
    Upload.objects.filter(pk__in=[earlier.pk, made.current_version.upload_id, later.pk]).update(size=250_000_000)

    queued_behind_one = as_alice.get(file_url(made))
    uploads.upload_verify(upload_id=earlier.pk)
    queued_first = as_alice.get(file_url(made))

    assert (queued_behind_one.status_code, queued_behind_one["Retry-After"]) == (404, "3")
    assert (queued_first.status_code, queued_first["Retry-After"]) == (404, "2")


def test_it_answers_400_integrity_once_verification_failed(as_alice, alice, project, url_of):
    made = stored_file(project, alice, state="failed")

    response = as_alice.get(url_of(made))

    assert response.status_code == 400
    assert response.json() == INTEGRITY
    assert "Retry-After" not in response


@pytest.mark.parametrize("role, status", [("project_viewer", 403), ("file_uploader", 403), ("file_downloader", 200)])
def test_it_requires_download_file(client_for, alice, bob, project, grant, url_of, role, status):
    made = stored_file(project, alice)
    grant(project, bob, role)

    response = client_for(bob).get(url_of(made))

    assert response.status_code == status
    if status == 403:
        assert response.json() == FORBIDDEN


def test_it_answers_403_before_telling_about_consistency(client_for, alice, bob, project, grant, url_of):
    made = stored_file(project, alice, state="unverified")
    grant(project, bob, "project_viewer")

    response = client_for(bob).get(url_of(made))

    assert (response.status_code, response.json()) == (403, FORBIDDEN)


@pytest.mark.parametrize("path, model", [("files", "DataFile"), ("file_versions", "FileVersion")])
def test_it_answers_404_for_an_unknown_id_before_403(as_bob, alice, project, path, model):
    data_file = stored_file(project, alice)
    known = data_file.id if path == "files" else data_file.current_version_id

    unknown = as_bob.get(f"{API}/{path}/{uuid.uuid4()}/url")
    malformed = as_bob.get(f"{API}/{path}/nope/url")
    forbidden = as_bob.get(f"{API}/{path}/{known}/url")

    assert (unknown.status_code, unknown.json()) == (404, not_found(model))
    assert (malformed.status_code, malformed.json()) == (404, not_found(model))
    assert (forbidden.status_code, forbidden.json()) == (403, FORBIDDEN)


def test_it_answers_404_for_a_deleted_file_or_version(as_alice, alice, project):
    data_file = stored_file(project, alice)
    second = stored_upload(project, alice, b"second")
    as_alice.put(f"{API}/files/{data_file.id}", {"upload": {"id": str(second.id)}}, format="json")
    first_version = FileVersion.objects.get(file=data_file, version=1)
    as_alice.delete(f"{API}/file_versions/{first_version.id}")

    deleted_version = as_alice.get(f"{API}/file_versions/{first_version.id}/url")
    as_alice.delete(f"{API}/files/{data_file.id}")
    deleted_file = as_alice.get(f"{API}/files/{data_file.id}/url")
    current_version = FileVersion.objects.get(file=data_file, version=2)
    version_of_deleted_file = as_alice.get(f"{API}/file_versions/{current_version.id}/url")

    assert (deleted_version.status_code, deleted_version.json()) == (404, not_found("FileVersion"))
    assert (deleted_file.status_code, deleted_file.json()) == (404, not_found("DataFile"))
    assert (version_of_deleted_file.status_code, version_of_deleted_file.json()) == (404, not_found("FileVersion"))
