"""API throughput under load: PUT /uploads/{id}/chunks, GET /projects/{id}/files and GET /current_user against a bare
authenticated no-op endpoint (GET /bench/noop, bench/noop/urls.py), on one gunicorn server in the same run.

    .venv/bin/python bench/load.py [--workers 4] [--connections 8] [--duration 20] [--rounds 3] [--files 1000]
                                   [--per-page 100,10] [--profile]

Needs gunicorn in .venv (bin/install requirements/production.txt), Debian's wrk (apt-get install wrk) and
PostgreSQL on 127.0.0.1; DATABASE_URL (default postgres://postgres@127.0.0.1:5432/dds_bench_load) is dropped and
created anew. Jobs run inline (none of these requests makes one).

wrk (2 threads, --connections in all, --duration seconds each) runs against each endpoint in turn, the order
rotating each round; the rates compared are the medians over the rounds, p99 is wrk's. The server runs with
DJANGO_SETTINGS_MODULE=bench.noop.settings: the service plus GET /bench/noop, which authenticates the api_token as every
endpoint does and answers `{}`. current_user loads the user with their identities and serializes it: the lightest
endpoint of the API itself. PUT …/chunks registers
chunk numbers 1…10000 over 16 uploads (each wrk thread its own uploads, so no two requests lock the same chunk row)
and answers the chunk's signed URL; no bytes are sent. GET /projects/{id}/files pages through a project of --files
verified files, --per-page at a time (every file with a fresh signed download URL).
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

from harness import fixtures, hardware, profiles, sandbox, servers, tables

from tests.client import HttpApi

TARGET = 0.5
UPLOADS = 16

_CHUNKS_LUA = """
local uploads = {%(uploads)s}
local token = "%(token)s"
local counter = 0
local mine = {}
function setup(thread)
  thread:set("id", _G.next_id or 0)
  _G.next_id = (_G.next_id or 0) + 1
end
function init(args)
  for index, upload in ipairs(uploads) do
    if index %% %(threads)d == id then table.insert(mine, upload) end
  end
