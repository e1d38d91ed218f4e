"""Benchmark: the RFM table and the customer summary from a Parquet log, pandas vs DuckDB (vs Spark local).

    .venv/bin/python benchmarks/bench_engines.py                      # 10M rows: pandas, duckdb (, spark)
    .venv/bin/python benchmarks/bench_engines.py --rows 50000000 --engines duckdb
    .venv/bin/python benchmarks/bench_engines.py --report 3000000    # the whole report on DuckDB

A generated log (crm_lessons.engines.synthetic: string ids such as 'C0001234', times of day,
several purchases per day, 3 % refunds, amounts in cents) is written once to Parquet in a
temporary folder (or --folder).  Each engine then runs in a fresh process, so that its peak
resident memory is its own: the process reads the file with the reader's policies
(crm_lessons.io.read_transactions_with_report for pandas, crm_lessons.engines.read_source
for the engines) and computes rfm_table (as of the last day) and customer_summary (by week,
calibration at the last day, purchases only); the two tables are compared with the pandas
ones when pandas ran too.  Spark's JVM is a child process: its peak is reported separately.
Needs the duckdb extra (and the spark extra for Spark).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
import pandas as pd
engine, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.perf_counter()
if engine == "pandas":
    from crm_lessons import clv, rfm
    from crm_lessons.io import read_transactions_with_report
    tx, rep = read_transactions_with_report(pd.read_parquet(path))
    t_read = time.perf_counter() - t0
    as_of = rep.date_max
    r = rfm.rfm_table(tx, as_of=as_of)
    s = clv.customer_summary(tx[tx["amount"] > 0], calibration_end=as_of)
else:
    from crm_lessons import engines
    kw = {"memory_limit": "1GB"} if engine == "duckdb" else {"master": "local[2]"}
    table, rep = engines.read_source(path, engine=engine, **kw)
    t_read = time.perf_counter() - t0
    as_of = rep.date_max
    r = engines.rfm_table(table, as_of=as_of)
    s = engines.customer_summary(table.filter(table.amount > 0), calibration_end=as_of)
seconds = time.perf_counter() - t0
r.to_parquet(out + ".rfm.parquet"); s.to_parquet(out + ".summary.parquet")
child_kb = 0
if engine == "spark":  # the JVM's own high-water mark, read before it stops
    from crm_lessons.engines import spark_session
    session = spark_session()
    try:
        with open(f"/proc/{session.sparkContext._gateway.proc.pid}/status") as fh:
            child_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except (OSError, AttributeError, StopIteration):
        pass
    session.stop()
self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"engine": engine, "seconds": seconds, "read_seconds": t_read, "customers": len(r),
                  "rows": rep.rows_read, "peak_mb": self_kb / 1024, "jvm_peak_mb": child_kb / 1024}))
"""


def run_child(engine: str, path: Path, out: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), SPARK_LOCAL_IP="127.0.0.1")
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, engine, str(path), str(out)], env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare(folder: Path, engines: list[str]) -> str:
    import numpy as np
    import pandas as pd

    if "pandas" not in engines:
        return "not compared (pandas not run)"
    notes = []
    for kind in ("rfm", "summary"):
        ref = pd.read_parquet(folder / f"pandas.{kind}.parquet")
        for engine in engines:
            if engine == "pandas":
                continue
            got = pd.read_parquet(folder / f"{engine}.{kind}.parquet")
            assert got.index.equals(ref.index), (engine, kind)
            worst = 0.0
            for col in ref.columns:
                x, y = ref[col].to_numpy(), got[col].to_numpy()
                if x.dtype.kind == "f":
                    np.testing.assert_allclose(y, x, rtol=1e-12)
                    nz = x != 0
                    worst = max(worst, float(np.max(np.abs(y[nz] - x[nz]) / np.abs(x[nz]), initial=0)))
                else:
                    assert (x == y).all(), (engine, kind, col)
            notes.append(f"{engine} {kind}: equal (floats within {worst:.1e})")
    return "; ".join(notes)


def run_report(path: Path, folder: Path, engine: str = "duckdb") -> dict:
    """`crm-lessons report --engine ENGINE` on the Parquet log, peak memory of the largest process."""
    out = folder / "report.html"
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "rc = subprocess.call(sys.argv[1:]); "
        "print(rc, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)"
    )
    cmd = [
        sys.executable,
        "-c",
        wrapper,
        sys.executable,
        "-m",
        "crm_lessons",
        "report",
        "--data",
        str(path),
        "--engine",
        engine,
        "--out",
        str(out),
        "--lang",
        "en",
    ]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    rc, seconds, peak = proc.stdout.strip().splitlines()[-1].split()
    if rc != "0":
        raise RuntimeError(proc.stdout[-3000:] + proc.stderr[-3000:])
    return {"seconds": float(seconds), "peak_mb": float(peak), "html_mb": out.stat().st_size / 2**20}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=None, help="distinct customers (default rows / 25)")
    parser.add_argument(
        "--engines", default=None, help="comma-separated (default: pandas,duckdb and spark when installed)"
    )
    parser.add_argument(
        "--report",
        type=int,
        default=None,
        metavar="ROWS",
        help="instead: time `crm-lessons report --engine duckdb` on a log of ROWS rows",
    )
    parser.add_argument(
        "--report-engine",
        default="duckdb",
        choices=["duckdb", "pandas", "spark"],
        help="engine of the --report run (default: duckdb)",
    )
    parser.add_argument("--folder", help="keep the generated Parquet here (default: a temporary folder)")
    args = parser.parse_args(argv)
    from crm_lessons.engines.synthetic import write_synthetic_parquet

    with tempfile.TemporaryDirectory(prefix="bench-engines-") as tmp:
        folder = Path(args.folder or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        rows = args.report or args.rows
        customers = args.customers or (400_000 if args.report and rows == 3_000_000 else max(10, rows // 25))
        path = folder / f"log_{rows}_{customers}.parquet"
        if not path.exists():
            t = time.perf_counter()
            write_synthetic_parquet(path, rows, n_customers=customers, random_state=0)
            print(
                f"generated {rows:,} rows ({customers:,} ids) in {time.perf_counter() - t:.1f} s: "
                f"{path.stat().st_size / 2**20:.0f} MB Parquet",
                flush=True,
            )
        if args.report:
            res = run_report(path, folder, args.report_engine)
            print(
                f"report --engine {args.report_engine} on {rows:,} rows: {res['seconds']:.1f} s, peak {res['peak_mb']:.0f} MB "
                f"(largest process), HTML {res['html_mb']:.1f} MB"
            )
            return 0
        from crm_lessons.engines import engine_available

        engines = (args.engines or ",".join(e for e in ("pandas", "duckdb", "spark") if engine_available(e))).split(",")
        print("| engine | rows | customers | seconds (read + checks) | peak memory MB | JVM peak MB |")
        print("|---|---:|---:|---:|---:|---:|")
        for engine in engines:
            res = run_child(engine, path, folder / engine)
            jvm = f"{res['jvm_peak_mb']:.0f}" if engine == "spark" else ""
            print(
                f"| {engine} | {res['rows']:,} | {res['customers']:,} | {res['seconds']:.1f} "
                f"({res['read_seconds']:.1f}) | {res['peak_mb']:.0f} | {jvm} |",
                flush=True,
            )
        print(compare(folder, engines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
