from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from dds import errors
from dds.hosts import api_host
from dds.lookups import get_or_404
from dds.openapi import NOT_CONSISTENT_404, documented
from dds.pagination import paged_response, results
from dds.validation import validated
from projects.permissions import require_project_permission
from projects.selectors import live_projects

from . import selectors, services
from .serializers import (
    ChunkRegisterSerializer,
    CompleteSerializer,
    FingerprintCreateSerializer,
    StorageProviderSerializer,
    TransferSerializer,
    UploadCreateSerializer,
    UploadSerializer,
)
from .storage.base import backend_for

_LIMIT_HEADERS = [
    OpenApiParameter(name, OpenApiTypes.INT, location=OpenApiParameter.HEADER, response=[201])
    for name in ("X-MIN-CHUNK-UPLOAD-SIZE", "X-MAX-CHUNK-UPLOAD-SIZE", "X-MAX-UPLOAD-SIZE")
]


def _storage_provider(data, project):
    """The provider named (else the default one), read with whether the project's storage on it is ready."""
    providers = selectors.storage_providers_for(project=project)
    reference = data.get("storage_provider")
    if reference is None:
        provider = providers.filter(is_default=True).first()
        if provider is None:
            raise errors.NotFound("StorageProvider", suggestion="an operator must mark a storage provider as default")
        return provider
    return get_or_404(providers, "StorageProvider", reference.get("id"))


def _storage_ready(provider):
    """404 resource_not_consistent until the project's storage on `provider` is initialized.

    A deprecated provider never gets storage for new projects: waiting for it would make clients retry forever, so
    it is left to the 400 `cannot be deprecated` of upload_create.
    """
    if not provider.is_deprecated and not provider.project_storage_ready:
        raise errors.ResourceNotConsistent()


def _upload(id):
    """The upload to act on: the lookup stays narrow (no chunks, no fingerprints), the response re-reads it."""
    return get_or_404(selectors.uploads_to_change(), "Upload", id)


class ProjectUploadListView(APIView):
    @documented(
        summary="A project's uploads, newest first",
        description=(
            f"A page embeds at most {selectors.LISTED_CHUNKS_PER_PAGE:,} chunks: `per_page` is lowered to "
            f"{selectors.LISTED_CHUNKS_PER_PAGE:,} divided by the chunk count of the project's upload with the most "
            "chunks (at least 1), and `X-Per-Page` tells the size used. Each upload lists all its chunks."
        ),
        ok={200: UploadSerializer(many=True)},
        errors=(400, 401, 403, 404),
        paged=True,
    )
    def get(self, request, id):
        project = get_or_404(live_projects(), "Project", id)
        require_project_permission(request.user, project, "view_project")
        context = {"host": api_host(request)}
        return paged_response(
            request,
            selectors.project_uploads(project=project),
            lambda page: UploadSerializer(page, many=True, context=context).data,
            max_per_page=selectors.project_uploads_per_page(project=project),
        )

    @documented(
        summary="Start an upload (404 resource_not_consistent while the project's storage is being initialized)",
        request=UploadCreateSerializer,
        ok={201: UploadSerializer},
        errors=(400, 401, 403, 404),
        parameters=_LIMIT_HEADERS,
        e404=NOT_CONSISTENT_404,
    )
    def post(self, request, id):
        data = validated(UploadCreateSerializer, request.data)
        project = get_or_404(live_projects(), "Project", id)
        provider = _storage_provider(data, project)
        _storage_ready(provider)
        require_project_permission(request.user, project, "create_file")
        upload = services.upload_create(
            actor=request.auth,
            project=project,
            storage_provider=provider,
            name=data["name"],
            content_type=data["content_type"],
            size=data["size"],
            chunked=data["chunked"],
        )
        headers = services.upload_limits(provider, size=upload.size, chunked=upload.is_chunked)
        data = UploadSerializer(upload, context={"host": api_host(request)}).data
        return Response(data, status=status.HTTP_201_CREATED, headers=headers)


