"""The sink: a server that answers every call DukeDSClient 4.0.0 makes during `upload` and `download` at once, with
bodies of the service's shapes, discards the bytes it is sent and serves zeros. Timing the same client against it
measures the client's own floor: what no server can take away.

    .venv/bin/python bench/sink.py [--port 0]    (prints "sink listening on http://127.0.0.1:PORT" when ready)

It listens on 127.0.0.1 only, accepts any api_token, user_key and agent_key, and keeps what the client created
(projects, folders, uploads, files) in memory, so a download lists what was uploaded. A file is listed with the md5
of as many zero bytes as it holds (those are the bytes it serves); each size's md5 is computed once, the first time
a listing shows it, so a benchmark lists once before it times a download. GET /sink/stats returns the requests
answered and the bytes received and sent.

Routes, under /api/v1: POST /software_agents/api_token, GET /current_user, GET|POST /projects, GET /projects/{id},
GET /projects/{id}/children, GET /folders/{id}/children, POST /folders, POST /projects/{id}/uploads,
GET /uploads/{id}, PUT /uploads/{id}/chunks, PUT /uploads/{id}/complete, POST /files, GET /files/{id},
GET /files/{id}/url, GET /projects/{id}/files. Transfers: PUT /sink/bytes/… and GET /sink/zeros/{size}.
"""

import argparse
import hashlib
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BLOCK = 1024 * 1024
ZEROS = memoryview(bytes(BLOCK))
NOW = "2026-01-01T00:00:00.000Z"
AGENT = {"id": str(uuid.uuid4()), "name": "DukeDSClient"}
USER = {"id": str(uuid.uuid4()), "username": "sink", "full_name": "Sink", "agent": AGENT}
AUDIT = {
    "created_on": NOW,
    "created_by": USER,
    "last_updated_on": None,
    "last_updated_by": None,
    "deleted_on": None,
    "deleted_by": None,
}
PROVIDER = {"id": str(uuid.uuid4()), "name": "sink", "description": "discards every byte"}
ID = r"([0-9a-f-]{36})"


