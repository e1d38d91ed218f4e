"""Time read_transactions on a generated 1,000,000-row CSV (UTF-8 and GBK) beside plain pandas.read_csv.

Run: .venv/bin/python benchmarks/bench_io.py [--repeat 3]
Prints the time of plain pandas.read_csv beside read_transactions, interleaved in the same run
(best of ``--repeat``; the first read of each also loads the modules it needs, which a single run
would count), for clean ISO dates and for messy Chinese-formatted values.  For reference: no target
(issue 30's reading targets, against pyarrow and polars, are in ``bench_peers.py --parts io``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from crm_lessons.io import read_transactions

N = 1_000_000


def make(path: Path, *, messy: bool, encoding: str) -> None:
    rng = np.random.default_rng(0)
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, N), unit="D")
    amount = rng.gamma(2.0, 50.0, N).round(2)
    if messy:
        dates = days.strftime("%Y年%m月%d日")
        amounts = pd.Series(amount).map(lambda v: f"￥{v:,.2f}")
        header = "会员编号,下单时间,实付金额,门店\n"
    else:
        dates = days.strftime("%Y-%m-%d")
        amounts = pd.Series(amount).astype(str)
        header = "customer_id,date,amount,store\n"
    ids = pd.Series(rng.integers(1, 100_000, N)).map("C{:06d}".format)
    body = ids + "," + pd.Series(dates) + ',"' + amounts + '",' + pd.Series(rng.choice(["北京", "上海"], N))
    path.write_bytes((header + "\n".join(body) + "\n").encode(encoding))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for messy, enc in [(False, "utf-8"), (True, "gbk")]:
            path = Path(tmp) / f"tx_{enc}.csv"
            make(path, messy=messy, encoding=enc)
            plain = ours = float("inf")
            for _ in range(args.repeat):  # interleaved, best of repeat
                t0 = time.perf_counter()
                pd.read_csv(path, encoding="gb18030" if enc == "gbk" else enc)
                t1 = time.perf_counter()
                tx = read_transactions(path)
                t2 = time.perf_counter()
                plain, ours = min(plain, t1 - t0), min(ours, t2 - t1)
            kind = "messy (年月日, ￥1,234.50, GBK)" if messy else "clean (ISO, UTF-8)"
            print(
                f"{N:,} rows {kind:34s} pandas.read_csv {plain:5.2f} s   read_transactions {ours:5.2f} s"
                f"   ratio {plain / ours:4.2f}   ({len(tx):,} rows kept; best of {args.repeat}; reference, no target)",
                flush=True,
            )


if __name__ == "__main__":
    main()
