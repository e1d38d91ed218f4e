"""Data for the chapter's figures (drawn by :mod:`crm_lessons.plotting.clv`): tracking, hold-out, P(alive)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    require_columns,
    require_dataframe,
    require_no_missing,
    to_timestamp,
)
from crm_lessons.clv._bgnbd import BetaGeoFitter, bgnbd_expected_transactions, bgnbd_p_alive
from crm_lessons.clv._pareto_nbd import ParetoNBDFitter, pareto_nbd_expected_transactions, pareto_nbd_p_alive
from crm_lessons.clv._summary import UNIT_DAYS, _as_days

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
    >>> from crm_lessons.clv import customer_summary
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
    >>> from crm_lessons.clv import customer_summary
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
