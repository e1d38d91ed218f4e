"""Transaction log -> customer summary (frequency, recency, T, monetary value) in Fader-Hardie notation."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons import _threads
from crm_lessons._ids import sorted_codes
from crm_lessons._validation import (
    DataError,
    first_rows,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_non_negative,
    require_numeric,
    to_timestamp,
)

#: Days per time unit of :func:`customer_summary`'s ``freq``: ``recency`` and ``T`` are day counts divided by it.
UNIT_DAYS = {"D": 1, "W": 7}


# ---------------------------------------------------------------------------
# Transaction log -> customer summary
# ---------------------------------------------------------------------------


def _as_days(data: pd.DataFrame, date_col: str, where: str) -> np.ndarray:
    """Calendar day numbers (days since 1970-01-01) of ``date_col``, validated."""
    col = data[date_col]
    if not pd.api.types.is_datetime64_any_dtype(col):
        try:
            col = pd.to_datetime(col)
        except (TypeError, ValueError) as exc:
            raise DataError(
                f"{where}: column {date_col!r} could not be read as dates ({exc}); "
                "use the form 'YYYY-MM-DD' or convert it with pandas.to_datetime"
            ) from exc
    if col.isna().any():
        raise DataError(
            f"{where}: column {date_col!r} has missing dates in {first_rows(col.isna().to_numpy(), data.index)}; "
            "fill or drop those rows first"
        )
    if getattr(col.dt, "tz", None) is not None:
        col = col.dt.tz_localize(None)
    return col.to_numpy().astype("datetime64[D]").astype(np.int64)


def _summary_codes(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes of the ids in sorted order (:func:`crm_lessons._ids.sorted_codes`) and the ids of the index."""
    codes, uniques, _ = sorted_codes(ids)
    return codes.astype(np.int64, copy=False), summary_index(ids, uniques)


def summary_index(ids: pd.Series, uniques: pd.Index) -> pd.Index:
    """The customer index of :func:`customer_summary` from the sorted ids of :func:`crm_lessons._ids.sorted_codes`.

    The ids keep the types the summary always had: int64 for compact non-negative integer ids, the ids'
    own numpy type for other integers, the categories' type for a categorical column.

    Parameters
    ----------
    ids : pandas.Series
        The customer id of each transaction.
    uniques : pandas.Index
        The sorted distinct ids, as :func:`crm_lessons._ids.sorted_codes` returns them for ``ids``.

    Returns
    -------
    pandas.Index
        ``uniques`` in the summary's id type.

    Examples
    --------
    >>> from crm_lessons._ids import sorted_codes
    >>> ids = pd.Series(np.array([7, 3, 7], dtype=np.int32))
    >>> uniques = sorted_codes(ids)[1]  # dense integer ids: 3 to 7
    >>> uniques.dtype, summary_index(ids, uniques).dtype
    (dtype('int32'), dtype('int64'))
    """
    if isinstance(uniques, pd.CategoricalIndex):
        return pd.Index(uniques.categories)
    if pd.api.types.is_integer_dtype(ids.dtype) and len(ids):
        raw = ids.to_numpy()
        if raw.dtype.kind in "iu":
            compact = int(raw.min()) >= 0 and int(raw.max()) < 8 * len(raw) + 1024
            return uniques.astype(np.int64 if compact else raw.dtype)
    return uniques


