"""PUT /uploads/{id}/chunks: register (or replace) a chunk and get its signed URL (docs/api/uploads.md#chunks)."""

import uuid
from urllib.parse import urlencode

import pytest

from uploads.models import Chunk, StorageProvider

from ..client import API, FORM, chunk_body, md5
from ..envelopes import FORBIDDEN, invalid, not_found


def chunks_of(upload):
    return f"{API}/uploads/{upload['id']}/chunks"


def test_it_answers_a_signed_descriptor_for_a_chunk(as_alice, create_upload, default_provider, project):
    upload = create_upload(size=10)

    response = as_alice.put(chunks_of(upload), chunk_body(1, b"hello"), format="json")

    assert response.status_code == 200
    descriptor = response.json()
    assert set(descriptor) == {"http_verb", "host", "url", "http_headers"}
    assert descriptor["http_verb"] == "PUT"
    assert descriptor["host"] == "http://testserver"
    assert descriptor["url"].startswith(f"/storage/{default_provider.id}/{project.id}/{upload['id']}/1?expires=")
    assert "&signature=" in descriptor["url"]
    assert descriptor["http_headers"] == []
    assert "X-Total-Pages" not in response
    chunk = Chunk.objects.get()
    assert (chunk.number, chunk.size, chunk.hash_value, chunk.hash_algorithm) == (1, 5, md5(b"hello"), "md5")
    assert chunk.is_stored is False


def test_it_shows_registered_chunks_on_the_upload(as_alice, create_upload):
    upload = create_upload(size=10)
    as_alice.put(chunks_of(upload), chunk_body(2, b"world"), format="json")
    as_alice.put(chunks_of(upload), chunk_body(1, b"hello"), format="json")

    chunks = as_alice.get(f"{API}/uploads/{upload['id']}").json()["chunks"]

    assert chunks == [
        {"number": 1, "size": 5, "hash": {"value": md5(b"hello"), "algorithm": "md5"}, "is_stored": False},
        {"number": 2, "size": 5, "hash": {"value": md5(b"world"), "algorithm": "md5"}, "is_stored": False},
    ]


def test_it_takes_a_form_encoded_body(as_alice, create_upload):
    upload = create_upload(size=10)
    body = urlencode({"number": "1", "size": "5", "hash[value]": md5(b"hello"), "hash[algorithm]": "md5"})

    response = as_alice.put(chunks_of(upload), body, content_type=FORM)

    assert response.status_code == 200
    assert response.json()["http_verb"] == "PUT"
    chunk = Chunk.objects.get()
    assert (chunk.number, chunk.size, chunk.hash_value) == (1, 5, md5(b"hello"))


def test_it_replaces_a_chunk_registered_again(as_alice, create_upload):
    upload = create_upload(size=10)
    as_alice.put(chunks_of(upload), chunk_body(1, b"hello"), format="json")

    response = as_alice.put(chunks_of(upload), chunk_body(1, b"hello!"), format="json")

    assert response.status_code == 200
    chunk = Chunk.objects.get()
    assert (chunk.number, chunk.size, chunk.hash_value) == (1, 6, md5(b"hello!"))
    assert as_alice.get(f"{API}/uploads/{upload['id']}").json()["chunks"] == [
        {"number": 1, "size": 6, "hash": {"value": md5(b"hello!"), "algorithm": "md5"}, "is_stored": False}
    ]


def test_it_forgets_the_stored_bytes_when_a_chunk_changes(as_alice, anonymous, create_upload, send):
    upload = create_upload(size=10)
    descriptor = as_alice.put(chunks_of(upload), chunk_body(1, b"hello"), format="json").json()
    assert send(anonymous, descriptor, b"hello").status_code == 201
    assert Chunk.objects.get().is_stored is True

    as_alice.put(chunks_of(upload), chunk_body(1, b"jello"), format="json")

    assert Chunk.objects.get().is_stored is False


def test_it_keeps_the_stored_bytes_when_a_chunk_is_registered_again_unchanged(as_alice, anonymous, create_upload, send):
    """DukeDSClient asks again for the same chunk when its URL expired: what arrived stays arrived."""
    upload = create_upload(size=10)
    descriptor = as_alice.put(chunks_of(upload), chunk_body(1, b"hello"), format="json").json()
    send(anonymous, descriptor, b"hello")

    again = as_alice.put(chunks_of(upload), chunk_body(1, b"hello"), format="json")

    assert again.status_code == 200
    assert Chunk.objects.get().is_stored is True
    assert as_alice.get(f"{API}/uploads/{upload['id']}").json()["chunks"][0]["is_stored"] is True


def test_it_refuses_chunk_number_zero(as_alice, create_upload):
    upload = create_upload(size=10)

    response = as_alice.put(chunks_of(upload), chunk_body(0, b"hello"), format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("number", "must be greater than or equal to 1"))
    assert not Chunk.objects.exists()


