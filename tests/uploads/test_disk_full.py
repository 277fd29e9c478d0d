"""A full storage disk (issue 13, item 6) answers 507 in the envelope, keeps no partial bytes and marks nothing
stored; once there is room the same transfer succeeds. The storage root is a real 1 MiB tmpfs."""

import subprocess

import pytest

from uploads.models import Chunk

from ..client import API, chunk_body
from .test_transfer import files_under

BIG = b"x" * (3 * 1024 * 1024 // 2)
SMALL = b"y" * 1024

FULL = {
    "error": 507,
    "code": "not_provided",
    "reason": "insufficient storage",
    "suggestion": "the storage is full: nothing was kept; retry once an operator has freed space, or contact them",
}


@pytest.fixture
def small_disk(storage_root):
    storage_root.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(storage_root)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield storage_root
    subprocess.run(["umount", str(storage_root)], check=True)


def test_a_chunk_that_does_not_fit_answers_507_and_keeps_nothing(as_alice, anonymous, create_upload, small_disk):
    upload = create_upload(size=len(BIG))
    descriptor = as_alice.put(f"{API}/uploads/{upload['id']}/chunks", chunk_body(1, BIG), format="json").json()

    response = anonymous.generic("PUT", descriptor["url"], BIG, content_type="application/octet-stream")

    assert response.status_code == 507
    assert response.json() == FULL
    assert files_under(small_disk) == []
    assert Chunk.objects.get().is_stored is False
    descriptor = as_alice.put(f"{API}/uploads/{upload['id']}/chunks", chunk_body(1, SMALL), format="json").json()
    again = anonymous.generic("PUT", descriptor["url"], SMALL, content_type="application/octet-stream")
    assert again.status_code == 201


def test_a_non_chunked_upload_that_does_not_fit_answers_507_and_keeps_nothing(anonymous, create_upload, small_disk):
    upload = create_upload(size=len(BIG), chunked=False)

    response = anonymous.generic("PUT", upload["signed_url"]["url"], BIG, content_type="application/octet-stream")

    assert response.status_code == 507
    assert response.json() == FULL
    assert files_under(small_disk) == []
