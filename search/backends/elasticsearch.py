"""Search in Elasticsearch (SEARCH_ELASTICSEARCH_URL), through elasticsearch-dsl.

Documents live in an index named after its mapping's version, `<alias>-v<MAPPING_VERSION>[-<time>]`, behind two
aliases: `<alias>`, which search reads, and `<alias>-writing`, every index of which the indexing job writes. `reindex`
fills a new index (added to the writing alias first, so no change made meanwhile is missed), then moves the read alias
to it in one request: search answers throughout. Only live folders and files have a document: the job of a deleted
one removes it, and for a folder everything below it. Words match anywhere, in any case, as in the database.
"""

import functools
import uuid
from contextlib import contextmanager

from django.utils import timezone
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, BadRequestError, Elasticsearch, NotFoundError
from elasticsearch.helpers import BulkIndexError, bulk
from elasticsearch_dsl import Document, Keyword, Q, Search

from dds import errors
from dds.jobs.retries import TransientError
from files.models import Container, Deletion
from files.selectors import live
from projects.models import Project

from ..documents import descriptions
from .found import Found, buckets

MAPPING_VERSION = 1
FIELDS = {"name": "name", "tags.label": "labels", "meta": "meta"}
# Elasticsearch's index.max_result_window: results past it are counted but not served.
WINDOW = 10_000


class FolderFile(Document):
    container_id = Keyword()
    kind = Keyword()
    project_id = Keyword()
    name = Keyword()  # in lower case: matched and sorted by
    labels = Keyword(multi=True)  # as written: the tags.label facet and post-filter
    meta = Keyword(multi=True)  # "template.key value", in lower case


@functools.cache
def _client(url):
    return Elasticsearch(url, request_timeout=30)


def _wildcard(term):
    escaped = term.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")
    return f"*{escaped}*"


def _unavailable(error):
    """A cluster not answering, or answering that it cannot now, passes by itself; anything else is a defect."""
    if isinstance(error, (TransportConnectionError, ConnectionTimeout)):
        return True
    return isinstance(error, ApiError) and (error.meta.status == 429 or error.meta.status >= 500)


@contextmanager
def _retried_when_unavailable():
    """A job's Elasticsearch requests: a cluster not answering is a transient failure, retried as long as it lasts."""
    try:
        yield
    except Exception as error:
        if _unavailable(error):
            raise TransientError(f"Elasticsearch: {error}") from error
        raise


