from django.contrib import admin, messages

from . import services
from .models import Job


@admin.action(description="Run again (as a new job)")
def requeue(modeladmin, request, queryset):
    for job in queryset:
        services.job_requeue(job=job)
    messages.success(request, f"Requeued {queryset.count()} job(s).")


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("worker", "resource_id", "state", "attempts", "created_on", "finished_on", "request_id")
    list_filter = ("state", "worker")
    search_fields = ("resource_id", "request_id", "=id", "user__username")
    readonly_fields = [field.name for field in Job._meta.fields]
    date_hierarchy = "created_on"
    actions = [requeue]

    def has_add_permission(self, request):
        return False
