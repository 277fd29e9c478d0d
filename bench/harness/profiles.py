"""Where the time goes: py-spy profiles of the service's processes, and the SQL of one request at a time."""

import collections
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness import PYTHON, ROOT
from harness.tables import median, table


class Profile:
    """py-spy sampling the given processes (and their children) while a phase runs, summarised by function.

    py-spy is installed only in .venv (`.venv/bin/pip install py-spy`), never in requirements.
    """

    def __init__(self, processes, pids, out_dir, name, *, rate=200, idle=False):
        spy = Path(PYTHON).parent / "py-spy"
        if not spy.exists():
            sys.exit("--profile needs py-spy: .venv/bin/pip install py-spy (not a project requirement)")
        self.files, self.recorders, self.rate = [], [], rate
        for pid in pids:
            out = Path(out_dir) / f"{name}-{pid}.txt"
            args = [
                str(spy),
                "record",
                "--format",
                "raw",
                "-o",
                str(out),
                "--pid",
                str(pid),
                "--rate",
                str(rate),
                "--nonblocking",
                "--subprocesses",
            ]
            if idle:
                args.append("--idle")
            self.recorders.append(processes.start(args, env=dict(os.environ), log=Path(out_dir) / f"{name}-{pid}.log"))
            self.files.append(out)
        time.sleep(1.0)  # py-spy attaches

    def stop(self):
        for recorder in self.recorders:
            if recorder.poll() is None:
                recorder.send_signal(signal.SIGINT)
        for recorder in self.recorders:
            try:
                recorder.wait(timeout=60)
            except subprocess.TimeoutExpired:
                recorder.kill()
        return self.summary()

    def stacks(self):
        for path in self.files:
            if not path.exists():
                continue
            for line in path.read_text().splitlines():
                stack, _, count = line.rpartition(" ")
                if stack and count.isdigit():
                    yield stack.split(";"), int(count)

    def summary(self, top=12):
        """Shares of the sampled non-idle time: by project function (inclusive), by the project line under which the
        time is spent (the deepest project frame of each sample: where a C call such as a hash update or a write
        is made), and by function (self)."""
        total = 0
        inclusive, lines_, own = collections.Counter(), collections.Counter(), collections.Counter()
        for frames, count in self.stacks():
            parsed = [_frame(frame) for frame in frames if not frame.startswith("process ")]
            if not parsed:
                continue
            total += count
            for name in {f"{file}:{function}" for file, function, _ in parsed if _is_project(file)}:
                inclusive[name] += count
            project = [(file, line) for file, _, line in parsed if _is_project(file)]
            if project:
                lines_[(project[-1], project[-2] if len(project) > 1 else None)] += count
            else:
                lines_[(("(outside the project's code)", 0), None)] += count
            file, function, _ = parsed[-1]
            own[f"{file}:{function}"] += count
        out = [
            f"profile: {total} samples = {total / self.rate:.1f} s of non-idle thread time (running, or in a "
            "call py-spy does not count as idle), all processes"
        ]
        if not total:
            return "\n".join(out)
        out.append("  inclusive  project function")
        out += [f"  {count / total:7.1%}    {name}" for name, count in inclusive.most_common(top)]
        out.append("  under      project line")
        for ((file, line), caller), count in lines_.most_common(top):
            called = f"  <- {caller[0]}:{caller[1]}" if caller else ""
            out.append(f"  {count / total:7.1%}    {file}:{line}  {_source_line(file, line)}{called}")
        out.append("  self       function")
        out += [f"  {count / total:7.1%}    {name}" for name, count in own.most_common(top)]
        return "\n".join(out)


_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _frame(frame):
    """`Hashes.update (uploads/storage/base.py:34)` → ("uploads/storage/base.py", "Hashes.update", 34)."""
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip(), "", 0
    file = match["file"]
    if file.startswith(str(ROOT) + "/"):
        file = file[len(str(ROOT)) + 1 :]
    file = re.sub(r"^.*?/site-packages/", "", file)
    return file, match["function"], int(match["line"] or 0)


def _is_project(file):
    return not file.startswith(".venv") and file.endswith(".py") and (ROOT / file).is_file() and "/" in file


def _source_line(file, line):
    try:
        return (ROOT / file).read_text().splitlines()[line - 1].strip()
    except (OSError, IndexError):
        return ""


def request_costs(client, cases, repeat=10):
    """Print, for each case, one request at a time in this process through Django's test `client`: its SQL queries,
    their time, and PostgreSQL's planning and execution time. A case is (name, method, path, body) or (name, factory)
    with factory() → (method, path, body), called before every request (for requests that cannot be repeated)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = []
    for name, *spec in cases:
        factory = spec[0] if len(spec) == 1 else (lambda spec=spec: spec)
        for _ in range(3):  # warm
            client.generic(*_request(factory()), content_type="application/json")
        timings = []
        for _ in range(repeat):
            request = _request(factory())
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.generic(*request, content_type="application/json")
                elapsed = time.perf_counter() - started
            timings.append((elapsed, sum(float(q["time"]) for q in captured.captured_queries), len(captured)))
            if response.status_code >= 300:
                raise RuntimeError(f"{name}: {response.status_code} {response.content[:300]}")
        total, sql, count = (median([t[index] for t in timings]) for index in range(3))
        planning, execution = planning_and_execution(captured.captured_queries)
        rows.append([name, count, f"{total * 1000:.1f}", f"{sql * 1000:.1f}", f"{planning:.1f}", f"{execution:.1f}"])
    table(
        [
            f"one request in-process (median of {repeat}, one at a time)",
            "SQL queries",
            "ms",
            "of which in SQL calls ms",
            "PostgreSQL planning ms",
            "PostgreSQL execution ms",
        ],
        rows,
    )


def _request(spec):
    method, path, body = spec
    return method, path, body or ""


def planning_and_execution(captured_queries):
    """PostgreSQL's own planning and execution milliseconds, summed over the SELECTs of a captured request (each
    run again under EXPLAIN ANALYZE, twice, the second counted)."""
    from django.db import connection

    planning = execution = 0.0
    with connection.cursor() as cursor:
        for query in captured_queries:
            if not query["sql"].startswith("SELECT"):
                continue
            for _ in range(2):
                cursor.execute("EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) " + query["sql"])
                plan = cursor.fetchone()[0]
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
            planning += plan["Planning Time"]
            execution += plan["Execution Time"]
    return planning, execution
