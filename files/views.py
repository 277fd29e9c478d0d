from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_view
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from dds import errors
from dds.hosts import api_host
from dds.lookups import get_or_404
from dds.openapi import NOT_CONSISTENT_404, documented
from dds.pagination import paged_response, results
from dds.validation import validated
from projects.models import Project
from projects.permissions import project_grants, require_creator_or_system_admin, require_project_permission
from uploads.serializers import TransferSerializer

from . import selectors, services
from .models import Deletion
from .serializers import (
    ChildSerializer,
    FileCreateSerializer,
    FileSerializer,
    FileSummarySerializer,
    FileUpdateSerializer,
    FileVersionSerializer,
    FolderCreateSerializer,
    FolderSerializer,
    LabelSerializer,
    MoveSerializer,
    RenameSerializer,
    UsageSerializer,
)

EXCLUDABLE = {"kind", "id", "parent", "name", "is_deleted", "audit", "project", "ancestors", "current_version"}
_INTEGRITY_400 = "Bad input, or an upload integrity failure: `reason` is the upload's error_message."


def nodes_data(nodes, *, exclude=()):
    context = {"ancestors": selectors.ancestors_of(nodes), "exclude": exclude}
    # One serializer of each kind for the whole page: DRF builds a serializer's fields once per instance.
    serializers = {False: FileSerializer(context=context), True: FolderSerializer(context=context)}
    return [serializers[node.is_folder].to_representation(node) for node in nodes]


def node_data(node):
    """A node as its serializer shows it, read again (after a service changed it)."""
    return loaded_node_data(selectors.containers().get(pk=node.pk))


def loaded_node_data(node):
    """A node read through `selectors.containers()`, or built by a service from rows in hand, as it is shown."""
    return nodes_data([node])[0]


def _node(request, queryset, model, id, permission, *, live=True):
    """404 (also once deleted or below a folder being deleted, unless `live=False`), then 403 without `permission`
    (docs/api/permissions.md#evaluation-order)."""
    node = get_or_404(selectors.live(queryset) if live else queryset, model, id)
    require_project_permission(request.user, node.project, permission)
    return node


def _version(request, id, permission, *, live=True):
    queryset = selectors.file_versions()
    if live:
        queryset = queryset.filter(is_deleted=False, file__is_deleted=False).exclude(
            Deletion.covering(path="file__path", project="file__project_id")
        )
    version = get_or_404(queryset, "FileVersion", id)
    require_project_permission(request.user, version.file.project, permission)
    return version


def _project(request, id, permission):
    """A live project for a listing that reads nothing of it but its id: the bare row, then 403 without `permission`."""
    project = get_or_404(Project.objects.filter(is_deleted=False), "Project", id)
    require_project_permission(request.user, project, permission)
    return project


def _parent(request, reference, permission):
    project, folder = selectors.parent_resolve(reference)
    require_project_permission(request.user, project, permission)
    return project, folder


class FolderListView(APIView):
    @documented(
        summary="Create a folder",
        request=FolderCreateSerializer,
        ok={201: FolderSerializer},
        errors=(400, 401, 403, 404),
    )
    def post(self, request):
        data = validated(FolderCreateSerializer, request.data)
        project, parent = _parent(request, data["parent"], "create_file")
        folder = services.folder_create(actor=request.auth, project=project, parent=parent, name=data["name"])
        return Response(node_data(folder), status=status.HTTP_201_CREATED)


class FolderView(APIView):
    @documented(summary="A folder", ok={200: FolderSerializer}, errors=(401, 403, 404))
    def get(self, request, id):
        return Response(loaded_node_data(_node(request, selectors.folders(), "Folder", id, "view_project")))

    @documented(summary="Delete a folder and everything in it", ok={204: None}, errors=(401, 403, 404))
    def delete(self, request, id):
        folder = _node(request, selectors.folders(), "Folder", id, "delete_file")
        services.folder_delete(actor=request.auth, folder=folder)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _MoveView(APIView):
    """PUT …/move for folders and files: both need `create_file`
    (docs/api/permissions.md#required-permission-per-endpoint)."""

    queryset, model = None, None

    def put(self, request, id):
        data = validated(MoveSerializer, request.data)
        node = _node(request, self.queryset(), self.model, id, "create_file")
        project, parent = _parent(request, data["parent"], "create_file")
        return Response(
            node_data(services.container_move(actor=request.auth, node=node, project=project, parent=parent))
        )


