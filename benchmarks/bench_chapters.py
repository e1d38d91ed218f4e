"""Run All of every chapter notebook, timed: issue 18's target is under 10 s each.

Run: .venv/bin/python benchmarks/bench_chapters.py [--no-course] [NOTEBOOK ...]   (default: every chapter)

Each chapter runs top to bottom in a fresh kernel, as the tests and the course build run it
(:func:`crm_lessons.runner.execute_notebook`: papermill, default parameters), one after
the other.  Printed per chapter: the wall time of the whole run (kernel start included), the CPU
seconds of this process and the kernel (steadier than wall time on a shared machine), the
kernel start (the time before the first cell began) and the slowest cells with their
durations as papermill records them.  Then (unless ``--no-course`` or notebooks are named) the
course build ``make course`` runs, ``python -m crm_lessons course`` into a temporary folder,
timed with the CPU seconds of everything it ran: issue 30 target 4, under 3 minutes.  Exits 1
when a chapter takes 10 s or more or the build 3 minutes or more; on a shared machine, the load
printed at the start and the end says how quiet the run was.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import papermill  # noqa: F401  imported before timing: a student's Run All in JupyterLab does not import it

from crm_lessons.runner import chapter_notebooks, execute_notebook

TARGET = 10.0
COURSE_TARGET = 180.0  # s, `make course` (issue 30 target 4)


def _when(text: str | None) -> float | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else None


def _cpu() -> float:
    """CPU seconds of this process and of its children waited for (the kernels, once shut down)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run(path: Path) -> tuple[float, float, float, list[tuple[float, int, str]]]:
    """Wall time, CPU seconds (this process and the kernel), kernel start and the cells (duration, index,
    first line) of one Run All."""
    start, cpu = time.time(), _cpu()
    nb = execute_notebook(path)
    seconds, cpu = time.time() - start, _cpu() - cpu
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
    return seconds, cpu, kernel, sorted(cells, reverse=True)


def course_build() -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (every process it ran) and exit code of ``python -m crm_lessons course``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory(prefix="bench-course-") as tmp:
        start = time.time()
        done = subprocess.run(
            [sys.executable, "-m", "crm_lessons", "course", "--out", str(Path(tmp) / "course")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        seconds = time.time() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode:
        print(done.stderr[-3000:])
    return seconds, cpu, done.returncode


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # each line as it comes
    args = sys.argv[1:]
    course = "--no-course" not in args and not [a for a in args if a != "--no-course"]
    paths = [Path(p) for p in args if p != "--no-course"] or chapter_notebooks()
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores; load {load} at start")
    print("| chapter | Run All | CPU-s | kernel start | slowest cells |")
    print("|---|---:|---:|---:|---|")
    slow = []
    for path in paths:
        seconds, cpu, kernel, cells = run(path)
        top = "; ".join(f"cell {i} `{line}` {d:.1f} s" for d, i, line in cells[:2])
        print(f"| {path.name[:2]} | {seconds:.1f} s | {cpu:.1f} | {kernel:.1f} s | {top} |", flush=True)
        if seconds >= TARGET:
            slow.append(path.name)
    if slow:
        print(f"Run All took {TARGET:g} s or more (target: under {TARGET:g} s): NOT MET: {', '.join(slow)}")
    else:
        print(f"every chapter under {TARGET:g} s: met")
    failed = False
    if course:
        seconds, cpu, code = course_build()
        failed = code != 0 or seconds >= COURSE_TARGET
        state = "failed: NOT MET" if code else f"target < {COURSE_TARGET:g} s: {'NOT MET' if failed else 'met'}"
        print(f"make course (python -m crm_lessons course): {seconds:.1f} s wall, {cpu:.1f} CPU-s; {state}")
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"load {load} at the end")
    if slow or failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
