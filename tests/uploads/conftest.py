"""Uploads the uploads tests share: created, sent and completed over the API.

`client_for` (and with it `as_alice`, `as_bob`) comes from tests/conftest.py: each request runs the on-commit
callbacks it registered when it returns, so the jobs it enqueued (inline mode) have run before the test's next line;
`client_for(user, commit=False)` gives a client whose jobs stay waiting.
"""

import pytest

from ..client import Chunks, TestApi, md5


@pytest.fixture
def create_upload(as_alice, project):
    """`create_upload(size=…, chunked=…)`: POST /projects/{id}/uploads as Alice in her project; the upload's JSON."""

    def create(size=10, *, chunked=True, name="data.bin", on=None, client=None, **extra):
        return TestApi(client or as_alice).upload_create(
            (on or project).id, size=size, name=name, chunked=chunked, wait_ready=None, **extra
        )

    return create


@pytest.fixture
def send():
    """`send(client, descriptor, data)`: the bytes to a signed URL of the filesystem backend (a path on our host)."""

    def put(client, descriptor, data):
        return TestApi(client).send(descriptor, data)

    return put


@pytest.fixture
def uploaded(as_alice, create_upload):
    """`uploaded(data, chunk_size=…)`: a chunked upload of `data`, every chunk sent, not completed; its JSON."""

    def make(data, *, chunk_size=16, client=None, **create):
        client = client or as_alice
        upload = create_upload(size=len(data), client=client, **create)
        TestApi(client).chunks_send(upload["id"], Chunks(data, chunk_size))
        return upload

    return make


@pytest.fixture
def complete():
    """`complete(client, upload_id, data)`: PUT /uploads/{id}/complete with the md5 of `data`, its jobs run."""

    def finish(client, upload_id, data):
        return TestApi(client).upload_complete(upload_id, md5(data))

    return finish
