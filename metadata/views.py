from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from dds import errors
from dds.openapi import documented
from dds.pagination import results
from dds.validation import validated
from projects.permissions import require_creator_or_system_admin

from . import selectors, services
from .serializers import (
    MetadataWriteSerializer,
    ObjectMetadataSerializer,
    PropertyCreateSerializer,
    PropertySerializer,
    PropertyUpdateSerializer,
    TagAppendSerializer,
    TagCreateSerializer,
    TagLabelSerializer,
    TagSerializer,
    TemplateCreateSerializer,
    TemplateSerializer,
    TemplateUpdateSerializer,
)

_OBJECT_404 = (
    "`DataFile Not Found`, `Activity Not Found`, or `object_kind <kind> Not Supported` (dds-file, dds-activity)."
)
_META_404 = f"{_OBJECT_404[:-1]}, `Template Not Found`, or `MetaTemplate Not Found` (not filled in on the object)."


def _viewable(request, object_kind, object_id):
    obj = selectors.object_get(object_kind, object_id)
    selectors.require_view(request.user, obj)
    return obj


def _updatable(request, object_kind, object_id):
    obj = selectors.object_get(object_kind, object_id)
    selectors.require_update(request.user, obj)
    return obj


def _query(name, description):
    return OpenApiParameter(name, OpenApiTypes.STR, description=description)


class ObjectTagsView(APIView):
    @documented(
        summary="The tags of a file or an activity (view permission on it)",
        ok={200: TagSerializer(many=True)},
        errors=(401, 403, 404),
        e404=_OBJECT_404,
    )
    def get(self, request, object_kind, object_id):
        obj = _viewable(request, object_kind, object_id)
        return Response(results(TagSerializer(selectors.tags_of(obj), many=True).data))

    @documented(
        summary="Tag a file or an activity (update_file on the file's project; an activity's creator)",
        request=TagCreateSerializer,
        ok={201: TagSerializer},
        errors=(400, 401, 403, 404),
        e400="`validation failed`: `label` blank, or already on the object (`has already been taken`, any case).",
        e404=_OBJECT_404,
    )
    def post(self, request, object_kind, object_id):
        data = validated(TagCreateSerializer, request.data)
        obj = _updatable(request, object_kind, object_id)
        tag = services.tag_create(actor=request.auth, obj=obj, label=data["label"])
        return Response(TagSerializer(tag).data, status=status.HTTP_201_CREATED)


class ObjectTagsAppendView(APIView):
    @documented(
        summary="Add several tags at once; blank labels and labels the object carries already are passed over",
        request=TagAppendSerializer,
        ok={201: TagSerializer(many=True)},
        errors=(400, 401, 403, 404),
        e404=_OBJECT_404,
    )
    def post(self, request, object_kind, object_id):
        data = validated(TagAppendSerializer, request.data)
        obj = _updatable(request, object_kind, object_id)
        added = services.tags_append(actor=request.auth, obj=obj, labels=[tag["label"] for tag in data["tags"]])
        return Response(results(TagSerializer(added, many=True).data), status=status.HTTP_201_CREATED)


class TagLabelsView(APIView):
    @documented(
        summary="The distinct labels of the tags the caller may see, with their counts (for autocomplete)",
        ok={200: TagLabelSerializer(many=True)},
        errors=(401, 404),
        e404="`object_kind <kind> Not Supported`.",
        parameters=[
            _query("object_kind", "only tags of this kind of object: dds-file or dds-activity"),
            _query("label_contains", "only labels holding this text (any case)"),
        ],
    )
    def get(self, request):
        object_kind = request.query_params.get("object_kind") or None
        if object_kind is not None and object_kind not in selectors.KINDS:
            raise errors.UnsupportedKind(object_kind)
        labels = selectors.tag_labels(
            user=request.user, object_kind=object_kind, label_contains=request.query_params.get("label_contains")
        )
        return Response(results(TagLabelSerializer(labels, many=True).data))


