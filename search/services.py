"""Writes of the search index: a folder's or a file's document, built from its rows, in the backend settings choose
(`backends.search_backend`). Safe to run any number of times: each run writes what the rows say now."""

from files.models import Container

from .backends import search_backend


def document_index(*, container_id):
    """What the `index_search_document` worker does for one folder or file (or one gone since)."""
    node = Container.objects.filter(pk=container_id).first()
    if node is None:
        search_backend().forget([container_id])
        return
    search_backend().index([node])


def documents_reindex(*, batch_size, report):
    """Rebuild every document (`report(done, total)` as it goes), search answering throughout; the number written."""
    return search_backend().reindex(batch_size=batch_size, report=report)
