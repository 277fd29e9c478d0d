"""Figures and the Markdown tables that paste into RESULTS.md."""

import statistics


def percentile(values, fraction):
    """The nearest-rank percentile (fraction 0.99 for p99)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


def median(values):
    return statistics.median(values)


def phases(times):
    """`{"create": 0.07, "chunks": 3.2}` → "create 0.07, chunks 3.20" (seconds)."""
    return ", ".join(f"{phase} {seconds:.2f}" for phase, seconds in times.items())


def verdict(ok):
    return "pass" if ok else "MISS"


def table(headers, rows):
    """Print a Markdown table (so it pastes into RESULTS.md as it is)."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(header)), *(len(row[index]) for row in cells)) for index, header in enumerate(headers)]
    print("| " + " | ".join(str(header).ljust(width) for header, width in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for row in cells:
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")
