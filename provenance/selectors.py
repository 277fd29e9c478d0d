"""Reads of provenance."""

from django.db.models import Prefetch, Q

from dds import errors
from dds.lookups import get_or_404
from files.models import FileVersion
from files.selectors import file_versions
from projects.permissions import projects_visible_to
from uploads.models import Fingerprint

from .models import Activity, Relation

CHUNK = 5000


def chunks(ids):
    """`ids` in lists of at most CHUNK, so that no query carries more parameters than a database takes."""
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def rows_by_id(queryset, ids):
    """`{id: row}` of `queryset` for `ids`, read in chunks."""
    rows = {}
    for chunk in chunks(ids):
        rows.update((row.pk, row) for row in queryset.filter(pk__in=chunk))
    return rows


def share_related(rows, *names):
    """Fill each row's foreign keys `names` from one read per key: rows naming the same user (file, project, …)
    share one instance, where a join would build one per row."""
    rows = list(rows)
    for name in names:
        field = rows[0]._meta.get_field(name) if rows else None
        if field is None:
            return rows
        related = rows_by_id(field.related_model.objects.all(), {getattr(row, field.attname) for row in rows} - {None})
        for row in rows:
            setattr(row, name, related.get(getattr(row, field.attname)))
    return rows


def activities():
    return Activity.objects.select_related(*Activity.AUDIT_RELATED)


def relations():
    return Relation.objects.select_related(*Relation.AUDIT_RELATED)


def many_by_id(model, ids):
    """`{id: row}` of many activities, relations or file versions, with what their serializers read, in a number of
    queries that does not grow with the rows (beyond one per CHUNK): see `share_related`."""
    if model is FileVersion:
        fingerprints = Prefetch(
            "upload__fingerprints", queryset=Fingerprint.objects.select_related(*Fingerprint.AUDIT_RELATED)
        )
        rows = rows_by_id(FileVersion.objects.select_related("upload").prefetch_related(fingerprints), ids)
        share_related(rows.values(), "file", *FileVersion.AUDIT_RELATED)
        share_related({version.file for version in rows.values()}, "project")
        share_related([version.upload for version in rows.values()], "storage_provider")
        return rows
    rows = rows_by_id(model.objects.all(), ids)
    share_related(rows.values(), *model.AUDIT_RELATED)
    return rows


def activity_list(*, viewer):
    """Live activities the caller may see, newest first."""
    return viewer.activities(activities().filter(is_deleted=False)).order_by("-created_on", "id")


def node_get(kind, pk):
    """The activity or file version a `{kind, id}` names (deleted ones too); 404 for another kind or a missing id."""
    if kind == "dds-activity":
        return get_or_404(activities(), "Activity", pk)
    if kind == "dds-file-version":
        return get_or_404(file_versions(), "FileVersion", pk)
    raise errors.UnsupportedKind(kind)


def relations_of(node, *, viewer):
    """The live relations at one hop from an activity or a file version that `viewer` may see, newest first."""
    if isinstance(node, FileVersion):
        joined = Q(entity=node) | Q(used_entity=node)
    else:
        joined = Q(activity=node)
    queryset = relations().filter(joined, is_deleted=False)
    if not viewer.is_admin:
        visible = projects_visible_to(viewer.user).values("pk")
        queryset = queryset.filter(Q(entity__file__project__in=visible) | Q(used_entity__file__project__in=visible))
    return queryset.order_by("-created_on", "id")
