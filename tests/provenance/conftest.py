"""File versions, activities and relations the provenance tests share.

`versions` are three verified file versions of Alice's project ("in", "out", "more"); `elsewhere` one of Bob's
project, which Alice may not see. `activity_of(client)` records an activity with POST /activities and `relate(client,
kind, activity, version)` a relation with POST /relations/<kind>; both return the JSON.
"""

import pytest

from dds.audit import Actor
from files import services as files

from ..client import API
from ..files.conftest import stored_file


@pytest.fixture
def versions(alice, project):
    names = ("in", "out", "more")
    return {name: stored_file(project, alice, None, name.encode(), name).current_version for name in names}


@pytest.fixture
def elsewhere(bob, make_project):
    return stored_file(make_project(bob, "Bob's"), bob, None, b"secret", "secret.txt").current_version


@pytest.fixture
def deleted_version(alice, project):
    """A deleted file's (deleted) version."""
    data_file = stored_file(project, alice, None, b"gone", "gone.txt")
    files.file_delete(actor=Actor(user=alice), file=data_file)
    data_file.current_version.refresh_from_db()
    return data_file.current_version


def activity_of(client, name="RF PI3-Kinase", **fields):
    response = client.post(f"{API}/activities", {"name": name, **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def relate(client, kind, activity, version, *, expected=201):
    body = {"activity": {"id": str(activity["id"])}, "entity": {"kind": "dds-file-version", "id": str(version.id)}}
    response = client.post(f"{API}/relations/{kind}", body, format="json")
    assert response.status_code == expected, response.content
    return response.json()


def derive(client, generated, used, *, expected=201):
    body = {
        "generated_entity": {"kind": "dds-file-version", "id": str(generated.id)},
        "used_entity": {"kind": "dds-file-version", "id": str(used.id)},
    }
    response = client.post(f"{API}/relations/was_derived_from", body, format="json")
    assert response.status_code == expected, response.content
    return response.json()
