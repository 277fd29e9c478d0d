"""The one client of the upload journey (docs/api/uploads.md) the tests and the benchmarks share: create an upload,
register each chunk and send its bytes to the signed URL, complete it, wait for its verification.

`HttpApi` speaks to a live server over real HTTP the way DukeDSClient does (one requests session per thread);
`TestApi` drives Django's test client in the test's own process. Both run the same journey (`Journey`); a source is
`Chunks(data, chunk_size)` or anything with its `size`, `md5`, `chunks()` and `read()` (bench's files on disk).
"""

import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from json import dumps
from urllib.parse import urlencode

import requests

API = "/api/v1"
FORM = "application/x-www-form-urlencoded"


def md5(data):
    return hashlib.md5(data).hexdigest()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def chunk_body(number, data, **extra):
    """The body of PUT /uploads/{id}/chunks for `data` as chunk `number`."""
    return {"number": number, "size": len(data), "hash": {"value": md5(data), "algorithm": "md5"}, **extra}


def wait_until(predicate, *, timeout, what, interval=0.1):
    """`predicate()`'s first true value, asked every `interval` seconds; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class UnexpectedStatus(AssertionError):
    """An answer with another status than the one the journey expects (a failed assertion, in a test)."""


class Chunks:
    """Bytes in memory, cut in chunks of `chunk_size`: a source of the journey."""

    def __init__(self, data, chunk_size):
        self.data, self.size, self.chunk_size, self.md5 = data, len(data), chunk_size, md5(data)

    def chunks(self):
        """(number, offset, length, md5) of every chunk."""
        return [
            (number, offset, len(piece), md5(piece))
            for number, offset in enumerate(range(0, self.size, self.chunk_size), start=1)
            for piece in [self.data[offset : offset + self.chunk_size]]
        ]

    def read(self, offset, length):
        return self.data[offset : offset + length]


class Journey:
    """The upload journey over `call(method, path, expected, json=…, data=…)` (the answer's JSON) and
    `send(descriptor, data)` (the answer of the signed URL)."""

    def call(self, method, path, expected, *, json=None, data=None):
        raise NotImplementedError

    def send(self, descriptor, data):
        raise NotImplementedError

    def create_project(self, name="Flow", *, description="flow test", timeout=60):
        """POST /projects, then wait until its storage is ready; the project's JSON as the POST answered."""
        project = self.call("POST", "/projects", 202, json={"name": name, "description": description})
        wait_until(
            lambda: self.call("GET", f"/projects/{project['id']}", 200)["is_consistent"],
            timeout=timeout,
            what="the project's storage",
            interval=0.02,
        )
        return project

    def upload_create(self, project_id, *, size, name="data.bin", storage_provider_id=None, wait_ready=60, **extra):
        """POST /projects/{id}/uploads (`extra`: `chunked`, …); its JSON. A chunked upload's storage is waited for up
        to `wait_ready` seconds (None: not waited for)."""
        body = {"name": name, "content_type": "application/octet-stream", "size": size, **extra}
        if storage_provider_id:
            body["storage_provider"] = {"id": str(storage_provider_id)}
        upload = self.call("POST", f"/projects/{project_id}/uploads", 201, json=body)
        if wait_ready is not None and body.get("chunked", True) and not upload["status"]["ready_for_chunks"]:
            wait_until(
                lambda: self.call("GET", f"/uploads/{upload['id']}", 200)["status"]["ready_for_chunks"],
                timeout=wait_ready,
                what="the upload's storage",
                interval=0.01,
            )
        return upload

    def chunks_send(self, upload_id, source, *, threads=1, corrupt_chunk=None):
        """Register every chunk of `source` and send its bytes, `threads` chunks at once; chunk `corrupt_chunk` is
        sent as zeros, and its answer not checked."""

        def send(chunk):
            number, offset, length, digest = chunk
            body = {"number": number, "size": length, "hash": {"value": digest, "algorithm": "md5"}}
            descriptor = self.call("PUT", f"/uploads/{upload_id}/chunks", 200, json=body)
            assert descriptor["http_headers"] == []
            data = source.read(offset, length)
            response = self.send(descriptor, data if number != corrupt_chunk else bytes(length))
            if number != corrupt_chunk and response.status_code not in (200, 201):
                raise UnexpectedStatus(f"chunk {number}: {response.status_code} {_text(response)[:300]}")

        if threads == 1:
            for chunk in source.chunks():
                send(chunk)
        else:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(send, source.chunks()))

    def upload_complete(self, upload_id, whole_md5, *, form=False):
        """PUT /uploads/{id}/complete reporting `whole_md5` (a Rack-style form, as DukeDSClient sends, or JSON)."""
        path = f"/uploads/{upload_id}/complete"
        if form:
            return self.call("PUT", path, 202, data={"hash[value]": whole_md5, "hash[algorithm]": "md5"})
        return self.call("PUT", path, 202, json={"hash": {"value": whole_md5, "algorithm": "md5"}})

    def upload(self, project_id, source, *, reported_md5=None, total_size=None, form=True, times=None, **options):
        """The whole journey for `source` as DukeDSClient makes it; the upload as `complete` (202) answered.

        `total_size=` declares another size, `reported_md5=` reports another whole-file md5, `corrupt_chunk=`
        sends one chunk's bytes wrong; `times`, a dict, receives the seconds of each phase: create, chunks,
        complete. Other `options` go to `upload_create` (name, storage_provider_id) or `chunks_send` (threads).
        """
        times = {} if times is None else times
        sending = {key: options.pop(key) for key in ("threads", "corrupt_chunk") if key in options}
        started = time.perf_counter()
        upload = self.upload_create(project_id, size=source.size if total_size is None else total_size, **options)
        times["create"] = time.perf_counter() - started
        self.chunks_send(upload["id"], source, **sending)
        times["chunks"] = time.perf_counter() - started - times["create"]
        completed = self.upload_complete(upload["id"], reported_md5 or source.md5, form=form)
        times["complete"] = time.perf_counter() - started - times["create"] - times["chunks"]
        return completed

    def wait_consistent(self, upload_id, *, timeout=20, verified=False):
        """The upload's status once its verification is done; with `verified`, an error found is an exception."""

        def status():
            current = self.call("GET", f"/uploads/{upload_id}", 200)["status"]
            return current if current["is_consistent"] else None

        status = wait_until(status, timeout=timeout, what="the upload's verification", interval=0.05)
        if verified and status["error_on"] is not None:
            raise UnexpectedStatus(f"upload {upload_id} failed verification: {status['error_message']}")
        return status


