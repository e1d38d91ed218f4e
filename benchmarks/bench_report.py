"""Time ``crm-lessons report`` on generated 1,000,000- and 5,000,000-transaction CSVs.

Run: .venv/bin/python benchmarks/bench_report.py [N_ROWS ...]   (default 1000000 5000000)
Simulates a CDNOW-like customer base with crm_lessons.simulate.simulate_bgnbd
(parameters of Fader, Hardie & Lee 2005), keeps the first N_ROWS purchases,
writes them as a CSV in a temporary folder, runs the command line in a fresh
process and prints the wall time of each step it reports, next to the time
of the bundled CDNOW report (69,659 rows) measured in the same run, and the
peak resident memory of the largest report process (the CLI or its kernel), with the
targets of issue 18 (on a quiet machine: 1M rows under 8 s, 5M under 40 s, peak memory under
1 GB at 5M) and the machine's load, since on a shared machine the wall time is not the quiet one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crm_lessons.simulate import simulate_bgnbd

DEFAULT_SIZES = [1_000_000, 5_000_000]
#: rows -> (seconds, MB) that the report should stay under on a quiet machine (issue 18)
TARGETS = {1_000_000: (8.0, None), 5_000_000: (40.0, 1024.0)}


def make(path: Path, n_rows: int) -> tuple[int, int]:
    n_customers = int(n_rows / 2.6)  # about 2.9 purchases per customer over 78 weeks with these parameters
    while True:
        sim = simulate_bgnbd(
            n_customers, r=0.243, alpha=4.414, a=0.793, b=2.426, T=78, acquisition_period=12, random_state=0
        )
        if len(sim.transactions) >= n_rows:
            break
        n_customers = int(n_customers * 1.2)
    tx = sim.transactions.iloc[:n_rows].copy()
    tx["customer_id"] = tx["customer_id"].map("C{:07d}".format)
    tx.to_csv(path, index=False, date_format="%Y-%m-%d")
    return len(tx), int(tx["customer_id"].nunique())


# A small wrapper process runs the command line and reports the peak memory of its descendants (the CLI and
# its kernel); measured from this process, a forked child's peak would include this process's own pages.
_WRAP = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(r.returncode)"
)


def run(args: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of the largest process of one report run."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _WRAP, sys.executable, "-m", "crm_lessons", "report", *args],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"report failed ({proc.returncode}): {proc.stderr}")
    for line in proc.stdout.splitlines():
        print("    " + line)
    return seconds, int(proc.stderr.split()[-1]) / 1024  # Linux: ru_maxrss in KiB


def main() -> None:
    sizes = [int(v) for v in sys.argv[1:]] or DEFAULT_SIZES
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores; load {load} at start")
    with tempfile.TemporaryDirectory() as tmp:
        print("bundled CDNOW (69,659 rows):")
        cdnow, peak_cdnow = run(["--out", str(Path(tmp) / "cdnow.html")])
        results = []
        for n in sizes:
            data = Path(tmp) / "transactions.csv"
            made = subprocess.run(
                [sys.executable, __file__, "--make", str(data), str(n)], capture_output=True, text=True, check=True
            )
            rows, customers = (int(v) for v in made.stdout.split())
            print(f"generated {rows:,} rows, {customers:,} customers, {data.stat().st_size / 1e6:.0f} MB")
            big, peak_big = run(["--data", str(data), "--out", str(Path(tmp) / "big.html")])
            results.append((rows, big, peak_big, (Path(tmp) / "big.html").stat().st_size / 1e6))
            data.unlink()
        load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
        print(f"load {load} at end")
        print(f"report on bundled CDNOW: {cdnow:5.1f} s   peak memory of one process {peak_cdnow:5.0f} MB")
        missed = []
        for rows, big, peak_big, size in results:
            seconds, mb = TARGETS.get(rows, (None, None))
            target = ", ".join(
                t
                for t in (f"target < {seconds:g} s on a quiet machine" if seconds else "", f"< {mb:g} MB" if mb else "")
                if t
            )
            verdict = ""
            if seconds or mb:
                ok = (not seconds or big < seconds) and (not mb or peak_big < mb)
                verdict = "met" if ok else "NOT MET"
                if not ok:
                    missed.append(rows)
            print(
                f"report on {rows:,} rows:  {big:5.1f} s   peak memory of one process {peak_big:5.0f} MB"
                f"   ({target + '; ' if target else ''}HTML {size:.1f} MB) {verdict}"
            )
        if missed:
            raise SystemExit(
                f"issue 18's report targets missed for {', '.join(f'{r:,}' for r in missed)} rows "
                f"(the times are for a quiet machine: load was {load})"
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--make"]:
        print(*make(Path(sys.argv[2]), int(sys.argv[3])))
    else:
        main()
