"""RFM analysis: the RFM table, quintile scores, segment maps and response by group.

RFM describes each customer by three numbers computed from the transaction
log at a chosen date ``as_of``:

* R - how long ago the last purchase was (``days_since_last``; lower is better),
* F - how many purchases (``n_purchases``),
* M - how much was spent (``total_spend``, ``mean_spend``).

Names follow the house style: ``recency`` and ``frequency`` keep their
Fader-Hardie meanings (used by the CLV chapter) and are *not* used here.

References
----------
Hughes, A. M. (2012). *Strategic Database Marketing*, 4th ed., McGraw-Hill,
the chapters on RFM (quintile coding, 5 = best).

Blattberg, R. C., Kim, B.-D. & Neslin, S. A. (2008). *Database Marketing*,
Springer, chapter "RFM analysis".

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using
iso-value curves for customer base analysis. *Journal of Marketing Research*
42(4), 415-430.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from crm_lessons._ids import sorted_codes
from crm_lessons._validation import (
    DataError,
    first_rows,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_numeric,
    to_timestamp,
)

__all__ = [
    "RFM_COLUMNS",
    "rfm_table",
    "day_numbers",
    "rfm_from_codes",
    "rfm_scores",
    "segment_map",
    "rfm_segments",
    "rfm_grid",
    "rfm_eight_classes",
    "EIGHT_CLASSES",
    "response_by_group",
    "holdout_split",
    "mailing_profit",
    "cbc_rfm_scores",
    "segment_strategies",
    "customer_types",
]

#: Columns of :func:`rfm_table`, in order.
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


_day_numbers = day_numbers  # the old private name, until the report's tables use the public one


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
    if keep is not None and not keep.all():
        codes, day, amount = codes[keep], day[keep], amount[keep]
    k = len(uniques)
    if n is None:
        n = np.bincount(codes, minlength=k)
    spend = np.bincount(codes, weights=amount, minlength=k)
    last = np.full(k, np.iinfo("int64").min, dtype="int64")
    np.maximum.at(last, codes, day)
    first = np.full(k, np.iinfo("int64").max, dtype="int64")
    np.minimum.at(first, codes, day)

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
    )


_rfm_from_codes = rfm_from_codes  # the old private name, until the report's tables use the public one


# --------------------------------------------------------------------------- #
# Scores
# --------------------------------------------------------------------------- #
def _check_rfm_columns(rfm: pd.DataFrame, columns: Sequence[str], *, where: str) -> None:
    require_dataframe(rfm, where=where)
    require_columns(rfm, list(columns), where=where)
    for col in columns:
        require_no_missing(rfm, col, where=where)
        require_numeric(rfm, col, where=where)


def _quantile_score(
    values: pd.Series, *, bins: int, higher_is_better: bool, tiebreak: np.ndarray | None = None
) -> np.ndarray:
    """Scores 1..bins of equal size by rank; ties broken by row order or by ``tiebreak``."""
    if tiebreak is None:
        ranked = values.rank(method="first", ascending=higher_is_better).to_numpy()
    else:
        x = values.to_numpy(dtype="float64")
        order = np.lexsort((tiebreak, x if higher_is_better else -x))
        ranked = np.empty(len(x), dtype="float64")
        ranked[order] = np.arange(1, len(x) + 1)
    return pd.qcut(ranked, bins, labels=False).astype("int64") + 1


def _cut_score(
    values: pd.Series, cuts: Sequence[float], *, higher_is_better: bool, where: str, name: str
) -> np.ndarray:
    edges = np.asarray(cuts, dtype="float64")
    if edges.ndim != 1 or len(edges) == 0 or not np.all(np.diff(edges) > 0):
        raise DataError(
            f"{where}: cuts[{name!r}]={list(cuts)!r} should be a non-empty list of strictly increasing numbers"
        )
    # bin 0 = (-inf, c1], bin j = (c_j, c_{j+1}], last = (c_last, inf)
    b = np.searchsorted(edges, values.to_numpy(dtype="float64"), side="left")
    return (b + 1 if higher_is_better else len(edges) + 1 - b).astype("int64")


def rfm_scores(
    rfm: pd.DataFrame,
    *,
    bins: int = 5,
    method: Literal["quantile", "cuts"] = "quantile",
    cuts: Mapping[str, Sequence[float]] | None = None,
    ties: Literal["first", "random"] = "first",
    random_state: int | None = None,
) -> pd.DataFrame:
    """Code each customer's R, F and M into scores 1..bins (Hughes quintiles).

    Parameters
    ----------
    rfm : DataFrame
        Output of :func:`rfm_table` (needs ``days_since_last``,
        ``n_purchases``, ``total_spend``).
    bins : int, default 5
        Number of score levels for ``method="quantile"`` (2 to 9).
    method : {"quantile", "cuts"}
        ``"quantile"``: equal-sized groups by rank.  ``"cuts"``: fixed cut
        points from ``cuts``.
    cuts : dict, optional
        For ``method="cuts"``: ``{"days_since_last": [...], "n_purchases":
        [...], "total_spend": [...]}``, increasing interior cut points per
        dimension.  Intervals are closed on the right: a value equal to a cut
        point falls in the lower interval.  With ``m`` cut points a dimension
        gets scores ``1..m+1``.
    ties : {"first", "random"}, default "first"
        How ``method="quantile"`` orders customers with equal values:
        ``"first"`` by their row order, ``"random"`` in a random order drawn
        with ``random_state``.
    random_state : int, optional
        Seed for ``ties="random"`` (numpy ``default_rng``).

    Returns
    -------
    DataFrame
        Same index as ``rfm``, columns ``r_score``, ``f_score``, ``m_score``
        (int, higher = better: most recent, most frequent, highest spend),
        ``rfm_cell`` (str, e.g. ``"545"``; digits joined with ``"-"`` when a
        score can exceed 9) and ``rfm_score`` (int, the sum of the three).

    Raises
    ------
    DataError
        Missing or non-numeric columns, missing values, fewer customers than
        ``bins``, bad ``bins``, ``method`` or ``cuts``.

    Notes
    -----
    Quantile scores rank customers with ``rank(method="first")`` and cut the
    ranks into ``bins`` equal groups with ``pandas.qcut``: each score holds
    ``n / bins`` customers (+-1) even when many customers share a value
    (CDNOW: most customers bought once).  The price is that tied customers
    can get different scores, decided by their row order.  When the row
    order means something (CDNOW ids follow the date of the first purchase)
    that order leaks into the scores: the many one-purchase customers get
    ``f_score`` 1 or 2 by id, i.e. by acquisition date, which correlates
    with ``r_score``.  ``ties="random"`` removes that artefact.  For
    ``days_since_last`` lower is better, so ``r_score = bins`` marks the most
    recent customers.

    References
    ----------
    Hughes (2012), *Strategic Database Marketing* (quintile coding, 5 =
    best); Blattberg, Kim & Neslin (2008), chapter "RFM analysis".

    Examples
    --------
    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"days_since_last": [5, 40, 300, 90, 10],
    ...                     "n_purchases": [6, 2, 1, 1, 3],
    ...                     "total_spend": [500.0, 80.0, 20.0, 35.0, 120.0]},
    ...                    index=pd.Index(list("abcde"), name="customer_id"))
    >>> rfm_scores(rfm)
                 r_score  f_score  m_score rfm_cell  rfm_score
    customer_id
    a                  5        5        5      555         15
    b                  3        3        3      333          9
    c                  1        1        1      111          3
    d                  2        2        2      222          6
    e                  4        4        4      444         12
    >>> rfm_scores(rfm, method="cuts", cuts={"days_since_last": [30, 180],
    ...            "n_purchases": [1, 3], "total_spend": [50, 200]})["rfm_cell"].tolist()
    ['333', '222', '111', '211', '322']
    """
    where = "rfm_scores"
    columns = [col for col, _ in _DIMENSIONS.values()]
    _check_rfm_columns(rfm, columns, where=where)
    scores: dict[str, np.ndarray] = {}
    if method == "quantile":
        if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 2 <= bins <= 9:
            raise DataError(f"{where}: bins={bins!r} should be an integer from 2 to 9 (5 = quintiles)")
        if len(rfm) < bins:
            raise DataError(f"{where}: n_customers={len(rfm)} should be >= bins={bins}; use fewer bins")
        rng = None
        if ties == "random":
            if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)):
                raise DataError(f"{where}: ties='random' needs an integer random_state, got {random_state!r}")
            rng = np.random.default_rng(random_state)
        elif ties != "first":
            raise DataError(f"{where}: ties={ties!r} should be 'first' or 'random'")
        for dim, (col, better_high) in _DIMENSIONS.items():
            # an independent order per dimension, so that ties do not tie R to F
            tiebreak = None if rng is None else rng.permutation(len(rfm))
            scores[f"{dim}_score"] = _quantile_score(
                rfm[col], bins=bins, higher_is_better=better_high, tiebreak=tiebreak
            )
    elif method == "cuts":
        if cuts is None:
            raise DataError(
                f"{where}: method='cuts' needs cuts={{'days_since_last': [...], 'n_purchases': [...], 'total_spend': [...]}}"
            )
        unknown = set(cuts) - set(columns)
        missing = [c for c in columns if c not in cuts]
        if unknown or missing:
            raise DataError(
                f"{where}: cuts should have exactly the keys {columns}; "
                f"missing {missing}, unknown {sorted(map(str, unknown))}"
            )
        for dim, (col, better_high) in _DIMENSIONS.items():
            scores[f"{dim}_score"] = _cut_score(
                rfm[col], cuts[col], higher_is_better=better_high, where=where, name=col
            )
    else:
        raise DataError(f"{where}: method={method!r} should be 'quantile' or 'cuts'")

    out = pd.DataFrame(scores, index=rfm.index)
    r, f, m = (out[c].to_numpy(dtype="int64") for c in ("r_score", "f_score", "m_score"))
    sep = "" if int(out.to_numpy().max()) <= 9 else "-"
    # the text of each distinct cell, made once and taken for every customer (no text per customer)
    base = int(max(r.max(), f.max(), m.max())) + 1 if len(out) else 1
    cells, which = np.unique((r * base + f) * base + m, return_inverse=True)
    labels = [f"{c // base // base}{sep}{c // base % base}{sep}{c % base}" for c in cells.tolist()]
    out["rfm_cell"] = pd.array(labels, dtype="str")[which.reshape(-1)]
    out["rfm_score"] = out["r_score"] + out["f_score"] + out["m_score"]
    return out


# --------------------------------------------------------------------------- #
# Segment maps
# --------------------------------------------------------------------------- #
# name, 中文, r_min, r_max, f_min, f_max (inclusive) on 5-level scores; M is not used.
_DEFAULT_MAP = [
    ("champions", "重要价值客户 (冠军)", 5, 5, 4, 5),
    ("loyal", "忠诚客户", 3, 4, 4, 5),
    ("potential_loyalist", "潜力客户", 4, 5, 2, 3),
    ("new", "新客户", 5, 5, 1, 1),
    ("promising", "有希望的客户", 4, 4, 1, 1),
    ("need_attention", "需唤醒客户", 3, 3, 3, 3),
    ("about_to_sleep", "将沉睡客户", 3, 3, 1, 2),
    ("at_risk", "有流失风险客户", 1, 2, 3, 4),
    ("cannot_lose", "不能失去的客户", 1, 2, 5, 5),
    ("hibernating", "沉睡客户", 2, 2, 1, 2),
    ("lost", "流失客户", 1, 1, 1, 2),
]


def segment_map(scheme: str = "default") -> pd.DataFrame:
    """The rules of a named RFM segment map, one row per segment.

    Parameters
    ----------
    scheme : {"default"}
        ``"default"``: the widely used R x F grid on 5-level scores
        (champions, loyal, potential loyalists, new, promising, need
        attention, about to sleep, at risk, cannot lose, hibernating, lost).

    Returns
    -------
    DataFrame
        Indexed by ``segment`` (English), columns ``segment_zh``, ``r_min``,
        ``r_max``, ``f_min``, ``f_max``, ``m_min``, ``m_max`` (inclusive score
        ranges; M spans 1..5 in the default map).

    Raises
    ------
    DataError
        Unknown ``scheme``.

    Notes
    -----
    The rules partition the 5 x 5 x 5 = 125 cells: every cell belongs to
    exactly one segment (tested).

    References
    ----------
    Hughes (2012); the R x F grid is the common practitioners' map
    built on Hughes' quintile scores.

    Examples
    --------
    >>> segment_map().loc["champions", ["r_min", "r_max", "f_min", "f_max"]].tolist()
    [5, 5, 4, 5]
    """
    if scheme != "default":
        raise DataError(f"segment_map: scheme={scheme!r} is unknown; available: ['default']")
    table = pd.DataFrame(_DEFAULT_MAP, columns=["segment", "segment_zh", "r_min", "r_max", "f_min", "f_max"])
    table["m_min"], table["m_max"] = 1, 5
    return table.set_index("segment")


def rfm_segments(scores: pd.DataFrame, *, scheme: str = "default") -> pd.DataFrame:
    """Name each customer's segment from their R, F (and M) scores.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`rfm_scores` with ``bins=5`` (``r_score``,
        ``f_score``, ``m_score`` in 1..5).
    scheme : str, default "default"
        Name of a map from :func:`segment_map`.

    Returns
    -------
    DataFrame
        Same index as ``scores``, columns ``segment`` (English) and
        ``segment_zh`` (Chinese), both categorical in the order of the map.

    Raises
    ------
    DataError
        Missing score columns, or scores outside 1..5.

    Notes
    -----
    Segment = the unique row of :func:`segment_map` with
    ``r_min <= r_score <= r_max`` and ``f_min <= f_score <= f_max`` and
    ``m_min <= m_score <= m_max``.

    References
    ----------
    Hughes (2012).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"r_score": [5, 1, 3], "f_score": [5, 1, 3], "m_score": [4, 2, 3]})
    >>> rfm_segments(s)["segment"].tolist()
    ['champions', 'lost', 'need_attention']
    """
    where = "rfm_segments"
    cols = ["r_score", "f_score", "m_score"]
    _check_rfm_columns(scores, cols, where=where)
    for col in cols:
        bad = ~scores[col].isin(range(1, 6)).to_numpy()
        if bad.any():
            raise DataError(
                f"{where}: column {col!r} should hold scores 1..5 but not in {first_rows(bad, scores.index)}; "
                "compute them with rfm_scores(rfm, bins=5)"
            )
    rules = segment_map(scheme)
    r, f, m = (scores[c].to_numpy() for c in cols)
    lookup = np.full((6, 6, 6), -1, dtype="int64")
    for i, row in enumerate(rules.itertuples()):
        lookup[row.r_min : row.r_max + 1, row.f_min : row.f_max + 1, row.m_min : row.m_max + 1] = i
    idx = lookup[r, f, m]
    return pd.DataFrame(
        {
            "segment": pd.Categorical.from_codes(idx, categories=list(rules.index)),
            "segment_zh": pd.Categorical.from_codes(idx, categories=list(rules["segment_zh"])),
        },
        index=scores.index,
    )


def rfm_grid(
    data: pd.DataFrame,
    *,
    value: str = "total_spend",
    agg: Literal["mean", "median", "sum", "count"] = "mean",
) -> pd.DataFrame:
    """R score x F score table of a statistic (the data behind the RFM heatmap).

    Parameters
    ----------
    data : DataFrame
        Scores joined with the RFM table, e.g. ``rfm_scores(t).join(t)``;
        needs ``r_score``, ``f_score`` and, unless ``agg="count"``, ``value``.
    value : str, default "total_spend"
        Column to summarise.
    agg : {"mean", "median", "sum", "count"}
        Statistic per cell; ``"count"`` counts customers.

    Returns
    -------
    DataFrame
        Rows ``r_score`` (highest first: most recent on top), columns
        ``f_score`` (ascending); cells without customers are NaN (0 for
        ``"count"``).

    Raises
    ------
    DataError
        Missing columns or unknown ``agg``.

    Notes
    -----
    Cell ``(r, f)`` holds ``agg({value_i : r_score_i = r, f_score_i = f})``.

    References
    ----------
    Hughes (2012) (RFM cells).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"r_score": [1, 1, 2, 2], "f_score": [1, 2, 2, 2], "total_spend": [5.0, 7.0, 10.0, 20.0]})
    >>> rfm_grid(d)
    f_score    1     2
    r_score
    2        NaN  15.0
    1        5.0   7.0
    """
    where = "rfm_grid"
    require_dataframe(data, where=where)
    if agg not in ("mean", "median", "sum", "count"):
        raise DataError(f"{where}: agg={agg!r} should be 'mean', 'median', 'sum' or 'count'")
    needed = ["r_score", "f_score"] + ([] if agg == "count" else [value])
    require_columns(data, needed, where=where)
    if agg != "count":
        require_numeric(data, value, where=where)
    grouped = data.groupby(["r_score", "f_score"], sort=True)
    stat = grouped.size() if agg == "count" else getattr(grouped[value], agg)()
    grid = stat.unstack("f_score")
    if agg == "count":
        grid = grid.fillna(0).astype("int64")
    return grid.sort_index(ascending=False)


# --------------------------------------------------------------------------- #
# Eight classes
# --------------------------------------------------------------------------- #
#: (R high, F high, M high) -> (中文, English), the scheme of Chinese CRM courses.
EIGHT_CLASSES: dict[tuple[bool, bool, bool], tuple[str, str]] = {
    (True, True, True): ("重要价值客户", "important value"),
    (True, False, True): ("重要发展客户", "important development"),
    (False, True, True): ("重要保持客户", "important retention"),
    (False, False, True): ("重要挽留客户", "important win-back"),
    (True, True, False): ("一般价值客户", "general value"),
    (True, False, False): ("一般发展客户", "general development"),
    (False, True, False): ("一般保持客户", "general retention"),
    (False, False, False): ("一般挽留客户", "general win-back"),
}


def rfm_eight_classes(
    rfm: pd.DataFrame,
    *,
    reference: Literal["mean", "median"] | Mapping[str, float] = "mean",
) -> pd.DataFrame:
    """The eight RFM classes (重要价值客户 ... 一般挽留客户) taught in Chinese CRM courses.

    Parameters
    ----------
    rfm : DataFrame
        Output of :func:`rfm_table` (``days_since_last``, ``n_purchases``,
        ``total_spend``).
    reference : {"mean", "median"} or dict
        The value each dimension is compared with: the mean or median over
        the customers in ``rfm``, or fixed cut points
        ``{"days_since_last": 90, "n_purchases": 2, "total_spend": 100}``.

    Returns
    -------
    DataFrame
        Same index as ``rfm``, columns ``r_high``, ``f_high``, ``m_high``
        (bool), ``rfm_class`` (Chinese, e.g. 重要价值客户) and
        ``rfm_class_en`` (e.g. "important value"), the last two categorical
        in the order of :data:`EIGHT_CLASSES`.

    Raises
    ------
    DataError
        Missing or non-numeric columns, missing values, unknown
        ``reference``, or a dict without the three keys.

    Notes
    -----
    R is high when ``days_since_last < reference`` (recent); F is high when
    ``n_purchases > reference``; M is high when ``total_spend > reference``.
    A value *equal* to the reference counts as low (the inequalities are
    strict), so with integer ``n_purchases`` and the median as reference a
    customer at the median is "F low".

    ======  ======  ======  ==============  =====================
    R       F       M       类别            class
    ======  ======  ======  ==============  =====================
    high    high    high    重要价值客户    important value
    high    low     high    重要发展客户    important development
    low     high    high    重要保持客户    important retention
    low     low     high    重要挽留客户    important win-back
    high    high    low     一般价值客户    general value
    high    low     low     一般发展客户    general development
    low     high    low     一般保持客户    general retention
    low     low     low     一般挽留客户    general win-back
    ======  ======  ======  ==============  =====================

    References
    ----------
    The scheme is the RFM model as taught in Chinese CRM courses and used
    in Chinese e-commerce practice (course slides, chapter 2), built on
    the RFM variables of Hughes (2012).

    Examples
    --------
    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"days_since_last": [10, 200, 30, 400],
    ...                     "n_purchases": [8, 6, 1, 1],
    ...                     "total_spend": [900.0, 700.0, 50.0, 10.0]})
    >>> rfm_eight_classes(rfm)[["rfm_class", "rfm_class_en"]]
      rfm_class     rfm_class_en
    0    重要价值客户  important value
    1    重要保持客户  important retention
    2    一般发展客户  general development
    3    一般挽留客户  general win-back
    """
    where = "rfm_eight_classes"
    columns = [col for col, _ in _DIMENSIONS.values()]
    _check_rfm_columns(rfm, columns, where=where)
    if isinstance(reference, str):
        if reference not in ("mean", "median"):
            raise DataError(f"{where}: reference={reference!r} should be 'mean', 'median' or a dict of cut points")
        ref = {col: float(getattr(rfm[col], reference)()) for col in columns}
    elif isinstance(reference, Mapping):
        missing = [c for c in columns if c not in reference]
        if missing:
            raise DataError(f"{where}: reference is missing the keys {missing}; it needs {columns}")
        ref = {col: float(reference[col]) for col in columns}
    else:
        raise DataError(f"{where}: reference should be 'mean', 'median' or a dict, got {type(reference).__name__}")

    r_high = rfm["days_since_last"].to_numpy() < ref["days_since_last"]
    f_high = rfm["n_purchases"].to_numpy() > ref["n_purchases"]
    m_high = rfm["total_spend"].to_numpy() > ref["total_spend"]
    keys = list(EIGHT_CLASSES)
    code = np.empty(len(rfm), dtype="int64")
    for i, (r, f, m) in enumerate(keys):
        code[(r_high == r) & (f_high == f) & (m_high == m)] = i
    return pd.DataFrame(
        {
            "r_high": r_high,
            "f_high": f_high,
            "m_high": m_high,
            "rfm_class": pd.Categorical.from_codes(code, categories=[EIGHT_CLASSES[k][0] for k in keys]),
            "rfm_class_en": pd.Categorical.from_codes(code, categories=[EIGHT_CLASSES[k][1] for k in keys]),
        },
        index=rfm.index,
    )


# --------------------------------------------------------------------------- #
# Response by group (Charles Book Club)
# --------------------------------------------------------------------------- #
def response_by_group(
    df: pd.DataFrame,
    *,
    group_col: str,
    response_col: str,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Response rate, lift and Wilson confidence interval per group.

    Parameters
    ----------
    df : DataFrame
        One row per customer.
    group_col : str
        Column holding the group (e.g. an RFM cell or score).
    response_col : str
        Column holding the response, 0/1 or bool.
    alpha : float, default 0.05
        The intervals have coverage ``1 - alpha``.

    Returns
    -------
    DataFrame
        Indexed by group (sorted), columns ``n``, ``responders``,
        ``response_rate``, ``lift`` (response rate / overall response rate),
        ``ci_low``, ``ci_high`` (Wilson interval of the response rate).

    Raises
    ------
    DataError
        Missing columns, missing values, or a response that is not 0/1.

    Notes
    -----
    ``lift_g = p_g / p`` with ``p_g = responders_g / n_g`` and ``p`` the
    overall rate.  The Wilson interval is
    ``(p̂ + z²/2n ± z sqrt(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n)``, computed by
    ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. *JASA* 22, 209-212.  Shmueli et al., *Machine
    Learning for Business Analytics*, case "Charles Book Club" (response by
    RFM cell).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"g": ["x", "x", "y", "y"], "bought": [1, 1, 0, 1]})
    >>> response_by_group(d, group_col="g", response_col="bought")[["n", "responders", "response_rate", "lift"]]
       n  responders  response_rate      lift
    g
    x  2           2            1.0  1.333333
    y  2           1            0.5  0.666667
    """
    from statsmodels.stats.proportion import proportion_confint

    where = "response_by_group"
    require_dataframe(df, where=where)
    require_columns(df, {group_col: "group_col", response_col: "response_col"}, where=where)
    require_no_missing(df, group_col, where=where)
    require_no_missing(df, response_col, where=where)
    bad = ~df[response_col].isin([0, 1]).to_numpy()
    if bad.any():
        raise DataError(f"{where}: column {response_col!r} should be 0/1 but is not in {first_rows(bad, df.index)}")
    if not 0 < alpha < 1:
        raise DataError(f"{where}: alpha={alpha!r} should be between 0 and 1")
    y = df[response_col].astype("int64")
    grouped = y.groupby(df[group_col], observed=True, sort=True)
    out = pd.DataFrame({"n": grouped.size(), "responders": grouped.sum()})
    out["response_rate"] = out["responders"] / out["n"]
    out["lift"] = out["response_rate"] / y.mean()
    low, high = proportion_confint(out["responders"].to_numpy(), out["n"].to_numpy(), alpha=alpha, method="wilson")
    out["ci_low"], out["ci_high"] = low, high
    return out


