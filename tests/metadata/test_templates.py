"""Metadata templates and their typed properties (the original's templates_api_spec and properties_api_spec)."""

import pytest

from ..client import API
from ..envelopes import FORBIDDEN, invalid, not_found
from ..files.conftest import stored_file

IN_USE = "The template cannot be deleted if it has been associated to one or more DDS objects."
PROPERTY_IN_USE = "The property cannot be deleted if it has been associated to one or more DDS objects."


def make_template(client, name="sequencing", **fields):
    response = client.post(f"{API}/templates", {"name": name, "label": "Sequencing", **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def make_property(client, template, key="read_length", type="integer", **fields):
    body = {"key": key, "label": key.title(), "description": f"the {key}", "type": type, **fields}
    response = client.post(f"{API}/templates/{template['id']}/properties", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def fill_in(client, data_file, template, **values):
    body = {"properties": [{"key": key, "value": value} for key, value in values.items()]}
    return client.post(f"{API}/meta/dds-file/{data_file.id}/{template['id']}", body, format="json")


def test_template_crud(as_alice, alice):
    created = make_template(as_alice, description="how reads were made")
    assert {key: created[key] for key in ("name", "label", "description", "is_deprecated")} == {
        "name": "sequencing",
        "label": "Sequencing",
        "description": "how reads were made",
        "is_deprecated": False,
    }
    assert created["audit"]["created_by"]["id"] == str(alice.id)
    make_template(as_alice, "imaging")
    assert [t["name"] for t in as_alice.get(f"{API}/templates").json()["results"]] == ["imaging", "sequencing"]
    found = as_alice.get(f"{API}/templates", {"name_contains": "QUEN"}).json()["results"]
    assert [t["name"] for t in found] == ["sequencing"]
    changed = as_alice.put(f"{API}/templates/{created['id']}", {"label": "Sequencing run"}, format="json")
    assert changed.status_code == 200 and changed.json()["label"] == "Sequencing run"
    assert as_alice.delete(f"{API}/templates/{created['id']}").status_code == 204
    assert as_alice.get(f"{API}/templates/{created['id']}").json() == not_found("Template")


def test_template_names(as_alice):
    make_template(as_alice, "sequencing")
    taken = as_alice.post(f"{API}/templates", {"name": "SEQUENCING", "label": "x"}, format="json")
    assert taken.json() == invalid(("name", "has already been taken"))
    bad = as_alice.post(f"{API}/templates", {"name": "with space", "label": ""}, format="json")
    assert bad.json() == invalid(("name", "is invalid"), ("label", "can't be blank"))
    long = as_alice.post(f"{API}/templates", {"name": "a" * 61, "label": "x"}, format="json")
    assert long.json() == invalid(("name", "is too long (maximum is 60 characters)"))
    missing = as_alice.post(f"{API}/templates", {"label": "x"}, format="json")
    assert missing.json() == invalid(("name", "is missing"))


def test_only_the_creator_or_a_system_admin_changes_a_template(as_alice, as_bob, as_sysadmin):
    template = make_template(as_alice)
    assert as_bob.get(f"{API}/templates/{template['id']}").status_code == 200
    assert as_bob.put(f"{API}/templates/{template['id']}", {"label": "x"}, format="json").json() == FORBIDDEN
    assert as_bob.delete(f"{API}/templates/{template['id']}").json() == FORBIDDEN
    body = {"key": "k", "label": "K", "description": "d", "type": "string"}
    assert as_bob.post(f"{API}/templates/{template['id']}/properties", body, format="json").json() == FORBIDDEN
    prop = make_property(as_alice, template)
    assert as_bob.put(f"{API}/template_properties/{prop['id']}", {"label": "x"}, format="json").json() == FORBIDDEN
    assert as_bob.delete(f"{API}/template_properties/{prop['id']}").json() == FORBIDDEN
    assert as_sysadmin.put(f"{API}/templates/{template['id']}", {"label": "x"}, format="json").status_code == 200


def test_property_crud_and_types(as_alice):
    template = make_template(as_alice)
    prop = make_property(as_alice, template, description="bases per read")
    assert prop["type"] == "integer" and prop["template"] == {"id": template["id"], "name": "sequencing"}
    make_property(as_alice, template, "machine", "string")
    listed = as_alice.get(f"{API}/templates/{template['id']}/properties").json()["results"]
    assert [p["key"] for p in listed] == ["read_length", "machine"]
    only = as_alice.get(f"{API}/templates/{template['id']}/properties", {"key": "machine"}).json()["results"]
    assert [p["key"] for p in only] == ["machine"]
    assert as_alice.get(f"{API}/template_properties/{prop['id']}").json() == prop
    body = {"key": "READ_LENGTH", "label": "", "description": "d", "type": "text"}
    refused = as_alice.post(f"{API}/templates/{template['id']}/properties", body, format="json")
    assert refused.json() == invalid(
        ("label", "can't be blank"), ("data_type", "is not included in the list"), ("key", "has already been taken")
    )
    changed = as_alice.put(f"{API}/template_properties/{prop['id']}", {"type": "long"}, format="json")
    assert changed.status_code == 200 and changed.json()["type"] == "long"
    assert as_alice.delete(f"{API}/template_properties/{prop['id']}").status_code == 204
    assert as_alice.get(f"{API}/template_properties/{prop['id']}").json() == not_found("Property")


def test_a_template_in_use_keeps_its_name_properties_and_types(as_alice, alice, project):
    template = make_template(as_alice)
    prop = make_property(as_alice, template)
    unused = make_property(as_alice, template, "notes", "string")
    data_file = stored_file(project, alice, None, b"r", "r.fastq")
    assert fill_in(as_alice, data_file, template, read_length="150").status_code == 201

    renamed = as_alice.put(f"{API}/templates/{template['id']}", {"name": "other"}, format="json")
    assert renamed.json() == invalid(("name", "Cannot change name."))
    retyped = as_alice.put(f"{API}/template_properties/{prop['id']}", {"type": "string", "key": "len"}, format="json")
    assert retyped.json() == invalid(("key", "Cannot change key."), ("data_type", "Cannot change data_type."))
    gone = as_alice.delete(f"{API}/template_properties/{prop['id']}")
    assert gone.status_code == 400
    assert gone.json() == {"error": 400, "code": "not_provided", "reason": PROPERTY_IN_USE, "suggestion": ""}
    deleted = as_alice.delete(f"{API}/templates/{template['id']}")
    assert deleted.json() == {"error": 400, "code": "not_provided", "reason": IN_USE, "suggestion": ""}
    assert as_alice.get(f"{API}/template_properties/{prop['id']}").json()["type"] == "integer"
    # A property holding no value may still change or go; so may a label.
    assert as_alice.put(f"{API}/template_properties/{unused['id']}", {"type": "date"}, format="json").status_code == 200
    assert as_alice.put(f"{API}/template_properties/{prop['id']}", {"label": "Len"}, format="json").status_code == 200
    assert as_alice.delete(f"{API}/template_properties/{unused['id']}").status_code == 204


@pytest.mark.parametrize("path", ["templates/{id}", "template_properties/{id}", "templates/{id}/properties"])
def test_unknown_ids(as_alice, path):
    model = "Property" if path.startswith("template_properties") else "Template"
    assert as_alice.get(f"{API}/{path.format(id='nope')}").json() == not_found(model)
