"""Search the provenance of a long chain and print each search's latency and query count.

    .venv/bin/python bench/provenance_search.py [--activities 1000] [--per-activity 10]

The database named in DATABASE_URL (default dds_bench_provenance) is dropped and created anew (PostgreSQL), so point
it at a scratch database.
Activity i generated `--per-activity` file versions and used those of activity i-1 (tests/provenance/chain.py).
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent))  # after the project: bench/ must not shadow its apps
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dds.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dds_bench_provenance")
os.environ["ACTIVE_JOB_QUEUE_ADAPTER"] = "inline"
os.environ.pop("CLOUDAMQP_URL", None)

from harness.hardware import print_machine  # noqa: E402
from harness.sandbox import in_process_django  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--per-activity", type=int, default=10)
    arguments = parser.parse_args()

    print_machine()
    in_process_django()
    # Here, not at the top: Django is set up after this module is imported.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from dds.accounts.services import user_create
    from dds.audit import Actor
    from dds.authentication import api_token_encode
    from projects.services import project_create
    from tests.committing import commit_then_run_jobs
    from tests.provenance.chain import chain_create

    user = user_create(username="bench")
    with commit_then_run_jobs():
        project = project_create(actor=Actor(user=user), name="chain", description="provenance bench")
    started = time.perf_counter()
    chain = chain_create(
        project=project, owner=user, activities=arguments.activities, per_activity=arguments.per_activity
    )
    print(f"built {chain.nodes} nodes and {chain.relations} relations in {time.perf_counter() - started:.1f} s")
    client = APIClient(SERVER_NAME="localhost")
    client.credentials(HTTP_AUTHORIZATION=api_token_encode(user=user)["api_token"])
    print("search                                   ms       queries  nodes  relationships")
    for title, start, max_hops in (
        ("from the last version, no max_hops", {"kind": "dds-file-version", "id": str(chain.last.id)}, None),
        ("from the first activity, no max_hops", {"kind": "dds-activity", "id": str(chain.first.id)}, None),
        ("from the last version, max_hops 2", {"kind": "dds-file-version", "id": str(chain.last.id)}, 2),
    ):
        body = {"start_node": start, **({"max_hops": max_hops} if max_hops else {})}
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.post("/api/v1/search/provenance", body, format="json")
            elapsed = (time.perf_counter() - began) * 1000
        assert response.status_code == 201, response.content[:300]
        graph = response.json()["graph"]
        print(f"{title:<40} {elapsed:<8.0f} {len(queries):<8} {len(graph['nodes']):<6} {len(graph['relationships'])}")


if __name__ == "__main__":
    main()
