"""List a 10,000-file project page by page and print each page's latency and query count.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dds_bench .venv/bin/python bench/listing.py [--files 10000]

The database named in DATABASE_URL is dropped and created anew (PostgreSQL), so point it at a scratch database.
Files sit in a tree of folders 4 levels deep; every upload is verified, so every page answers 200.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dds.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dds_bench")
os.environ["ACTIVE_JOB_QUEUE_ADAPTER"] = "inline"
os.environ.pop("CLOUDAMQP_URL", None)


def recreate_database():
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"], dbname="postgres", autocommit=True
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{config["NAME"]}"')


def build(file_count):
    """A project of `file_count` verified files under folders 4 deep, written in bulk."""
    from django.utils import timezone

    from dds.accounts.services import user_create
    from dds.audit import Actor
    from files.models import Container, FileVersion
    from files.services import folder_create
    from projects.services import project_create
    from uploads.models import Fingerprint, StorageProvider, Upload

    user = user_create(username=f"bench-{uuid.uuid4().hex[:8]}")
    actor = Actor(user=user)
    project = project_create(actor=actor, name="Bench", description="10,000 files")
    provider = StorageProvider.objects.get(is_default=True)
    folders = [None]
    for depth in range(4):
        folders.append(folder_create(actor=actor, project=project, parent=folders[-1], name=f"level {depth}"))
    now = timezone.now()
    uploads, fingerprints, nodes, versions = [], [], [], []
    for index in range(file_count):
        parent = folders[index % len(folders)]
        upload = Upload(
            project=project, storage_provider=provider, name=f"file-{index}.bin", content_type="application/octet-stream",
            size=1000 + index, etag="bench", ready_for_chunks=True, completed_on=now, is_consistent=True, created_by=user,
        )
        node = Container(
            kind=Container.Kind.FILE, project=project, parent=parent, path=parent.subtree_path if parent else "",
            name=upload.name, created_by=user,
        )
        version = FileVersion(file=node, version=1, upload=upload, created_by=user)
        node.current_version = version
        uploads.append(upload)
        fingerprints.append(Fingerprint(upload=upload, algorithm="md5", value=f"{index:032x}", created_by=user))
        nodes.append(node)
        versions.append(version)
    Upload.objects.bulk_create(uploads, batch_size=2000)
    Fingerprint.objects.bulk_create(fingerprints, batch_size=2000)
    current = [node.current_version for node in nodes]
    for node in nodes:
        node.current_version = None
    Container.objects.bulk_create(nodes, batch_size=2000)
    FileVersion.objects.bulk_create(versions, batch_size=2000)
    for node, version in zip(nodes, current, strict=True):
        node.current_version = version
    Container.objects.bulk_update(nodes, ["current_version"], batch_size=2000)
    return user, project


def measure(client, path, per_page, **params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows, page = [], 1
    while True:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path, {**params, "page": page, "per_page": per_page})
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content[:300]
        rows.append((page, elapsed * 1000, len(queries)))
        if page >= int(response["X-Total-Pages"]):
            return rows
        page += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--per-page", type=int, default=100)
    arguments = parser.parse_args()

    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment
    from rest_framework.test import APIClient

    from dds.authentication import api_token_encode

    setup_test_environment()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    user, project = build(arguments.files)
    print(f"built {arguments.files} files in {time.perf_counter() - started:.1f} s")
    client = APIClient(SERVER_NAME="localhost")
    client.credentials(HTTP_AUTHORIZATION=api_token_encode(user=user)["api_token"])
    for title, path, params in (
        ("GET /projects/{id}/files", f"/api/v1/projects/{project.id}/files", {}),
        ("GET /projects/{id}/children?name_contains=", f"/api/v1/projects/{project.id}/children", {"name_contains": ""}),
    ):
        rows = measure(client, path, arguments.per_page, **params)
        latencies = [row[1] for row in rows]
        print(f"\n{title}, {arguments.per_page} per page, {len(rows)} pages")
        print("page  ms      queries")
        for page, milliseconds, queries in rows[:3] + rows[-3:]:
            print(f"{page:<5} {milliseconds:<7.1f} {queries}")
        first, last = statistics.mean(latencies[:10]), statistics.mean(latencies[-10:])
        print(f"mean first 10 pages {first:.1f} ms, last 10 pages {last:.1f} ms (ratio {last / first:.2f}); "
              f"queries per page: {sorted({row[2] for row in rows})}")


if __name__ == "__main__":
    main()