def test_it_refuses_a_number_past_the_providers_chunk_limit(as_alice, create_upload, default_provider):
    StorageProvider.objects.filter(pk=default_provider.pk).update(chunk_max_number=3)
    upload = create_upload(size=10)

    last = as_alice.put(chunks_of(upload), chunk_body(3, b"hello"), format="json")
    past = as_alice.put(chunks_of(upload), chunk_body(4, b"hello"), format="json")

    assert last.status_code == 200
    assert past.status_code == 400
    assert past.json() == {
        "error": 400,
        "code": "not_provided",
        "reason": "maximum upload chunks exceeded.",
        "suggestion": "",
    }
    assert list(Chunk.objects.values_list("number", flat=True)) == [3]


def test_it_refuses_a_chunk_as_large_as_the_providers_maximum(as_alice, create_upload):
    upload = create_upload(size=10)
    body = {"number": 1, "size": 5368709120, "hash": {"value": md5(b""), "algorithm": "md5"}}

    response = as_alice.put(chunks_of(upload), body, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("size", "must be less than 5368709120"))


def test_it_refuses_a_negative_chunk_size(as_alice, create_upload):
    upload = create_upload(size=10)

    response = as_alice.put(chunks_of(upload), {**chunk_body(1, b"x"), "size": -1}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("size", "must be greater than or equal to 0"))


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"hash": {"value": "0" * 64, "algorithm": "sha256"}}, [("hash.algorithm", "is not included in the list")]),
        ({"hash": {"value": "not-hex-at-all-not-hex-at-all-32", "algorithm": "md5"}}, [("hash.value", "is invalid")]),
        ({"hash": {"value": "abc", "algorithm": "md5"}}, [("hash.value", "is invalid")]),
        ({"hash": {"algorithm": "md5"}}, [("hash.value", "is missing")]),
        ({"number": "one"}, [("number", "is invalid")]),
        ({"size": "five"}, [("size", "is invalid")]),
    ],
)
def test_it_refuses_an_invalid_chunk(as_alice, create_upload, change, errors):
    upload = create_upload(size=10)

    response = as_alice.put(chunks_of(upload), {**chunk_body(1, b"hello"), **change}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(*errors)
    assert not Chunk.objects.exists()


def test_it_requires_the_chunk_hash(as_alice, create_upload):
    upload = create_upload(size=10)

    response = as_alice.put(chunks_of(upload), {"number": 1, "size": 5}, format="json")

    assert response.status_code == 400
    assert response.json() == invalid(("hash", "is missing"))


def test_it_refuses_chunks_once_the_upload_is_completed(as_alice, uploaded, complete):
    upload = uploaded(b"hello", chunk_size=4)
    complete(as_alice, upload["id"], b"hello")

    replaced = as_alice.put(chunks_of(upload), chunk_body(1, b"jell"), format="json")
    added = as_alice.put(chunks_of(upload), chunk_body(3, b"more"), format="json")

    for response in (replaced, added):
        assert response.status_code == 400
        assert response.json() == invalid(("completed_at", "Cannot change completed_at."))
    assert list(Chunk.objects.values_list("number", "size", "hash_value")) == [(1, 4, md5(b"hell")), (2, 1, md5(b"o"))]


def test_it_answers_upload_not_found_for_a_non_chunked_upload(as_alice, create_upload):
    upload = create_upload(size=10, chunked=False)

    response = as_alice.put(chunks_of(upload), chunk_body(1, b"hello"), format="json")

    assert response.status_code == 404
    assert response.json() == {
        **not_found("Upload"),
        "suggestion": "a non-chunked upload takes its bytes at its signed_url",
    }
    assert not Chunk.objects.exists()


@pytest.mark.parametrize("upload_id", [str(uuid.uuid4()), "12"])
def test_it_answers_404_for_an_unknown_upload(as_alice, project, upload_id):
    response = as_alice.put(f"{API}/uploads/{upload_id}/chunks", chunk_body(1, b"hello"), format="json")

    assert response.status_code == 404
    assert response.json() == not_found("Upload")


@pytest.mark.parametrize("role", ["file_downloader", "project_viewer"])
def test_it_refuses_a_user_who_cannot_create_files(bob, client_for, grant, project, create_upload, role):
    upload = create_upload(size=10)
    grant(project, bob, role)

    response = client_for(bob).put(chunks_of(upload), chunk_body(1, b"hello"), format="json")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert not Chunk.objects.exists()


def test_it_lets_a_file_uploader_register_chunks_of_anothers_upload(bob, client_for, grant, project, create_upload):
    upload = create_upload(size=10)
    grant(project, bob, "file_uploader")

    response = client_for(bob).put(chunks_of(upload), chunk_body(1, b"hello"), format="json")

    assert response.status_code == 200
