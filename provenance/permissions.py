"""What one caller may see of provenance, and which relations they may remove (the original's policies)."""

from django.db.models import Exists, OuterRef, Q

from files.models import FileVersion
from projects.permissions import is_system_admin, project_permissions, projects_visible_to

from .models import Activity, Relation
from .selectors import chunks


class Viewer:
    """What one caller may see. A file version: one of a project they may view. An activity: one they created, or
    one a live relation joins to a file version they may see. A relation: one whose file version (either one, for
    a derivation) they may see. A system admin sees everything."""

    def __init__(self, user):
        self.user = user
        self.is_admin = is_system_admin(user)
        self.project_ids = set() if self.is_admin else set(projects_visible_to(user).values_list("pk", flat=True))

    def sees_version(self, version):
        return self.is_admin or version.file.project_id in self.project_ids

    def sees_relation(self, relation, versions):
        """`versions`: `{id: FileVersion}` holding the relation's file versions."""
        ends = [relation.entity_id, relation.used_entity_id]
        return self.is_admin or any(end in versions and self.sees_version(versions[end]) for end in ends)

    def activities(self, queryset):
        if self.is_admin:
            return queryset
        # Per activity, by the relation's index: a user may be in 10,000 projects, and the activities asked about
        # are few (a page, a graph's), where every activity joined to a visible version may be many.
        visible = projects_visible_to(self.user).values("pk")
        joined = Relation.objects.filter(activity=OuterRef("pk"), is_deleted=False, entity__file__project__in=visible)
        return queryset.filter(Q(created_by=self.user) | Exists(joined))

    def sees_activity(self, activity):
        return self.activities(Activity.objects.filter(pk=activity.pk)).exists()

    def visible(self, *, activities, versions):
        """The ids, of those `{id: Activity}` and `{id: FileVersion}` hold, of the nodes the caller may see."""
        seen = {pk for pk, version in versions.items() if self.sees_version(version)}
        if self.is_admin:
            return seen | activities.keys()
        for chunk in chunks(activities):
            seen.update(self.activities(Activity.objects.filter(pk__in=chunk)).values_list("pk", flat=True))
        return seen


def relation_removable_by(user, relation):
    """Its creator may remove a relation, and so may whoever holds `update_project` (a project admin, a system
    admin) on the project of its file version (either one, for a derivation): a project's admins keep what others
    record about their versions in check."""
    if relation.created_by_id == user.pk:
        return True
    ends = FileVersion.objects.filter(pk__in=[relation.entity_id, relation.used_entity_id]).select_related("file")
    return any("update_project" in project_permissions(user, version.file.project_id) for version in ends)
