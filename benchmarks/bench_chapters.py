"""Run All of every chapter notebook, timed: issue 18's target is under 10 s each.

Run: .venv/bin/python benchmarks/bench_chapters.py [NOTEBOOK ...]   (default: every chapter)

Each chapter runs top to bottom in a fresh kernel, as the tests and the course build run it
(:func:`crm_lessons.runner.execute_notebook`: papermill, default parameters), one after
the other.  Printed per chapter: the wall time of the whole run (kernel start included), the
kernel start (the time before the first cell began) and the slowest cells with their
durations as papermill records them.  Exits 1 when a chapter takes 10 s or more; on a shared
machine, the load printed at the start and the end says how quiet the run was.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime
from pathlib import Path

import papermill  # noqa: F401  imported before timing: a student's Run All in JupyterLab does not import it

from crm_lessons.runner import chapter_notebooks, execute_notebook

TARGET = 10.0


def _when(text: str | None) -> float | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else None


def run(path: Path) -> tuple[float, float, list[tuple[float, int, str]]]:
    """Wall time, kernel start and the cells (duration, index, first line) of one Run All."""
    start = time.time()
    nb = execute_notebook(path)
    seconds = time.time() - start
    cells = []
    first = None
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("papermill", {})
        if cell.cell_type != "code" or meta.get("duration") is None:
            continue
        began = _when(meta.get("start_time"))
        first = began if first is None or (began is not None and began < first) else first
        line = next((s for s in cell.source.splitlines() if s.strip() and not s.startswith("#")), "")
        cells.append((float(meta["duration"]), i, line[:60]))
    kernel = (first - start) if first is not None else float("nan")
    return seconds, kernel, sorted(cells, reverse=True)


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or chapter_notebooks()
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores; load {load} at start")
    print("| chapter | Run All | kernel start | slowest cells |")
    print("|---|---:|---:|---|")
    slow = []
    for path in paths:
        seconds, kernel, cells = run(path)
        top = "; ".join(f"cell {i} `{line}` {d:.1f} s" for d, i, line in cells[:2])
        print(f"| {path.name[:2]} | {seconds:.1f} s | {kernel:.1f} s | {top} |", flush=True)
        if seconds >= TARGET:
            slow.append(path.name)
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"load {load} at the end")
    if slow:
        raise SystemExit(f"Run All took {TARGET:g} s or more (target: under {TARGET:g} s): {', '.join(slow)}")
    print(f"every chapter under {TARGET:g} s: met")


if __name__ == "__main__":
    main()
