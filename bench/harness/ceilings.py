"""What this machine can do at best with the bytes the service handles: hashing, and writing to disk."""

import hashlib
import os
import time
from pathlib import Path

from harness import BLOCK


def hash_speeds(mib=128):
    """MiB/s of md5, sha1 and sha256 on one core, 1 MiB blocks: what every byte the service hashes costs."""
    block = os.urandom(BLOCK)
    speeds = {}
    for algorithm in ("md5", "sha1", "sha256"):
        digest = hashlib.new(algorithm)
        started = time.perf_counter()
        for _ in range(mib):
            digest.update(block)
        speeds[algorithm] = mib / (time.perf_counter() - started)
    return speeds


def disk_limit(source, target_dir):
    """Seconds to write `source`'s bytes to a file in `target_dir` (the same disk) while computing their md5, in
    1 MiB blocks, fsync included: what this machine can do at best with the bytes the service stores."""
    target = Path(target_dir) / f"limit-{time.monotonic_ns()}"
    os.sync()  # start with no writeback pending (not timed)
    md5 = hashlib.md5()
    started = time.perf_counter()
    with source.path.open("rb") as input_, target.open("wb") as output:
        while block := input_.read(BLOCK):
            md5.update(block)
            output.write(block)
        output.flush()
        os.fsync(output.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    assert md5.hexdigest() == source.md5
    return elapsed
