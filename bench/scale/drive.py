"""Measure every read path over HTTP on the data of bench/scale/generate.py, at each size, with its statements.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dds_scale .venv/bin/python bench/scale/drive.py [--repeat 5]

Serves DDS as in production (gunicorn, 4 sync workers, PostgreSQL, inline jobs, DEBUG off) on loopback and times
each request `--repeat` times, one at a time, after one unmeasured request; a "last page" asks the first page for
`X-Total-Pages` first. The statements of each request are counted once more in this process (Django's test client
on the same database). Prints a Markdown table for bench/SCALE.md, writes `var/scale-reads.json` and, when
matplotlib is installed (requirements/bench.txt), the plot `bench/scale/reads.png`.
"""

import argparse
import json
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(1, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dds_scale")

from harness.sandbox import django_setup, scratch_dir, server_env  # noqa: E402
from harness.servers import Gunicorn, Processes, memory_kb  # noqa: E402

STATE = ROOT / "var" / "scale.json"
RESULTS = ROOT / "var" / "scale-reads.json"
PLOT = ROOT / "bench" / "scale" / "reads.png"
API = "/api/v1"


def cases(state):
    """(path group, size label, what, method, path, body, last page?) for every measured request."""
    found = []
    for size, tree in sorted(state["trees"].items(), key=lambda item: int(item[0])):
        project, label = tree["project"], f"{int(size):,}"
        for what, path in (
            ("top level, first page", f"/projects/{project}/children"),
            ("whole tree (name_contains=), first page", f"/projects/{project}/children?name_contains="),
            ("whole tree (name_contains=), last page", f"/projects/{project}/children?name_contains="),
            ("name_contains rare name", f"/projects/{project}/children?name_contains=needle"),
            ("name_contains common name, first page", f"/projects/{project}/children?name_contains=_R1"),
            ("project files, first page", f"/projects/{project}/files"),
            ("project files, last page", f"/projects/{project}/files"),
        ):
            found.append(("files", label, what, "GET", path, None, what.endswith("last page")))
    wide = state["wide"]
    for what in ("folder of 100,000, first page", "folder of 100,000, last page"):
        path = f"/folders/{wide['folder']}/children"
        found.append(("wide", "100,000", what, "GET", path, None, what.endswith("last page")))
    for what in ("GET /projects, first page", "GET /projects, last page"):
        found.append(("projects", "10,000", what, "GET", "/projects", None, what.endswith("last page")))
    members = state["members"]
    for what in ("permissions, first page", "permissions, last page"):
        path = f"/projects/{members['project']}/permissions"
        found.append(("members", f"{members['count']:,}", what, "GET", path, None, what.endswith("last page")))
    for versions, chain in sorted(state["chains"].items(), key=lambda item: int(item[0])):
        start = {"kind": "dds-file-version", "id": chain["last_version"]}
        for hops in (2, 10, None):
            body = {"start_node": start, **({"max_hops": hops} if hops else {})}
            what = f"provenance search, max_hops {hops or 'absent'}"
            found.append(("provenance", f"{int(versions):,}", what, "POST", "/search/provenance", body, False))
    return found


def _with_page(path, page, per_page=100):
    return f"{path}{'&' if '?' in path else '?'}page={page}&per_page={per_page}"


class Http:
    def __init__(self, url, token):
        self.url, self.token = url, token

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{API}{path}", data=data, method=method)
        request.add_header("Authorization", self.token)
        request.add_header("Content-Type", "application/json")
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=600) as response:
            content = response.read()
            return time.perf_counter() - started, response.status, dict(response.headers), content


def statements(client, method, path, body):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.generic(method, f"{API}{path}", json.dumps(body) if body else "", "application/json")
    assert response.status_code < 300, response.content[:300]
    return len(captured)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()

    state = json.loads(STATE.read_text())
    env = server_env(os.environ["DATABASE_URL"], scratch_dir("scale") / "storage", JOB_SWEEP_EVERY=0)
    django_setup(env)
    # Here, not at the top: Django is set up above.
    from django.test import Client

    from dds.accounts.models import User
    from dds.authentication import api_token_encode

    token = api_token_encode(user=User.objects.get(pk=state["owner"]))["api_token"]
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=token)
    processes = Processes()
    # Ready once the API answers: /health's counts of pending work are the sweeper's (bench/SCALE.md, "Deletes").
    log = scratch_dir("scale-log") / "gunicorn.log"
    server = Gunicorn(processes, env, workers=4, log=log, timeout=120, ready=f"{API}/")
    http = Http(server.url, token)
    rows = []
    for group, size, what, method, path, body, last in cases(state):
        if method == "GET":
            first = _with_page(path, 1)
            pages = int(http.request("GET", first)[2].get("X-Total-Pages") or 1)
            path = _with_page(path, pages if last else 1)
        http.request(method, path, body)  # warm
        times = []
        for _ in range(arguments.repeat):
            elapsed, status, headers, content = http.request(method, path, body)
            times.append(elapsed)
        row = {
            "group": group,
            "size": size,
            "what": what,
            "path": path,
            "status": status,
            "median_ms": statistics.median(times) * 1000,
            "max_ms": max(times) * 1000,
            "bytes": len(content),
            "statements": statements(client, method, path, body),
        }
        if group == "provenance":
            answer = json.loads(content)
            row["nodes"], row["truncated"] = len(answer["graph"]["nodes"]), answer.get("truncated")
        rows.append(row)
        print(f"{size:>9} {what:<45} {row['median_ms']:8.1f} ms {row['statements']:3} statements", flush=True)
    peak = max(memory_kb(pid)[0] for pid in server.worker_pids()) // 1024
    server.stop()
    RESULTS.write_text(json.dumps({"rows": rows, "worker_peak_mib": peak}, indent=2))
    _table(rows, peak)
    _plot(rows)


def _table(rows, peak):
    print()
    print("| path | size | median ms | max ms | statements | bytes | note |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for row in rows:
        note = ""
        if "nodes" in row:
            note = f"{row['nodes']} nodes, truncated {str(row['truncated']).lower()}"
        print(
            f"| {row['what']} | {row['size']} | {row['median_ms']:.1f} | {row['max_ms']:.1f} | {row['statements']} "
            f"| {row['bytes']:,} | {note} |"
        )
    print(f"\nlargest gunicorn worker (VmHWM) after the run: {peak} MiB")


def _plot(rows):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install -r requirements/bench.txt): no plot")
        return
    figure, axes = plt.subplots(figsize=(8, 5))
    for what in dict.fromkeys(row["what"] for row in rows if row["group"] == "files"):
        points = [(int(row["size"].replace(",", "")), row["median_ms"]) for row in rows if row["what"] == what]
        axes.plot(*zip(*points, strict=True), marker="o", label=what)
    axes.set_xscale("log")
    axes.set_xlabel("files in the project")
    axes.set_ylabel("median ms per request (HTTP)")
    axes.set_title("Listing pages against project size")
    axes.legend(fontsize=7)
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(PLOT, dpi=100)
    print(f"plot: {PLOT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
