from dds.jobs.registry import worker

from . import services


@worker("initialize_upload_storage", queue="upload_storage_provider_initialization")
def initialize_upload_storage(upload_id):
    services.upload_storage_initialize(upload_id=upload_id)


@worker("complete_upload", queue="upload_completion")
def complete_upload(upload_id):
    services.upload_verify(upload_id=upload_id)


@worker("purge_upload", queue="upload_storage_removal")
def purge_upload(upload_id):
    services.upload_purge(upload_id=upload_id)