def customer_summary(
    transactions: pd.DataFrame,
    *,
    calibration_end: Any,
    observation_end: Any = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    freq: str = "W",
) -> pd.DataFrame:
    """One row per customer with the Fader-Hardie RFM summary (frequency, recency, T).

    Purchases of the same customer on the same calendar day are merged into
    one transaction (their amounts added), as in the CDNOW analyses.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase: customer, date, amount.
    calibration_end : date-like
        Last day of the calibration (estimation) period, inclusive.
        Customers whose first purchase is later are left out.
    observation_end : date-like, optional
        Last day of the hold-out period, inclusive; adds the hold-out columns.
        Purchases after it are ignored.
    customer_col, date_col, amount_col : str
        Column names.
    freq : {"W", "D"}, default "W"
        Time unit of ``recency``, ``T`` and ``duration_holdout``: weeks
        (days / 7, so fractional weeks at day resolution, as Fader, Hardie &
        Lee 2005) or days.

    Returns
    -------
    DataFrame
        Indexed by customer (sorted), columns

        * ``frequency``: number of repeat transactions (purchase days after
          the first) in the calibration period;
        * ``recency``: time of the last purchase minus time of the first;
        * ``T``: ``calibration_end`` minus time of the first purchase;
        * ``monetary_value``: mean amount of the repeat transactions (0 when
          ``frequency`` is 0);
        * with ``observation_end``: ``frequency_holdout``,
          ``monetary_value_holdout`` (mean amount, 0 when none) and
          ``duration_holdout`` (length of the hold-out period).

    Raises
    ------
    DataError
        Missing columns, missing or unreadable dates, missing, non-numeric or
        negative amounts, ``observation_end`` not after ``calibration_end``,
        an unknown ``freq``, or no customer before ``calibration_end``.

    Notes
    -----
    With :math:`t_1 < \\dots < t_{x+1}` the purchase days in the calibration
    period: :math:`x` = ``frequency``, :math:`t_x = t_{x+1} - t_1` =
    ``recency``, :math:`T = t_{end} - t_1`, all divided by 7 for weeks.

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting your
    customers" the easy way: An alternative to the Pareto/NBD model.
    Marketing Science, 24(2), 275-284 (section 4, the CDNOW data).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "a", "b"],
    ...     "date": ["2024-01-01", "2024-01-01", "2024-01-15", "2024-02-05", "2024-01-29"],
    ...     "amount": [10.0, 5.0, 20.0, 7.0, 3.0]})
    >>> s = customer_summary(tx, calibration_end="2024-01-29", observation_end="2024-02-26")
    >>> s[["frequency", "recency", "T", "monetary_value"]]
                 frequency  recency    T  monetary_value
    customer_id
    a                    1      2.0  4.0            20.0
    b                    0      0.0  0.0             0.0
    >>> s[["frequency_holdout", "monetary_value_holdout", "duration_holdout"]]
                 frequency_holdout  monetary_value_holdout  duration_holdout
    customer_id
    a                            1                     7.0               4.0
    b                            0                     0.0               4.0
    """
    where = "customer_summary"
    data = require_dataframe(transactions, where=where)
    require_columns(data, {customer_col: "customer_col", date_col: "date_col", amount_col: "amount_col"}, where=where)
    if freq not in UNIT_DAYS:
        raise DataError(f"{where}: freq={freq!r} is not supported; use 'W' (weeks) or 'D' (days)")
    require_no_missing(data, customer_col, where=where)
    require_numeric(data, amount_col, where=where)
    require_no_missing(data, amount_col, where=where)
    require_non_negative(data, amount_col, where=where)
    days = _as_days(data, date_col, where)
    cal = to_timestamp(calibration_end, name="calibration_end", where=where)
    cal_day = np.datetime64(cal.date(), "D").astype(np.int64)
    obs_day = cal_day
    if observation_end is not None:
        obs = to_timestamp(observation_end, name="observation_end", where=where)
        obs_day = np.datetime64(obs.date(), "D").astype(np.int64)
        if obs_day <= cal_day:
            raise DataError(f"{where}: observation_end={obs.date()} should be after calibration_end={cal.date()}")
    unit = float(UNIT_DAYS[freq])

    # codes are ranks of the sorted ids, so the customers come out sorted
    codes, uniques = _summary_codes(data[customer_col])
    amounts = data[amount_col].to_numpy(dtype=np.float64)
    return summary_from_codes(
        codes,
        uniques,
        days,
        amounts,
        cal_day=int(cal_day),
        obs_day=int(obs_day),
        unit=unit,
        holdout=observation_end is not None,
        name=customer_col,
        cal_date=cal.date(),
    )