class State:
    """What the client created, by id; one lock, since the server answers each request in its own thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.projects, self.folders, self.uploads, self.files = {}, {}, {}, {}
        self.zero_md5 = {}
        self.requests = self.received = self.sent = 0

    def md5_of_zeros(self, size):
        if size not in self.zero_md5:
            digest = hashlib.md5()
            for offset in range(0, size, BLOCK):
                digest.update(ZEROS[: min(BLOCK, size - offset)])
            self.zero_md5[size] = digest.hexdigest()
        return self.zero_md5[size]


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the service's gunicorn does
    state = State()

    def log_message(self, format, *args):
        pass

    # --- plumbing ---------------------------------------------------------------------------------------------------

    def _route(self):
        url = urlsplit(self.path)
        self.body_read = False
        self.query = {key: values[-1] for key, values in parse_qs(url.query, keep_blank_values=True).items()}
        with self.state.lock:
            self.state.requests += 1
        for method, pattern, handler in ROUTES:
            match = re.fullmatch(pattern, url.path)
            if method == self.command and match:
                try:
                    return handler(self, *match.groups())
                except KeyError:  # an id the sink never handed out
                    break
        self._discard()
        return self._json(404, {"error": 404, "code": "not_found", "reason": f"{self.command} {url.path}"})

    do_GET = do_PUT = do_POST = do_DELETE = _route

    def _discard(self):
        """Read the body in blocks into one buffer and drop it: returns how many bytes came."""
        remaining = 0 if self.body_read else int(self.headers.get("Content-Length") or 0)
        self.body_read = True
        buffer, total = bytearray(BLOCK), remaining
        while remaining:
            read = self.rfile.readinto(memoryview(buffer)[: min(BLOCK, remaining)])
            if not read:
                break
            remaining -= read
        with self.state.lock:
            self.state.received += total - remaining
        return total - remaining

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        self.body_read = True
        if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return {key: values[-1] for key, values in parse_qs(raw).items()}
        return json.loads(raw) if raw else {}

    def _json(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _page(self, items):
        """One page of a collection, with the service's pagination headers."""
        per_page = int(self.query.get("per_page") or 100)
        page = int(self.query.get("page") or 1)
        pages = max(1, -(-len(items) // per_page))
        headers = [
            ("X-Total", str(len(items))),
            ("X-Total-Pages", str(pages)),
            ("X-Page", str(page)),
            ("X-Per-Page", str(per_page)),
            ("X-Next-Page", str(page + 1) if page < pages else ""),
            ("X-Prev-Page", str(page - 1) if page > 1 else ""),
        ]
        self._json(200, {"results": items[(page - 1) * per_page : page * per_page]}, headers)

    def _host(self):
        return f"http://{self.headers.get('Host')}"

    # --- bodies of the service's shapes ------------------------------------------------------------------------------

    def _project(self, project):
        return {"kind": "dds-project", **project, "is_deleted": False, "is_consistent": True, "audit": AUDIT}

    def _ancestors(self, parent):
        chain = []
        while parent["kind"] == "dds-folder":
            folder = self.state.folders[parent["id"]]
            chain.append({"kind": "dds-folder", "id": folder["id"], "name": folder["name"]})
            parent = folder["parent"]
        project = self.state.projects[parent["id"]]
        chain.append({"kind": "dds-project", "id": project["id"], "name": project["name"]})
        return chain[::-1]

    def _folder(self, folder):
        project = self.state.projects[folder["project_id"]]
        return {
            "kind": "dds-folder",
            "id": folder["id"],
            "parent": folder["parent"],
            "name": folder["name"],
            "is_deleted": False,
            "audit": AUDIT,
            "project": {"id": project["id"], "name": project["name"]},
            "ancestors": self._ancestors(folder["parent"]),
        }

    def _upload(self, upload):
        body = {
            "id": upload["id"],
            "name": upload["name"],
            "content_type": upload["content_type"],
            "size": upload["size"],
            "etag": upload["id"].replace("-", ""),
            "storage_container": upload["project_id"],
            "status": {
                "initiated_on": NOW,
                "completed_on": NOW if upload["hashes"] else None,
                "is_consistent": True if upload["hashes"] else None,
                "purged_on": None,
                "error_on": None,
                "error_message": None,
            },
            "audit": AUDIT,
            "project": {"id": upload["project_id"], "name": self.state.projects[upload["project_id"]]["name"]},
            "storage_provider": PROVIDER,
            "hashes": upload["hashes"],
        }
        if upload["chunked"]:
            body["chunks"] = [dict(chunk, is_stored=True) for _, chunk in sorted(upload["chunks"].items())]
            body["status"]["ready_for_chunks"] = True
        else:
            body["signed_url"] = self._descriptor("PUT", f"/sink/bytes/{upload['id']}")
        return body

    def _file(self, file):
        upload = self.state.uploads[file["upload_id"]]
        project = self.state.projects[upload["project_id"]]
        return {
            "kind": "dds-file",
            "id": file["id"],
            "parent": file["parent"],
            "name": upload["name"],
            "audit": AUDIT,
            "is_deleted": False,
            "current_version": {
                "id": file["version_id"],
                "version": 1,
                "label": None,
                "upload": {
                    "id": upload["id"],
                    "size": upload["size"],
                    "storage_provider": PROVIDER,
                    "hashes": upload["hashes"],
                },
            },
            "project": {"id": project["id"], "name": project["name"]},
            "ancestors": self._ancestors(file["parent"]),
        }

    def _descriptor(self, verb, url):
        return {"http_verb": verb, "host": self._host(), "url": url, "http_headers": []}

    def _download(self, file):
        size = self.state.uploads[file["upload_id"]]["size"]
        return self._descriptor("GET", f"/sink/zeros/{size}")

    # --- the API ---------------------------------------------------------------------------------------------------

    def api_token(self):
        self._body()
        self._json(201, {"api_token": "sink", "expires_on": int(time.time()) + 7200, "time_to_live": 7200})

    def current_user(self):
        self._json(200, {**USER, "first_name": "", "last_name": "", "email": "", "audit": AUDIT})

    def project_list(self):
        with self.state.lock:
            projects = [self._project(project) for project in self.state.projects.values()]
        self._page(projects)

    def project_create(self):
        body = self._body()
        project = {"id": str(uuid.uuid4()), "name": body["name"], "slug": body["name"], "description": body["name"]}
        with self.state.lock:
            self.state.projects[project["id"]] = project
        self._json(202, self._project(project))

    def project_get(self, project_id):
        with self.state.lock:
            body = self._project(self.state.projects[project_id])
        self._json(200, body)

    def children(self, kind, parent_id):
        """Every folder and file under the parent, as the service lists them with name_contains."""
        with self.state.lock:
            nodes = [self._folder(folder) for folder in self.state.folders.values()]
            nodes += [self._file(file) for file in self.state.files.values()]
        self._page([node for node in nodes if parent_id in {ancestor["id"] for ancestor in node["ancestors"]}])

    def folder_create(self):
        body = self._body()
        parent = {"kind": body["parent"]["kind"], "id": body["parent"]["id"]}
        with self.state.lock:
            project_id = self._ancestors(parent)[0]["id"]
            folder = {"id": str(uuid.uuid4()), "name": body["name"], "parent": parent, "project_id": project_id}
            self.state.folders[folder["id"]] = folder
            body = self._folder(folder)
        self._json(201, body)

    def upload_create(self, project_id):
        body = self._body()
        upload = {
            "id": str(uuid.uuid4()),
            "project_id": project_id,
            "name": body["name"],
            "content_type": body.get("content_type", "application/octet-stream"),
            "size": int(body["size"]),
            "chunked": body.get("chunked", True),
            "chunks": {},
            "hashes": [],
        }
        with self.state.lock:
            self.state.uploads[upload["id"]] = upload
            body = self._upload(upload)
        self._json(201, body)

    def upload_get(self, upload_id):
        with self.state.lock:
            body = self._upload(self.state.uploads[upload_id])
        self._json(200, body)

    def chunk_url(self, upload_id):
        body = self._body()
        chunk = {"number": int(body["number"]), "size": int(body["size"]), "hash": body["hash"]}
        with self.state.lock:
            self.state.uploads[upload_id]["chunks"][chunk["number"]] = chunk
        self._json(200, self._descriptor("PUT", f"/sink/bytes/{upload_id}/{chunk['number']}"))

    def upload_complete(self, upload_id):
        body = self._body()
        hashes = [{"algorithm": body["hash[algorithm]"], "value": body["hash[value]"], "audit": AUDIT}]
        with self.state.lock:
            upload = self.state.uploads[upload_id]
            upload["hashes"] = hashes
            body = self._upload(upload)
        self._json(202, body)

    def file_create(self):
        body = self._body()
        file = {
            "id": str(uuid.uuid4()),
            "version_id": str(uuid.uuid4()),
            "parent": {"kind": body["parent"]["kind"], "id": body["parent"]["id"]},
            "upload_id": body["upload"]["id"],
        }
        with self.state.lock:
            self.state.files[file["id"]] = file
            body = self._file(file)
        self._json(201, body)

    def file_get(self, file_id):
        with self.state.lock:
            body = self._file(self.state.files[file_id])
        self._json(200, body)

    def file_url(self, file_id):
        with self.state.lock:
            body = self._download(self.state.files[file_id])
        self._json(200, body)

    def project_files(self, project_id):
        with self.state.lock:
            items = []
            for file in self.state.files.values():
                upload = self.state.uploads[file["upload_id"]]
                if upload["project_id"] != project_id:
                    continue
                items.append(
                    {
                        "id": file["id"],
                        "name": upload["name"],
                        "size": upload["size"],
                        "file_url": self._download(file),
                        "ancestors": self._ancestors(file["parent"]),
                    }
                )
        for item in items:  # outside the lock: the first listing of a large size takes a while
            item["hashes"] = [{"value": self.state.md5_of_zeros(item["size"]), "algorithm": "md5"}]
        self._page(items)

    # --- transfers and the sink's own figures ----------------------------------------------------------------------

    def bytes_in(self, _path):
        self._discard()
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def zeros_out(self, size):
        size = int(size)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        for offset in range(0, size, BLOCK):
            self.wfile.write(ZEROS[: min(BLOCK, size - offset)])
        with self.state.lock:
            self.state.sent += size

    def stats(self):
        with self.state.lock:
            figures = {"requests": self.state.requests, "received": self.state.received, "sent": self.state.sent}
        self._json(200, figures)


API = "/api/v1"
ROUTES = [
    ("POST", f"{API}/software_agents/api_token", Sink.api_token),
    ("GET", f"{API}/current_user", Sink.current_user),
    ("GET", f"{API}/projects", Sink.project_list),
    ("POST", f"{API}/projects", Sink.project_create),
    ("GET", f"{API}/projects/{ID}", Sink.project_get),
    ("GET", f"{API}/(projects|folders)/{ID}/children", Sink.children),
    ("POST", f"{API}/folders", Sink.folder_create),
    ("POST", f"{API}/projects/{ID}/uploads", Sink.upload_create),
    ("GET", f"{API}/uploads/{ID}", Sink.upload_get),
    ("PUT", f"{API}/uploads/{ID}/chunks", Sink.chunk_url),
    ("PUT", f"{API}/uploads/{ID}/complete", Sink.upload_complete),
    ("POST", f"{API}/files/?", Sink.file_create),
    ("GET", f"{API}/files/{ID}", Sink.file_get),
    ("GET", f"{API}/files/{ID}/url", Sink.file_url),
    ("GET", f"{API}/projects/{ID}/files", Sink.project_files),
    ("PUT", r"/sink/bytes/(.+)", Sink.bytes_in),
    ("GET", r"/sink/zeros/(\d+)", Sink.zeros_out),
    ("GET", "/sink/stats", Sink.stats),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    arguments = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Sink)
    server.daemon_threads = True
    print(f"sink listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
