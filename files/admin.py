from django.contrib import admin

from .models import Container, Deletion, FileVersion


class FileVersionInline(admin.TabularInline):
    model = FileVersion
    fk_name = "file"
    fields = ("version", "label", "upload", "is_deleted", "created_on", "created_by")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Container)
class ContainerAdmin(admin.ModelAdmin):
    """Folders and files, to look at: changes go through the API, which keeps paths, versions and bytes in step."""

    list_display = ("name", "kind", "project", "is_deleted", "created_on", "created_by")
    list_filter = ("kind", "is_deleted")
    search_fields = ("name", "=id", "=project__id")
    list_select_related = ("project", "created_by")
    readonly_fields = [field.name for field in Container._meta.fields]
    inlines = [FileVersionInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FileVersion)
class FileVersionAdmin(admin.ModelAdmin):
    list_display = ("file", "version", "label", "upload", "is_deleted", "created_on")
    list_filter = ("is_deleted",)
    search_fields = ("=id", "=file__id", "=upload__id", "file__name")
    list_select_related = ("file", "upload")
    readonly_fields = [field.name for field in FileVersion._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Deletion)
class DeletionAdmin(admin.ModelAdmin):
    """Folder and project deletions and how far their `delete_tree` steps got; filter "in progress" for what runs."""

    list_display = ("project", "root", "marked", "purges_requested", "steps", "created_on", "finished_on")
    list_filter = (("finished_on", admin.EmptyFieldListFilter),)
    search_fields = ("=id", "=project__id", "=root__id", "project__name")
    list_select_related = ("project", "root")
    readonly_fields = [field.name for field in Deletion._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
