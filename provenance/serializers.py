"""Activities, relations and the provenance graph as the original serializes them; what a caller may not see of
a node is only its `kind`, `id` and `is_deleted`."""

import json

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import ISO_8601
from rest_framework.utils.encoders import JSONEncoder

from dds.audit_serializers import AuditSerializer
from dds.fields import Timestamp
from dds.references import NodeReferenceSerializer, ReferenceSerializer
from files.serializers import FileVersionSerializer

from .graph import DEFAULT_HOPS, MAX_HOPS
from .models import Activity, Relation

ACTIVITY_KIND = "dds-activity"
ACTIVITY_NAME_MAX_LENGTH = Activity._meta.get_field("name").max_length
ACTIVITY_DESCRIPTION_MAX_LENGTH = 10_000
# The most JSON one provenance search answers (its nodes and relationships); the rest is left out, `truncated`.
MAX_GRAPH_BYTES = 8 * 1024 * 1024
VERSION_KIND = "dds-file-version"
LABELS = {ACTIVITY_KIND: "Activity", VERSION_KIND: "FileVersion"}
# The original's graph relationship types.
TYPES = {
    Relation.Kind.USED: "Used",
    Relation.Kind.WAS_GENERATED_BY: "WasGeneratedBy",
    Relation.Kind.WAS_DERIVED_FROM: "WasDerivedFrom",
    Relation.Kind.WAS_INVALIDATED_BY: "WasInvalidatedBy",
}


class ActivitySerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    started_on = Timestamp(allow_null=True)
    ended_on = Timestamp(allow_null=True)
    audit = AuditSerializer(source="*", read_only=True)

    class Meta:
        model = Activity
        fields = ["kind", "id", "name", "description", "started_on", "ended_on", "is_deleted", "audit"]

    def get_kind(self, activity) -> str:
        return ACTIVITY_KIND


_RESTRICTED_SCHEMA = {
    "type": "object",
    "description": "A node the caller may not see: its kind, id and whether it is deleted.",
    "required": ["kind", "id", "is_deleted"],
    "properties": {
        "kind": {"type": "string", "enum": [ACTIVITY_KIND, VERSION_KIND]},
        "id": {"type": "string", "format": "uuid"},
        "is_deleted": {"type": "boolean"},
    },
}
NODE_SCHEMA = {
    "anyOf": [
        {"$ref": "#/components/schemas/Activity"},
        {"$ref": "#/components/schemas/FileVersion"},
        _RESTRICTED_SCHEMA,
    ]
}


@extend_schema_field(NODE_SCHEMA)
class NodeField(serializers.JSONField):
    """Documentation only: an activity, a file version, or what a caller may see of one they may not."""


class RelationSerializer(serializers.Serializer):
    """Documentation only (`Nodes.relation` builds the body): a relation and both its ends."""

    kind = serializers.ChoiceField(choices=Relation.Kind.values)
    id = serializers.UUIDField()
    audit = AuditSerializer()
    locals()["from"] = NodeField()  # a Python keyword, so not a plain attribute
    to = NodeField()


class GraphNodeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    labels = serializers.ListField(child=serializers.ChoiceField(choices=list(LABELS.values())))
    properties = NodeField()


class GraphRelationshipSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    type = serializers.ChoiceField(choices=list(TYPES.values()))
    start_node = serializers.UUIDField()
    end_node = serializers.UUIDField()
    properties = RelationSerializer(allow_null=True, help_text="null when the caller may not see the relation")


class GraphSerializer(serializers.Serializer):
    nodes = GraphNodeSerializer(many=True)
    relationships = GraphRelationshipSerializer(many=True)


class ProvenanceGraphSerializer(serializers.Serializer):
    """Documentation only: the answer of both provenance searches."""

    graph = GraphSerializer()
    truncated = serializers.BooleanField(
        help_text="true when a limit (hops, nodes, relations or the answer's size) left part of the graph out"
    )


