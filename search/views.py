from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dds import errors
from dds.openapi import documented
from dds.pagination import PagePagination, results
from dds.validation import validated
from files.serializers import ChildSerializer
from files.views import nodes_data

from . import selectors
from .query import KindNotIndexed, Query, query_parse

_400 = (
    "The original's argument messages as `reason`, e.g. `query_string.field must be one of name, tags.label, meta`, "
    "`filters must be one of kind, project.id`, `aggs[].size must be at least 20 and at most 50`, "
    "`post_filters must be used with aggs`."
)

_503 = "`search unavailable`: search runs in Elasticsearch (SEARCH_ELASTICSEARCH_URL), which does not answer."


class QueryStringSerializer(serializers.Serializer):
    query = serializers.CharField(required=False, help_text="words, any of which a name, tag label or value holds")
    fields = serializers.ListField(
        child=serializers.ChoiceField(choices=["name", "tags.label", "meta"]), required=False
    )


class AggSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["project.name", "tags.label"])
    name = serializers.CharField()
    size = serializers.IntegerField(required=False, min_value=20, max_value=50)


class FoldersFilesSearchSerializer(serializers.Serializer):
    """Documentation only: `query_parse` checks the body, with the original's messages."""

    query_string = QueryStringSerializer(required=False)
    filters = serializers.ListField(
        child=serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        required=False,
        help_text='`[{"kind": ["dds-file"]}, {"project.id": ["<id>"]}]`, joined by AND',
    )
    aggs = AggSerializer(many=True, required=False)
    post_filters = serializers.ListField(
        child=serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        required=False,
        help_text='`[{"project.name": [...]}, {"tags.label": [...]}]`: narrow the results, not the aggs',
    )


class BucketSerializer(serializers.Serializer):
    key = serializers.CharField()
    doc_count = serializers.IntegerField()


class AggResultSerializer(serializers.Serializer):
    doc_count_error_upper_bound = serializers.IntegerField()
    sum_other_doc_count = serializers.IntegerField()
    buckets = BucketSerializer(many=True)


class FoundItemSerializer(ChildSerializer):
    tags = serializers.ListField(child=serializers.DictField(), required=False, help_text="files only: `[{label}]`")
    meta = serializers.DictField(required=False, help_text="files only: `{template name: {key: value}}`")


class FoldersFilesResultSerializer(serializers.Serializer):
    results = FoundItemSerializer(many=True)
    aggs = serializers.DictField(child=AggResultSerializer(), required=False)


def _found_data(nodes):
    return selectors.with_descriptions(nodes, nodes_data(nodes))


class FoldersFilesSearchView(APIView):
    @documented(
        summary="Search the folders and files of every project the caller may view (names, tag labels, metadata)",
        request=FoldersFilesSearchSerializer,
        ok={201: FoldersFilesResultSerializer},
        errors=(400, 401, 403, 503),
        e400=_400,
        e403="`Unauthorized`: a `project.id` filter names a project the caller may not view.",
        e503=_503,
        paged=True,
    )
    def post(self, request):
        query = query_parse(request.data)
        pages = PagePagination()
        offset, limit = pages.page_requested(request)
        found = selectors.found_search(user=request.user, query=query, offset=offset, limit=limit)
        pages.total_found(found.total)
        body = {"results": _found_data(selectors.found_nodes(found.ids))}
        if query.aggs:
            body["aggs"] = found.aggs
        return Response(body, status=status.HTTP_201_CREATED, headers=pages.headers())


class DeprecatedSearchSerializer(serializers.Serializer):
    include_kinds = serializers.ListField(child=serializers.CharField(), help_text="dds-file and/or dds-folder")
    search_query = serializers.DictField(help_text="an Elasticsearch query; DDS reads its text (see docs/api)")


def _texts(node):
    """The words of an Elasticsearch query: the strings under `query_string`, `match`, `term`, `wildcard`, …"""
    if isinstance(node, str):
        return [node.replace("*", " ").replace("?", " ")]
    if isinstance(node, list):
        return [text for item in node for text in _texts(item)]
    if isinstance(node, dict):
        return [text for key, value in node.items() if key not in ("fields", "default_field") for text in _texts(value)]
    return []


class DeprecatedSearchView(APIView):
    @documented(
        summary="Deprecated: use POST /search/folders_files. Folders and files matching a query's words",
        request=DeprecatedSearchSerializer,
        ok={201: FoundItemSerializer(many=True)},
        errors=(400, 401, 404, 503),
        e404="`object_kind <kind> Not Supported`, or `object_kind <kind> Not Indexed` (only dds-file, dds-folder).",
        e503=_503,
    )
    def post(self, request):
        data = validated(DeprecatedSearchSerializer, request.data)
        for kind in data["include_kinds"]:
            if kind not in selectors.KNOWN_KINDS:
                raise errors.UnsupportedKind(kind)
            if kind not in selectors.INDEXED_KINDS:
                raise KindNotIndexed(kind)
        search_query = data["search_query"]
        size = search_query.get("size", 10)
        start = search_query.get("from", 0)
        if not all(isinstance(value, int) and value >= 0 for value in (size, start)):
            raise errors.ValidationFailed.field("search_query", "size and from must be whole numbers")
        query = Query(text=" ".join(_texts(search_query.get("query", {}))), kinds=tuple(data["include_kinds"]))
        found = selectors.found_search(user=request.user, query=query, offset=start, limit=min(size, 1000))
        return Response(results(_found_data(selectors.found_nodes(found.ids))), status=status.HTTP_201_CREATED)
