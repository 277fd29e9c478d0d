from dds.jobs.registry import Pending, worker

from . import storage
from .selectors import project_storage_pending


@worker(
    "initialize_project_storage",
    queue="project_storage_provider_initialization",
    pending=Pending(project_storage_pending, since="created_on", args=("project_id", "storage_provider_id")),
)
def initialize_project_storage(project_id, storage_provider_id):
    storage.project_storage_initialize(project_id=project_id, storage_provider_id=storage_provider_id)
