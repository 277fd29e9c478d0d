from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from dds.lookups import get_or_404
from dds.openapi import documented
from dds.pagination import results
from dds.validation import validated
from projects import selectors as project_selectors
from projects.models import ProjectInvitation
from projects.views import project_for

from . import services
from .serializers import InvitationAcceptSerializer, InvitationCreateSerializer, InvitationSerializer


def _invitations():
    return ProjectInvitation.objects.select_related(
        "project", "auth_role", "accepted_by", *ProjectInvitation.AUDIT_RELATED
    )


def _invitation_response(invitation, status_code=status.HTTP_200_OK):
    return Response(InvitationSerializer(_invitations().get(pk=invitation.pk)).data, status=status_code)


class ProjectInvitationListView(APIView):
    @documented(
        summary="A project's invitations, newest first (its permission managers)",
        ok={200: InvitationSerializer(many=True)},
        errors=(401, 403, 404),
    )
    def get(self, request, id):
        project = project_for(request, id, "manage_project_permissions", live=True)
        invitations = _invitations().filter(project=project).order_by("-created_on", "id")
        return Response(results(InvitationSerializer(invitations, many=True).data))

    @documented(
        summary="Invite an email address into a project role; the address is emailed a single-use link",
        request=InvitationCreateSerializer,
        ok={201: InvitationSerializer},
        errors=(400, 401, 403, 404),
    )
    def post(self, request, id):
        data = validated(InvitationCreateSerializer, request.data)
        project = project_for(request, id, "manage_project_permissions", live=True)
        role = project_selectors.auth_role(data["auth_role"]["id"])
        invitation = services.project_invitation_create(
            actor=request.auth, project=project, email=data["email"], auth_role=role
        )
        return _invitation_response(invitation, status.HTTP_201_CREATED)


class ProjectInvitationView(APIView):
    @documented(
        summary="Revoke a pending invitation",
        ok={204: None},
        errors=(401, 403, 404, 409),
        e409="`invitation accepted` or `invitation revoked`",
    )
    def delete(self, request, id, invitation_id):
        project = project_for(request, id, "manage_project_permissions", live=True)
        invitation = get_or_404(ProjectInvitation.objects.filter(project=project), "ProjectInvitation", invitation_id)
        services.project_invitation_revoke(actor=request.auth, invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptView(APIView):
    @documented(
        summary="Accept an invitation: the caller gets its project role",
        request=InvitationAcceptSerializer,
        ok={200: InvitationSerializer},
        errors=(400, 401, 404, 409),
        e404="`ProjectInvitation Not Found`: no invitation has this token, or its project is deleted",
        e409="`invitation accepted`, `invitation revoked` or `invitation expired`",
    )
    def post(self, request):
        data = validated(InvitationAcceptSerializer, request.data)
        invitation = services.project_invitation_accept(actor=request.auth, token=data["token"])
        return _invitation_response(invitation)