class TagView(APIView):
    @documented(summary="A tag (view permission on its object)", ok={200: TagSerializer}, errors=(401, 403, 404))
    def get(self, request, id):
        tag, obj = selectors.tag_get(id)
        selectors.require_view(request.user, obj)
        return Response(TagSerializer(tag).data)

    @documented(summary="Remove a tag (update permission on its object)", ok={204: None}, errors=(401, 403, 404))
    def delete(self, request, id):
        tag, obj = selectors.tag_get(id)
        selectors.require_update(request.user, obj)
        services.tag_delete(actor=request.auth, tag=tag)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TemplateListView(APIView):
    @documented(
        summary="Every metadata template, by name",
        ok={200: TemplateSerializer(many=True)},
        parameters=[_query("name_contains", "only templates whose name holds this text (any case)")],
    )
    def get(self, request):
        found = selectors.templates(name_contains=request.query_params.get("name_contains"))
        return Response(results(TemplateSerializer(found, many=True).data))

    @documented(
        summary="Create a metadata template (any user; its creator changes it)",
        request=TemplateCreateSerializer,
        ok={201: TemplateSerializer},
        errors=(400, 401),
        e400=(
            "`validation failed`: `name` blank, not letters, digits and `_`, over 60, or taken (any case); "
            "`label` blank."
        ),
    )
    def post(self, request):
        data = validated(TemplateCreateSerializer, request.data)
        template = services.template_create(actor=request.auth, **data)
        return Response(TemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class TemplateView(APIView):
    @documented(summary="A metadata template", ok={200: TemplateSerializer}, errors=(401, 404))
    def get(self, request, id):
        return Response(TemplateSerializer(selectors.template_get(id)).data)

    @documented(
        summary="Change a template (its creator or a system admin); one in use keeps its name",
        request=TemplateUpdateSerializer,
        ok={200: TemplateSerializer},
        errors=(400, 401, 403, 404),
        e400="`validation failed`: as on create, or `Cannot change name.` for a template filled in on an object.",
    )
    def put(self, request, id):
        data = validated(TemplateUpdateSerializer, request.data)
        template = selectors.template_get(id)
        require_creator_or_system_admin(request.user, template)
        return Response(
            TemplateSerializer(services.template_update(actor=request.auth, template=template, **data)).data
        )

    @documented(
        summary="Delete a template and its properties (its creator or a system admin), unless in use",
        ok={204: None},
        errors=(400, 401, 403, 404),
        e400=f"`{services.TEMPLATE_IN_USE}`",
    )
    def delete(self, request, id):
        template = selectors.template_get(id)
        require_creator_or_system_admin(request.user, template)
        services.template_delete(actor=request.auth, template=template)
        return Response(status=status.HTTP_204_NO_CONTENT)


_PROPERTY_400 = (
    "`validation failed`: `key` blank, not letters, digits and `_`, over 60, or taken in the template (any case); "
    "`label` or `description` blank; `data_type` not one of the types"
)


class TemplatePropertiesView(APIView):
    @documented(
        summary="The properties of a template",
        ok={200: PropertySerializer(many=True)},
        errors=(401, 404),
        parameters=[_query("key", "only the property with this key")],
    )
    def get(self, request, template_id):
        template = selectors.template_get(template_id)
        found = selectors.properties().filter(template=template)
        if request.query_params.get("key"):
            found = found.filter(key=request.query_params["key"])
        return Response(results(PropertySerializer(found, many=True).data))

    @documented(
        summary="Add a typed property to a template (the template's creator or a system admin)",
        request=PropertyCreateSerializer,
        ok={201: PropertySerializer},
        errors=(400, 401, 403, 404),
        e400=f"{_PROPERTY_400}.",
    )
    def post(self, request, template_id):
        data = validated(PropertyCreateSerializer, request.data)
        template = selectors.template_get(template_id)
        require_creator_or_system_admin(request.user, template)
        prop = services.property_create(
            actor=request.auth,
            template=template,
            key=data["key"],
            label=data["label"],
            description=data["description"],
            data_type=data["type"],
        )
        return Response(PropertySerializer(prop).data, status=status.HTTP_201_CREATED)


class PropertyView(APIView):
    @documented(summary="A template property", ok={200: PropertySerializer}, errors=(401, 404))
    def get(self, request, id):
        return Response(PropertySerializer(selectors.property_get(id)).data)

    @documented(
        summary="Change a property (the template's creator or a system admin); one holding values keeps key and type",
        request=PropertyUpdateSerializer,
        ok={200: PropertySerializer},
        errors=(400, 401, 403, 404),
        e400=f"{_PROPERTY_400}; `Cannot change key.` or `Cannot change data_type.` for a property holding values.",
    )
    def put(self, request, id):
        data = validated(PropertyUpdateSerializer, request.data)
        prop = selectors.property_get(id)
        require_creator_or_system_admin(request.user, prop.template)
        if "type" in data:
            data["data_type"] = data.pop("type")
        return Response(PropertySerializer(services.property_update(actor=request.auth, prop=prop, **data)).data)

    @documented(
        summary="Delete a property (the template's creator or a system admin), unless it holds values",
        ok={204: None},
        errors=(400, 401, 403, 404),
        e400=f"`{services.PROPERTY_IN_USE}`",
    )
    def delete(self, request, id):
        prop = selectors.property_get(id)
        require_creator_or_system_admin(request.user, prop.template)
        services.property_delete(actor=request.auth, prop=prop)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _pairs(data):
    return [(item["key"], item["value"]) for item in data["properties"]]


def _metadata_response(metadata, status_code=status.HTTP_200_OK):
    found = selectors.metadata_of(metadata.file or metadata.activity).get(pk=metadata.pk)
    return Response(ObjectMetadataSerializer(found).data, status=status_code)


class ObjectMetadataListView(APIView):
    @documented(
        summary="Every template filled in on a file or an activity (view permission on it)",
        ok={200: ObjectMetadataSerializer(many=True)},
        errors=(401, 403, 404),
        e404=_OBJECT_404,
        parameters=[_query("meta_template_name", "only the template of exactly this name")],
    )
    def get(self, request, object_kind, object_id):
        obj = _viewable(request, object_kind, object_id)
        found = selectors.metadata_of(obj, template_name=request.query_params.get("meta_template_name"))
        return Response(results(ObjectMetadataSerializer(found, many=True).data))


_VALUES_400 = (
    "`validation failed`: `errors` names each bad key: `key is not in the template`, `can't be blank`, "
    "`is not an integer`, `is out of range (…)`, `is not a number`, `is not a valid date (format: "
    "yyyy-MM-dd[THH:mm[:ss]])`, `is not a boolean (true or false)`, `is not base64`."
)


class ObjectMetadataView(APIView):
    def _found(self, request, object_kind, object_id, template_id, *, update):
        obj = (_updatable if update else _viewable)(request, object_kind, object_id)
        template = selectors.template_get(template_id)
        return obj, template

    @documented(
        summary="A template as filled in on a file or an activity (view permission on it)",
        ok={200: ObjectMetadataSerializer},
        errors=(401, 403, 404),
        e404=_META_404,
    )
    def get(self, request, object_kind, object_id, template_id):
        obj, template = self._found(request, object_kind, object_id, template_id, update=False)
        return Response(ObjectMetadataSerializer(selectors.metadata_get(obj, template)).data)

    @documented(
        summary="Fill in a template on a file or an activity (update permission on it), each value checked by type",
        request=MetadataWriteSerializer,
        ok={201: ObjectMetadataSerializer},
        errors=(400, 401, 403, 404, 409),
        e400=_VALUES_400,
        e404=_META_404,
        e409="`unique conflict`: the template is filled in on the object already (PUT changes it).",
    )
    def post(self, request, object_kind, object_id, template_id):
        data = validated(MetadataWriteSerializer, request.data)
        obj, template = self._found(request, object_kind, object_id, template_id, update=True)
        metadata = services.metadata_create(actor=request.auth, obj=obj, template=template, pairs=_pairs(data))
        return _metadata_response(metadata, status.HTTP_201_CREATED)

    @documented(
        summary="Set values of a filled-in template (update permission on the object); keys not sent keep theirs",
        request=MetadataWriteSerializer,
        ok={200: ObjectMetadataSerializer},
        errors=(400, 401, 403, 404),
        e400=_VALUES_400,
        e404=_META_404,
    )
    def put(self, request, object_kind, object_id, template_id):
        data = validated(MetadataWriteSerializer, request.data)
        obj, template = self._found(request, object_kind, object_id, template_id, update=True)
        metadata = selectors.metadata_get(obj, template)
        return _metadata_response(services.metadata_update(actor=request.auth, metadata=metadata, pairs=_pairs(data)))

    @documented(
        summary="Remove a template's values from an object (update permission on it)",
        ok={204: None},
        errors=(401, 403, 404),
        e404=_META_404,
    )
    def delete(self, request, object_kind, object_id, template_id):
        obj, template = self._found(request, object_kind, object_id, template_id, update=True)
        services.metadata_delete(actor=request.auth, metadata=selectors.metadata_get(obj, template))
        return Response(status=status.HTTP_204_NO_CONTENT)
