"""Customer lifetime value (客户终身价值, CLV) with probability models.

From a transaction log to a customer-by-customer forecast, in the notation of
Fader and Hardie:

* :func:`customer_summary` turns a purchase log into one row per customer
  with ``frequency``, ``recency``, ``T`` and ``monetary_value`` (calibration
  period) and, given ``observation_end``, the hold-out columns.
* Non-contractual purchasing ("buy till you die"): the BG/NBD model
  (:class:`BetaGeoFitter`, Fader, Hardie & Lee 2005a) and the Pareto/NBD
  model (:class:`ParetoNBDFitter`, Schmittlein, Morrison & Colombo 1987).
* Spend per transaction: the Gamma-Gamma model (:class:`GammaGammaFitter`).
* Contractual retention: the shifted-beta-geometric model
  (:class:`ShiftedBetaGeometricFitter`, Fader & Hardie 2007).
* Money: :func:`clv` (discounted expected margin per customer) and
  :func:`sbg_derl` (discounted expected residual lifetime).

The mathematics sits in module-level functions (log-likelihoods and
expectations) that a chapter can call directly; each fitter is a thin
scikit-learn-style wrapper that maximises the likelihood over
log-parameters, reports ``params_``, ``standard_errors_`` (inverse Hessian),
``log_likelihood_`` and ``convergence_``.

Examples
--------
>>> from crm_lessons.datasets import load_cdnow
>>> from crm_lessons.clv import customer_summary, BetaGeoFitter
>>> summary = customer_summary(load_cdnow(sample=True), calibration_end="1997-09-30")
>>> bg = BetaGeoFitter().fit(summary)
>>> bg.params_.round(3).to_dict()
{'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd
from scipy import optimize, special
from threadpoolctl import ThreadpoolController

from crm_lessons._ids import sorted_codes
from crm_lessons._validation import (
    DataError,
    NotFittedError,
    check_is_fitted,
    first_rows,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_non_negative,
    require_numeric,
    to_timestamp,
)

__all__ = [
    "ConvergenceError",
    "NotFittedError",
    "customer_summary",
    "summary_from_codes",
    "summary_index",
    "UNIT_DAYS",
    "bgnbd_log_likelihood",
    "bgnbd_expected_transactions",
    "bgnbd_conditional_expected_transactions",
    "bgnbd_p_alive",
    "pareto_nbd_log_likelihood",
    "pareto_nbd_expected_transactions",
    "pareto_nbd_conditional_expected_transactions",
    "pareto_nbd_p_alive",
    "gamma_gamma_log_likelihood",
    "gamma_gamma_conditional_expected_spend",
    "sbg_log_likelihood",
    "sbg_survival",
    "sbg_retention",
    "sbg_derl",
    "clv",
    "tracking_data",
    "holdout_by_frequency",
    "p_alive_matrix",
    "BetaGeoFitter",
    "ParetoNBDFitter",
    "GammaGammaFitter",
    "ShiftedBetaGeometricFitter",
]

#: Days per time unit of :func:`customer_summary`'s ``freq``: ``recency`` and ``T`` are day counts divided by it.
UNIT_DAYS = {"D": 1, "W": 7}
_UNIT_DAYS = UNIT_DAYS  # the old private name, until the report's tables use the public one


class ConvergenceError(RuntimeError):
    """Raised when maximum likelihood estimation did not converge."""


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


_summary_index = summary_index  # the old private name, until the report's tables use the public one


def _sort_with_values(key: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort non-negative int64 ``key`` and reorder ``values`` alike.

    When key and row number fit together in 62 bits they are packed into one
    int64 and sorted with ``np.sort`` (SIMD-accelerated, about twice as fast
    as ``np.argsort``); otherwise a stable argsort is used.
    """
    n = len(key)
    row_bits = max(int(n - 1).bit_length(), 1)
    if int(key.max()).bit_length() + row_bits > 62:
        order = np.argsort(key, kind="stable")
        return key[order], values[order]
    packed = key << row_bits  # in place from here: arrays of every row are the large ones
    packed |= np.arange(n, dtype=np.int64)
    packed.sort()
    row = packed & ((1 << row_bits) - 1)
    values = values[row]
    del row
    packed >>= row_bits
    return packed, values


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
    keep = days <= obs_day
    if not keep.all():
        codes, days, amounts = codes[keep], days[keep], amounts[keep]
    if len(days) == 0:
        raise DataError(
            f"{where}: no customer made a first purchase on or before calibration_end={cal_date}; "
            "choose a later calibration_end"
        )
    day0 = int(days.min())
    # key = (customer code, day) packed in one int64 with bit operations (no division later)
    day_bits = max(int(obs_day - day0).bit_length(), 1)
    key = codes.astype(np.int64)  # a new array, changed in place (arrays of every row are the large ones)
    key <<= day_bits
    key += days  # the low bits are zero, so adding day - day0 is the same as or-ing it in
    key -= day0
    if not np.all(key[1:] >= key[:-1]):  # sort by customer, then day (skipped for sorted logs)
        key, amounts = _sort_with_values(key, amounts)
    # merge purchases of the same customer on the same day
    new_pair = np.empty(len(key), dtype=bool)
    new_pair[0] = True
    np.not_equal(key[1:], key[:-1], out=new_pair[1:])
    if new_pair.all():  # no customer bought twice on one day: the rows are the pairs
        pair_amount, pair_key = amounts, key
    else:
        pair_start = np.flatnonzero(new_pair)
        pair_amount, pair_key = np.add.reduceat(amounts, pair_start), key[pair_start]
        del pair_start
    del key, amounts, new_pair
    pair_code = pair_key >> day_bits
    pair_key &= (1 << day_bits) - 1
    pair_key += day0
    pair_day = pair_key
    del pair_key

    new_cust = np.empty(len(pair_code), dtype=bool)
    new_cust[0] = True
    np.not_equal(pair_code[1:], pair_code[:-1], out=new_cust[1:])
    cust_start = np.flatnonzero(new_cust)
    n_cust = len(cust_start)
    n_pairs_cust = np.diff(cust_start, append=len(pair_code))
    cust_code = pair_code[cust_start]
    first_day = pair_day[cust_start]
    # keep customers acquired by the end of calibration
    ok_cust = first_day <= cal_day
    if not ok_cust.any():
        raise DataError(
            f"{where}: no customer made a first purchase on or before calibration_end={cal_date}; "
            "choose a later calibration_end"
        )
    # customer position of each pair (int32 when it fits: an array of every pair)
    cust_index = np.repeat(np.arange(n_cust, dtype=np.int32 if n_cust < 2**31 else np.int64), n_pairs_cust)
    del pair_code
    in_cal = pair_day <= cal_day
    if in_cal.all():  # no hold-out purchases (the same sums as below, without the masked copies)
        n_cal = n_pairs_cust.astype(np.int64)
        cal_amount = np.bincount(cust_index, weights=pair_amount, minlength=n_cust)
    else:
        n_cal = np.bincount(cust_index, weights=in_cal, minlength=n_cust).astype(np.int64)
        cal_amount = np.bincount(cust_index, weights=np.where(in_cal, pair_amount, 0.0), minlength=n_cust)
    frequency = np.maximum(n_cal - 1, 0)
    # days are sorted within a customer: the last calibration purchase is the n_cal-th
    last_cal_day = pair_day[cust_start + np.maximum(n_cal - 1, 0)]
    repeat_amount = cal_amount - pair_amount[cust_start]
    monetary = np.where(frequency > 0, repeat_amount / np.maximum(frequency, 1), 0.0)
    out = {
        "frequency": frequency,
        "recency": (last_cal_day - first_day) / unit,
        "T": (cal_day - first_day) / unit,
        "monetary_value": monetary,
    }
    if holdout:
        n_hold = n_pairs_cust - n_cal
        hold_amount = np.bincount(cust_index, weights=np.where(in_cal, 0.0, pair_amount), minlength=n_cust)
        out["frequency_holdout"] = n_hold
        out["monetary_value_holdout"] = np.where(n_hold > 0, hold_amount / np.maximum(n_hold, 1), 0.0)
        out["duration_holdout"] = np.full(n_cust, (obs_day - cal_day) / unit)
    if not ok_cust.all():
        out = {name: values[ok_cust] for name, values in out.items()}
        cust_code = cust_code[ok_cust]
    return pd.DataFrame(out, index=uniques.take(cust_code).rename(name))


_summary_from_codes = summary_from_codes  # the old private name, until the report's tables use the public one


# ---------------------------------------------------------------------------
# Input checks for the models
# ---------------------------------------------------------------------------


