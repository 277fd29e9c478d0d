"""Fuzz every operation of the API from its own schema (/api/schema/) with Schemathesis: the long run.

    .venv/bin/python bench/fuzz.py [--examples 60] [--seed 20240501]

`--examples` positive and as many negative cases per operation (negative ones where a query or a body can be
invalid), in process through WSGI, with real commits and inline jobs, on a scratch PostgreSQL database
(DATABASE_URL, default postgres://postgres@127.0.0.1:5432/dds_bench_fuzz, dropped and created anew) and files under
a temporary STORAGE_ROOT. Each operation meets a fresh world (tests/fuzzing.py). Prints the cases sent, the statuses
answered, and every failure of the suite's checks (no 5xx, documented status, content type, headers and body as
the schema says, the envelope on every error); then, apart, what the two stricter checks report (a request the
schema allows refused with 400, one it forbids accepted). Exits non-zero when a suite check failed.
"""

import argparse
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from harness import sandbox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dds.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dds_bench_fuzz")
os.environ["ACTIVE_JOB_QUEUE_ADAPTER"] = "inline"
os.environ.setdefault("STORAGE_ROOT", tempfile.mkdtemp(prefix="dds-fuzz-"))
os.environ.pop("CLOUDAMQP_URL", None)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=60, help="cases per operation and generation mode")
    parser.add_argument("--seed", type=int, default=None, help="Hypothesis seed (default: the suite's)")
    arguments = parser.parse_args()

    sandbox.recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    logging.disable(logging.WARNING)  # each refused request would log a line
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from tests import fuzzing

    seed = fuzzing.SEED if arguments.seed is None else arguments.seed
    schema = fuzzing.load_schema()
    operations = fuzzing.operations(schema)
    suite, strict = fuzzing.Outcome(), Counter()
    started = time.monotonic()
    for label, operation in operations.items():
        outcome = fuzzing.run_operation(
            operation, fuzzing.seed_world(), examples=arguments.examples, checks=fuzzing.STRICT_CHECKS, seed=seed
        )
        strict_failures = {key: report for key, report in outcome.failures.items() if _is_strict(key)}
        for key in strict_failures:
            strict[key] += 1
        outcome.failures = {key: report for key, report in outcome.failures.items() if key not in strict_failures}
        suite.add(outcome)
        strict_reports.update(strict_failures)
        print(f"{outcome.cases:5d} cases  {label}", flush=True)
    elapsed = time.monotonic() - started

    print()
    print(f"operations: {len(operations)}")
    print(f"cases: {suite.cases} in {elapsed:.0f} s (seed {seed}, {arguments.examples} per operation and mode)")
    print("statuses: " + ", ".join(f"{status}: {count}" for status, count in sorted(suite.statuses.items())))
    server_errors = sum(count for status, count in suite.statuses.items() if status >= 500)
    print(f"5xx: {server_errors}")
    print(f"suite check failures (distinct operation x check): {len(suite.failures)}")
    if suite.failures:
        print(suite.report())
    print(
        "stricter checks (positive_data_acceptance, negative_data_rejection), distinct operation x check: "
        f"{len(strict)}"
    )
    for (operation, title), report in sorted(strict_reports.items()):
        print(f"  {operation}: {title}\n{report}")
    return 1 if suite.failures or server_errors else 0


STRICT_TITLES = ("Schema-valid request rejected", "Schema-violating request accepted")
strict_reports = {}


def _is_strict(key):
    return key[1].startswith(STRICT_TITLES)


if __name__ == "__main__":
    sys.exit(main())
