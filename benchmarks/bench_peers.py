"""The speed targets of issue 18 as ratios, measured against polars, DuckDB and pandas in one run.

1. Customer tables from a transaction log, on the same data, contenders interleaved (each repeat
   runs every contender once, in turn; best of ``--repeat``):

   * the RFM table: ``crm_lessons.rfm.rfm_table`` vs DuckDB (SQL on the same pandas DataFrame, the
     result fetched as a pandas DataFrame), polars lazy and polars eager (a polars DataFrame made
     beforehand, not timed; the result left in polars: the most favourable terms for polars) and a
     pandas ``groupby``;
   * the Fader-Hardie summary (``crm_lessons.clv.customer_summary``, ``freq="D"``: purchases of one
     customer on one day merged; frequency, recency, T, mean repeat spend) vs the same in DuckDB,
     polars lazy and eager, and pandas;

   at every size of ``--sizes`` (default 1M, 5M and 20M rows, the sizes of issue 30 target 2; the
   20M logs take most of the ~15 minutes and ~6 GB of memory; ``--sizes 1000000 5000000`` for a quick
   look) and four kinds of ids: integers (500,000 customers numbered from 0), sparse integers
   (11-digit phone-number-like ids), ``C`` + unpadded digits (member codes of several widths) and
   Chinese text with no digit pattern (``客户`` + a random word).  Ratio = the fastest peer (DuckDB,
   polars lazy or eager, pandas) / ours, target >= 1; with 5M and 20M both run, the log-log slope of
   our time from 5M to 20M rows, target <= 1.15 (linear growth).  Every contender's numbers are
   checked against ours (counts and days exactly, money to 1e-9).

2. ``crm_lessons.io.read_transactions`` vs ``pyarrow.csv.read_csv`` and ``polars.read_csv``
   producing the same typed table (ids as text, dates as dates, amounts as floats; ``pandas.read_csv``
   and ``read_transactions_with_report``, which also counts duplicates, returns, customers and the date
   range, shown for reference) on 1M- and 5M-row clean UTF-8 CSVs (string ids, integer-looking ids),
   target >= 0.5 of the faster peer (issue 30); and on a messy GBK export (``￥1,234.50``, ``2024年1月5日``,
   blank rows) vs polars doing the same cleaning (decode, drop blank rows, strip ``￥`` and ``,``,
   parse the dates), target >= 0.8.

Prints one table with each ratio and its target; exits 1 when a ratio misses its target.

Run: .venv/bin/python benchmarks/bench_peers.py [--sizes 1000000 5000000 20000000] [--repeat 3] [--parts tables io]
(needs the ``bench`` extra: ``pip install -e ".[bench]"`` brings polars and duckdb).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons.clv import customer_summary
from crm_lessons.io import read_transactions, read_transactions_with_report
from crm_lessons.rfm import rfm_table

try:
    import duckdb
    import polars as pl
except ImportError:  # pragma: no cover - depends on the venv
    raise SystemExit(
        "bench_peers.py needs polars and duckdb: pip install -e '.[bench]' (or pip install polars duckdb)"
    ) from None

AS_OF = "2023-12-31"
AS_OF_DAY = pd.Timestamp(AS_OF)


def load() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


ID_KINDS = ("int", "sparse", "str", "text")


def make_log(n_rows: int, ids: str, *, n_customers: int = 500_000, seed: int = 0) -> pd.DataFrame:
    """Synthetic log: ids drawn at random, two years of dates plus 10 days after AS_OF, lognormal amounts.

    ``ids``: "int" (0 to 499,999), "sparse" (11-digit phone-number-like integers, 14,000x the customer
    count apart on average), "str" (``C`` + unpadded digits: ``C0`` to ``C499999``, six widths) or
    "text" (``客户`` + six random letters).
    """
    rng = np.random.default_rng(seed)
    cust = rng.integers(0, n_customers, n_rows)
    seconds = rng.integers(0, 2 * 365 * 86_400 + 10 * 86_400, n_rows)
    if ids == "int":
        customer: Any = cust
    elif ids == "sparse":
        customer = rng.integers(13_000_000_000, 20_000_000_000, n_customers)[cust]
    elif ids == "str":
        customer = pd.Series(np.char.add("C", cust.astype("U7")), dtype="str")
    else:  # text with no digit pattern: a random 6-letter word per customer
        words = np.array(
            ["客户" + "".join(w) for w in rng.choice(list("abcdefghijklmnopqrstuvwxyz"), (n_customers, 6))]
        )
        customer = pd.Series(words[cust], dtype="str")
    return pd.DataFrame(
        {
            "customer_id": customer,
            "date": pd.Timestamp("2022-01-01") + pd.to_timedelta(seconds, unit="s"),
            "amount": rng.lognormal(3.0, 1.0, n_rows).round(2),
        }
    )


# ----------------------------------------------------------------------------- contenders: RFM table


def pandas_rfm(df: pd.DataFrame) -> pd.DataFrame:
    day = df["date"].dt.floor("D")
    d = df.assign(day=day)[day <= AS_OF_DAY]
    g = d.groupby("customer_id").agg(
        last=("day", "max"), first=("day", "min"), n=("day", "size"), spend=("amount", "sum")
    )
    return pd.DataFrame(
        {
            "days_since_last": (AS_OF_DAY - g["last"]).dt.days,
            "n_purchases": g["n"],
            "total_spend": g["spend"],
            "days_since_first": (AS_OF_DAY - g["first"]).dt.days,
        }
    )


def pandas_summary(df: pd.DataFrame) -> pd.DataFrame:
    day = df["date"].dt.floor("D")
    d = df.assign(day=day)[day <= AS_OF_DAY].groupby(["customer_id", "day"])["amount"].sum().reset_index()
    g = d.groupby("customer_id")  # sorted by customer, then day: the first row of a customer is its first day
    first, last, n = g["day"].min(), g["day"].max(), g["day"].size()
    total, first_amount = g["amount"].sum(), g["amount"].first()
    return pd.DataFrame(
        {
            "frequency": n - 1,
            "recency": (last - first).dt.days,
            "T": (AS_OF_DAY - first).dt.days,
            "monetary_value": np.where(n > 1, (total - first_amount) / (n - 1).clip(lower=1), 0.0),
        }
    )


_RFM_SQL = f"""
SELECT customer_id,
       date_diff('day', max(CAST(date AS DATE)), DATE '{AS_OF}') AS days_since_last,
       count(*) AS n_purchases, sum(amount) AS total_spend,
       date_diff('day', min(CAST(date AS DATE)), DATE '{AS_OF}') AS days_since_first
