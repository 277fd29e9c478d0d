"""The real DukeDSClient 4.0.0 records provenance as lando-util does after a workflow run: it uploads an input and
an output with `ddsclient upload`, then, through its API layer, an activity that used the one and generated the
other, and reads them back with get_relations and /search/provenance."""

import pytest

from files.models import FileVersion
from provenance.models import Activity, Relation

from ..ddsclient import ddsc_api, ddsclient_cli, write_client_config

RECORD = """
project = [p for p in api.get_projects().json()["results"] if p["name"] == "Provenance"][0]
children = api.get_project_children(project["id"], "").json()["results"]
version = {child["name"]: child["current_version"]["id"] for child in children}
activity = api.create_activity(
    "bwa alignment", "a workflow run", started_on="2024-05-01T12:00:00+00:00", ended_on=None
).json()
used = api.create_used_relation(activity["id"], "dds-file", version["reads.fastq"]).json()
generated = api.create_was_generated_by_relation(activity["id"], "dds-file", version["aligned.bam"]).json()
api.update_activity(activity["id"], activity["name"], "a workflow run", started_on=activity["started_on"],
                    ended_on="2024-05-01T14:30:00+00:00")
relations = api.get_relations("dds-activity", activity["id"]).json()["results"]
graph = api._post("/search/provenance", {"start_node": {"kind": "dds-file-version", "id": version["aligned.bam"]}})
result = {
    "version": version,
    "activity": api.get_activity_by_id(activity["id"]).json(),
    "used": used,
    "generated": generated,
    "relations": relations,
    "graph": graph.json()["graph"],
    "status": graph.status_code,
}
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_records_and_reads_back_a_workflow_runs_provenance(live_server, alice, client_keys, tmp_path):
    user_key, agent_key = client_keys(alice)
    url = f"{live_server.url}/api/v1"
    config = write_client_config(tmp_path / "ddsclient.yaml", url, user_key=user_key, agent_key=agent_key)
    for name, data in (("reads.fastq", b"@r1\nACGT\n+\nIIII\n"), ("aligned.bam", b"BAM\x01aligned")):
        (tmp_path / name).write_bytes(data)
        uploaded = ddsclient_cli(config, "upload", "-p", "Provenance", str(tmp_path / name))
        assert uploaded.returncode == 0, uploaded.stdout + uploaded.stderr

    result = ddsc_api(url, user_key=user_key, agent_key=agent_key, code=RECORD)

    reads, aligned = (FileVersion.objects.get(pk=result["version"][name]) for name in ("reads.fastq", "aligned.bam"))
    activity = Activity.objects.get(pk=result["activity"]["id"])
    assert (activity.created_by, activity.name, activity.ended_on.isoformat()) == (
        alice,
        "bwa alignment",
        "2024-05-01T14:30:00+00:00",
    )
    assert result["activity"]["audit"]["created_by"]["agent"]["name"] == "DukeDSClient"
    assert set(Relation.objects.values_list("kind", "activity", "entity")) == {
        ("dds-relation-used", activity.pk, reads.pk),
        ("dds-relation-was-generated-by", activity.pk, aligned.pk),
    }
    assert {(relation["kind"], relation["to"]["id"]) for relation in result["relations"]} == {
        ("dds-relation-used", str(reads.pk)),
        ("dds-relation-was-generated-by", str(activity.pk)),
    }
    graph = result["graph"]
    assert result["status"] == 201
    assert {(node["id"], node["labels"][0]) for node in graph["nodes"]} == {
        (str(aligned.pk), "FileVersion"),
        (str(activity.pk), "Activity"),
        (str(reads.pk), "FileVersion"),
    }
    assert {(edge["type"], edge["start_node"], edge["end_node"]) for edge in graph["relationships"]} == {
        ("Used", str(activity.pk), str(reads.pk)),
        ("WasGeneratedBy", str(aligned.pk), str(activity.pk)),
    }
