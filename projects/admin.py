from django.contrib import admin, messages
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from dds import errors
from dds.audit import Actor
from uploads.models import Upload
from uploads.selectors import HELD_BYTES, held_bytes

from .models import (
    AuthRole,
    Project,
    ProjectInvitation,
    ProjectPermission,
    ProjectStorageProvider,
    ProjectTransfer,
    SystemPermission,
)
from .storage import project_storage_initialize_again
from .transfers.services import project_transfer_cancel


class ProjectStorageInline(admin.TabularInline):
    model = ProjectStorageProvider
    fields = ("storage_provider", "is_initialized", "initialized_on", "created_on", "bytes_held", "jobs")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="bytes held")
    def bytes_held(self, storage):
        uploads = Upload.objects.filter(project=storage.project_id, storage_provider=storage.storage_provider_id)
        return filesizeformat(held_bytes(uploads))

    @admin.display(description="jobs")
    def jobs(self, storage):
        url = reverse("admin:jobs_job_changelist") + f"?q={storage.project_id}"
        return format_html('<a href="{}">jobs of this project</a>', url)


class ProjectPermissionInline(admin.TabularInline):
    model = ProjectPermission
    fields = ("user", "auth_role", "created_on")
    readonly_fields = ("created_on",)
    autocomplete_fields = ("user",)
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_deleted", "bytes_held", "created_by", "created_on")
    list_filter = ("is_deleted",)
    search_fields = ("name", "slug", "=id")
    readonly_fields = ("id", "slug", "is_deleted", "created_on", "created_by", "deleted_on", "deleted_by")
    fields = ("id", "name", "description", *readonly_fields[1:])
    inlines = [ProjectStorageInline, ProjectPermissionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(bytes_held=HELD_BYTES)

    @admin.display(description="bytes held", ordering="bytes_held")
    def bytes_held(self, project):
        return filesizeformat(project.bytes_held)

    def has_add_permission(self, request):
        # Projects are created through the API, which also starts their storage initialization.
        return False


@admin.action(description="Initialize again (enqueue the storage job)")
def initialize_again(modeladmin, request, queryset):
    for storage in queryset.filter(is_initialized=False):
        project_storage_initialize_again(storage=storage)
    messages.success(request, "Enqueued storage initialization for the storage not yet initialized.")


@admin.register(ProjectStorageProvider)
class ProjectStorageProviderAdmin(admin.ModelAdmin):
    list_display = ("project", "storage_provider", "is_initialized", "created_on", "initialized_on")
    list_filter = ("is_initialized", "storage_provider")
    search_fields = ("project__name", "=project__id")
    readonly_fields = ("project", "storage_provider", "is_initialized", "initialized_on", "created_on")
    actions = [initialize_again]

    def has_add_permission(self, request):
        return False


@admin.register(AuthRole)
class AuthRoleAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "contexts", "permissions", "is_deprecated")


@admin.register(SystemPermission)
class SystemPermissionAdmin(admin.ModelAdmin):
    list_display = ("user", "auth_role", "created_on")
    autocomplete_fields = ("user",)


@admin.action(description="Cancel the selected pending transfers")
def cancel_transfers(modeladmin, request, queryset):
    canceled = 0
    for transfer in queryset.filter(status=ProjectTransfer.Status.PENDING):
        try:
            project_transfer_cancel(
                actor=Actor(user=request.user), transfer=transfer, status_comment="canceled by an operator"
            )
        except errors.ValidationFailed:
            continue  # accepted, rejected or canceled meanwhile
        canceled += 1
    messages.success(request, f"Canceled {canceled} pending transfer(s).")


@admin.register(ProjectTransfer)
class ProjectTransferAdmin(admin.ModelAdmin):
    """Transfers by status, with their project and parties; they change through the API (or the cancel action)."""

    list_display = ("project", "status", "from_user", "recipients", "created_on", "last_updated_on", "last_updated_by")
    list_filter = ("status",)
    search_fields = ("=id", "=project__id", "project__name", "from_user__username", "to_users__username")
    list_select_related = ("project", "from_user", "last_updated_by")
    readonly_fields = ("recipients", *(field.name for field in ProjectTransfer._meta.fields))
    exclude = ("to_users",)
    actions = [cancel_transfers]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("to_users")

    @admin.display(description="recipients")
    def recipients(self, transfer):
        return ", ".join(sorted(user.username for user in transfer.to_users.all()))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProjectInvitation)
class ProjectInvitationAdmin(admin.ModelAdmin):
    """Who invited which address into which role, and who accepted it (their email may differ): read only."""

    list_display = ("email", "project", "auth_role", "status", "expires_on", "accepted_by", "created_by")
    list_filter = ("status",)
    search_fields = ("email", "project__name", "accepted_by__username")
    list_select_related = ("project", "auth_role", "accepted_by", "created_by")
    exclude = ("token_sha256",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
