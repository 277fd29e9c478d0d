"""Write the scale data set straight into PostgreSQL with set-based SQL (INSERT … SELECT generate_series).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dds_scale .venv/bin/python bench/scale/generate.py \
        [--sizes 10000,100000,1000000] [--verbose]

The database is dropped, created and migrated anew: point it at a scratch database. One database holds everything,
as production does, so that a small project's pages are measured beside a large one:

- a project per size in `--sizes`: files under folders 4 deep at most (10 folders a level, 100 files a folder),
  named like sequencing runs, one of them named `rare-needle-…`; every file has a verified upload, an md5 and a
  current version;
- a project with one folder of `--wide` (100,000) direct children;
- a user in `--many-projects` (10,000) projects; a project of `--members` (1,001) members;
- provenance chains of 1,000 and 100,000 file versions (activity i generated 10 versions and used activity i-1's);
- tags: `--labels` (100,000) distinct labels `tag-000042` spread over the files of the largest tree project, and
  `qc-passed` on every other file of each tree; metadata `sequencing.instrument` on every tenth file of each tree;
- the search document (and tag label rows) of every folder and file, as the `index_search_document` job writes them.

Prints what it wrote with the time each part took, and saves the ids and a token for the driver in
`var/scale.json`.
"""

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dds.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dds_scale")
os.environ["ACTIVE_JOB_QUEUE_ADAPTER"] = "inline"
os.environ.pop("CLOUDAMQP_URL", None)

from django.db import connection, models, transaction  # noqa: E402  (lazy: Django is set up in main)

STATE = ROOT / "var" / "scale.json"
FANOUT = 10  # folders per folder
PER_FOLDER = 100  # files per deepest folder
PER_ACTIVITY = 10  # file versions each chain activity generated


def _uuid(tag, expression):
    """A deterministic UUID in SQL: rows refer to each other by computing the same one."""
    return f"md5('{tag}-' || ({expression})::text)::uuid"


class Writer:
    """INSERT … SELECT of a model's rows: every column given as SQL, or its default, or NULL."""

    def __init__(self, cursor, user_id, *, verbose=False):
        self.cursor, self.user_id, self.verbose = cursor, user_id, verbose

    def insert(self, model, source, **columns):
        names, values, params = [], [], []
        for field in model._meta.concrete_fields:
            if isinstance(field, models.AutoField):
                continue
            if field.attname in columns:
                names.append(field.column)
                values.append(str(columns.pop(field.attname)))
            elif field.attname == "created_by_id":
                names.append(field.column)
                values.append("%s")
                params.append(self.user_id)
            elif not field.null:
                default = field.get_default()  # "" for a text field without one
                if default is None:
                    raise ValueError(f"{model.__name__}.{field.attname} needs a value")
                names.append(field.column)
                values.append("%s")
                params.append(field.get_db_prep_save(default, connection))
        if columns:
            raise ValueError(f"{model.__name__} has no {sorted(columns)}")
        table = model._meta.db_table
        started = time.perf_counter()
        self.cursor.execute(
            f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(values)} FROM {source}", params
        )
        if self.verbose:
            print(f"  {table}: {self.cursor.rowcount:,} rows in {time.perf_counter() - started:.1f} s", flush=True)
        return self.cursor.rowcount


def _before(started, seconds):
    """SQL of the moment `seconds` (SQL) before `started`."""
    return f"'{started.isoformat()}'::timestamptz - make_interval(secs => {seconds})"


def _levels(files):
    """Folder counts per level for a tree of `files`: 10, 100, … up to files / PER_FOLDER (at most 4 levels)."""
    levels, count = [], FANOUT
    while count * PER_FOLDER <= files and len(levels) < 4:
        levels.append(count)
        count *= FANOUT
    return levels or [1]


def _ancestor_path(tag, level, index):
    """SQL of the `path` of folder `index` at `level` (1-based): its ancestors' ids, root first, each with a `/`."""
    parts = [
        f"{_uuid(f'{tag}-d{above}', f'{index} / {FANOUT ** (level - above)}')}::text || '/'"
        for above in range(1, level)
    ]
    return " || ".join(parts) if parts else "''"


