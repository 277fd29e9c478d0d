"""POST /search/provenance and /search/provenance/origin: the original's search_api.rb and provenance graphs, in the
nodes-and-relationships shape, with only what the caller may see."""

import uuid

import pytest

from files.selectors import file_versions
from files.serializers import FileVersionSerializer
from provenance import graph, serializers

from ..client import API
from ..envelopes import FORBIDDEN, invalid, not_found
from .chain import chain_create
from .conftest import activity_of, derive, relate


def node(version_or_activity):
    if isinstance(version_or_activity, dict):
        return {"id": version_or_activity["id"], "labels": ["Activity"], "properties": version_or_activity}
    data = FileVersionSerializer(file_versions().get(pk=version_or_activity.pk)).data
    return {"id": str(version_or_activity.id), "labels": ["FileVersion"], "properties": data}


def hidden(version):
    properties = {"kind": "dds-file-version", "id": str(version.id), "is_deleted": False}
    return {"id": str(version.id), "labels": ["FileVersion"], "properties": properties}


def relationship(relation, type):
    start, end = relation["from"]["id"], relation["to"]["id"]
    return {"id": relation["id"], "type": type, "start_node": start, "end_node": end, "properties": relation}


def search(client, start, max_hops=None, expected=201):
    kind = "dds-activity" if isinstance(start, dict) else "dds-file-version"
    body = {"start_node": {"kind": kind, "id": str(start["id"] if isinstance(start, dict) else start.id)}}
    if max_hops is not None:
        body["max_hops"] = max_hops
    response = client.post(f"{API}/search/provenance", body, format="json")
    assert response.status_code == expected, response.content
    return response.json()


def by_id(items):
    return {item["id"]: item for item in items}


@pytest.fixture
def pipeline(as_alice, versions):
    """in --used-- align --generated-- out --used-- call --generated-- more; and out was derived from in."""
    align, call = activity_of(as_alice, "align"), activity_of(as_alice, "call")
    relations = {
        "align used in": relate(as_alice, "used", align, versions["in"]),
        "out by align": relate(as_alice, "was_generated_by", align, versions["out"]),
        "call used out": relate(as_alice, "used", call, versions["out"]),
        "more by call": relate(as_alice, "was_generated_by", call, versions["more"]),
        "out from in": derive(as_alice, versions["out"], versions["in"]),
    }
    return {"align": align, "call": call, **relations}


def test_it_answers_the_whole_connected_graph_without_max_hops(as_alice, versions, pipeline):
    graph = search(as_alice, versions["more"])["graph"]

    assert by_id(graph["nodes"]) == by_id(
        [node(versions[name]) for name in versions] + [node(pipeline["align"]), node(pipeline["call"])]
    )
    assert graph["nodes"][0]["id"] == str(versions["more"].id)
    assert by_id(graph["relationships"]) == by_id(
        [
            relationship(pipeline["align used in"], "Used"),
            relationship(pipeline["out by align"], "WasGeneratedBy"),
            relationship(pipeline["call used out"], "Used"),
            relationship(pipeline["more by call"], "WasGeneratedBy"),
            relationship(pipeline["out from in"], "WasDerivedFrom"),
        ]
    )


@pytest.mark.parametrize(
    ("max_hops", "nodes", "relations"),
    [
        (1, ["more", "call"], ["more by call"]),
        (0, ["more", "call"], ["more by call"]),
        (2, ["more", "call", "out"], ["more by call", "call used out"]),
        (3, ["more", "call", "out", "align", "in"], ["more by call", "call used out", "out by align", "out from in"]),
    ],
)
def test_it_stops_at_max_hops(as_alice, versions, pipeline, max_hops, nodes, relations):
    graph = search(as_alice, versions["more"], max_hops=max_hops)["graph"]

    found = {item["id"] for item in graph["nodes"]}
    named = {str(versions[name].id) if name in versions else pipeline[name]["id"] for name in nodes}
    assert found == named
    assert {item["id"] for item in graph["relationships"]} == {pipeline[name]["id"] for name in relations}


def test_it_starts_from_an_activity_and_walks_no_deleted_relation(as_alice, versions, pipeline):
    as_alice.delete(f"{API}/relations/{pipeline['call used out']['id']}")

    graph = search(as_alice, pipeline["call"])["graph"]

    assert {item["id"] for item in graph["nodes"]} == {pipeline["call"]["id"], str(versions["more"].id)}
    assert [item["id"] for item in graph["relationships"]] == [pipeline["more by call"]["id"]]


