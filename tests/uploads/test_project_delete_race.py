"""A chunk or non-chunked PUT in flight while its project is deleted (issue 32, item 4): the deletion's purge removes
the upload's bytes, and the PUT, once its body has arrived, answers what its URL answers from then on (404 `Upload
Not Found`), never a 500; nothing of it is kept, and the bytes of another project's upload are intact."""

import pytest

from uploads.models import Chunk, Upload

from ..client import API, md5
from ..envelopes import not_found
from ..workers import wait_until
from . import stored
from .test_races import DATA, HeldTransfer, receiving, register
from .test_transfer import files_under

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def kept(alice, make_project, uploaded, storage_root):
    """Another project's chunked upload, every chunk sent, and the paths of its chunk files."""
    upload = uploaded(DATA, on=make_project(alice, "Kept"))
    paths = stored.chunk_files(storage_root, upload["storage_provider"]["id"], upload["project"]["id"], upload["id"])
    return upload, paths


def deleted_meanwhile(client, project, held):
    """Delete the project (its purge jobs run inline, on commit), then send the rest of the held body."""
    assert client.delete(f"{API}/projects/{project.id}").status_code == 204
    return held.finish()


def assert_only_the_kept_bytes_remain(client, storage_root, kept):
    upload, paths = kept
    assert files_under(storage_root) == sorted(str(path.relative_to(storage_root)) for path in paths)
    completed = client.put(
        f"{API}/uploads/{upload['id']}/complete", {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json"
    )
    assert completed.status_code == 202
    verified = Upload.objects.get(pk=upload["id"])
    assert (verified.is_consistent, verified.error_message, verified.stored_md5) == (True, None, md5(DATA))


def test_a_chunk_put_in_flight_while_its_project_is_deleted_is_refused(
    live_server, as_alice, project, create_upload, storage_root, kept
):
    upload = create_upload(size=16)
    held = HeldTransfer(live_server, register(as_alice, upload, 1, DATA[:16]), DATA[:16], sent=8)
    receiving(storage_root, upload, 1)

    status, body = deleted_meanwhile(as_alice, project, held)

    assert (status, body) == (404, not_found("Upload"))
    assert Chunk.objects.get(upload_id=upload["id"]).is_stored is False
    assert Upload.objects.get(pk=upload["id"]).purged_on is not None
    assert_only_the_kept_bytes_remain(as_alice, storage_root, kept)


def test_a_non_chunked_put_in_flight_while_its_project_is_deleted_is_refused(
    live_server, as_alice, project, create_upload, storage_root, kept
):
    upload = create_upload(size=len(DATA), chunked=False)
    held = HeldTransfer(live_server, upload["signed_url"]["url"], DATA, sent=8)
    folder = storage_root / upload["storage_provider"]["id"] / upload["project"]["id"]

    def partial_file():
        """the storage endpoint is receiving the held body"""
        return any(folder.glob(f".{upload['id']}.partial-*"))

    wait_until(partial_file)

    status, body = deleted_meanwhile(as_alice, project, held)

    assert (status, body) == (404, not_found("Upload"))
    assert Upload.objects.get(pk=upload["id"]).purged_on is not None
    assert_only_the_kept_bytes_remain(as_alice, storage_root, kept)
