"""GET /health: is each part of the service working, is background work keeping up, and does anything need a human?

503 names the parts an operator must act on: the database; the broker (unreachable, a queue missing, or a queue with a
backlog that no worker has consumed for HEALTH_QUEUE_STALL_SECONDS); storage (unreachable, not writable, or below
STORAGE_MIN_FREE_MB free); jobs recorded but not sent for HEALTH_QUEUE_STALL_SECONDS. Only reported: how much work is
not consistent yet and since when (per worker, from the workers' own declarations), and the jobs that failed for good.
"""

from django.conf import settings
from django.db import connection
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dds import errors
from dds.jobs.adapters import adapter
from dds.jobs.models import Job
from dds.jobs.registry import load_pending
from dds.jobs.sweeper import jobs_unsent
from dds.openapi import ErrorSerializer
from projects.models import AuthRole
from uploads.models import StorageProvider
from uploads.selectors import active_storage_providers
from uploads.storage.base import StorageUnreachable, backend_for


def _age(since, now):
    return round((now - since).total_seconds(), 1) if since else 0


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True}


def _storage():
    providers = {}
    for provider in active_storage_providers():
        try:
            providers[provider.name] = {"ok": True, **backend_for(provider).check()}
        except StorageUnreachable as error:
            providers[provider.name] = {"ok": False, "error": str(error)}
    return {"ok": all(state["ok"] for state in providers.values()), "providers": providers}


def _jobs():
    now = timezone.now()
    unsent = jobs_unsent()
    oldest = unsent.values_list("created_on", flat=True).first()
    failed = Job.objects.filter(state=Job.State.FAILED)
    return {
        "ok": _age(oldest, now) < settings.HEALTH_QUEUE_STALL_SECONDS,
        "unsent": {"count": unsent.count(), "oldest_age_seconds": _age(oldest, now)},
        "failed": failed.count(),
    }


def _pending():
    now = timezone.now()
    pending = {}
    for name, declared in load_pending().items():
        queryset = declared.selector()
        oldest = queryset.order_by(declared.since).values_list(declared.since, flat=True).first()
        pending[name] = {"count": queryset.count(), "oldest_age_seconds": _age(oldest, now)}
    return pending


def _checked(check):
    try:
        return check()
    except Exception as error:
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}


class HealthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Health of the database, the job broker, storage and the jobs, and how much work is not consistent yet",
        description=__doc__,
        responses={
            200: inline_serializer(
                "Health",
                {
                    "database": serializers.DictField(),
                    "broker": serializers.DictField(),
                    "storage": serializers.DictField(),
                    "jobs": serializers.DictField(),
                    "not_consistent": serializers.DictField(),
                },
            ),
            503: OpenApiResponse(ErrorSerializer, description="`unhealthy: <parts>`, with `health` as in 200"),
        },
    )
    def get(self, request):
        health, failing = health_check()
        if failing:
            raise errors.Unhealthy(failing, health)
        return Response(health)


def health_check():
    """`(health, failing)`: each part's state, and the names of the parts that fail."""
    health = {
        "database": _checked(_database),
        "broker": _checked(adapter().broker_health),
        "storage": _checked(_storage),
    }
    if health["database"]["ok"]:
        health["jobs"] = _checked(_jobs)
        health["not_consistent"] = _checked(_pending)
    return health, [part for part, state in health.items() if not state.get("ok", True)]


def _seeded():
    """The original's other checks: the auth roles seeded, a default storage provider."""
    return {"ok": AuthRole.objects.exists() and StorageProvider.objects.filter(is_default=True).exists()}


class AppStatus(errors.ServiceUnavailable):
    reason = "app status: error"

    def __init__(self, environment):
        self.environment = environment
        super().__init__()

    def body(self):
        return {**super().body(), "status": "error", "environment": self.environment}


class AppStatusView(APIView):
    """GET /api/v1/app/status, as the original's portal reads it: `{"status": "ok", "environment"}`."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The original's status check: ok when the database, broker and storage work and the service is seeded",
        responses={
            200: inline_serializer(
                "AppStatus", {"status": serializers.ChoiceField(choices=["ok"]), "environment": serializers.CharField()}
            ),
            503: OpenApiResponse(ErrorSerializer, description="the envelope, with `status: error` and `environment`"),
        },
    )
    def get(self, request):
        environment = "development" if settings.DEBUG else "production"
        _, failing = health_check()
        if failing or not _checked(_seeded)["ok"]:
            raise AppStatus(environment)
        return Response({"status": "ok", "environment": environment})
