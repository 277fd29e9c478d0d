from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone

from dds import errors
from dds.jobs.services import job_enqueue
from dds.locks import project_lock, row_lock
from dds.names import path_name_check
from uploads.models import Upload

from . import selectors
from .models import Container, FileVersion

# Folders nest at most this deep, so that an item's `ancestors` (listed with every item of a page) stay bounded.
MAX_FOLDER_DEPTH = 255
_LEVEL = 37  # the characters of one folder in a `path`: its UUID and a "/"

_FOLDERS = Container.objects.filter(kind=Container.Kind.FOLDER)


def _node_lock(node, model_name=None):
    """The rule of a folder's or file's writes (docs/api/concurrency.md): its project's row, then its own, each
    refused once deleted with the 404 of `model_name` (the node's model unless the route names another); the node as
    committed now."""
    model_name = model_name or ("Folder" if node.is_folder else "DataFile")
    project_lock(node.project_id, model_name)
    return row_lock(Container.objects.filter(kind=node.kind), model_name, node.pk)


def _version_lock(version):
    """A version's writes: its file's locks, then its own row; (file, version) as committed now."""
    file = _node_lock(version.file, "FileVersion")
    return file, row_lock(FileVersion.objects.filter(file=file), "FileVersion", version.pk)


def _parent_lock(project, parent):
    """Where something is made or moved to: the project's row, then the folder's (None: the project's top level)."""
    project_lock(project.pk)
    return row_lock(_FOLDERS, "Folder", parent.pk) if parent is not None else None


def _check_upload(upload, *, file=None):
    """An upload may become a version once completed without an integrity error, and of one file only."""
    if upload.completed_on is None:
        raise errors.ValidationFailed.field("upload", "must be completed successfully")
    if upload.error_on is not None:
        raise errors.ValidationFailed.field("upload", "cannot have an error")
    # Not locked: a verification in progress holds the row while it reads storage, and a file may be made of an
    # upload still being verified. A purge racing this request is caught by `_add_version`.
    used_elsewhere = FileVersion.objects.filter(upload=OuterRef("pk"))
    if file is not None:
        used_elsewhere = used_elsewhere.exclude(file=file)
    purged_on, used = Upload.objects.values_list("purged_on", Exists(used_elsewhere)).get(pk=upload.pk)
    if purged_on is not None:
        raise errors.ValidationFailed.field("upload", "cannot have been purged")
    if used:
        raise errors.ValidationFailed.field("upload", "has already been used by another file")


@transaction.atomic
def upload_purge_request(*, upload_ids):
    """Queue the removal of uploads' bytes (sent after commit), noting when on each upload; the job keeps any upload a
    live version still references. (Here, not in uploads.services, which imports this app's services.)"""
    upload_ids = sorted(set(upload_ids), key=str)
    Upload.objects.filter(pk__in=upload_ids).update(purge_requested_on=timezone.now())
    for upload_id in upload_ids:
        job_enqueue("purge_upload", upload_id)


def _delete(actor, nodes, *, purge=True):
    """Mark folders and files deleted together with every version of those files, and queue their bytes' removal
    unless `purge` is false."""
    now = timezone.now()
    stamp = {"is_deleted": True, "deleted_on": now, "deleted_by": actor.user, "deleted_by_agent": actor.agent}
    ids = list(nodes.values_list("pk", flat=True))
    Container.objects.filter(pk__in=ids).update(**stamp)
    versions = FileVersion.objects.filter(file__in=ids, is_deleted=False)
    upload_ids = list(versions.values_list("upload_id", flat=True))
    versions.update(**stamp)
    if purge:
        upload_purge_request(upload_ids=upload_ids)


def _check_depth(parent, levels=1):
    """`levels` of folders (a folder, or one with its deepest subtree) fit under `parent`."""
    depth = (len(parent.ancestor_ids) + 1 if parent else 0) + levels
    if depth > MAX_FOLDER_DEPTH:
        message = f"is too deep (folders nest at most {MAX_FOLDER_DEPTH} levels)"
        raise errors.ValidationFailed(errors=[("parent", message)])