FROM df WHERE CAST(date AS DATE) <= DATE '{AS_OF}'
GROUP BY customer_id ORDER BY customer_id
"""

_SUMMARY_SQL = f"""
WITH d AS (
    SELECT customer_id, CAST(date AS DATE) AS day, sum(amount) AS amount
    FROM df WHERE CAST(date AS DATE) <= DATE '{AS_OF}' GROUP BY ALL
), c AS (
    SELECT customer_id, min(day) AS first_day, max(day) AS last_day, count(*) AS n, sum(amount) AS total,
           arg_min(amount, day) AS first_amount
    FROM d GROUP BY customer_id
)
SELECT customer_id, n - 1 AS frequency, date_diff('day', first_day, last_day) AS recency,
       date_diff('day', first_day, DATE '{AS_OF}') AS "T",
       CASE WHEN n > 1 THEN (total - first_amount) / (n - 1) ELSE 0 END AS monetary_value
FROM c ORDER BY customer_id
"""


def duckdb_query(con: Any, sql: str, df: pd.DataFrame) -> pd.DataFrame:
    con.register("df", df)
    try:
        return con.execute(sql).df()
    finally:
        con.unregister("df")


def _collect(frame: Any) -> Any:
    """A polars LazyFrame's result; an eager DataFrame as it is."""
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


def polars_rfm(lf: Any) -> Any:
    """The RFM table in polars, lazy (``lf`` a LazyFrame) or eager (a DataFrame)."""
    day = pl.col("date").dt.date()
    end = AS_OF_DAY.date()
    return _collect(
        lf.filter(day <= end)
        .group_by("customer_id")
        .agg(last=day.max(), first=day.min(), n_purchases=pl.len(), total_spend=pl.col("amount").sum())
        .with_columns(
            days_since_last=(pl.lit(end) - pl.col("last")).dt.total_days(),
            days_since_first=(pl.lit(end) - pl.col("first")).dt.total_days(),
        )
        .sort("customer_id")
    )


