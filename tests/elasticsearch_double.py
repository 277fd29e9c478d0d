"""The one permitted test double: an Elasticsearch 8 HTTP endpoint on loopback.

It speaks the wire format the official Python client 8.x sends and checks, and refuses what that client would never
send: every answer carries `X-Elastic-Product: Elasticsearch` (the client's product check) and the compatible-with=8
JSON media type; request bodies must come as `application/vnd.elasticsearch+json; compatible-with=8` (NDJSON
`…+x-ndjson` for `_bulk`) and `Accept` must ask for the same compatibility version, else the answer is the 400
`media_type_header_exception` Elasticsearch gives. It implements what the message-log indexer uses: `GET /` (info),
`HEAD|GET|PUT /<index>`, `GET /<index>/_mapping`, `POST /_bulk` and `POST /<index>/_bulk` (index/create/delete
actions), `PUT|GET /<index>/_doc/<id>` (one document, as the original indexer sent them), `GET /<index>/_count`.
And what search of folders and files uses: index creation with `mappings` and `aliases`, `DELETE /<index>[,…]`,
`DELETE /<index>/_doc/<id>`, `GET /_alias/<alias>`, `POST /_aliases` (add/remove, applied together or not at all),
`POST /<index>/_refresh`, and `POST /<index or alias>/_search` evaluated for real over the stored documents: `bool`
(`filter`, `must`, `should` with `minimum_should_match`, `must_not`), `term`, `terms`, `wildcard` (`*`, `?`, backslash
escapes, `case_insensitive`), `match_all`, on keyword fields of the mapping only; `post_filter`; `terms` aggregations
(most documents first, then by key; `sum_other_doc_count`); `sort` on keyword fields; `from`/`size` within the
10,000 result window; `track_total_hits`; `_source: false`. A query, aggregation or parameter outside these is refused
with a 400 (a test then says what the double lacks, rather than passing on a guess).
Anything else is answered as Elasticsearch answers an unknown route.

Every request is recorded (method, path, query, headers, body). Knobs, for the tests:

- `fail_bulk(n, status=500)`: the n-th bulk request (counted from 1 since start) is answered with an Elasticsearch
  error body and stores nothing;
- `hold_bulk(n)`: the n-th bulk request waits, before anything is stored, until `release()`; `held` is set once it
  has arrived (then the client can be killed mid-bulk). After release the bulk is applied, as a real cluster would
  apply a bulk whose client died, and the answer goes nowhere if the client has gone;
- `reject_ids`: documents whose `_id` is in the set get a per-item 400 `document_parsing_exception` (the others of
  the same bulk are stored, as in Elasticsearch; the response has `errors: true`);
- `product = None`: answers lack `X-Elastic-Product`, as any other HTTP server's would (the client refuses them).
"""

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

VERSION = "8.19.0"
COMPAT = 8
JSON_MEDIA_TYPE = f"application/vnd.elasticsearch+json;compatible-with={COMPAT}"
_MEDIA_TYPE = re.compile(
    r"^\s*application/(?:vnd\.elasticsearch\+)?(?P<subtype>json|x-ndjson)\s*(?P<params>(?:;[^;]*)*)$", re.IGNORECASE
)
_INDEX_NAME = re.compile(r"^[a-z0-9][a-z0-9_.+-]*$")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict  # lower-cased names
    body: bytes

    def json(self):
        return json.loads(self.body)

    def ndjson(self):
        """The lines of an NDJSON body, each parsed."""
        return [json.loads(line) for line in self.body.decode().splitlines() if line.strip()]

    def bulk_ids(self):
        """The `_id` of each action of a bulk body, in order."""
        return [next(iter(line.values()))["_id"] for line in _actions(self.ndjson())]


@dataclass
class Index:
    mappings: dict | None
    settings: dict = field(default_factory=dict)
    documents: dict = field(default_factory=dict)  # _id -> (version, source)
    uuid: str = field(default_factory=lambda: uuid.uuid4().hex[:22])
    aliases: set = field(default_factory=set)


def _actions(lines):
    """Action lines of a parsed bulk body (delete has no source line)."""
    actions, position = [], 0
    while position < len(lines):
        action = lines[position]
        actions.append(action)
        position += 1 if "delete" in action else 2
    return actions


