from dds.jobs.registry import worker

from . import services


@worker("initialize_project_storage", queue="project_storage_provider_initialization")
def initialize_project_storage(project_id, storage_provider_id):
    services.project_storage_initialize(project_id=project_id, storage_provider_id=storage_provider_id)
