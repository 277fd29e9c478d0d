"""Time to consistency: from the 202 of PUT /uploads/{id}/complete to the first 200 of GET /files/{id}/url, with
`manage.py run_workers` on RabbitMQ; and the Retry-After the service sends on resource_not_consistent against the
real wait.

    .venv/bin/python bench/consistency.py [--uploads 300] [--poll-ms 10] [--workers 4] [--worker-threads 4] [--profile]

Needs gunicorn in .venv (bin/install requirements/production.txt), PostgreSQL and RabbitMQ (rabbitmqctl) on
127.0.0.1. DATABASE_URL (default postgres://postgres@127.0.0.1:5432/dds_bench_consistency) is dropped and created
anew; the RabbitMQ virtual host `dds_bench_consistency` is made anew and removed at the end.

1. Sequential: one small upload at a time (1 chunk of --bytes): POST …/uploads → PUT …/chunks → PUT the bytes →
   PUT …/complete (202: the clock starts) → POST /files (the service accepts a completed, not yet verified upload) →
   GET /files/{id}/url every --poll-ms until it answers 200 (at most 30 s an upload). p50/p99 of that wait, and where
   it goes, from the complete_upload jobs' records.
2. New projects (--projects): POST /projects (202) → POST /projects/{id}/uploads every --poll-ms until 201.
3. Bursts: the workers restarted with --threads 1, --burst clients at once each do phase 1's flow with
   --burst-bytes, so that jobs queue and POST /files can come before the job takes the upload.
For every 404 resource_not_consistent, its Retry-After is compared with the time the client really waited from that
answer to success.
"""

import argparse
import atexit
import hashlib
import json
import os
import subprocess
import time

from harness import fixtures, hardware, profiles, sandbox, servers, tables

from tests.client import HttpApi

P50_TARGET_MS, P99_TARGET_MS, RETRY_AFTER_FACTOR = 100, 500, 2
VHOST = "dds_bench_consistency"


def one(api, project, data, digest, poll):
    """(seconds from the 202 to the first 200, polls, POST /files seconds, [(Retry-After, real wait)], timeline)."""
    upload = api.call(
        "POST",
        f"/projects/{project['id']}/uploads",
        201,
        json={
            "name": f"small-{time.monotonic_ns()}.bin",
            "content_type": "application/octet-stream",
            "size": len(data),
        },
    )
    url = api.call(
        "PUT",
        f"/uploads/{upload['id']}/chunks",
        200,
        json={"number": 1, "size": len(data), "hash": {"value": digest, "algorithm": "md5"}},
    )
    response = api.transfer(url, data=data)
    assert response.status_code == 201, response.text
    sent = time.time()
    api.call("PUT", f"/uploads/{upload['id']}/complete", 202, data={"hash[value]": digest, "hash[algorithm]": "md5"})
    accepted = time.perf_counter()
    timeline = {"upload": upload["id"], "sent": sent, "accepted": time.time()}
    file = api.call(
        "POST",
        "/files",
        201,
        json={"parent": {"kind": "dds-project", "id": project["id"]}, "upload": {"id": upload["id"]}},
    )
    filed = time.perf_counter()
    advised, polls = [], 0
    deadline = accepted + 30
    while True:
        polls += 1
        response = api.request("GET", f"/files/{file['id']}/url", timeout=30)
        answered = time.perf_counter()
        if response.status_code == 200:
            timeline["filed"] = timeline["accepted"] + (filed - accepted)
            timeline["consistent"] = timeline["accepted"] + (answered - accepted)
            return (
                answered - accepted,
                polls,
                filed - accepted,
                [(after, answered - at) for after, at in advised],
                timeline,
            )
        body = response.json()
        if response.status_code != 404 or body.get("code") != "resource_not_consistent":
            raise RuntimeError(f"GET /files/{{id}}/url: {response.status_code} {response.text[:300]}")
        advised.append((int(response.headers["Retry-After"]), answered))
        if answered > deadline:
            raise RuntimeError("an upload was not consistent within 30 s")
        time.sleep(poll)


