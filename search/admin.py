from django.contrib import admin

from .models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """The search index, to look at: `manage.py search_reindex` rebuilds it."""

    list_display = ("name", "kind", "project", "indexed_on")
    list_filter = ("kind",)
    search_fields = ("name", "=container__id")
    list_select_related = ("project",)
    readonly_fields = ("container", "project", "kind", "name", "labels", "meta", "indexed_on")

    def has_add_permission(self, request):
        return False