def _rft_arrays(
    data: pd.DataFrame, *, where: str, columns: tuple[str, ...] = ("frequency", "recency", "T")
) -> tuple[np.ndarray, ...]:
    """Validate a customer summary and return float arrays of ``columns``."""
    data = require_dataframe(data, where=where)
    require_columns(data, columns, where=where)
    for col in columns:
        require_numeric(data, col, where=where)
        require_no_missing(data, col, where=where)
        require_non_negative(data, col, where=where)
    x = data["frequency"].to_numpy(dtype=np.float64)
    frac = x != np.floor(x)
    if frac.any():
        raise DataError(
            f"{where}: column 'frequency' should hold whole numbers (repeat transactions) but is "
            f"fractional in {first_rows(frac, data.index)}"
        )
    if "recency" in columns and "T" in columns:
        tx = data["recency"].to_numpy(dtype=np.float64)
        T = data["T"].to_numpy(dtype=np.float64)
        bad = tx > T
        if bad.any():
            raise DataError(
                f"{where}: recency larger than T in {first_rows(bad, data.index)}; recency is the time "
                "from first to last purchase and cannot exceed the time since the first purchase"
            )
        bad = (x == 0) & (tx != 0)
        if bad.any():
            raise DataError(
                f"{where}: recency should be 0 when frequency is 0 but is not in {first_rows(bad, data.index)}"
            )
        bad = (x > 0) & (tx == 0)
        if bad.any():
            raise DataError(
                f"{where}: recency is 0 although frequency > 0 in {first_rows(bad, data.index)}; "
                "repeat purchases must come after the first purchase"
            )
    return tuple(data[c].to_numpy(dtype=np.float64) for c in columns)


def _require_repeaters(x: np.ndarray, where: str) -> None:
    if not (x > 0).any():
        raise DataError(
            f"{where}: no customer has a repeat purchase (frequency is 0 everywhere); the model cannot be "
            "estimated - use a longer calibration period or check the customer and date columns"
        )


