from django.contrib import admin

from .models import LoggedMessage, PendingMessage


@admin.register(LoggedMessage)
class LoggedMessageAdmin(admin.ModelAdmin):
    """The database index of the message log: search by actor, queue, resource id, request id and time."""

    list_display = ("actor", "queue", "resource_id", "enqueued_on", "user", "request_id")
    list_filter = ("actor", "queue", ("enqueued_on", admin.DateFieldListFilter))
    search_fields = ("=resource_id", "=request_id", "=message_id", "args")
    date_hierarchy = "enqueued_on"
    list_select_related = ("user",)
    readonly_fields = [field.name for field in LoggedMessage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(PendingMessage)
class PendingMessageAdmin(admin.ModelAdmin):
    list_display = ("message_id", "created_on")
    readonly_fields = ("message_id", "entry", "created_on")

    def has_add_permission(self, request):
        return False
