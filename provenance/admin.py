from django.contrib import admin

from .models import Activity, Relation


class RelationInline(admin.TabularInline):
    model = Relation
    fk_name = "activity"
    fields = ("kind", "entity", "is_deleted", "created_on", "created_by")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """Activities, to look at: changes go through the API, which keeps the relations' rules and the search's edges."""

    list_display = ("name", "created_by", "started_on", "ended_on", "is_deleted", "created_on")
    list_filter = ("is_deleted",)
    search_fields = ("name", "=id", "created_by__username")
    list_select_related = ("created_by",)
    readonly_fields = [field.name for field in Activity._meta.fields]
    inlines = [RelationInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Relation)
class RelationAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "activity", "entity", "used_entity", "is_deleted", "created_on")
    list_filter = ("kind", "is_deleted")
    search_fields = ("=id", "=activity__id", "=entity__id", "=used_entity__id")
    list_select_related = ("activity", "entity__file", "used_entity__file")
    readonly_fields = [field.name for field in Relation._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