def summary_from_codes(
    codes: np.ndarray,
    uniques: pd.Index,
    days: np.ndarray,
    amounts: np.ndarray,
    *,
    cal_day: int,
    obs_day: int,
    unit: float,
    holdout: bool,
    name: str,
    cal_date: Any,
) -> pd.DataFrame:
    """The table of :func:`customer_summary` from arrays already checked and coded.

    Shared by :func:`customer_summary` and the report's per-customer tables, which code the customer
    ids once (:func:`crm_lessons._ids.sorted_codes`) for several tables.

    Parameters
    ----------
    codes : numpy.ndarray
        int64 customer code of each transaction: the rank of its id among the sorted ``uniques``.
    uniques : pandas.Index
        The customer ids of the codes (:func:`summary_index`).
    days : numpy.ndarray
        int64 day number of each transaction (days since 1970-01-01).
    amounts : numpy.ndarray
        float64 amount of each transaction.
    cal_day, obs_day : int
        Day numbers of the end of calibration and of observation (equal without a hold-out period).
    unit : float
        Days per time unit (:data:`UNIT_DAYS`).
    holdout : bool
        Whether to add the hold-out columns.
    name : str
        Name of the index (the customer column).
    cal_date : date-like
        The end of calibration, for the error message.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`customer_summary`, indexed by customer.

    Raises
    ------
    DataError
        If no customer made a first purchase on or before ``cal_day``.

    Examples
    --------
    >>> from crm_lessons._ids import sorted_codes
    >>> ids = pd.Series(["a", "a", "b"])
    >>> codes, uniques, _ = sorted_codes(ids)
    >>> s = summary_from_codes(codes.astype(np.int64), summary_index(ids, uniques), np.array([0, 14, 7]),
    ...                        np.array([10.0, 20.0, 3.0]), cal_day=28, obs_day=28, unit=7.0, holdout=False,
    ...                        name="customer_id", cal_date="1970-01-29")
    >>> s.to_dict("index")["a"]
    {'frequency': 1, 'recency': 2.0, 'T': 4.0, 'monetary_value': 20.0}
    """
    where = "customer_summary"
    n = len(days)
    keep = days <= obs_day
    if not keep.any():
        raise DataError(
            f"{where}: no customer made a first purchase on or before calibration_end={cal_date}; "
            "choose a later calibration_end"
        )
    k = len(uniques)
    bins = k
    if keep.all():
        day0 = int(days.min())
    else:  # the rows after obs_day go to a bin of their own, dropped below
        day0 = int(np.min(days, where=keep, initial=obs_day))
        codes = np.where(keep, codes, k)
        bins = k + 1
    del keep
    in_cal = days <= cal_day
    big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min

    # every sum over the rows in row order (np.bincount), so that the two ways of counting purchase days
    # below give the same numbers to the last bit
    def first_purchase() -> tuple[np.ndarray, np.ndarray]:
        first = np.full(bins, big, dtype=np.int64)
        np.minimum.at(first, codes, days)
        on_first = days == first[codes]
        return first, np.bincount(codes, weights=np.where(on_first, amounts, 0.0), minlength=bins)

    def last_purchase_and_sums() -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        last = np.full(bins, small, dtype=np.int64)
        np.maximum.at(last, codes, np.where(in_cal, days, small))
        cal_amount = np.bincount(codes, weights=np.where(in_cal, amounts, 0.0), minlength=bins)
        hold_amount = np.bincount(codes, weights=np.where(in_cal, 0.0, amounts), minlength=bins) if holdout else None
        return last, cal_amount, hold_amount

    words = (obs_day - day0) // 64 + 1  # uint64 words of purchase-day bits per customer (:func:`_day_bitmap`)
    by_bitmap = 8 * bins * words <= _BITMAP_BYTES_PER_ROW * n + _BITMAP_BYTES
    count = partial(_day_bitmap if by_bitmap else _day_sort, codes, days, bins, day0, obs_day, cal_day)
    # the longest part first: on two threads the other two run one after the other beside it
    tasks: list[Callable[[], Any]] = [count, first_purchase, last_purchase_and_sums]
    (n_days, n_cal), (first, first_amount), (last, cal_amount, hold_amount) = (
        _threads.run(tasks) if len(_threads.row_slices(n)) > 1 else [task() for task in tasks]
    )
    first, first_amount, last, cal_amount = first[:k], first_amount[:k], last[:k], cal_amount[:k]
    n_days, n_cal = n_days[:k], n_cal[:k]
    # keep customers acquired by the end of calibration (and so with a purchase)
    ok_cust = first <= cal_day
    if not ok_cust.any():
        raise DataError(
            f"{where}: no customer made a first purchase on or before calibration_end={cal_date}; "
            "choose a later calibration_end"
        )
    frequency = np.maximum(n_cal - 1, 0)
    repeat_amount = cal_amount - first_amount
    monetary = np.where(frequency > 0, repeat_amount / np.maximum(frequency, 1), 0.0)
    out = {
        "frequency": frequency,
        "recency": (last - first) / unit,
        "T": (cal_day - first) / unit,
        "monetary_value": monetary,
    }
    if holdout:
        assert hold_amount is not None
        n_hold = n_days - n_cal
        out["frequency_holdout"] = n_hold
        out["monetary_value_holdout"] = np.where(n_hold > 0, hold_amount[:k] / np.maximum(n_hold, 1), 0.0)
        out["duration_holdout"] = np.full(k, (obs_day - cal_day) / unit)
    cust_code = np.flatnonzero(ok_cust)
    if len(cust_code) < k:
        out = {name: values[cust_code] for name, values in out.items()}
    # the columns are new arrays: kept as they are, not copied into one block per dtype
    return pd.DataFrame(out, index=uniques.take(cust_code).rename(name), copy=False)


