"""Search in Elasticsearch (SEARCH_ELASTICSEARCH_URL), through the wire-format double: the same answers as the
database gives, read from the index the jobs write, and the requests the official client sends."""

import io
import socket

import pytest
from django.core.management import call_command
from django.utils import timezone
from elasticsearch import BadRequestError, Elasticsearch

from dds.jobs.models import Job
from search.models import Document

from ..client import API
from ..elasticsearch_double import ElasticsearchDouble
from ..jobs.test_sweeper import sweep
from .test_folders_files import names, search

ALIAS = "dds_folders_files"
WRITING = f"{ALIAS}-writing"


@pytest.fixture(autouse=True)
def elasticsearch(settings):
    """Search reads and the jobs write the double, from before the tree is made."""
    double = ElasticsearchDouble().start()
    settings.SEARCH_ELASTICSEARCH_URL = double.url
    yield double
    double.stop()


def documents(double):
    (index,) = double.aliased(ALIAS)
    return double.documents(index)


def test_the_jobs_write_documents_into_a_versioned_index_behind_the_aliases(elasticsearch, tree):
    assert elasticsearch.aliased(ALIAS) == elasticsearch.aliased(WRITING) == [f"{ALIAS}-v1"]
    mapping = elasticsearch.indices[f"{ALIAS}-v1"].mappings["properties"]
    assert {name: field["type"] for name, field in mapping.items()} == {
        "container_id": "keyword",
        "kind": "keyword",
        "project_id": "keyword",
        "name": "keyword",
        "labels": "keyword",
        "meta": "keyword",
    }
    assert documents(elasticsearch)[str(tree["liver"].id)] == {
        "container_id": str(tree["liver"].id),
        "kind": "dds-file",
        "project_id": str(tree["liver"].project_id),
        "name": "liver.fastq",
        "labels": ["DNA", "sequencing"],
        "meta": ["run.machine hiseq 4000"],
    }
    assert len(documents(elasticsearch)) == 5
    assert not Document.objects.exists()


def test_everything_the_caller_may_view_and_nothing_else(as_alice, as_bob, tree):
    assert names(search(as_alice)) == ["kidney.fastq", "liver.fastq", "notes.txt", "raw"]
    assert names(search(as_bob)) == ["liver-secret.fastq"]
    assert names(search(as_alice, {"query_string": {"query": "LIVER"}})) == ["liver.fastq"]
    assert names(search(as_alice, {"query_string": {"query": "sequenc"}})) == ["kidney.fastq", "liver.fastq"]
    assert names(search(as_alice, {"query_string": {"query": "hiseq"}})) == ["liver.fastq"]
    assert names(search(as_alice, {"query_string": {"query": "notes dna"}})) == ["liver.fastq", "notes.txt"]
    only_tags = {"query_string": {"query": "dna", "fields": ["tags.label"]}}
    assert names(search(as_alice, only_tags)) == ["liver.fastq"]
    assert names(search(as_alice, {"query_string": {"query": "sequencing", "fields": ["name"]}})) == []
    assert names(search(as_alice, {"query_string": {"query": "*"}})) == []  # a word, not a pattern
    assert names(search(as_alice, {"filters": [{"kind": ["dds-folder"]}]})) == ["raw"]


def test_facet_counts_only_what_the_caller_may_view(as_alice, as_sysadmin, tree):
    body = {
        "aggs": [{"field": "project.name", "name": "projects"}, {"field": "tags.label", "name": "tags", "size": 20}]
    }
    aggs = search(as_alice, body).json()["aggs"]
    assert aggs == {
        "projects": {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": 0,
            "buckets": [{"key": "Mouse RNA-seq", "doc_count": 4}],
        },
        "tags": {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": 0,
            "buckets": [{"key": "sequencing", "doc_count": 2}, {"key": "DNA", "doc_count": 1}],
        },
    }
    everything = search(as_sysadmin, body).json()["aggs"]
    assert everything["tags"]["buckets"][0] == {"key": "sequencing", "doc_count": 3}
    assert everything["projects"]["buckets"] == [
        {"key": "Mouse RNA-seq", "doc_count": 4},
        {"key": "Secret", "doc_count": 1},
    ]


def test_post_filters_and_paging(as_alice, tree, project):
    body = {
        "aggs": [{"field": "tags.label", "name": "tags"}, {"field": "project.name", "name": "projects"}],
        "post_filters": [{"tags.label": ["DNA"]}, {"project.name": ["Mouse RNA-seq"]}],
    }
    response = search(as_alice, body)
    assert names(response) == ["liver.fastq"]
    assert response.json()["aggs"]["tags"]["buckets"][0] == {"key": "sequencing", "doc_count": 2}
    assert response["X-Total"] == "1"
    paged = search(as_alice, page=2, per_page=3)
    assert names(paged) == ["raw"]
    assert (paged["X-Total"], paged["X-Total-Pages"]) == ("4", "2")