def _files(writer, project_id, tag, count, *, name, parent, path, when, size):
    """`count` files (SQL of `g.i` for each column given) with a verified upload, an md5 and a current version."""
    from files.models import Container, FileVersion
    from uploads.models import Fingerprint, StorageProvider, Upload

    provider = StorageProvider.objects.get(is_default=True).pk
    series = f"generate_series(0, {count - 1}) AS g(i)"
    writer.insert(
        Upload,
        series,
        id=_uuid(f"{tag}-u", "g.i"),
        project_id=f"'{project_id}'::uuid",
        storage_provider_id=f"'{provider}'::uuid",
        name=name,
        content_type="'application/octet-stream'",
        size=size,
        etag="'scale'",
        ready_for_chunks="true",
        completed_on=when,
        is_consistent="true",
        created_on=when,
    )
    writer.insert(
        Fingerprint,
        series,
        upload_id=_uuid(f"{tag}-u", "g.i"),
        algorithm="'md5'",
        value="md5(g.i::text)",
        created_on=when,
    )
    writer.insert(
        Container,
        series,
        id=_uuid(f"{tag}-f", "g.i"),
        kind="'dds-file'",
        project_id=f"'{project_id}'::uuid",
        parent_id=parent,
        path=path,
        name=name,
        current_version_id=_uuid(f"{tag}-v", "g.i"),
        created_on=when,
    )
    writer.insert(
        FileVersion,
        series,
        id=_uuid(f"{tag}-v", "g.i"),
        file_id=_uuid(f"{tag}-f", "g.i"),
        version="1",
        upload_id=_uuid(f"{tag}-u", "g.i"),
        created_on=when,
    )


def tree(writer, project_id, tag, files, started):
    """A project's folders and `files` files (with uploads, fingerprints, versions), oldest first."""
    from files.models import Container

    levels = _levels(files)
    for level, count in enumerate(levels, start=1):
        parent = "NULL" if level == 1 else _uuid(f"{tag}-d{level - 1}", f"g.i / {FANOUT}")
        writer.insert(
            Container,
            f"generate_series(0, {count - 1}) AS g(i)",
            id=_uuid(f"{tag}-d{level}", "g.i"),
            kind="'dds-folder'",
            project_id=f"'{project_id}'::uuid",
            parent_id=parent,
            path=_ancestor_path(tag, level, "g.i"),
            name=f"'run_' || lpad(g.i::text, 5, '0') || '_L{level}'",
            created_on=_before(started, f"{files + 200_000 - level * 10_000} - g.i"),
        )
    leaves, deepest = levels[-1], len(levels)
    leaf = f"(g.i / {PER_FOLDER} %% {leaves})"  # %% : the statement has parameters
    when = _before(started, f"{files} - g.i")
    read = "CASE WHEN g.i %% 2 = 0 THEN '_R1' ELSE '_R2' END"
    name = (
        f"CASE WHEN g.i = {files // 2} THEN 'rare-needle-{tag}.txt' "
        f"ELSE 'sample_' || lpad(g.i::text, 7, '0') || {read} || '.fastq.gz' END"
    )
    parent = _uuid(f"{tag}-d{deepest}", leaf)
    path = f"{_ancestor_path(tag, deepest, leaf)} || {parent}::text || '/'"
    _files(writer, project_id, tag, files, name=name, parent=parent, path=path, when=when, size="1000000 + g.i")
    return sum(levels)


def project(writer, name, started):
    """A project the owner administers; returns its id."""
    from projects.models import Project, ProjectPermission

    project_id = uuid.uuid4()
    writer.insert(
        Project,
        "(SELECT 1) AS one",
        id=f"'{project_id}'::uuid",
        name=f"'{name}'",
        description="'scale bench'",
        slug=f"'{name.lower().replace(' ', '-')}-{str(project_id)[:8]}'",
        created_on=f"'{started.isoformat()}'",
    )
    writer.insert(
        ProjectPermission,
        "(SELECT 1) AS one",
        project_id=f"'{project_id}'::uuid",
        user_id=f"'{writer.user_id}'::uuid",
        auth_role_id="'project_admin'",
        created_on=f"'{started.isoformat()}'",
    )
    return str(project_id)


def wide_folder(writer, project_id, children, started):
    """One folder of `children` files (with their uploads, fingerprints and versions) at the project's top level."""
    from files.models import Container

    folder = _uuid("wide-d", "0")
    writer.insert(
        Container,
        "(SELECT 0 AS i) AS g",
        id=folder,
        kind="'dds-folder'",
        project_id=f"'{project_id}'::uuid",
        path="''",
        name="'all'",
        created_on=f"'{started.isoformat()}'::timestamptz - interval '1 day'",
    )
    name = "'cell_' || lpad(g.i::text, 6, '0') || '.tif'"
    when = _before(started, f"{children} - g.i")
    path = f"{folder}::text || '/'"
    _files(writer, project_id, "wide", children, name=name, parent=folder, path=path, when=when, size="5000 + g.i")
    writer.cursor.execute(f"SELECT {folder}")
    return str(writer.cursor.fetchone()[0])