def breakdown(timelines):
    """Where the wait goes, from the complete_upload jobs' records (the worker's clock is this machine's)."""
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from dds.jobs.models import Job

    jobs = {
        job.resource_id: job
        for job in Job.objects.filter(worker="complete_upload", resource_id__in=[t["upload"] for t in timelines])
    }
    spans = {
        name: []
        for name in (
            "PUT complete sent → job sent to RabbitMQ",
            "job sent → 202 received",
            "202 → job started by the worker",
            "job started → finished",
            "job finished → POST /files answered",
            "POST /files answered → 200 of GET …/url",
            "202 → job finished (the service is consistent)",
        )
    }
    names = list(spans)
    for timeline in timelines:
        job = jobs.get(timeline["upload"])
        if job is None or not (job.sent_on and job.started_on and job.finished_on):
            continue
        sent_on, started_on, finished_on = (
            value.timestamp() for value in (job.sent_on, job.started_on, job.finished_on)
        )
        for name, (start, end) in zip(
            names,
            [
                (timeline["sent"], sent_on),
                (sent_on, timeline["accepted"]),
                (timeline["accepted"], started_on),
                (started_on, finished_on),
                (finished_on, timeline["filed"]),
                (timeline["filed"], timeline["consistent"]),
                (timeline["accepted"], finished_on),
            ],
            strict=True,
        ):
            spans[name].append((end - start) * 1000)
    tables.table(
        ["where the time goes (complete_upload Job records)", "p50 ms", "p99 ms"],
        [
            [name, f"{tables.percentile(values, 0.5):.1f}", f"{tables.percentile(values, 0.99):.1f}"]
            for name, values in spans.items()
        ],
    )


def request_costs(token, user, project):
    """The client's requests of phase 1, one at a time in this process: queries, their time, PostgreSQL's planning."""
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from django.test import Client

    from uploads.models import Upload

    client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=token)
    parent = {"kind": "dds-project", "id": project["id"]}

    def complete():
        upload = fixtures.completed_upload(project["id"], user)
        Upload.objects.filter(pk=upload.pk).update(completed_on=None, is_consistent=None)
        body = '{"hash": {"value": "%s", "algorithm": "md5"}}' % ("0" * 32)
        return "PUT", f"/api/v1/uploads/{upload.id}/complete", body

    def create_file():
        upload = fixtures.completed_upload(project["id"], user)
        return "POST", "/api/v1/files", json.dumps({"parent": parent, "upload": {"id": str(upload.id)}})

    file = json.loads(client.generic(*create_file(), content_type="application/json").content)
    profiles.request_costs(
        client,
        [
            ("GET /current_user (for comparison)", "GET", "/api/v1/current_user", None),
            ("PUT /uploads/{id}/complete", complete),
            ("POST /files", create_file),
            ("GET /files/{id}/url", "GET", f"/api/v1/files/{file['id']}/url", None),
        ],
    )


def new_project_wait(api, index, poll):
    """(seconds from the 202 of POST /projects to the first 201 of POST /projects/{id}/uploads, [(Retry-After, real
    wait)])."""
    project = api.call("POST", "/projects", 202, json={"name": f"Consistency {index}", "description": "bench"})
    accepted = time.perf_counter()
    advised, deadline = [], accepted + 30
    while True:
        response = api.request(
            "POST",
            f"/projects/{project['id']}/uploads",
            timeout=30,
            json={"name": "probe.bin", "content_type": "application/octet-stream", "size": 1},
        )
        answered = time.perf_counter()
        if response.status_code == 201:
            return answered - accepted, [(after, answered - at) for after, at in advised]
        if response.status_code != 404 or response.json().get("code") != "resource_not_consistent":
            raise RuntimeError(f"POST /projects/{{id}}/uploads: {response.status_code} {response.text[:300]}")
        advised.append((int(response.headers["Retry-After"]), answered))
        if answered > deadline:
            raise RuntimeError("a project's storage was not initialized within 30 s")
        time.sleep(poll)