def test_a_renamed_project_counts_under_its_new_name(as_alice, tree, project):
    renamed = as_alice.put(f"{API}/projects/{project.id}", {"name": "Mouse livers"}, format="json")
    assert renamed.status_code == 200, renamed.content
    aggs = search(as_alice, {"aggs": [{"field": "project.name", "name": "p"}]}).json()["aggs"]
    assert aggs["p"]["buckets"] == [{"key": "Mouse livers", "doc_count": 4}]


def test_a_rename_and_a_tag_are_found_once_their_jobs_ran(as_alice, tree, client_for, alice):
    late = client_for(alice, commit=False)  # its jobs never run
    renamed = late.put(f"{API}/files/{tree['notes'].id}/rename", {"name": "summary.txt"}, format="json")
    assert renamed.status_code == 200, renamed.content
    assert names(search(as_alice, {"query_string": {"query": "summary"}})) == []
    renamed = as_alice.put(f"{API}/files/{tree['notes'].id}/rename", {"name": "summary.txt"}, format="json")
    assert renamed.status_code == 200, renamed.content
    assert names(search(as_alice, {"query_string": {"query": "summary"}})) == ["summary.txt"]
    tagged = as_alice.post(f"{API}/tags/dds-file/{tree['notes'].id}", {"label": "methods"}, format="json")
    assert tagged.status_code == 201
    assert names(search(as_alice, {"query_string": {"query": "methods"}})) == ["summary.txt"]


def test_deleted_files_and_folders_leave_the_index(as_alice, elasticsearch, tree):
    assert as_alice.delete(f"{API}/files/{tree['notes'].id}").status_code == 204
    assert str(tree["notes"].id) not in documents(elasticsearch)
    assert as_alice.delete(f"{API}/folders/{tree['raw'].id}").status_code == 204
    assert names(search(as_alice)) == []
    assert search(as_alice)["X-Total"] == "0"
    left = {source["name"] for source in documents(elasticsearch).values()}
    assert left == {"liver-secret.fastq"}  # the folder, and both files below it, are gone
    deletions = [item for request in elasticsearch.bulk_requests() for item in request.ndjson() if "delete" in item]
    assert {item["delete"]["_id"] for item in deletions} == {
        str(tree[name].id) for name in ("notes", "raw", "liver", "kidney")
    }


def test_a_deleted_project_is_not_searched(as_alice, tree, project):
    assert as_alice.delete(f"{API}/projects/{project.id}").status_code == 204
    assert names(search(as_alice)) == []
    aggs = search(as_alice, {"aggs": [{"field": "tags.label", "name": "t"}]}).json()["aggs"]
    assert aggs["t"]["buckets"] == []


def test_reindex_fills_a_new_index_then_swaps_the_alias(as_alice, as_bob, elasticsearch, tree):
    elasticsearch.indices[f"{ALIAS}-v1"].documents.clear()  # the index lost (a restore, say)
    assert names(search(as_alice)) == []
    output = io.StringIO()
    call_command("search_reindex", "--batch-size", "2", stdout=output)
    (index,) = elasticsearch.aliased(ALIAS)
    assert index.startswith(f"{ALIAS}-v1-") and elasticsearch.aliased(WRITING) == [index]
    assert f"{ALIAS}-v1" not in elasticsearch.indices  # the old one deleted, once nothing reads it
    assert names(search(as_alice)) == ["kidney.fastq", "liver.fastq", "notes.txt", "raw"]
    assert names(search(as_bob, {"query_string": {"query": "liver"}})) == ["liver-secret.fastq"]
    assert "[########################################] 5/5" in output.getvalue()
    assert output.getvalue().endswith("reindexed 5 folders and files\n")
    (swap,) = elasticsearch.recorded("POST", "/_aliases")
    assert swap.json() == {
        "actions": [
            {"add": {"index": index, "alias": ALIAS}},
            {"remove": {"index": f"{ALIAS}-v1", "alias": ALIAS}},
            {"remove": {"index": f"{ALIAS}-v1", "alias": WRITING}},
        ]
    }
    # The new index took the writes of the jobs from before the swap: it was behind the writing alias first.
    (created,) = elasticsearch.recorded("PUT", f"/{index}")
    assert created.json()["aliases"] == {WRITING: {}}


