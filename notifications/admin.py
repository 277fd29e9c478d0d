from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What was sent to whom, and what could not be: read only (the job layer sends and retries)."""

    list_display = ("subject", "to_address", "kind", "state", "attempts", "created_on", "sent_on")
    list_filter = ("state", "kind")
    search_fields = ("to_address", "subject", "user__username")
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
