from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django_dramatiq.models import Task

from . import services
from .adapters import adapter
from .models import Job

# Jobs run inline have no Dramatiq task: django-dramatiq's admin section would only be empty noise.
if not adapter().uses_broker and admin.site.is_registered(Task):
    admin.site.unregister(Task)


def _short_id(value):
    """An id by its first 8 characters, whole on hover; the search finds a job by those characters too."""
    return format_html('<code title="{}">{}</code>', value, value[:8]) if value else "-"


def _moment(value, *, day_of=None):
    """A date and time on one line; only the time when it is the day of `day_of` (so the list fits 1,400 px)."""
    if value is None:
        return "-"
    value = timezone.localtime(value)
    same_day = day_of is not None and timezone.localtime(day_of).date() == value.date()
    return format_html(
        '<span class="nowrap">{}</span>', value.strftime("%H:%M:%S" if same_day else "%Y-%m-%d %H:%M:%S")
    )


@admin.action(description="Run again (as a new job)")
def requeue(modeladmin, request, queryset):
    for job in queryset:
        services.job_requeue(job=job)
    messages.success(request, f"Requeued {queryset.count()} job(s).")


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("worker", "resource_short", "state", "tries", "created", "finished", "request_short")
    list_filter = ("state", "worker")
    search_fields = ("resource_id", "request_id", "=id", "user__username")
    readonly_fields = [field.name for field in Job._meta.fields]
    date_hierarchy = "created_on"
    actions = [requeue]

    @admin.display(description="resource", ordering="resource_id")
    def resource_short(self, job):
        return _short_id(job.resource_id)

    @admin.display(description="request", ordering="request_id")
    def request_short(self, job):
        return _short_id(job.request_id)

    @admin.display(description="tries", ordering="attempts")
    def tries(self, job):
        return job.attempts

    @admin.display(description="created", ordering="created_on")
    def created(self, job):
        return _moment(job.created_on)

    @admin.display(description="finished", ordering="finished_on")
    def finished(self, job):
        return _moment(job.finished_on, day_of=job.created_on)

    def has_add_permission(self, request):
        return False
