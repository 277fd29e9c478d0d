import re
import unicodedata

from django.db import IntegrityError, transaction

from dds import errors
from dds.locks import project_lock_for
from files.services import project_contents_delete
from notifications.models import Notification
from notifications.services import notification_create, notification_link

from .models import Project, ProjectPermission, SystemPermission
from .storage import project_storage_add_on_active_providers
from .transfers.services import project_transfers_cancel_pending

SLUG_PATTERN = re.compile(r"^[a-z0-9_]*$")
SLUG_MAX_LENGTH = Project._meta.get_field("slug").max_length

# Latin letters that Unicode does not decompose into ASCII, transliterated as the reference's `parameterize`
# does (Rails I18n default approximations): "Straße" → "strasse", not "strae".
_TRANSLITERATIONS = str.maketrans(
    {
        "Æ": "AE", "æ": "ae", "Ð": "D", "ð": "d", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "ĸ": "k",
        "Ł": "L", "ł": "l", "Ŋ": "NG", "ŋ": "ng", "Ø": "O", "ø": "o", "Œ": "OE", "œ": "oe", "ß": "ss",
        "Þ": "Th", "þ": "th", "Ŧ": "T", "ŧ": "t", "×": "x",
    }
)  # fmt: skip


def _slug_from(name):
    """`Mouse RNA-seq` → `mouse_rna_seq` (docs/api/projects.md#slugs)."""
    text = unicodedata.normalize("NFKD", name.translate(_TRANSLITERATIONS))
    text = text.encode("ascii", "ignore").decode().lower().replace("-", "_")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_") or "_"


def _free_slug(base, project=None):
    """`base`, or `base_N` with the smallest N not taken by another project, cut to fit the slug column."""
    base = base[:SLUG_MAX_LENGTH]
    # Every candidate starts with this prefix (a suffix is at most "_" and 10 digits), so one query finds them.
    prefix = base[: SLUG_MAX_LENGTH - 11]
    others = Project.objects.exclude(pk=getattr(project, "pk", None))
    taken = set(others.filter(slug__startswith=prefix).values_list("slug", flat=True))
    candidate, suffix = base, 0
    while candidate in taken:
        suffix += 1
        tail = f"_{suffix}"
        candidate = base[: SLUG_MAX_LENGTH - len(tail)] + tail
    return candidate


def _check_slug(slug, project=None):
    if not SLUG_PATTERN.match(slug):
        raise errors.ValidationFailed.field("slug", "is invalid")
    if Project.objects.filter(slug=slug).exclude(pk=getattr(project, "pk", None)).exists():
        raise errors.ValidationFailed.field("slug", "has already been taken")


def _save_with_slug(project, *, generated):
    """Save, retrying a generated slug that a concurrent request took first."""
    for _ in range(5):
        if generated:
            project.slug = _free_slug(_slug_from(project.name))
        try:
            with transaction.atomic():
                project.save()
            return
        except IntegrityError:
            if not generated:
                raise errors.ValidationFailed.field("slug", "has already been taken") from None
    raise errors.ValidationFailed.field("slug", "has already been taken")


@transaction.atomic
def project_create(*, actor, name, description, slug=""):
    """Create a project, make its creator project_admin, and start initializing its storage on every provider."""
    project = Project(name=name, description=description, slug=slug)
    if slug:
        _check_slug(slug)
    project.stamp_created(actor)
    _save_with_slug(project, generated=not slug)
    ProjectPermission.objects.create(
        project=project, user=actor.user, auth_role_id="project_admin", created_by=actor.user
    )
    project_storage_add_on_active_providers(project=project)
    return project


@transaction.atomic
def project_update(*, actor, project, **changes):
    project = project_lock_for(actor, project.pk, "update_project")
    if "slug" in changes:
        if changes["slug"]:
            _check_slug(changes["slug"], project)
        else:
            changes["slug"] = _free_slug(_slug_from(changes.get("name", project.name)), project)
    for field, value in changes.items():
        setattr(project, field, value)
    project.stamp_updated(actor)
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError:
        raise errors.ValidationFailed.field("slug", "has already been taken") from None
    return project