def test_it_shows_deleted_nodes_as_deleted(as_alice, versions, pipeline):
    as_alice.delete(f"{API}/activities/{pipeline['call']['id']}")
    as_alice.delete(f"{API}/files/{versions['more'].file_id}")

    graph = search(as_alice, versions["more"])["graph"]

    nodes = by_id(graph["nodes"])
    assert nodes[pipeline["call"]["id"]]["properties"]["is_deleted"] is True
    assert nodes[str(versions["more"].id)]["properties"]["is_deleted"] is True
    assert len(graph["relationships"]) == 5


def test_it_restricts_what_the_caller_may_not_see(as_alice, as_bob, bob, versions, elsewhere, grant, project):
    """Bob's activity used his own file and Alice's; Alice sees his activity through her file, not his file."""
    grant(project, bob, "project_viewer")
    activity = activity_of(as_bob)
    mine = relate(as_bob, "used", activity, versions["in"])
    his = relate(as_bob, "used", activity, elsewhere)

    graph = search(as_alice, versions["in"])["graph"]

    nodes = by_id(graph["nodes"])
    assert nodes[str(elsewhere.id)] == hidden(elsewhere)
    assert nodes[activity["id"]] == node(activity)
    relationships = by_id(graph["relationships"])
    assert relationships[his["id"]] == {**relationship(his, "Used"), "properties": None}
    assert relationships[mine["id"]] == relationship(mine, "Used")


def test_it_refuses_a_start_node_the_caller_may_not_see(as_bob, versions):
    assert search(as_bob, versions["in"], expected=403) == FORBIDDEN


@pytest.mark.parametrize(
    ("start_node", "expected"),
    [
        ({"kind": "dds-file-version", "id": str(uuid.uuid4())}, not_found("FileVersion")),
        ({"kind": "dds-activity", "id": "nope"}, not_found("Activity")),
        (
            {"kind": "dds-folder", "id": str(uuid.uuid4())},
            {
                "error": 404,
                "code": "not_provided",
                "reason": "object_kind dds-folder Not Supported",
                "suggestion": "Please supply a supported object_kind",
            },
        ),
    ],
)
def test_it_answers_404_for_an_unknown_start_node(as_alice, start_node, expected):
    response = as_alice.post(f"{API}/search/provenance", {"start_node": start_node}, format="json")

    assert (response.status_code, response.json()) == (404, expected)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [("start_node", "is missing")]),
        ({"start_node": {"kind": "dds-activity", "id": "x"}, "max_hops": "many"}, [("max_hops", "is invalid")]),
    ],
)
def test_it_refuses_a_search_without_a_start_node(as_alice, body, errors):
    response = as_alice.post(f"{API}/search/provenance", body, format="json")

    assert (response.status_code, response.json()) == (400, invalid(*errors))


def test_it_answers_a_lone_start_node(as_alice, versions):
    assert search(as_alice, versions["in"]) == {
        "graph": {"nodes": [node(versions["in"])], "relationships": []},
        "truncated": False,
    }


# --- origin -------------------------------------------------------------------------------------------------


