import uuid

from django.db import models
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q, TextField
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
            # What a deletion step reads: the live items of a subtree (`path LIKE 'prefix%'`), without the marked ones.
            models.Index(
                fields=["project", "path"],
                opclasses=["uuid_ops", "text_pattern_ops"],
                condition=Q(is_deleted=False),
                name="files_live_subtree",
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


class Deletion(models.Model):
    """A folder's or a project's deletion, which `delete_tree` jobs work through in steps.

    The request marks the root deleted and records this; each step marks at most DELETION_BATCH items below it
    deleted, with their versions, gives them the `path` of their place in the trash (`moved_to`), and requests the
    purge of their uploads' bytes (a project's: every upload of the project, once its items are marked). Until
    `finished_on`, whatever of the project has a `path` starting with `prefix` counts as deleted already
    (`files.selectors.under_deletion`).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="deletions")
    root = models.ForeignKey(
        Container, null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="empty: the project"
    )
    prefix = models.TextField(blank=True, help_text="the `path` prefix of the items still to mark")
    moved_to = models.TextField(blank=True, help_text="the prefix that replaces `prefix` as items are marked")
    marked = models.PositiveIntegerField(default=0, help_text="folders and files marked deleted so far")
    purges_requested = models.PositiveIntegerField(default=0, help_text="uploads whose purge was requested so far")
    steps = models.PositiveIntegerField(default=0)
    created_on = models.DateTimeField(auto_now_add=True)
    finished_on = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_on"]
        indexes = [
            models.Index(fields=["project"], condition=Q(finished_on=None), name="files_deletion_in_progress"),
            models.Index(fields=["created_on"], condition=Q(finished_on=None), name="files_deletion_pending"),
        ]

    def __str__(self):
        state = "finished" if self.finished_on else "in progress"
        return f"deletion of {self.root or self.project}: {self.marked} marked, {state}"

    @classmethod
    def covering(cls, path="path", project="project_id"):
        """Whether a deletion in progress covers the item whose `path` and project the outer query names (for
        `.filter()`, `.exclude()`, `.annotate()`): its project's deletion, or that of a folder above it whose steps
        have not reached it yet. Reads only the deletions in progress (a partial index), whatever the history."""
        return Exists(
            cls.objects.filter(project=OuterRef(project), finished_on=None)
            .alias(item_path=ExpressionWrapper(OuterRef(path), output_field=TextField()))
            .filter(item_path__startswith=F("prefix"))
        )
