"""Writes of the search index: a folder's or a file's document, built from its rows. Safe to run any number of
times: each run writes what the rows say now."""

from django.db import transaction

from files.models import Container
from metadata.selectors import with_metadata, with_tags

from .models import Document, DocumentLabel


def _meta_text(meta):
    return "\n".join(f"{template}.{key} {value}" for template, values in meta.items() for key, value in values.items())


def documents_of(containers):
    """`{id: (Document, labels)}` for rows of Container, in two queries."""
    labels = with_tags(containers)
    meta = with_metadata(containers)
    return {
        node.pk: (
            Document(
                container=node,
                project_id=node.project_id,
                kind=node.kind,
                name=node.name.lower(),
                labels="\n".join(labels[node.pk]).lower(),
                meta=_meta_text(meta[node.pk]).lower(),
            ),
            labels[node.pk],
        )
        for node in containers
    }


@transaction.atomic
def documents_write(*, containers):
    """Write the documents of `containers` (a list of rows), replacing what they said before."""
    built = documents_of(containers)
    Document.objects.filter(pk__in=list(built)).delete()
    Document.objects.bulk_create([document for document, _ in built.values()])
    DocumentLabel.objects.bulk_create(
        DocumentLabel(document_id=pk, label=label) for pk, (_, labels) in built.items() for label in set(labels)
    )


def document_index(*, container_id):
    """What the `index_search_document` worker does for one folder or file (or one gone since)."""
    node = Container.objects.filter(pk=container_id).first()
    if node is None:
        Document.objects.filter(pk=container_id).delete()
        return
    documents_write(containers=[node])


def documents_reindex(*, batch_size, report):
    """Write the document of every folder and file again, in batches by id (each batch replaces its rows: search
    answers throughout); `report(done, total)` after each batch. The number written."""
    nodes = Container.objects.order_by("pk")
    total, done, after = nodes.count(), 0, None
    report(0, total)
    while True:
        batch = list((nodes.filter(pk__gt=after) if after else nodes)[:batch_size])
        if not batch:
            break
        documents_write(containers=batch)
        done, after = done + len(batch), batch[-1].pk
        report(done, total)
    return done
