from django.db import connection
from django.db.models import Exists, OuterRef

from dds import errors

from .models import AuthRole, Project, ProjectPermission, ProjectStorageProvider, SystemPermission
from .permissions import projects_visible_to


def projects():
    """Projects with `is_consistent` annotated: true once the storage on every provider is initialized."""
    pending = ProjectStorageProvider.objects.filter(project=OuterRef("pk"), is_initialized=False)
    return Project.objects.select_related(*Project.AUDIT_RELATED).annotate(is_consistent=~Exists(pending))


def live_projects():
    """Projects not deleted, as `projects()` reads them."""
    return projects().filter(is_deleted=False)


def project_list(*, user, slug=""):
    queryset = projects_visible_to(user, live_projects())
    if slug:
        queryset = queryset.filter(slug=slug)
    return queryset.order_by("-created_on", "id")


def auth_roles(*, context=None):
    roles = AuthRole.objects.order_by("id")
    return [role for role in roles if context is None or context in role.contexts]


def auth_role(role_id):
    role = AuthRole.objects.filter(pk=str(role_id)).first()
    if role is None:
        raise errors.NotFound("AuthRole")
    return role


def project_permissions(*, project):
    return (
        ProjectPermission.objects.filter(project=project)
        .select_related("project", "user", "auth_role")
        .order_by("-created_on", "id")
    )


def system_permissions():
    return SystemPermission.objects.select_related("user", "auth_role").order_by("-created_on", "id")


def project_storage_is_initialized(*, project):
    """Whether the project's storage on the provider `OuterRef("pk")` is ready for uploads (for `.annotate()`)."""
    return Exists(
        ProjectStorageProvider.objects.filter(project=project, storage_provider=OuterRef("pk"), is_initialized=True)
    )


def project_storage_pending():
    """Project storage not initialized yet, oldest first."""
    return ProjectStorageProvider.objects.filter(is_initialized=False, project__is_deleted=False).order_by("created_on")


def project_hold_live(project):
    """Hold `project` against its deletion until the transaction ends, or answer 404 if it is deleted (also if its
    deletion committed while this waited). Where something is created in a project: `project_delete` locks the row FOR
    UPDATE, so it waits for every creation holding it and every later one sees it deleted; creations share the hold
    (FOR KEY SHARE) and do not wait for each other or for a rename. SQLite serializes writers anyway."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Project._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT is_deleted FROM {table} WHERE id = %s FOR KEY SHARE", [project.pk])
            row = cursor.fetchone()
    else:
        row = Project.objects.filter(pk=project.pk).values_list("is_deleted").first()
    if row is None or row[0]:
        raise errors.NotFound("Project")
