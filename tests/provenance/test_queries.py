"""The provenance search reads a fixed number of queries whatever the graph's size (up to a few more per 5,000 rows
of a kind, which keeps each query's parameter list within what databases take)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ..client import API
from .chain import chain_create

QUERIES = 26


def test_it_answers_a_chain_of_1000_activities_and_10000_versions_in_a_bounded_number_of_queries(
    as_alice, alice, project, django_assert_max_num_queries
):
    chain = chain_create(project=project, owner=alice, activities=1000, per_activity=10)
    body = {"start_node": {"kind": "dds-file-version", "id": str(chain.last.id)}}

    with django_assert_max_num_queries(QUERIES):
        response = as_alice.post(f"{API}/search/provenance", body, format="json")

    assert response.status_code == 201
    graph = response.json()["graph"]
    assert (len(graph["nodes"]), len(graph["relationships"])) == (chain.nodes, chain.relations) == (11000, 19990)
    assert all(relationship["properties"] is not None for relationship in graph["relationships"])


def test_it_reads_as_many_queries_for_a_short_chain_as_for_a_long_one_within_a_chunk(as_alice, alice, project):
    short = chain_create(project=project, owner=alice, activities=3, per_activity=2)
    long = chain_create(project=project, owner=alice, activities=300, per_activity=2)
    counts = []
    for chain in (short, long):
        body = {"start_node": {"kind": "dds-activity", "id": str(chain.first.id)}}
        with CaptureQueriesContext(connection) as captured:
            assert as_alice.post(f"{API}/search/provenance", body, format="json").status_code == 201
        counts.append(len(captured))

    assert counts[0] == counts[1]
