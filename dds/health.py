"""GET /health: is each part of the service working, and is background work keeping up?"""

import pika
from django.conf import settings
from django.db import connection
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dds import errors
from dds.jobs.registry import load_workers
from dds.openapi import ErrorSerializer
from projects.selectors import project_storage_pending
from uploads.selectors import active_storage_providers, uploads_awaiting_storage, uploads_awaiting_verification
from uploads.storage.base import StorageUnreachable, backend_for

# Work that is not consistent yet, by kind: a queryset, and the field that says since when it waits.
PENDING = {
    "project_storage": (project_storage_pending, "created_on"),
    "upload_storage": (uploads_awaiting_storage, "created_on"),
    "upload_verification": (uploads_awaiting_verification, "completed_on"),
}

_BROKER_TIMEOUT_SECONDS = 3


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True}


def _broker():
    if settings.ACTIVE_JOB_QUEUE_ADAPTER != "dramatiq":
        return {"ok": True, "adapter": "inline"}
    parameters = pika.URLParameters(settings.CLOUDAMQP_URL)
    parameters.socket_timeout = parameters.blocked_connection_timeout = _BROKER_TIMEOUT_SECONDS
    queues, missing = {}, []
    connection_ = pika.BlockingConnection(parameters)
    try:
        for queue in sorted({actor.queue_name for actor in load_workers().values()}):
            channel = connection_.channel()
            try:
                queues[queue] = channel.queue_declare(queue, passive=True).method.message_count
                channel.close()
            except pika.exceptions.ChannelClosedByBroker:
                missing.append(queue)
    finally:
        connection_.close()
    state = {"ok": not missing, "adapter": "dramatiq", "queue_depths": queues}
    if missing:
        state["missing_queues"] = missing
    return state


def _storage():
    providers = {}
    for provider in active_storage_providers():
        try:
            backend_for(provider).check()
            providers[provider.name] = {"ok": True}
        except StorageUnreachable as error:
            providers[provider.name] = {"ok": False, "error": str(error)}
    return {"ok": all(state["ok"] for state in providers.values()), "providers": providers}


def _pending():
    now = timezone.now()
    pending = {}
    for kind, (selector, since) in PENDING.items():
        queryset = selector()
        oldest = queryset.order_by(since).values_list(since, flat=True).first()
        pending[kind] = {
            "count": queryset.count(),
            "oldest_age_seconds": (now - oldest).total_seconds() if oldest else 0,
        }
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
        summary="Health of the database, the job broker and storage, and how much work is not consistent yet",
        responses={
            200: inline_serializer(
                "Health",
                {
                    "database": serializers.DictField(),
                    "broker": serializers.DictField(),
                    "storage": serializers.DictField(),
                    "not_consistent": serializers.DictField(),
                },
            ),
            503: OpenApiResponse(ErrorSerializer, description="`unhealthy: <parts>`, with `health` as in 200"),
        },
    )
    def get(self, request):
        health = {"database": _checked(_database), "broker": _checked(_broker), "storage": _checked(_storage)}
        failing = [part for part, state in health.items() if not state["ok"]]
        if health["database"]["ok"]:
            health["not_consistent"] = _checked(_pending)
        if failing:
            raise errors.Unhealthy(failing, health)
        return Response(health)
