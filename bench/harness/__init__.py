"""What the benchmarks share, a module per concern: `hardware` (what ran it, who used the CPU), `sandbox` (databases,
folders, virtual hosts, the services' environment), `servers` (gunicorn, run_workers, moto on loopback), `fixtures`
(rows written in bulk), `sources` and `ceilings` (the bytes sent, and what the machine does at best with them),
`profiles` (py-spy, SQL per request) and `tables`. The upload journey itself is tests/client.py's `HttpApi`.

Every server listens on 127.0.0.1 only and every loop here is bounded by a count or a deadline. Processes started
through `servers.Processes` are ended by their own id when the benchmark exits, however it exits.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON = sys.executable
BLOCK = 1024 * 1024
MiB = 1024 * 1024

# The project after bench/ (sys.path[0]), so that `tests.client` imports; sandbox.django_setup puts it first.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))