# Purchase days are counted with a bitmap (one bit per customer and day) while it takes at most this many
# bytes per row plus this many (500,000 customers over two years: 46 MB, used from 3M rows); else the
# (customer, day) pairs are sorted.
_BITMAP_BYTES_PER_ROW = 16
_BITMAP_BYTES = 1 << 20


def _bit_counts(words: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 (numpy >= 2: one instruction; else byte by byte from a table)."""
    count = getattr(np, "bitwise_count", None)
    if count is not None:
        return count(words)
    table = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
    return table[words.view(np.uint8)].reshape(*words.shape, 8).sum(axis=-1, dtype=np.uint8)


def _day_bitmap(
    codes: np.ndarray, days: np.ndarray, bins: int, day0: int, obs_day: int, cal_day: int
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct purchase days per customer code, up to ``obs_day`` and up to ``cal_day``: one bit per
    (customer, day) set for every row, then the bits of each customer counted.  Linear in the rows,
    where sorting the (customer, day) pairs is not (5M rows, 500,000 customers: 0.23 CPU-s for the
    bits against 0.31 for the sort)."""
    words = (obs_day - day0) // 64 + 1  # uint64 words of day bits per customer
    bit = codes * (64 * words)
    bit += np.minimum(days, obs_day)  # rows after obs_day are in a bin of their own: any bit will do
    bit -= day0
    bitmap = np.zeros(bins * words, dtype=np.uint64)
    np.bitwise_or.at(bitmap, bit >> 6, np.left_shift(np.uint64(1), (bit & 63).astype(np.uint64)))
    del bit
    per_word = _bit_counts(bitmap).reshape(bins, words)
    cal_bits = max(cal_day - day0 + 1, 0)  # the days of calibration are bits 0 .. cal_bits - 1
    whole, rest = divmod(cal_bits, 64)
    n_cal = per_word[:, :whole].sum(axis=1, dtype=np.int64)
    if rest:
        last_word = bitmap.reshape(bins, words)[:, whole] & np.uint64((1 << rest) - 1)
        n_cal += _bit_counts(last_word)
    return per_word.sum(axis=1, dtype=np.int64), n_cal


def _day_sort(
    codes: np.ndarray, days: np.ndarray, bins: int, day0: int, obs_day: int, cal_day: int
) -> tuple[np.ndarray, np.ndarray]:
    """What :func:`_day_bitmap` counts, from the sorted distinct (customer, day) pairs: for customers
    times days too many for a bitmap."""
    day_bits = max(int(obs_day - day0).bit_length(), 1)
    key = codes << day_bits  # a new array, changed in place
    key += np.minimum(days, obs_day)
    key -= day0
    if not np.all(key[1:] >= key[:-1]):  # skipped for logs sorted by customer and day
        parts = _threads.row_slices(len(key))
        if len(parts) > 1:  # one slice per core sorted on its own thread, then the sorted slices merged
            _threads.run([key[part].sort for part in parts])
            key.sort(kind="stable")
        else:
            key.sort()
    new_pair = np.empty(len(key), dtype=bool)
    new_pair[0] = True
    np.not_equal(key[1:], key[:-1], out=new_pair[1:])
    pairs = key[new_pair]
    del key, new_pair
    pair_code = pairs >> day_bits
    in_cal = (pairs & ((1 << day_bits) - 1)) <= cal_day - day0
    return np.bincount(pair_code, minlength=bins), np.bincount(pair_code[in_cal], minlength=bins)