def polars_summary(lf: Any) -> Any:
    """The Fader-Hardie summary in polars, lazy or eager, as :func:`polars_rfm`."""
    end = AS_OF_DAY.date()
    days = (
        lf.with_columns(day=pl.col("date").dt.date())
        .filter(pl.col("day") <= end)
        .group_by("customer_id", "day")
        .agg(pl.col("amount").sum())
    )
    per = days.group_by("customer_id").agg(
        first_day=pl.col("day").min(),
        last_day=pl.col("day").max(),
        n=pl.len(),
        total=pl.col("amount").sum(),
        first_amount=pl.col("amount").sort_by("day").first(),
    )
    return _collect(
        per.with_columns(
            frequency=pl.col("n") - 1,
            recency=(pl.col("last_day") - pl.col("first_day")).dt.total_days(),
            T=(pl.lit(end) - pl.col("first_day")).dt.total_days(),
            monetary_value=pl.when(pl.col("n") > 1)
            .then((pl.col("total") - pl.col("first_amount")) / (pl.col("n") - 1))
            .otherwise(0.0),
        )
        .select("customer_id", "frequency", "recency", "T", "monetary_value")
        .sort("customer_id")
    )


def agree(ours: pd.DataFrame, theirs: Any, exact: list[str], money: list[str], what: str) -> None:
    """Raise unless a contender's table has our customers (in our order) and our numbers."""
    frame = theirs.to_pandas() if hasattr(theirs, "to_pandas") and not isinstance(theirs, pd.DataFrame) else theirs
    if "customer_id" in frame.columns:
        frame = frame.set_index("customer_id")
    assert [str(v) for v in frame.index[:50]] == [str(v) for v in ours.index[:50]], f"{what}: customers differ"
    assert len(frame) == len(ours), f"{what}: {len(frame)} customers, we have {len(ours)}"
    for col in exact:
        assert np.array_equal(frame[col].to_numpy(dtype=float), ours[col].to_numpy(dtype=float)), f"{what}: {col}"
    for col in money:
        a, b = frame[col].to_numpy(dtype=float), ours[col].to_numpy(dtype=float)
        assert np.allclose(a, b, rtol=1e-9, atol=1e-9), f"{what}: {col} differs"


def interleaved(contenders: dict[str, Callable[[], Any]], repeat: int) -> tuple[dict[str, float], dict[str, Any]]:
    """Best time of each contender; each repeat runs all of them once, in turn.

    Our process CPU time (all threads, best of the repeats) is kept in :data:`CPU` under the task's
    name by :func:`record`: on the shared machine it moves less with the load than the wall time.
    """
    best = {name: float("inf") for name in contenders}
    cpu = {name: float("inf") for name in contenders}
    out: dict[str, Any] = {}
    for _ in range(repeat):
        for name, fn in contenders.items():
            out[name] = None  # the previous repeat's table freed before the next run
            gc.collect()
            c0, t0 = time.process_time(), time.perf_counter()
            out[name] = fn()
            best[name] = min(best[name], time.perf_counter() - t0)
            cpu[name] = min(cpu[name], time.process_time() - c0)
    LAST_CPU.clear()
    LAST_CPU.update(cpu)
    return best, out


ROWS: list[dict[str, Any]] = []
LAST_CPU: dict[str, float] = {}
#: Our time per (table, id kind, rows), for the 5M -> 20M slopes.
OURS: dict[tuple[str, str, int], float] = {}
COLUMNS = ("crm_lessons", "duckdb", "polars", "polars_eager", "pyarrow", "pandas")


def record(
    task: str, times: dict[str, float], target: float, note: str = "", reference_only: tuple[str, ...] = ()
) -> None:
    """One line of the table: our time, the peers', ratio = best peer / ours (>= target is met).

    ``reference_only``: contenders shown but not counted as peers (pandas when reading files)."""
    peers = {k: v for k, v in times.items() if k != "crm_lessons" and k not in reference_only}
    reference = min(peers.values()) if peers else times["pandas"]
    ratio = reference / times["crm_lessons"]
    ROWS.append({"task": task, **{k: times.get(k) for k in COLUMNS}, "ratio": ratio, "target": target, "note": note})
    cells = "  ".join(f"{k} {v:6.3f}" for k, v in times.items())
    ours_cpu = LAST_CPU.get("crm_lessons")
    cpu = f"  (ours {ours_cpu:.3f} CPU-s)" if ours_cpu is not None else ""
    print(f"  {task:<44} {cells}  ratio {ratio:5.2f} (target >= {target:g}){cpu}", flush=True)


