from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone

from dds import errors
from dds.jobs.services import job_enqueue
from dds.locks import project_lock, row_lock
from dds.names import path_name_check
from uploads.models import Upload
from uploads.services import upload_purge_request

from . import selectors, signals
from .models import Container, Deletion, FileVersion

# Folders nest at most this deep, so that an item's `ancestors` (listed with every item of a page) stay bounded.
MAX_FOLDER_DEPTH = 255
_LEVEL = 37  # the characters of one folder in a `path`: its UUID and a "/"

_FOLDERS = Container.objects.filter(kind=Container.Kind.FOLDER)


def _node_lock(node, model_name=None):
    """The rule of a folder's or file's writes (docs/api/concurrency.md): its project's row, then its own, each
    refused once deleted (or below a folder whose deletion is in progress) with the 404 of `model_name` (the node's
    model unless the route names another); the node as committed now."""
    model_name = model_name or ("Folder" if node.is_folder else "DataFile")
    project_lock(node.project_id, model_name)
    return row_lock(selectors.live(Container.objects.filter(kind=node.kind)), model_name, node.pk)


def _version_lock(version):
    """A version's writes: its file's locks, then its own row; (file, version) as committed now."""
    file = _node_lock(version.file, "FileVersion")
    return file, row_lock(FileVersion.objects.filter(file=file), "FileVersion", version.pk)


def _parent_lock(project, parent):
    """Where something is made or moved to: the project's row, then the folder's (None: the project's top level);
    404 for a folder below one whose deletion is still in progress."""
    project_lock(project.pk)
    if parent is None:
        return None
    return row_lock(selectors.live(_FOLDERS), "Folder", parent.pk)


def _check_upload(upload, *, file=None):
    """An upload may become a version once completed without an integrity error, and of one file only."""
    if upload.is_open:
        raise errors.ValidationFailed.field("upload", "must be completed successfully")
    if upload.is_failed:
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


def _deleted_stamp(actor):
    return {"is_deleted": True, "deleted_on": timezone.now(), "deleted_by": actor.user, "deleted_by_agent": actor.agent}


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


def _move_to_trash(node, stamp):
    """Mark `node` deleted. As in the original's trash, a deleted item leaves its folder for the project's top level,
    remembering the folder it left; what is below a deleted folder stays in it (the deletion's steps give it the
    paths of its new place as they mark it)."""
    if node.parent_id is not None:
        node.deleted_from_parent_id, node.parent, node.path = node.parent_id, None, ""
    Container.objects.filter(pk=node.pk).update(
        **stamp, deleted_from_parent_id=node.deleted_from_parent_id, parent_id=node.parent_id, path=node.path
    )
    signals.trashed.send(sender=Container, node=node)


@transaction.atomic
def folder_delete(*, actor, folder):
    """Delete a folder (docs/api/deletions.md): the request marks the folder itself, moves it to the trash and records
    its `Deletion`; `delete_tree` jobs then mark what is below it, DELETION_BATCH items a step, and request the purge
    of their bytes. Until they are done, nothing below it is listed, shown live or downloaded (`Deletion.covering`)."""
    folder = _node_lock(folder)
    subtree = folder.subtree_path
    _move_to_trash(folder, _deleted_stamp(actor))
    deletion = Deletion.objects.create(
        project_id=folder.project_id, root=folder, prefix=subtree, moved_to=folder.subtree_path
    )
    job_enqueue("delete_tree", deletion.id)


@transaction.atomic
def project_contents_delete(*, project):
    """Record the deletion of a project's contents (its row already marked deleted): `delete_tree` jobs mark its
    folders, files and versions, then request the purge of every upload of the project, whether or not it became a
    file version: a deleted project frees all its bytes."""
    deletion = Deletion.objects.create(project=project)
    job_enqueue("delete_tree", deletion.id)


def _step_mark(deletion, root, limit):
    """Mark at most `limit` live items of the deletion deleted, with their versions, stamped as their root; move them
    under the root's place in the trash. Returns the ids marked and the uploads of the versions marked."""
    stamp = {
        "is_deleted": True,
        "deleted_on": root.deleted_on,
        "deleted_by_id": root.deleted_by_id,
        "deleted_by_agent_id": root.deleted_by_agent_id,
    }
    ids = list(
        Container.objects.filter(
            project=deletion.project_id, is_deleted=False, path__startswith=deletion.prefix
        ).values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return ids, []
    moved = {}
    if deletion.prefix != deletion.moved_to:
        moved["path"] = Concat(Value(deletion.moved_to), Substr("path", len(deletion.prefix) + 1))
    Container.objects.filter(pk__in=ids).update(**stamp, **moved)
    versions = FileVersion.objects.filter(file__in=ids, is_deleted=False)
    upload_ids = list(versions.values_list("upload_id", flat=True))
    versions.update(**stamp)
    return ids, upload_ids


@transaction.atomic
def deletion_step(*, deletion_id):
    """One step of a deletion (the `delete_tree` job), in one transaction: mark at most DELETION_BATCH items and
    request their uploads' purge; a project's deletion, once its items are marked, requests the purge of at most as
    many of its uploads not requested yet. Enqueues the next step while work remains, else records the end. Safe to
    run twice, and resumable after a crash: each step starts from what is still unmarked and unrequested. A step of a
    deletion another step holds returns at once (a job the sweeper sent again while that one ran): one chain of steps
    goes on, and no worker thread waits for another's step."""
    deletion = (
        Deletion.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("root", "project")
        .filter(pk=deletion_id, finished_on=None)
        .first()
    )
    if deletion is None:
        return
    limit = settings.DELETION_BATCH
    ids, upload_ids = _step_mark(deletion, deletion.root or deletion.project, limit)
    more = len(ids) == limit
    if deletion.root_id is None:
        upload_ids = []
        if not more:
            unrequested = Upload.objects.filter(project=deletion.project_id, purged_on=None, purge_requested_on=None)
            upload_ids = list(unrequested.values_list("pk", flat=True)[: limit - len(ids)])
            more = len(ids) + len(upload_ids) == limit
    upload_purge_request(upload_ids=upload_ids)
    deletion.marked += len(ids)
    deletion.purges_requested += len(set(upload_ids))
    deletion.steps += 1
    if more:
        job_enqueue("delete_tree", deletion.id)
    else:
        deletion.finished_on = timezone.now()
    deletion.save(update_fields=["marked", "purges_requested", "steps", "finished_on"])


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
    """Delete a file and its versions, and request the purge of their uploads' bytes: a handful of rows."""
    file = _node_lock(file)
    stamp = _deleted_stamp(actor)
    _move_to_trash(file, stamp)
    versions = FileVersion.objects.filter(file=file, is_deleted=False)
    upload_ids = list(versions.values_list("upload_id", flat=True))
    versions.update(**stamp)
    upload_purge_request(upload_ids=upload_ids)


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
