"""What machine a benchmark ran on, and who used its CPU meanwhile."""

import collections
import os
import platform
import subprocess
import threading
import time
from pathlib import Path

from harness import ROOT


def machine(path="/tmp"):
    """nproc, memory, CPU model and the disk holding `path`, as RESULTS.md records them."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    device, fstype = "?", "?"
    best = ""
    for line in Path("/proc/mounts").read_text().splitlines():
        source, mount, kind = line.split()[:3]
        if str(Path(path).resolve()).startswith(mount) and len(mount) > len(best):
            best, device, fstype = mount, source, kind
    disk = f"{device} ({fstype})"
    name = Path(device).name
    rotational = Path(f"/sys/block/{name}/queue/rotational")
    if rotational.exists():
        disk += ", rotational" if rotational.read_text().strip() == "1" else ", non-rotational"
        size = Path(f"/sys/block/{name}/size")
        if size.exists():
            disk += f", {int(size.read_text()) * 512 / 2**30:.0f} GiB"
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": os.cpu_count(),
        "memory": f"{memory_kb / 2**20:.1f} GiB",
        "cpu": cpu,
        "disk": disk,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "code": _code_version(),
    }


def _code_version():
    """The commit measured, and how many files of the working tree differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return "?"
    return f"{head or '?'} + {len(changed)} uncommitted files" if changed else head or "?"


def print_machine(path="/tmp"):
    facts = machine(path)
    print("machine: " + "; ".join(f"{key} {value}" for key, value in facts.items()))
    return facts


class CpuShare:
    """Who used the machine's CPU between start and report: this benchmark's processes, PostgreSQL, RabbitMQ, and
    everything else (another session's tests on a shared machine show up there), plus the hypervisor's steal.

    /proc is sampled every second (until `report`), so processes that end meanwhile (a PostgreSQL backend whose
    connection closed, a short test process) are counted up to their last sample.
    """

    SERVICES = {"postgres": "PostgreSQL", "beam.smp": "RabbitMQ", "epmd": "RabbitMQ"}

    def __init__(self, interval=1.0):
        self.started = time.monotonic()
        self.machine = self._machine()
        self.first, self.last = {}, {}
        self._sample()
        self.first = dict(self.last)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval):
        while not self._stop.wait(interval):
            self._sample()

    @staticmethod
    def _machine():
        values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        user, nice, system, idle, iowait, irq, softirq, steal = (values + [0] * 8)[:8]
        return {"busy": user + nice + system + irq + softirq, "steal": steal, "all": sum(values[:8])}

    def _sample(self):
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            # fields from 3 on: state ppid … utime(14) stime(15) cutime(16) cstime(17) … starttime(22)
            found[(int(entry.name), fields[19])] = (
                name,
                int(fields[1]),
                sum(int(value) for value in fields[11:13]),
                sum(int(value) for value in fields[11:15]),
            )
        ours, frontier = {os.getpid()}, [os.getpid()]
        children_of = collections.defaultdict(list)
        for (pid, _), (_, parent, _, _) in found.items():
            children_of[parent].append(pid)
        while frontier:
            for child in children_of[frontier.pop()]:
                if child not in ours:
                    ours.add(child)
                    frontier.append(child)
        for key, (name, _, own, with_children) in found.items():
            is_ours = key[0] in ours or self.last.get(key, (None, False))[1]
            # reaped children's time counts only in this benchmark's tree (elsewhere it may predate the start)
            self.last[key] = (name, is_ours, with_children if is_ours else own)

    def report(self):
        self._stop.set()
        self._thread.join(timeout=10)
        self._sample()
        machine = self._machine()
        total = max(1, machine["all"] - self.machine["all"])
        groups = collections.Counter()
        for key, (name, is_ours, ticks) in self.last.items():
            before = self.first.get(key)
            delta = ticks - (before[2] if before else 0)
            groups["this benchmark" if is_ours else self.SERVICES.get(name, "other processes")] += max(0, delta)
        busy = machine["busy"] - self.machine["busy"]
        groups["unattributed"] = max(0, busy - sum(groups.values()))
        parts = ", ".join(
            f"{group} {groups[group] / total:.0%}"
            for group in ("this benchmark", "PostgreSQL", "RabbitMQ", "other processes", "unattributed")
        )
        return (
            f"CPU over {time.monotonic() - self.started:.0f} s ({os.cpu_count()} cores = 100%): busy "
            f"{busy / total:.0%} ({parts}); steal {(machine['steal'] - self.machine['steal']) / total:.0%}; "
            f"load average now {Path('/proc/loadavg').read_text().split()[0]}"
        )
