"""The provenance search reads what lies within `max_hops` of its start, whatever the size of the connected graph:
a number of queries that follows the hops walked, and the edges within reach only (issue 29)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ..client import API
from .chain import chain_create

QUERIES = 40


def _search(client, chain, **body):
    start = {"kind": "dds-file-version", "id": str(chain.last.id)}
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"{API}/search/provenance", {"start_node": start, **body}, format="json")
    assert response.status_code == 201
    return response.json(), len(captured)


def test_it_answers_ten_hops_of_a_long_chain_in_a_bounded_number_of_queries(as_alice, alice, project):
    chain = chain_create(project=project, owner=alice, activities=1000, per_activity=10)

    body, queries = _search(as_alice, chain, max_hops=10)

    assert queries <= QUERIES
    graph = body["graph"]
    # Five activities and what they generated and used, from the far end of the chain.
    assert (len(graph["nodes"]), len(graph["relationships"]), body["truncated"]) == (65, 100, False)
    assert all(relationship["properties"] is not None for relationship in graph["relationships"])


def test_it_reads_as_many_queries_for_a_short_chain_as_for_a_long_one(as_alice, alice, project):
    short = chain_create(project=project, owner=alice, activities=20, per_activity=2)
    long = chain_create(project=project, owner=alice, activities=2000, per_activity=2)

    counts = [_search(as_alice, chain, max_hops=10)[1] for chain in (short, long)]

    assert counts[0] == counts[1]


def _edges_read():
    """Rows of the adjacency table this transaction has read so far (PostgreSQL's own count)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables "
            "WHERE relname = 'provenance_edge'"
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics count the rows read")
def test_it_reads_the_edges_within_reach_not_the_whole_connected_graph(as_alice, alice, project):
    chain = chain_create(project=project, owner=alice, activities=1000, per_activity=10)
    before = _edges_read()

    _search(as_alice, chain, max_hops=10)

    # 19,990 relations, 39,980 edges in the graph; those of 56 nodes within ten hops are read.
    assert _edges_read() - before < 1_000


def test_it_lists_the_relations_of_a_node_in_as_many_statements_for_2_as_for_30(as_alice, alice, project):
    few = chain_create(project=project, owner=alice, activities=2, per_activity=2)
    many = chain_create(project=project, owner=alice, activities=2, per_activity=30)
    counts = []
    for chain in (few, many):
        with CaptureQueriesContext(connection) as captured:
            response = as_alice.get(f"{API}/relations/dds-activity/{chain.first.id}")
        assert response.status_code == 200
        counts.append((len(captured), len(response.json()["results"])))

    assert [listed for _, listed in counts] == [2, 30]
    assert counts[0][0] == counts[1][0]
