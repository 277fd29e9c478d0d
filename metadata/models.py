"""What researchers say about their data: free tags, and typed metadata filled in from shared templates.

Tags and object metadata belong to a file or an activity (the kinds the original service allowed): each row names
exactly one of them.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from dds.audit import Audited

ONE_OBJECT = Q(file__isnull=False, activity__isnull=True) | Q(file__isnull=True, activity__isnull=False)


class OfObject(Audited):
    """A row about one file or one activity."""

    file = models.ForeignKey("files.Container", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey(
        "provenance.Activity", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def object_ref(self):
        if self.file_id is not None:
            return {"kind": "dds-file", "id": str(self.file_id)}
        return {"kind": "dds-activity", "id": str(self.activity_id)}


class Tag(OfObject):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    label = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=ONE_OBJECT, name="tag_of_one_object"),
            models.UniqueConstraint(Lower("label"), "file", name="one_tag_label_per_file"),
            models.UniqueConstraint(Lower("label"), "activity", name="one_tag_label_per_activity"),
        ]
        indexes = [models.Index(fields=["label"])]

    def __str__(self):
        return self.label


class Template(Audited):
    """A named set of typed properties anyone may fill in on an object; its creator (or a system admin) changes it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=60)
    label = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    is_deprecated = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("name"), name="one_template_per_name")]

    def __str__(self):
        return self.name


class Property(Audited):
    class Type(models.TextChoices):
        STRING = "string"
        LONG = "long"
        INTEGER = "integer"
        SHORT = "short"
        BYTE = "byte"
        DOUBLE = "double"
        FLOAT = "float"
        DATE = "date"
        BOOLEAN = "boolean"
        BINARY = "binary"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="properties")
    key = models.CharField(max_length=60)
    label = models.CharField(max_length=255)
    description = models.TextField()
    data_type = models.CharField(max_length=20, choices=Type.choices)
    is_deprecated = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "properties"
        constraints = [models.UniqueConstraint("template", Lower("key"), name="one_property_per_template_and_key")]

    def __str__(self):
        return f"{self.template}.{self.key}"


class ObjectMetadata(OfObject):
    """A template filled in on one object: its values, one per property set."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="uses")

    class Meta:
        verbose_name_plural = "object metadata"
        constraints = [
            models.CheckConstraint(condition=ONE_OBJECT, name="metadata_of_one_object"),
            models.UniqueConstraint(fields=["template", "file"], name="one_template_instance_per_file"),
            models.UniqueConstraint(fields=["template", "activity"], name="one_template_instance_per_activity"),
        ]

    def __str__(self):
        return f"{self.template} of {self.object_ref['id']}"


class MetadataValue(models.Model):
    metadata = models.ForeignKey(ObjectMetadata, on_delete=models.CASCADE, related_name="values")
    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="values")
    value = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["metadata", "property"], name="one_value_per_property")]

    def __str__(self):
        return f"{self.property.key}={self.value}"
