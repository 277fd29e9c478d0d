"""Provenance as the W3C PROV terms the original service used: activities, and relations between them and file
versions. A relation joins its file version (`entity`) to either an activity or, for was_derived_from, the file
version it was derived from (`used_entity`): each relation is one edge of the provenance graph."""

import uuid

from django.db import models
from django.db.models import Q

from dds.audit import Audited


class Activity(Audited):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    started_on = models.DateTimeField(null=True, blank=True)
    ended_on = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["created_by", "is_deleted"])]

    def __str__(self):
        return self.name


class Relation(Audited):
    class Kind(models.TextChoices):
        USED = "dds-relation-used"
        WAS_GENERATED_BY = "dds-relation-was-generated-by"
        WAS_DERIVED_FROM = "dds-relation-was-derived-from"
        WAS_INVALIDATED_BY = "dds-relation-was-invalidated-by"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="relations")
    entity = models.ForeignKey("files.FileVersion", on_delete=models.CASCADE, related_name="relations")
    used_entity = models.ForeignKey(
        "files.FileVersion", null=True, blank=True, on_delete=models.CASCADE, related_name="derivations"
    )
    is_deleted = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["activity", "is_deleted"]),
            models.Index(fields=["entity", "is_deleted"]),
            models.Index(fields=["used_entity", "is_deleted"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="dds-relation-was-derived-from", activity__isnull=True, used_entity__isnull=False)
                    | (~Q(kind="dds-relation-was-derived-from") & Q(activity__isnull=False, used_entity__isnull=True))
                ),
                name="relation_joins_an_activity_or_a_used_entity",
            ),
            models.UniqueConstraint(
                fields=["kind", "activity", "entity"],
                condition=Q(is_deleted=False, activity__isnull=False),
                name="one_live_activity_relation_per_kind_and_pair",
            ),
            models.UniqueConstraint(
                fields=["entity", "used_entity"],
                condition=Q(is_deleted=False, used_entity__isnull=False),
                name="one_live_derivation_per_pair",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.id}"

    @property
    def other_id(self):
        """The node at the relation's other end from its file version: its activity, or the version derived from."""
        return self.activity_id if self.activity_id is not None else self.used_entity_id

    @property
    def from_id(self):
        """`from` as the original serializes it: a used relation goes from its activity, the others from `entity`."""
        return self.activity_id if self.kind == self.Kind.USED else self.entity_id

    @property
    def to_id(self):
        return self.entity_id if self.kind == self.Kind.USED else self.other_id


class Edge(models.Model):
    """One direction of a live relation (two rows each): the adjacency list the provenance search walks with a
    recursive query, by index, whatever kinds of nodes the relation joins."""

    node = models.UUIDField()
    neighbor = models.UUIDField()
    relation = models.ForeignKey(Relation, on_delete=models.CASCADE, related_name="edges")

    class Meta:
        indexes = [models.Index(fields=["node"])]
        constraints = [models.UniqueConstraint(fields=["relation", "node"], name="one_edge_per_relation_end")]

    def __str__(self):
        return f"{self.node} - {self.neighbor}"