def _compress(*arrays: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Unique rows of the column arrays and their counts (weights)."""
    rows, inverse = _distinct_rows(*arrays)
    return rows, np.bincount(inverse, minlength=len(rows[0])).astype(np.float64)


def _distinct_rows(*arrays: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Distinct rows of the column arrays and, per original row, the position of its distinct row."""
    if len(arrays[0]) == 0:
        return arrays, np.zeros(0, dtype=np.intp)
    order = np.lexsort(arrays[::-1])
    cols = [a[order] for a in arrays]
    new = np.zeros(len(order), dtype=bool)
    new[0] = True
    for c in cols:
        new[1:] |= c[1:] != c[:-1]
    inverse = np.empty(len(order), dtype=np.intp)
    inverse[order] = np.cumsum(new) - 1
    return tuple(c[new] for c in cols), inverse


_BLAS: dict[str, Any] = {}


def _single_thread_blas() -> Any:
    """Context manager limiting BLAS to one thread (the controller is created once, lazily).

    L-BFGS-B calls BLAS on vectors of 2-4 numbers; extra threads only add
    overhead, and on a busy machine they can make a fit ten times slower.
    """
    if "controller" not in _BLAS:
        _BLAS["controller"] = ThreadpoolController()
    return _BLAS["controller"].limit(limits=1, user_api="blas")


def _positive_params(params: Any, names: tuple[str, ...], where: str) -> tuple[float, ...]:
    """Read model parameters from a mapping/Series/sequence and check they are positive."""
    if isinstance(params, (dict, pd.Series)):
        missing = [n for n in names if n not in params]
        if missing:
            raise DataError(f"{where}: parameters {missing} are missing; expected {list(names)}")
        values = tuple(float(params[n]) for n in names)
    else:
        values = tuple(float(v) for v in params)
        if len(values) != len(names):
            raise DataError(f"{where}: expected {len(names)} parameters {list(names)}, got {len(values)}")
    for n, v in zip(names, values):
        if not (np.isfinite(v) and v > 0):
            raise DataError(f"{where}: parameter {n}={v} should be a positive number")
    return values


# ---------------------------------------------------------------------------
# BG/NBD
# ---------------------------------------------------------------------------

_BG_NAMES = ("r", "alpha", "a", "b")


def _bgnbd_ll_grad(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    with_grad: bool,
    x_groups: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-customer log-likelihood and, optionally, its gradient (4 x n).

    ``x_groups = (unique x, inverse)`` lets the special functions of x be
    evaluated once per distinct frequency instead of once per customer.
    """
    ux, inv = x_groups if x_groups is not None else (x, None)

    def per_x(values: np.ndarray) -> np.ndarray:
        return values if inv is None else values[inv]

    pos = x > 0
    uxm1 = np.where(ux > 0, ux - 1, 0.0)
    lb = special.betaln(a, b)
    A = per_x(special.gammaln(r + ux) - special.gammaln(r)) + r * np.log(alpha)
    log_aT = np.log(alpha + T)
    log_atx = np.log(alpha + tx)
    t1 = per_x(special.betaln(a, b + ux) - lb) - (r + x) * log_aT
    t2 = np.where(pos, per_x(special.betaln(a + 1, b + uxm1) - lb) - (r + x) * log_atx, -np.inf)
    lse = np.logaddexp(t1, t2)
    ll = A + lse
    if not with_grad:
        return ll, None
    w1 = np.exp(t1 - lse)
    w2 = 1.0 - w1
    dg = special.digamma
    d_r = per_x(dg(r + ux)) - dg(r) + np.log(alpha) - w1 * log_aT - w2 * log_atx
    d_alpha = r / alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + tx))
    psi_ab = dg(a + b)
    psi_abx = per_x(dg(a + b + ux))
    d_a = psi_ab - psi_abx + w2 * (dg(a + 1) - dg(a))
    common_b = psi_ab - psi_abx - dg(b)
    d_b = common_b + w1 * per_x(dg(b + ux)) + w2 * per_x(dg(b + uxm1))
    return ll, np.vstack([d_r, d_alpha, d_a, d_b])


def bgnbd_log_likelihood(params: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """Log-likelihood of each customer's (x, t_x, T) under the BG/NBD model.

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha`` (gamma heterogeneity of the purchase rate) and
        ``a``, ``b`` (beta heterogeneity of the drop-out probability).
    frequency, recency, T : array-like
        Repeat transactions x, recency t_x and age T, as returned by
        :func:`customer_summary`.

    Returns
    -------
    ndarray
        One log-likelihood per customer; their sum is the model's LL.

    Notes
    -----
    .. math::

        L = \\frac{B(a, b+x)}{B(a, b)} \\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)(\\alpha+T)^{r+x}}
          + \\delta_{x>0} \\frac{B(a+1, b+x-1)}{B(a, b)}
            \\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)(\\alpha+t_x)^{r+x}}

    evaluated in the log domain with ``gammaln``, ``betaln`` and ``logaddexp``.

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), equation (6).

    Examples
    --------
    >>> ll = bgnbd_log_likelihood({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    ...                           [0, 2], [0.0, 30.43], [38.86, 38.86])
    >>> ll.round(4)
    array([-0.5547, -9.4586])
    """
    r, alpha, a, b = _positive_params(params, _BG_NAMES, "bgnbd_log_likelihood")
    x, tx, T = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    return _bgnbd_ll_grad(r, alpha, a, b, x, tx, T, with_grad=False)[0]


def bgnbd_expected_transactions(params: Any, t: Any) -> np.ndarray:
    """Expected number of repeat transactions E[X(t)] of a new customer in (0, t].

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha``, ``a``, ``b``.
    t : float or array-like
        Length of the period, in the model's time unit.

    Returns
    -------
    ndarray
        E[X(t)] for each ``t``.

    Notes
    -----
    .. math::

        E[X(t)] = \\frac{a+b-1}{a-1}\\left[1 - \\left(\\frac{\\alpha}{\\alpha+t}\\right)^r
        {}_2F_1\\left(r, b; a+b-1; \\frac{t}{\\alpha+t}\\right)\\right]

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), equation (7).

    Examples
    --------
    >>> p = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> bgnbd_expected_transactions(p, [39.0, 78.0]).round(3)
    array([1.197, 1.861])
    """
    r, alpha, a, b = _positive_params(params, _BG_NAMES, "bgnbd_expected_transactions")
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1, z))


def bgnbd_p_alive(params: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """Probability that a customer with history (x, t_x, T) is still alive at T (BG/NBD).

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha``, ``a``, ``b``.
    frequency, recency, T : array-like
        Customer history.

    Returns
    -------
    ndarray
        P(alive) per customer; 1 for customers with no repeat purchase.

    Notes
    -----
    .. math::

        P(\\text{alive}) = \\left[1 + \\delta_{x>0}\\frac{a}{b+x-1}
        \\left(\\frac{\\alpha+T}{\\alpha+t_x}\\right)^{r+x}\\right]^{-1}

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), appendix, equation (A.7)
    ("Computing P(alive) using the BG/NBD model", Fader-Hardie note 2008).

    Examples
    --------
    >>> p = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> bgnbd_p_alive(p, [0, 2, 2], [0.0, 30.0, 5.0], [38.0, 38.0, 38.0]).round(3)
    array([1.   , 0.73 , 0.129])
    """
    r, alpha, a, b = _positive_params(params, _BG_NAMES, "bgnbd_p_alive")
    x, tx, T = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    pos = x > 0
    log_odds = np.log(a) - np.log(np.where(pos, b + x - 1, 1.0)) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return np.where(pos, special.expit(-log_odds), 1.0)


def bgnbd_conditional_expected_transactions(params: Any, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """Expected repeat transactions in (T, T + t] of a customer with history (x, t_x, T) (BG/NBD).

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha``, ``a``, ``b``.
    t : float or array-like
        Length of the future window (broadcast against the customers).
    frequency, recency, T : array-like
        Customer history.

    Returns
    -------
    ndarray
        E[Y(t) | x, t_x, T] per customer.

    Notes
    -----
    .. math::

        E[Y(t)\\mid x, t_x, T] = \\frac{a+b+x-1}{a-1}
        \\frac{1 - \\left(\\frac{\\alpha+T}{\\alpha+T+t}\\right)^{r+x}
        {}_2F_1\\left(r+x, b+x; a+b+x-1; \\frac{t}{\\alpha+T+t}\\right)}
        {1 + \\delta_{x>0}\\frac{a}{b+x-1}\\left(\\frac{\\alpha+T}{\\alpha+t_x}\\right)^{r+x}}

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), equation (10).

    Examples
    --------
    >>> p = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> bgnbd_conditional_expected_transactions(p, 39, [2], [30.43], [38.86]).round(3)
    array([1.226])
    """
    r, alpha, a, b = _positive_params(params, _BG_NAMES, "bgnbd_conditional_expected_transactions")
    x, tx, T = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + T + t)
    num = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * num * bgnbd_p_alive((r, alpha, a, b), x, tx, T)


# ---------------------------------------------------------------------------
# Pareto/NBD
# ---------------------------------------------------------------------------

_PNBD_NAMES = ("r", "alpha", "s", "beta")


def _log1mexp(v: np.ndarray) -> np.ndarray:
    """log(1 - exp(v)) for v <= 0, accurate near 0 and for large negative v."""
    v = np.asarray(v, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(v > -0.6931471805599453, np.log(-np.expm1(v)), np.log1p(-np.exp(v)))


def _pnbd_log_a0(
    r: float, alpha: float, s: float, beta: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """log A_0 of Fader & Hardie (2005) note, equations (19)-(20)."""
    rsx = r + s + x
    if alpha >= beta:
        b_par, big = s + 1.0, alpha
    else:
        b_par, big = r + x, beta
    diff = abs(alpha - beta)

    def log_term(t: np.ndarray) -> np.ndarray:
        return np.log(special.hyp2f1(rsx, b_par, rsx + 1, diff / (big + t))) - rsx * np.log(big + t)

    l_tx = log_term(tx)
    l_T = log_term(T)
    with np.errstate(invalid="ignore"):
        return l_tx + _log1mexp(np.minimum(l_T - l_tx, 0.0))


def pareto_nbd_log_likelihood(params: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """Log-likelihood of each customer's (x, t_x, T) under the Pareto/NBD model.

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha`` (gamma heterogeneity of the purchase rate) and
        ``s``, ``beta`` (gamma heterogeneity of the drop-out rate).
    frequency, recency, T : array-like
        Customer history.

    Returns
    -------
    ndarray
        One log-likelihood per customer.

    Notes
    -----
    .. math::

        L = \\frac{\\Gamma(r+x)\\alpha^r\\beta^s}{\\Gamma(r)}
        \\left\\{\\frac{1}{(\\alpha+T)^{r+x}(\\beta+T)^s} + \\frac{s}{r+s+x} A_0\\right\\}

    with, for :math:`\\alpha \\ge \\beta`,

    .. math::

        A_0 = \\frac{{}_2F_1(r+s+x, s+1; r+s+x+1; \\frac{\\alpha-\\beta}{\\alpha+t_x})}{(\\alpha+t_x)^{r+s+x}}
            - \\frac{{}_2F_1(r+s+x, s+1; r+s+x+1; \\frac{\\alpha-\\beta}{\\alpha+T})}{(\\alpha+T)^{r+s+x}}

    and, for :math:`\\alpha < \\beta`, the same with :math:`\\alpha \\leftrightarrow \\beta`
    in the denominators and second argument :math:`r+x`.  Both terms and the
    difference are computed in the log domain.

    References
    ----------
    Fader, P. S., & Hardie, B. G. S. (2005). A note on deriving the
    Pareto/NBD model and related expressions, equations (19)-(20).
    Schmittlein, Morrison & Colombo (1987), Management Science 33(1).

    Examples
    --------
    >>> p = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    >>> pareto_nbd_log_likelihood(p, [0, 2], [0.0, 30.43], [38.86, 38.86]).round(4)
    array([-0.521 , -9.5543])
    """
    r, alpha, s, beta = _positive_params(params, _PNBD_NAMES, "pareto_nbd_log_likelihood")
    x, tx, T = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    return _pnbd_ll(r, alpha, s, beta, x, tx, T)


def _pnbd_ll(r: float, alpha: float, s: float, beta: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    dead = np.log(s) - np.log(r + s + x) + _pnbd_log_a0(r, alpha, s, beta, x, tx, T)
    return head + np.logaddexp(alive, dead)


def pareto_nbd_p_alive(params: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """Probability that a customer with history (x, t_x, T) is alive at T (Pareto/NBD).

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha``, ``s``, ``beta``.
    frequency, recency, T : array-like
        Customer history.

    Returns
    -------
    ndarray
        P(alive) per customer.

    Notes
    -----
    .. math::

        P(\\text{alive}) = \\left[1 + \\frac{s}{r+s+x}(\\alpha+T)^{r+x}(\\beta+T)^s A_0\\right]^{-1}

    References
    ----------
    Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and
    related expressions", equation (21).

    Examples
    --------
    >>> p = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    >>> pareto_nbd_p_alive(p, [0, 2], [0.0, 5.0], [38.0, 38.0]).round(3)
    array([0.3  , 0.137])
    """
    r, alpha, s, beta = _positive_params(params, _PNBD_NAMES, "pareto_nbd_p_alive")
    x, tx, T = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    log_ratio = (
        np.log(s)
        - np.log(r + s + x)
        + (r + x) * np.log(alpha + T)
        + s * np.log(beta + T)
        + _pnbd_log_a0(r, alpha, s, beta, x, tx, T)
    )
    return special.expit(-log_ratio)


def pareto_nbd_expected_transactions(params: Any, t: Any) -> np.ndarray:
    """Expected number of repeat transactions E[X(t)] of a new customer (Pareto/NBD).

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha``, ``s``, ``beta``.
    t : float or array-like
        Length of the period.

    Returns
    -------
    ndarray
        E[X(t)].

    Notes
    -----
    .. math::

        E[X(t)] = \\frac{r\\beta}{\\alpha(s-1)}\\left[1 - \\left(\\frac{\\beta}{\\beta+t}\\right)^{s-1}\\right]

    (for :math:`s = 1` the limit :math:`\\frac{r\\beta}{\\alpha}\\ln\\frac{\\beta+t}{\\beta}`).

    References
    ----------
    Schmittlein, Morrison & Colombo (1987), equation (17);
    Fader & Hardie (2005) note, equation (22).

    Examples
    --------
    >>> p = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    >>> pareto_nbd_expected_transactions(p, [39.0, 78.0]).round(3)
    array([1.213, 1.909])
    """
    r, alpha, s, beta = _positive_params(params, _PNBD_NAMES, "pareto_nbd_expected_transactions")
    t = np.asarray(t, dtype=np.float64)
    return r * beta / alpha * _log_growth(s - 1.0, beta, t)


def _log_growth(k: float, beta: Any, t: Any) -> np.ndarray:
    """[1 - (beta/(beta+t))^k] / k, with its limit ln((beta+t)/beta) at k = 0."""
    beta = np.asarray(beta, dtype=np.float64)
    lr = np.log1p(t / beta)
    if abs(k) < 1e-10:
        return lr
    return -np.expm1(-k * lr) / k


def pareto_nbd_conditional_expected_transactions(
    params: Any, t: Any, frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """Expected repeat transactions in (T, T + t] given the history (Pareto/NBD).

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha``, ``s``, ``beta``.
    t : float or array-like
        Length of the future window.
    frequency, recency, T : array-like
        Customer history.

    Returns
    -------
    ndarray
        E[Y(t) | x, t_x, T] per customer.

    Notes
    -----
    .. math::

        E[Y(t)\\mid x, t_x, T] = \\frac{(r+x)(\\beta+T)}{(\\alpha+T)(s-1)}
        \\left[1 - \\left(\\frac{\\beta+T}{\\beta+T+t}\\right)^{s-1}\\right] P(\\text{alive})

    References
    ----------
    Schmittlein, Morrison & Colombo (1987), equation (22);
    Fader & Hardie (2005) note, equation (23).

    Examples
    --------
    >>> p = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    >>> pareto_nbd_conditional_expected_transactions(p, 39, [2], [30.43], [38.86]).round(3)
    array([1.455])
    """
    r, alpha, s, beta = _positive_params(params, _PNBD_NAMES, "pareto_nbd_conditional_expected_transactions")
    x, tx, T = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    t = np.asarray(t, dtype=np.float64)
    growth = (beta + T) * _log_growth(s - 1.0, beta + T, t)
    return (r + x) / (alpha + T) * growth * pareto_nbd_p_alive((r, alpha, s, beta), x, tx, T)


# ---------------------------------------------------------------------------
# Gamma-Gamma spend model
# ---------------------------------------------------------------------------

_GG_NAMES = ("p", "q", "gamma")


def gamma_gamma_log_likelihood(params: Any, frequency: Any, monetary_value: Any) -> np.ndarray:
    """Log-likelihood of each customer's mean spend under the Gamma-Gamma model.

    Parameters
    ----------
    params : mapping or sequence
        ``p`` (shape of spend per transaction), ``q`` and ``gamma``
        (gamma heterogeneity of the scale across customers).
    frequency : array-like
        Number of transactions x averaged over (must be > 0).
    monetary_value : array-like
        Mean spend per transaction m_x (must be > 0).

    Returns
    -------
    ndarray
        One log-likelihood per customer.

    Notes
    -----
    .. math::

        f(m_x\\mid p, q, \\gamma; x) = \\frac{\\Gamma(px+q)}{\\Gamma(px)\\Gamma(q)}
        \\frac{\\gamma^q m_x^{px-1} x^{px}}{(\\gamma + m_x x)^{px+q}}

    References
    ----------
    Fader, P. S., & Hardie, B. G. S. (2013). The Gamma-Gamma model of
    monetary value, equation (4); Fader, Hardie & Lee (2005), "RFM and CLV:
    Using iso-value curves for customer base analysis", JMR 42(4), 415-430.

    Examples
    --------
    >>> gamma_gamma_log_likelihood({"p": 6.25, "q": 3.74, "gamma": 15.44}, [1, 3], [20.0, 40.0]).round(4)
    array([-3.5942, -4.3336])
    """
    p, q, g = _positive_params(params, _GG_NAMES, "gamma_gamma_log_likelihood")
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary_value, dtype=np.float64)
    return _gg_ll(p, q, g, x, m)


def _gg_ll(p: float, q: float, g: float, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    px = p * x
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(g)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(g + m * x)
    )


def gamma_gamma_conditional_expected_spend(params: Any, frequency: Any, monetary_value: Any) -> np.ndarray:
    """Expected spend per transaction of a customer with x transactions of mean m_x.

    Parameters
    ----------
    params : mapping or sequence
        ``p``, ``q``, ``gamma`` (requires ``q > 1``).
    frequency, monetary_value : array-like
        Number of repeat transactions and their mean; customers with
        ``frequency`` 0 get the population mean :math:`p\\gamma/(q-1)`.

    Returns
    -------
    ndarray
        E[M | p, q, gamma, m_x, x] per customer.

    Notes
    -----
    .. math::

        E[M\\mid m_x, x] = \\frac{p(\\gamma + x m_x)}{px + q - 1}
        = \\frac{q-1}{px+q-1}\\frac{p\\gamma}{q-1} + \\frac{px}{px+q-1} m_x

    a weighted average of the population mean and the customer's own mean.

    References
    ----------
    Fader & Hardie (2013), The Gamma-Gamma model of monetary value, equation (5).

    Examples
    --------
    >>> gamma_gamma_conditional_expected_spend({"p": 6.25, "q": 3.74, "gamma": 15.44}, [0, 1, 10], [0.0, 60.0, 60.0]).round(2)
    array([35.22, 52.45, 58.96])
    """
    p, q, g = _positive_params(params, _GG_NAMES, "gamma_gamma_conditional_expected_spend")
    if q <= 1:
        raise DataError(f"gamma_gamma_conditional_expected_spend: q={q} should be > 1 for the mean spend to exist")
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary_value, dtype=np.float64)
    return p * (g + x * m) / (p * x + q - 1)


# ---------------------------------------------------------------------------
# shifted-beta-geometric (contractual)
# ---------------------------------------------------------------------------

_SBG_NAMES = ("alpha", "beta")


def _survivors_array(survivors: Any, where: str) -> np.ndarray:
    n = np.asarray(survivors, dtype=np.float64).ravel()
    if n.size < 2:
        raise DataError(f"{where}: survivors should hold at least 2 counts (period 0 and 1), got {n.size}")
    if not np.all(np.isfinite(n)) or (n < 0).any():
        raise DataError(f"{where}: survivors should be non-negative counts, got {n.tolist()[:10]}")
    if (np.diff(n) > 0).any():
        i = int(np.flatnonzero(np.diff(n) > 0)[0]) + 1
        raise DataError(
            f"{where}: survivors should not increase, but period {i} has {n[i]:g} > {n[i - 1]:g}; "
            "pass the number of the original cohort still active at the start of each period"
        )
    if n[0] <= 0:
        raise DataError(f"{where}: the initial cohort survivors[0] should be > 0")
    return n


def sbg_survival(params: Any, t: Any) -> np.ndarray:
    """Survivor function S(t) of the shifted-beta-geometric model.

    Parameters
    ----------
    params : mapping or sequence
        ``alpha``, ``beta`` of the beta distribution of churn probabilities.
    t : int or array-like
        Period(s), 0, 1, 2, ...

    Returns
    -------
    ndarray
        Share of the original cohort still active after t periods.

    Notes
    -----
    .. math:: S(t) = \\frac{B(\\alpha, \\beta + t)}{B(\\alpha, \\beta)}

    References
    ----------
    Fader & Hardie (2007), How to project customer retention, J. Interactive
    Marketing 21(1), 76-90, equation (5).

    Examples
    --------
    >>> sbg_survival({"alpha": 0.704, "beta": 1.182}, [0, 1, 2]).round(3)
    array([1.   , 0.627, 0.474])
    """
    alpha, beta = _positive_params(params, _SBG_NAMES, "sbg_survival")
    t = np.asarray(t, dtype=np.float64)
    return np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))


def sbg_retention(params: Any, t: Any) -> np.ndarray:
    """Retention rate r(t) = S(t) / S(t-1) of the shifted-beta-geometric model.

    Parameters
    ----------
    params : mapping or sequence
        ``alpha``, ``beta``.
    t : int or array-like
        Period(s), 1, 2, ...

    Returns
    -------
    ndarray
        Probability that a customer active in period t-1 renews in period t.

    Notes
    -----
    .. math:: r(t) = \\frac{\\beta + t - 1}{\\alpha + \\beta + t - 1}

    It rises with t: the heterogeneous cohort is sorted by churn.

    References
    ----------
    Fader & Hardie (2007), J. Interactive Marketing 21(1), equation (6).

    Examples
    --------
    >>> sbg_retention({"alpha": 0.704, "beta": 1.182}, [1, 2, 10]).round(3)
    array([0.627, 0.756, 0.935])
    """
    alpha, beta = _positive_params(params, _SBG_NAMES, "sbg_retention")
    t = np.asarray(t, dtype=np.float64)
    return (beta + t - 1) / (alpha + beta + t - 1)


def sbg_log_likelihood(params: Any, survivors: Any) -> float:
    """Log-likelihood of a cohort's survivor counts under the sBG model.

    Parameters
    ----------
    params : mapping or sequence
        ``alpha``, ``beta``.
    survivors : array-like
        Customers of the original cohort still active at the start of periods
        0, 1, ..., n (``survivors[0]`` is the cohort size).

    Returns
    -------
    float
        :math:`\\sum_{t=1}^{n} (n_{t-1} - n_t) \\ln P(T=t) + n_n \\ln S(n)`.

    Notes
    -----
    :math:`P(T=t) = B(\\alpha+1, \\beta+t-1)/B(\\alpha, \\beta)`.

    References
    ----------
    Fader & Hardie (2007), J. Interactive Marketing 21(1), equations (3)-(5), (7).

    Examples
    --------
    >>> round(sbg_log_likelihood({"alpha": 1.0, "beta": 1.0}, [100, 50, 30]), 3)
    -103.451
    """
    alpha, beta = _positive_params(params, _SBG_NAMES, "sbg_log_likelihood")
    n = _survivors_array(survivors, "sbg_log_likelihood")
    return _sbg_ll(alpha, beta, n)


def _sbg_ll(alpha: float, beta: float, n: np.ndarray) -> float:
    t = np.arange(1, len(n), dtype=np.float64)
    lb = special.betaln(alpha, beta)
    log_pt = special.betaln(alpha + 1, beta + t - 1) - lb
    churned = n[:-1] - n[1:]
    log_s = special.betaln(alpha, beta + t[-1]) - lb
    return float(np.sum(churned * log_pt) + n[-1] * log_s)


def sbg_derl(params: Any, discount_rate: float, *, renewals: Any = 0) -> np.ndarray:
    """Discounted expected residual lifetime (DERL) of a customer under the sBG model.

    Multiply by the margin per period to get the residual value of a
    customer who has just made ``renewals`` renewals and is about to decide
    on the next one (the first payment of the future stream is received at
    the end of the coming period, so it is not discounted).

    Parameters
    ----------
    params : mapping or sequence
        ``alpha``, ``beta``.
    discount_rate : float
        Discount rate per period, >= 0 (e.g. 0.1).
    renewals : int or array-like, default 0
        Renewals already made, n - 1 (0 for a newly acquired customer).

    Returns
    -------
    ndarray
        DERL in periods.

    Notes
    -----
    .. math::

        DERL(d\\mid\\alpha,\\beta,n-1) = \\frac{\\beta+n-1}{\\alpha+\\beta+n-1}
        {}_2F_1\\left(1, \\beta+n; \\alpha+\\beta+n; \\frac{1}{1+d}\\right)

    which equals :math:`\\sum_{t\\ge n} S(t)/S(n-1)/(1+d)^{t-n}`.

    References
    ----------
    Fader, P. S., & Hardie, B. G. S. (2010). Customer-base valuation in a
    contractual setting: The perils of ignoring heterogeneity. Marketing
    Science, 29(1), 85-93, equation (6).

    Examples
    --------
    >>> sbg_derl({"alpha": 0.704, "beta": 1.182}, 0.1, renewals=[0, 4]).round(2)
    array([2.96, 5.89])
    """
    alpha, beta = _positive_params(params, _SBG_NAMES, "sbg_derl")
    if not (np.isfinite(discount_rate) and discount_rate > 0):
        raise DataError(f"sbg_derl: discount_rate={discount_rate} should be > 0")
    n = np.asarray(renewals, dtype=np.float64) + 1
    return (
        (beta + n - 1)
        / (alpha + beta + n - 1)
        * special.hyp2f1(1.0, beta + n, alpha + beta + n, 1 / (1 + discount_rate))
    )


# ---------------------------------------------------------------------------
# Fitting machinery
# ---------------------------------------------------------------------------


def _numerical_hessian(
    f: Callable[[np.ndarray], float], x0: np.ndarray, grad: Callable[[np.ndarray], np.ndarray] | None
) -> np.ndarray:
    """Central-difference Hessian (from the gradient when available)."""
    k = len(x0)
    h = 1e-4 * np.maximum(1.0, np.abs(x0))
    H = np.empty((k, k))
    if grad is not None:
        for i in range(k):
            e = np.zeros(k)
            e[i] = h[i]
            H[i] = (grad(x0 + e) - grad(x0 - e)) / (2 * h[i])
        return (H + H.T) / 2
    f0 = f(x0)
    for i in range(k):
        ei = np.zeros(k)
        ei[i] = h[i]
        H[i, i] = (f(x0 + ei) - 2 * f0 + f(x0 - ei)) / h[i] ** 2
        for j in range(i):
            ej = np.zeros(k)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (f(x0 + ei + ej) - f(x0 + ei - ej) - f(x0 - ei + ej) + f(x0 - ei - ej)) / (
                4 * h[i] * h[j]
            )
    return H


@dataclass
class _Optimum:
    params: np.ndarray
    log_likelihood: float
    standard_errors: np.ndarray
    convergence: dict[str, Any]


def _maximise(
    negll: Callable[[np.ndarray], float],
    start: np.ndarray,
    names: tuple[str, ...],
    where: str,
    neg_grad: Callable[[np.ndarray], np.ndarray] | None = None,
    scale: float = 1.0,
    hint: str = "e.g. too few repeat purchases or too short a calibration period",
) -> _Optimum:
    """Maximise a log-likelihood over log-parameters; report convergence and standard errors.

    The optimiser sees the negative log-likelihood divided by ``scale`` (the
    number of observations) so that gradients are of order one and the first
    quasi-Newton step stays reasonable.
    """
    fun: Callable[..., Any]
    if neg_grad is not None:

        def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
            return negll(z) / scale, neg_grad(z) / scale

        jac: bool | None = True
    else:

        def fun(z: np.ndarray) -> float:
            return negll(z) / scale

        jac = None
    bounds = [(-12.0, 12.0)] * len(start)

    def _scaled_gradient(z: np.ndarray) -> float:
        if neg_grad is not None:
            g = neg_grad(z) / scale
        else:
            h = 1e-6
            g = np.array([(negll(z + h * e) - negll(z - h * e)) / (2 * h * scale) for e in np.eye(len(z))])
        return float(np.max(np.abs(g)))

    # BLAS threads only add overhead on 4-parameter problems (and stall on busy machines)
    with _single_thread_blas(), np.errstate(all="ignore"):
        res = optimize.minimize(
            fun,
            start,
            jac=jac,
            method="L-BFGS-B",
            bounds=bounds,
            options={"maxiter": 1000, "ftol": 1e-12, "gtol": 1e-6},
        )
        method = "L-BFGS-B"
        if not res.success and np.isfinite(res.fun) and _scaled_gradient(res.x) < 1e-5:
            # the line search stalls at the optimum when f cannot decrease in floating point
            res.success = True
            res.message = f"line search stopped ({res.message}) where max |gradient| < 1e-5 per observation: converged"
        if not res.success or not np.isfinite(res.fun):
            res2 = optimize.minimize(
                lambda z: negll(z) / scale,
                res.x if np.isfinite(res.fun) else start,
                method="Nelder-Mead",
                options={"maxiter": 4000, "xatol": 1e-9, "fatol": 1e-10},
            )
            if np.isfinite(res2.fun) and (not np.isfinite(res.fun) or res2.fun <= res.fun):
                res, method = res2, "Nelder-Mead"
        z = res.x
        H = _numerical_hessian(negll, z, neg_grad)
    grad_norm = _scaled_gradient(z) * scale  # of the total log-likelihood, numerical when no analytic gradient
    at_bound = bool(np.any(np.abs(z) >= 11.99))
    convergence = {
        "success": bool(res.success) and np.isfinite(res.fun) and not at_bound,
        "message": str(res.message),
        "method": method,
        "n_iterations": int(getattr(res, "nit", -1)),
        "n_function_evaluations": int(getattr(res, "nfev", -1)),
        "max_abs_gradient_log_params": grad_norm,
        "negative_log_likelihood": float(res.fun * scale),
        "at_bound": at_bound,
    }
    if not np.isfinite(res.fun):
        raise ConvergenceError(
            f"{where}: the log-likelihood could not be evaluated (non-finite) from the starting values; "
            "check the data (e.g. extreme frequencies) or pass other starting values via initial_params"
        )
    if at_bound:
        raise ConvergenceError(
            f"{where}: the estimate ran to the edge of the parameter space "
            f"({ {n: float(v) for n, v in zip(names, np.exp(z).round(6))} }); the data do not identify "
            f"the model - {hint}"
        )
    params = np.exp(z)
    # covariance of the natural parameters: J H_log^{-1} J with J = diag(params)
    try:
        cov_log = np.linalg.inv(H)
        se = params * np.sqrt(np.where(np.diag(cov_log) > 0, np.diag(cov_log), np.nan))
    except np.linalg.LinAlgError:
        se = np.full(len(params), np.nan)
    if not convergence["success"]:
        raise ConvergenceError(
            f"{where}: maximum likelihood did not converge ({res.message}); last parameters "
            f"{ {n: float(v) for n, v in zip(names, params.round(6))} }; try other initial_params"
        )
    return _Optimum(params, float(-res.fun * scale), se, convergence)


class _Fitter:
    """Shared scikit-learn-style plumbing: params_, summary(), not-fitted check."""

    _names: tuple[str, ...] = ()

    def __init__(self, initial_params: Any = None) -> None:
        self.initial_params = initial_params  # settings only; fit() learns params_

    def _check_fitted(self) -> None:
        check_is_fitted(self, "params_")

    def _store(self, opt: _Optimum, n: int) -> None:
        self.params_ = pd.Series(opt.params, index=list(self._names), name="estimate")
        self.standard_errors_ = pd.Series(opt.standard_errors, index=list(self._names), name="standard_error")
        self.log_likelihood_ = opt.log_likelihood
        self.convergence_ = opt.convergence
        self.n_observations_ = n

    def _start(self, default: tuple[float, ...]) -> np.ndarray:
        init = getattr(self, "initial_params", None)
        values = default if init is None else _positive_params(init, self._names, type(self).__name__)
        return np.log(np.asarray(values, dtype=np.float64))

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% Wald intervals.

        Returns
        -------
        DataFrame
            Indexed by parameter: ``estimate``, ``standard_error``,
            ``lower_95``, ``upper_95``.
        """
        self._check_fitted()
        out = pd.concat([self.params_, self.standard_errors_], axis=1)
        out["lower_95"] = out["estimate"] - 1.959964 * out["standard_error"]
        out["upper_95"] = out["estimate"] + 1.959964 * out["standard_error"]
        out.index.name = "parameter"
        return out

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            inner = ", ".join(f"{k}={v:.3f}" for k, v in self.params_.items())
            return f"{type(self).__name__}({inner})"
        return f"{type(self).__name__}()"


