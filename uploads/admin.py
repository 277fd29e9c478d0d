from django.contrib import admin

from . import services
from .models import StorageProvider


@admin.register(StorageProvider)
class StorageProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "is_default", "is_deprecated", "chunk_max_number", "chunk_max_size_bytes")
    list_filter = ("kind", "is_default", "is_deprecated")

    def save_model(self, request, obj, form, change):
        services.storage_provider_save(provider=obj, is_new=not change)
