"""What every backend answers."""

from dataclasses import dataclass, field


@dataclass
class Found:
    """A page of matching folder and file ids, best first, the number matching, and the facets (`aggs`) in the shape
    Elasticsearch answers them: `{name: {"doc_count_error_upper_bound", "sum_other_doc_count", "buckets"}}`."""

    ids: list
    total: int
    aggs: dict = field(default_factory=dict)


def buckets(counts, size, total):
    """An aggregation of `counts` (`[(key, doc_count)]`, most first) cut to `size` buckets."""
    shown = counts[:size]
    return {
        "doc_count_error_upper_bound": 0,
        "sum_other_doc_count": total - sum(count for _, count in shown),
        "buckets": [{"key": key, "doc_count": count} for key, count in shown],
    }
