"""A small DDS client speaking to a live server over real HTTP the way DukeDSClient does (CONTRACT §15)."""

import hashlib
import time

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


class DDSClient:
    def __init__(self, base_url, token):
        self.api = f"{base_url}/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = token

    def call(self, method, path, expected, **kwargs):
        response = self.session.request(method, f"{self.api}{path}", timeout=30, **kwargs)
        assert response.status_code == expected, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def wait_until(self, predicate, timeout=20):
        deadline = time.monotonic() + timeout
        while (value := predicate()) is False or value is None:
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.05)
        return value

    def create_project(self, name="Flow"):
        project = self.call("POST", "/projects", 202, json={"name": name, "description": "flow test"})
        self.wait_until(lambda: self.call("GET", f"/projects/{project['id']}", 200)["is_consistent"])
        return project

    def upload(
        self,
        project_id,
        data,
        *,
        chunk_size,
        name="data.bin",
        storage_provider_id=None,
        whole_md5=None,
        total_size=None,
        corrupt_chunk=None,
    ):
        """Upload `data` in chunks as DukeDSClient does; returns the upload after `complete` (202)."""
        body = {
            "name": name,
            "content_type": "application/octet-stream",
            "size": len(data) if total_size is None else total_size,
        }
        if storage_provider_id:
            body["storage_provider"] = {"id": str(storage_provider_id)}
        upload = self.call("POST", f"/projects/{project_id}/uploads", 201, json=body)
        self.wait_until(lambda: self.call("GET", f"/uploads/{upload['id']}", 200)["status"]["ready_for_chunks"])
        for number, offset in enumerate(range(0, len(data), chunk_size), start=1):
            chunk = data[offset : offset + chunk_size]
            url = self.call(
                "PUT",
                f"/uploads/{upload['id']}/chunks",
                200,
                json={"number": number, "size": len(chunk), "hash": {"value": md5(chunk), "algorithm": "md5"}},
            )
            assert url["http_headers"] == []
            sent = chunk if number != corrupt_chunk else bytes(len(chunk))
            response = requests.request(url["http_verb"], url["host"] + url["url"], data=sent, timeout=30)
            if number == corrupt_chunk:
                continue
            assert response.status_code in (200, 201), response.text
        return self.call(
            "PUT",
            f"/uploads/{upload['id']}/complete",
            202,
            data={"hash[value]": whole_md5 or md5(data), "hash[algorithm]": "md5"},
        )

    def wait_consistent(self, upload_id):
        return self.wait_until(
            lambda: (status := self.call("GET", f"/uploads/{upload_id}", 200)["status"])["is_consistent"] and status
        )