@transaction.atomic
def folder_create(*, actor, project, parent, name):
    path_name_check(name)
    parent = _parent_lock(project, parent)
    _check_depth(parent)
    folder = Container(
        kind=Container.Kind.FOLDER,
        project=project,
        parent=parent,
        path=parent.subtree_path if parent else "",
        name=name,
    )
    folder.stamp_created(actor)
    folder.save()
    return folder


def _repath_subtree(folder, old_subtree):
    """After `folder` moved, give everything below it the `path` of its new place."""
    if old_subtree != folder.subtree_path:
        Container.objects.filter(project=folder.project_id, path__startswith=old_subtree).update(
            path=Concat(Value(folder.subtree_path), Substr("path", len(old_subtree) + 1))
        )


def _move_to_trash(node):
    """As in the original's trash: a deleted item leaves its folder for the project's top level, remembering the
    folder it left; what is below a deleted folder stays in it."""
    if node.parent_id is None:
        return
    old_subtree = node.subtree_path
    node.deleted_from_parent_id, node.parent, node.path = node.parent_id, None, ""
    Container.objects.filter(pk=node.pk).update(deleted_from_parent=node.deleted_from_parent_id, parent=None, path="")
    if node.is_folder:
        _repath_subtree(node, old_subtree)


@transaction.atomic
def folder_delete(*, actor, folder):
    """Delete a folder and its whole subtree at once: no listing ever shows a descendant of a deleted folder."""
    folder = _node_lock(folder)
    subtree = Container.objects.filter(project=folder.project_id).filter(
        Q(pk=folder.pk) | Q(path__startswith=folder.subtree_path), is_deleted=False
    )
    _delete(actor, subtree)
    _move_to_trash(folder)


@transaction.atomic
def project_contents_delete(*, actor, project):
    """Mark the project's folders, files and versions deleted, and queue the removal of every upload's bytes of the
    project, whether or not it became a file version: a deleted project frees all its bytes."""
    _delete(actor, Container.objects.filter(project=project, is_deleted=False), purge=False)
    upload_purge_request(upload_ids=Upload.objects.filter(project=project, purged_on=None).values_list("id", flat=True))