@transaction.atomic
def project_delete(*, actor, project):
    """Delete a project and cancel its pending transfer: a few rows, whatever its size. Its folders, files and versions
    are marked and its bytes purged by `delete_tree` jobs (`files.services.deletion_step`); nothing of it is shown
    meanwhile. The row is locked FOR UPDATE: the deletion waits for uploads being created in the project (they hold
    it FOR KEY SHARE, `project_hold_live`), which the jobs then delete too, and later ones see it deleted."""
    project = project_lock_for(actor, project.pk, "delete_project", exclusive=True)
    project.is_deleted = True
    project.stamp_deleted(actor)
    project.save()
    project_contents_delete(project=project)
    project_transfers_cancel_pending(actor=actor, project=project)


@transaction.atomic
def project_permission_set(*, actor, project, user, auth_role):
    """Give `user` exactly one role on `project`, replacing any other."""
    project = project_lock_for(actor, project.pk, "manage_project_permissions")
    _require_another_manager_if_self(actor, project, user)
    permission, _ = ProjectPermission.objects.update_or_create(
        project=project, user=user, defaults={"auth_role": auth_role}
    )
    permission.stamp_updated(actor)
    permission.save()
    notification_create(
        actor_user=actor.user,
        user=user,
        kind=Notification.Kind.ROLE_GIVEN,
        link=notification_link(f"projects/{project.id}"),
        facts={"project": project.name, "role": auth_role.name},
    )
    return permission


@transaction.atomic
def project_permission_delete(*, actor, project, user):
    project = project_lock_for(actor, project.pk, "manage_project_permissions")
    permission = ProjectPermission.objects.filter(project=project, user=user).first()
    if permission is None:
        raise errors.NotFound("ProjectPermission")
    _require_another_manager_if_self(actor, project, user)
    permission.delete()
    notification_create(
        actor_user=actor.user,
        user=user,
        kind=Notification.Kind.ROLE_REMOVED,
        link=notification_link(f"projects/{project.id}"),
        facts={"project": project.name},
    )


def _require_another_manager_if_self(actor, project, user):
    """One's own role may change only while another user can still manage the project's permissions."""
    if user.pk != actor.user.pk:
        return
    managers = [
        row
        for row in ProjectPermission.objects.select_related("auth_role").filter(project=project).exclude(user=user)
        if "manage_project_permissions" in row.auth_role.permissions
    ]
    if not managers:
        raise errors.Forbidden(suggestion="another user must be able to manage this project's permissions first")


@transaction.atomic
def system_permission_set(*, actor, user, auth_role):
    if "system" not in auth_role.contexts:
        raise errors.ValidationFailed.field("auth_role", "wrong context")
    permission, _ = SystemPermission.objects.update_or_create(user=user, defaults={"auth_role": auth_role})
    permission.stamp_updated(actor)
    permission.save()
    return permission


@transaction.atomic
def system_permission_delete(*, actor, user):
    if user.pk == actor.user.pk:
        raise errors.Forbidden(suggestion="another system admin must revoke your system permission")
    deleted, _ = SystemPermission.objects.filter(user=user).delete()
    if not deleted:
        raise errors.NotFound("SystemPermission")


def _role_move(actor, moved, kept, into):
    """`moved`, a role of an account merged into `into`, becomes `into`'s; where `into` holds `kept` already, the role
    granting more permissions stays on `kept`."""
    if kept is None:
        kept = moved
        kept.user = into
    else:
        if len(moved.auth_role.permissions) > len(kept.auth_role.permissions):
            kept.auth_role = moved.auth_role
        moved.delete()
    kept.stamp_updated(actor)
    kept.save()


@transaction.atomic
def user_memberships_move(*, actor, user, into):
    """Give `into` the project roles and system role of `user` (two accounts of one person merged): where both hold
    one, the role granting more permissions stays."""
    for permission in ProjectPermission.objects.select_related("auth_role").filter(user=user):
        kept = ProjectPermission.objects.select_related("auth_role").filter(project=permission.project_id, user=into)
        _role_move(actor, permission, kept.first(), into)
    moved = SystemPermission.objects.select_related("auth_role").filter(user=user).first()
    if moved is not None:
        _role_move(actor, moved, SystemPermission.objects.select_related("auth_role").filter(user=into).first(), into)
