from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_view
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from dds import errors
from dds.lookups import get_or_404
from dds.openapi import documented
from dds.pagination import MAX_PER_PAGE, paged_response
from dds.validation import validated
from files.models import FileVersion
from files.selectors import file_versions
from projects.permissions import is_system_admin, require_creator_or_system_admin, require_project_permission

from . import graph, selectors, services
from .permissions import Viewer, relation_removable_by
from .serializers import (
    ActivityCreateSerializer,
    ActivityRelationCreateSerializer,
    ActivitySerializer,
    ActivityUpdateSerializer,
    DerivationCreateSerializer,
    Nodes,
    OriginSearchSerializer,
    ProvenanceGraphSerializer,
    ProvenanceSearchSerializer,
    RelationSerializer,
    graph_data,
)

_KIND_404 = "`Activity Not Found`, `FileVersion Not Found`, or `object_kind <kind> Not Supported`."
_CREATE_400 = "`validation failed`: a missing key, or a rule of the relation (`errors` names it)."


def _nodes(viewer, found):
    visible = viewer.visible(activities=found.activities, versions=found.versions)
    return Nodes(activities=found.activities, versions=found.versions, visible=visible)


def _relations_data(viewer, relations):
    """The relations the caller may see, each with both its ends."""
    found = graph.of_relations(relations)
    nodes = _nodes(viewer, found)
    return [nodes.relation(relation) for relation in relations if viewer.sees_relation(relation, found.versions)]


def _require_sees(viewer, node):
    sees = viewer.sees_version(node) if isinstance(node, FileVersion) else viewer.sees_activity(node)
    if not sees:
        raise errors.Forbidden()


def _activity(id, *, live):
    queryset = selectors.activities()
    return get_or_404(queryset.filter(is_deleted=False) if live else queryset, "Activity", id)


def _activity_response(activity, status_code=status.HTTP_200_OK):
    return Response(ActivitySerializer(_activity(activity.pk, live=False)).data, status=status_code)


class ActivityListView(APIView):
    @documented(
        summary="Live activities the caller created or may see through a relation, newest first",
        ok={200: ActivitySerializer(many=True)},
        errors=(400, 401),
        paged=True,
    )
    def get(self, request):
        activities = selectors.activity_list(viewer=Viewer(request.user))
        return paged_response(request, activities, lambda page: ActivitySerializer(page, many=True).data)

    @documented(
        summary="Record an activity (started now unless started_on says)",
        request=ActivityCreateSerializer,
        ok={201: ActivitySerializer},
        errors=(400, 401),
    )
    def post(self, request):
        data = validated(ActivityCreateSerializer, request.data)
        activity = services.activity_create(actor=request.auth, **data)
        return _activity_response(activity, status.HTTP_201_CREATED)


class ActivityView(APIView):
    @documented(summary="An activity (also once deleted)", ok={200: ActivitySerializer}, errors=(401, 403, 404))
    def get(self, request, id):
        activity = _activity(id, live=False)
        _require_sees(Viewer(request.user), activity)
        return Response(ActivitySerializer(activity).data)

    @documented(
        summary="Change an activity (its creator only); a key sent as null clears it",
        request=ActivityUpdateSerializer,
        ok={200: ActivitySerializer},
        errors=(400, 401, 403, 404),
    )
    def put(self, request, id):
        data = validated(ActivityUpdateSerializer, request.data)
        activity = _activity(id, live=True)
        require_creator_or_system_admin(request.user, activity)
        return _activity_response(services.activity_update(actor=request.auth, activity=activity, **data))

    @documented(summary="Delete an activity (logical; its creator only)", ok={204: None}, errors=(401, 403, 404))
    def delete(self, request, id):
        activity = _activity(id, live=True)
        require_creator_or_system_admin(request.user, activity)
        services.activity_delete(actor=request.auth, activity=activity)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _created(request, relation):
    return Response(_relations_data(Viewer(request.user), [relation])[0], status=status.HTTP_201_CREATED)


class _ActivityRelationView(APIView):
    """POST /relations/used, was_generated_by, was_invalidated_by: the caller created the activity (a system admin
    need not have) and holds `permission` on the file version's project."""

    permission = "view_project"
    create = None

    def post(self, request):
        data = validated(ActivityRelationCreateSerializer, request.data)
        activity = _activity(data["activity"]["id"], live=True)
        entity = get_or_404(file_versions(), "FileVersion", data["entity"]["id"])
        if activity.created_by_id != request.user.pk and not is_system_admin(request.user):
            raise errors.Forbidden()
        require_project_permission(request.user, entity.file.project, self.permission)
        return _created(request, self.create(actor=request.auth, activity=activity, entity=entity))