def _media_type(value):
    """(subtype, compatible-with or None) of an Elasticsearch media type, or None if it is not one."""
    match = _MEDIA_TYPE.match(value or "")
    if not match:
        return None
    params = dict(
        (part.split("=", 1)[0].strip().lower(), part.split("=", 1)[1].strip())
        for part in match["params"].split(";")
        if "=" in part
    )
    compat = params.get("compatible-with")
    return match["subtype"].lower(), (int(compat) if compat and compat.isdigit() else compat)


def error_body(status, error_type, reason, **extra):
    cause = {"type": error_type, "reason": reason, **extra}
    return {"error": {"root_cause": [cause], **cause}, "status": status}


class ElasticsearchDouble:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.indices = {}
        self.bulk_count = 0
        self._failures = {}
        self._hold = None
        self.held = threading.Event()
        self._release = threading.Event()
        self.reject_ids = set()
        self.product = "Elasticsearch"  # None: answer as some other HTTP server would (the client refuses it)
        self.cluster_uuid = uuid.uuid4().hex[:22]
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="elasticsearch-double", daemon=True)

    # --- lifecycle ---

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.release()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)

    # --- knobs ---

    def fail_bulk(self, number, status=500):
        """Answer the `number`-th bulk request (from 1) with an Elasticsearch error of `status`."""
        self._failures[number] = status

    def hold_bulk(self, number):
        """Hold the `number`-th bulk request open until `release()`; `held` is set when it arrives."""
        self._hold = number
        self.held.clear()
        self._release.clear()

    def release(self):
        self._release.set()

    # --- what the tests look at ---

    def recorded(self, method=None, path=None):
        with self.lock:
            return [
                request
                for request in self.requests
                if (method is None or request.method == method) and (path is None or request.path == path)
            ]

    def bulk_requests(self):
        with self.lock:
            return [request for request in self.requests if request.path.rsplit("/", 1)[-1] == "_bulk"]

    def documents(self, index):
        """{_id: source} of an index."""
        with self.lock:
            if index not in self.indices:
                return {}
            return {doc_id: source for doc_id, (_, source) in self.indices[index].documents.items()}

    def versions(self, index):
        with self.lock:
            return {doc_id: version for doc_id, (version, _) in self.indices[index].documents.items()}

    # --- the API ---

    def handle(self, method, path, query, headers, body):
        """(status, body dict or None) for one request; the handler does the HTTP."""
        refused = self._check_media_types(path, headers, body)
        if refused:
            return refused
        parts = [unquote(part) for part in path.strip("/").split("/") if part]
        if method in ("GET", "HEAD") and not parts:
            return 200, self._info()
        if parts[:1] == ["_alias"] and len(parts) == 2 and method == "GET":
            return self._get_alias(parts[1])
        if parts == ["_aliases"] and method == "POST":
            return self._update_aliases(body)
        if len(parts) == 2 and parts[1] == "_search" and method in ("GET", "POST"):
            return self._search(parts[0], query, body)
        if len(parts) == 2 and parts[1] == "_refresh" and method in ("GET", "POST"):
            with self.lock:
                missing = [name for name in parts[0].split(",") if not self._resolve(name)]
            if missing:
                return self._index_not_found(missing[0])
            return 200, {"_shards": {"total": 2, "successful": 1, "failed": 0}}
        if len(parts) == 3 and parts[1] == "_doc" and method == "DELETE":
            result = self._apply("delete", parts[0], parts[2], None)
            return result.pop("status"), result
        if len(parts) == 1 and not parts[0].startswith("_") and method == "DELETE":
            return self._delete_indices(parts[0].split(","))
        if parts and parts[-1] == "_bulk" and len(parts) <= 2:
            if method not in ("POST", "PUT"):
                return self._no_handler(method, path)
            if query.get("refresh", "false") not in ("", "true", "false", "wait_for") or set(query) - {"refresh"}:
                refused = f"the double takes no bulk parameters but refresh: {query}"
                return 400, error_body(400, "illegal_argument_exception", refused)
            return self._bulk(parts[0] if len(parts) == 2 else None, body)
        if len(parts) == 1 and not parts[0].startswith("_"):
            name = parts[0]
            if method == "HEAD":
                return (200 if name in self.indices else 404), None
            if method == "PUT":
                return self._create_index(name, body)
            if method == "GET":
                with self.lock:
                    if name not in self.indices:
                        return self._index_not_found(name)
                    index = self.indices[name]
                    return 200, {
                        name: {
                            "aliases": {alias: {} for alias in sorted(index.aliases)},
                            "mappings": index.mappings or {},
                            "settings": self._settings(name),
                        }
                    }
        if len(parts) == 2 and parts[1] == "_mapping" and method == "GET":
            with self.lock:
                if parts[0] not in self.indices:
                    return self._index_not_found(parts[0])
                return 200, {parts[0]: {"mappings": self.indices[parts[0]].mappings or {}}}
        if len(parts) == 2 and parts[1] == "_mapping" and method in ("PUT", "POST"):
            return self._put_mapping(parts[0], body)
        if len(parts) == 2 and parts[1] == "_settings" and method == "GET":
            with self.lock:
                if parts[0] not in self.indices:
                    return self._index_not_found(parts[0])
                return 200, {parts[0]: {"settings": self._settings(parts[0])}}
        if len(parts) == 2 and parts[1] == "_count" and method in ("GET", "POST"):
            with self.lock:
                if parts[0] not in self.indices:
                    return self._index_not_found(parts[0])
                count = len(self.indices[parts[0]].documents)
            return 200, {"count": count, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}}
        if len(parts) == 3 and parts[1] == "_doc" and method in ("PUT", "POST"):
            result = self._apply("index", parts[0], parts[2], json.loads(body))
            return result.pop("status"), result
        if len(parts) == 3 and parts[1] == "_doc" and method == "GET":
            with self.lock:
                if parts[0] not in self.indices:
                    return self._index_not_found(parts[0])
                found = self.indices[parts[0]].documents.get(parts[2])
            if found is None:
                return 404, {"_index": parts[0], "_id": parts[2], "found": False}
            version, source = found
            return 200, {
                "_index": parts[0],
                "_id": parts[2],
                "_version": version,
                "_seq_no": version - 1,
                "_primary_term": 1,
                "found": True,
                "_source": source,
            }
        return self._no_handler(method, path)

    def _check_media_types(self, path, headers, body):
        """Refuse what the 8.x client never sends: Elasticsearch's own 400 for a media-type header it rejects."""
        bulk = path.rstrip("/").endswith("/_bulk")
        accept = headers.get("accept")
        content_type = headers.get("content-type")
        accepted = _media_type(accept)
        sent = _media_type(content_type) if body else None
        problems = []
        if accepted is None or accepted[1] != COMPAT:
            problems.append(f"Accept={accept}")
        if body:
            expected = "x-ndjson" if bulk else "json"
            if sent is None or sent[0] != expected or sent[1] != COMPAT:
                problems.append(f"Content-Type={content_type}")
        if not problems:
            return None
        reason = f"Invalid media-type value on headers [{'Accept, Content-Type' if body else 'Accept'}]"
        return 400, {
            "error": {
                "root_cause": [{"type": "media_type_header_exception", "reason": reason}],
                "type": "media_type_header_exception",
                "reason": reason,
                "caused_by": {
                    "type": "status_exception",
                    "reason": "A compatible version is required on both Content-Type and Accept headers if either one "
                    "has requested a compatible-with parameter and the compatible versions must match. "
                    + ", ".join(problems),
                },
            },
            "status": 400,
        }

    def _info(self):
        return {
            "name": "elasticsearch-double",
            "cluster_name": "dds-test",
            "cluster_uuid": self.cluster_uuid,
            "version": {
                "number": VERSION,
                "build_flavor": "default",
                "build_type": "docker",
                "build_hash": "0" * 40,
                "build_date": "2025-01-01T00:00:00.000000000Z",
                "build_snapshot": False,
                "lucene_version": "9.12.0",
                "minimum_wire_compatibility_version": "7.17.0",
                "minimum_index_compatibility_version": "7.0.0",
            },
            "tagline": "You Know, for Search",
        }

    def _settings(self, name):
        index = self.indices[name]
        return {
            "index": {
                "number_of_shards": "1",
                "number_of_replicas": "1",
                "provided_name": name,
                "uuid": index.uuid,
                **index.settings.get("index", {}),
            }
        }

    def _no_handler(self, method, path):
        return 400, {"error": f"no handler found for uri [{path}] and method [{method}]"}

    def _index_not_found(self, name):
        return 404, error_body(
            404,
            "index_not_found_exception",
            f"no such index [{name}]",
            index=name,
            **{"resource.type": "index_or_alias"},
        )

    # --- aliases and search (folders and files) ---

    def _aliases(self):
        """{alias: [index names]} (called with the lock held)."""
        found = {}
        for name, index in self.indices.items():
            for alias in index.aliases:
                found.setdefault(alias, []).append(name)
        return found

    def _resolve(self, name):
        """The indices an index name or alias names (called with the lock held)."""
        if name in self.indices:
            return [name]
        return sorted(self._aliases().get(name, []))

    def aliased(self, alias):
        """The index names behind `alias`, for the tests."""
        with self.lock:
            return sorted(self._aliases().get(alias, []))

    def _get_alias(self, alias):
        with self.lock:
            names = sorted(self._aliases().get(alias, []))
        if not names:
            return 404, {"error": f"alias [{alias}] missing", "status": 404}
        return 200, {name: {"aliases": {alias: {}}} for name in names}

    def _update_aliases(self, body):
        actions = json.loads(body).get("actions")
        if not isinstance(actions, list) or not actions:
            return 400, error_body(400, "action_request_validation_exception", "Validation Failed: 1: no actions;")
        with self.lock:
            staged = {name: set(index.aliases) for name, index in self.indices.items()}
            for action in actions:
                ((op, target),) = action.items()
                if op not in ("add", "remove") or set(target) - {"index", "alias"}:
                    return 400, error_body(400, "illegal_argument_exception", f"the double takes add/remove: {action}")
                if target["index"] not in staged:
                    return self._index_not_found(target["index"])
                if op == "add":
                    staged[target["index"]].add(target["alias"])
                elif target["alias"] in staged[target["index"]]:
                    staged[target["index"]].discard(target["alias"])
                else:
                    return 404, error_body(
                        404,
                        "aliases_not_found_exception",
                        f"aliases [{target['alias']}] missing",
                        **{"resource.type": "aliases", "resource.id": target["alias"]},
                    )
            for name, aliases in staged.items():
                self.indices[name].aliases = aliases
        return 200, {"acknowledged": True, "errors": False}

    def _delete_indices(self, names):
        with self.lock:
            for name in names:
                if name not in self.indices:
                    return self._index_not_found(name)
            for name in names:
                del self.indices[name]
        return 200, {"acknowledged": True}

    def _search(self, target, query, body):
        if set(query) - {"typed_keys"} or query.get("typed_keys", "false") != "false":
            return 400, error_body(400, "illegal_argument_exception", f"the double takes no search parameters {query}")
        request = json.loads(body) if body else {}
        unknown = set(request) - {"query", "post_filter", "aggs", "sort", "from", "size", "track_total_hits", "_source"}
        if unknown:
            refused = f"Unknown key for a START_OBJECT in [{sorted(unknown)[0]}]."
            return 400, error_body(400, "parsing_exception", refused)
        with self.lock:
            names = [resolved for name in target.split(",") for resolved in self._resolve(name)]
            if not names:
                return self._index_not_found(target)
            keywords = set()
            for name in names:
                properties = (self.indices[name].mappings or {}).get("properties", {})
                keywords |= {key for key, mapped in properties.items() if mapped.get("type") == "keyword"}
            documents = [
                (name, doc_id, source) for name in names for doc_id, (_, source) in self.indices[name].documents.items()
            ]
        evaluator = Evaluator(keywords)
        start, size = request.get("from", 0), request.get("size", 10)
        if start + size > 10_000:
            return 400, error_body(
                400,
                "illegal_argument_exception",
                f"Result window is too large, from + size must be less than or equal to: [10000] but was "
                f"[{start + size}].",
            )
        try:
            matching = [doc for doc in documents if evaluator.matches(request.get("query", {"match_all": {}}), doc[2])]
            aggs = {
                name: evaluator.terms_agg(name, agg, [doc[2] for doc in matching])
                for name, agg in request.get("aggs", {}).items()
            }
            if "post_filter" in request:
                matching = [doc for doc in matching if evaluator.matches(request["post_filter"], doc[2])]
            sort_keys = []
            if "sort" in request:
                key, sort_keys = evaluator.sort_key(request["sort"])
                matching.sort(key=lambda doc: key((doc[1], doc[2])))
        except Refused as refused:
            return 400, error_body(400, refused.error_type, refused.reason)
        total = len(matching)
        tracked = request.get("track_total_hits", 10_000)
        limit = 10_000 if tracked is False else (None if tracked is True else tracked)
        hits_total = (
            {"value": total, "relation": "eq"}
            if limit is None or total <= limit
            else {"value": limit, "relation": "gte"}
        )
        hits = []
        for name, doc_id, source in matching[start : start + size]:
            hit = {"_index": name, "_id": doc_id, "_score": None if sort_keys else 1.0}
            if request.get("_source", True) is not False:
                hit["_source"] = source
            if sort_keys:
                hit["sort"] = [min(_keyword_values(source, key), default=None) for key in sort_keys]
            hits.append(hit)
        answer = {
            "took": 1,
            "timed_out": False,
            "_shards": {"total": len(names), "successful": len(names), "skipped": 0, "failed": 0},
            "hits": {"total": hits_total, "max_score": None if sort_keys else 1.0, "hits": hits},
        }
        if aggs:
            answer["aggregations"] = aggs
        return 200, answer

    def _create_index(self, name, body):
        if not _INDEX_NAME.match(name):
            return 400, error_body(400, "invalid_index_name_exception", f"Invalid index name [{name}]", index=name)
        try:
            definition = json.loads(body) if body else {}
        except ValueError as error:
            return 400, error_body(400, "parse_exception", f"request body is not valid JSON: {error}")
        unknown = set(definition) - {"mappings", "settings", "aliases"}
        if unknown:
            return 400, error_body(400, "parse_exception", f"unknown key [{sorted(unknown)[0]}] for create index")
        with self.lock:
            if name in self._aliases():
                return 400, error_body(
                    400, "invalid_index_name_exception", f"Invalid index name [{name}], already exists as alias"
                )
            if name in self.indices:
                return 400, error_body(
                    400,
                    "resource_already_exists_exception",
                    f"index [{name}/{self.indices[name].uuid}] already exists",
                    index=name,
                )
            self.indices[name] = Index(
                mappings=definition.get("mappings"),
                settings=definition.get("settings") or {},
                aliases=set(definition.get("aliases") or {}),
            )
        return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}

    def _put_mapping(self, name, body):
        try:
            mapping = json.loads(body) if body else {}
        except ValueError as error:
            return 400, error_body(400, "parse_exception", f"request body is not valid JSON: {error}")
        with self.lock:
            if name not in self.indices:
                return self._index_not_found(name)
            index = self.indices[name]
            current = index.mappings or {}
            properties = dict(current.get("properties", {}))
            for field_name, definition in mapping.get("properties", {}).items():
                existing = properties.get(field_name)
                if existing is not None and existing.get("type") != definition.get("type"):
                    return 400, error_body(
                        400,
                        "illegal_argument_exception",
                        f"mapper [{field_name}] cannot be changed from type [{existing.get('type')}] to "
                        f"[{definition.get('type')}]",
                    )
                properties[field_name] = definition
            index.mappings = {
                **current,
                **{k: v for k, v in mapping.items() if k != "properties"},
                "properties": properties,
            }
        return 200, {"acknowledged": True}

    def _bulk(self, default_index, body):
        started = time.monotonic()
        with self.lock:
            self.bulk_count += 1
            number = self.bulk_count
        if number in self._failures:
            status = self._failures[number]
            return status, error_body(status, "exception", f"injected failure of bulk request {number}")
        if number == self._hold:
            self.held.set()
            self._release.wait()
        try:
            lines = [json.loads(line) for line in body.decode().split("\n") if line.strip()]
        except ValueError as error:
            return 400, error_body(400, "x_content_parse_exception", f"[1:1] malformed bulk body: {error}")
        if not lines:
            return 400, error_body(
                400, "action_request_validation_exception", "Validation Failed: 1: no requests added;"
            )
        items, position = [], 0
        while position < len(lines):
            action = lines[position]
            if not isinstance(action, dict) or len(action) != 1:
                return 400, error_body(400, "illegal_argument_exception", "Malformed action/metadata line")
            ((op, meta),) = action.items()
            if op not in ("index", "create", "delete"):
                return 400, error_body(
                    400, "illegal_argument_exception", f"Malformed action/metadata line [{position + 1}]"
                )
            if op == "delete":
                source, position = None, position + 1
            else:
                if position + 1 >= len(lines):
                    return 400, error_body(
                        400, "action_request_validation_exception", "Validation Failed: 1: source is missing;"
                    )
                source, position = lines[position + 1], position + 2
            index_name = meta.get("_index", default_index)
            if not index_name:
                return 400, error_body(
                    400, "action_request_validation_exception", "Validation Failed: 1: index is missing;"
                )
            items.append({op: self._apply(op, index_name, meta.get("_id"), source)})
        took = int((time.monotonic() - started) * 1000)
        return 200, {
            "errors": any("error" in next(iter(item.values())) for item in items),
            "took": took,
            "items": items,
        }

    def _apply(self, op, index_name, doc_id, source):
        doc_id = doc_id if doc_id is not None else uuid.uuid4().hex[:20]
        doc_id = str(doc_id)
        shards = {"total": 2, "successful": 1, "failed": 0}
        with self.lock:
            behind = sorted(name for name, index in self.indices.items() if index_name in index.aliases)
            if len(behind) > 1:
                return {
                    "_index": index_name,
                    "_id": doc_id,
                    "status": 400,
                    "error": {
                        "type": "illegal_argument_exception",
                        "reason": f"no write index is defined for alias [{index_name}]. The write index may be "
                        "explicitly disabled using is_write_index=false or the alias points to multiple indices "
                        "without one being designated as a write index",
                    },
                }
            index_name = behind[0] if behind else index_name
            if index_name not in self.indices:
                if op == "delete":
                    return {
                        "_index": index_name,
                        "_id": doc_id,
                        "status": 404,
                        "error": self._index_not_found(index_name)[1]["error"],
                    }
                self.indices[index_name] = Index(mappings=None)  # dynamic mapping, as Elasticsearch auto-creates
            index = self.indices[index_name]
            if doc_id in self.reject_ids and op != "delete":
                return {
                    "_index": index_name,
                    "_id": doc_id,
                    "status": 400,
                    "error": {
                        "type": "document_parsing_exception",
                        "reason": f"[1:1] failed to parse: document with id '{doc_id}' refused by the double",
                    },
                }
            previous = index.documents.get(doc_id)
            if op == "delete":
                if previous is None:
                    return {
                        "_index": index_name,
                        "_id": doc_id,
                        "_version": 1,
                        "result": "not_found",
                        "_shards": shards,
                        "_seq_no": 0,
                        "_primary_term": 1,
                        "status": 404,
                    }
                del index.documents[doc_id]
                version, result, status = previous[0] + 1, "deleted", 200
            elif op == "create" and previous is not None:
                return {
                    "_index": index_name,
                    "_id": doc_id,
                    "status": 409,
                    "error": {
                        "type": "version_conflict_engine_exception",
                        "reason": f"[{doc_id}]: version conflict, document already exists (current version "
                        f"[{previous[0]}])",
                        "index": index_name,
                    },
                }
            else:
                version = previous[0] + 1 if previous else 1
                result, status = ("updated", 200) if previous else ("created", 201)
                index.documents[doc_id] = (version, source)
        return {
            "_index": index_name,
            "_id": doc_id,
            "_version": version,
            "result": result,
            "_shards": shards,
            "_seq_no": version - 1,
            "_primary_term": 1,
            "status": status,
        }


