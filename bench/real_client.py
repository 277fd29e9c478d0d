"""The real DukeDSClient 4.0.0 (`ddsclient upload` and `download`) against the service, side by side with the same
client against the sink (bench/sink.py: the client's own floor) and with this machine's write + md5 limit.

    .venv/bin/python bench/real_client.py [--big-mib 1024] [--chunk-mb 50 100] [--small-count 1000] [--runs 3]
                                          [--stacks embedded production] [--workers 4]

Cases: (a) one file of --big-mib MiB uploaded with each --chunk-mb (`upload_bytes_per_chunk`), then downloaded;
(b) a tree of --small-count files of 1-64 KiB (100 to a folder) uploaded, then downloaded. `upload_workers: 2`,
the client's other settings as it ships them. Stacks: `embedded` is the quick start, bin/serve (gunicorn, one
process of threads) on SQLite with jobs inline; `production` is gunicorn with --workers sync workers on PostgreSQL,
jobs on a RabbitMQ virtual host of its own and `manage.py run_workers`. Needs PostgreSQL and RabbitMQ on 127.0.0.1
for `production`, gunicorn in .venv, and the client's virtualenv .venv-ddsclient (bin/test makes it).

Every figure is the wall time of one `ddsclient` command, start to exit (the PyPI version check is skipped, as in
tests/ddsclient.py): an upload ends when the client has checked that the project is consistent, as it does by
default, so it includes the seconds it sleeps when the service answers resource_not_consistent (5 s for the project
file listing it checks at the end, 2 s for a new upload or chunk). Each case runs the service, the sink and the
limit one after the other, the order rotated from round to round, and the table shows medians over --runs rounds.
The limit is what this machine does at best with the same bytes: for the big file, writing it to the same disk while
computing its md5, fsync included (bench/transfer.py's limit); for the tree, writing each file and computing its
md5 (no fsync: the service does not sync a small file either). For the tree, the service's access log gives the
requests per file, and its 404 answers the consistency waits the client slept through.
"""

import argparse
import atexit
import hashlib
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import harness
import yaml
from harness import MiB, ceilings, hardware, sandbox, servers, sources, tables

from tests.client import wait_until
from tests.ddsclient import CLIENT_PYTHON, ddsclient_cli, write_client_config

VHOST = "dds_bench_real_client"
SMALL_MIN, SMALL_MAX, PER_FOLDER = 1024, 64 * 1024, 100
REQUEST = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) ')
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FILES_LISTING = re.compile(r"^/api/v1/projects/\{id\}/files$")
CHECK_SLEEP, RETRY_SLEEP = 5, 2  # ddsc ProjectChecker.wait_for_consistency, RetrySettings.RESOURCE_NOT_CONSISTENT…


# --- the stacks ----------------------------------------------------------------------------------------------------


