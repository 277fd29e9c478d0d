from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from dds import errors
from dds.accounts.selectors import users
from dds.lookups import get_or_404
from dds.openapi import documented
from dds.pagination import MAX_PER_PAGE, paged_response, results
from dds.validation import validated

from . import selectors, services
from .permissions import require_project_permission, require_system_admin
from .serializers import (
    AuthRoleSerializer,
    PermissionGrantSerializer,
    ProjectCreateSerializer,
    ProjectPermissionSerializer,
    ProjectSerializer,
    ProjectUpdateSerializer,
    SystemPermissionSerializer,
)


def project_for(request, id, permission, *, live=False):
    """The project `id` if `request.user` holds `permission` on it: 404 first, then 403
    (docs/api/permissions.md#evaluation-order)."""
    queryset = selectors.projects()
    if live:
        queryset = queryset.filter(is_deleted=False)
    project = get_or_404(queryset, "Project", id)
    require_project_permission(request.user, project, permission)
    return project


def _project_response(project, status_code=status.HTTP_200_OK):
    project = selectors.projects().get(pk=project.pk)
    return Response(ProjectSerializer(project).data, status=status_code)


class ProjectListView(APIView):
    @documented(
        summary="Projects the caller may view, newest first",
        parameters=[OpenApiParameter("slug", OpenApiTypes.STR, description="exact slug")],
        ok={200: ProjectSerializer(many=True)},
        errors=(400, 401),
        paged=True,
    )
    def get(self, request):
        projects = selectors.project_list(user=request.user, slug=request.query_params.get("slug", ""))
        return paged_response(request, projects, lambda page: ProjectSerializer(page, many=True).data)

    @documented(
        summary="Create a project (202: its storage is initialized in the background)",
        request=ProjectCreateSerializer,
        ok={202: ProjectSerializer},
        errors=(400, 401),
    )
    def post(self, request):
        data = validated(ProjectCreateSerializer, request.data)
        project = services.project_create(actor=request.auth, **{k: v or "" for k, v in data.items()})
        return _project_response(project, status.HTTP_202_ACCEPTED)


class ProjectView(APIView):
    @documented(summary="A project (also once deleted)", ok={200: ProjectSerializer}, errors=(401, 403, 404))
    def get(self, request, id):
        return Response(ProjectSerializer(project_for(request, id, "view_project")).data)

    @documented(
        summary="Update a project's name, description or slug",
        request=ProjectUpdateSerializer,
        ok={200: ProjectSerializer},
        errors=(400, 401, 403, 404),
    )
    def put(self, request, id):
        project = project_for(request, id, "update_project", live=True)
        data = validated(ProjectUpdateSerializer, request.data)
        return _project_response(services.project_update(actor=request.auth, project=project, **data))

    @documented(summary="Delete a project (logical)", ok={204: None}, errors=(401, 403, 404))
    def delete(self, request, id):
        project = project_for(request, id, "delete_project", live=True)
        services.project_delete(actor=request.auth, project=project)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuthRoleListView(APIView):
    @documented(
        summary="Auth roles",
        parameters=[OpenApiParameter("context", OpenApiTypes.STR, enum=["project", "system"])],
        ok={200: AuthRoleSerializer(many=True)},
        errors=(401, 404),
        e404="`Unknown Context`",
    )
    def get(self, request):
        context = request.query_params.get("context")
        if context is not None and context not in ("project", "system"):
            raise errors.UnknownContext()
        return Response(results(AuthRoleSerializer(selectors.auth_roles(context=context), many=True).data))


class AuthRoleView(APIView):
    @documented(summary="An auth role", ok={200: AuthRoleSerializer}, errors=(401, 404))
    def get(self, request, id):
        return Response(AuthRoleSerializer(selectors.auth_role(id)).data)


class ProjectPermissionListView(APIView):
    @documented(
        summary="The permissions on a project, newest first (pages of 1,000 unless per_page says)",
        ok={200: ProjectPermissionSerializer(many=True)},
        errors=(400, 401, 403, 404),
        paged=True,
    )
    def get(self, request, id):
        project = project_for(request, id, "view_project", live=True)
        permissions = selectors.project_permissions(project=project)
        return paged_response(
            request,
            permissions,
            lambda page: ProjectPermissionSerializer(page, many=True).data,
            default_per_page=MAX_PER_PAGE,
        )


class ProjectPermissionView(APIView):
    def _target(self, request, id, user_id, permission):
        project = get_or_404(selectors.live_projects(), "Project", id)
        user = get_or_404(users(), "User", user_id)
        require_project_permission(request.user, project, permission)
        return project, user

    @documented(
        summary="A user's permission on a project", ok={200: ProjectPermissionSerializer}, errors=(401, 403, 404)
    )
    def get(self, request, id, user_id):
        project, user = self._target(request, id, user_id, "view_project")
        permission = selectors.project_permissions(project=project).filter(user=user).first()
        if permission is None:
            raise errors.NotFound("ProjectPermission")
        return Response(ProjectPermissionSerializer(permission).data)

    @documented(
        summary="Give a user a role on a project (replacing any other)",
        request=PermissionGrantSerializer,
        ok={200: ProjectPermissionSerializer},
        errors=(400, 401, 403, 404),
    )
    def put(self, request, id, user_id):
        # A missing auth_role is refused before any lookup, as the original's parameter validation does.
        data = validated(PermissionGrantSerializer, request.data)
        project, user = self._target(request, id, user_id, "manage_project_permissions")
        role = selectors.auth_role(data["auth_role"]["id"])
        permission = services.project_permission_set(actor=request.auth, project=project, user=user, auth_role=role)
        return Response(ProjectPermissionSerializer(permission).data)

    @documented(summary="Take a user's role on a project away", ok={204: None}, errors=(401, 403, 404))
    def delete(self, request, id, user_id):
        project, user = self._target(request, id, user_id, "manage_project_permissions")
        services.project_permission_delete(actor=request.auth, project=project, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SystemPermissionListView(APIView):
    @documented(
        summary="Every system permission (system admins only)",
        ok={200: SystemPermissionSerializer(many=True)},
        errors=(401, 403),
    )
    def get(self, request):
        require_system_admin(request.user)
        return Response(results(SystemPermissionSerializer(selectors.system_permissions(), many=True).data))


class SystemPermissionView(APIView):
    def _user(self, request, user_id):
        require_system_admin(request.user)
        return get_or_404(users(), "User", user_id)

    @documented(summary="A user's system permission", ok={200: SystemPermissionSerializer}, errors=(401, 403, 404))
    def get(self, request, user_id):
        permission = selectors.system_permissions().filter(user=self._user(request, user_id)).first()
        if permission is None:
            raise errors.NotFound("SystemPermission")
        return Response(SystemPermissionSerializer(permission).data)

    @documented(
        summary="Give a user a system role",
        request=PermissionGrantSerializer,
        ok={200: SystemPermissionSerializer},
        errors=(400, 401, 403, 404),
    )
    def put(self, request, user_id):
        data = validated(PermissionGrantSerializer, request.data)
        user = self._user(request, user_id)
        role = selectors.auth_role(data["auth_role"]["id"])
        permission = services.system_permission_set(actor=request.auth, user=user, auth_role=role)
        return Response(SystemPermissionSerializer(permission).data)

    @documented(summary="Take a user's system role away", ok={204: None}, errors=(401, 403, 404))
    def delete(self, request, user_id):
        services.system_permission_delete(actor=request.auth, user=self._user(request, user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
