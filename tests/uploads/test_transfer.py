"""The filesystem backend's signed transfer endpoint under /storage/ (docs/api/conventions.md#signed-transfer-urls).

Clients send no Authorization header there: every request here goes through an anonymous client.
"""

import time
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest

from files.models import FileVersion
from uploads.models import Chunk, Upload
from uploads.storage.filesystem import FilesystemStorage, sign

from ..client import API, chunk_body, md5
from . import stored

DATA = bytes(range(256)) * 3 + b"tail"


def put(client, url, data):
    return client.generic("PUT", url, data, content_type="application/octet-stream")


def chunk_url(client, upload, number, data):
    response = client.put(f"{API}/uploads/{upload['id']}/chunks", chunk_body(number, data), format="json")
    assert response.status_code == 200
    return response.json()["url"]


def resign(url, *, verb="PUT", path=None, expires=None, filename=None):
    """The URL with its path, expiry or filename changed and signed again with the service's own key."""
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    path = path or parts.path
    expires = str(expires if expires is not None else query["expires"])
    filename = filename if filename is not None else query.get("filename", "")
    registration = query.get("registration", "")
    signed = {"expires": expires, "signature": sign(verb, path, expires, filename, registration)}
    if filename:
        signed["filename"] = filename
    if registration:
        signed["registration"] = registration
    return f"{quote(path)}?{urlencode(signed, quote_via=quote)}"


def refused(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    return response.json()


EXPIRED = {
    "error": 403,
    "code": "not_provided",
    "reason": "signed URL expired or invalid",
    "suggestion": "ask the API for a fresh URL",
}


def rejected(reason):
    return {
        "error": 400,
        "code": "not_provided",
        "reason": reason,
        "suggestion": "send exactly the bytes whose size and md5 you registered, or register the chunk again",
    }


def chunk_folder(storage_root, upload):
    return storage_root / upload["storage_provider"]["id"] / upload["project"]["id"] / f"{upload['id']}.chunks"


def files_under(root):
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.fixture
def upload(create_upload):
    return create_upload(size=len(DATA))


# --- chunks --------------------------------------------------------------------------------------------


def test_it_stores_a_chunk_whose_bytes_match(as_alice, anonymous, upload, storage_root):
    url = chunk_url(as_alice, upload, 1, DATA[:100])

    response = put(anonymous, url, DATA[:100])

    assert response.status_code == 201
    assert response.content == b""
    assert (chunk_folder(storage_root, upload) / "1").read_bytes() == DATA[:100]
    chunks = as_alice.get(f"{API}/uploads/{upload['id']}").json()["chunks"]
    assert [(c["number"], c["is_stored"]) for c in chunks] == [(1, True)]


def test_it_takes_a_chunk_again_after_a_retry(as_alice, anonymous, upload, storage_root):
    put(anonymous, chunk_url(as_alice, upload, 1, DATA[:100]), DATA[:100])

    response = put(anonymous, chunk_url(as_alice, upload, 1, DATA[:50]), DATA[:50])

    assert response.status_code == 201
    assert (chunk_folder(storage_root, upload) / "1").read_bytes() == DATA[:50]


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        (b"X" + DATA[1:100], "the md5 of the bytes received differs from the registered hash"),
        (DATA[:99], "received 99 bytes where 100 were registered"),
        (DATA[:101], "received more bytes where 100 were registered"),
        (b"", "received 0 bytes where 100 were registered"),
    ],
)
def test_it_refuses_a_chunk_whose_bytes_do_not_match_and_keeps_nothing(
    as_alice, anonymous, upload, storage_root, sent, reason
):
    url = chunk_url(as_alice, upload, 1, DATA[:100])

    response = put(anonymous, url, sent)

    assert refused(response, 400) == rejected(reason)
    assert files_under(chunk_folder(storage_root, upload)) == []
    assert Chunk.objects.get().is_stored is False


