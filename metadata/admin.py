from django.contrib import admin

from .models import MetadataValue, ObjectMetadata, Property, Tag, Template


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("label", "file", "activity", "created_on", "created_by")
    search_fields = ("label", "=file__id", "=activity__id")
    list_select_related = ("file", "activity", "created_by")
    raw_id_fields = ("file", "activity")
    readonly_fields = [field.name for field in Tag._meta.fields if field.name.startswith(("created", "last_updated"))]


class PropertyInline(admin.TabularInline):
    model = Property
    fields = ("key", "label", "data_type", "is_deprecated")
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    """Templates and their properties, to look at and deprecate: the API keeps the rules of templates in use."""

    list_display = ("name", "label", "is_deprecated", "created_on", "created_by")
    list_filter = ("is_deprecated",)
    search_fields = ("name", "label", "=id")
    fields = ("name", "label", "description", "is_deprecated")
    readonly_fields = ("name",)
    inlines = [PropertyInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MetadataValueInline(admin.TabularInline):
    model = MetadataValue
    fields = ("property", "value")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(ObjectMetadata)
class ObjectMetadataAdmin(admin.ModelAdmin):
    list_display = ("template", "file", "activity", "created_on")
    search_fields = ("template__name", "=file__id", "=activity__id")
    list_select_related = ("template", "file", "activity")
    readonly_fields = [field.name for field in ObjectMetadata._meta.fields]
    inlines = [MetadataValueInline]

    def has_add_permission(self, request):
        return False