end
function request()
  counter = counter + 1
  local upload = mine[(counter %% #mine) + 1]
  local number = (math.floor(counter / #mine) %% 10000) + 1
  local body = string.format(
    '{"number": %%d, "size": 1048576, "hash": {"value": "%(md5)s", "algorithm": "md5"}}', number)
  return wrk.format("PUT", "/api/v1/uploads/" .. upload .. "/chunks",
                    {["Content-Type"] = "application/json", ["Authorization"] = token}, body)
end
"""

_GET_LUA = """
local token = "%(token)s"
local counter = 0
function request()
  counter = counter + 1
  local page = (counter %% %(pages)d) + 1
  return wrk.format("GET", string.format("%(path)s", page), {["Authorization"] = token})
end
"""

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(url, script, *, threads, connections, duration):
    """Requests per second, p50 and p99 latency (ms), requests, and the count of non-2xx answers and socket errors."""
    output = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
    ).stdout

    def latency(percent):
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        return float(match[1]) * _UNITS[match[2]]

    errors = sum(int(value) for value in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    errors += sum(int(value) for value in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "p50": latency(50),
        "p99": latency(99),
        "requests": int(re.search(r"(\d+) requests in", output)[1]),
        "errors": errors,
        "output": output,
    }


def queries(token, project, arguments):
    """Each endpoint once more in this process through Django's test client: SQL queries, their time, the rest."""
    from django.test import Client

    client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=token)
    body = '{"number": %d, "size": 1048576, "hash": {"value": "%s", "algorithm": "md5"}}'
    md5 = hashlib.md5(b"load").hexdigest()
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from uploads.models import Chunk

    def upload_holding(count):
        """A new upload with `count` chunks registered (written in bulk)."""
        made = client.post(
            f"/api/v1/projects/{project.id}/uploads",
            {"name": f"holding-{count}.bin", "content_type": "x/y", "size": 2**40},
            content_type="application/json",
        ).json()["id"]
        Chunk.objects.bulk_create(
            [
                Chunk(upload_id=made, number=number, size=2**20, hash_value=md5, hash_algorithm="md5", is_stored=False)
                for number in range(1, count + 1)
            ],
            batch_size=2000,
        )
        return made

    cases = [("GET /current_user", "GET", "/api/v1/current_user", None)]
    cases += [
        (
            f"PUT …/chunks, upload holding {count} chunks",
            "PUT",
            f"/api/v1/uploads/{upload_holding(count)}/chunks",
            body % (9999, md5),
        )
        for count in (0, 1000, 5000)
    ]
    cases += [
        (
            f"GET /projects/{{id}}/files?per_page={per_page}",
            "GET",
            f"/api/v1/projects/{project.id}/files?per_page={per_page}",
            None,
        )
        for per_page in (int(value) for value in arguments.per_page.split(","))
    ]
    profiles.request_costs(client, cases)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=20, help="seconds of each wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--per-page", default="100,10", help="page sizes of GET /projects/{id}/files, comma-separated")
    parser.add_argument("--profile", action="store_true", help="then one more run of each endpoint under py-spy")
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk (Debian's package)")

    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dds_bench_load")
    scratch = sandbox.scratch_dir("load")
    hardware.print_machine(str(scratch))
    print(
        f"gunicorn {arguments.workers} sync workers; wrk {arguments.threads} threads, {arguments.connections} "
        f"connections, {arguments.duration} s a run, {arguments.rounds} rounds; project of {arguments.files} files, "
        f"{arguments.per_page} a page"
    )

    sandbox.recreate_database(database_url)
    env = sandbox.server_env(database_url, scratch / "storage")
    sandbox.manage(env, "migrate", "--verbosity", "0")
    sandbox.django_setup(env)
    server_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.noop.settings"}
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from dds.authentication import api_token_encode

    user, project = fixtures.build(arguments.files)
    token = api_token_encode(user=user)["api_token"]
    processes = servers.Processes()
    server = servers.Gunicorn(processes, server_env, workers=arguments.workers, log=scratch / "gunicorn.log")
    api = HttpApi(server.url, token, timeout=600)
    uploads = [
        api.call(
            "POST",
            f"/projects/{project.id}/uploads",
            201,
            json={"name": f"load-{index}.bin", "content_type": "application/octet-stream", "size": 10000 * 2**20},
        )["id"]
        for index in range(UPLOADS)
    ]
    scripts = {
        "GET /bench/noop (baseline)": _GET_LUA % {"token": token, "pages": 1, "path": "/bench/noop?_=%d"},
        "GET /current_user": _GET_LUA % {"token": token, "pages": 1, "path": "/api/v1/current_user?_=%d"},
        "PUT /uploads/{id}/chunks": _CHUNKS_LUA
        % {
            "uploads": ", ".join(f'"{upload}"' for upload in uploads),
            "token": token,
            "threads": arguments.threads,
            "md5": hashlib.md5(b"load").hexdigest(),
        },
    }
    for per_page in (int(value) for value in arguments.per_page.split(",")):
        scripts[f"GET /projects/{{id}}/files?per_page={per_page}"] = _GET_LUA % {
            "token": token,
            "pages": -(-arguments.files // per_page),
            "path": f"/api/v1/projects/{project.id}/files?per_page={per_page}&page=%d",
        }
    for name, text in list(scripts.items()):
        path = scratch / f"{len(name)}-{abs(hash(name))}.lua"
        path.write_text(text)
        scripts[name] = path
    names = list(scripts)

    def run(name, duration):
        result = wrk(
            server.url, scripts[name], threads=arguments.threads, connections=arguments.connections, duration=duration
        )
        if result["errors"]:
            sys.exit(f"{name}: {result['errors']} failed requests\n{result['output']}")
        return result

    for name in names:  # warm-up: every worker has served every endpoint
        run(name, 3)
    cpu = hardware.CpuShare()
    results = {name: [] for name in names}
    for index in range(arguments.rounds):
        order = names[index % len(names) :] + names[: index % len(names)]
        for name in order:
            results[name].append(run(name, arguments.duration))
        print(f"round {index + 1}: " + ", ".join(f"{name} {results[name][-1]['rate']:.0f}/s" for name in names))

    baseline = tables.median([result["rate"] for result in results[names[0]]])
    rows = []
    for name in names:
        rate = tables.median([result["rate"] for result in results[name]])
        p50 = tables.median([result["p50"] for result in results[name]])
        p99 = tables.median([result["p99"] for result in results[name]])
        requests = sum(result["requests"] for result in results[name])
        ratio = rate / baseline
        is_baseline = name == names[0]
        rows.append(
            [
                name,
                f"{rate:.0f}",
                " ".join(f"{result['rate']:.0f}" for result in results[name]),
                requests,
                f"{p50:.1f}",
                f"{p99:.1f}",
                "" if is_baseline else f"{ratio:.2f}",
                "" if is_baseline else f">= {TARGET}",
                "" if is_baseline else tables.verdict(ratio >= TARGET),
            ]
        )
    print()
    tables.table(
        [
            "endpoint",
            "req/s (median)",
            "rounds",
            "requests",
            "p50 ms",
            "p99 ms",
            "ratio to baseline",
            "target",
            "result",
        ],
        rows,
    )
    print(cpu.report())
    print()
    queries(token, project, arguments)

    if arguments.profile:
        profile_dir = scratch.parent / f"dds-bench-profile-load-{int(time.time())}"
        profile_dir.mkdir()
        for name in names:
            profile = profiles.Profile(processes, [server.process.pid], profile_dir, re.sub(r"\W+", "-", name))
            result = run(name, arguments.duration)
            print(f"\nprofiled {name}: {result['rate']:.0f}/s")
            print(profile.stop())
        print(f"(raw py-spy stacks kept in {profile_dir})")


if __name__ == "__main__":
    main()
