"""Delete a 100,000-file folder and a 100,000-file project over HTTP, as in production, and measure what the deleting
user and everyone else see meanwhile.

    .venv/bin/python bench/scale/deletes.py [--files 100000] [--batch 1000] [--purge-wait 600]

The scratch database `dds_bench_deletes` is dropped and created anew. Two projects of `--files` files each are written
with set-based SQL (INSERT … SELECT generate_series): files under 100 folders, every file with a verified upload and
a current version (no bytes on disk: a purge then removes nothing, so the purge rate is the job layer's, not the
disk's). One holds everything under one top folder (deleted with DELETE /folders/{id}); the other is deleted whole.
Served by gunicorn (4 sync workers) with `run_workers` (dramatiq, RabbitMQ in a virtual host of its own).

Measured: the DELETE's answer time; the time until every item is marked and every purge requested (the Deletion
finished); purges done per second until `--purge-wait` seconds; and, throughout, another user's GET of their own
project's children: p50/p99 idle, and while the deletions' jobs run.
"""

import argparse
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))

from harness.hardware import print_machine  # noqa: E402
from harness.sandbox import django_setup, manage, rabbitmq_vhost, recreate_database, scratch_dir, server_env  # noqa: E402
from harness.servers import Gunicorn, Processes, start_workers  # noqa: E402
from harness.tables import percentile, table  # noqa: E402

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dds_bench_deletes"
FOLDERS = 100

# Ids are md5-derived, so the rows of file i need no join: folder f, file/upload/version i of project p.
GENERATE = f"""
INSERT INTO files_container (id, kind, project_id, parent_id, path, name, is_deleted, created_on, created_by_id)
SELECT md5(%(p)s::text || 'folder' || f)::uuid, 'dds-folder', %(project)s, %(top)s, %(top_path)s::text,
       'run ' || f, false, now(), %(user)s
FROM generate_series(1, {FOLDERS}) AS f;

INSERT INTO uploads_upload (id, project_id, storage_provider_id, name, content_type, size, is_chunked, etag,
    multipart_upload_id, ready_for_chunks, completed_on, is_consistent, stored_size, stored_md5, stored_sha1,
    stored_sha256, verification_claim, verification_session, created_on, created_by_id)
SELECT md5(%(p)s::text || 'upload' || i)::uuid, %(project)s, %(provider)s, 'sample_' || i || '.fastq',
       'text/plain', 1024, false, md5(i::text), '', true, now(), true, 1024, md5(i::text), '', '', '', '',
       now(), %(user)s
FROM generate_series(1, %(files)s) AS i;

INSERT INTO files_container (id, kind, project_id, parent_id, path, name, is_deleted, created_on, created_by_id)
SELECT md5(%(p)s::text || 'file' || i)::uuid, 'dds-file', %(project)s,
       md5(%(p)s::text || 'folder' || (i %% {FOLDERS} + 1))::uuid,
       %(top_path)s::text || md5(%(p)s::text || 'folder' || (i %% {FOLDERS} + 1))::uuid || '/',
       'sample_' || i || '.fastq', false,
       now(), %(user)s
FROM generate_series(1, %(files)s) AS i;

INSERT INTO files_fileversion (id, file_id, upload_id, version, is_deleted, upload_reused, created_on, created_by_id)
SELECT md5(%(p)s::text || 'version' || i)::uuid, md5(%(p)s::text || 'file' || i)::uuid,
       md5(%(p)s::text || 'upload' || i)::uuid, 1,
       false, false, now(), %(user)s
FROM generate_series(1, %(files)s) AS i;

UPDATE files_container
SET current_version_id = md5(%(p)s::text || 'version' || substr(name, 8, length(name) - 13))::uuid
WHERE project_id = %(project)s AND kind = 'dds-file';
"""


def generate(files):
    """Two projects of `files` files (and a small one of another user's); returns ids and tokens."""
    from django.db import connection, transaction

    from dds.accounts.services import user_create
    from dds.audit import Actor
    from dds.authentication import api_token_encode
    from files.services import folder_create
    from projects.services import project_create
    from uploads.models import StorageProvider

    owner, other = user_create(username="owner"), user_create(username="other")
    provider = StorageProvider.objects.get(is_default=True)
    made = {"owner": api_token_encode(user=owner)["api_token"], "other": api_token_encode(user=other)["api_token"]}
    mine = project_create(actor=Actor(user=other), name="Small", description="another user's")
    for n in range(20):
        folder_create(actor=Actor(user=other), project=mine, parent=None, name=f"folder {n}")
    made["small"] = str(mine.id)
    for key in ("folder_project", "project"):
        project = project_create(actor=Actor(user=owner), name=key, description=f"{files} files")
        top = folder_create(actor=Actor(user=owner), project=project, parent=None, name="all runs")
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in filter(str.strip, GENERATE.split(";")):
                cursor.execute(
                    statement,
                    {
                        "p": key,
                        "project": project.id,
                        "top": top.id,
                        "top_path": top.subtree_path,
                        "user": owner.id,
                        "provider": provider.id,
                        "files": files,
                    },
                )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"generated {key}: {files} files in {FOLDERS} folders in {time.perf_counter() - started:.1f} s")
        made[key], made[f"{key}_top"] = str(project.id), str(top.id)
    return made