def _text(response):
    return response.text if hasattr(response, "text") else response.content.decode(errors="replace")


class HttpApi(Journey):
    """The API of a live server at `base_url` over HTTP with one api_token; a requests session per thread."""

    def __init__(self, base_url, token, *, timeout=30):
        self.base_url = base_url
        self.api = f"{base_url}{API}"
        self.token = token
        self.timeout = timeout
        self._local = threading.local()

    @property
    def session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers["Authorization"] = self.token
        return session

    def request(self, method, path, **kwargs):
        return self.session.request(method, f"{self.api}{path}", timeout=kwargs.pop("timeout", self.timeout), **kwargs)

    def call(self, method, path, expected, **kwargs):
        response = self.request(method, path, **kwargs)
        if response.status_code != expected:
            raise UnexpectedStatus(
                f"{method} {path}: {response.status_code} (expected {expected}): {response.text[:500]}"
            )
        return response.json() if response.content else None

    def transfer(self, descriptor, **kwargs):
        """Send a signed transfer descriptor (no Authorization: the URL is the credential)."""
        session = getattr(self._local, "bare", None)
        if session is None:
            session = self._local.bare = requests.Session()
        return session.request(
            descriptor["http_verb"],
            descriptor["host"] + descriptor["url"],
            headers=dict(descriptor["http_headers"] or {}),
            timeout=self.timeout,
            **kwargs,
        )

    def send(self, descriptor, data):
        return self.transfer(descriptor, data=data)


class TestApi(Journey):
    """The API through a Django test `client` (its credentials set), in the test's process; the filesystem backend's
    signed URLs are paths on the same test server."""

    __test__ = False  # not a test class, whatever pytest makes of its name

    def __init__(self, client):
        self.client = client

    def call(self, method, path, expected, *, json=None, data=None):
        if data is not None:
            body, content_type = urlencode(data), FORM
        else:
            body, content_type = ("" if json is None else dumps(json)), "application/json"
        response = self.client.generic(method, f"{API}{path}", body, content_type=content_type)
        if response.status_code != expected:
            raise UnexpectedStatus(f"{method} {path}: {response.status_code} (expected {expected}): {_text(response)}")
        return response.json() if response.content else None

    def send(self, descriptor, data):
        assert descriptor["host"] == "http://testserver"
        return self.client.generic(
            descriptor["http_verb"], descriptor["url"], data, content_type="application/octet-stream"
        )
