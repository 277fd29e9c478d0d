"""Reads of tags, templates and object metadata, and who may read or change them (the original's policies, with
the permission checks the original left out of object metadata)."""

from django.db.models import Count, Max, Prefetch, Q

from dds import errors
from dds.lookups import get_or_404
from files.models import Container
from projects.permissions import project_permissions, projects_visible_to, require_creator_or_system_admin
from provenance.permissions import Viewer
from provenance.selectors import activities

from .models import MetadataValue, ObjectMetadata, Property, Tag, Template

KINDS = ("dds-file", "dds-activity")


def object_get(kind, pk):
    """The file or the activity a `{object_kind}/{object_id}` path names; 404 for another kind or an unknown id."""
    if kind == "dds-file":
        return get_or_404(Container.objects.filter(kind=Container.Kind.FILE).select_related("project"), "DataFile", pk)
    if kind == "dds-activity":
        return get_or_404(activities(), "Activity", pk)
    raise errors.UnsupportedKind(kind)


def of_object(obj):
    """Filter arguments selecting the rows about `obj`."""
    return {"file": obj} if isinstance(obj, Container) else {"activity": obj}


def require_view(user, obj):
    """A file: view_project on its project. An activity: its creator, or one who sees a file version it touches."""
    if isinstance(obj, Container):
        sees = "view_project" in project_permissions(user, obj.project)
    else:
        sees = Viewer(user).sees_activity(obj)
    if not sees:
        raise errors.Forbidden()


def require_update(user, obj):
    """A file: update_file on its project. An activity: its creator (or a system admin)."""
    if isinstance(obj, Container):
        if "update_file" not in project_permissions(user, obj.project):
            raise errors.Forbidden()
    else:
        require_creator_or_system_admin(user, obj)


def tags():
    return Tag.objects.select_related(*Tag.AUDIT_RELATED)


def tags_of(obj):
    return tags().filter(**of_object(obj)).order_by("-created_on", "id")


def tag_get(pk):
    tag = get_or_404(tags().select_related("file__project", "activity"), "Tag", pk)
    return tag, tag.file or tag.activity


def tag_labels(*, user, object_kind=None, label_contains=None):
    """The distinct labels of the tags the caller may see, with how often each is used and when it was last used,
    most used first."""
    viewer = Viewer(user)
    seen_files = Q(file__isnull=False)
    if not viewer.is_admin:
        seen_files &= Q(file__project__in=projects_visible_to(user).filter(is_deleted=False).values("pk"))
    seen_activities = Q(activity__in=viewer.activities(activities().filter(is_deleted=False)).values("pk"))
    seen = {"dds-file": seen_files, "dds-activity": seen_activities}.get(object_kind, seen_files | seen_activities)
    labels = Tag.objects.filter(seen)
    if label_contains:
        labels = labels.filter(label__icontains=label_contains)
    return (
        labels.values("label").annotate(count=Count("id"), last_used_on=Max("created_on")).order_by("-count", "label")
    )


def templates(*, name_contains=None):
    queryset = Template.objects.select_related(*Template.AUDIT_RELATED).order_by("name")
    if name_contains:
        queryset = queryset.filter(name__icontains=name_contains)
    return queryset


def template_get(pk):
    return get_or_404(templates(), "Template", pk)


def properties():
    return Property.objects.select_related("template", *Property.AUDIT_RELATED).order_by("created_on", "id")


def property_get(pk):
    return get_or_404(properties(), "Property", pk)


def template_in_use(template):
    return ObjectMetadata.objects.filter(template=template).exists()


def property_in_use(prop):
    return MetadataValue.objects.filter(property=prop).exists()


def metadata_of(obj, *, template_name=None):
    values = Prefetch("values", queryset=MetadataValue.objects.select_related("property").order_by("property__key"))
    queryset = (
        ObjectMetadata.objects.filter(**of_object(obj))
        .select_related("template")
        .prefetch_related(values)
        .order_by("template__name")
    )
    if template_name is not None:
        queryset = queryset.filter(template__name=template_name)
    return queryset


def metadata_get(obj, template):
    found = metadata_of(obj).filter(template=template).first()
    if found is None:
        raise errors.NotFound("MetaTemplate")
    return found


def with_tags(files):
    """`{file id: [label, …]}` for files, in one query."""
    labels = {file.pk: [] for file in files}
    for file_id, label in Tag.objects.filter(file__in=files).order_by("label").values_list("file_id", "label"):
        labels[file_id].append(label)
    return labels


def with_metadata(files):
    """`{file id: {template name: {key: value}}}` for files, in one query."""
    meta = {file.pk: {} for file in files}
    rows = MetadataValue.objects.filter(metadata__file__in=files).values_list(
        "metadata__file_id", "metadata__template__name", "property__key", "value"
    )
    for file_id, template_name, key, value in rows:
        meta[file_id].setdefault(template_name, {})[key] = value
    return meta
