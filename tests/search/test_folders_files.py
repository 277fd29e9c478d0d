"""POST /search/folders_files (the original's search_api_spec and FolderFilesResponse): names, tag labels and
metadata values, across every project the caller may view and nothing else, in results and in facet counts."""

import pytest

from dds.audit import Actor
from files import services as files
from metadata import services as metadata
from search.models import Document

from ..client import API
from ..elasticsearch_double import ElasticsearchDouble
from ..envelopes import FORBIDDEN, PAGING_HEADERS
from ..files.conftest import stored_file

SEARCH = f"{API}/search/folders_files"


def search(client, body=None, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return client.post(f"{SEARCH}?{query}" if query else SEARCH, body or {}, format="json")


def names(response):
    assert response.status_code == 201, response.content
    return [item["name"] for item in response.json()["results"]]


def test_everything_the_caller_may_view(as_alice, as_bob, tree):
    assert names(search(as_alice)) == ["kidney.fastq", "liver.fastq", "notes.txt", "raw"]
    assert names(search(as_bob)) == ["liver-secret.fastq"]


def test_names_tags_and_metadata_values(as_alice, tree):
    assert names(search(as_alice, {"query_string": {"query": "LIVER"}})) == ["liver.fastq"]
    assert names(search(as_alice, {"query_string": {"query": "sequenc"}})) == ["kidney.fastq", "liver.fastq"]
    assert names(search(as_alice, {"query_string": {"query": "hiseq"}})) == ["liver.fastq"]
    assert names(search(as_alice, {"query_string": {"query": "notes dna"}})) == ["liver.fastq", "notes.txt"]
    only_names = {"query_string": {"query": "sequencing", "fields": ["name"]}}
    assert names(search(as_alice, only_names)) == []
    only_tags = {"query_string": {"query": "dna", "fields": ["tags.label"]}}
    assert names(search(as_alice, only_tags)) == ["liver.fastq"]


def test_a_file_shows_with_its_tags_and_metadata(as_alice, tree):
    found = search(as_alice, {"query_string": {"query": "liver"}}).json()["results"][0]
    assert found["kind"] == "dds-file" and found["id"] == str(tree["liver"].id)
    assert found["project"] == {"id": str(tree["liver"].project_id), "name": "Mouse RNA-seq"}
    assert found["ancestors"][1] == {"kind": "dds-folder", "id": str(tree["raw"].id), "name": "raw"}
    assert sorted(tag["label"] for tag in found["tags"]) == ["DNA", "sequencing"]
    assert found["meta"] == {"run": {"machine": "HiSeq 4000"}}


def test_filters(as_alice, as_bob, tree, project):
    kinds = {"filters": [{"kind": ["dds-folder"]}]}
    assert names(search(as_alice, kinds)) == ["raw"]
    mine = {"filters": [{"project.id": [str(project.id)]}, {"kind": ["dds-file"]}]}
    assert names(search(as_alice, mine)) == ["kidney.fastq", "liver.fastq", "notes.txt"]
    theirs = search(as_alice, {"filters": [{"project.id": [str(tree["secret"].id)]}]})
    assert theirs.status_code == 403
    assert theirs.json() == {
        **FORBIDDEN,
        "suggestion": "You do not have access to view one or more projects provided in filters[] project.id list",
    }


def test_facets_count_only_what_the_caller_may_view(as_alice, as_sysadmin, tree):
    body = {
        "aggs": [{"field": "project.name", "name": "projects"}, {"field": "tags.label", "name": "tags", "size": 20}]
    }
    aggs = search(as_alice, body).json()["aggs"]
    assert aggs["projects"]["buckets"] == [{"key": "Mouse RNA-seq", "doc_count": 4}]
    assert aggs["tags"]["buckets"] == [{"key": "sequencing", "doc_count": 2}, {"key": "DNA", "doc_count": 1}]
    assert aggs["tags"]["sum_other_doc_count"] == 0
    everything = search(as_sysadmin, body).json()["aggs"]
    assert everything["tags"]["buckets"][0] == {"key": "sequencing", "doc_count": 3}
    assert {b["key"] for b in everything["projects"]["buckets"]} == {"Mouse RNA-seq", "Secret"}


def test_facets_beyond_their_size_count_the_rest(as_alice, alice, tree, indexed):
    with indexed():
        labels = [f"lab-{n:02}" for n in range(22)]
        metadata.tags_append(actor=Actor(user=alice), obj=tree["kidney"], labels=labels)
    body = {"aggs": [{"field": "tags.label", "name": "tags", "size": 20}, {"field": "project.name", "name": "p"}]}
    response = search(as_alice, body)
    aggs = response.json()["aggs"]
    assert aggs["tags"]["buckets"][:2] == [{"key": "sequencing", "doc_count": 2}, {"key": "DNA", "doc_count": 1}]
    assert [bucket["key"] for bucket in aggs["tags"]["buckets"][2:]] == labels[:18]
    assert aggs["tags"]["sum_other_doc_count"] == 4
    assert aggs["p"] == {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": 0,
        "buckets": [{"key": "Mouse RNA-seq", "doc_count": 4}],
    }
    assert response["X-Total"] == "4"


def test_post_filters_narrow_the_results_not_the_facets(as_alice, tree):
    body = {
        "aggs": [{"field": "tags.label", "name": "tags"}],
        "post_filters": [{"tags.label": ["DNA"]}],
    }
    response = search(as_alice, body)
    assert names(response) == ["liver.fastq"]
    assert response.json()["aggs"]["tags"]["buckets"][0] == {"key": "sequencing", "doc_count": 2}
    assert response["X-Total"] == "1"


def test_paging_headers(as_alice, tree):
    response = search(as_alice, page=2, per_page=3)
    assert names(response) == ["raw"]
    assert {name: response[name] for name in PAGING_HEADERS} == {
        "X-Total": "4",
        "X-Total-Pages": "2",
        "X-Page": "2",
        "X-Per-Page": "3",
        "X-Next-Page": "",
        "X-Prev-Page": "1",
    }


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"query_string": {"fields": ["name"]}}, "query_string.fields is not allowed without query_string.query"),
        (
            {"query_string": {"query": "x", "fields": ["path"]}},
            "query_string.field must be one of name, tags.label, meta",
        ),
        ({"filters": [{"owner": ["x"]}]}, "filters must be one of kind, project.id"),
        ({"filters": [{"kind": "dds-file"}]}, "filters[] value must be a list"),
        ({"filters": [{"kind": ["dds-project"]}]}, "filters[] kind must be one of dds-file, dds-folder"),
        (
            {"filters": [{"kind": ["dds-file"]}, {"kind": ["dds-folder"]}]},
            "filters[] can have at most one project.id or kind entry",
        ),
        ({"aggs": [{"name": "x"}]}, "aggs[].field is required"),
        ({"aggs": [{"field": "name", "name": "x"}]}, "aggs[].field must be one of project.name, tags.label"),
        ({"aggs": [{"field": "tags.label"}]}, "aggs[].name is required"),
        (
            {"aggs": [{"field": "tags.label", "name": "x", "size": 51}]},
            "aggs[].size must be at least 20 and at most 50",
        ),
        ({"post_filters": [{"tags.label": ["x"]}]}, "post_filters must be used with aggs"),
        (
            {"aggs": [{"field": "tags.label", "name": "t"}], "post_filters": [{"project.name": ["x"]}]},
            "post_filters[project.name] must be accompanied by aggs[].field project.name",
        ),
    ],
)
def test_the_original_messages(as_alice, body, reason):
    response = search(as_alice, body)
    assert response.status_code == 400
    assert response.json() == {
        "error": 400,
        "code": "not_provided",
        "reason": reason,
        "suggestion": "Please supply the correct argument",
    }


