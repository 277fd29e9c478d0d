"""The `audit` object (docs/api/conventions.md#audit): who created, last updated and deleted a resource, and when."""

from rest_framework import serializers

from dds.fields import Timestamp


class AgentPreviewSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class AuditActorSerializer(serializers.Serializer):
    """`{"id","username","full_name"}`, plus `agent` only when the action came through an agent-backed token."""

    id = serializers.UUIDField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    agent = AgentPreviewSerializer(required=False)


def _actor(user, agent):
    if user is None:
        return None
    actor = {"id": str(user.id), "username": user.username, "full_name": user.full_name}
    if agent is not None:
        actor["agent"] = {"id": str(agent.id), "name": agent.name}
    return actor


class AuditSerializer(serializers.Serializer):
    created_on = Timestamp()
    created_by = AuditActorSerializer(allow_null=True)
    last_updated_on = Timestamp(allow_null=True)
    last_updated_by = AuditActorSerializer(allow_null=True)
    deleted_on = Timestamp(allow_null=True)
    deleted_by = AuditActorSerializer(allow_null=True)

    def to_representation(self, instance):
        stamp = Timestamp().to_representation
        return {
            "created_on": stamp(instance.created_on),
            "created_by": _actor(instance.created_by, instance.created_by_agent),
            "last_updated_on": stamp(instance.last_updated_on),
            "last_updated_by": _actor(instance.last_updated_by, instance.last_updated_by_agent),
            "deleted_on": stamp(instance.deleted_on),
            "deleted_by": _actor(instance.deleted_by, instance.deleted_by_agent),
        }
