"""Search in the database itself: the `Document` table, matched by substring (trigram indexes on PostgreSQL, plain
LIKE on SQLite), faceted with GROUP BY. What is deleted (or below a folder being deleted) is never found: the live
rows decide, at query time."""

from django.db import connection, transaction
from django.db.models import Count, Q

from files.models import Container
from files.selectors import live

from ..documents import descriptions
from ..models import Document, DocumentLabel
from .found import Found, buckets

COLUMNS = {"name": "name", "tags.label": "labels", "meta": "meta"}


class DatabaseBackend:
    name = "database"
    # A deleted item stays in the table, left out at query time: its deletion needs no job.
    indexes_deletions = False

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
        aggs, total = {}, None
        for agg in query.aggs:
            if agg.field == "project.name":
                counts = self._by_project(matching)
                # Every match is in one project: their sum is the number matching, which need not be counted again.
                total = sum(count for _, count in counts)
                aggs[agg.name] = buckets(counts, agg.size, total)
            else:
                aggs[agg.name] = self._by_label(matching, agg)
        shown = matching
        if "project.name" in query.post_filters:
            shown = shown.filter(project__name__in=query.post_filters["project.name"])
        if "tags.label" in query.post_filters:
            labelled = DocumentLabel.objects.filter(label__in=query.post_filters["tags.label"]).values("document")
            shown = shown.filter(pk__in=labelled)
        ids = list(shown.order_by("name", "pk").values_list("pk", flat=True)[offset : offset + limit])
        if total is None or query.post_filters:
            total = shown.count()
        return Found(ids=ids, total=total, aggs=aggs)

    def _by_project(self, matching):
        """`[(project name, documents matching)]`, most first: one row per project searched at most."""
        rows = matching.values("project__name").annotate(count=Count("pk")).order_by("-count", "project__name")
        return [(row["project__name"], row["count"]) for row in rows]

    def _by_label(self, matching, agg):
        """The labels most held by the matches, and how many labels they hold in all (a window over every label's
        count, in the same query: a second one would read every match again)."""
        counted = (
            DocumentLabel.objects.filter(document__in=matching.values("pk")).values("label").annotate(count=Count("pk"))
        )
        sql, params = counted.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT label, "count", SUM("count") OVER () FROM ({sql}) AS counted '
                f'ORDER BY "count" DESC, label LIMIT %s',
                [*params, agg.size],
            )
            rows = cursor.fetchall()
        total = int(rows[0][2]) if rows else 0
        return buckets([(label, count) for label, count, _ in rows], agg.size, total)

    @transaction.atomic
    def index(self, containers):
        """Write the documents of `containers` (a list of rows), replacing what they said before."""
        described = descriptions(containers)
        Document.objects.filter(pk__in=list(described)).delete()
        Document.objects.bulk_create(
            Document(
                container=node,
                project_id=node.project_id,
                kind=node.kind,
                name=node.name.lower(),
                labels="\n".join(described[node.pk][0]).lower(),
                meta="\n".join(described[node.pk][1]),
            )
            for node in containers
        )
        DocumentLabel.objects.bulk_create(
            DocumentLabel(document_id=pk, label=label) for pk, (labels, _) in described.items() for label in set(labels)
        )

    def forget(self, ids):
        Document.objects.filter(pk__in=ids).delete()

    def reindex(self, *, batch_size, report):
        """Write the document of every folder and file again, in batches by id (each batch replaces its rows: search
        answers throughout); `report(done, total)` after each batch. The number written."""
        nodes = Container.objects.order_by("pk")
        total, done, after = nodes.count(), 0, None
        report(0, total)
        while True:
            batch = list((nodes.filter(pk__gt=after) if after else nodes)[:batch_size])
            if not batch:
                break
            self.index(batch)
            done, after = done + len(batch), batch[-1].pk
            report(done, total)
        return done
