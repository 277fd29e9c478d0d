"""The sweeper's reads cost what the work waiting costs, not what the history holds: each reads along a partial index
of the state it looks for (or from a watermark), which PostgreSQL's plans show. Sequential scans are turned off so
that the small test tables plan as large ones would: a read with no index of its own then plans on another index
(or a scan) and fails the test."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from dds.jobs.registry import load_pending
from dds.jobs.sweeper import BATCH
from uploads.models import RetentionMark
from uploads.selectors import uploads_errored_to_purge, uploads_expired_since

pytestmark = pytest.mark.django_db

PARTIAL_INDEXES = {
    "initialize_upload_storage": "uploads_awaiting_storage",
    "complete_upload": "uploads_awaiting_verification",
    "delete_tree": "files_deletion_pending",
}


@pytest.fixture
def plan():
    if connection.vendor != "postgresql":
        pytest.skip("query plans of PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")

    def explain(queryset):
        return queryset.explain()

    return explain


@pytest.mark.parametrize("worker", sorted(PARTIAL_INDEXES))
def test_the_sweeper_finds_lost_work_along_a_partial_index(plan, worker):
    pending = load_pending()[worker]
    cutoff = timezone.now() - timedelta(seconds=60)
    waiting = pending.selector().filter(**{f"{pending.since}__lt": cutoff}).values_list(*pending.args)[:BATCH]

    assert PARTIAL_INDEXES[worker] in plan(waiting)


def test_the_retention_sweep_reads_errored_uploads_along_a_partial_index(plan):
    assert "uploads_errored_to_purge" in plan(uploads_errored_to_purge().values_list("id", flat=True)[:500])


def test_the_retention_sweep_reads_expired_uploads_from_its_watermark(plan):
    mark = RetentionMark(created_on=timezone.now() - timedelta(days=30), upload_id=uuid.uuid4())
    expired = plan(uploads_expired_since(mark).values_list("id", "created_on", "can_purge")[:500])

    assert "Index Cond: ((created_on >=" in expired
    assert "Seq Scan on uploads_upload" not in expired