class _CountFitter(_Fitter):
    """Predictions shared by the purchase-count models (BG/NBD, Pareto/NBD).

    Subclasses name their model's functions; the mathematics stays in those
    module-level functions.
    """

    _expected: Callable[..., np.ndarray]
    _conditional: Callable[..., np.ndarray]
    _alive: Callable[..., np.ndarray]

    def expected_transactions(self, t: Any) -> np.ndarray:
        """Unconditional E[X(t)] for a randomly chosen customer (the model's ``*_expected_transactions``)."""
        self._check_fitted()
        return self._expected(self.params_, t)

    def predict(self, t: Any, data: pd.DataFrame) -> pd.Series:
        """Expected repeat transactions in the next ``t`` periods per customer.

        Parameters
        ----------
        t : float
            Length of the future window, in the unit of ``recency`` and ``T``.
        data : DataFrame
            Columns ``frequency``, ``recency``, ``T``.

        Returns
        -------
        Series
            ``expected_transactions``, indexed like ``data``.
        """
        self._check_fitted()
        x, tx, T = _rft_arrays(data, where=f"{type(self).__name__}.predict")
        values = self._conditional(self.params_, t, x, tx, T)
        return pd.Series(values, index=data.index, name="expected_transactions")

    def p_alive(self, data: pd.DataFrame) -> pd.Series:
        """P(alive) per customer (the model's ``*_p_alive``).

        Returns
        -------
        Series
            ``p_alive``, indexed like ``data``.
        """
        self._check_fitted()
        x, tx, T = _rft_arrays(data, where=f"{type(self).__name__}.p_alive")
        return pd.Series(self._alive(self.params_, x, tx, T), index=data.index, name="p_alive")