class _RenameView(APIView):
    queryset, model, rename_permission = None, None, None

    def put(self, request, id):
        data = validated(RenameSerializer, request.data)
        node = _node(request, self.queryset(), self.model, id, self.rename_permission)
        return Response(node_data(services.container_rename(actor=request.auth, node=node, name=data["name"])))


@extend_schema_view(
    put=documented(
        summary="Move a folder (never into its own subtree, never to another project)",
        request=MoveSerializer,
        ok={200: FolderSerializer},
        errors=(400, 401, 403, 404),
    )
)
class FolderMoveView(_MoveView):
    queryset, model = staticmethod(selectors.folders), "Folder"


@extend_schema_view(
    put=documented(
        summary="Rename a folder", request=RenameSerializer, ok={200: FolderSerializer}, errors=(400, 401, 403, 404)
    )
)
class FolderRenameView(_RenameView):
    queryset, model, rename_permission = staticmethod(selectors.folders), "Folder", "create_file"


def _children_parameters():
    return [
        OpenApiParameter(
            "name_contains",
            OpenApiTypes.STR,
            description="present (even empty): the whole subtree, names containing the text (case-insensitive)",
        ),
        OpenApiParameter(
            "exclude_response_fields",
            OpenApiTypes.STR,
            description=f"space-separated keys to leave out of each item: {', '.join(sorted(EXCLUDABLE))}",
        ),
    ]


def _children_response(request, *, project, folder=None):
    params = request.query_params
    children = selectors.children(project=project, folder=folder, name_contains=params.get("name_contains"))
    exclude = set(params.get("exclude_response_fields", "").split()) & EXCLUDABLE
    return paged_response(request, children, lambda page: nodes_data(page, exclude=exclude))


_CHILD = {200: ChildSerializer(many=True)}


class ProjectChildrenView(APIView):
    @documented(
        summary="Folders and files at the top of a project (or, with name_contains, anywhere in it)",
        parameters=_children_parameters(),
        ok=_CHILD,
        errors=(400, 401, 403, 404),
        paged=True,
    )
    def get(self, request, id):
        return _children_response(request, project=_project(request, id, "view_project"))


class FolderChildrenView(APIView):
    @documented(
        summary="Folders and files in a folder (or, with name_contains, anywhere below it)",
        parameters=_children_parameters(),
        ok=_CHILD,
        errors=(400, 401, 403, 404),
        paged=True,
    )
    def get(self, request, id):
        folder = _node(request, selectors.folders(), "Folder", id, "view_project")
        return _children_response(request, project=folder.project, folder=folder)


class ProjectFilesView(APIView):
    @documented(
        summary="Every file of a project with a fresh download URL; a page with an unverified or failed upload fails",
        ok={200: FileSummarySerializer(many=True)},
        errors=(400, 401, 403, 404),
        paged=True,
        e400=_INTEGRITY_400,
        e404=NOT_CONSISTENT_404,
    )
    def get(self, request, id):
        project = _project(request, id, "download_file")
        host = api_host(request)
        return paged_response(
            request, selectors.project_files(project=project), lambda page: selectors.file_summaries(page, host=host)
        )


class FileListView(APIView):
    @documented(
        summary="Create a file from a completed upload (the caller's own)",
        request=FileCreateSerializer,
        ok={201: FileSerializer},
        errors=(400, 401, 403, 404),
    )
    def post(self, request):
        data = validated(FileCreateSerializer, request.data)
        project, parent = selectors.parent_resolve(data["parent"])
        upload = get_or_404(selectors.version_uploads().filter(project=project), "Upload", data["upload"]["id"])
        permissions, is_system_admin = project_grants(request.user, project)
        if "create_file" not in permissions:
            raise errors.Forbidden()
        require_creator_or_system_admin(
            request.user,
            upload,
            system_admin=is_system_admin,
            suggestion="only the user who created the upload can make a file of it",
        )
        file = services.file_create(
            actor=request.auth, project=project, parent=parent, upload=upload, label=data.get("label")
        )
        return Response(loaded_node_data(file), status=status.HTTP_201_CREATED)


