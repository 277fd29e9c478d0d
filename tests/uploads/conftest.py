"""Uploads the uploads tests share: created, sent and completed over the API.

`client_for` (and with it `as_alice`, `as_bob`) comes from tests/conftest.py: each request runs the on-commit
callbacks it registered when it returns, so the jobs it enqueued (inline mode) have run before the test's next line;
`client_for(user, commit=False)` gives a client whose jobs stay waiting.
"""

import pytest

from ..client import API, chunk_body, md5


@pytest.fixture
def create_upload(as_alice, project):
    """`create_upload(size=…, chunked=…)`: POST /projects/{id}/uploads as Alice in her project; the upload's JSON."""

    def create(size=10, *, chunked=True, name="data.bin", on=None, client=None, **extra):
        body = {"name": name, "content_type": "application/octet-stream", "size": size, "chunked": chunked, **extra}
        response = (client or as_alice).post(f"{API}/projects/{(on or project).id}/uploads", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return create


@pytest.fixture
def send():
    """`send(client, descriptor, data)`: the bytes to a signed URL of the filesystem backend (a path on our host)."""

    def put(client, descriptor, data):
        assert descriptor["host"] == "http://testserver"
        return client.generic(descriptor["http_verb"], descriptor["url"], data, content_type="application/octet-stream")

    return put


@pytest.fixture
def uploaded(as_alice, create_upload, send):
    """`uploaded(data, chunk_size=…)`: a chunked upload of `data`, every chunk sent, not completed; its JSON."""

    def make(data, *, chunk_size=16, client=None, **create):
        client = client or as_alice
        upload = create_upload(size=len(data), client=client, **create)
        for number, offset in enumerate(range(0, len(data), chunk_size), start=1):
            piece = data[offset : offset + chunk_size]
            descriptor = client.put(f"{API}/uploads/{upload['id']}/chunks", chunk_body(number, piece), format="json")
            assert descriptor.status_code == 200, descriptor.content
            assert send(client, descriptor.json(), piece).status_code == 201
        return upload

    return make


@pytest.fixture
def complete():
    """`complete(client, upload_id, data)`: PUT /uploads/{id}/complete with the md5 of `data`, its jobs run."""

    def finish(client, upload_id, data):
        response = client.put(
            f"{API}/uploads/{upload_id}/complete", {"hash": {"value": md5(data), "algorithm": "md5"}}, format="json"
        )
        assert response.status_code == 202, response.content
        return response.json()

    return finish
