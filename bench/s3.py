"""The same chunked upload through the API (S3 backend) and straight to S3 with boto3, to one moto server on loopback.

    .venv/bin/python bench/s3.py [--size-mib 512] [--chunk-mib 32] [--threads 4] [--rounds 5] [--jobs dramatiq]
                                 [--profile]

Needs gunicorn in .venv (bin/install requirements/production.txt), moto (requirements/test.txt), PostgreSQL and
(for --jobs dramatiq, the default) RabbitMQ on 127.0.0.1; DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/dds_bench_s3) is dropped and created anew, and the RabbitMQ virtual host
`dds_bench_s3` made anew. moto runs in server mode on 127.0.0.1 as tests/conftest.py starts it, with
S3_UPLOAD_PART_MIN_SIZE at its default (5 MiB, below the chunk size). Jobs run in `manage.py run_workers`.

API path: POST …/uploads (a job creates the multipart upload; the client polls until ready_for_chunks) → each chunk
registered and PUT to its presigned URL, `--threads` at once → PUT …/complete (202) → the completion job completes
the multipart upload (the bench polls HEAD on the object every 10 ms: "stored") and verifies it (reads it back and
hashes it; the bench polls GET /uploads/{id}: "verified"). Direct path: boto3 create_multipart_upload → upload_part,
`--threads` at once → complete_multipart_upload, with request checksums only where required (as the presigned PUTs
send none). The target compares the API until the object is complete in S3 — the state the direct path ends in —
with the direct path (with --jobs inline the 202 comes after verification, so that row is judged instead). After
each direct upload the bench also GETs the object and hashes it as the service's verification does ("read back",
not part of the direct time): what verification adds, measured on its own. The two alternate, each going first in
turn, `--rounds` times; the ratio compares medians.
"""

import argparse
import atexit
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import harness
from botocore.config import Config
from harness import MiB, fixtures, hardware, profiles, sandbox, servers, sources, tables

from tests.client import HttpApi, wait_until
from uploads.hashes import Hashes

TARGET = 1.15
VHOST = "dds_bench_s3"


def direct_upload(s3, bucket, key, source, threads):
    started = time.perf_counter()
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]

    def part(chunk):
        number, offset, length, _ = chunk
        answer = s3.upload_part(
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=source.read(offset, length)
        )
        return {"PartNumber": number, "ETag": answer["ETag"]}

    times = {"create": time.perf_counter() - started}
    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(part, source.chunks()))
    times["parts"] = time.perf_counter() - started - times["create"]
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})
    times["complete"] = time.perf_counter() - started - times["create"] - times["parts"]
    return sum(times.values()), times


def read_back(s3, bucket, key):
    """Seconds to GET an object and hash it as the service's S3 verification does (md5, sha1, sha256, 1 MiB blocks)."""
    started = time.perf_counter()
    hashes = Hashes()
    for block in s3.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(harness.BLOCK):
        hashes.update(block)
    return time.perf_counter() - started


def object_location(upload_id):
    """(bucket, key) of an upload's object, as the service's S3 backend names them."""
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from uploads.models import Upload
    from uploads.storage.s3 import S3Storage

    upload = Upload.objects.select_related("storage_provider").get(pk=upload_id)
    storage = S3Storage(upload.storage_provider)
    return storage.bucket(upload.project_id), storage.key(upload)


