from django.db.models import Prefetch, Sum, prefetch_related_objects
from django.db.models.functions import Coalesce

from dds import errors
from dds.lookups import get_or_404
from dds.names import is_valid_name
from projects.models import Project
from uploads.models import Fingerprint, StorageProvider, Upload
from uploads.selectors import retry_after
from uploads.storage.base import backend_for

from .models import Container, Deletion, FileVersion

# What a download URL needs of an upload: the backends' object address, and what tells whether it may be fetched.
_UPLOAD_DOWNLOAD_FIELDS = (
    "project",
    "storage_provider",
    "size",
    "completed_on",
    "is_consistent",
    "error_on",
    "error_message",
)


def _fingerprints():
    return Fingerprint.objects.select_related(*Fingerprint.AUDIT_RELATED)


def deletions_in_progress():
    """Deletions whose `delete_tree` steps have not finished, oldest first."""
    return Deletion.objects.filter(finished_on=None).order_by("created_on")


def live(nodes):
    """Folders or files neither deleted nor below a folder whose deletion is still in progress."""
    return nodes.filter(is_deleted=False).exclude(Deletion.covering())


def containers():
    """Folders and files with everything their serializers read, in a fixed number of queries per page."""
    return Container.objects.select_related(
        "project",
        "current_version__upload__storage_provider",
        *Container.AUDIT_RELATED,
    ).prefetch_related(Prefetch("current_version__upload__fingerprints", queryset=_fingerprints()))


def with_hashes(node):
    """A node read without the prefetch of `containers()` (or given a new current version) with its upload's hashes
    loaded, unless they already are."""
    if node.current_version_id is not None:
        prefetch_related_objects([node], Prefetch("current_version__upload__fingerprints", queryset=_fingerprints()))
    return node


def folders():
    return containers().filter(kind=Container.Kind.FOLDER)


def files():
    return containers().filter(kind=Container.Kind.FILE)


def file_versions():
    return FileVersion.objects.select_related(
        "file__project", "upload__storage_provider", *FileVersion.AUDIT_RELATED
    ).prefetch_related(Prefetch("upload__fingerprints", queryset=_fingerprints()))


def version_uploads():
    """Uploads of live projects with what a file's `current_version.upload` shows of them (no chunks)."""
    return (
        Upload.objects.filter(project__is_deleted=False)
        .select_related("storage_provider")
        .prefetch_related(Prefetch("fingerprints", queryset=_fingerprints()))
    )


def parent_resolve(reference):
    """`{"kind": "dds-project"|"dds-folder", "id"}` → (project, folder or None); deleted parents are not found."""
    if not isinstance(reference, dict):
        raise errors.ValidationFailed.field("parent", "is invalid")
    if reference.get("kind") == "dds-project":
        return get_or_404(Project.objects.filter(is_deleted=False), "Project", reference.get("id")), None
    folder = get_or_404(
        Container.objects.select_related("project")
        .filter(kind=Container.Kind.FOLDER)
        .annotate(is_being_deleted=Deletion.covering()),
        "Folder",
        reference.get("id"),
    )
    # A deleted project's folders are deleted with it: the project is what is missing (as the original answers).
    if folder.project.is_deleted:
        raise errors.NotFound("Project")
    if folder.is_deleted or folder.is_being_deleted:
        raise errors.NotFound("Folder")
    return folder.project, folder


def children(*, project, folder=None, name_contains=None):
    """Live items right under the project or folder; with `name_contains` (even empty), the whole subtree, without
    what a deletion in progress has not marked yet (right under a live folder nothing can be waiting for that)."""
    queryset = containers().filter(project=project, is_deleted=False)
    if name_contains is None:
        queryset = queryset.filter(parent=folder)
    else:
        queryset = queryset.exclude(Deletion.covering())
        if folder is not None:
            queryset = queryset.filter(path__startswith=folder.subtree_path)
        if name_contains:
            queryset = queryset.filter(name__icontains=name_contains)
    return queryset.order_by("-created_on", "id")


def project_files(*, project):
    """Every live file of the project, most recently updated first, with no more than a listing item reads:
    its name and ancestors, and the upload behind its current version (its provider: `storage_providers_of`).

    Read through `project.containers`, every row gets `project` itself rather than a join and a copy per row.
    """
    upload_fields = (f"current_version__upload__{field}" for field in _UPLOAD_DOWNLOAD_FIELDS)
    return (
        live(project.containers.filter(kind=Container.Kind.FILE))
        .select_related("current_version__upload")
        .only("name", "path", "project", *upload_fields)
        .alias(updated=Coalesce("last_updated_on", "created_on"))
        .order_by("-updated", "id")
    )