def test_it_keeps_the_good_bytes_when_a_bad_retry_arrives(as_alice, anonymous, upload, storage_root):
    url = chunk_url(as_alice, upload, 1, DATA[:100])
    put(anonymous, url, DATA[:100])

    response = put(anonymous, url, b"X" * 100)

    assert response.status_code == 400
    assert files_under(chunk_folder(storage_root, upload)) == ["1"]
    assert (chunk_folder(storage_root, upload) / "1").read_bytes() == DATA[:100]


def test_it_refuses_a_chunk_after_completion(as_alice, anonymous, upload):
    url = chunk_url(as_alice, upload, 1, DATA[:100])
    as_alice.put(
        f"{API}/uploads/{upload['id']}/complete", {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json"
    )

    response = put(anonymous, url, DATA[:100])

    assert refused(response, 400) == {
        "error": 400,
        "code": "not_provided",
        "reason": "upload already completed",
        "suggestion": "start a new upload",
    }


def test_it_answers_404_for_a_signed_chunk_that_was_never_registered(as_alice, anonymous, upload):
    url = chunk_url(as_alice, upload, 1, DATA[:100])
    path = urlsplit(url).path

    response = put(anonymous, resign(url, path=path[: -len("/1")] + "/2"), DATA[:100])

    assert refused(response, 404)["reason"] == "Chunk Not Found"


# --- signatures ----------------------------------------------------------------------------------------


def test_it_refuses_a_tampered_signature(as_alice, anonymous, upload, storage_root):
    url = chunk_url(as_alice, upload, 1, DATA[:100])
    signature = parse_qs(urlsplit(url).query)["signature"][0]
    tampered = url.replace(signature, ("0" if signature[0] != "0" else "1") + signature[1:])

    response = put(anonymous, tampered, DATA[:100])

    assert refused(response, 403) == EXPIRED
    assert files_under(storage_root) == []


@pytest.mark.parametrize("query", ["", "?expires=9999999999", "?signature=abc", "?expires=soon&signature=abc"])
def test_it_refuses_a_url_without_a_valid_signature_and_expiry(as_alice, anonymous, upload, query):
    path = urlsplit(chunk_url(as_alice, upload, 1, DATA[:100])).path

    response = put(anonymous, path + query, DATA[:100])

    assert refused(response, 403) == EXPIRED


def test_it_refuses_an_expired_url_even_when_properly_signed(as_alice, anonymous, upload):
    url = chunk_url(as_alice, upload, 1, DATA[:100])

    expired = put(anonymous, resign(url, expires=int(time.time()) - 1), DATA[:100])
    still_valid = put(anonymous, resign(url, expires=int(time.time()) + 60), DATA[:100])

    assert refused(expired, 403) == EXPIRED
    assert still_valid.status_code == 201


def test_it_refuses_a_chunk_url_replayed_for_another_chunk(as_alice, anonymous, upload, storage_root):
    url = chunk_url(as_alice, upload, 1, DATA[:100])
    chunk_url(as_alice, upload, 2, DATA[:100])

    response = put(anonymous, url.replace("/1?", "/2?"), DATA[:100])

    assert refused(response, 403) == EXPIRED
    assert files_under(storage_root) == []


def test_it_refuses_a_chunk_url_replayed_for_another_upload(as_alice, anonymous, upload, create_upload, storage_root):
    url = chunk_url(as_alice, upload, 1, DATA[:100])
    other = create_upload(size=len(DATA))
    chunk_url(as_alice, other, 1, DATA[:100])

    response = put(anonymous, url.replace(upload["id"], other["id"]), DATA[:100])

    assert refused(response, 403) == EXPIRED
    assert files_under(storage_root) == []


def test_it_never_answers_bytes_to_a_get_with_a_chunk_url(as_alice, anonymous, upload):
    url = chunk_url(as_alice, upload, 1, DATA[:100])
    put(anonymous, url, DATA[:100])

    response = anonymous.get(url)

    assert refused(response, 403) == EXPIRED


def test_it_never_answers_bytes_to_a_get_with_an_upload_url(as_alice, anonymous, create_upload):
    upload = create_upload(size=len(DATA), chunked=False)
    put(anonymous, upload["signed_url"]["url"], DATA)

    response = anonymous.get(upload["signed_url"]["url"])

    assert refused(response, 403) == EXPIRED


@pytest.mark.parametrize(
    "trick",
    [
        lambda path: path.replace("/storage/", "/storage/../storage/"),
        lambda path: path[: -len("/1")] + "/../1",
        lambda path: path[: -len("/1")] + "/%2e%2e/%2e%2e/escape",
        lambda path: path[: -len("/1")] + "/..%2F..%2F..%2Fescape",
        lambda path: path.rsplit("/", 2)[0] + "/%2e%2e%2f%2e%2e%2fescape/1",
    ],
)
def test_it_answers_a_path_trick_with_a_json_refusal_and_writes_nothing(
    as_alice, anonymous, upload, storage_root, trick
):
    url = chunk_url(as_alice, upload, 1, DATA[:100])
    path, query = url.split("?")

    response = put(anonymous, f"{trick(path)}?{query}", DATA[:100])

    assert response.status_code in (403, 404)
    assert refused(response, response.status_code)["code"] == "not_provided"
    assert files_under(storage_root) == []


@pytest.mark.parametrize(
    "segments", ["{provider}/{project}/../1", "{provider}/../{upload}/1", "../{project}/{upload}/1"]
)
def test_it_resolves_only_ids_even_in_a_properly_signed_path(as_alice, anonymous, upload, storage_root, segments):
    """Defence in depth: a signature over a path with `..` (which the service never issues) reaches no file."""
    url = chunk_url(as_alice, upload, 1, DATA[:100])
    ids = {"provider": upload["storage_provider"]["id"], "project": upload["project"]["id"], "upload": upload["id"]}
    path = "/storage/" + segments.format(**ids)

    response = put(anonymous, resign(url, path=path), DATA[:100])

    assert refused(response, 404)["code"] == "not_provided"
    assert files_under(storage_root) == []


# --- the non-chunked upload's URL ----------------------------------------------------------------------


def test_it_refuses_a_non_chunked_upload_of_the_wrong_size(anonymous, create_upload, storage_root):
    upload = create_upload(size=len(DATA), chunked=False)

    response = put(anonymous, upload["signed_url"]["url"], DATA[:-1])

    assert refused(response, 400) == rejected(f"received {len(DATA) - 1} bytes where {len(DATA)} were registered")
    assert files_under(storage_root) == []


# --- downloads -----------------------------------------------------------------------------------------


def download_url(upload_id, filename):
    row = Upload.objects.select_related("storage_provider").get(pk=upload_id)
    descriptor = FilesystemStorage(row.storage_provider).download_url(row, filename=filename, host="http://testserver")
    assert descriptor["http_verb"] == "GET" and descriptor["http_headers"] == []
    return descriptor["url"]


@pytest.fixture(params=[300, len(DATA)], ids=["3 chunks", "1 chunk"])
def verified(request, as_alice, uploaded, complete):
    """A verified upload that a file holds: the storage serves only bytes a live file version references. Its
    object is its chunk files, read one after the other."""
    upload = uploaded(DATA, chunk_size=request.param)
    complete(as_alice, upload["id"], DATA)
    assert as_alice.get(f"{API}/uploads/{upload['id']}").json()["status"]["error_message"] is None
    parent = {"kind": "dds-project", "id": upload["project"]["id"]}
    assert (
        as_alice.post(f"{API}/files", {"parent": parent, "upload": {"id": upload["id"]}}, format="json").status_code
        == 201
    )
    return upload


def test_it_does_not_serve_a_verified_upload_no_file_holds(anonymous, as_alice, uploaded, complete):
    upload = uploaded(DATA, chunk_size=300)
    complete(as_alice, upload["id"], DATA)

    response = anonymous.get(download_url(upload["id"], "notes.txt"))

    assert refused(response, 404)["reason"] == "Upload Not Found"
    assert DATA not in response.content


def test_it_streams_a_verified_upload_as_an_attachment(anonymous, verified):
    response = anonymous.get(download_url(verified["id"], "notes.txt"))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DATA
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert response["Content-Length"] == str(len(DATA))


def test_it_names_a_non_ascii_file_in_the_disposition(anonymous, verified):
    response = anonymous.get(download_url(verified["id"], "résumé 1.txt"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''r%C3%A9sum%C3%A9%201.txt"
    assert b"".join(response.streaming_content) == DATA


def test_it_refuses_a_download_url_whose_filename_was_changed(anonymous, verified):
    url = download_url(verified["id"], "notes.txt")

    response = anonymous.get(url.replace("notes.txt", "other.txt"))

    assert refused(response, 403) == EXPIRED


def test_it_refuses_a_download_url_used_to_upload(anonymous, verified, storage_root):
    before = files_under(storage_root)

    response = put(anonymous, download_url(verified["id"], "notes.txt"), b"overwrite")

    assert refused(response, 403) == EXPIRED
    assert files_under(storage_root) == before


@pytest.mark.parametrize(
    ("range_header", "start", "end"),
    [
        ("bytes=10-19", 10, 19),
        ("bytes=-5", len(DATA) - 5, len(DATA) - 1),
        ("bytes=770-", 770, len(DATA) - 1),
        ("bytes=290-310", 290, 310),
        ("bytes=299-600", 299, 600),
        ("bytes=300-", 300, len(DATA) - 1),
    ],
)
def test_it_answers_a_range_with_that_slice(anonymous, verified, range_header, start, end):
    response = anonymous.get(download_url(verified["id"], "notes.txt"), HTTP_RANGE=range_header)

    assert response.status_code == 206
    assert b"".join(response.streaming_content) == DATA[start : end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response["Content-Length"] == str(end - start + 1)


@pytest.mark.parametrize("range_header", [f"bytes={len(DATA)}-{len(DATA) + 10}", "bytes=-0"])
def test_it_answers_416_for_a_range_it_cannot_satisfy(anonymous, verified, range_header):
    response = anonymous.get(download_url(verified["id"], "notes.txt"), HTTP_RANGE=range_header)

    assert refused(response, 416) == {
        "error": 416,
        "code": "not_provided",
        "reason": "requested range not satisfiable",
        "suggestion": "ask for bytes within the object's size (Content-Range tells it)",
    }
    assert response["Content-Range"] == f"bytes */{len(DATA)}"


@pytest.mark.parametrize("range_header", ["bytes=20-10", "items=0-5", "bytes=1-2,5-6"])
def test_it_ignores_a_range_it_does_not_take_and_sends_everything(anonymous, verified, range_header):
    response = anonymous.get(download_url(verified["id"], "notes.txt"), HTTP_RANGE=range_header)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DATA


def test_it_does_not_serve_an_upload_with_an_integrity_error(as_alice, anonymous, create_upload, storage_root):
    upload = create_upload(size=len(DATA), chunked=False)
    put(anonymous, upload["signed_url"]["url"], DATA)
    as_alice.put(
        f"{API}/uploads/{upload['id']}/complete", {"hash": {"value": md5(b"no"), "algorithm": "md5"}}, format="json"
    )
    assert as_alice.get(f"{API}/uploads/{upload['id']}").json()["status"]["error_message"] is not None
    assert (storage_root / upload["storage_provider"]["id"] / upload["project"]["id"] / upload["id"]).exists()

    response = anonymous.get(download_url(upload["id"], "notes.txt"))

    assert refused(response, 404)["reason"] == "Upload Not Found"
    assert DATA not in response.content


def test_it_answers_404_for_an_upload_whose_bytes_are_not_assembled(anonymous, upload):
    response = anonymous.get(download_url(upload["id"], "notes.txt"))

    assert refused(response, 404)["reason"] == "Upload Not Found"


# --- URLs that outlive what they point at -------------------------------------------------------------------


def _file_of(upload):
    return FileVersion.objects.get(upload_id=upload["id"]).file


def test_it_refuses_the_download_url_of_a_file_deleted_since_even_while_its_bytes_remain(
    client_for, alice, anonymous, verified, storage_root
):
    url = download_url(verified["id"], "notes.txt")
    deleted = client_for(alice, commit=False).delete(f"{API}/files/{_file_of(verified).id}")  # no purge job runs
    assert deleted.status_code == 204
    provider_id, project_id = verified["storage_provider"]["id"], verified["project"]["id"]
    assert stored.stored_bytes(storage_root, provider_id, project_id, verified["id"]) == DATA

    response = anonymous.get(url)

    assert refused(response, 404)["reason"] == "Upload Not Found"
    assert DATA not in response.content


def test_it_refuses_the_download_url_of_a_version_deleted_since(as_alice, anonymous, verified, uploaded, complete):
    data_file = _file_of(verified)
    url = download_url(verified["id"], "notes.txt")
    newer = uploaded(DATA[::-1], chunk_size=300)
    complete(as_alice, newer["id"], DATA[::-1])
    updated = as_alice.put(f"{API}/files/{data_file.id}", {"upload": {"id": newer["id"]}}, format="json")
    assert updated.status_code == 200
    first = FileVersion.objects.get(upload_id=verified["id"])
    assert as_alice.delete(f"{API}/file_versions/{first.id}").status_code == 204

    response = anonymous.get(url)

    assert refused(response, 404)["reason"] == "Upload Not Found"
    assert DATA not in response.content


def test_it_refuses_the_download_url_of_a_project_deleted_since(client_for, alice, anonymous, verified):
    url = download_url(verified["id"], "notes.txt")
    assert client_for(alice, commit=False).delete(f"{API}/projects/{verified['project']['id']}").status_code == 204

    response = anonymous.get(url)

    assert refused(response, 404)["reason"] == "Upload Not Found"
    assert DATA not in response.content


def test_it_refuses_a_download_url_moved_onto_another_upload(as_alice, anonymous, verified, uploaded, complete):
    other = uploaded(b"other bytes", chunk_size=300)
    complete(as_alice, other["id"], b"other bytes")
    url = download_url(verified["id"], "notes.txt")

    response = anonymous.get(url.replace(verified["id"], other["id"]))

    assert refused(response, 403) == EXPIRED


@pytest.mark.parametrize("trick", ["/..", "/../..", "/%2e%2e", "%2F..%2F..", "/./"])
def test_it_answers_a_path_trick_on_a_download_url_without_bytes(anonymous, verified, trick):
    url = download_url(verified["id"], "notes.txt")
    path, query = url.split("?")

    response = anonymous.get(f"{path}{trick}?{query}")

    assert response.status_code in (403, 404)
    assert response["Content-Type"] == "application/json"
    assert DATA not in response.content


def test_it_does_not_serve_the_chunks_of_an_upload_not_verified_yet(client_for, alice, anonymous, uploaded):
    """A chunked upload's chunks are its object once verified; before the verdict they are bytes nobody checked."""
    waiting = client_for(alice, commit=False)
    upload = uploaded(DATA, chunk_size=300)
    waiting.put(
        f"{API}/uploads/{upload['id']}/complete", {"hash": {"value": md5(DATA), "algorithm": "md5"}}, format="json"
    )
    parent = {"kind": "dds-project", "id": upload["project"]["id"]}
    assert (
        waiting.post(f"{API}/files", {"parent": parent, "upload": {"id": upload["id"]}}, format="json").status_code
        == 201
    )

    response = anonymous.get(download_url(upload["id"], "notes.txt"))

    assert refused(response, 404)["reason"] == "Upload Not Found"
    assert DATA not in response.content
