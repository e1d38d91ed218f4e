"""A generated transaction log for tests and benchmarks of the engines (machinery, not a course model).

String customer ids, several purchases of one customer on one day, times of
day, refunds (negative amounts), amounts in cents; written straight to Parquet
in row groups so that logs of tens of millions of rows never sit in memory.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["synthetic_log", "write_synthetic_parquet"]

_START = np.datetime64("2022-01-01T00:00:00", "s")
_DAYS = 730


def _chunk(rng: np.random.Generator, n: int, n_customers: int, refund_share: float) -> dict[str, np.ndarray]:
    # customers by a skewed popularity (a few buy often, most rarely)
    cust = np.minimum((rng.pareto(1.2, n) * n_customers / 20).astype(np.int64), n_customers - 1)
    cust = (cust * 2654435761) % n_customers  # spread the popular ones over the id range
    # each customer buys around their own "home" day, often several times on one day
    day = (cust * 7919 + rng.integers(0, _DAYS, n) // rng.choice([1, 1, 3, 50], n)) % _DAYS
    seconds = rng.integers(0, 86_400, n)
    when = _START + (day * 86_400 + seconds).astype("timedelta64[s]")
    amount = np.round(np.exp(rng.normal(3.5, 0.9, n)), 2)
    refund = rng.random(n) < refund_share
    amount[refund] = -np.round(amount[refund] * rng.choice([1.0, 0.5], int(refund.sum())), 2)
    return {"cust": cust, "date": when, "amount": amount}


def _ids(codes: np.ndarray, width: int) -> np.ndarray:
    return np.char.add("C", np.char.zfill(codes.astype(str), width)).astype(object)


def synthetic_log(
    n_rows: int, *, n_customers: int | None = None, refund_share: float = 0.03, random_state: int = 0
) -> pd.DataFrame:
    """A generated log in memory: ``customer_id`` (str such as ``'C0001234'``), ``date`` (with time of day), ``amount``.

    Examples
    --------
    >>> log = synthetic_log(1000, random_state=1)
    >>> list(log.columns), bool(log["customer_id"].str.startswith("C").all()), bool((log["amount"] < 0).any())
    (['customer_id', 'date', 'amount'], True, True)
    """
    n_customers = n_customers or max(10, n_rows // 8)
    rng = np.random.default_rng(random_state)
    part = _chunk(rng, n_rows, n_customers, refund_share)
    width = len(str(n_customers))
    return pd.DataFrame(
        {
            "customer_id": pd.array(_ids(part["cust"], width), dtype="str"),
            "date": part["date"].astype("datetime64[ns]"),
            "amount": part["amount"],
        }
    )


def write_synthetic_parquet(
    path: str | os.PathLike[str],
    n_rows: int,
    *,
    n_customers: int | None = None,
    refund_share: float = 0.03,
    random_state: int = 0,
    chunk_rows: int = 2_000_000,
) -> Any:
    """Write a generated log of ``n_rows`` to one Parquet file, ``chunk_rows`` at a time; return the path.

    Needs pyarrow (the ``duckdb`` extra).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    n_customers = n_customers or max(10, n_rows // 8)
    width = len(str(n_customers))
    rng = np.random.default_rng(random_state)
    schema = pa.schema([("customer_id", pa.string()), ("date", pa.timestamp("us")), ("amount", pa.float64())])
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        done = 0
        while done < n_rows:
            n = min(chunk_rows, n_rows - done)
            part = _chunk(rng, n, n_customers, refund_share)
            uniq, inverse = np.unique(part["cust"], return_inverse=True)
            ids = pa.DictionaryArray.from_arrays(
                pa.array(inverse.astype(np.int32)), pa.array(_ids(uniq, width), pa.string())
            ).cast(pa.string())
            writer.write_table(
                pa.table(
                    {
                        "customer_id": ids,
                        "date": pa.array(part["date"].astype("datetime64[us]")),
                        "amount": pa.array(part["amount"]),
                    },
                    schema=schema,
                )
            )
            done += n
    return path
