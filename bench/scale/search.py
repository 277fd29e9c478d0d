"""Measure search over HTTP on the data of bench/scale/generate.py: the first page of POST /search/folders_files
with facets at each project size, tag autocomplete, and how long a change takes to be found (inline and workers).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dds_scale .venv/bin/python bench/scale/search.py \
        [--repeat 20] [--trials 20] [--no-workers]

Serves DDS as drive.py does (gunicorn, 4 sync workers, PostgreSQL, DEBUG off) on loopback, as the owner of every
project. Each request is timed `--repeat` times one at a time after one unmeasured request: p50 and p99 (with 20
repetitions the p99 is the slowest but one, interpolated). The statements of each request are counted once more in
this process (Django's test client on the same database).

Visibility: `--trials` times, a file of the smallest tree is renamed (PUT /files/{id}/rename) or tagged (POST
/tags/dds-file/{id}) to a word of its own, then POST /search/folders_files asks for that word until it finds it, one
search after another; the lag is from sending the change to the answer that finds it. Once with inline jobs, once
with `ACTIVE_JOB_QUEUE_ADAPTER=dramatiq` and `manage.py run_workers index_search_document` on a RabbitMQ virtual host
of its own (deleted after). Prints Markdown tables for bench/SCALE.md and writes `var/scale-search.json`.
"""

