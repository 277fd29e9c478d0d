"""Upload and download throughput through the API served by gunicorn (filesystem backend), against this machine's
limit measured in the same run: writing the same bytes to the same disk while computing their md5.

    .venv/bin/python bench/transfer.py [--size-mib 1024] [--chunk-mib 128] [--threads 4] [--workers 4] [--rounds 2]
                                       [--worker-threads 1] [--profile]

`--workers 1 --worker-threads 8` is the quick start's server (bin/serve), in which the process that receives the
chunks is the one that verifies them, so that it hashes them as they arrive (uploads/storage/follower.py); with
several sync workers each follows only what it receives, and verification hashes the chunks itself.

Needs gunicorn in .venv (bin/install requirements/production.txt) and PostgreSQL on 127.0.0.1; DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/dds_bench_transfer) is dropped and created anew, STORAGE_ROOT is a
scratch folder under /tmp. Jobs run inline, so PUT …/complete answers once the upload is verified.

The client knows its file's hashes before it starts (DukeDSClient hashes as it reads; here they are computed once,
outside the timings, so the figures are the service's). Upload: POST …/uploads → every chunk registered and PUT,
`--threads` at once → PUT …/complete (202, verified) — the time until the file can be downloaded. Download: GET
/files/{id}/url → GET the signed URL, streamed to a file on the same disk with its md5, fsync included. The limit is
measured before, between and after the transfers (L U L D L U L D L), each transfer compared with the mean of the two
limits around it; the ratio is the median over --rounds. Server memory: VmHWM (peak RSS) of each gunicorn worker after
a warm-up upload and download, and after all the transfers.
"""

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import harness
from harness import MiB, ceilings, fixtures, hardware, profiles, sandbox, servers, sources, tables

from tests.client import HttpApi

UPLOAD_TARGET, DOWNLOAD_TARGET, MEMORY_LIMIT_MB = 0.7, 0.8, 64


def download(api, file_id, target):
    """Seconds to fetch a file's bytes to `target` (md5 while writing, fsync), and their md5."""
    os.sync()  # start with no writeback pending (not timed)
    started = time.perf_counter()
    descriptor = api.call("GET", f"/files/{file_id}/url", 200)
    md5 = hashlib.md5()
    with api.transfer(descriptor, stream=True) as response, open(target, "wb") as output:
        if response.status_code != 200:
            raise RuntimeError(f"download: {response.status_code} {response.text[:300]}")
        for block in response.iter_content(harness.BLOCK):
            md5.update(block)
            output.write(block)
        output.flush()
        os.fsync(output.fileno())
    elapsed = time.perf_counter() - started
    Path(target).unlink()
    return elapsed, md5.hexdigest()


def upload_and_file(api, project, source, threads, name):
    os.sync()  # start with no writeback pending (not timed)
    times = {}
    completed = api.upload(project["id"], source, threads=threads, name=name, times=times)
    started = time.perf_counter()
    api.wait_consistent(completed["id"], timeout=600, verified=True)
    times["wait"] = time.perf_counter() - started
    file = api.call(
        "POST",
        "/files",
        201,
        json={"parent": {"kind": "dds-project", "id": project["id"]}, "upload": {"id": completed["id"]}},
    )
    return file, times