class UploadView(APIView):
    @documented(summary="An upload and its status", ok={200: UploadSerializer}, errors=(401, 403, 404))
    def get(self, request, id):
        upload = get_or_404(selectors.uploads(), "Upload", id)
        require_project_permission(request.user, upload.project, "view_project")
        return Response(UploadSerializer(upload, context={"host": api_host(request)}).data)


class ChunkView(APIView):
    @documented(
        summary="Register a chunk and get its signed upload URL (registering a number again replaces that chunk)",
        request=ChunkRegisterSerializer,
        ok={200: TransferSerializer},
        errors=(400, 401, 403, 404),
        e404=NOT_CONSISTENT_404 + " A non-chunked upload answers `Upload Not Found`.",
    )
    def put(self, request, id):
        data = validated(ChunkRegisterSerializer, request.data)
        upload = _upload(id)
        if not upload.is_chunked:
            raise errors.NotFound("Upload", suggestion="a non-chunked upload takes its bytes at its signed_url")
        if not upload.ready_for_chunks:
            raise errors.ResourceNotConsistent()
        require_project_permission(request.user, upload.project, "create_file")
        chunk = services.chunk_register(
            upload=upload,
            number=data["number"],
            size=data["size"],
            hash_value=data["hash"]["value"],
            hash_algorithm=data["hash"]["algorithm"],
        )
        return Response(backend_for(upload.storage_provider).chunk_url(upload, chunk, host=api_host(request)))


class CompleteView(APIView):
    @documented(
        summary="Complete an upload (202: its bytes are verified in the background; poll status.is_consistent)",
        description=(
            "Idempotent for the same report: repeated on an upload already completed with the same hash (value "
            "and algorithm), or with none both times, it answers 202 with the upload and changes nothing, so a "
            "client retrying after a lost answer does not fail a good upload. A repeat with another hash (or none "
            "where one was given) answers 400 `completed_at` `Cannot change completed_at.`; an upload on a "
            "deprecated storage provider answers 400 `storage_provider` `cannot be deprecated`. The 202 waits up to "
            "COMPLETE_WAIT_SECONDS (2 s) for the verification: it shows the verdict (`status.is_consistent`) when "
            "one came in that time, else the upload as the completion committed it."
        ),
        request=CompleteSerializer,
        ok={202: UploadSerializer},
        errors=(400, 401, 403, 404),
    )
    def put(self, request, id):
        data = validated(CompleteSerializer, request.data)
        upload = _upload(id)
        require_project_permission(request.user, upload.project, "create_file")
        reported = data.get("hash") or {}
        upload = services.upload_complete(
            actor=request.auth,
            upload=upload,
            hash_value=reported.get("value"),
            hash_algorithm=reported.get("algorithm"),
        )
        upload = selectors.upload_once_verified(upload)
        data = UploadSerializer(upload, context={"host": api_host(request)}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


class HashesView(APIView):
    @documented(
        summary="Report one more whole-file hash of a completed upload",
        request=FingerprintCreateSerializer,
        ok={200: UploadSerializer},
        errors=(400, 401, 403, 404),
    )
    def put(self, request, id):
        data = validated(FingerprintCreateSerializer, request.data)
        upload = _upload(id)
        require_project_permission(request.user, upload.project, "update_file")
        upload = services.fingerprint_add(
            actor=request.auth, upload=upload, algorithm=data["algorithm"], value=data["value"]
        )
        return Response(UploadSerializer(upload, context={"host": api_host(request)}).data)


class StorageProviderListView(APIView):
    @documented(summary="Storage providers", ok={200: StorageProviderSerializer(many=True)})
    def get(self, request):
        return Response(results(StorageProviderSerializer(selectors.storage_providers(), many=True).data))


class StorageProviderView(APIView):
    @documented(summary="A storage provider", ok={200: StorageProviderSerializer}, errors=(401, 404))
    def get(self, request, id):
        provider = get_or_404(selectors.storage_providers(), "StorageProvider", id)
        return Response(StorageProviderSerializer(provider).data)