import argparse
import atexit
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(1, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dds_scale")

from drive import Http, statements  # noqa: E402  (bench/scale/drive.py: the same client and statement count)
from harness.sandbox import django_setup, rabbitmq_vhost, scratch_dir, server_env  # noqa: E402
from harness.servers import Gunicorn, Processes, start_workers  # noqa: E402

STATE = ROOT / "var" / "scale.json"
RESULTS = ROOT / "var" / "scale-search.json"
API = "/api/v1"
VHOST = "dds_bench_scale_search"
SEARCH = "/search/folders_files?page=1&per_page=100"
FACETS = [{"field": "project.name", "name": "projects"}, {"field": "tags.label", "name": "tags"}]
WORDS = (("rare word", "needle"), ("common word", "_r1"))


def cases(state):
    """(size label, what, method, path, body) for every measured request."""
    found = []
    for size, tree in sorted(state["trees"].items(), key=lambda item: int(item[0])):
        scope = [{"project.id": [tree["project"]]}]
        for what, word in WORDS:
            body = {"query_string": {"query": word}, "filters": scope, "aggs": FACETS}
            found.append((f"{int(size):,}", f"one project, {what}, facets", "POST", SEARCH, body))
    everything = state["documents"]
    for what, word in WORDS:
        body = {"query_string": {"query": word}, "aggs": FACETS}
        found.append((f"{everything:,} documents", f"all projects, {what}, facets", "POST", SEARCH, body))
    labels = state["labels"]
    for contains in ("tag-04217", "tag-0421", "qc-pass"):
        path = f"/tags/labels?label_contains={contains}"
        found.append((f"{labels:,} labels", f"tag labels, label_contains={contains}", "GET", path, None))
    return found


def percentile(values, share):
    """The `share` (0–1) percentile of `values`, interpolated between the nearest ranks."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * share
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def measure(http, client, repeat, state):
    rows = []
    for size, what, method, path, body in cases(state):
        http.request(method, path, body)  # warm
        times = []
        for _ in range(repeat):
            elapsed, status, _, content = http.request(method, path, body)
            times.append(elapsed * 1000)
        answer = json.loads(content)
        row = {
            "size": size,
            "what": what,
            "path": f"{method} {path}",
            "status": status,
            "p50_ms": percentile(times, 0.5),
            "p99_ms": percentile(times, 0.99),
            "bytes": len(content),
            "results": len(answer["results"]),
            "statements": statements(client, method, path, body),
        }
        rows.append(row)
        print(f"{size:>16} {what:<48} p50 {row['p50_ms']:7.1f} p99 {row['p99_ms']:7.1f} ms", flush=True)
    return rows


def file_id(size, index):
    """The id generate.py gave file `index` of the tree of `size` files (md5('t<size>-f-<index>')::uuid)."""
    return str(uuid.UUID(hashlib.md5(f"t{size}-f-{index}".encode()).hexdigest()))


def visibility(http, state, mode, trials):
    """`{change: [lag s]}` of `trials` renames and `trials` new tags, each found by a word of its own."""
    size = min(state["trees"], key=int)
    project = state["trees"][size]["project"]
    lags = {"rename": [], "new tag": []}
    for trial in range(trials):
        for change, field in (("rename", "name"), ("new tag", "tags.label")):
            word = f"{mode}{uuid.uuid4().hex[:12]}"
            target = file_id(size, 1 + trial * 2 + (change == "new tag"))
            started = time.perf_counter()
            if change == "rename":
                http.request("PUT", f"/files/{target}/rename", {"name": f"{word}.txt"})
            else:
                http.request("POST", f"/tags/dds-file/{target}", {"label": word})
            body = {"query_string": {"query": word, "fields": [field]}, "filters": [{"project.id": [project]}]}
            while True:
                _, _, _, content = http.request("POST", SEARCH, body)
                if json.loads(content)["results"]:
                    break
                if time.perf_counter() - started > 120:
                    raise RuntimeError(f"{change} {word} not found after 120 s ({mode})")
            lags[change].append(time.perf_counter() - started)
    for change, values in lags.items():
        print(
            f"visibility {mode:<8} {change:<8} p50 {percentile(values, 0.5) * 1000:7.1f} "
            f"p99 {percentile(values, 0.99) * 1000:7.1f} ms",
            flush=True,
        )
    return lags


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--no-workers", action="store_true", help="skip the visibility lag with dramatiq workers")
    arguments = parser.parse_args()

    state = json.loads(STATE.read_text())
    database_url = os.environ["DATABASE_URL"]
    storage = scratch_dir("scale-search") / "storage"
    env = server_env(database_url, storage, JOB_SWEEP_EVERY=0)
    django_setup(env)
    # Here, not at the top: Django is set up above.
    from django.test import Client

    from dds.accounts.models import User
    from dds.authentication import api_token_encode
    from search.models import Document

    state["documents"] = Document.objects.count()
    token = api_token_encode(user=User.objects.get(pk=state["owner"]))["api_token"]
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=token)
    processes = Processes()
    logs = scratch_dir("scale-search-log")
    load = [os.getloadavg()]
    server = Gunicorn(processes, env, workers=4, log=logs / "gunicorn.log", timeout=120, ready=f"{API}/")
    http = Http(server.url, token)
    rows = measure(http, client, arguments.repeat, state)
    lags = {"inline": visibility(http, state, "inline", arguments.trials)}
    server.stop()
    load.append(os.getloadavg())
    if not arguments.no_workers:
        broker = rabbitmq_vhost(VHOST)
        atexit.register(subprocess.run, ["rabbitmqctl", "-q", "delete_vhost", VHOST], capture_output=True, timeout=60)
        queued = server_env(database_url, storage, ACTIVE_JOB_QUEUE_ADAPTER="dramatiq", CLOUDAMQP_URL=broker)
        workers = start_workers(processes, queued, logs / "workers.log", "index_search_document")
        server = Gunicorn(processes, queued, workers=4, log=logs / "gunicorn-queued.log", timeout=120, ready=f"{API}/")
        lags["workers"] = visibility(Http(server.url, token), state, "workers", arguments.trials)
        server.stop()
        processes.stop(workers)
        load.append(os.getloadavg())
    RESULTS.write_text(json.dumps({"rows": rows, "visibility_s": lags, "load_average": load}, indent=2))
    _tables(rows, lags, load)


def _tables(rows, lags, load):
    print()
    print("| path | size | p50 ms | p99 ms | statements | bytes | results |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['what']} | {row['size']} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['statements']} "
            f"| {row['bytes']:,} | {row['results']} |"
        )
    print()
    print("| mode | change | trials | p50 ms | p99 ms | max ms |")
    print("|---|---|---:|---:|---:|---:|")
    for mode, changes in lags.items():
        for change, values in changes.items():
            print(
                f"| {mode} | {change} | {len(values)} | {percentile(values, 0.5) * 1000:.0f} "
                f"| {percentile(values, 0.99) * 1000:.0f} | {max(values) * 1000:.0f} |"
            )
    print(
        "\nload average (1, 5, 15 min) at the start and after each part: "
        + "; ".join(", ".join(f"{value:.1f}" for value in sample) for sample in load)
    )


if __name__ == "__main__":
    main()
