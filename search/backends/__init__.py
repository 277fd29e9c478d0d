"""Where search reads and the indexing job writes: Elasticsearch when SEARCH_ELASTICSEARCH_URL is set, else the
database. Each backend answers `search(query, projects=, offset=, limit=)` with a `Found`, and keeps its documents
with `index(containers)`, `forget(ids)` and `reindex(batch_size=, report=)`."""

from django.conf import settings

from .database import DatabaseBackend
from .elasticsearch import ElasticsearchBackend
from .found import Found

__all__ = ["Found", "search_backend"]


def search_backend():
    if settings.SEARCH_ELASTICSEARCH_URL:
        return ElasticsearchBackend(settings.SEARCH_ELASTICSEARCH_URL, settings.SEARCH_ELASTICSEARCH_INDEX)
    return DatabaseBackend()