def test_what_the_official_client_sends(as_alice, elasticsearch, tree):
    elasticsearch.requests.clear()
    search(as_alice, {"query_string": {"query": "liver"}, "aggs": [{"field": "tags.label", "name": "t"}]})
    (request,) = elasticsearch.recorded()
    assert (request.method, request.path) == ("POST", f"/{ALIAS}/_search")
    assert request.headers["accept"] == "application/vnd.elasticsearch+json; compatible-with=8"
    assert request.headers["content-type"] == "application/vnd.elasticsearch+json; compatible-with=8"
    assert request.headers["user-agent"].startswith("elasticsearch-dsl-py/8.")
    body = request.json()
    assert body["query"]["bool"]["should"][0] == {"wildcard": {"name": {"value": "*liver*", "case_insensitive": True}}}
    assert body["query"]["bool"]["filter"][0] == {"terms": {"project_id": [str(tree["liver"].project_id)]}}
    assert body["aggs"] == {"agg0": {"terms": {"field": "labels", "size": 20}}}
    assert body["sort"] == ["name", "container_id"]
    assert (body["from"], body["size"], body["track_total_hits"], body["_source"]) == (0, 100, True, False)
    elasticsearch.requests.clear()
    as_alice.post(f"{API}/tags/dds-file/{tree['notes'].id}", {"label": "methods"}, format="json")
    get_alias, bulk = elasticsearch.recorded()
    assert (get_alias.method, get_alias.path) == ("GET", f"/_alias/{WRITING}")
    assert (bulk.method, bulk.path, bulk.query) == ("PUT", "/_bulk", {"refresh": "wait_for"})
    assert bulk.headers["content-type"] == "application/vnd.elasticsearch+x-ndjson; compatible-with=8"
    assert bulk.ndjson()[0] == {"index": {"_index": f"{ALIAS}-v1", "_id": str(tree["notes"].id)}}


def test_the_double_refuses_what_it_does_not_evaluate(elasticsearch, tree):
    client = Elasticsearch(elasticsearch.url)
    with pytest.raises(BadRequestError, match="unknown query \\[fuzzy\\]"):
        client.search(index=ALIAS, query={"fuzzy": {"name": "liver"}})
    with pytest.raises(BadRequestError, match="keyword fields only"):
        client.search(index=ALIAS, query={"term": {"nickname": "liver"}})
    with pytest.raises(BadRequestError, match="Result window is too large"):
        client.search(index=ALIAS, from_=9_999, size=2)


def test_search_answers_503_while_elasticsearch_is_out(as_alice, tree, settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.SEARCH_ELASTICSEARCH_URL = f"http://127.0.0.1:{closed.getsockname()[1]}"
    response = search(as_alice)
    assert response.status_code == 503
    assert response.json()["reason"] == "search unavailable"
    assert set(response.json()) == {"error", "code", "reason", "suggestion"}


def test_an_indexing_job_is_retried_while_elasticsearch_fails(as_alice, elasticsearch, tree):
    elasticsearch.fail_bulk(elasticsearch.bulk_count + 1, status=500)
    renamed = as_alice.put(f"{API}/files/{tree['notes'].id}/rename", {"name": "summary.txt"}, format="json")
    assert renamed.status_code == 200, renamed.content
    job = Job.objects.filter(worker="index_search_document", resource_id=str(tree["notes"].id)).latest("created_on")
    assert job.state == Job.State.RETRYING  # a passing fault: never `failed`
    assert names(search(as_alice, {"query_string": {"query": "summary"}})) == []
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
    sweep()
    assert names(search(as_alice, {"query_string": {"query": "summary"}})) == ["summary.txt"]


def test_reindex_into_a_cluster_that_holds_nothing_yet(as_alice, elasticsearch, tree):
    elasticsearch.indices.clear()  # SEARCH_ELASTICSEARCH_URL newly set: the database's items are not indexed yet
    assert names(search(as_alice)) == []
    call_command("search_reindex", verbosity=0)
    (index,) = elasticsearch.aliased(ALIAS)
    assert elasticsearch.aliased(WRITING) == [index] and list(elasticsearch.indices) == [index]
    assert names(search(as_alice)) == ["kidney.fastq", "liver.fastq", "notes.txt", "raw"]
    assert elasticsearch.recorded("DELETE") == []
    fills = [request for request in elasticsearch.bulk_requests() if request.query == {"refresh": "false"}]
    assert [request.bulk_ids() for request in fills] == [
        sorted(str(tree[name].id) for name in tree if name != "secret")
    ]


def test_the_deprecated_search_reads_elasticsearch_too(as_alice, elasticsearch, tree):
    body = {"include_kinds": ["dds-file"], "search_query": {"query": {"query_string": {"query": "*liver*"}}}}
    response = as_alice.post(f"{API}/search", body, format="json")
    assert response.status_code == 201
    assert [item["name"] for item in response.json()["results"]] == ["liver.fastq"]
    assert elasticsearch.recorded("POST", f"/{ALIAS}/_search")
