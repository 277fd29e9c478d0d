"""Search in the database itself: the `Document` table, matched by substring (trigram indexes on PostgreSQL, plain
LIKE on SQLite), faceted with GROUP BY. What is deleted (or below a folder being deleted) is never found: the live
rows decide, at query time."""

from django.db.models import Count, Q

from files.models import Container
from files.selectors import live

from ..models import Document, DocumentLabel
from . import Found, buckets

COLUMNS = {"name": "name", "tags.label": "labels", "meta": "meta"}


class DatabaseBackend:
    name = "database"

    def search(self, query, *, projects, offset, limit):
        """`projects`: a queryset of the ids of the projects to search."""
        live_nodes = live(Container.objects.filter(project__in=projects)).values("pk")
        matching = Document.objects.filter(project__in=projects, container__in=live_nodes, kind__in=query.kinds)
        if query.terms:
            matches = Q()
            for term in query.terms:
                for name in query.fields:
                    matches |= Q(**{f"{COLUMNS[name]}__contains": term})
            matching = matching.filter(matches)
        aggs = {agg.name: self._agg(matching, agg) for agg in query.aggs}
        shown = matching
        if "project.name" in query.post_filters:
            shown = shown.filter(project__name__in=query.post_filters["project.name"])
        if "tags.label" in query.post_filters:
            labelled = DocumentLabel.objects.filter(label__in=query.post_filters["tags.label"]).values("document")
            shown = shown.filter(pk__in=labelled)
        ids = list(shown.order_by("name", "pk").values_list("pk", flat=True)[offset : offset + limit])
        return Found(ids=ids, total=shown.count(), aggs=aggs)

    def _agg(self, matching, agg):
        if agg.field == "project.name":
            rows = matching.values("project__name").annotate(count=Count("pk")).order_by("-count", "project__name")
            counts = [(row["project__name"], row["count"]) for row in rows[: agg.size]]
            return buckets(counts, agg.size, matching.count())
        rows = (
            DocumentLabel.objects.filter(document__in=matching.values("pk"))
            .values("label")
            .annotate(count=Count("pk"))
            .order_by("-count", "label")
        )
        total = DocumentLabel.objects.filter(document__in=matching.values("pk")).count()
        return buckets([(row["label"], row["count"]) for row in rows[: agg.size]], agg.size, total)
