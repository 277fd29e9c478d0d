"""Every free-text field has a stated size (issue 32, What to build): one character over it is 400 `is too long`,
changing nothing, and the OpenAPI schema says it as maxLength (dds/fields.py)."""

import pytest

from dds.audit import Actor
from dds.fields import DESCRIPTION_MAX_LENGTH, LABEL_MAX_LENGTH
from files.models import Container
from metadata import services as metadata
from metadata.models import Property, Template
from projects.models import ProjectTransfer

from .client import API
from .envelopes import invalid
from .files.conftest import stored_file


@pytest.fixture
def targets(alice, bob, project, alice_agent, make_transfer):
    data_file = stored_file(project, alice, None, b"bytes", "reads.txt")
    transfer = make_transfer(project, bob)
    template = metadata.template_create(actor=Actor(user=alice), name="sequencing", label="Sequencing")
    prop = metadata.property_create(
        actor=Actor(user=alice), template=template, key="sample", label="Sample", description="id", data_type="string"
    )
    return {
        "project": ("put", f"{API}/projects/{project.id}", "description", DESCRIPTION_MAX_LENGTH),
        "agent": ("put", f"{API}/software_agents/{alice_agent.id}", "description", DESCRIPTION_MAX_LENGTH),
        "file": ("put", f"{API}/files/{data_file.id}", "label", LABEL_MAX_LENGTH),
        "version": ("put", f"{API}/file_versions/{data_file.current_version_id}", "label", LABEL_MAX_LENGTH),
        "transfer": ("put", f"{API}/project_transfers/{transfer.id}/cancel", "status_comment", DESCRIPTION_MAX_LENGTH),
        "template": ("put", f"{API}/templates/{template.id}", "description", DESCRIPTION_MAX_LENGTH),
        "property": ("put", f"{API}/template_properties/{prop.id}", "description", DESCRIPTION_MAX_LENGTH),
    }


@pytest.mark.parametrize("target", ["project", "agent", "file", "version", "transfer", "template", "property"])
def test_it_refuses_free_text_one_character_over_its_limit(as_alice, targets, target):
    method, url, field, limit = targets[target]

    response = getattr(as_alice, method)(url, {field: "x" * (limit + 1)}, format="json")

    assert response.json() == invalid((field, f"is too long (maximum is {limit} characters)"))
    assert ProjectTransfer.objects.get().status == "pending"
    assert Container.objects.get().current_version.label is None
    assert (Template.objects.get().description, Property.objects.get().description) == (None, "id")


@pytest.mark.parametrize("target", ["project", "agent", "file", "version", "transfer", "template", "property"])
def test_it_takes_free_text_up_to_its_limit(as_alice, targets, target):
    method, url, field, limit = targets[target]

    response = getattr(as_alice, method)(url, {field: "x" * limit}, format="json")

    assert response.status_code == 200, response.content


def test_the_schema_states_every_limit_of_a_request(as_alice, db):
    answer = as_alice.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = answer.json()["components"]["schemas"]

    limits = {
        (name, field): properties.get("maxLength")
        for name, component in schema.items()
        for field, properties in component.get("properties", {}).items()
        if field in ("name", "description", "label", "status_comment", "repo_url")
        and not properties.get("readOnly")
        and not name.startswith("Activity")  # provenance's own limits are issue 32's item 6
        and ("Create" in name or "Update" in name or "Patched" in name or name in ("Label", "StatusComment", "Rename"))
    }

    assert None not in limits.values(), [key for key, value in limits.items() if value is None]
