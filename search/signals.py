"""What search listens to: files and folders are saved (and trashed) by files.services, below this app, which cannot
call it; tags and object metadata by metadata.services. Each change records an indexing job in the transaction that
made it (the jobs' outbox), sent once it commits."""

from django.db.models.signals import post_delete, post_save

from dds.jobs.services import job_enqueue
from files.models import Container
from files.signals import trashed
from metadata.models import ObjectMetadata, Tag

from .backends import search_backend

WORKER = "index_search_document"
# What a folder's or a file's document is made of; a save of other fields only (a new current version) leaves it.
INDEXED_FIELDS = frozenset({"name", "kind", "project", "parent", "path", "is_deleted"})


def _container_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if not raw and (update_fields is None or INDEXED_FIELDS & set(update_fields)):
        job_enqueue(WORKER, instance.pk)


def _about_file_changed(sender, instance, raw=False, **kwargs):
    if not raw and instance.file_id is not None:
        job_enqueue(WORKER, instance.file_id)


def _trashed(sender, node, **kwargs):
    if search_backend().indexes_deletions:
        job_enqueue(WORKER, node.pk)


def connect():
    post_save.connect(_container_saved, sender=Container, dispatch_uid="search.container")
    trashed.connect(_trashed, sender=Container, dispatch_uid="search.trashed")
    for model in (Tag, ObjectMetadata):
        post_save.connect(_about_file_changed, sender=model, dispatch_uid=f"search.{model.__name__}.saved")
        post_delete.connect(_about_file_changed, sender=model, dispatch_uid=f"search.{model.__name__}.deleted")
