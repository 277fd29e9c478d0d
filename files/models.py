import uuid

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from dds.audit import Audited


class Container(Audited):
    """A folder or a file in a project's tree (one table, so that children list and page in one query).

    `path` holds the ids of the folders above, root first, each followed by `/`: a subtree is one prefix.
    """

    class Kind(models.TextChoices):
        FOLDER = "dds-folder"
        FILE = "dds-file"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="containers")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    # In the trash an item sits at the project's top level; this is the folder it was deleted from.
    deleted_from_parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    path = models.TextField(blank=True, default="")
    name = models.CharField(max_length=255)
    is_deleted = models.BooleanField(default=False)
    current_version = models.ForeignKey(
        "files.FileVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        # Each listing's order, so that a page is read from its index rather than sorted out of the whole project:
        # children of a folder or of the top level, the whole tree (name_contains), the project's files (by the
        # last update). Names are also searched through a trigram index on PostgreSQL (migration 0004).
        indexes = [
            models.Index(fields=["project", "parent", "is_deleted", "-created_on", "id"], name="container_children"),
            models.Index(fields=["project", "is_deleted", "-created_on", "id"], name="container_tree"),
            models.Index(
                F("project"),
                F("kind"),
                F("is_deleted"),
                Coalesce("last_updated_on", "created_on").desc(),
                F("id"),
                name="container_files_by_update",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_folder(self):
        return self.kind == self.Kind.FOLDER

    @property
    def subtree_path(self):
        """The `path` prefix of everything below this folder."""
        return f"{self.path}{self.id}/"

    @property
    def ancestor_ids(self):
        return [part for part in self.path.split("/") if part]


class FileVersion(Audited):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.ForeignKey(Container, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    label = models.TextField(null=True, blank=True)
    upload = models.ForeignKey("uploads.Upload", on_delete=models.PROTECT, related_name="file_versions")
    is_deleted = models.BooleanField(default=False)
    upload_reused = models.BooleanField(
        default=False, help_text="an earlier version of the same file has this upload (a promotion)"
    )

    class Meta:
        ordering = ["version"]
        constraints = [
            models.UniqueConstraint(fields=["file", "version"], name="one_version_number_per_file"),
            models.UniqueConstraint(fields=["upload"], condition=Q(upload_reused=False), name="one_file_per_upload"),
        ]

    def __str__(self):
        return f"{self.file} v{self.version}"