def _keyword_values(source, name):
    """The values of a keyword field of a document (a missing field has none; a list, each of its items)."""
    value = source.get(name)
    if value is None:
        return []
    return [str(item) for item in (value if isinstance(value, list) else [value])]


def _wildcard_regex(pattern, case_insensitive):
    parts, position = [], 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\" and position + 1 < len(pattern):
            parts.append(re.escape(pattern[position + 1]))
            position += 2
            continue
        parts.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
        position += 1
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if case_insensitive else 0))


class Refused(Exception):
    """A search the double does not evaluate (or Elasticsearch refuses): a 400 with this reason."""

    def __init__(self, reason, error_type="parsing_exception"):
        super().__init__(reason)
        self.reason, self.error_type = reason, error_type


class Evaluator:
    """A search body's query, post_filter, aggs and sort over one set of documents, with a mapping's keyword fields."""

    def __init__(self, keywords):
        self.keywords = keywords

    def keyword(self, name):
        if name not in self.keywords:
            raise Refused(f"[{name}] is not a keyword field of the mapping: the double evaluates keyword fields only")
        return name

    def matches(self, query, source):
        if not isinstance(query, dict) or len(query) != 1:
            raise Refused("query malformed, must start with start_object")
        ((kind, body),) = query.items()
        if kind == "match_all":
            return True
        if kind == "bool":
            return self._bool(body, source)
        if kind in ("term", "terms", "wildcard"):
            if not isinstance(body, dict) or len(body) != 1:
                raise Refused(f"[{kind}] query malformed")
            ((name, wanted),) = body.items()
            values = _keyword_values(source, self.keyword(name))
            if kind == "terms":
                if not isinstance(wanted, list):
                    raise Refused("[terms] query does not support a single value")
                return bool(set(values) & {str(value) for value in wanted})
            if kind == "term":
                wanted = wanted["value"] if isinstance(wanted, dict) else wanted
                return str(wanted) in values
            if not isinstance(wanted, dict) or set(wanted) - {"value", "case_insensitive"}:
                raise Refused("[wildcard] the double takes only value and case_insensitive")
            regex = _wildcard_regex(wanted["value"], wanted.get("case_insensitive", False))
            return any(regex.fullmatch(value) for value in values)
        raise Refused(f"unknown query [{kind}]", "parsing_exception")

    def _bool(self, body, source):
        def clauses(name):
            found = body.get(name, [])
            return found if isinstance(found, list) else [found]

        unknown = set(body) - {"filter", "must", "should", "must_not", "minimum_should_match"}
        if unknown:
            raise Refused(f"[bool] query does not support [{sorted(unknown)[0]}]")
        if not all(self.matches(clause, source) for clause in clauses("filter") + clauses("must")):
            return False
        if any(self.matches(clause, source) for clause in clauses("must_not")):
            return False
        should = clauses("should")
        if not should:
            return True
        required = body.get("minimum_should_match", 0 if clauses("filter") + clauses("must") else 1)
        return sum(self.matches(clause, source) for clause in should) >= int(required)

    def terms_agg(self, name, body, sources):
        if not isinstance(body, dict) or set(body) != {"terms"}:
            raise Refused(f"the double evaluates terms aggregations only, not [{name}]: {sorted(body)}")
        terms = body["terms"]
        if set(terms) - {"field", "size"}:
            raise Refused(f"[terms] aggregation: the double takes field and size, not {sorted(terms)}")
        field_name, size = self.keyword(terms["field"]), terms.get("size", 10)
        if not isinstance(size, int) or size < 1:
            raise Refused(f"[size] must be greater than 0. Found [{size}] in [{name}]", "illegal_argument_exception")
        counts = {}
        for source in sources:
            for value in set(_keyword_values(source, field_name)):
                counts[value] = counts.get(value, 0) + 1
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        shown = ordered[:size]
        return {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": sum(counts.values()) - sum(count for _, count in shown),
            "buckets": [{"key": key, "doc_count": count} for key, count in shown],
        }

    def sort_key(self, sort):
        keys = []
        for item in sort if isinstance(sort, list) else [sort]:
            name, order = (item, "asc") if isinstance(item, str) else next(iter(item.items()))
            order = order.get("order", "asc") if isinstance(order, dict) else order
            if order != "asc":
                raise Refused("the double sorts ascending only")
            keys.append(self.keyword(name))

        def key(document):
            doc_id, source = document
            # A multi-valued field sorts by its least value, ascending; a document without one goes last.
            return [(0, min(values)) if (values := _keyword_values(source, name)) else (1, "") for name in keys] + [
                (0, doc_id)
            ]

        return key, keys


def _handler_for(double):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "elasticsearch-double"
        # Headers and body leave in one write, without Nagle's delay: a request costs what the wire costs.
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def _serve(self):
            target = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            query = {name: values[-1] for name, values in parse_qs(target.query, keep_blank_values=True).items()}
            with double.lock:
                double.requests.append(Recorded(self.command, target.path, query, headers, body))
            status, payload = double.handle(self.command, target.path, query, headers, body)
            data = json.dumps(payload).encode() if payload is not None else b""
            try:
                self.send_response(status)
                if double.product:
                    self.send_header("X-Elastic-Product", double.product)
                self.send_header("Content-Type", JSON_MEDIA_TYPE)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client is gone (killed mid-request)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _serve

        def send_response(self, code, message=None):
            # Elasticsearch sends neither `Server` nor `Date`.
            self.log_request(code)
            self.send_response_only(code, message)

        def log_message(self, format, *args):
            pass

    return Handler