def bench_tables(sizes: list[int], repeat: int, kinds: tuple[str, ...] = ID_KINDS) -> None:
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    out: Any = None
    for n in sizes:
        for ids in kinds:
            df: Any = make_log(n, ids)
            eager: Any = pl.from_pandas(df)
            lf: Any = eager.lazy()
            label = f"{n / 1e6:g}M rows, {ids} ids"
            times, out = interleaved(
                {
                    "crm_lessons": lambda: rfm_table(df, as_of=AS_OF),
                    "duckdb": lambda: duckdb_query(con, _RFM_SQL, df),
                    "polars": lambda: polars_rfm(lf),
                    "polars_eager": lambda: polars_rfm(eager),
                    "pandas": lambda: pandas_rfm(df),
                },
                repeat,
            )
            for name in ("duckdb", "polars", "polars_eager", "pandas"):
                agree(
                    out["crm_lessons"],
                    out[name],
                    ["days_since_last", "n_purchases", "days_since_first"],
                    ["total_spend"],
                    f"RFM {name}, {label}",
                )
            record(f"RFM table, {label}", times, 1.0)
            OURS["RFM table", ids, n] = times["crm_lessons"]
            out = None
            times, out = interleaved(
                {
                    "crm_lessons": lambda: customer_summary(df, calibration_end=AS_OF, freq="D"),
                    "duckdb": lambda: duckdb_query(con, _SUMMARY_SQL, df),
                    "polars": lambda: polars_summary(lf),
                    "polars_eager": lambda: polars_summary(eager),
                    "pandas": lambda: pandas_summary(df),
                },
                repeat,
            )
            for name in ("duckdb", "polars", "polars_eager", "pandas"):
                agree(
                    out["crm_lessons"],
                    out[name],
                    ["frequency", "recency", "T"],
                    ["monetary_value"],
                    f"summary {name}, {label}",
                )
            record(f"customer summary, {label}", times, 1.0)
            OURS["customer summary", ids, n] = times["crm_lessons"]
            df = eager = lf = out = None  # free the log before the next one
            gc.collect()


def slopes(lo: int = 5_000_000, hi: int = 20_000_000, target: float = 1.15) -> list[tuple[str, float, bool]]:
    """Log-log slope of our time from ``lo`` to ``hi`` rows per table and id kind (both sizes run)."""
    found = []
    for (table, ids, n), t_lo in OURS.items():
        t_hi = OURS.get((table, ids, hi))
        if n == lo and t_hi is not None:
            slope = float(np.log(t_hi / t_lo) / np.log(hi / lo))
            found.append((f"{table}, {ids} ids", slope, slope <= target))
    return found


# ----------------------------------------------------------------------------- reading files


def write_clean(path: Path, n: int, ids: str) -> None:
    rng = np.random.default_rng(1)
    cust = rng.integers(1, 300_000, n)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{c:06d}" for c in cust] if ids == "str" else cust,
            "date": (pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")).strftime(
                "%Y-%m-%d"
            ),
            "amount": rng.gamma(2.0, 50.0, n).round(2),
            "store": rng.choice(["北京", "上海", "广州"], n),
        }
    )
    frame.to_csv(path, index=False)


def write_messy(path: Path, n: int) -> None:
    """A GBK export: 会员编号/下单时间/实付金额, ￥1,234.50 amounts, 2024年1月5日 dates, a blank row per 1000."""
    rng = np.random.default_rng(2)
    days = (pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")).strftime("%Y年%m月%d日")
    amounts = [f"￥{v:,.2f}" for v in rng.gamma(2.0, 50.0, n)]
    ids = [f"VIP{c:06d}" for c in rng.integers(1, 100_000, n)]
    stores = rng.choice(["北京", "上海"], n)
    lines = ["会员编号,下单时间,实付金额,门店"]
    for i, (c, d, a, s) in enumerate(zip(ids, days, amounts, stores)):
        lines.append(f'{c},{d},"{a}",{s}')
        if i % 1000 == 999:
            lines.append("")
    path.write_bytes(("\n".join(lines) + "\n").encode("gbk"))


def _arrow_clean(path: Path) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    types = {"customer_id": pa.string(), "date": pa.date32(), "amount": pa.float64()}
    return pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(column_types=types))


def _polars_clean(path: Path) -> Any:
    return pl.read_csv(path, schema_overrides={"customer_id": pl.String, "date": pl.Date, "amount": pl.Float64})


def _polars_messy(path: Path) -> Any:
    """What read_transactions does to the GBK export, in polars: decode, split, drop blank rows, parse."""
    text = path.read_bytes().decode("gb18030")
    frame = pl.read_csv(text.encode("utf-8"), schema_overrides={"会员编号": pl.String, "实付金额": pl.String})
    return frame.filter(~pl.all_horizontal(pl.all().is_null())).select(
        pl.col("会员编号").str.strip_chars().alias("customer_id"),
        pl.col("下单时间").str.strptime(pl.Date, "%Y年%m月%d日").alias("date"),
        pl.col("实付金额").str.replace_all(r"[￥,]", "").cast(pl.Float64).alias("amount"),
        pl.col("门店"),
    )