def origin(client, *ids):
    body = {"file_versions": [{"id": str(pk)} for pk in ids]}
    response = client.post(f"{API}/search/provenance/origin", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["graph"]


def test_it_answers_where_a_version_came_from(as_alice, versions, pipeline):
    graph = origin(as_alice, versions["more"].id, versions["out"].id, uuid.uuid4(), "nope")

    assert {item["id"] for item in graph["nodes"]} == {
        str(versions["more"].id),
        str(versions["out"].id),
        str(versions["in"].id),
        pipeline["call"]["id"],
        pipeline["align"]["id"],
    }
    assert graph["nodes"][:2] == [node(versions["more"]), node(versions["out"])]
    names = ("more by call", "call used out", "out by align", "align used in", "out from in")
    assert {item["id"] for item in graph["relationships"]} == {pipeline[name]["id"] for name in names}


def test_it_answers_a_version_without_origin_alone_and_restricted_when_unseen(as_alice, versions, elsewhere):
    graph = origin(as_alice, versions["in"].id, elsewhere.id)

    assert graph == {"nodes": [node(versions["in"]), hidden(elsewhere)], "relationships": []}


def test_it_refuses_an_origin_search_without_file_versions(as_alice):
    response = as_alice.post(f"{API}/search/provenance/origin", {}, format="json")

    assert (response.status_code, response.json()) == (400, invalid(("file_versions", "is missing")))


# --- limits (issue 29, issue 32 item 6) --------------------------------------------------------------------------


def chain_of(project, alice, activities):
    """A chain of `activities` activities, each one file version: a walk from its last version gains a node a hop."""
    return chain_create(project=project, owner=alice, activities=activities, per_activity=1)


@pytest.mark.parametrize(
    ("max_hops", "nodes", "truncated"),
    [
        (None, 11, True),  # the default, 10 hops, stopped short of the chain's 20 nodes
        (10, 11, False),  # what was asked
        (19, 20, False),
        (1000, 20, False),  # held to 100, but the graph ends before
    ],
)
def test_it_walks_ten_hops_by_default_and_says_when_a_limit_cut_the_graph(
    as_alice, alice, project, max_hops, nodes, truncated
):
    chain = chain_of(project, alice, 10)

    body = search(as_alice, chain.last, max_hops=max_hops)

    assert (len(body["graph"]["nodes"]), body["truncated"]) == (nodes, truncated)
    assert len(body["graph"]["relationships"]) == nodes - 1


def test_it_holds_max_hops_to_a_hundred(as_alice, alice, project):
    chain = chain_of(project, alice, 60)

    body = search(as_alice, chain.last, max_hops=1000)

    assert (len(body["graph"]["nodes"]), len(body["graph"]["relationships"]), body["truncated"]) == (101, 100, True)


def test_it_stops_the_walk_at_the_node_limit(as_alice, alice, project, monkeypatch):
    monkeypatch.setattr(graph, "MAX_NODES", 5)
    chain = chain_of(project, alice, 10)

    body = search(as_alice, chain.last, max_hops=19)

    assert (len(body["graph"]["nodes"]), body["truncated"]) == (5, True)
    listed = {item["id"] for item in body["graph"]["nodes"]}
    assert all({item["start_node"], item["end_node"]} <= listed for item in body["graph"]["relationships"])


def test_it_stops_the_walk_at_the_relation_limit(as_alice, alice, project, monkeypatch):
    monkeypatch.setattr(graph, "MAX_RELATIONS", 3)
    chain = chain_create(project=project, owner=alice, activities=3, per_activity=4)

    body = search(as_alice, {"id": str(chain.first.id)}, max_hops=1)

    assert (len(body["graph"]["relationships"]), body["truncated"]) == (3, True)


def test_it_caps_the_size_of_the_answer(as_alice, as_bob, bob, grant, project, versions, monkeypatch):
    """Issue 32 item 6: a viewer's activity with a long description on every version of the project."""
    monkeypatch.setattr(serializers, "MAX_GRAPH_BYTES", 40_000)
    grant(project, bob, "project_viewer")
    noise = activity_of(as_bob, "noise", description="x" * 10_000)
    for version in versions.values():
        relate(as_bob, "used", noise, version)

    response = as_alice.post(
        f"{API}/search/provenance", {"start_node": {"kind": "dds-activity", "id": noise["id"]}}, format="json"
    )

    assert response.status_code == 201
    assert len(response.content) < 40_000 + 1_000
    body = response.json()
    assert body["truncated"] is True
    assert body["graph"]["nodes"][0]["id"] == noise["id"]
    assert len(body["graph"]["relationships"]) < 3


def test_it_refuses_an_activity_description_above_ten_thousand_characters(as_alice):
    refused = as_alice.post(f"{API}/activities", {"name": "big", "description": "x" * 10_001}, format="json")
    accepted = as_alice.post(f"{API}/activities", {"name": "big", "description": "x" * 10_000}, format="json")

    assert (refused.status_code, refused.json()) == (
        400,
        invalid(("description", "is too long (maximum is 10000 characters)")),
    )
    assert accepted.status_code == 201


def test_it_bounds_an_origin_search_and_says_so(as_alice, versions, pipeline, monkeypatch):
    monkeypatch.setattr(graph, "MAX_RELATIONS", 2)

    response = as_alice.post(
        f"{API}/search/provenance/origin",
        {"file_versions": [{"id": str(versions["more"].id)}, {"id": str(versions["out"].id)}]},
        format="json",
    )

    assert response.status_code == 201
    assert (len(response.json()["graph"]["relationships"]), response.json()["truncated"]) == (2, True)


def test_max_hops_may_come_in_the_query_string_as_the_original_portal_sends_it(as_alice, versions, pipeline):
    body = {"start_node": {"kind": "dds-file-version", "id": str(versions["more"].id)}}
    response = as_alice.post(f"{API}/search/provenance?max_hops=1", body, format="json")
    assert response.status_code == 201, response.content
    assert {item["id"] for item in response.json()["graph"]["relationships"]} == {pipeline["more by call"]["id"]}
    # The body's own max_hops wins.
    both = as_alice.post(f"{API}/search/provenance?max_hops=1", {**body, "max_hops": 2}, format="json")
    assert len(both.json()["graph"]["relationships"]) == 2
