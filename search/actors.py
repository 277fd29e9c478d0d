from dds.jobs.registry import worker

from . import services


@worker("index_search_document", queue="search_indexing")
def index_search_document(container_id):
    services.document_index(container_id=container_id)
