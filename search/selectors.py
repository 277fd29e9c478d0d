"""Reads for search: the projects a caller may search, and the found folders and files as the API shows them."""

from django.db.models import Min

from dds import errors
from dds.jobs.models import Job
from dds.lookups import parse_uuid
from files.models import Container
from files.selectors import containers, live
from metadata.selectors import with_metadata, with_tags
from projects.models import Project
from projects.permissions import projects_visible_to

from .backends import search_backend
from .signals import WORKER

INDEXED_KINDS = ("dds-file", "dds-folder")
# Every kind the API names: those search does not index are refused as the original refused them.
KNOWN_KINDS = (*INDEXED_KINDS, "dds-project", "dds-activity", "dds-file-version", "dds-user", "dds-software_agent")


def searchable_projects(user, project_ids=None):
    """The ids (a queryset) of the live projects the caller may view, or of those `project_ids` names: 403 if the
    caller may not view one of them (as the original refused)."""
    visible = projects_visible_to(user, Project.objects.filter(is_deleted=False)).values("pk")
    if project_ids is None:
        return visible
    keys = {parse_uuid(pk) for pk in project_ids}
    if None in keys or Project.objects.filter(pk__in=keys).filter(pk__in=visible).count() != len(keys):
        raise errors.Forbidden(
            suggestion="You do not have access to view one or more projects provided in filters[] project.id list"
        )
    return Project.objects.filter(pk__in=keys).values("pk")


def documents_awaiting_index():
    """The folders and files (`resource_id`) whose indexing job has not run yet, and since when the oldest waits: a
    change not yet found by search. The sweeper sends a lost job of theirs again. The jobs' `state` index lets it
    read the open jobs only, not the history."""
    return (
        Job.objects.filter(worker=WORKER, state__in=Job.LIVE_STATES)
        .values("resource_id")
        .annotate(waiting_since=Min("created_on"))
        .order_by()
    )


def found_search(*, user, query, offset, limit):
    return search_backend().search(
        query, projects=searchable_projects(user, query.project_ids), offset=offset, limit=limit
    )


def found_nodes(ids):
    """The live folders and files of `ids`, in that order (one deleted since it was found is left out)."""
    rows = live(containers().filter(pk__in=ids)).in_bulk()
    return [rows[pk] for pk in ids if pk in rows]


def with_descriptions(nodes, data):
    """`data` (the nodes as the API shows them) with each file's tags and metadata, as the original's search did."""
    files = [node for node in nodes if node.kind == Container.Kind.FILE]
    labels, meta = with_tags(files), with_metadata(files)
    for node, item in zip(nodes, data, strict=True):
        if node.pk in labels:
            item["tags"] = [{"label": label} for label in labels[node.pk]]
            item["meta"] = meta[node.pk]
    return data
