"""The references a request body names other resources by: `{"id": …}`, and `{"kind": …, "id": …}` for a node."""

from rest_framework import serializers


class ReferenceSerializer(serializers.Serializer):
    id = serializers.CharField()


class NodeReferenceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.CharField()
