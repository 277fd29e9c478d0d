"""The row locks writes take before they check anything: which row, in which order, is docs/api/concurrency.md."""

from dds import errors
from projects.models import Project
from projects.permissions import require_project_permission


def row_lock(queryset, model_name, pk, *, live=True, exclusive=False):
    """Lock row `pk` of `queryset` until the transaction ends and return it as committed now; `NotFound(model_name)`
    if there is none or, unless `live=False`, it is deleted.

    `FOR NO KEY UPDATE`: writes of the row wait for each other, inserts that only reference it do not. A write that
    waited for a delete finds the row deleted and refuses, instead of writing back what it had read before. Pass a
    bare queryset: rows joined to the locked one are read as they were before the wait, so read them after it.
    `exclusive`: `FOR UPDATE`, which also waits for the creations that hold the row `FOR KEY SHARE` (deletions).
    """
    queryset = queryset.select_for_update(of=("self",), no_key=not exclusive).filter(pk=pk)
    row = (queryset.filter(is_deleted=False) if live else queryset).first()
    if row is None:
        raise errors.NotFound(model_name)
    return row


def project_lock(project_id, model_name="Project", *, live=True, exclusive=False):
    """The first lock of every write to a project, its permissions, its transfers, and its folders and files: one
    writer per project at a time. `model_name`: what the route names, for the 404 of a deleted project."""
    return row_lock(Project.objects, model_name, project_id, live=live, exclusive=exclusive)


def project_lock_for(actor, project_id, permission, *, exclusive=False):
    """`project_lock`, then the caller's `permission` checked again under it: an accept of a transfer may have taken
    it since the view checked (403)."""
    project = project_lock(project_id, exclusive=exclusive)
    require_project_permission(actor.user, project, permission)
    return project
