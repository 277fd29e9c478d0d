"""On PostgreSQL, each listing reads its page from the index made for its order and filter, not from every row of
the project or of the table (issue 29). The plans are pinned on a few thousand rows, ANALYZEd: too few for the
planner to prefer an index over a sort by itself, so sorts are priced out for the listings' orders (the index that
gives the order must exist), and a name search is planned as it is at a million rows (bench/SCALE.md)."""

import pytest
from django.db import connection

from dds.audit import Actor
from files import selectors
from files.models import Container
from projects.services import project_create

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plans")

ITEMS = 3000


def _plan(queryset, *, ordered=False):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if ordered:
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def crowded(alice, project):
    """`project` holds a folder of ITEMS files, one of them named `rare-needle.txt`; another project holds as many."""
    other = project_create(actor=Actor(user=alice), name="Other", description="")
    folder = Container.objects.create(kind=Container.Kind.FOLDER, project=project, name="all", created_by=alice)
    rows = [
        Container(
            kind=Container.Kind.FILE,
            project=owner,
            parent=parent,
            path=parent.subtree_path if parent else "",
            name="rare-needle.txt" if owner == project and number == ITEMS // 2 else f"sample_{number:05}_R1.fastq",
            created_by=alice,
        )
        for owner, parent in ((project, folder), (other, None))
        for number in range(ITEMS)
    ]
    Container.objects.bulk_create(rows, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('container_name_trigram')")
        cursor.execute(f"ANALYZE {Container._meta.db_table}")
    return folder


def _last_page(queryset):
    return queryset.values_list("pk", flat=True)[ITEMS - 100 : ITEMS]


def test_a_name_search_reads_the_trigram_index_of_the_projects_names(project, crowded):
    found = selectors.children(project=project, name_contains="needle")

    assert "container_name_trigram" in _plan(found.values_list("pk", flat=True)[:100])
    assert "container_name_trigram" in _plan(found)
    assert [item.name for item in found] == ["rare-needle.txt"]


def test_the_whole_tree_pages_by_its_index(project, crowded):
    assert "container_tree" in _plan(_last_page(selectors.children(project=project, name_contains="")), ordered=True)


def test_a_folders_children_page_by_their_index(project, crowded):
    assert "container_children" in _plan(_last_page(selectors.children(project=project, folder=crowded)), ordered=True)


def test_the_project_file_listing_pages_by_its_index(project, crowded):
    assert "container_files_by_update" in _plan(_last_page(selectors.project_files(project=project)), ordered=True)