class FileView(APIView):
    @documented(summary="A file (also once deleted)", ok={200: FileSerializer}, errors=(401, 403, 404))
    def get(self, request, id):
        file = _node(request, selectors.files(), "DataFile", id, "view_project", live=False)
        return Response(loaded_node_data(file))

    @documented(
        summary="Add a version (a different upload) and/or change the current version's label",
        request=FileUpdateSerializer,
        ok={200: FileSerializer},
        errors=(400, 401, 403, 404),
    )
    def put(self, request, id):
        data = validated(FileUpdateSerializer, request.data)
        file = _node(request, selectors.files(), "DataFile", id, "update_file")
        changes = {"label": data["label"]} if "label" in data else {}
        if "upload" in data:
            changes["upload"] = get_or_404(
                selectors.version_uploads().filter(project=file.project), "Upload", data["upload"]["id"]
            )
        file = services.file_update(actor=request.auth, file=file, **changes)
        return Response(loaded_node_data(selectors.with_hashes(file)))

    @documented(summary="Delete a file and its versions", ok={204: None}, errors=(401, 403, 404))
    def delete(self, request, id):
        file = _node(request, selectors.files(), "DataFile", id, "delete_file")
        services.file_delete(actor=request.auth, file=file)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    put=documented(
        summary="Move a file within its project",
        request=MoveSerializer,
        ok={200: FileSerializer},
        errors=(400, 401, 403, 404),
    )
)
class FileMoveView(_MoveView):
    queryset, model = staticmethod(selectors.files), "DataFile"


@extend_schema_view(
    put=documented(
        summary="Rename a file", request=RenameSerializer, ok={200: FileSerializer}, errors=(400, 401, 403, 404)
    )
)
class FileRenameView(_RenameView):
    queryset, model, rename_permission = staticmethod(selectors.files), "DataFile", "update_file"


class FileUrlView(APIView):
    @documented(
        summary="A signed download URL for the file's current version",
        ok={200: TransferSerializer},
        errors=(400, 401, 403, 404),
        e400="Integrity failure: `reason` is the upload's error_message.",
        e404=NOT_CONSISTENT_404,
    )
    def get(self, request, id):
        file = _node(request, selectors.files(), "DataFile", id, "download_file")
        upload = file.current_version.upload
        return Response(selectors.download_url(upload=upload, filename=file.name, host=api_host(request)))


class FileVersionListView(APIView):
    @documented(
        summary="Every version of a file, deleted ones too, oldest first",
        ok={200: FileVersionSerializer(many=True)},
        errors=(401, 403, 404),
    )
    def get(self, request, id):
        file = _node(request, selectors.files(), "DataFile", id, "view_project", live=False)
        versions = selectors.file_versions().filter(file=file).order_by("version")
        return Response(results(FileVersionSerializer(versions, many=True).data))


class FileVersionView(APIView):
    @documented(summary="A file version (also once deleted)", ok={200: FileVersionSerializer}, errors=(401, 403, 404))
    def get(self, request, id):
        return Response(FileVersionSerializer(_version(request, id, "view_project", live=False)).data)

    @documented(
        summary="Change a version's label",
        request=LabelSerializer,
        ok={200: FileVersionSerializer},
        errors=(400, 401, 403, 404),
    )
    def put(self, request, id):
        data = validated(LabelSerializer, request.data)
        version = _version(request, id, "update_file")
        services.file_version_update(actor=request.auth, version=version, label=data["label"])
        return Response(FileVersionSerializer(_version(request, id, "view_project")).data)

    @documented(summary="Delete a version (not the current one)", ok={204: None}, errors=(400, 401, 403, 404))
    def delete(self, request, id):
        services.file_version_delete(actor=request.auth, version=_version(request, id, "delete_file"))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FileVersionUrlView(APIView):
    @documented(
        summary="A signed download URL for a version, named after its file",
        ok={200: TransferSerializer},
        errors=(400, 401, 403, 404),
        e400="Integrity failure: `reason` is the upload's error_message.",
        e404=NOT_CONSISTENT_404,
    )
    def get(self, request, id):
        version = _version(request, id, "download_file")
        return Response(
            selectors.download_url(upload=version.upload, filename=version.file.name, host=api_host(request))
        )


class FileVersionCurrentView(APIView):
    @documented(
        summary="Make a version current again (as a new version with its upload and label)",
        request=None,
        ok={201: FileVersionSerializer},
        errors=(400, 401, 403, 404),
    )
    def post(self, request, id):
        version = services.file_version_promote(actor=request.auth, version=_version(request, id, "update_file"))
        promoted = selectors.file_versions().get(pk=version.pk)
        return Response(FileVersionSerializer(promoted).data, status=status.HTTP_201_CREATED)


class UsageView(APIView):
    @documented(summary="The caller's projects, files and stored bytes", ok={200: UsageSerializer})
    def get(self, request):
        return Response(selectors.usage_of(request.user))
