import dramatiq

from dds.jobs.registry import Pending, worker

from . import services
from .selectors import upload_to_follow, uploads_awaiting_storage, uploads_awaiting_verification
from .storage.filesystem import FilesystemStorage
from .storage.follower import FOLLOW_ACTOR, chunk_follow


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


def follow_upload_chunks(upload_id, number, size, md5):
    """Hash a filesystem upload's chunks stored so far, in order, in this process (uploads/storage/follower.py)."""
    upload = upload_to_follow(upload_id)
    if upload is not None:
        chunk_follow(FilesystemStorage(upload.storage_provider), upload, number, size, md5)


# Not a worker one selects: its hints go where complete_upload's queue is consumed; a verification uses what was
# followed only when it runs in the process that followed.
dramatiq.actor(follow_upload_chunks, actor_name=FOLLOW_ACTOR, queue_name="upload_completion", max_retries=0)


@worker("purge_upload", queue="upload_storage_removal", finds=services.upload_retention_sweep)
def purge_upload(upload_id):
    services.upload_purge(upload_id=upload_id)