class BetaGeoFitter(_CountFitter):
    """BG/NBD model ("buy till you die") fitted by maximum likelihood.

    Parameters
    ----------
    initial_params : mapping, optional
        Starting values ``r``, ``alpha``, ``a``, ``b`` (default 1, mean
        inter-purchase time, 1, 1).

    Attributes
    ----------
    params_ : Series
        ``r``, ``alpha``, ``a``, ``b``.
    standard_errors_ : Series
        From the inverse numerical Hessian of the negative log-likelihood.
    log_likelihood_ : float
        Maximised log-likelihood.
    convergence_ : dict
        Optimiser report (``success``, ``message``, ``n_iterations``, ...).

    Notes
    -----
    Identical (x, t_x, T) rows are compressed into unique rows with weights;
    the optimiser (L-BFGS-B over log-parameters) uses the analytic gradient.
    See :func:`bgnbd_log_likelihood`.

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), 275-284.

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"frequency": [0, 1, 3, 0, 2, 5], "recency": [0, 4.0, 20.0, 0, 9.0, 30.0],
    ...                         "T": [30.0, 31.0, 32.0, 20.0, 25.0, 33.0]})
    >>> bg = BetaGeoFitter().fit(summary)
    >>> bg.convergence_["success"]
    True
    """

    _names = _BG_NAMES
    _expected = staticmethod(bgnbd_expected_transactions)
    _conditional = staticmethod(bgnbd_conditional_expected_transactions)
    _alive = staticmethod(bgnbd_p_alive)

    def fit(self, data: pd.DataFrame) -> "BetaGeoFitter":
        """Estimate the parameters from a customer summary.

        Parameters
        ----------
        data : DataFrame
            Columns ``frequency``, ``recency``, ``T`` (see :func:`customer_summary`).

        Returns
        -------
        BetaGeoFitter
            ``self``, fitted.

        Raises
        ------
        DataError
            Missing columns, negative values, fractional frequency, recency > T,
            or frequency 0 with recency != 0.
        ConvergenceError
            When the likelihood cannot be maximised.
        """
        where = "BetaGeoFitter.fit"
        x, tx, T = _rft_arrays(data, where=where)
        _require_repeaters(x, where)
        (x, tx, T), w = _compress(x, tx, T)
        mean_rate = max(float(np.sum(w * x) / np.sum(w * T)) if np.sum(w * T) > 0 else 1.0, 1e-3)
        start = self._start((1.0, 1.0 / mean_rate, 1.0, 1.0))

        groups = np.unique(x, return_inverse=True)
        cache: dict[str, Any] = {"z": None}

        def evaluate(z: np.ndarray) -> tuple[float, np.ndarray]:
            # L-BFGS-B asks for value and gradient at the same point: compute both once
            if cache["z"] is None or not np.array_equal(z, cache["z"]):
                p = np.exp(z)
                ll, g = _bgnbd_ll_grad(*p, x, tx, T, True, groups)
                assert g is not None
                cache.update(z=z.copy(), value=-float(ll @ w), grad=-(g @ w) * p)
            return cache["value"], cache["grad"]

        def negll(z: np.ndarray) -> float:
            return evaluate(z)[0]

        def neg_grad(z: np.ndarray) -> np.ndarray:
            return evaluate(z)[1]

        self._store(_maximise(negll, start, self._names, where, neg_grad, scale=float(w.sum())), len(data))
        return self


