"""The API fuzzed from its own OpenAPI schema: every operation, a few cases each, under a fixed seed.

Each operation gets a fresh world (a system admin with a project, a folder, a verified file, an upload waiting for
chunks, …; tests/fuzzing.py) and 5 positive and 5 negative cases (negative ones only where a query or a body can be
invalid), sent in process through WSGI with the raw api_token. A failure lists every check that failed, by operation,
with the request and the response. The long run is bench/fuzz.py.
"""

import pytest
from django.core import signals
from django.db import close_old_connections

from . import fuzzing

EXAMPLES = 5

SCHEMA = fuzzing.load_schema()
OPERATIONS = fuzzing.operations(SCHEMA)


def test_the_schema_documents_every_api_route():
    labels = {label.split(" ", 1)[1] for label in OPERATIONS}
    assert {"/api/v1/projects/{id}", "/api/v1/uploads/{id}/complete", "/health"} <= labels
    assert len(OPERATIONS) >= 70


@pytest.fixture
def connection_kept():
    """Requests go through the WSGI handler, which closes old connections at each request's start and end: Django's
    test client disconnects that, so that the test's transaction (and the world in it) survives; so does this."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.mark.parametrize("label", list(OPERATIONS))
def test_every_answer_agrees_with_the_schema(db, storage_root, connection_kept, label):
    outcome = fuzzing.run_operation(OPERATIONS[label], fuzzing.seed_world(), examples=EXAMPLES)

    assert outcome.cases > 0
    assert outcome.failures == {}, outcome.report()


PATHS = sorted({operation.path: operation for operation in OPERATIONS.values()}.items())


@pytest.mark.parametrize(("path", "operation"), PATHS, ids=[path for path, _ in PATHS])
def test_every_path_allows_exactly_its_documented_methods(as_alice, path, operation):
    """OPTIONS and a 405 both name in `Allow` the methods the schema documents (plus HEAD and OPTIONS)."""
    world = fuzzing.seed_world()
    url = path.format(**(fuzzing.known_path_parameters(operation, world.ids) or {}))
    documented = {method.upper() for method in SCHEMA.raw_schema["paths"][path] if method != "parameters"}
    expected = documented | {"OPTIONS"} | ({"HEAD"} if "GET" in documented else set())

    options = as_alice.options(url)
    refused = as_alice.generic("PATCH", url)

    assert set(options["Allow"].replace(" ", "").split(",")) == expected
    assert refused.status_code == 405
    assert refused.json()["code"] == "not_provided" and refused.json()["error"] == 405
    assert set(refused["Allow"].replace(" ", "").split(",")) == expected
