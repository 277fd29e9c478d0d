"""An upload's lifecycle as Upload.State names it, walked over the API: what each state lets a client do."""

import pytest

from uploads import services
from uploads.models import Upload

from ..client import Chunks, TestApi, md5

DATA = b"lifecycle bytes " * 4


def state(upload):
    return Upload.objects.get(pk=upload["id"]).state


def test_it_walks_from_open_through_verifying_to_verified_and_purged(alice, client_for, uploaded):
    upload = uploaded(DATA)
    assert state(upload) == Upload.State.OPEN

    TestApi(client_for(alice, commit=False)).upload_complete(upload["id"], md5(DATA))
    assert state(upload) == Upload.State.VERIFYING
    assert Upload.objects.awaiting_verification().filter(pk=upload["id"]).exists()

    services.upload_verify(upload_id=upload["id"])
    assert state(upload) == Upload.State.VERIFIED
    assert Upload.objects.verified().filter(pk=upload["id"]).exists()

    services.upload_purge(upload_id=upload["id"])
    assert state(upload) == Upload.State.PURGED


def test_it_fails_an_upload_whose_bytes_are_not_those_registered(as_alice, uploaded):
    upload = uploaded(DATA)

    TestApi(as_alice).upload_complete(upload["id"], md5(b"other bytes"))

    assert state(upload) == Upload.State.FAILED
    assert list(Upload.objects.failed().values_list("id", flat=True)) == [Upload.objects.get(pk=upload["id"]).pk]


def test_a_completed_upload_takes_no_more_chunks(as_alice, uploaded):
    upload = uploaded(DATA)
    api = TestApi(as_alice)
    api.upload_complete(upload["id"], md5(DATA))

    with pytest.raises(AssertionError, match="400"):
        api.chunks_send(upload["id"], Chunks(DATA, 16))
    assert state(upload) == Upload.State.VERIFIED
