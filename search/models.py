"""The database's search index: one document per folder or file, refreshed by the `index_search_document` worker
from the rows it describes (so search is eventually consistent, as the rest of the API)."""

from django.db import models


class Document(models.Model):
    """What search matches of a folder or a file, in lower case: its name, its tags' labels, its metadata values."""

    container = models.OneToOneField("files.Container", primary_key=True, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    name = models.TextField()
    labels = models.TextField(blank=True, default="")
    meta = models.TextField(blank=True, default="")
    indexed_on = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["project", "kind", "name"])]

    def __str__(self):
        return self.name


class DocumentLabel(models.Model):
    """A tag label of a document as it was written (the tags.label facet counts and filters these)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="tag_labels")
    label = models.CharField(max_length=255)

    class Meta:
        indexes = [models.Index(fields=["label"])]
        constraints = [models.UniqueConstraint(fields=["document", "label"], name="one_label_per_document")]

    def __str__(self):
        return self.label
