from dds.jobs.registry import Pending, worker

from . import services
from .selectors import documents_awaiting_index
from .signals import WORKER


@worker(
    WORKER,
    queue="search_indexing",
    pending=Pending(documents_awaiting_index, since="waiting_since", args=("resource_id",)),
)
def index_search_document(container_id):
    services.document_index(container_id=container_id)
