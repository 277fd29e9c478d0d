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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent))  # after the project: bench/ must not shadow its apps
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dds.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dds_bench")
os.environ["ACTIVE_JOB_QUEUE_ADAPTER"] = "inline"
os.environ.pop("CLOUDAMQP_URL", None)

from harness.fixtures import build  # noqa: E402
from harness.hardware import CpuShare, print_machine  # noqa: E402
from harness.sandbox import in_process_django  # noqa: E402


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

    print_machine()
    in_process_django()
    # Here, not at the top: Django is set up after this module is imported.
    from rest_framework.test import APIClient

    from dds.authentication import api_token_encode

    started = time.perf_counter()
    user, project = build(arguments.files)
    print(f"built {arguments.files} files in {time.perf_counter() - started:.1f} s")
    cpu = CpuShare()
    client = APIClient(SERVER_NAME="localhost")
    client.credentials(HTTP_AUTHORIZATION=api_token_encode(user=user)["api_token"])
    for title, path, params in (
        ("GET /projects/{id}/files", f"/api/v1/projects/{project.id}/files", {}),
        (
            "GET /projects/{id}/children?name_contains=",
            f"/api/v1/projects/{project.id}/children",
            {"name_contains": ""},
        ),
    ):
        rows = measure(client, path, arguments.per_page, **params)
        latencies = [row[1] for row in rows]
        print(f"\n{title}, {arguments.per_page} per page, {len(rows)} pages")
        print("page  ms      queries")
        for page, milliseconds, queries in rows[:3] + rows[-3:]:
            print(f"{page:<5} {milliseconds:<7.1f} {queries}")
        first, last = statistics.mean(latencies[:10]), statistics.mean(latencies[-10:])
        print(
            f"mean first 10 pages {first:.1f} ms, last 10 pages {last:.1f} ms (ratio {last / first:.2f}); "
            f"queries per page: {sorted({row[2] for row in rows})}"
        )

    print(cpu.report())


if __name__ == "__main__":
    main()