class ParetoNBDFitter(_CountFitter):
    """Pareto/NBD model fitted by maximum likelihood.

    Parameters
    ----------
    initial_params : mapping, optional
        Starting values ``r``, ``alpha``, ``s``, ``beta``.

    Attributes
    ----------
    params_, standard_errors_, log_likelihood_, convergence_
        As in :class:`BetaGeoFitter`; parameters ``r``, ``alpha``, ``s``, ``beta``.

    Notes
    -----
    The likelihood uses the Gaussian hypergeometric form with the
    :math:`\\alpha \\ge \\beta` / :math:`\\alpha < \\beta` branches, in the log
    domain (:func:`pareto_nbd_log_likelihood`); the gradient is numerical.

    References
    ----------
    Schmittlein, Morrison & Colombo (1987), Management Science 33(1), 1-24;
    Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and
    related expressions".

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"frequency": [0, 1, 3, 0, 2, 5], "recency": [0, 4.0, 20.0, 0, 9.0, 30.0],
    ...                         "T": [30.0, 31.0, 32.0, 20.0, 25.0, 33.0]})
    >>> ParetoNBDFitter().fit(summary).convergence_["success"]
    True
    """

    _names = _PNBD_NAMES
    _expected = staticmethod(pareto_nbd_expected_transactions)
    _conditional = staticmethod(pareto_nbd_conditional_expected_transactions)
    _alive = staticmethod(pareto_nbd_p_alive)

    def fit(self, data: pd.DataFrame) -> "ParetoNBDFitter":
        """Estimate the parameters from a customer summary (``frequency``, ``recency``, ``T``).

        Returns
        -------
        ParetoNBDFitter
            ``self``, fitted.

        Raises
        ------
        DataError
            Invalid summary (see :meth:`BetaGeoFitter.fit`).
        ConvergenceError
            When the likelihood cannot be maximised.
        """
        where = "ParetoNBDFitter.fit"
        x, tx, T = _rft_arrays(data, where=where)
        _require_repeaters(x, where)
        (x, tx, T), w = _compress(x, tx, T)
        mean_rate = max(float(np.sum(w * x) / np.sum(w * T)) if np.sum(w * T) > 0 else 1.0, 1e-3)
        start = self._start((1.0, 1.0 / mean_rate, 1.0, float(np.mean(T)) or 1.0))

        def negll(z: np.ndarray) -> float:
            r, al, s, be = np.exp(z)
            v = -float(np.sum(w * _pnbd_ll(r, al, s, be, x, tx, T)))
            return v if np.isfinite(v) else 1e300

        self._store(_maximise(negll, start, self._names, where, scale=float(w.sum())), len(data))
        return self


def _gg_arrays(data: pd.DataFrame, where: str) -> tuple[np.ndarray, np.ndarray]:
    x, m = _rft_arrays(data, where=where, columns=("frequency", "monetary_value"))
    bad = (x > 0) & (m <= 0)
    if bad.any():
        raise DataError(
            f"{where}: monetary_value should be > 0 for customers with repeat purchases but is 0 in "
            f"{first_rows(bad, data.index)}; drop zero-value transactions or these customers"
        )
    return x, m