def users(writer, tag, count, started):
    """`count` users named `<tag>-<n>`; returns the SQL of their ids by n."""
    from dds.accounts.models import User

    writer.insert(
        User,
        f"generate_series(0, {count - 1}) AS g(i)",
        id=_uuid(f"{tag}-user", "g.i"),
        username=f"'{tag}-' || g.i",
        password="'!'",
        full_name="'Member ' || g.i",
        email=f"'{tag}-' || g.i || '@example.org'",
        date_joined=f"'{started.isoformat()}'",
        created_on=f"'{started.isoformat()}'",
    )


def many_projects(writer, count, started):
    """The owner in `count` more projects (a viewer), created one second apart."""
    from projects.models import Project, ProjectPermission

    when = _before(started, f"{count} - g.i")
    series = f"generate_series(0, {count - 1}) AS g(i)"
    writer.insert(
        Project,
        series,
        id=_uuid("many-p", "g.i"),
        name="'Project ' || g.i",
        description="'one of many'",
        slug="'many-' || g.i",
        created_on=when,
    )
    writer.insert(
        ProjectPermission,
        series,
        project_id=_uuid("many-p", "g.i"),
        user_id=f"'{writer.user_id}'::uuid",
        auth_role_id="'project_viewer'",
        created_on=when,
    )


def members(writer, project_id, count, started):
    """`count` users, each a viewer of the project (which the owner administers: one member more)."""
    from projects.models import ProjectPermission

    users(writer, "member", count, started)
    writer.insert(
        ProjectPermission,
        f"generate_series(0, {count - 1}) AS g(i)",
        project_id=f"'{project_id}'::uuid",
        user_id=_uuid("member-user", "g.i"),
        auth_role_id="'project_viewer'",
        created_on=_before(started, f"{count} - g.i"),
    )


def chain(writer, project_id, tag, versions, started):
    """A provenance chain of `versions` file versions of one file: activity a generated versions 10a…10a+9 and
    used those of activity a-1. Returns (first activity id, last version id)."""
    from files.models import Container, FileVersion
    from provenance.models import Activity, Edge, Relation
    from uploads.models import StorageProvider, Upload

    provider = StorageProvider.objects.get(is_default=True).pk
    activities = versions // PER_ACTIVITY
    when = _before(started, f"{versions} - g.i")
    series = f"generate_series(0, {versions - 1}) AS g(i)"
    file_id = _uuid(f"{tag}-f", "0")
    writer.insert(
        Upload,
        series,
        id=_uuid(f"{tag}-u", "g.i"),
        project_id=f"'{project_id}'::uuid",
        storage_provider_id=f"'{provider}'::uuid",
        name=f"'{tag}.txt'",
        content_type="'text/plain'",
        size="1",
        etag="'scale'",
        ready_for_chunks="true",
        completed_on=when,
        is_consistent="true",
        created_on=when,
    )
    writer.insert(
        Container,
        "(SELECT 0 AS i) AS g",
        id=file_id,
        kind="'dds-file'",
        project_id=f"'{project_id}'::uuid",
        path="''",
        name=f"'{tag}.txt'",
        current_version_id=_uuid(f"{tag}-v", str(versions - 1)),
        created_on=f"'{started.isoformat()}'",
    )
    writer.insert(
        FileVersion,
        series,
        id=_uuid(f"{tag}-v", "g.i"),
        file_id=file_id,
        version="g.i + 1",
        upload_id=_uuid(f"{tag}-u", "g.i"),
        created_on=when,
    )
    writer.insert(
        Activity,
        f"generate_series(0, {activities - 1}) AS g(i)",
        id=_uuid(f"{tag}-a", "g.i"),
        name="'step ' || g.i",
        created_on=_before(started, f"{activities} - g.i"),
    )
    generated = dict(kind="'dds-relation-was-generated-by'", activity_id=_uuid(f"{tag}-a", f"g.i / {PER_ACTIVITY}"))
    used = dict(kind="'dds-relation-used'", activity_id=_uuid(f"{tag}-a", f"g.i / {PER_ACTIVITY} + 1"))
    for prefix, columns, count in (("g", generated, versions), ("s", used, versions - PER_ACTIVITY)):
        source = f"generate_series(0, {count - 1}) AS g(i)"
        writer.insert(
            Relation,
            source,
            id=_uuid(f"{tag}-r{prefix}", "g.i"),
            entity_id=_uuid(f"{tag}-v", "g.i"),
            created_on=when,
            **columns,
        )
        for node, neighbor in (
            (_uuid(f"{tag}-v", "g.i"), columns["activity_id"]),
            (columns["activity_id"], _uuid(f"{tag}-v", "g.i")),
        ):
            writer.insert(Edge, source, node=node, neighbor=neighbor, relation_id=_uuid(f"{tag}-r{prefix}", "g.i"))
    writer.cursor.execute(f"SELECT {_uuid(f'{tag}-a', '0')}, {_uuid(f'{tag}-v', str(versions - 1))}")
    first, last = writer.cursor.fetchone()
    return str(first), str(last)