def holdout_split(df: pd.DataFrame, *, holdout: float = 0.5, random_state: int) -> pd.Series:
    """Mark a random part of the rows as hold-out, to test a decision on data it was not chosen on.

    Parameters
    ----------
    df : DataFrame
        One row per customer.
    holdout : float, default 0.5
        Share of rows in the hold-out part, in (0, 1).
    random_state : int
        Seed; the same seed gives the same split.

    Returns
    -------
    Series
        Boolean, ``True`` for hold-out rows, same index as ``df``, named
        ``holdout``; exactly ``round(holdout * n)`` rows are ``True``.

    Raises
    ------
    DataError
        Not a DataFrame, fewer than two rows, or ``holdout`` outside (0, 1).

    Notes
    -----
    A random permutation of the rows (``numpy.random.default_rng``); the
    first ``round(holdout * n)`` positions are the hold-out part.  Choosing
    a rule on the other part (calibration) and measuring it on the hold-out
    part gives an honest estimate of how the rule will do on new customers.

    References
    ----------
    Hastie, T., Tibshirani, R. & Friedman, J. (2009). *The Elements of
    Statistical Learning*, 2nd ed., Springer, section 7.2.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"x": range(10)})
    >>> m = holdout_split(d, holdout=0.3, random_state=1)
    >>> int(m.sum()), m.equals(holdout_split(d, holdout=0.3, random_state=1))
    (3, True)
    """
    where = "holdout_split"
    require_dataframe(df, where=where)
    if len(df) < 2:
        raise DataError(f"{where}: need at least two rows to split, got {len(df)}")
    if isinstance(holdout, bool) or not isinstance(holdout, (int, float, np.number)) or not 0 < holdout < 1:
        raise DataError(f"{where}: holdout={holdout!r} should be a share of rows in (0, 1), e.g. 0.5")
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)):
        raise DataError(f"{where}: random_state={random_state!r} should be an int seed, e.g. SEED")
    n = len(df)
    k = min(max(int(round(holdout * n)), 1), n - 1)
    order = np.random.default_rng(int(random_state)).permutation(n)
    mask = np.zeros(n, dtype=bool)
    mask[order[:k]] = True
    return pd.Series(mask, index=df.index, name="holdout")