def test_deleted_things_are_not_found(as_alice, alice, tree, indexed):
    with indexed():
        files.folder_delete(actor=Actor(user=alice), folder=tree["raw"])
    assert names(search(as_alice)) == ["notes.txt"]


def test_changes_reach_search_through_the_job_layer(as_alice, alice, project, tree, indexed):
    with indexed():
        files.container_rename(actor=Actor(user=alice), node=tree["notes"], name="summary.txt")
    assert names(search(as_alice, {"query_string": {"query": "summary"}})) == ["summary.txt"]
    tagged = as_alice.post(f"{API}/tags/dds-file/{tree['notes'].id}", {"label": "methods"}, format="json")
    assert tagged.status_code == 201
    assert names(search(as_alice, {"query_string": {"query": "methods"}})) == ["summary.txt"]
    added = stored_file(project, alice, None, b"x", "unindexed.txt")  # its job never ran: not found yet
    assert names(search(as_alice, {"query_string": {"query": "unindexed"}})) == []
    assert added.id


def test_deprecated_search(as_alice, as_bob, tree):
    body = {"include_kinds": ["dds-file"], "search_query": {"query": {"query_string": {"query": "*liver*"}}}}
    response = as_alice.post(f"{API}/search", body, format="json")
    assert response.status_code == 201
    assert [item["name"] for item in response.json()["results"]] == ["liver.fastq"]
    assert "X-Total" not in response
    bobs = as_bob.post(f"{API}/search", body, format="json").json()["results"]
    assert [item["name"] for item in bobs] == ["liver-secret.fastq"]
    unknown = as_alice.post(f"{API}/search", {**body, "include_kinds": ["dds-thing"]}, format="json")
    assert unknown.status_code == 404 and unknown.json()["reason"] == "object_kind dds-thing Not Supported"
    project = as_alice.post(f"{API}/search", {**body, "include_kinds": ["dds-project"]}, format="json")
    assert project.status_code == 404 and project.json()["reason"] == "object_kind dds-project Not Indexed"


@pytest.fixture
def message_log_in_elasticsearch(settings):
    double = ElasticsearchDouble().start()
    settings.ELASTICSEARCH_URL = double.url
    yield double
    double.stop()


def test_the_message_logs_elasticsearch_does_not_move_search(message_log_in_elasticsearch, as_alice, tree):
    assert names(search(as_alice, {"query_string": {"query": "liver"}})) == ["liver.fastq"]
    assert Document.objects.count() == 5
    assert message_log_in_elasticsearch.recorded() == []