def api_upload(api, s3, project, source, threads, name):
    """Seconds until the 202 of complete, until the object exists in S3, until the upload is verified; phases."""
    times = {}
    completed = api.upload(project["id"], source, threads=threads, name=name, times=times)
    started = time.perf_counter()
    bucket, key = object_location(completed["id"])

    def stored():
        try:
            s3.head_object(Bucket=bucket, Key=key)
            return True
        except s3.exceptions.ClientError:
            return False

    wait_until(stored, timeout=600, what="the object in S3", interval=0.01)
    times["stored"] = time.perf_counter() - started
    started = time.perf_counter()
    status = api.wait_consistent(completed["id"], timeout=600, verified=True)
    times["verified"] = time.perf_counter() - started
    assert status["error_on"] is None
    accepted = times["create"] + times["chunks"] + times["complete"]
    return (accepted, accepted + times["stored"], accepted + times["stored"] + times["verified"]), times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--chunk-mib", type=int, default=32)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--jobs",
        choices=("dramatiq", "inline"),
        default="dramatiq",
        help="dramatiq: run_workers on RabbitMQ (complete answers 202 before the job); inline",
    )
    parser.add_argument("--profile", action="store_true", help="then one more API upload under py-spy")
    arguments = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dds_bench_s3")
    scratch = sandbox.scratch_dir("s3")
    hardware.print_machine(str(scratch))
    size, chunk_size = arguments.size_mib * MiB, arguments.chunk_mib * MiB
    print(
        f"size {arguments.size_mib} MiB in {-(-size // chunk_size)} parts of {arguments.chunk_mib} MiB, "
        f"{arguments.threads} at once; gunicorn {arguments.workers} sync workers; {arguments.jobs} jobs; "
        f"{arguments.rounds} rounds"
    )

    processes = servers.Processes()
    moto = servers.start_moto(processes, scratch / "moto.log")
    sandbox.recreate_database(database_url)
    env = sandbox.server_env(
        database_url,
        scratch / "storage",
        STORAGE_PROVIDER="s3",
        S3_ENDPOINT_URL=moto.endpoint,
        S3_ACCESS_KEY_ID="testing",
        S3_SECRET_ACCESS_KEY="testing",
        S3_REGION="us-east-1",
    )
    if arguments.jobs == "dramatiq":
        env.update(ACTIVE_JOB_QUEUE_ADAPTER="dramatiq", CLOUDAMQP_URL=sandbox.rabbitmq_vhost(VHOST))
        atexit.register(subprocess.run, ["rabbitmqctl", "-q", "delete_vhost", VHOST], capture_output=True, timeout=60)
    sandbox.manage(env, "migrate", "--verbosity", "0")
    sandbox.django_setup(env)
    _, token = fixtures.user_token()
    workers = None
    if arguments.jobs == "dramatiq":
        workers = servers.start_workers(processes, env, scratch / "workers.log")
    server = servers.Gunicorn(processes, env, workers=arguments.workers, log=scratch / "gunicorn.log")
    api = HttpApi(server.url, token, timeout=600)
    project = api.create_project()

    s3 = boto3.client(
        "s3",
        endpoint_url=moto.endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            max_pool_connections=arguments.threads * 2,
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            read_timeout=600,
        ),
    )
    s3.create_bucket(Bucket="bench-direct")

    source = sources.SourceFile(scratch / "source.bin", size, chunk_size)
    warm = sources.SourceFile(scratch / "warm.bin", 12 * MiB, 6 * MiB)
    for index in range(2):
        direct_upload(s3, "bench-direct", f"warm-{index}", warm, arguments.threads)
        api_upload(api, s3, project, warm, arguments.threads, f"warm-{index}.bin")

    cpu = hardware.CpuShare()
    direct, through_api, phases, direct_phases = [], [], [], []
    for index in range(arguments.rounds):
        for path in ("direct", "api") if index % 2 == 0 else ("api", "direct"):  # each goes first in turn
            if path == "direct":
                seconds, times = direct_upload(s3, "bench-direct", f"data-{index}", source, arguments.threads)
                direct.append(seconds)
                times["read back"] = read_back(s3, "bench-direct", f"data-{index}")  # not in `seconds`
                direct_phases.append(times)
            else:
                seconds, times = api_upload(api, s3, project, source, arguments.threads, f"data-{index}.bin")
                through_api.append(seconds)
                phases.append(times)
        print(
            f"round {index + 1}: direct {direct[-1]:.2f} s ({tables.phases(direct_phases[-1])}); "
            f"API {through_api[-1][2]:.2f} s ({tables.phases(phases[-1])})"
        )

    mib = size / MiB
    baseline = tables.median(direct)
    rows = [
        [
            "boto3 multipart straight to moto (object complete)",
            f"{baseline:.2f}",
            " ".join(f"{v:.2f}" for v in direct),
            f"{mib / baseline:.0f}",
            "",
            "",
            "",
        ]
    ]
    for index, name in enumerate(
        (
            "API: until the 202 of complete",
            "API: until the object is complete in S3",
            "API: until verified (downloadable)",
        )
    ):
        values = [times[index] for times in through_api]
        ratio = tables.median(values) / baseline
        judged = index == (1 if arguments.jobs == "dramatiq" else 2)
        rows.append(
            [
                name,
                f"{tables.median(values):.2f}",
                " ".join(f"{v:.2f}" for v in values),
                f"{mib / tables.median(values):.0f}",
                f"{ratio:.2f}",
                f"<= {TARGET}" if judged else "",
                tables.verdict(ratio <= TARGET) if judged else "",
            ]
        )
    print()
    tables.table(["path", "median s", "runs (s)", "MiB/s", "ratio to direct", "target", "result"], rows)
    print(
        "median phases (s): direct "
        + ", ".join(f"{k} {tables.median([t[k] for t in direct_phases]):.2f}" for k in direct_phases[0])
        + "; API "
        + ", ".join(f"{k} {tables.median([t[k] for t in phases]):.2f}" for k in phases[0])
    )
    print(cpu.report())

    if arguments.profile:
        profile_dir = scratch.parent / f"dds-bench-profile-s3-{int(time.time())}"
        profile_dir.mkdir()
        pids = [server.process.pid, moto.pid] + ([workers.pid] if workers else [])
        profile = profiles.Profile(processes, pids, profile_dir, "api")
        seconds, times = api_upload(api, s3, project, source, arguments.threads, "profiled.bin")
        print(f"\nprofiled API upload {seconds[2]:.2f} s ({tables.phases(times)})")
        print(profile.stop())
        profile = profiles.Profile(processes, [moto.pid], profile_dir, "direct")
        seconds, times = direct_upload(s3, "bench-direct", "profiled", source, arguments.threads)
        print(f"\nprofiled direct upload {seconds:.2f} s ({tables.phases(times)})")
        print(profile.stop())
        print(f"(raw py-spy stacks kept in {profile_dir})")


if __name__ == "__main__":
    main()