def mailing_profit(
    df: pd.DataFrame,
    *,
    score_col: str,
    response_col: str,
    mail_cost: float,
    profit_per_sale: float,
) -> pd.DataFrame:
    """Profit of the rule "mail everyone whose score is at least s", for every threshold s.

    Parameters
    ----------
    df : DataFrame
        One row per customer of a test mailing.
    score_col : str
        Column with the score (e.g. ``rfm_score``); higher = more likely to buy.
    response_col : str
        Column with the response, 0/1.
    mail_cost, profit_per_sale : float
        Cost of one mailing and profit of one sale (same currency), > 0.

    Returns
    -------
    DataFrame
        Indexed by ``threshold`` (every score value, ascending; the smallest
        means "mail everyone"), columns ``mailed``, ``responders``,
        ``response_rate``, ``profit`` (``profit_per_sale * responders -
        mail_cost * mailed``) and ``profit_per_customer`` (profit divided
        by all rows of ``df``, mailed or not, so that parts of different
        size compare).

    Raises
    ------
    DataError
        Missing columns or values, a response that is not 0/1, or costs
        that are not positive.

    Notes
    -----
    Break-even: mailing a group pays when its response rate exceeds
    ``mail_cost / profit_per_sale``.  A threshold rule pools neighbouring
    scores, so it is less noisy than picking score groups one by one.

    References
    ----------
    Shmueli et al., *Machine Learning for Business Analytics*, case
    "Charles Book Club"; Blattberg, Kim & Neslin (2008), chapter "RFM
    analysis" (break-even response rate).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"s": [1, 1, 2, 3, 3], "y": [0, 0, 0, 1, 0]})
    >>> mailing_profit(d, score_col="s", response_col="y", mail_cost=1.0, profit_per_sale=5.0)
               mailed  responders  response_rate  profit  profit_per_customer
    threshold
    1               5           1       0.200000     0.0                  0.0
    2               3           1       0.333333     2.0                  0.4
    3               2           1       0.500000     3.0                  0.6
    """
    where = "mailing_profit"
    require_dataframe(df, where=where)
    require_columns(df, {score_col: "score_col", response_col: "response_col"}, where=where)
    require_no_missing(df, score_col, where=where)
    require_no_missing(df, response_col, where=where)
    require_numeric(df, score_col, where=where)
    bad = ~df[response_col].isin([0, 1]).to_numpy()
    if bad.any():
        raise DataError(f"{where}: column {response_col!r} should be 0/1 but is not in {first_rows(bad, df.index)}")
    for name, value in (("mail_cost", mail_cost), ("profit_per_sale", profit_per_sale)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not value > 0:
            raise DataError(f"{where}: {name}={value!r} should be a positive amount")
    y = df[response_col].astype("int64")
    by = pd.DataFrame({"n": y.groupby(df[score_col]).size(), "r": y.groupby(df[score_col]).sum()}).sort_index()
    mailed = by["n"][::-1].cumsum()[::-1]
    responders = by["r"][::-1].cumsum()[::-1]
    out = pd.DataFrame({"mailed": mailed.astype("int64"), "responders": responders.astype("int64")})
    out["response_rate"] = out["responders"] / out["mailed"]
    out["profit"] = profit_per_sale * out["responders"] - mail_cost * out["mailed"]
    out["profit_per_customer"] = out["profit"] / len(df)
    out.index.name = "threshold"
    return out


def cbc_rfm_scores(cbc: pd.DataFrame, *, bins: int = 5) -> pd.DataFrame:
    """RFM scores for the Charles Book Club members from their raw R, F, M columns.

    Parameters
    ----------
    cbc : DataFrame
        Output of :func:`crm_lessons.datasets.load_charles_book_club`
        (``months_since_last``, ``n_purchases``, ``total_spend``).
    bins : int, default 5
        Score levels, as in :func:`rfm_scores`.

    Returns
    -------
    DataFrame
        Same index as ``cbc``; the columns of :func:`rfm_scores`.

    Raises
    ------
    DataError
        Missing columns or values.

    Notes
    -----
    In the case R is *months* since the last purchase (lower is better);
    it takes the place of ``days_since_last`` so that ``r_score = bins``
    marks the most recent members.  The case's own codes ``r_code``,
    ``f_code``, ``m_code`` use fixed bins of different widths (and for
    ``r_code`` 1 = most recent); see :func:`response_by_group` for response
    rates by either coding.

    References
    ----------
    Shmueli et al., *Machine Learning for Business Analytics*, case
    "Charles Book Club".

    Examples
    --------
    >>> from crm_lessons.datasets import load_charles_book_club
    >>> s = cbc_rfm_scores(load_charles_book_club())
    >>> s["r_score"].value_counts().sort_index().tolist()
    [800, 800, 800, 800, 800]
    """
    where = "cbc_rfm_scores"
    require_dataframe(cbc, where=where)
    require_columns(cbc, ["months_since_last", "n_purchases", "total_spend"], where=where)
    rfm = pd.DataFrame(
        {
            "days_since_last": cbc["months_since_last"],
            "n_purchases": cbc["n_purchases"],
            "total_spend": cbc["total_spend"],
        },
        index=cbc.index,
    )
    return rfm_scores(rfm, bins=bins)


# --------------------------------------------------------------------------- #
# Strategy tables
# --------------------------------------------------------------------------- #
def segment_strategies() -> pd.DataFrame:
    """Relationship strategies for high-consumption, potential-value and low-consumption customers.

    Returns
    -------
    DataFrame
        Indexed by ``group`` (``high_consumption``, ``potential_value``,
        ``low_consumption``), columns ``group_zh``, ``who``, ``who_zh``,
        ``strategy``, ``strategy_zh``.

    Notes
    -----
    The course's three groups and its strategy for each, in our words:
    high-consumption customers are demanding and drawn to new products, so
    they are valuable but not automatically loyal (partner-like relationship,
    a dedicated contact who visits them, a plan for problems); potential-value
    customers buy little now but could grow (learn their needs, keep them
    informed, guide them); low-consumption customers are price-sensitive
    (keep the cost of serving them low; those who have left for a competitor
    need not be chased, but basic service stays).  In RFM terms the first
    group is roughly the ``champions``/``loyal`` segments and 重要价值/重要保持,
    the second ``potential_loyalist``/``promising`` and 重要发展/一般价值,
    the third the rest.

    References
    ----------
    Course materials, 客户细分及客户关系策略研究 (高消费、潜在价值、低消费客户
    关系策略); Zeithaml, Rust & Lemon (2001), The customer pyramid,
    *California Management Review* 43(4), 118-142 (serving each tier at a
    cost it can bear).

    Examples
    --------
    >>> segment_strategies().loc["potential_value", "group_zh"]
    '潜在价值客户'
    """
    rows = [
        (
            "high_consumption",
            "高消费客户",
            "able to spend much and demanding, quick to try new products; they bring most of the revenue, "
            "but because novelty attracts them their loyalty is not guaranteed",
            "消费能力强、要求高、乐于尝试新产品，贡献大部分收入；也正因为容易被新东西吸引，忠诚度并不牢靠",
            "focus on them: a partner-like relationship, a dedicated account manager who visits regularly, "
            "a prepared plan for problems, early access to new products; watch for signs of defection",
            "重点关注：建立伙伴式的合作关系，专人定期或不定期回访，预先准备处理问题的方案，新品优先体验；监测流失信号",
        ),
        (
            "potential_value",
            "潜在价值客户",
            "buy little now (ability or willingness not yet there, or only part of their needs bought from us) "
            "but could become loyal customers",
            "目前购买量和金额不大（购买能力或意愿尚未释放，或只把部分需求交给我们），但有成长为忠诚客户的潜力",
            "develop them: collect their data and learn their needs, make new offers easy to find, "
            "let account managers keep in touch and guide them; cross-sell to raise share of wallet",
            "重点培养：收集资料、了解需求并开发对口的产品，让他们方便地了解新产品，客户经理主动沟通引导；交叉销售，提高顾客份额",
        ),
        (
            "low_consumption",
            "低消费客户",
            "low spending power and very price-sensitive; many customers, little revenue, sometimes unprofitable",
            "消费能力低、对价格特别敏感，人数多但贡献少，甚至不盈利",
            "serve them at low cost (self-service, online channels, standard offers) so that prices stay "
            "acceptable; move promising ones up; those who have left for a competitor need not be chased, "
            "but basic service stays",
            "低成本服务：自助与线上渠道、标准化产品，降低成本让价格可以接受；培养有潜力者升级；已转向竞争对手的不必再投入，但保持基本服务",
        ),
    ]
    cols = ["group", "group_zh", "who", "who_zh", "strategy", "strategy_zh"]
    return pd.DataFrame(rows, columns=cols).set_index("group")


def customer_types() -> pd.DataFrame:
    """Customer types by value capability: lighthouse, follower, rational, profit-seeking.

    Returns
    -------
    DataFrame
        Indexed by ``type`` (``lighthouse``, ``follower``, ``rational``,
        ``profit_seeking``), columns ``type_zh`` (灯塔型, 跟随型, 理性型,
        逐利型), ``description``, ``description_zh``, ``action``,
        ``action_zh``.

    Notes
    -----
    The types describe *why* a customer buys (novelty, imitation, value for
    money, price) rather than how much; they complement the RFM classes,
    which describe behaviour.

    References
    ----------
    Course materials, 《客户关系管理》教学教案 第一章第二节 (根据客户提供价值的
    能力分: 灯塔型、跟随型、理性、逐利客户).

    Examples
    --------
    >>> customer_types()["type_zh"].tolist()
    ['灯塔型', '跟随型', '理性型', '逐利型']
    """
    rows = [
        (
            "lighthouse",
            "灯塔型",
            "sensitive to new products, try them first and influence others (opinion leaders); "
            "care about novelty more than price",
            "对新产品敏感，乐于率先尝试并影响他人（意见领袖）；更看重新颖而非价格",
            "invite them to trials and launches, ask for reviews and referrals",
            "邀请试用新品、参加发布活动，鼓励评价与推荐，发挥口碑示范作用",
        ),
        (
            "follower",
            "跟随型",
            "follow trends and the lighthouse customers; value brand image and what others buy",
            "追随潮流和灯塔型客户，看重品牌形象和他人的选择",
            "build brand image, show popular choices and testimonials",
            "塑造品牌形象，展示热销与口碑，利用示范效应",
        ),
        (
            "rational",
            "理性型",
            "compare quality, service and price carefully before buying; loyal to good value",
            "购买前仔细比较质量、服务和价格，忠于性价比",
            "give complete, honest information and proof of value; keep quality consistent",
            "提供完整、真实的信息和性价比证明，保持质量稳定",
        ),
        (
            "profit_seeking",
            "逐利型",
            "driven by discounts and promotions; switch to whoever is cheapest",
            "受折扣和促销驱动，哪里便宜去哪里",
            "use low-cost, time-limited promotions; do not invest heavily in the relationship",
            "使用低成本、限时的促销，不在关系上做大额投入",
        ),
    ]
    cols = ["type", "type_zh", "description", "description_zh", "action", "action_zh"]
    return pd.DataFrame(rows, columns=cols).set_index("type")