def tags_and_metadata(writer, sizes, labels, started):
    """`labels` distinct tag labels over the files of the largest tree (label n on file n modulo its size),
    `qc-passed` on every other file of each tree, and a filled-in `sequencing` template on every tenth file."""
    from metadata.models import MetadataValue, ObjectMetadata, Property, Tag, Template

    when = f"'{started.isoformat()}'"
    largest = max(sizes)
    writer.insert(
        Tag,
        f"generate_series(0, {labels - 1}) AS g(i)",
        id=_uuid("label", "g.i"),
        label="'tag-' || lpad(g.i::text, 6, '0')",
        file_id=_uuid(f"t{largest}-f", f"g.i %% {largest}"),
        created_on=when,
    )
    one = "(SELECT 1) AS one"
    template = _uuid("template", "0")
    writer.insert(Template, one, id=template, name="'sequencing'", label="'Sequencing'", created_on=when)
    writer.insert(
        Property,
        one,
        id=_uuid("property", "0"),
        template_id=template,
        key="'instrument'",
        label="'Instrument'",
        data_type="'string'",
        created_on=when,
    )
    for size in sizes:
        tag = f"t{size}"
        writer.insert(
            Tag,
            f"generate_series(0, {size - 1}, 2) AS g(i)",
            id=_uuid(f"{tag}-qc", "g.i"),
            label="'qc-passed'",
            file_id=_uuid(f"{tag}-f", "g.i"),
            created_on=when,
        )
        tenth = f"generate_series(0, {size - 1}, 10) AS g(i)"
        writer.insert(
            ObjectMetadata,
            tenth,
            id=_uuid(f"{tag}-m", "g.i"),
            template_id=template,
            file_id=_uuid(f"{tag}-f", "g.i"),
            created_on=when,
        )
        writer.insert(
            MetadataValue,
            tenth,
            metadata_id=_uuid(f"{tag}-m", "g.i"),
            property_id=_uuid("property", "0"),
            value="CASE WHEN g.i %% 20 = 0 THEN 'NovaSeq 6000' ELSE 'HiSeq 4000' END",
        )


def search_documents(writer, started):
    """Every folder's and file's search document as search/backends/database.py writes it: the name in lower case,
    the tag labels sorted and in lower case, the metadata lines `template.key value` in lower case, one a line; and
    a label row per distinct tag label as written."""
    from search.models import Document, DocumentLabel

    labels = (
        "SELECT file_id, string_agg(label, E'\\n' ORDER BY label) AS labels FROM metadata_tag "
        "WHERE file_id IS NOT NULL GROUP BY file_id"
    )
    meta = (
        "SELECT m.file_id, string_agg(lower(t.name || '.' || p.key || ' ' || v.value), E'\\n') AS meta "
        "FROM metadata_objectmetadata m JOIN metadata_template t ON t.id = m.template_id "
        "JOIN metadata_metadatavalue v ON v.metadata_id = m.id JOIN metadata_property p ON p.id = v.property_id "
        "WHERE m.file_id IS NOT NULL GROUP BY m.file_id"
    )
    writer.insert(
        Document,
        f"files_container c LEFT JOIN ({labels}) l ON l.file_id = c.id LEFT JOIN ({meta}) m ON m.file_id = c.id",
        container_id="c.id",
        project_id="c.project_id",
        kind="c.kind",
        name="lower(c.name)",
        labels="lower(coalesce(l.labels, ''))",
        meta="coalesce(m.meta, '')",
        indexed_on=f"'{started.isoformat()}'",
    )
    writer.insert(
        DocumentLabel,
        "(SELECT DISTINCT file_id, label FROM metadata_tag WHERE file_id IS NOT NULL) AS t",
        document_id="t.file_id",
        label="t.label",
    )


