"""An object of more chunk files than the process may open at once downloads whole (issue 32, item 9): the signed
download endpoint reads its chunk files one after the other. The open-file limit is lowered for the test, to a few
descriptors more than the process holds already, and the object has more chunks than those few."""

import os
import resource

import pytest

from ..client import API
from .test_transfer import download_url

SPARE_DESCRIPTORS = 32
CHUNKS = 3 * SPARE_DESCRIPTORS


@pytest.fixture
def few_open_files():
    """The soft open-file limit lowered to the descriptors open now plus SPARE_DESCRIPTORS, restored afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) + SPARE_DESCRIPTORS, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_it_downloads_an_object_of_more_chunks_than_open_files_allow(
    as_alice, anonymous, uploaded, complete, few_open_files
):
    data = os.urandom(16 * CHUNKS)
    upload = uploaded(data, chunk_size=16)
    complete(as_alice, upload["id"], data)
    parent = {"kind": "dds-project", "id": upload["project"]["id"]}
    made = as_alice.post(f"{API}/files", {"parent": parent, "upload": {"id": upload["id"]}}, format="json")
    assert made.status_code == 201
    assert len(as_alice.get(f"{API}/uploads/{upload['id']}").json()["chunks"]) == CHUNKS

    whole = anonymous.get(download_url(upload["id"], "data.bin"))
    tail = anonymous.get(download_url(upload["id"], "data.bin"), HTTP_RANGE="bytes=8-")

    assert (whole.status_code, b"".join(whole.streaming_content)) == (200, data)
    assert (tail.status_code, b"".join(tail.streaming_content)) == (206, data[8:])