class Stack:
    """A running service on loopback: its API URL, the log holding its access log, a client config per chunk size."""

    def __init__(self, name, url, log, env):
        self.name, self.url, self.log, self.env = name, url, Path(log), env

    def client_config(self, path, **settings):
        output = subprocess.run(
            [harness.PYTHON, "manage.py", "create_client_config", "bench", "--create-user", "--url", self.url],
            cwd=harness.ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        keys = yaml.safe_load(output)
        return write_client_config(path, self.url, user_key=keys["user_key"], agent_key=keys["agent_key"], **settings)

    def log_mark(self):
        return self.log.stat().st_size

    def requests_since(self, mark):
        """(method, path with ids as {id} and no query, status) of every request logged since `mark`."""
        time.sleep(0.5)  # gunicorn logs a request just after answering it
        with self.log.open("rb") as log:
            log.seek(mark)
            text = log.read().decode(errors="replace")
        return [
            (match["method"], UUID.sub("{id}", match["path"].split("?", 1)[0]), int(match["status"]))
            for match in REQUEST.finditer(text)
        ]


def start_embedded(processes, scratch):
    """The quick start's server, bin/serve, on a SQLite database and storage of the benchmark's own."""
    root = scratch / "embedded"
    (root / "storage").mkdir(parents=True)
    env = sandbox.server_env(f"sqlite:///{root / 'dds.sqlite3'}", root / "storage")
    sandbox.manage(env, "migrate", "--verbosity", "0")
    port = servers.free_port()
    log = root / "serve.log"
    server = processes.start(["bin/serve"], env={**env, "HOST": "127.0.0.1", "PORT": str(port)}, log=log)
    base = f"http://127.0.0.1:{port}"

    def up():
        if server.poll() is not None:
            raise RuntimeError(f"bin/serve exited: {log.read_text()[-3000:]}")
        return servers.answers(f"{base}/health")

    wait_until(up, timeout=60, what="bin/serve")
    return Stack("embedded", f"{base}/api/v1", log, env)


def start_production(processes, scratch, workers):
    """gunicorn × `workers` on PostgreSQL, jobs on RabbitMQ run by `manage.py run_workers`."""
    root = scratch / "production"
    (root / "storage").mkdir(parents=True)
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dds_bench_real_client")
    sandbox.recreate_database(database_url)
    broker_url = sandbox.rabbitmq_vhost(VHOST)
    atexit.register(subprocess.run, ["rabbitmqctl", "-q", "delete_vhost", VHOST], capture_output=True, timeout=60)
    env = sandbox.server_env(
        database_url, root / "storage", ACTIVE_JOB_QUEUE_ADAPTER="dramatiq", CLOUDAMQP_URL=broker_url
    )
    sandbox.manage(env, "migrate", "--verbosity", "0")
    servers.start_workers(processes, env, root / "workers.log")
    server = servers.Gunicorn(processes, env, workers=workers, log=root / "gunicorn.log", access_log=True)
    return Stack("production", f"{server.url}/api/v1", server.process.log, env)


def start_sink(processes, scratch):
    log = scratch / "sink.log"
    sink = processes.start([harness.PYTHON, str(Path(__file__).with_name("sink.py"))], env=dict(os.environ), log=log)

    def listening():
        if sink.poll() is not None:
            raise RuntimeError(f"the sink exited: {log.read_text()[-3000:]}")
        found = re.search(r"listening on (\S+)", log.read_text())
        return found and found[1]

    return sink, wait_until(listening, timeout=30, what="the sink") + "/api/v1"


# --- what is measured ----------------------------------------------------------------------------------------------


def make_tree(root, count, seed=17):
    """`count` files of random bytes and sizes, PER_FOLDER to a folder; returns their paths."""
    sizes = random.Random(seed)
    paths = []
    for index in range(count):
        path = root / f"d{index // PER_FOLDER:03d}" / f"f{index:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(sizes.randint(SMALL_MIN, SMALL_MAX)))
        paths.append(path)
    return paths


def tree_limit(paths, source_root, target_root):
    """Seconds to write every file of the tree under `target_root` while computing its md5."""
    os.sync()  # start with no writeback pending (not timed)
    started = time.perf_counter()
    for path in paths:
        data = path.read_bytes()
        hashlib.md5(data).hexdigest()
        target = target_root / path.relative_to(source_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    elapsed = time.perf_counter() - started
    shutil.rmtree(target_root)
    return elapsed


def ddsclient(config, *args):
    """Seconds one `ddsclient` command takes, and the CPU seconds the client's processes used meanwhile (on this
    machine's 2 cores, every one of them is taken from the server); a failing command stops the benchmark."""
    os.sync()  # start with no writeback pending (not timed)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = ddsclient_cli(config, *args, timeout=3600)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        sys.exit(
            f"ddsclient {' '.join(args)} failed ({completed.returncode}):\n{completed.stdout[-3000:]}\n"
            f"{completed.stderr[-3000:]}"
        )
    return elapsed, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def prime_listing(api_url, project_name):
    """List the sink's project once (untimed), so that it has the md5 of its zeros ready."""
    project = next(
        project
        for project in _get_json(f"{api_url}/projects?per_page=1000")["results"]
        if project["name"] == project_name
    )
    _get_json(f"{api_url}/projects/{project['id']}/files?per_page=1000000")


def _get_json(url):
    request = urllib.request.Request(url, headers={"Authorization": "sink"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.load(response)


def waits(requests):
    """(count, seconds) of the consistency waits the client slept through: one per 404 it was answered."""
    slept = [CHECK_SLEEP if FILES_LISTING.match(path) else RETRY_SLEEP for _, path, status in requests if status == 404]
    return len(slept), sum(slept)


def per_route(requests, files):
    counts = {}
    for method, path, _ in requests:
        route = f"{method} {path}"
        counts[route] = counts.get(route, 0) + 1
    return ", ".join(f"{route} {count / files:.2f}" for route, count in sorted(counts.items(), key=lambda i: -i[1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mib", type=int, default=1024, help="size of the big file")
    parser.add_argument("--chunk-mb", type=int, nargs="+", default=[50, 100], help="upload_bytes_per_chunk, in MB")
    parser.add_argument("--small-count", type=int, default=1000, help="files in the tree of small files")
    parser.add_argument("--runs", type=int, default=3, help="rounds; the table shows medians")
    parser.add_argument("--stacks", nargs="+", default=["embedded", "production"], choices=["embedded", "production"])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers of the production stack")
    arguments = parser.parse_args()
    if not CLIENT_PYTHON.exists():
        sys.exit(f"the DukeDSClient virtualenv is missing ({CLIENT_PYTHON}): bin/test makes it")

    scratch = sandbox.scratch_dir("real-client")
    hardware.print_machine(str(scratch))
    print(
        f"big file {arguments.big_mib} MiB, chunks of {' and '.join(map(str, arguments.chunk_mb))} MB; "
        f"{arguments.small_count} files of {SMALL_MIN // 1024}-{SMALL_MAX // 1024} KiB; upload_workers 2; "
        f"{arguments.runs} rounds; stacks {', '.join(arguments.stacks)} (production: gunicorn "
        f"{arguments.workers} sync workers, run_workers on RabbitMQ)"
    )
    big = sources.SourceFile(scratch / "big.bin", arguments.big_mib * MiB, arguments.big_mib * MiB)
    small_root = scratch / "small"
    small = make_tree(small_root, arguments.small_count)
    processes = servers.Processes()
    sink_process, sink_url = start_sink(processes, scratch)
    cpu = hardware.CpuShare()

    rows, costs = [], []
    for stack_name in arguments.stacks:
        if stack_name == "embedded":
            stack = start_embedded(processes, scratch)
        else:
            stack = start_production(processes, scratch, arguments.workers)
        configs = {}
        for chunk_mb in arguments.chunk_mb:
            settings = {"upload_bytes_per_chunk": f"{chunk_mb}MB", "upload_workers": 2}
            configs[("service", chunk_mb)] = stack.client_config(scratch / f"{stack_name}-{chunk_mb}.yml", **settings)
            configs[("sink", chunk_mb)] = write_client_config(
                scratch / f"sink-{stack_name}-{chunk_mb}.yml", sink_url, user_key="sink", agent_key="sink", **settings
            )
        first = arguments.chunk_mb[0]
        cases = [(f"upload {arguments.big_mib} MiB, {mb} MB chunks", "big", mb) for mb in arguments.chunk_mb]
        cases += [
            (f"upload {arguments.small_count} files of 1-64 KiB", "small", first),
            (f"download {arguments.big_mib} MiB", "big-down", first),
            (f"download {arguments.small_count} files", "small-down", first),
        ]
        figures = {
            case: {
                "service": [],
                "sink": [],
                "service cpu": [],
                "sink cpu": [],
                "limit": [],
                "waits": [],
                "requests": [],
            }
            for case, _, _ in cases
        }
        for round_ in range(arguments.runs):
            for case, kind, chunk_mb in cases:
                order = ["service", "sink", "limit"]
                order = order[round_ % 3 :] + order[: round_ % 3]
                for target in order:
                    measure = figures[case]
                    if target == "limit":
                        if kind.startswith("big"):
                            measure["limit"].append(ceilings.disk_limit(big, scratch))
                        else:
                            measure["limit"].append(tree_limit(small, small_root, scratch / "limit-tree"))
                        continue
                    api_url = stack.url if target == "service" else sink_url
                    config = configs[(target, chunk_mb)]
                    upload_project = f"{stack_name}-{kind.removesuffix('-down')}-{chunk_mb}-{round_}"
                    mark = stack.log_mark()
                    if kind.endswith("-down"):
                        if target == "sink":
                            prime_listing(api_url, upload_project)
                        out = scratch / f"out-{target}"
                        seconds, cpu_seconds = ddsclient(config, "download", "-p", upload_project, str(out))
                        shutil.rmtree(out)
                    else:
                        source = str(big.path) if kind == "big" else str(small_root)
                        seconds, cpu_seconds = ddsclient(config, "upload", "-p", upload_project, source)
                    measure[target].append(seconds)
                    measure[f"{target} cpu"].append(cpu_seconds)
                    print(
                        f"{stack_name}, round {round_ + 1}: {case}, {target} {seconds:.2f} s "
                        f"(client CPU {cpu_seconds:.2f} s)",
                        flush=True,
                    )
                    if target == "service":
                        requests = stack.requests_since(mark)
                        measure["waits"].append(waits(requests))
                        measure["requests"].append(requests)
        for case, kind, _ in cases:
            measure = figures[case]
            service, floor = tables.median(measure["service"]), tables.median(measure["sink"])
            slept = tables.median([seconds for _, seconds in measure["waits"]])
            files = arguments.small_count if kind.startswith("small") else 1
            requests = tables.median([len(r) for r in measure["requests"]])
            rows.append(
                [
                    stack_name,
                    case,
                    f"{service:.2f} ({' '.join(f'{v:.2f}' for v in measure['service'])})",
                    f"{floor:.2f} ({' '.join(f'{v:.2f}' for v in measure['sink'])})",
                    f"{floor / service:.2f}",
                    f"{tables.median(measure['service cpu']):.2f} / {tables.median(measure['sink cpu']):.2f}",
                    f"{tables.median(measure['limit']):.2f}",
                    f"{slept:g} s ({' '.join(str(count) for count, _ in measure['waits'])})",
                    f"{requests / files:.1f}" if files > 1 else f"{requests:g}",
                    f"{service / files:.3f}" if files > 1 else "",
                ]
            )
            if kind == "small":
                costs.append(
                    f"{stack_name}, {case}: requests per file by route: {per_route(measure['requests'][-1], files)}"
                )
        for process in reversed(processes.started):
            if process is not sink_process:
                processes.stop(process)

    print()
    tables.table(
        [
            "where",
            "what",
            "real client s (runs)",
            "sink s (runs)",
            "ratio sink/service",
            "client CPU s (service / sink)",
            "limit s",
            "consistency waits slept, median (waits per run)",
            "requests at the service (per file)",
            "s per file",
        ],
        rows,
    )
    print()
    for line in costs:
        print(line)
    print(cpu.report())


if __name__ == "__main__":
    main()
