"""`page`/`per_page` paging with the `X-Total…` headers (docs/api/paging.md), and the `{"results": […]}` body."""

import math

from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from dds import errors

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000
READ_WHOLE = 10 * MAX_PER_PAGE

PAGE_HEADERS = ("X-Total", "X-Total-Pages", "X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page")


def _integer(request, name):
    value = request.query_params.get(name, "").strip()
    if value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise errors.ValidationFailed.field(name, "is invalid") from None


def _page_ids(queryset, start, end, total):
    """The ids at positions `start` to `end` of `queryset` (totally ordered, `total` rows).

    A listing of at most READ_WHOLE rows is read whole, ids only, and cut here: asked for a page with LIMIT, the
    planner would walk the order's index hoping to meet the few matching rows early (a rare name among a million
    files: 2 s), where reading them by the filter's index and sorting them costs a millisecond. A longer listing's
    page in the second half is read from the end, in the reverse order, so that what the database skips is the
    smaller part: the last page costs what the first does (the order's index is walked backwards)."""
    ids = queryset.values_list("pk", flat=True)
    if total <= READ_WHOLE:
        return list(ids)[start:end]
    if start <= total - end:
        return list(ids[start:end])
    return list(ids.reverse()[total - end : total - start])[::-1]


def results(data):
    """The body of every collection, paged or not."""
    return {"results": data}


def paged_response(request, queryset, represent, *, max_per_page=MAX_PER_PAGE, default_per_page=DEFAULT_PER_PAGE):
    """The page of `queryset` the request asks for, as `represent(rows)`, with the `X-Total…` headers.

    `max_per_page` bounds a listing whose items are large below the usual MAX_PER_PAGE; X-Per-Page tells the size used.
    `default_per_page`: the page size when the request names none (a listing the original did not page answers
    clients that do not page in one body up to MAX_PER_PAGE items).
    """
    paginator = PagePagination(max_per_page=max_per_page, default_per_page=default_per_page)
    page = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response(represent(page))


def paged_list_response(request, items, represent):
    """`paged_response` for a list read whole already (from a service other than the database)."""
    paginator = PagePagination()
    offset, limit = paginator.page_requested(request)
    paginator.total_found(len(items))
    return paginator.get_paginated_response(represent(items[offset : offset + limit]))


class PagePagination(BasePagination):
    def __init__(self, max_per_page=MAX_PER_PAGE, default_per_page=DEFAULT_PER_PAGE):
        self.max_per_page = max_per_page
        self.default_per_page = default_per_page

    def page_requested(self, request):
        """The offset and size of the page the request asks for (`page`, `per_page`)."""
        page = _integer(request, "page")
        per_page = _integer(request, "per_page")
        self.page = page if page and page > 0 else 1
        self.per_page = min(per_page if per_page and per_page > 0 else self.default_per_page, self.max_per_page)
        return (self.page - 1) * self.per_page, self.per_page

    def total_found(self, total):
        """What the headers tell of the whole: `total` items."""
        self.total = total
        self.total_pages = math.ceil(self.total / self.per_page)

    def paginate_queryset(self, queryset, request, view=None):
        offset, _ = self.page_requested(request)
        self.total_found(queryset.count())
        if offset >= self.total:
            # Past the end: no query, so a huge `page` cannot overflow the database's OFFSET.
            return []
        # Page through the bare ids first: sorting and skipping narrow rows is cheap; the wide rows (joins,
        # prefetches) are then read for this page only.
        ids = _page_ids(queryset, offset, min(offset + self.per_page, self.total), self.total)
        rows = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
        return [rows[pk] for pk in ids if pk in rows]

    def headers(self):
        in_range = self.page <= self.total_pages
        return {
            "X-Total": str(self.total),
            "X-Total-Pages": str(self.total_pages),
            "X-Page": str(self.page),
            "X-Per-Page": str(self.per_page),
            "X-Next-Page": str(self.page + 1) if self.page < self.total_pages else "",
            "X-Prev-Page": str(self.page - 1) if in_range and self.page > 1 else "",
        }

    def get_paginated_response(self, data):
        return Response(results(data), headers=self.headers())

    def get_paginated_response_schema(self, schema):
        return {"type": "object", "required": ["results"], "properties": {"results": schema}}

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "1-based page number; values below 1 mean 1.",
                "schema": {"type": "integer"},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": f"Page size, default {DEFAULT_PER_PAGE}; larger than {MAX_PER_PAGE} is clamped.",
                "schema": {"type": "integer"},
            },
        ]