def storage_providers_of(uploads):
    """`{provider id: provider}` for a page of uploads, in one query: a handful of rows rather than one per upload."""
    return StorageProvider.objects.in_bulk({upload.storage_provider_id for upload in uploads})


def hashes_of(uploads):
    """`{upload id: [{"value", "algorithm"}, …]}` in the order reported, for a page of uploads in one query."""
    hashes = {upload.pk: [] for upload in uploads}
    fingerprints = Fingerprint.objects.filter(upload__in=uploads).values_list("upload_id", "value", "algorithm")
    for upload_id, value, algorithm in fingerprints:
        hashes[upload_id].append({"value": value, "algorithm": algorithm})
    return hashes


def ancestors_of(nodes):
    """`{node id: [project, folder, …]}` root first, for a page of nodes, in one query whatever the depth; the nodes
    of one folder share one list."""
    by_folder = {(node.project_id, node.path): node for node in nodes}
    folder_ids = {folder_id for node in by_folder.values() for folder_id in node.ancestor_ids}
    names = {str(pk): name for pk, name in Container.objects.filter(pk__in=folder_ids).values_list("pk", "name")}
    chains = {
        folder: [
            {"kind": "dds-project", "id": str(node.project_id), "name": node.project.name},
            *({"kind": "dds-folder", "id": folder_id, "name": names.get(folder_id)} for folder_id in node.ancestor_ids),
        ]
        for folder, node in by_folder.items()
    }
    return {node.pk: chains[node.project_id, node.path] for node in nodes}


def _downloadable(upload):
    """An upload's bytes may be fetched once verified without error; integrity is told first
    (docs/api/files.md#download-urls)."""
    if upload.is_failed:
        raise errors.IntegrityFailure(upload.error_message)
    if not upload.is_verified:
        raise errors.ResourceNotConsistent(retry_after=retry_after(upload))


def _download_url(backend, upload, filename, *, host):
    _downloadable(upload)
    return backend.download_url(upload, filename=filename, host=host)


def download_url(*, upload, filename, host):
    """A signed download descriptor of `upload`'s bytes named `filename`; 400 or 404 while they may not be fetched."""
    return _download_url(backend_for(upload.storage_provider), upload, filename, host=host)


def file_summaries(page, *, host):
    """The items of a project file listing, as FileSummarySerializer documents them, built without DRF's per-field
    work; the first file whose URL cannot be issued fails the page (docs/api/files.md#project-file-listing)."""
    uploads = [file.current_version.upload for file in page]
    backends = {pk: backend_for(provider) for pk, provider in storage_providers_of(uploads).items()}
    urls = [
        _download_url(backends[upload.storage_provider_id], upload, file.name, host=host)
        for file, upload in zip(page, uploads, strict=True)
    ]
    hashes = hashes_of(uploads)
    ancestors = ancestors_of(page)
    return [
        {
            "id": str(file.pk),
            "name": file.name,
            "size": upload.size,
            "file_url": url,
            "hashes": hashes[upload.pk],
            "ancestors": ancestors[file.pk],
        }
        for file, upload, url in zip(page, uploads, urls, strict=True)
    ]


def usage_of(user):
    """GET /current_user/usage: the user's live projects, their live files, and the bytes the user uploaded to them."""
    project_ids = list(Project.objects.filter(is_deleted=False, permissions__user=user).values_list("pk", flat=True))
    live_files = Container.objects.filter(project__in=project_ids, kind=Container.Kind.FILE, is_deleted=False)
    uploads = Upload.objects.filter(
        created_by=user, file_versions__file__in=live_files.values("pk"), file_versions__is_deleted=False
    ).distinct()
    return {
        "project_count": len(project_ids),
        "file_count": live_files.count(),
        "storage_bytes": Upload.objects.filter(pk__in=uploads.values("pk")).aggregate(total=Sum("size"))["total"] or 0,
    }


def names_refused():
    """(kind, id, project id, is deleted, name) of every project, folder and file whose name today's rule refuses
    (dds/names.py): rows made before the rule. Read a batch at a time, checked here: linear in the rows."""
    projects = Project.objects.values_list("id", "is_deleted", "name").order_by("id")
    containers = Container.objects.values_list("kind", "id", "project", "is_deleted", "name")
    for project_id, is_deleted, name in projects.iterator(chunk_size=2000):
        if not is_valid_name(name, path=False):
            yield "dds-project", project_id, project_id, is_deleted, name
    for kind, node_id, project_id, is_deleted, name in containers.order_by("project", "id").iterator(chunk_size=2000):
        if not is_valid_name(name, path=True):
            yield kind, node_id, project_id, is_deleted, name