def _same_table(ours: pd.DataFrame, theirs: Any, what: str) -> None:
    """The peer's ids, dates and amounts are ours."""
    frame = theirs.to_pandas() if not isinstance(theirs, pd.DataFrame) else theirs
    assert len(frame) == len(ours), f"{what}: {len(frame)} rows, we have {len(ours)}"
    assert np.array_equal(frame["customer_id"].astype(str).to_numpy(), ours["customer_id"].to_numpy()), what
    assert np.array_equal(frame["amount"].to_numpy(dtype=float), ours["amount"].to_numpy()), what
    dates = pd.to_datetime(frame["date"]).to_numpy().astype("datetime64[ns]")
    assert np.array_equal(dates, ours["date"].to_numpy()), what


def bench_io(n: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("str", "int"):
            path = Path(tmp) / f"clean_{kind}.csv"
            write_clean(path, n, kind)
            size = path.stat().st_size / 1e6
            times, out = interleaved(
                {
                    "crm_lessons": lambda: read_transactions(path),
                    "with report": lambda: read_transactions_with_report(path)[0],
                    "pyarrow": lambda: _arrow_clean(path),
                    "polars": lambda: _polars_clean(path),
                    "pandas": lambda: pd.read_csv(path, dtype={"customer_id": str}, parse_dates=["date"]),
                },
                repeat,
            )
            for peer in ("with report", "pyarrow", "polars", "pandas"):
                _same_table(out["crm_lessons"], out[peer], f"clean {kind}: {peer}")
            ids = "string ids" if kind == "str" else "integer-looking ids"
            speeds = ", ".join(f"{k} {size / v:.0f} MB/s" for k, v in times.items())
            record(
                f"read_transactions, {n // 1_000_000}M rows, clean UTF-8 CSV, {ids}",
                times,
                0.5,
                speeds,
                reference_only=("pandas", "with report"),
            )
        path = Path(tmp) / "messy_gbk.csv"
        write_messy(path, n)
        times, out = interleaved(
            {
                "crm_lessons": lambda: read_transactions(path),
                "polars": lambda: _polars_messy(path),
                "pandas": lambda: pd.read_csv(path, encoding="gb18030"),
            },
            repeat,
        )
        _same_table(out["crm_lessons"], out["polars"], "messy GBK: polars")
        record(
            f"read_transactions, {n // 1_000_000}M rows, messy GBK export",
            times,
            0.8,
            "polars: same cleaning",
            reference_only=("pandas",),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000, 20_000_000], help="rows of the customer tables"
    )
    parser.add_argument("--ids", nargs="+", choices=ID_KINDS, default=list(ID_KINDS), help="id kinds of the tables")
    parser.add_argument("--io-rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--parts", nargs="+", choices=["tables", "io"], default=["tables", "io"])
    args = parser.parse_args()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.machine()}, {os.cpu_count()} cores; "
        f"load {load()} at start"
    )
    print(
        f"pandas {pd.__version__}, numpy {np.__version__}, polars {pl.__version__}, duckdb {duckdb.__version__}, "
        f"pyarrow {__import__('pyarrow').__version__}, python {sys.version.split()[0]}; best of {args.repeat}, "
        "contenders interleaved; ratio = best peer's time / ours (>= target is met)"
    )
    if "tables" in args.parts:
        bench_tables(args.sizes, args.repeat, tuple(args.ids))
    if "io" in args.parts:
        for n in args.io_rows:
            bench_io(n, args.repeat)
    print(f"load {load()} at end\n")
    print(
        "| task | crm_lessons s | DuckDB s | polars lazy s | polars eager s | pyarrow s | pandas s | ratio | target | |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    missed = 0
    for r in ROWS:
        ok = r["ratio"] >= r["target"]
        missed += not ok
        cells = " | ".join("-" if r[k] is None else f"{r[k]:.3f}" for k in COLUMNS)
        print(f"| {r['task']} | {cells} | {r['ratio']:.2f} | >= {r['target']:g} | {'met' if ok else 'NOT MET'} |")
    found = slopes()
    if found:
        print("\nLog-log slope of our time, 5M -> 20M rows (target <= 1.15):\n")
        print("| table, ids | slope | |")
        print("|---|---:|---|")
        for what, slope, ok in found:
            missed += not ok
            print(f"| {what} | {slope:.3f} | {'met' if ok else 'NOT MET'} |")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
