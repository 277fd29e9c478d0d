"""A POST /search/folders_files body, checked as the original checked it (each refusal a 400 whose reason is the
original's message), and turned into a `Query` every backend answers."""

from dataclasses import dataclass, field

from dds import errors

QUERY_FIELDS = ("name", "tags.label", "meta")
FILTER_KEYS = ("kind", "project.id")
FILTER_KINDS = ("dds-file", "dds-folder")
AGG_FIELDS = ("project.name", "tags.label")
AGG_SIZE_DEFAULT, AGG_SIZE_MIN, AGG_SIZE_MAX = 20, 20, 50


class ArgumentInvalid(errors.BadRequest):
    suggestion = "Please supply the correct argument"


class KindNotIndexed(errors.DDSError):
    status_code = 404
    suggestion = "include dds-file and/or dds-folder"

    def __init__(self, kind):
        super().__init__(f"object_kind {kind} Not Indexed")


@dataclass
class Agg:
    name: str
    field: str
    size: int


@dataclass
class Query:
    text: str = ""
    fields: tuple = QUERY_FIELDS
    kinds: tuple = FILTER_KINDS
    project_ids: tuple = None  # None: every project the caller may view
    aggs: list = field(default_factory=list)
    post_filters: dict = field(default_factory=dict)

    @property
    def terms(self):
        return self.text.lower().split()


def _list(value, message):
    if not isinstance(value, list):
        raise ArgumentInvalid(message)
    return value


def _strings(values, message):
    if not all(isinstance(value, str) for value in values):
        raise ArgumentInvalid(message)
    return tuple(values)


def _query_string(query, body):
    query_string = body.get("query_string")
    if query_string is None:
        return
    if not isinstance(query_string, dict):
        raise ArgumentInvalid("query_string must be an object")
    text = query_string.get("query")
    if "fields" in query_string:
        if text is None:
            raise ArgumentInvalid("query_string.fields is not allowed without query_string.query")
        fields = _list(query_string["fields"], "query_string.fields must be a list")
        if not fields or any(name not in QUERY_FIELDS for name in fields):
            raise ArgumentInvalid(f"query_string.field must be one of {', '.join(QUERY_FIELDS)}")
        query.fields = tuple(fields)
    if text is not None:
        if not isinstance(text, str):
            raise ArgumentInvalid("query_string.query must be a string")
        query.text = text


def _filters(query, body):
    seen = set()
    for item in _list(body.get("filters", []), "filters must be a list"):
        if not isinstance(item, dict):
            raise ArgumentInvalid("filters[] must be objects")
        for key, terms in item.items():
            if key not in FILTER_KEYS:
                raise ArgumentInvalid(f"filters must be one of {', '.join(FILTER_KEYS)}")
            terms = _strings(_list(terms, "filters[] value must be a list"), "filters[] value must be a list")
            if key in seen:
                raise ArgumentInvalid("filters[] can have at most one project.id or kind entry")
            seen.add(key)
            if key == "kind":
                if any(kind not in FILTER_KINDS for kind in terms):
                    raise ArgumentInvalid(f"filters[] kind must be one of {', '.join(FILTER_KINDS)}")
                query.kinds = terms
            else:
                query.project_ids = terms


def _aggs(query, body):
    for agg in _list(body.get("aggs", []), "aggs must be a list"):
        if not isinstance(agg, dict):
            raise ArgumentInvalid("aggs[] must be objects")
        if "field" not in agg:
            raise ArgumentInvalid("aggs[].field is required")
        if agg["field"] not in AGG_FIELDS:
            raise ArgumentInvalid(f"aggs[].field must be one of {', '.join(AGG_FIELDS)}")
        if not isinstance(agg.get("name"), str) or not agg["name"]:
            raise ArgumentInvalid("aggs[].name is required")
        size = agg.get("size", AGG_SIZE_DEFAULT)
        if isinstance(size, bool) or not isinstance(size, int) or not AGG_SIZE_MIN <= size <= AGG_SIZE_MAX:
            raise ArgumentInvalid(f"aggs[].size must be at least {AGG_SIZE_MIN} and at most {AGG_SIZE_MAX}")
        query.aggs.append(Agg(name=agg["name"], field=agg["field"], size=size))


def _post_filters(query, body):
    if "post_filters" not in body:
        return
    post_filters = _list(body["post_filters"], "post_filters must be a list")
    if not query.aggs:
        raise ArgumentInvalid("post_filters must be used with aggs")
    agg_fields = {agg.field for agg in query.aggs}
    for item in post_filters:
        if not isinstance(item, dict):
            raise ArgumentInvalid("post_filters[] must be objects")
        for key, terms in item.items():
            if key in query.post_filters:
                raise ArgumentInvalid(f"post_filters[] can have at most one {key} entry")
            if key not in AGG_FIELDS:
                raise ArgumentInvalid(f"post_filters key must be one of {', '.join(AGG_FIELDS)}")
            if key not in agg_fields:
                raise ArgumentInvalid(f"post_filters[{key}] must be accompanied by aggs[].field {key}")
            message = f"post_filters[{key}] value must be a list"
            query.post_filters[key] = _strings(_list(terms, message), message)


def query_parse(body):
    """The Query a request body asks for; a 400 naming the first thing wrong with it."""
    if not isinstance(body, dict):
        raise ArgumentInvalid("the body must be an object")
    query = Query()
    _filters(query, body)
    _query_string(query, body)
    _aggs(query, body)
    _post_filters(query, body)
    return query