def peaks(server):
    return {pid: servers.memory_kb(pid) for pid in server.worker_pids()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--chunk-mib", type=int, default=128)
    parser.add_argument("--threads", type=int, default=4, help="chunk PUTs at once")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--worker-threads",
        type=int,
        default=1,
        help="threads of each gunicorn worker (1: sync workers; more: gthread, as bin/serve runs 1 worker of 8)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="uploads and downloads, each between two limits")
    parser.add_argument("--profile", action="store_true", help="then upload and download once more under py-spy")
    arguments = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dds_bench_transfer")
    scratch = sandbox.scratch_dir("transfer")
    storage_root = scratch / "storage"
    storage_root.mkdir()
    hardware.print_machine(str(scratch))
    size, chunk_size = arguments.size_mib * MiB, arguments.chunk_mib * MiB
    print(
        f"size {arguments.size_mib} MiB in {-(-size // chunk_size)} chunks of {arguments.chunk_mib} MiB, "
        f"{arguments.threads} chunk PUTs at once; gunicorn {arguments.workers} workers of {arguments.worker_threads} "
        f"thread(s); inline jobs; "
        f"{arguments.rounds} rounds"
    )

    sandbox.recreate_database(database_url)
    env = sandbox.server_env(database_url, storage_root)
    sandbox.manage(env, "migrate", "--verbosity", "0")
    sandbox.django_setup(env)
    _, token = fixtures.user_token()
    processes = servers.Processes()
    server = servers.Gunicorn(
        processes, env, workers=arguments.workers, threads=arguments.worker_threads, log=scratch / "gunicorn.log"
    )
    api = HttpApi(server.url, token, timeout=600)
    project = api.create_project()

    started = time.perf_counter()
    source = sources.SourceFile(scratch / "source.bin", size, chunk_size)
    print(f"made the source file and its hashes in {time.perf_counter() - started:.1f} s")
    warm = sources.SourceFile(scratch / "warm.bin", 4 * MiB, MiB)
    for index in range(2):  # every worker has served uploads and downloads before the figures are taken
        warm_file, _ = upload_and_file(api, project, warm, arguments.threads, f"warm-{index}.bin")
        download(api, warm_file["id"], scratch / "warm.out")
    before = peaks(server)
    cpu = hardware.CpuShare()

    # The limit is measured between the transfers (L U L D L …), and each transfer is compared with the mean of the
    # limits just before and just after it: drift on a shared machine then weighs on both sides alike.
    ceilings.disk_limit(source, storage_root)  # warm-up, not counted: the first write of a run is slower
    limits = [ceilings.disk_limit(source, storage_root)]
    uploads, downloads, phases = [], [], []
    for index in range(arguments.rounds):
        file, times = upload_and_file(api, project, source, arguments.threads, f"data-{index}.bin")
        uploads.append(sum(times.values()))
        phases.append(times)
        limits.append(ceilings.disk_limit(source, storage_root))
        seconds, digest = download(api, file["id"], scratch / "download.out")
        if digest != source.md5:
            sys.exit(f"the downloaded bytes differ: md5 {digest}, sent {source.md5}")
        downloads.append(seconds)
        limits.append(ceilings.disk_limit(source, storage_root))
    after = peaks(server)

    mib = size / MiB
    rows = [
        [
            "limit: write + md5 + fsync, each",
            " ".join(f"{v:.2f}" for v in limits),
            f"{mib / tables.median(limits):.0f}",
            "",
            "",
            "",
        ]
    ]
    up_ratios = [(limits[2 * i] + limits[2 * i + 1]) / 2 / uploads[i] for i in range(arguments.rounds)]
    down_ratios = [(limits[2 * i + 1] + limits[2 * i + 2]) / 2 / downloads[i] for i in range(arguments.rounds)]
    for name, seconds, ratios, target in (
        ("upload through the API, until verified", uploads, up_ratios, UPLOAD_TARGET),
        ("download through the API", downloads, down_ratios, DOWNLOAD_TARGET),
    ):
        ratio = tables.median(ratios)
        rows.append(
            [
                name,
                " ".join(f"{v:.2f}" for v in seconds),
                f"{mib / tables.median(seconds):.0f}",
                f"{ratio:.2f} (runs {' '.join(f'{r:.2f}' for r in ratios)})",
                f">= {target}",
                tables.verdict(ratio >= target),
            ]
        )
    growth = {pid: (after[pid][0] - before[pid][0]) / 1024 for pid in before if pid in after}
    worst = max(growth.values())
    print()
    tables.table(["measure", "seconds", "MiB/s (median)", "ratio to limit (median)", "target", "result"], rows)
    fastest = min(limits)
    print(
        f"\nagainst the fastest limit of the run ({fastest:.2f} s; a limit that must grow the page cache into memory "
        f"this VM has not touched yet takes about twice as long): upload {fastest / tables.median(uploads):.2f}, "
        f"download {fastest / tables.median(downloads):.2f}"
    )
    times = {phase: tables.median([t[phase] for t in phases]) for phase in phases[0]}
    print(
        f"\nupload phases (s, median): create {times['create']:.2f}, chunks registered and PUT {times['chunks']:.2f} "
        f"({mib / times['chunks']:.0f} MiB/s), complete (202, inline verification) {times['complete']:.2f}, "
        f"then consistent {times['wait']:.2f}"
    )
    print()
    tables.table(
        ["gunicorn worker", "VmHWM before (MB)", "VmHWM after (MB)", "VmRSS after (MB)", "peak growth (MB)"],
        [
            [
                pid,
                f"{before[pid][0] / 1024:.0f}",
                f"{after[pid][0] / 1024:.0f}",
                f"{after[pid][1] / 1024:.0f}",
                f"{growth[pid]:.1f}",
            ]
            for pid in sorted(growth)
        ],
    )
    print(
        f"largest peak-RSS growth of a worker: {worst:.1f} MB (target < {MEMORY_LIMIT_MB} MB): "
        f"{tables.verdict(worst < MEMORY_LIMIT_MB)}"
    )

    print(cpu.report())
    speeds = ceilings.hash_speeds()
    print("hash speeds on one core (MiB/s): " + ", ".join(f"{name} {speed:.0f}" for name, speed in speeds.items()))

    if arguments.profile:
        profile_dir = Path("/tmp") / f"dds-bench-profile-transfer-{int(time.time())}"
        profile_dir.mkdir()
        profile = profiles.Profile(processes, [server.process.pid], profile_dir, "upload")
        file, times = upload_and_file(api, project, source, arguments.threads, "profiled.bin")
        print(f"\nprofiled upload ({sum(times.values()):.2f} s; phases {tables.phases(times)})")
        print(profile.stop())
        profile = profiles.Profile(processes, [server.process.pid, os.getpid()], profile_dir, "download")
        seconds, _ = download(api, file["id"], scratch / "download.out")
        print(f"\nprofiled download ({seconds:.2f} s), the server and this client")
        print(profile.stop())
        print(f"(raw py-spy stacks kept in {profile_dir})")


if __name__ == "__main__":
    main()