BULK_TABLES = [
    "files_container",
    "files_fileversion",
    "uploads_upload",
    "uploads_fingerprint",
    "projects_project",
    "projects_projectpermission",
    "provenance_relation",
    "provenance_edge",
    "metadata_tag",
    "metadata_objectmetadata",
    "metadata_metadatavalue",
    "search_document",
    "search_documentlabel",
]


def drop_indexes(cursor):
    """Drop the bulk tables' indexes that back no constraint, returning their definitions: rows go in faster
    without them, and an index built once over all rows is built faster than one kept up row by row."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(%s) "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        [BULK_TABLES],
    )
    definitions = cursor.fetchall()
    for name, _ in definitions:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in definitions]


def create_indexes(cursor, definitions):
    cursor.execute("SET maintenance_work_mem = '256MB'")
    for definition in definitions:
        cursor.execute(definition)


def _step(what, function, *args):
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # The rows are consistent by construction: no foreign-key trigger per row (a superuser's setting).
        cursor.execute("SET LOCAL session_replication_role = replica")
        result = function(*args)
    print(f"{what}: {time.perf_counter() - started:.1f} s", flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="files of each tree project")
    parser.add_argument("--wide", type=int, default=100_000, help="children of the wide folder")
    parser.add_argument("--many-projects", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=1_000, help="members besides the owner")
    parser.add_argument("--chains", default="1000,100000", help="file versions of each provenance chain")
    parser.add_argument("--labels", type=int, default=100_000, help="distinct tag labels (autocomplete)")
    parser.add_argument("--verbose", action="store_true", help="the time of every INSERT")
    arguments = parser.parse_args()

    sys.path.insert(1, str(ROOT / "bench"))
    from harness.sandbox import in_process_django

    begun = time.perf_counter()
    in_process_django()
    from django.utils import timezone

    from dds.accounts.services import user_create

    owner = user_create(username="scale-owner")
    started = timezone.now()
    state = {"owner": str(owner.pk), "trees": {}, "chains": {}}
    with connection.cursor() as cursor:
        writer = Writer(cursor, owner.pk, verbose=arguments.verbose)
        indexes = _step("drop the indexes", drop_indexes, cursor)
        for size in (int(value) for value in arguments.sizes.split(",")):
            project_id = _step(f"project of {size:,} files: project", project, writer, f"Tree {size}", started)
            folders = _step(f"project of {size:,} files: tree", tree, writer, project_id, f"t{size}", size, started)
            state["trees"][str(size)] = {"project": project_id, "folders": folders}
        wide = _step("wide project", project, writer, "Wide", started)
        state["wide"] = {
            "project": wide,
            "folder": _step(f"folder of {arguments.wide:,}", wide_folder, writer, wide, arguments.wide, started),
        }
        _step(
            f"{arguments.many_projects:,} projects of the owner",
            many_projects,
            writer,
            arguments.many_projects,
            started,
        )
        crowd = _step("members' project", project, writer, "Members", started)
        _step(f"{arguments.members:,} members", members, writer, crowd, arguments.members, started)
        state["members"] = {"project": crowd, "count": arguments.members + 1}
        lineage = _step("provenance project", project, writer, "Provenance", started)
        for versions in (int(value) for value in arguments.chains.split(",")):
            first, last = _step(
                f"chain of {versions:,} versions", chain, writer, lineage, f"c{versions}", versions, started
            )
            state["chains"][str(versions)] = {"first_activity": first, "last_version": last}
        sizes, labels = [int(size) for size in state["trees"]], arguments.labels
        _step(f"{labels:,} tag labels and metadata", tags_and_metadata, writer, sizes, labels, started)
        state["labels"] = labels
        _step("search documents", search_documents, writer, started)
        _step(f"create {len(indexes)} indexes", create_indexes, cursor, indexes)
    # As autovacuum leaves a table in production: statistics, and the visibility map index-only scans need.
    vacuum = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"VACUUM ANALYZE: {time.perf_counter() - vacuum:.1f} s")
    STATE.parent.mkdir(exist_ok=True)
    STATE.write_text(json.dumps(state, indent=2))
    print(f"generated in {time.perf_counter() - begun:.0f} s; ids in {STATE}")


if __name__ == "__main__":
    main()
