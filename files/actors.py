from dds.jobs.registry import Pending, worker

from . import services
from .selectors import deletions_in_progress


@worker("delete_tree", queue="child_deletion", pending=Pending(deletions_in_progress, since="created_on"))
def delete_tree(deletion_id):
    services.deletion_step(deletion_id=deletion_id)