class Nodes:
    """The representation of a set of nodes (activities and file versions by id) for one caller: in full where they
    may see a node, else `{kind, id, is_deleted}`; each node is serialized once, however many relations name it."""

    def __init__(self, *, activities, versions, visible):
        self.activities, self.versions, self.visible = activities, versions, visible
        self._cache = {}
        self._activity = ActivitySerializer()
        self._version = FileVersionSerializer()
        self._audit = AuditSerializer()

    def kind(self, pk):
        return ACTIVITY_KIND if pk in self.activities else VERSION_KIND

    def properties(self, pk):
        if pk not in self._cache:
            node = self.activities.get(pk) or self.versions[pk]
            kind = self.kind(pk)
            if pk not in self.visible:
                self._cache[pk] = {"kind": kind, "id": str(pk), "is_deleted": node.is_deleted}
            elif kind == ACTIVITY_KIND:
                self._cache[pk] = self._activity.to_representation(node)
            else:
                self._cache[pk] = self._version.to_representation(node)
        return self._cache[pk]

    def relation(self, relation):
        return {
            "kind": relation.kind,
            "id": str(relation.pk),
            "audit": self._audit.to_representation(relation),
            "from": self.properties(relation.from_id),
            "to": self.properties(relation.to_id),
        }


class _Budget:
    """What is left of MAX_GRAPH_BYTES of JSON; `take(item)` says whether the item still fits, and takes it."""

    def __init__(self):
        self.left = MAX_GRAPH_BYTES
        self.exceeded = False

    def take(self, item):
        self.left -= len(json.dumps(item, cls=JSONEncoder, ensure_ascii=False).encode())
        self.exceeded = self.left < 0
        return not self.exceeded


def graph_data(graph, nodes, *, viewer):
    """The body of both provenance searches; `viewer` (provenance.permissions.Viewer) tells whose properties the
    caller may see.

    Nodes then relationships in order, as many as fit MAX_GRAPH_BYTES (a relationship only with both its ends);
    `truncated` says that the walk or this limit left some out."""
    budget = _Budget()
    listed, node_items, relationship_items = set(), [], []
    for pk in graph.order:
        item = {"id": str(pk), "labels": [LABELS[nodes.kind(pk)]], "properties": nodes.properties(pk)}
        if not budget.take(item):
            break
        listed.add(pk)
        node_items.append(item)
    for relation in graph.relations if not budget.exceeded else ():
        if relation.from_id not in listed or relation.to_id not in listed:
            continue
        item = {
            "id": str(relation.pk),
            "type": TYPES[relation.kind],
            "start_node": str(relation.from_id),
            "end_node": str(relation.to_id),
            "properties": nodes.relation(relation) if viewer.sees_relation(relation, graph.versions) else None,
        }
        if not budget.take(item):
            break
        relationship_items.append(item)
    truncated = graph.truncated or budget.exceeded
    return {"graph": {"nodes": node_items, "relationships": relationship_items}, "truncated": truncated}


_DATETIME_FORMATS = [ISO_8601, "%Y-%m-%d"]


def _text(**kwargs):
    return serializers.CharField(allow_null=True, allow_blank=True, trim_whitespace=False, **kwargs)


class MomentField(serializers.DateTimeField):
    """ISO-8601, or a date alone (midnight UTC); null, or an empty form value, for none."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, input_formats=_DATETIME_FORMATS, **kwargs)

    def validate_empty_values(self, data):
        if data == "":
            return True, None
        return super().validate_empty_values(data)


class ActivityCreateSerializer(serializers.Serializer):
    name = _text(max_length=ACTIVITY_NAME_MAX_LENGTH)
    description = _text(required=False, max_length=ACTIVITY_DESCRIPTION_MAX_LENGTH)
    started_on = MomentField()
    ended_on = MomentField()


class ActivityUpdateSerializer(ActivityCreateSerializer):
    name = _text(required=False, max_length=ACTIVITY_NAME_MAX_LENGTH)


class ActivityRelationCreateSerializer(serializers.Serializer):
    activity = ReferenceSerializer()
    entity = NodeReferenceSerializer()  # a file version, whatever `kind` says: DukeDSClient sends dds-file


class DerivationCreateSerializer(serializers.Serializer):
    used_entity = NodeReferenceSerializer()
    generated_entity = NodeReferenceSerializer()


class ProvenanceSearchSerializer(serializers.Serializer):
    start_node = NodeReferenceSerializer()  # kind: dds-activity or dds-file-version
    max_hops = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=f"how far from the start node: below 1 means 1, absent {DEFAULT_HOPS}, at most {MAX_HOPS}",
    )


class OriginSearchSerializer(serializers.Serializer):
    file_versions = ReferenceSerializer(many=True)
