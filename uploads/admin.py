from django.contrib import admin, messages
from django.template.defaultfilters import filesizeformat

from . import services
from .models import Chunk, Fingerprint, RetentionMark, StorageProvider, Upload
from .selectors import HELD_BYTES, uploads_awaiting_purge


@admin.register(StorageProvider)
class StorageProviderAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "is_default",
        "is_deprecated",
        "chunk_max_number",
        "chunk_max_size_bytes",
        "bytes_held",
    )
    list_filter = ("kind", "is_default", "is_deprecated")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(bytes_held=HELD_BYTES)

    @admin.display(description="bytes held", ordering="bytes_held")
    def bytes_held(self, provider):
        return filesizeformat(provider.bytes_held)

    def save_model(self, request, obj, form, change):
        services.storage_provider_save(provider=obj, is_new=not change)


class UploadStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("open", "receiving bytes"),
            ("not_consistent", "completed, not consistent yet"),
            ("errored", "consistent with an integrity error"),
            ("consistent", "consistent, no error"),
            ("to_purge", "waiting to be purged (retention)"),
            ("purged", "purged"),
        ]

    def queryset(self, request, queryset):
        return {
            "open": lambda: queryset.open(),
            "not_consistent": lambda: queryset.awaiting_verification(),
            "errored": lambda: queryset.failed(),
            "consistent": lambda: queryset.verified(),
            "to_purge": lambda: queryset.filter(pk__in=uploads_awaiting_purge().values("pk")),
            "purged": lambda: queryset.filter(purged_on__isnull=False),
        }.get(self.value(), lambda: queryset)()


class ChunkInline(admin.TabularInline):
    model = Chunk
    fields = ("number", "size", "hash_algorithm", "hash_value", "is_stored")
    readonly_fields = fields
    extra = 0
    can_delete = False


class FingerprintInline(admin.TabularInline):
    model = Fingerprint
    fields = ("algorithm", "value", "created_on", "created_by")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.action(description="Verify again (re-run the completion job)")
def reverify(modeladmin, request, queryset):
    completed = queryset.filter(completed_on__isnull=False)
    for upload in completed:
        services.upload_reverify(upload=upload)
    messages.success(request, f"Queued verification of {completed.count()} completed upload(s).")


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "project",
        "size",
        "is_chunked",
        "completed_on",
        "is_consistent",
        "error_message",
        "purge_requested_on",
        "purged_on",
    )
    list_filter = (UploadStateFilter, "is_chunked", "storage_provider")
    search_fields = ("name", "=id", "=project__id")
    list_select_related = ("project",)
    readonly_fields = [field.name for field in Upload._meta.fields]
    inlines = [ChunkInline, FingerprintInline]
    actions = [reverify]

    def has_add_permission(self, request):
        return False


@admin.register(RetentionMark)
class RetentionMarkAdmin(admin.ModelAdmin):
    """How far the retention sweep has looked at expired uploads: it moves on with every pass that finds some."""

    list_display = ("created_on", "upload_id")
    readonly_fields = ("created_on", "upload_id")

    def has_add_permission(self, request):
        return False
