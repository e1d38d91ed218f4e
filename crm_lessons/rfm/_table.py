"""The RFM table: days since the last purchase, number of purchases and spend per customer."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lessons import _threads
from crm_lessons._ids import sorted_codes
from crm_lessons._validation import (
    DataError,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_numeric,
    to_timestamp,
)

RFM_COLUMNS = [
    "days_since_last",
    "n_purchases",
    "total_spend",
    "mean_spend",
    "first_purchase",
    "last_purchase",
    "days_since_first",
]

# Dimension -> (column of the RFM table, True when a larger value is better).
_DIMENSIONS = {
    "r": ("days_since_last", False),
    "f": ("n_purchases", True),
    "m": ("total_spend", True),
}


# --------------------------------------------------------------------------- #
# RFM table
# --------------------------------------------------------------------------- #
def day_numbers(dates: pd.Series, *, column: str = "date", where: str = "day_numbers") -> tuple[np.ndarray, str]:
    """Calendar day of each date as int64 days since 1970-01-01, and the datetime unit.

    The building block of :func:`rfm_table` and of the report's per-customer
    tables: a time of day is dropped (the cast floors, also before 1970).

    Parameters
    ----------
    dates : pandas.Series
        Time-zone naive ``datetime64`` values.
    column : str, default "date"
        Name of the column, for the error message.
    where : str, default "day_numbers"
        Name of the calling function, for the error message.

    Returns
    -------
    days : numpy.ndarray
        int64 day numbers (days since 1970-01-01).
    unit : str
        The datetime unit of ``dates`` (``"ns"``, ``"us"``, ...), to turn day numbers back into dates of the
        same dtype.

    Raises
    ------
    DataError
        If the dates are time-zone aware or not ``datetime64``.

    Examples
    --------
    >>> days, unit = day_numbers(pd.Series(pd.to_datetime(["1970-01-02", "2024-01-05 13:00"], format="ISO8601")))
    >>> days.tolist(), unit
    ([1, 19727], 'us')
    """
    dtype = dates.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        raise DataError(
            f"{where}: column {column!r} has time-zone aware dates ({dtype}); "
            f"convert them to local dates first, e.g. df[{column!r}].dt.tz_convert('Asia/Shanghai').dt.tz_localize(None)"
        )
    if not pd.api.types.is_datetime64_dtype(dtype):
        raise DataError(
            f"{where}: column {column!r} should hold dates (datetime64), got dtype {dtype}; "
            f"convert it with df[{column!r}] = pandas.to_datetime(df[{column!r}]) "
            "or read the file with crm_lessons.io.read_transactions"
        )
    values = dates.to_numpy()
    unit = np.datetime_data(values.dtype)[0]
    # Casting to days floors (also before 1970), so a time of day is dropped.
    return values.astype("datetime64[D]").view("int64"), unit


def rfm_table(
    transactions: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    order_col: str | None = None,
) -> pd.DataFrame:
    """Summarise a transaction log into one RFM row per customer.

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction (or order line).  ``date_col`` must be a
        datetime64 column, ``amount_col`` numeric; no missing values.
    as_of : str or Timestamp
        Date of the analysis ("today").  Transactions dated after ``as_of``
        are excluded; transactions on ``as_of`` itself are included.
        Customers whose first purchase is after ``as_of`` do not appear.
    customer_col, date_col, amount_col : str
        Column names.
    order_col : str, optional
        Column identifying an order.  When given, ``n_purchases`` counts
        distinct orders per customer (several lines of one basket count
        once); otherwise every row counts as a purchase.

    Returns
    -------
    DataFrame
        Indexed by customer id (sorted, index named ``customer_col``), with
        columns

        ``days_since_last`` (int)
            whole days from the last purchase to ``as_of`` (0 = bought on ``as_of``);
        ``n_purchases`` (int)
            number of transactions (or distinct orders);
        ``total_spend`` (float)
            sum of ``amount_col``;
        ``mean_spend`` (float)
            ``total_spend / n_purchases``;
        ``first_purchase``, ``last_purchase`` (datetime64)
            calendar dates (time of day dropped);
        ``days_since_first`` (int)
            whole days from the first purchase to ``as_of``.

    Raises
    ------
    DataError
        A column is missing, ``date_col`` is not datetime64 (e.g. strings),
        a value is missing, ``amount_col`` is not numeric, or no transaction
        is dated on or before ``as_of``.

    Notes
    -----
    All dates are reduced to calendar days, so ``days_since_last =
    floor(as_of) - floor(last purchase)`` in days.  Amounts may be negative
    (returns); they are summed as they are.

    The computation turns the customer ids into integer codes in sorted id
    order (dense integer ids and digit ids such as ``C000123`` without
    hashing) and uses
    ``numpy.bincount`` for counts and sums and ``numpy.maximum.at`` /
    ``numpy.minimum.at`` on int64 day numbers for the last and first dates,
    which is several times faster than ``DataFrame.groupby(...).agg(...)``
    (see ``benchmarks/bench_rfm.py``).

    References
    ----------
    Hughes (2012), *Strategic Database Marketing*; Blattberg, Kim & Neslin
    (2008), *Database Marketing*, chapter "RFM analysis" (definitions of R, F, M).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-21", "2024-01-11", "2024-02-05"]),
    ...     "amount": [10.0, 30.0, 5.0, 99.0],
    ... })
    >>> rfm_table(tx, as_of="2024-01-31")[["days_since_last", "n_purchases", "total_spend", "mean_spend"]]
                 days_since_last  n_purchases  total_spend  mean_spend
    customer_id
    a                         10            2         40.0        20.0
    b                         20            1          5.0         5.0
    """
    where = "rfm_table"
    df = require_dataframe(transactions, where=where)
    needed = {customer_col: "customer_col", date_col: "date_col", amount_col: "amount_col"}
    if order_col is not None:
        needed[order_col] = "order_col"
    require_columns(df, needed, where=where)
    as_of_ts = to_timestamp(as_of, name="as_of", where=where)
    if as_of_ts.tzinfo is not None:
        raise DataError(f"{where}: as_of={as_of!r} has a time zone; pass a plain date such as '1998-06-30'")
    for col in needed:
        require_no_missing(df, col, where=where)
    require_numeric(df, amount_col, where=where)
    day, unit = day_numbers(df[date_col], column=date_col, where=where)
    as_of_day = (as_of_ts.normalize() - pd.Timestamp("1970-01-01")).days

    keep = day <= as_of_day
    if not keep.any():
        raise DataError(
            f"{where}: no transaction is dated on or before as_of={as_of_ts.date()}; "
            f"the earliest date in {date_col!r} is {pd.Timestamp(day.min(), unit='D').date()}"
        )
    codes, uniques, _ = sorted_codes(df[customer_col])
    amount = df[amount_col].to_numpy(dtype="float64")
    n = None
    if order_col is not None:
        order_codes, order_uniques = pd.factorize(df[order_col])
        if not keep.all():
            order_codes = order_codes[keep]
        key = codes[keep].astype("int64") * len(order_uniques) + order_codes
        n = np.bincount(pd.unique(key) // len(order_uniques), minlength=len(uniques))
    return rfm_from_codes(
        codes, uniques, day, amount, as_of_day=as_of_day, unit=unit, name=customer_col, n=n, keep=keep
    )


def rfm_from_codes(
    codes: np.ndarray,
    uniques: pd.Index,
    day: np.ndarray,
    amount: np.ndarray,
    *,
    as_of_day: int,
    unit: str,
    name: str,
    n: np.ndarray | None = None,
    keep: np.ndarray | None = None,
) -> pd.DataFrame:
    """The RFM table of :func:`rfm_table` from arrays already checked and coded.

    Shared by :func:`rfm_table` and the report's per-customer tables, which code the customer ids
    once (:func:`crm_lessons._ids.sorted_codes`) for several tables.

    Parameters
    ----------
    codes : numpy.ndarray
        Integer customer code of each transaction: the rank of its id among the sorted ``uniques``.
    uniques : pandas.Index
        The sorted customer ids; ``uniques[c]`` is the customer of code ``c``.
    day : numpy.ndarray
        int64 day number of each transaction (:func:`day_numbers`), none after ``as_of_day``.
    amount : numpy.ndarray
        float amount of each transaction.
    as_of_day : int
        Day number of the analysis date.
    unit : str
        datetime unit of the purchase dates returned (``"ns"``, ``"us"``, ...).
    name : str
        Name of the index (the customer column).
    n : numpy.ndarray, optional
        Purchase count per code, replacing the row counts (e.g. distinct orders).
    keep : numpy.ndarray of bool, optional
        Rows to use; the others are left out.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`rfm_table`, indexed by customer id; customers with no purchase are left out.

    Examples
    --------
    >>> from crm_lessons._ids import sorted_codes
    >>> ids = pd.Series(["b", "a", "b"])
    >>> codes, uniques, _ = sorted_codes(ids)
    >>> t = rfm_from_codes(codes, uniques, np.array([10, 12, 15]), np.array([5.0, 3.0, 2.0]),
    ...                    as_of_day=20, unit="ns", name="customer_id")
    >>> t.index.tolist(), t[["days_since_last", "n_purchases", "total_spend"]].to_dict("list")
    (['a', 'b'], {'days_since_last': [8, 5], 'n_purchases': [1, 2], 'total_spend': [3.0, 7.0]})
    """
    k = len(uniques)
    bins = k
    if keep is not None and not keep.all():
        # the rows left out go to a bin of their own, dropped below: one pass instead of three copies
        codes = np.where(keep, codes, k)
        bins = k + 1
    counts = n

    def counts_and_last() -> tuple[np.ndarray, np.ndarray]:
        last = np.full(bins, np.iinfo("int64").min, dtype="int64")
        np.maximum.at(last, codes, day)
        return (np.bincount(codes, minlength=bins)[:k] if counts is None else counts), last[:k]

    def spend_and_first() -> tuple[np.ndarray, np.ndarray]:
        first = np.full(bins, np.iinfo("int64").max, dtype="int64")
        np.minimum.at(first, codes, day)
        return np.bincount(codes, weights=amount, minlength=bins)[:k], first[:k]

    # two independent halves of the work, on two threads when there are two cores (the sums and the
    # minimum and maximum release the GIL); each result is the one thread's
    tasks = [counts_and_last, spend_and_first]
    (n, last), (spend, first) = (
        _threads.run(tasks) if len(_threads.row_slices(len(codes))) > 1 else [t() for t in tasks]
    )

    # codes are ranks of the sorted ids: drop customers with no transaction up to as_of
    if not (n > 0).all():
        bought = np.flatnonzero(n > 0)
        uniques, n, spend, last, first = uniques[bought], n[bought], spend[bought], last[bought], first[bought]
    n = n.astype("int64")
    index = pd.Index(uniques, name=name)

    def as_dates(days: np.ndarray) -> np.ndarray:
        return days.astype("datetime64[D]").astype(f"datetime64[{unit}]")

    return pd.DataFrame(
        {
            "days_since_last": as_of_day - last,
            "n_purchases": n,
            "total_spend": spend,
            "mean_spend": spend / n,
            "first_purchase": as_dates(first),
            "last_purchase": as_dates(last),
            "days_since_first": as_of_day - first,
        },
        index=index,
        copy=False,  # the columns are new arrays: kept as they are, not copied into one block per dtype
    )