@transaction.atomic
def container_move(*, actor, node, project, parent):
    """Move a folder or file under `parent` (a folder, or None for the project's top level)."""
    if project.pk != node.project_id:
        raise errors.ValidationFailed.field("project_id", "Cannot change project_id.")
    node = _node_lock(node)
    if parent is not None:
        parent = row_lock(_FOLDERS, "Folder", parent.pk)
    if node.is_folder and parent is not None:
        if parent.pk == node.pk:
            raise errors.ValidationFailed(errors=[("parent", "cannot be itself"), ("parent_id", "cannot be itself")])
        if parent.path.startswith(node.subtree_path):
            message = "cannot be a child folder"
            raise errors.ValidationFailed(errors=[("parent", message), ("parent_id", message)])
    if node.is_folder:
        below = Container.objects.filter(project=node.project_id, path__startswith=node.subtree_path, kind=node.kind)
        deepest = below.aggregate(longest=Max(Length("path")))["longest"]
        _check_depth(parent, 1 + ((deepest - len(node.path)) // _LEVEL if deepest else 0))
    old_subtree = node.subtree_path
    node.parent = parent
    node.path = parent.subtree_path if parent else ""
    node.stamp_updated(actor)
    node.save()
    if node.is_folder:
        _repath_subtree(node, old_subtree)
    return node


@transaction.atomic
def container_rename(*, actor, node, name):
    path_name_check(name)
    node = _node_lock(node)
    node.name = name
    node.stamp_updated(actor)
    node.save()
    return node


def _refuse_purged(upload):
    """Refuse an upload purged since it was checked. The row lock waits for a purge that holds the upload (and sees
    what it committed), and makes a purge that comes later wait for this version's commit, then keep the bytes."""
    purged_on = Upload.objects.select_for_update(no_key=True).values_list("purged_on", flat=True).get(pk=upload.pk)
    if purged_on is not None:
        raise errors.ValidationFailed.field("upload", "cannot have been purged")


def _add_version(actor, file, upload, label):
    """Append a version (numbered after every earlier one, deleted ones too) and make it current.

    An upload backs one file only: the database's `one_file_per_upload` holds it against a concurrent request
    that passed `_check_upload` too.
    """
    earlier = FileVersion.objects.filter(file=file).aggregate(
        latest=Max("version"), reused=Count("pk", filter=Q(upload=upload))
    )
    number, reused = (earlier["latest"] or 0) + 1, earlier["reused"] > 0
    version = FileVersion(file=file, version=number, label=label, upload=upload, upload_reused=reused)
    version.stamp_created(actor)
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError:
        if not FileVersion.objects.filter(upload=upload).exclude(file=file).exists():
            raise
        raise errors.ValidationFailed.field("upload", "has already been used by another file") from None
    _refuse_purged(upload)
    file.current_version = version
    file.save(update_fields=["current_version"])
    return version


@transaction.atomic
def file_create(*, actor, project, parent, upload, label=None):
    """The file and its first version: the file is inserted naming the version inserted after it (foreign keys are
    checked at the commit), and the version's insert needs no savepoint, since a new file's first version can break
    no constraint but `one_file_per_upload`, which holds against a concurrent request that passed `_check_upload`."""
    parent = _parent_lock(project, parent)
    _check_upload(upload)
    path_name_check(upload.name)
    file = Container(
        kind=Container.Kind.FILE,
        project=project,
        parent=parent,
        path=parent.subtree_path if parent else "",
        name=upload.name,
    )
    file.stamp_created(actor)
    version = FileVersion(file=file, version=1, label=label, upload=upload)
    version.stamp_created(actor)
    file.current_version = version
    file.save()
    try:
        version.save()
    except IntegrityError:
        raise errors.ValidationFailed.field("upload", "has already been used by another file") from None
    _refuse_purged(upload)
    return file


_UNCHANGED = object()


@transaction.atomic
def file_update(*, actor, file, upload=None, label=_UNCHANGED):
    """A different upload appends a version (keeping the label unless one is given); a label alone relabels.

    The file is returned with what its serializer reads but the hashes (`selectors.with_hashes` adds them)."""
    _node_lock(file)
    file = selectors.containers().prefetch_related(None).get(pk=file.pk)
    current = file.current_version
    if upload is not None and upload.pk != current.upload_id:
        _check_upload(upload, file=file)
        _add_version(actor, file, upload, current.label if label is _UNCHANGED else label)
    elif label is not _UNCHANGED:
        current.label = label
        current.stamp_updated(actor)
        current.save()
    file.stamp_updated(actor)
    file.save()
    return file


@transaction.atomic
def file_delete(*, actor, file):
    file = _node_lock(file)
    _delete(actor, Container.objects.filter(pk=file.pk))
    _move_to_trash(file)


@transaction.atomic
def file_version_update(*, actor, version, label):
    _, version = _version_lock(version)
    version.label = label
    version.stamp_updated(actor)
    version.save()
    return version


@transaction.atomic
def file_version_delete(*, actor, version):
    file, version = _version_lock(version)
    if file.current_version_id == version.pk:
        raise errors.ValidationFailed.field("is_deleted", "The current file version cannot be deleted.")
    version.is_deleted = True
    version.stamp_deleted(actor)
    version.save()
    upload_purge_request(upload_ids=[version.upload_id])


@transaction.atomic
def file_version_promote(*, actor, version):
    """Make an earlier version current again, as a new version with the same upload and label."""
    file, locked = _version_lock(version)
    if file.current_version.upload_id == locked.upload_id:
        raise errors.ValidationFailed.field("upload_id", "match current file version.")
    promoted = _add_version(actor, file, version.upload, locked.label)
    file.stamp_updated(actor)
    file.save()
    return promoted