def _relation_schema(summary):
    return documented(
        summary=summary,
        request=ActivityRelationCreateSerializer,
        ok={201: RelationSerializer},
        errors=(400, 401, 403, 404),
        e400=_CREATE_400,
    )


@extend_schema_view(post=_relation_schema("Record that an activity used a file version"))
class UsedRelationView(_ActivityRelationView):
    create = staticmethod(services.used_relation_create)


@extend_schema_view(post=_relation_schema("Record that an activity generated a file version (once per pair)"))
class WasGeneratedByRelationView(_ActivityRelationView):
    create = staticmethod(services.was_generated_by_relation_create)


@extend_schema_view(post=_relation_schema("Record that an activity invalidated a deleted file version"))
class WasInvalidatedByRelationView(_ActivityRelationView):
    permission = "delete_file"
    create = staticmethod(services.was_invalidated_by_relation_create)


class WasDerivedFromRelationView(APIView):
    @documented(
        summary="Record that a file version was derived from another (view_project on both)",
        request=DerivationCreateSerializer,
        ok={201: RelationSerializer},
        errors=(400, 401, 403, 404),
        e400=_CREATE_400,
    )
    def post(self, request):
        data = validated(DerivationCreateSerializer, request.data)
        used = get_or_404(file_versions(), "FileVersion", data["used_entity"]["id"])
        generated = get_or_404(file_versions(), "FileVersion", data["generated_entity"]["id"])
        for version in (generated, used):
            require_project_permission(request.user, version.file.project, "view_project")
        relation = services.was_derived_from_relation_create(
            actor=request.auth, generated_entity=generated, used_entity=used
        )
        return _created(request, relation)


class NodeRelationListView(APIView):
    @documented(
        summary="The live relations of an activity or a file version (one hop) the caller may see, newest first "
        "(pages of 1,000 unless per_page says)",
        ok={200: RelationSerializer(many=True)},
        errors=(400, 401, 403, 404),
        e404=_KIND_404,
        paged=True,
    )
    def get(self, request, object_kind, object_id):
        node = selectors.node_get(object_kind, object_id)
        viewer = Viewer(request.user)
        _require_sees(viewer, node)
        relations = selectors.relations_of(node, viewer=viewer)
        return paged_response(
            request, relations, lambda page: _relations_data(viewer, page), default_per_page=MAX_PER_PAGE
        )


class RelationView(APIView):
    @documented(
        summary="A relation (also once deleted), if the caller may see its file version (either, for a derivation)",
        ok={200: RelationSerializer},
        errors=(401, 403, 404),
    )
    def get(self, request, id):
        relation = get_or_404(selectors.relations(), "ProvRelation", id)
        data = _relations_data(Viewer(request.user), [relation])
        if not data:
            raise errors.Forbidden()
        return Response(data[0])

    @documented(
        summary="Delete a relation (logical; its creator, or a project admin of its file version's project)",
        ok={204: None},
        errors=(401, 403, 404),
    )
    def delete(self, request, id):
        relation = get_or_404(selectors.relations().filter(is_deleted=False), "ProvRelation", id)
        if not relation_removable_by(request.user, relation):
            raise errors.Forbidden()
        services.relation_delete(actor=request.auth, relation=relation)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _graph_response(viewer, found):
    nodes = _nodes(viewer, found)
    body = graph_data(found, nodes, viewer=viewer)
    return Response(body, status=status.HTTP_201_CREATED)


class ProvenanceSearchView(APIView):
    @documented(
        summary="The provenance graph around an activity or a file version, up to max_hops away",
        request=ProvenanceSearchSerializer,
        ok={201: ProvenanceGraphSerializer},
        errors=(400, 401, 403, 404),
        e404=_KIND_404,
        parameters=[
            OpenApiParameter("max_hops", OpenApiTypes.INT, description="as `max_hops` in the body, which wins if sent")
        ],
    )
    def post(self, request):
        body = request.data
        if isinstance(body, dict) and "max_hops" not in body and "max_hops" in request.query_params:
            body = {**body, "max_hops": request.query_params["max_hops"]}  # as the original portal sends it
        data = validated(ProvenanceSearchSerializer, body)
        start = selectors.node_get(data["start_node"]["kind"], data["start_node"]["id"])
        viewer = Viewer(request.user)
        _require_sees(viewer, start)
        return _graph_response(viewer, graph.search(start=start, max_hops=data.get("max_hops")))


class ProvenanceOriginView(APIView):
    @documented(
        summary="Where file versions came from: their derivations, generating activities and those activities' inputs",
        request=OriginSearchSerializer,
        ok={201: ProvenanceGraphSerializer},
        errors=(400, 401),
    )
    def post(self, request):
        data = validated(OriginSearchSerializer, request.data)
        found = graph.origin(file_version_ids=[item["id"] for item in data["file_versions"]])
        return _graph_response(Viewer(request.user), found)