class Others:
    """Another user's requests, one after another, each with when it was sent and how long it took."""

    def __init__(self, url, token, project_id):
        import requests

        self.session = requests.Session()
        self.session.headers["Authorization"] = token
        self.url = f"{url}/api/v1/projects/{project_id}/children?per_page=20"
        self.samples, self.errors = [], 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.is_set():
            started = time.perf_counter()
            try:
                status = self.session.get(self.url, timeout=60).status_code
            except OSError:
                status = None
            self.samples.append((time.monotonic(), (time.perf_counter() - started) * 1000))
            self.errors += status != 200
            time.sleep(0.02)

    def between(self, start, end):
        return [ms for at, ms in self.samples if start <= at <= end]

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=60)


def follow(deletion_filter, *, purge_wait, project_id):
    """Wait for the deletion to finish, then for its purges (up to `purge_wait` s); (finished after, purged, rate)."""
    from files.models import Deletion
    from uploads.models import Upload

    started = time.monotonic()
    while not Deletion.objects.filter(**deletion_filter, finished_on__isnull=False).exists():
        time.sleep(0.2)
    finished = time.monotonic() - started
    to_purge = Upload.objects.filter(project_id=project_id, purge_requested_on__isnull=False)
    deadline = time.monotonic() + purge_wait
    while to_purge.filter(purged_on=None).exists() and time.monotonic() < deadline:
        time.sleep(1)
    purged = to_purge.filter(purged_on__isnull=False).count()
    return finished, purged, purged / (time.monotonic() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--purge-wait", type=int, default=600)
    arguments = parser.parse_args()

    print_machine()
    recreate_database(DATABASE_URL)
    storage = scratch_dir("deletes")
    env = server_env(
        DATABASE_URL,
        storage / "storage",
        ACTIVE_JOB_QUEUE_ADAPTER="dramatiq",
        CLOUDAMQP_URL=rabbitmq_vhost("dds_bench_deletes"),
        DELETION_BATCH=arguments.batch,
    )
    manage(env, "migrate", "-v0")
    django_setup({**env, "ACTIVE_JOB_QUEUE_ADAPTER": "inline", "CLOUDAMQP_URL": ""})
    made = generate(arguments.files)

    import requests

    processes = Processes()
    web = Gunicorn(processes, env, workers=4, log=storage / "gunicorn.log")
    start_workers(processes, env, storage / "workers.log", "delete_tree", "purge_upload", "initialize_project_storage")
    others = Others(web.url, made["other"], made["small"])
    time.sleep(20)
    idle = others.between(0, time.monotonic())
    owner = {"Authorization": made["owner"]}

    rows = []
    for what, path, deletion_filter, project_id in (
        (
            "folder",
            f"/folders/{made['folder_project_top']}",
            {"root_id": made["folder_project_top"]},
            made["folder_project"],
        ),
        ("project", f"/projects/{made['project']}", {"project_id": made["project"], "root": None}, made["project"]),
    ):
        began = time.monotonic()
        started = time.perf_counter()
        status = requests.delete(f"{web.url}/api/v1{path}", headers=owner, timeout=900).status_code
        answered = time.perf_counter() - started
        finished, purged, rate = follow(deletion_filter, purge_wait=arguments.purge_wait, project_id=project_id)
        during = others.between(began, began + finished)
        rows.append(
            (
                f"DELETE {what} of {arguments.files:,} files",
                status,
                f"{answered * 1000:.0f} ms",
                f"{finished:.1f} s",
                f"{purged:,} ({rate:.0f}/s)",
                f"{percentile(idle, 0.5):.0f} / {percentile(idle, 0.99):.0f} ms",
                f"{percentile(during, 0.5):.0f} / {percentile(during, 0.99):.0f} ms ({len(during)})",
            )
        )
    others.stop()
    table(
        (
            "request",
            "status",
            "answered in",
            "all marked, purges requested",
            "purged (rate)",
            "another user p50 / p99 idle",
            "p50 / p99 meanwhile (requests)",
        ),
        rows,
    )
    print(f"another user's errors: {others.errors}")


if __name__ == "__main__":
    main()