def retry_after_table(scenario, advice, why=""):
    if not advice:
        print(f"{scenario}: no 404 resource_not_consistent seen{why}: no Retry-After to compare")
        return
    ratios = [after / max(real, 1e-6) for after, real in advice]
    within = sum(1 for ratio in ratios if 1 / RETRY_AFTER_FACTOR <= ratio <= RETRY_AFTER_FACTOR)
    real_ms = [real * 1000 for _, real in advice]
    values = sorted({after for after, _ in advice})
    p50 = tables.percentile(ratios, 0.5)
    tables.table(
        [f"Retry-After on resource_not_consistent ({scenario})", "value", "target", "result"],
        [
            ["404 answers seen", len(advice), "", ""],
            ["Retry-After sent (s)", ", ".join(map(str, values)), "", ""],
            [
                "real wait from that 404 to the 200: p50 / p99",
                f"{tables.percentile(real_ms, 0.5):.1f} / {tables.percentile(real_ms, 0.99):.1f} ms",
                "",
                "",
            ],
            [
                "Retry-After / real wait: p50",
                f"{p50:.1f}x",
                f"within {RETRY_AFTER_FACTOR}x",
                tables.verdict(1 / RETRY_AFTER_FACTOR <= p50 <= RETRY_AFTER_FACTOR),
            ],
            ["answers whose Retry-After is within 2x of the real wait", f"{within} of {len(advice)}", "", ""],
        ],
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=300)
    parser.add_argument("--bytes", type=int, default=4096, help="size of each upload")
    parser.add_argument("--poll-ms", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--worker-threads", type=int, default=4, help="run_workers --threads")
    parser.add_argument("--projects", type=int, default=30, help="new projects in the project-storage phase")
    parser.add_argument("--burst", type=int, default=16, help="clients at once in the files Retry-After phase")
    parser.add_argument("--burst-bytes", type=int, default=4 * 2**20, help="size of each upload in that phase")
    parser.add_argument("--burst-rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="then 50 more uploads with py-spy on run_workers")
    arguments = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dds_bench_consistency")
    scratch = sandbox.scratch_dir("consistency")
    hardware.print_machine(str(scratch))
    broker_url = sandbox.rabbitmq_vhost(VHOST)
    atexit.register(subprocess.run, ["rabbitmqctl", "-q", "delete_vhost", VHOST], capture_output=True, timeout=60)
    print(
        f"{arguments.uploads} uploads of {arguments.bytes} bytes, one at a time, polling every {arguments.poll_ms} ms; "
        f"gunicorn {arguments.workers} sync workers; run_workers --threads {arguments.worker_threads} on RabbitMQ "
        f"vhost {VHOST}"
    )

    sandbox.recreate_database(database_url)
    env = sandbox.server_env(
        database_url, scratch / "storage", ACTIVE_JOB_QUEUE_ADAPTER="dramatiq", CLOUDAMQP_URL=broker_url
    )
    sandbox.manage(env, "migrate", "--verbosity", "0")
    sandbox.django_setup(env)
    user, token = fixtures.user_token()
    processes = servers.Processes()
    workers = servers.start_workers(processes, env, scratch / "workers.log", threads=arguments.worker_threads)
    server = servers.Gunicorn(processes, env, workers=arguments.workers, log=scratch / "gunicorn.log")
    api = HttpApi(server.url, token, timeout=600)
    project = api.create_project()

    data = os.urandom(arguments.bytes)
    digest = hashlib.md5(data).hexdigest()
    poll = arguments.poll_ms / 1000
    for _ in range(10):  # warm-up: every process has done this work before the figures are taken
        one(api, project, data, digest, poll)
    cpu = hardware.CpuShare()
    waits, polls, filing, advice, timelines = [], [], [], [], []
    started = time.perf_counter()
    for _ in range(arguments.uploads):
        wait, count, filed, advised, timeline = one(api, project, data, digest, poll)
        timelines.append(timeline)
        waits.append(wait * 1000)
        polls.append(count)
        filing.append(filed * 1000)
        advice += advised
        if time.perf_counter() - started > 480:
            print(f"stopped after {len(waits)} uploads: 8 minutes are up")
            break

    p50, p99 = tables.percentile(waits, 0.5), tables.percentile(waits, 0.99)
    print()
    tables.table(
        ["measure", "value", "target", "result"],
        [
            ["uploads measured", len(waits), ">= 300", tables.verdict(len(waits) >= 300)],
            [
                "p50 wait, 202 of complete → 200 of GET /files/{id}/url",
                f"{p50:.1f} ms",
                f"<= {P50_TARGET_MS} ms",
                tables.verdict(p50 <= P50_TARGET_MS),
            ],
            ["p99 wait", f"{p99:.1f} ms", f"<= {P99_TARGET_MS} ms", tables.verdict(p99 <= P99_TARGET_MS)],
            ["max wait", f"{max(waits):.1f} ms", "", ""],
            ["of which POST /files (p50)", f"{tables.percentile(filing, 0.5):.1f} ms", "", ""],
            ["GET …/url answered 200 at the first poll", f"{sum(1 for c in polls if c == 1)} of {len(polls)}", "", ""],
        ],
    )
    print()
    breakdown(timelines)
    print(cpu.report())
    print()
    request_costs(token, user, project)
    print()
    retry_after_table(
        "sequential uploads",
        advice,
        " (each upload was verified before its POST /files answered, so GET …/url answered 200 at once)",
    )

    if arguments.profile:
        profile_dir = scratch.parent / f"dds-bench-profile-consistency-{int(time.time())}"
        profile_dir.mkdir()
        profile = profiles.Profile(processes, [workers.pid, server.process.pid], profile_dir, "consistency", idle=False)
        profiled = [one(api, project, data, digest, poll)[0] * 1000 for _ in range(50)]
        print(f"\nprofiled 50 uploads: p50 wait {tables.percentile(profiled, 0.5):.1f} ms")
        print(profile.stop())
        print(f"(raw py-spy stacks kept in {profile_dir})")

    # Where the service does answer resource_not_consistent in this setup: a new project's storage (POST
    # /projects/{id}/uploads until initialize_project_storage has run).
    project_advice, project_waits = [], []
    for index in range(arguments.projects):
        wait, advised = new_project_wait(api, index, poll)
        project_waits.append(wait * 1000)
        project_advice += advised
    print(
        f"\nnew projects: {arguments.projects}, POST /projects (202) → first 201 of POST /projects/{{id}}/uploads: "
        f"p50 {tables.percentile(project_waits, 0.5):.1f} ms, p99 {tables.percentile(project_waits, 0.99):.1f} ms"
    )
    retry_after_table(
        "POST /projects/{id}/uploads of a new project",
        project_advice,
        " (the project's storage was ready before the first POST …/uploads)",
    )

    # Retry-After phase for files: jobs must queue for POST /files to come before the job locks the upload, so the
    # workers are restarted with --threads 1 and --burst clients upload --burst-bytes each at once; GET …/url then
    # answers 404 resource_not_consistent with a Retry-After.
    from concurrent.futures import ThreadPoolExecutor

    processes.stop(workers)
    workers = servers.start_workers(processes, env, scratch / "workers-burst.log", threads=1)
    burst_data = os.urandom(arguments.burst_bytes)
    burst_digest = hashlib.md5(burst_data).hexdigest()
    burst_advice, burst_waits = [], []
    with ThreadPoolExecutor(arguments.burst) as pool:
        for _ in range(arguments.burst_rounds):
            for wait, _, _, advised, _ in pool.map(
                lambda _: one(api, project, burst_data, burst_digest, poll), range(arguments.burst)
            ):
                burst_waits.append(wait * 1000)
                burst_advice += advised
    print(
        f"\nbursts: {arguments.burst_rounds} rounds of {arguments.burst} clients at once, "
        f"{arguments.burst_bytes} bytes "
        f"each, run_workers --threads 1; wait p50 {tables.percentile(burst_waits, 0.5):.1f} ms, "
        f"p99 {tables.percentile(burst_waits, 0.99):.1f} ms"
    )
    retry_after_table(f"GET /files/{{id}}/url, bursts of {arguments.burst}", burst_advice)


if __name__ == "__main__":
    main()
