"""Tags (the original's tags_api_spec): on files and activities, view to read, update to write."""

import pytest

from dds.audit import Actor
from provenance import services as provenance

from ..client import API
from ..envelopes import FORBIDDEN, NO_TOKEN, TIMESTAMP, invalid, not_found
from ..files.conftest import stored_file


@pytest.fixture
def data_file(alice, project):
    return stored_file(project, alice, None, b"reads", "reads.fastq")


@pytest.fixture
def activity(alice):
    return provenance.activity_create(actor=Actor(user=alice), name="alignment")


def tag(client, obj, label, kind="dds-file"):
    return client.post(f"{API}/tags/{kind}/{obj.id}", {"label": label}, format="json")


def test_tag_a_file_then_list_view_and_delete(as_alice, data_file, alice):
    created = tag(as_alice, data_file, "sequencing")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["label"] == "sequencing"
    assert body["object"] == {"kind": "dds-file", "id": str(data_file.id)}
    assert body["audit"]["created_by"]["id"] == str(alice.id)
    assert TIMESTAMP.match(body["audit"]["created_on"])

    listed = as_alice.get(f"{API}/tags/dds-file/{data_file.id}")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["results"]] == [body["id"]]
    assert as_alice.get(f"{API}/tags/{body['id']}").json() == body

    assert as_alice.delete(f"{API}/tags/{body['id']}").status_code == 204
    assert as_alice.get(f"{API}/tags/{body['id']}").json() == not_found("Tag")
    assert as_alice.get(f"{API}/tags/dds-file/{data_file.id}").json() == {"results": []}


def test_tag_an_activity(as_alice, activity):
    created = tag(as_alice, activity, "pipeline", kind="dds-activity")
    assert created.status_code == 201
    assert created.json()["object"] == {"kind": "dds-activity", "id": str(activity.id)}


def test_a_label_is_once_per_object_whatever_its_case(as_alice, data_file):
    assert tag(as_alice, data_file, "DNA").status_code == 201
    again = tag(as_alice, data_file, "dna")
    assert again.status_code == 400
    assert again.json() == invalid(("label", "has already been taken"))
    assert tag(as_alice, data_file, " ").json() == invalid(("label", "can't be blank"))
    missing = as_alice.post(f"{API}/tags/dds-file/{data_file.id}", {}, format="json")
    assert missing.json() == invalid(("label", "is missing"))


def test_unknown_kind_and_object(as_alice, data_file):
    response = as_alice.get(f"{API}/tags/dds-folder/{data_file.id}")
    assert response.status_code == 404
    assert response.json()["reason"] == "object_kind dds-folder Not Supported"
    assert as_alice.get(f"{API}/tags/dds-file/not-a-uuid").json() == not_found("DataFile")
    assert as_alice.get(f"{API}/tags/dds-activity/{data_file.id}").json() == not_found("Activity")


@pytest.mark.parametrize(
    "role, reads, writes",
    [
        ("project_viewer", True, False),
        ("file_uploader", True, False),
        ("file_editor", True, True),
        (None, False, False),
    ],
)
def test_view_to_read_update_to_write(as_alice, as_bob, bob, project, grant, data_file, role, reads, writes):
    if role:
        grant(project, bob, role)
    existing = tag(as_alice, data_file, "kept").json()
    listed = as_bob.get(f"{API}/tags/dds-file/{data_file.id}")
    shown = as_bob.get(f"{API}/tags/{existing['id']}")
    assert (listed.status_code, shown.status_code) == ((200, 200) if reads else (403, 403))
    if not reads:
        assert listed.json() == FORBIDDEN
    created = tag(as_bob, data_file, "new")
    removed = as_bob.delete(f"{API}/tags/{existing['id']}")
    appended = as_bob.post(f"{API}/tags/dds-file/{data_file.id}/append", {"tags": [{"label": "x"}]}, format="json")
    expected = (201, 204, 201) if writes else (403, 403, 403)
    assert (created.status_code, removed.status_code, appended.status_code) == expected


def test_an_activity_is_tagged_by_its_creator(as_alice, as_bob, activity):
    assert tag(as_bob, activity, "mine", kind="dds-activity").status_code == 403
    assert as_bob.get(f"{API}/tags/dds-activity/{activity.id}").status_code == 403
    assert tag(as_alice, activity, "mine", kind="dds-activity").status_code == 201


def test_append_passes_over_blank_and_present_labels(as_alice, data_file):
    tag(as_alice, data_file, "DNA")
    body = {"tags": [{"label": "dna"}, {"label": ""}, {"label": "RNA"}, {"label": "rna"}, {"label": "mouse"}]}
    response = as_alice.post(f"{API}/tags/dds-file/{data_file.id}/append", body, format="json")
    assert response.status_code == 201
    assert [item["label"] for item in response.json()["results"]] == ["RNA", "mouse"]
    listed = as_alice.get(f"{API}/tags/dds-file/{data_file.id}").json()["results"]
    assert sorted(item["label"] for item in listed) == ["DNA", "RNA", "mouse"]


def test_labels_count_only_what_the_caller_sees(as_alice, as_bob, alice, bob, project, make_project, activity):
    mine = [stored_file(project, alice, None, b"a", f"{n}.txt") for n in range(3)]
    theirs = stored_file(make_project(bob, "Bob's"), bob, None, b"b", "b.txt")
    for data_file in mine:
        tag(as_alice, data_file, "sequencing")
    tag(as_alice, mine[0], "mouse liver")
    tag(as_bob, theirs, "sequencing")
    tag(as_bob, theirs, "secret")
    tag(as_alice, activity, "sequencing", kind="dds-activity")

    labels = as_alice.get(f"{API}/tags/labels").json()["results"]
    assert [(item["label"], item["count"]) for item in labels] == [("sequencing", 4), ("mouse liver", 1)]
    assert all(TIMESTAMP.match(item["last_used_on"]) for item in labels)
    files_only = as_alice.get(f"{API}/tags/labels", {"object_kind": "dds-file"}).json()["results"]
    assert [(item["label"], item["count"]) for item in files_only] == [("sequencing", 3), ("mouse liver", 1)]
    contains = as_alice.get(f"{API}/tags/labels", {"label_contains": "LIV"}).json()["results"]
    assert [item["label"] for item in contains] == ["mouse liver"]
    unknown = as_alice.get(f"{API}/tags/labels", {"object_kind": "dds-project"})
    assert unknown.status_code == 404 and unknown.json()["reason"] == "object_kind dds-project Not Supported"
    bobs = as_bob.get(f"{API}/tags/labels").json()["results"]
    assert sorted((item["label"], item["count"]) for item in bobs) == [("secret", 1), ("sequencing", 1)]


def test_tags_need_a_token(anonymous, data_file):
    assert anonymous.get(f"{API}/tags/dds-file/{data_file.id}").json() == NO_TOKEN
    assert anonymous.get(f"{API}/tags/labels").json() == NO_TOKEN