class GammaGammaFitter(_Fitter):
    """Gamma-Gamma model of spend per transaction, fitted by maximum likelihood.

    Parameters
    ----------
    initial_params : mapping, optional
        Starting values ``p``, ``q``, ``gamma``.

    Attributes
    ----------
    params_, standard_errors_, log_likelihood_, convergence_
        As in :class:`BetaGeoFitter`; parameters ``p``, ``q``, ``gamma``.

    Notes
    -----
    Only customers with ``frequency > 0`` enter the fit; the model assumes
    spend is independent of the transaction process (check the correlation
    of ``frequency`` and ``monetary_value``). See :func:`gamma_gamma_log_likelihood`.

    References
    ----------
    Fader & Hardie (2013), The Gamma-Gamma model of monetary value;
    Fader, Hardie & Lee (2005), JMR 42(4), 415-430.

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"frequency": [1, 2, 3, 1, 4, 2, 0],
    ...                         "monetary_value": [20.0, 35.0, 28.0, 15.0, 40.0, 22.0, 0.0]})
    >>> GammaGammaFitter().fit(summary).convergence_["success"]
    True
    """

    _names = _GG_NAMES

    def fit(self, data: pd.DataFrame) -> "GammaGammaFitter":
        """Estimate p, q, gamma from ``frequency`` and ``monetary_value``.

        Returns
        -------
        GammaGammaFitter
            ``self``, fitted.

        Raises
        ------
        DataError
            Missing columns, negative or fractional values, zero spend with
            repeat purchases, or fewer than 3 customers with repeat purchases.
        ConvergenceError
            When the likelihood cannot be maximised.
        """
        where = "GammaGammaFitter.fit"
        x, m = _gg_arrays(data, where)
        keep = x > 0
        if keep.sum() < 3:
            raise DataError(f"{where}: need at least 3 customers with frequency > 0, got {int(keep.sum())}")
        (x, m), w = _compress(x[keep], m[keep])
        mean_m = float(np.sum(w * m) / np.sum(w))
        start = self._start((1.0, 2.0, mean_m))

        log_m, log_x = np.log(m), np.log(x)
        ux, inv = np.unique(x, return_inverse=True)  # special functions once per distinct frequency
        cache: dict[str, Any] = {"z": None}

        def evaluate(z: np.ndarray) -> tuple[float, np.ndarray]:
            if cache["z"] is None or not np.array_equal(z, cache["z"]):
                p, q, g = np.exp(z)
                px = p * x
                log_gmx = np.log(g + m * x)
                upx = p * ux
                psi_pxq = special.digamma(upx + q)[inv]
                lg = (special.gammaln(upx + q) - special.gammaln(upx))[inv]
                ll = lg - special.gammaln(q) + q * np.log(g) + (px - 1) * log_m + px * log_x - (px + q) * log_gmx
                d_p = x * (psi_pxq - special.digamma(upx)[inv] + log_m + log_x - log_gmx)
                d_q = psi_pxq - special.digamma(q) + np.log(g) - log_gmx
                d_g = q / g - (px + q) / (g + m * x)
                v = -float(ll @ w)
                cache.update(
                    z=z.copy(),
                    value=v if np.isfinite(v) else 1e300,
                    grad=-np.array([d_p @ w * p, d_q @ w * q, d_g @ w * g]),
                )
            return cache["value"], cache["grad"]

        def negll(z: np.ndarray) -> float:
            return evaluate(z)[0]

        def neg_grad(z: np.ndarray) -> np.ndarray:
            return evaluate(z)[1]

        self._store(_maximise(negll, start, self._names, where, neg_grad, scale=float(w.sum())), int(keep.sum()))
        return self

    def conditional_expected_spend(self, data: pd.DataFrame) -> pd.Series:
        """Expected spend per transaction per customer.

        Returns
        -------
        Series
            ``expected_spend``, indexed like ``data``; see
            :func:`gamma_gamma_conditional_expected_spend`.
        """
        self._check_fitted()
        x, m = _gg_arrays(data, "GammaGammaFitter.conditional_expected_spend")
        values = gamma_gamma_conditional_expected_spend(self.params_, x, m)
        return pd.Series(values, index=data.index, name="expected_spend")


class ShiftedBetaGeometricFitter(_Fitter):
    """Shifted-beta-geometric (sBG) model of contract renewals.

    Parameters
    ----------
    initial_params : mapping, optional
        Starting values ``alpha``, ``beta`` (default 1, 1).

    Attributes
    ----------
    params_, standard_errors_, log_likelihood_, convergence_
        As in :class:`BetaGeoFitter`; parameters ``alpha``, ``beta``.

    References
    ----------
    Fader & Hardie (2007), How to project customer retention, J. Interactive
    Marketing 21(1), 76-90.

    Examples
    --------
    >>> sbg = ShiftedBetaGeometricFitter().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> sbg.params_.round(3).to_dict()
    {'alpha': 0.704, 'beta': 1.182}
    >>> sbg.survival([8, 12]).round(3)
    array([0.22, 0.17])
    """

    _names = _SBG_NAMES

    def fit(self, survivors: Any) -> "ShiftedBetaGeometricFitter":
        """Estimate alpha, beta from the survivor counts of one cohort.

        Parameters
        ----------
        survivors : array-like
            Active customers at the start of periods 0, 1, ..., n
            (``survivors[0]`` is the cohort size).

        Returns
        -------
        ShiftedBetaGeometricFitter
            ``self``, fitted.

        Raises
        ------
        DataError
            Fewer than 2 counts, negative or increasing counts.
        ConvergenceError
            When the likelihood cannot be maximised.
        """
        where = "ShiftedBetaGeometricFitter.fit"
        n = _survivors_array(survivors, where)
        start = self._start((1.0, 1.0))

        def negll(z: np.ndarray) -> float:
            v = -_sbg_ll(*np.exp(z), n)
            return v if np.isfinite(v) else 1e300

        self._store(
            _maximise(
                negll,
                start,
                self._names,
                where,
                scale=float(n[0]),
                hint="e.g. (almost) nobody churned in the periods observed",
            ),
            len(n),
        )
        return self

    def survival(self, t: Any) -> np.ndarray:
        """S(t); see :func:`sbg_survival`."""
        self._check_fitted()
        return sbg_survival(self.params_, t)

    def retention(self, t: Any) -> np.ndarray:
        """r(t); see :func:`sbg_retention`."""
        self._check_fitted()
        return sbg_retention(self.params_, t)

    def derl(self, discount_rate: float, *, renewals: Any = 0) -> np.ndarray:
        """DERL; see :func:`sbg_derl`."""
        self._check_fitted()
        return sbg_derl(self.params_, discount_rate, renewals=renewals)


# ---------------------------------------------------------------------------
# CLV
# ---------------------------------------------------------------------------


def clv(
    transaction_model: BetaGeoFitter | ParetoNBDFitter,
    spend_model: GammaGammaFitter,
    data: pd.DataFrame,
    *,
    horizon: int,
    discount_rate: float,
    period_length: float = 1.0,
    margin: float = 1.0,
) -> pd.Series:
    """Discounted expected margin of each customer over a finite horizon.

    Parameters
    ----------
    transaction_model : BetaGeoFitter or ParetoNBDFitter
        Fitted purchase model.
    spend_model : GammaGammaFitter
        Fitted spend model.
    data : DataFrame
        Columns ``frequency``, ``recency``, ``T``, ``monetary_value``.
    horizon : int
        Number of discounting periods (e.g. 12 months).
    discount_rate : float
        Discount rate per discounting period (e.g. 0.01 a month).
    period_length : float, default 1.0
        Length of a discounting period in the model's time unit (e.g. 52/12
        weeks for months when ``recency``/``T`` are in weeks).
    margin : float, default 1.0
        Profit margin as a share of revenue.

    Returns
    -------
    Series
        ``clv`` per customer, indexed like ``data``; customer equity is its sum.

    Raises
    ------
    DataError
        Invalid summary, ``horizon`` < 1, negative ``discount_rate`` or
        ``period_length`` <= 0.

    Notes
    -----
    Expected transactions in each period k = 1..H are increments of the
    conditional expectation, priced at the Gamma-Gamma expected spend and
    discounted at the end of the period:

    .. math::

        CLV = m \\, E[M\\mid m_x, x] \\sum_{k=1}^{H}
        \\frac{E[Y(k\\ell)\\mid x, t_x, T] - E[Y((k-1)\\ell)\\mid x, t_x, T]}{(1+d)^k}

    This is the discrete approximation used with the BG/NBD model, not the
    continuous-time DERT of Fader, Hardie & Lee (2005, JMR).

    References
    ----------
    Fader, Hardie & Lee (2005), "RFM and CLV: Using iso-value curves for
    customer base analysis", JMR 42(4), 415-430, section "From CLV to DERT";
    Fader & Hardie (2013), The Gamma-Gamma model of monetary value, section 4.

    Examples
    --------
    >>> from crm_lessons.datasets import load_cdnow
    >>> s = customer_summary(load_cdnow(sample=True), calibration_end="1997-09-30")
    >>> bg, gg = BetaGeoFitter().fit(s), GammaGammaFitter().fit(s)
    >>> value = clv(bg, gg, s, horizon=12, discount_rate=0.01, period_length=52 / 12, margin=0.3)
    >>> round(float(value.sum()))
    21406
    """
    where = "clv"
    for m in (transaction_model, spend_model):
        if not isinstance(m, _Fitter):
            raise TypeError(f"{where}: expected fitted crm_lessons.clv models, got {type(m).__name__}")
        m._check_fitted()
    if isinstance(transaction_model, BetaGeoFitter):
        cond = bgnbd_conditional_expected_transactions
    elif isinstance(transaction_model, ParetoNBDFitter):
        cond = pareto_nbd_conditional_expected_transactions
    else:
        raise TypeError(f"{where}: transaction_model should be a BetaGeoFitter or ParetoNBDFitter")
    if int(horizon) != horizon or horizon < 1:
        raise DataError(f"{where}: horizon={horizon} should be a whole number >= 1")
    if not discount_rate >= 0:
        raise DataError(f"{where}: discount_rate={discount_rate} should be >= 0")
    if not period_length > 0:
        raise DataError(f"{where}: period_length={period_length} should be > 0")
    x, tx, T = _rft_arrays(data, where=where)
    x_m, m_x = _gg_arrays(data, where)
    spend = gamma_gamma_conditional_expected_spend(spend_model.params_, x_m, m_x)
    # customers with the same (x, t_x, T) have the same expected purchases: compute each history once
    (x, tx, T), inverse = _distinct_rows(x, tx, T)
    total = np.zeros(len(x))
    previous = np.zeros(len(x))
    for k in range(1, int(horizon) + 1):  # loop over periods, vectorised over distinct histories
        current = cond(transaction_model.params_, k * period_length, x, tx, T)
        total += (current - previous) / (1 + discount_rate) ** k
        previous = current
    return pd.Series(margin * spend * total[inverse], index=data.index, name="clv")