class ElasticsearchBackend:
    name = "elasticsearch"
    # Only live items have a document: a deletion is a job that removes them.
    indexes_deletions = True

    def __init__(self, url, alias):
        self.client = _client(url)
        self.alias = alias
        self.writing = f"{alias}-writing"

    # --- reads ---

    def search(self, query, *, projects, offset, limit):
        """`projects`: a queryset of the ids of the projects to search."""
        project_ids = [str(pk) for pk in projects.values_list("pk", flat=True)]
        search = (
            Search(using=self.client, index=self.alias)
            .filter("terms", project_id=project_ids)
            .filter("terms", kind=list(query.kinds))
            .extra(track_total_hits=True)
            .source(False)
            .sort("name", "container_id")
        )
        if query.terms:
            search = search.query(
                "bool",
                should=[
                    Q("wildcard", **{FIELDS[name]: {"value": _wildcard(term), "case_insensitive": True}})
                    for term in query.terms
                    for name in query.fields
                ],
                minimum_should_match=1,
            )
        for number, agg in enumerate(query.aggs):
            # Every project's count, named from the database at answer time (a renamed project counts as renamed).
            if agg.field == "project.name":
                search.aggs.bucket(f"agg{number}", "terms", field="project_id", size=max(len(project_ids), 1))
            else:
                search.aggs.bucket(f"agg{number}", "terms", field="labels", size=agg.size)
        if "project.name" in query.post_filters:
            named = Project.objects.filter(pk__in=projects, name__in=query.post_filters["project.name"])
            search = search.post_filter("terms", project_id=[str(pk) for pk in named.values_list("pk", flat=True)])
        if "tags.label" in query.post_filters:
            search = search.post_filter("terms", labels=list(query.post_filters["tags.label"]))
        start = min(offset, WINDOW)
        search = search.extra(**{"from": start, "size": max(min(limit, WINDOW - start), 0)})
        try:
            response = search.execute()
        except NotFoundError:
            response = None  # nothing indexed yet
        except Exception as error:
            if _unavailable(error):
                raise errors.ServiceUnavailable(reason="search unavailable") from error
            raise
        if response is None:
            return Found(ids=[], total=0, aggs={agg.name: buckets([], agg.size, 0) for agg in query.aggs})
        aggs = {}
        for number, agg in enumerate(query.aggs):
            answered = response.aggregations[f"agg{number}"]
            if agg.field == "project.name":
                aggs[agg.name] = self._projects_agg(answered.buckets, agg.size)
            else:
                aggs[agg.name] = {
                    "doc_count_error_upper_bound": answered.doc_count_error_upper_bound,
                    "sum_other_doc_count": answered.sum_other_doc_count,
                    "buckets": [{"key": bucket.key, "doc_count": bucket.doc_count} for bucket in answered.buckets],
                }
        ids = [uuid.UUID(hit.meta.id) for hit in response.hits] if offset < WINDOW else []
        return Found(ids=ids, total=response.hits.total.value, aggs=aggs)

    def _projects_agg(self, answered, size):
        names = dict(Project.objects.filter(pk__in=[bucket.key for bucket in answered]).values_list("pk", "name"))
        counts = {}
        for bucket in answered:
            name = names.get(uuid.UUID(bucket.key))
            if name is not None:
                counts[name] = counts.get(name, 0) + bucket.doc_count
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return buckets(ordered, size, sum(counts.values()))

    # --- writes ---

    def index(self, containers):
        """Write the documents of the live `containers` (a list of rows); remove those of the others, and of
        everything below a deleted folder."""
        ids = [node.pk for node in containers]
        alive = set(live(Container.objects.filter(pk__in=ids)).values_list("pk", flat=True))
        kept = [node for node in containers if node.pk in alive]
        described = descriptions(kept)
        with _retried_when_unavailable():
            indices = self._writing_indices()
            self._bulk(
                {"_op_type": "index", "_index": index, "_id": str(node.pk), "_source": self._source(node, described)}
                for node in kept
                for index in indices
            )
        self.forget([pk for pk in ids if pk not in alive])

    def forget(self, ids):
        """Remove the documents of `ids`, and of what is below those of them that are deleted folders."""
        if not ids:
            return
        below = Container.objects.none()
        for deletion in Deletion.objects.filter(root__in=ids):
            below |= Container.objects.filter(project=deletion.project_id, path__startswith=deletion.prefix)
            below |= Container.objects.filter(project=deletion.project_id, path__startswith=deletion.moved_to)
        everything = [*ids, *below.values_list("pk", flat=True).iterator()]
        with _retried_when_unavailable():
            indices = self._writing_indices()
            self._bulk(
                ({"_op_type": "delete", "_index": index, "_id": str(pk)} for pk in everything for index in indices),
                ignore_status=(404,),
            )

    def reindex(self, *, batch_size, report):
        """Fill a new index with every live folder and file, in batches by id, then move the read alias to it and
        delete the old one; `report(done, total)` after each batch. The number written."""
        name = f"{self.alias}-v{MAPPING_VERSION}-{timezone.now():%Y%m%d%H%M%S%f}"
        self._create(name, aliases={self.writing: {}})
        nodes = live(Container.objects.all()).order_by("pk")
        total, done, after = nodes.count(), 0, None
        report(0, total)
        while True:
            batch = list((nodes.filter(pk__gt=after) if after else nodes)[:batch_size])
            if not batch:
                break
            described = descriptions(batch)
            # `create`: a document the job wrote meanwhile is newer than this batch's read of the rows.
            self._bulk(
                (
                    {
                        "_op_type": "create",
                        "_index": name,
                        "_id": str(node.pk),
                        "_source": self._source(node, described),
                    }
                    for node in batch
                ),
                refresh=False,
                ignore_status=(409,),
            )
            done, after = done + len(batch), batch[-1].pk
            report(done, total)
        self.client.indices.refresh(index=name)
        reading, writing = self._indices(self.alias), self._indices(self.writing) - {name}
        actions = [{"add": {"index": name, "alias": self.alias}}]
        actions += [{"remove": {"index": index, "alias": self.alias}} for index in sorted(reading)]
        actions += [{"remove": {"index": index, "alias": self.writing}} for index in sorted(writing)]
        self.client.indices.update_aliases(actions=actions)
        if reading | writing:
            self.client.indices.delete(index=",".join(sorted(reading | writing)))
        return done

    def _source(self, node, described):
        labels, meta = described[node.pk]
        return {
            "container_id": str(node.pk),
            "kind": node.kind,
            "project_id": str(node.project_id),
            "name": node.name.lower(),
            "labels": sorted(set(labels)),
            "meta": meta,
        }

    def _bulk(self, actions, *, refresh="wait_for", ignore_status=()):
        """`refresh="wait_for"`: the job ends once search finds what it wrote."""
        try:
            bulk(self.client, actions, refresh=refresh, ignore_status=ignore_status)
        except BulkIndexError as error:
            refused = f"Elasticsearch refused {len(error.errors)} documents, e.g. {error.errors[0]}"
            raise RuntimeError(refused) from error

    def _indices(self, alias):
        try:
            return set(self.client.indices.get_alias(name=alias).body)
        except NotFoundError:
            return set()

    def _writing_indices(self):
        """The indices the job writes; the first, with both aliases, made when there is none yet."""
        indices = self._indices(self.writing)
        if not indices:
            self._create(f"{self.alias}-v{MAPPING_VERSION}", aliases={self.alias: {}, self.writing: {}})
            indices = self._indices(self.writing)
        return sorted(indices)

    def _create(self, name, *, aliases):
        try:
            self.client.indices.create(index=name, mappings=FolderFile._doc_type.mapping.to_dict(), aliases=aliases)
        except BadRequestError as error:
            if error.message != "resource_already_exists_exception":
                raise
