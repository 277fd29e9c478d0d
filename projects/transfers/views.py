from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from dds import errors
from dds.lookups import get_or_404
from dds.openapi import documented
from dds.pagination import results
from dds.validation import validated
from projects.models import ProjectTransfer
from projects.selectors import projects
from projects.views import project_for

from . import selectors, services
from .permissions import require_transfer_manager, require_transfer_recipient, require_transfer_viewer
from .serializers import ProjectTransferCreateSerializer, ProjectTransferSerializer, StatusCommentSerializer

STATUSES = [choice.value for choice in ProjectTransfer.Status]


def _transfer_response(transfer, status_code=status.HTTP_200_OK):
    transfer = selectors.project_transfers().get(pk=transfer.pk)
    return Response(ProjectTransferSerializer(transfer).data, status=status_code)


def _transfers_response(transfers):
    return Response(results(ProjectTransferSerializer(transfers, many=True).data))


class ProjectTransferListView(APIView):
    @documented(
        summary="A project's transfers the caller may see (sent, received, or of a project they manage)",
        ok={200: ProjectTransferSerializer(many=True)},
        errors=(401, 404),
    )
    def get(self, request, id):
        project = get_or_404(projects(), "Project", id)
        return _transfers_response(selectors.project_transfer_list(user=request.user, project=project))

    @documented(
        summary="Offer a project to other users (at most one pending transfer per project)",
        request=ProjectTransferCreateSerializer,
        ok={201: ProjectTransferSerializer},
        errors=(400, 401, 403, 404),
    )
    def post(self, request, id):
        data = validated(ProjectTransferCreateSerializer, request.data)
        project = project_for(request, id, "manage_project_permissions", live=True)
        to_user_ids = [reference["id"] for reference in data["to_users"]]
        transfer = services.project_transfer_create(actor=request.auth, project=project, to_user_ids=to_user_ids)
        return _transfer_response(transfer, status.HTTP_201_CREATED)


class AllProjectTransfersView(APIView):
    @documented(
        summary="Every transfer the caller may see, optionally of one status",
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=STATUSES)],
        ok={200: ProjectTransferSerializer(many=True)},
        errors=(401, 404),
        e404="`Unknown Status`",
    )
    def get(self, request):
        wanted = request.query_params.get("status")
        if wanted is not None and wanted not in STATUSES:
            raise errors.UnknownStatus()
        return _transfers_response(selectors.project_transfer_list(user=request.user, status=wanted))


class ProjectTransferView(APIView):
    @documented(summary="A project transfer", ok={200: ProjectTransferSerializer}, errors=(401, 403, 404))
    def get(self, request, id):
        transfer = get_or_404(selectors.project_transfers(), "ProjectTransfer", id)
        require_transfer_viewer(request.user, transfer)
        return Response(ProjectTransferSerializer(transfer).data)


class _StatusChangeView(APIView):
    """Validate the optional comment, find the transfer (404), check `require` (403), then `change` its status."""

    require = change = None

    @documented(
        summary="Change a pending transfer's status",
        request=StatusCommentSerializer,
        ok={200: ProjectTransferSerializer},
        errors=(400, 401, 403, 404),
    )
    def put(self, request, id):
        data = validated(StatusCommentSerializer, request.data)
        transfer = get_or_404(selectors.project_transfers(), "ProjectTransfer", id)
        self.require(request.user, transfer)
        transfer = self.change(actor=request.auth, transfer=transfer, status_comment=data.get("status_comment"))
        return _transfer_response(transfer)


@extend_schema_view(put=extend_schema(summary="Accept: the recipients become project_admin, the sender project_viewer"))
class ProjectTransferAcceptView(_StatusChangeView):
    require, change = staticmethod(require_transfer_recipient), staticmethod(services.project_transfer_accept)


@extend_schema_view(put=extend_schema(summary="Reject a pending transfer"))
class ProjectTransferRejectView(_StatusChangeView):
    require, change = staticmethod(require_transfer_recipient), staticmethod(services.project_transfer_reject)


@extend_schema_view(put=extend_schema(summary="Cancel a pending transfer"))
class ProjectTransferCancelView(_StatusChangeView):
    require, change = staticmethod(require_transfer_manager), staticmethod(services.project_transfer_cancel)