# ---------------------------------------------------------------------------
# Data for the chapter's figures (plotted by crm_lessons.plotting.clv)
# ---------------------------------------------------------------------------


def _expected_fn(model: Any, where: str) -> Callable[..., np.ndarray]:
    if isinstance(model, BetaGeoFitter):
        model._check_fitted()
        return lambda t: bgnbd_expected_transactions(model.params_, t)
    if isinstance(model, ParetoNBDFitter):
        model._check_fitted()
        return lambda t: pareto_nbd_expected_transactions(model.params_, t)
    raise TypeError(f"{where}: model should be a fitted BetaGeoFitter or ParetoNBDFitter, got {type(model).__name__}")


def tracking_data(
    transactions: pd.DataFrame,
    model: BetaGeoFitter | ParetoNBDFitter,
    *,
    calibration_end: Any,
    observation_end: Any,
    customer_col: str = "customer_id",
    date_col: str = "date",
    freq: str = "W",
) -> pd.DataFrame:
    """Cumulative repeat transactions per period: actual versus the model's expectation.

    Parameters
    ----------
    transactions : DataFrame
        The purchase log the model was calibrated on.
    model : BetaGeoFitter or ParetoNBDFitter
        Fitted model, in time unit ``freq``.
    calibration_end, observation_end : date-like
        End of calibration and of the whole tracking period.
    customer_col, date_col : str
        Column names.
    freq : {"W", "D"}, default "W"
        Time unit, as in :func:`customer_summary`.

    Returns
    -------
    DataFrame
        Indexed by ``period`` (1, 2, ... since the first purchase in the
        log): ``date`` (end of the period), ``actual`` and ``expected``
        cumulative repeat transactions of the customers acquired by
        ``calibration_end``, and ``calibration`` (True up to calibration_end).

    Raises
    ------
    DataError
        As :func:`customer_summary`.

    Notes
    -----
    :math:`\\text{expected}(t) = \\sum_i E[X(t - s_i)]` over customers with
    first purchase at :math:`s_i \\le t`; repeat purchases are counted per
    day as in :func:`customer_summary`.

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), Figure 2 (cumulative tracking plot).

    Examples
    --------
    >>> from crm_lessons.datasets import load_cdnow
    >>> tx = load_cdnow(sample=True)
    >>> bg = BetaGeoFitter().fit(customer_summary(tx, calibration_end="1997-09-30"))
    >>> d = tracking_data(tx, bg, calibration_end="1997-09-30", observation_end="1998-06-30")
    >>> d.loc[78, ["actual", "expected"]].round(0).tolist()
    [4339.0, 4161.0]
    """
    where = "tracking_data"
    data = require_dataframe(transactions, where=where)
    require_columns(data, {customer_col: "customer_col", date_col: "date_col"}, where=where)
    require_no_missing(data, customer_col, where=where)
    if freq not in UNIT_DAYS:
        raise DataError(f"{where}: freq={freq!r} is not supported; use 'W' (weeks) or 'D' (days)")
    expected_fn = _expected_fn(model, where)
    days = _as_days(data, date_col, where)
    cal = np.datetime64(to_timestamp(calibration_end, name="calibration_end", where=where).date(), "D").astype(np.int64)
    obs = np.datetime64(to_timestamp(observation_end, name="observation_end", where=where).date(), "D").astype(np.int64)
    if obs <= cal:
        raise DataError(f"{where}: observation_end should be after calibration_end")
    unit = UNIT_DAYS[freq]
    codes, _ = pd.factorize(data[customer_col].to_numpy())
    pairs = pd.DataFrame({"c": codes, "d": days}).drop_duplicates()
    pairs = pairs[pairs["d"] <= obs]
    first = pairs.groupby("c")["d"].transform("min")
    pairs = pairs[first <= cal]
    first = first[first <= cal]
    start = int(first.min())
    n_periods = int(np.ceil((obs - start + 1) / unit))
    edges = start + unit * np.arange(1, n_periods + 1) - 1  # last day of each period
    repeat_days = pairs.loc[pairs["d"] != first, "d"].to_numpy()
    actual = np.searchsorted(np.sort(repeat_days), edges, side="right")
    births, counts = np.unique(pairs.loc[pairs["d"] == first, "d"].to_numpy(), return_counts=True)
    age = (edges[:, None] - births[None, :]) / unit
    expected = (np.where(age > 0, expected_fn(np.maximum(age, 0.0)), 0.0) * counts).sum(axis=1)
    return pd.DataFrame(
        {
            "date": pd.to_datetime(edges.astype("datetime64[D]")),
            "actual": actual,
            "expected": expected,
            "calibration": edges <= cal,
        },
        index=pd.RangeIndex(1, n_periods + 1, name="period"),
    )


def holdout_by_frequency(
    model: BetaGeoFitter | ParetoNBDFitter, data: pd.DataFrame, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean hold-out purchases, actual and predicted, by calibration frequency.

    Parameters
    ----------
    model : BetaGeoFitter or ParetoNBDFitter
        Fitted model.
    data : DataFrame
        :func:`customer_summary` with hold-out columns.
    max_frequency : int, default 7
        Frequencies of at least this value are pooled in the last row (labelled ``'7+'``).

    Returns
    -------
    DataFrame
        Indexed by ``frequency`` (``'0'``, ``'1'``, ..., ``'7+'``): ``customers``,
        ``actual`` and ``expected`` mean number of hold-out transactions.

    Raises
    ------
    DataError
        Missing hold-out columns or an invalid summary.

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), Figure 4 (conditional expectations).

    Examples
    --------
    >>> from crm_lessons.datasets import load_cdnow
    >>> s = customer_summary(load_cdnow(sample=True), calibration_end="1997-09-30", observation_end="1998-06-30")
    >>> t = holdout_by_frequency(BetaGeoFitter().fit(s), s)
    >>> t.loc["0"].round(2).tolist()
    [1411.0, 0.24, 0.23]
    """
    where = "holdout_by_frequency"
    require_columns(data, {"frequency_holdout": "", "duration_holdout": ""}, where=where)
    if not isinstance(model, (BetaGeoFitter, ParetoNBDFitter)):
        raise TypeError(f"{where}: model should be a fitted BetaGeoFitter or ParetoNBDFitter")
    pred = model.predict(data["duration_holdout"].to_numpy(dtype=np.float64), data)
    x = data["frequency"].clip(upper=max_frequency).astype(int)
    labels = x.astype(str).where(x < max_frequency, f"{max_frequency}+")
    table = pd.DataFrame({"frequency": labels, "actual": data["frequency_holdout"], "expected": pred})
    out = table.groupby("frequency", sort=False).agg(
        customers=("actual", "size"), actual=("actual", "mean"), expected=("expected", "mean")
    )
    order = [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"]
    return out.reindex([o for o in order if o in out.index])


def p_alive_matrix(
    model: BetaGeoFitter | ParetoNBDFitter, *, T: float, max_frequency: int = 20, n_recency: int = 20
) -> pd.DataFrame:
    """P(alive) on a grid of frequency x recency for customers of age T.

    Parameters
    ----------
    model : BetaGeoFitter or ParetoNBDFitter
        Fitted model.
    T : float
        Age of the hypothetical customers (time since first purchase).
    max_frequency : int, default 20
        Rows 0..max_frequency.
    n_recency : int, default 20
        Number of recency columns, evenly spaced on (0, T].

    Returns
    -------
    DataFrame
        Index ``frequency``, columns ``recency`` values; cells P(alive)
        (row 0 is 1 for the BG/NBD, where a customer without repeat purchases cannot have dropped out).

    Raises
    ------
    DataError
        ``T`` not positive.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"frequency": [0, 1, 3, 0, 2, 5], "recency": [0, 4.0, 20.0, 0, 9.0, 30.0],
    ...                   "T": [30.0, 31.0, 32.0, 20.0, 25.0, 33.0]})
    >>> m = p_alive_matrix(BetaGeoFitter().fit(s), T=30, max_frequency=3, n_recency=3)
    >>> m.shape, bool(m.loc[3].is_monotonic_increasing)
    ((4, 3), True)
    """
    where = "p_alive_matrix"
    if not (np.isfinite(T) and T > 0):
        raise DataError(f"{where}: T={T} should be > 0")
    rec = np.linspace(T / n_recency, T, n_recency)
    x = np.arange(max_frequency + 1, dtype=np.float64)
    xx, rr = np.meshgrid(x, rec, indexing="ij")
    rr = np.where(xx == 0, 0.0, rr)
    if isinstance(model, BetaGeoFitter):
        model._check_fitted()
        pa = bgnbd_p_alive(model.params_, xx, rr, np.full_like(xx, T))
    elif isinstance(model, ParetoNBDFitter):
        model._check_fitted()
        pa = pareto_nbd_p_alive(model.params_, xx, rr, np.full_like(xx, T))
    else:
        raise TypeError(f"{where}: model should be a fitted BetaGeoFitter or ParetoNBDFitter")
    return pd.DataFrame(
        pa, index=pd.Index(x.astype(int), name="frequency"), columns=pd.Index(np.round(rec, 3), name="recency")
    )
