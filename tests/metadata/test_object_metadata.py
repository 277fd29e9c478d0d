"""Object metadata (the original's meta_templates_api_spec): a template filled in on a file or an activity, each
value checked against its property's type, and permissions on read and write (the original checked none)."""

import pytest

from dds.audit import Actor
from provenance import services as provenance

from ..client import API
from ..envelopes import FORBIDDEN, invalid, not_found
from ..files.conftest import stored_file
from .test_templates import fill_in, make_property, make_template

TYPES = ["string", "long", "integer", "short", "byte", "double", "float", "date", "boolean", "binary"]


@pytest.fixture
def template(as_alice):
    made = make_template(as_alice)
    for data_type in TYPES:
        make_property(as_alice, made, f"a_{data_type}", data_type)
    return made


@pytest.fixture
def data_file(alice, project):
    return stored_file(project, alice, None, b"reads", "reads.fastq")


def test_fill_in_read_change_and_remove(as_alice, template, data_file):
    created = fill_in(as_alice, data_file, template, a_string="HiSeq", a_integer="150", a_boolean=True)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["object"] == {"kind": "dds-file", "id": str(data_file.id)}
    assert body["template"] == {"id": template["id"], "name": "sequencing"}
    values = {item["template_property"]["key"]: item["value"] for item in body["properties"]}
    assert values == {"a_string": "HiSeq", "a_integer": "150", "a_boolean": "true"}
    assert set(body["properties"][0]["template_property"]) == {"id", "key", "label"}

    url = f"{API}/meta/dds-file/{data_file.id}/{template['id']}"
    assert as_alice.get(url).json() == body
    changed = as_alice.put(
        url,
        {"properties": [{"key": "a_integer", "value": "75"}, {"key": "a_date", "value": "2024-05-01"}]},
        format="json",
    )
    assert changed.status_code == 200
    values = {item["template_property"]["key"]: item["value"] for item in changed.json()["properties"]}
    assert values == {"a_string": "HiSeq", "a_integer": "75", "a_boolean": "true", "a_date": "2024-05-01"}

    again = fill_in(as_alice, data_file, template, a_string="x")
    assert again.status_code == 409
    assert again.json() == {
        "error": 409,
        "code": "not_provided",
        "reason": "unique conflict",
        "suggestion": "Resubmit as an update request",
    }

    other = make_template(as_alice, "imaging")
    make_property(as_alice, other, "scope", "string")
    fill_in(as_alice, data_file, other, scope="confocal")
    listed = as_alice.get(f"{API}/meta/dds-file/{data_file.id}").json()["results"]
    assert [item["template"]["name"] for item in listed] == ["imaging", "sequencing"]
    named = as_alice.get(f"{API}/meta/dds-file/{data_file.id}", {"meta_template_name": "imaging"}).json()
    assert [item["template"]["name"] for item in named["results"]] == ["imaging"]

    assert as_alice.delete(url).status_code == 204
    assert as_alice.get(url).json() == not_found("MetaTemplate")


def test_each_bad_key_is_named(as_alice, template, data_file):
    response = fill_in(
        as_alice,
        data_file,
        template,
        a_long="12.5",
        a_byte="128",
        a_double="many",
        a_date="2024-13-01",
        a_boolean="yes",
        a_binary="not base64!",
        a_string=" ",
        colour="red",
        a_integer="7",
    )
    assert response.status_code == 400
    assert response.json() == invalid(
        ("a_long", "is not an integer"),
        ("a_byte", "is out of range (from -128 to 127)"),
        ("a_double", "is not a number"),
        ("a_date", "is not a valid date (format: yyyy-MM-dd[THH:mm[:ss]])"),
        ("a_boolean", "is not a boolean (true or false)"),
        ("a_binary", "is not base64"),
        ("a_string", "can't be blank"),
        ("colour", "key is not in the template"),
    )
    assert as_alice.get(f"{API}/meta/dds-file/{data_file.id}").json() == {"results": []}
    good = fill_in(
        as_alice,
        data_file,
        template,
        a_long="-9223372036854775808",
        a_short="32767",
        a_float="1e-3",
        a_date="2024-05-01T14:03:22",
        a_binary="aGVsbG8=",
    )
    assert good.status_code == 201, good.content


def test_an_update_is_checked_too(as_alice, template, data_file):
    fill_in(as_alice, data_file, template, a_integer="1")
    url = f"{API}/meta/dds-file/{data_file.id}/{template['id']}"
    refused = as_alice.put(url, {"properties": [{"key": "a_integer", "value": "one"}]}, format="json")
    assert refused.json() == invalid(("a_integer", "is not an integer"))
    assert as_alice.get(url).json()["properties"][0]["value"] == "1"


@pytest.mark.parametrize(
    "role, reads, writes", [("project_viewer", True, False), ("file_editor", True, True), (None, False, False)]
)
def test_view_to_read_update_to_write(as_alice, as_bob, bob, project, grant, template, data_file, role, reads, writes):
    if role:
        grant(project, bob, role)
    fill_in(as_alice, data_file, template, a_integer="1")
    url = f"{API}/meta/dds-file/{data_file.id}/{template['id']}"
    listed = as_bob.get(f"{API}/meta/dds-file/{data_file.id}")
    shown = as_bob.get(url)
    assert (listed.status_code, shown.status_code) == ((200, 200) if reads else (403, 403))
    if not reads:
        assert shown.json() == FORBIDDEN
    changed = as_bob.put(url, {"properties": [{"key": "a_integer", "value": "2"}]}, format="json")
    assert changed.status_code == (200 if writes else 403)
    removed = as_bob.delete(url)
    assert removed.status_code == (204 if writes else 403)
    if not writes:
        assert as_alice.get(url).json()["properties"][0]["value"] == "1"


def test_on_an_activity(as_alice, as_bob, alice, template):
    activity = provenance.activity_create(actor=Actor(user=alice), name="alignment")
    url = f"{API}/meta/dds-activity/{activity.id}/{template['id']}"
    body = {"properties": [{"key": "a_string", "value": "bwa"}]}
    assert as_bob.post(url, body, format="json").status_code == 403
    assert as_alice.post(url, body, format="json").status_code == 201
    assert as_bob.get(url).status_code == 403


def test_unknown_object_or_template(as_alice, template, data_file):
    body = {"properties": [{"key": "a_string", "value": "x"}]}
    missing = as_alice.post(f"{API}/meta/dds-file/{data_file.id}/nope", body, format="json")
    assert missing.json() == not_found("Template")
    kind = as_alice.post(f"{API}/meta/dds-project/{data_file.id}/{template['id']}", body, format="json")
    assert kind.status_code == 404 and kind.json()["reason"] == "object_kind dds-project Not Supported"
    no_props = as_alice.post(f"{API}/meta/dds-file/{data_file.id}/{template['id']}", {}, format="json")
    assert no_props.json() == invalid(("properties", "is missing"))
