from dds.jobs.registry import Pending, worker

from . import services
from .selectors import uploads_awaiting_storage, uploads_awaiting_verification


@worker(
    "initialize_upload_storage",
    queue="upload_storage_provider_initialization",
    pending=Pending(uploads_awaiting_storage, since="created_on"),
)
def initialize_upload_storage(upload_id):
    services.upload_storage_initialize(upload_id=upload_id)


@worker(
    "complete_upload",
    queue="upload_completion",
    pending=Pending(uploads_awaiting_verification, since="completed_on"),
)
def complete_upload(upload_id):
    services.upload_verify(upload_id=upload_id)


@worker("purge_upload", queue="upload_storage_removal", finds=services.upload_retention_sweep)
def purge_upload(upload_id):
    services.upload_purge(upload_id=upload_id)
