"""Process improvement: the "check" of PDCA, a before/after comparison that accounts for day-to-day noise."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_lessons._validation import DataError, check_scalar
from crm_lessons.service._waiting import simulate_queue

# -- PDCA: check a change against noise -------------------------------------------------


def simulate_daily_service(
    n_days: int,
    *,
    arrival_rate: float,
    aht: float,
    agents: int,
    hours: float,
    target_time: float,
    rate_sd: float = 0.1,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Daily service level and ASA of a call centre, simulated day by day (M/M/N within a day).

    Parameters
    ----------
    n_days : int
        Days to simulate.
    arrival_rate : float
        Mean calls per time unit (e.g. per minute).
    aht : float
        Average handling time (same unit).
    agents : int
        Agents on the phones.
    hours : float
        Length of the day in the same unit as ``aht`` x 60 / 60, i.e. the
        number of time units per day divided by 60 (minutes -> hours).
    target_time : float
        Answer-time target for the service level.
    rate_sd : float, default 0.1
        Day-to-day variation of the arrival rate (standard deviation of a
        lognormal factor), on top of Poisson noise.
    random_state : int or Generator, optional

    Returns
    -------
    DataFrame
        One row per ``day`` (1..n_days): ``calls``, ``service_level`` and ``asa``.

    Raises
    ------
    DataError
        For invalid inputs.

    Examples
    --------
    >>> d = simulate_daily_service(3, arrival_rate=1.6, aht=5.0, agents=10, hours=8, target_time=0.5,
    ...                            random_state=0)
    >>> d.shape
    (3, 3)
    """
    where = "simulate_daily_service"
    days = check_scalar(n_days, "n_days", where=where, integer=True, low=1)
    lam = check_scalar(arrival_rate, "arrival_rate", where=where, low=0, low_open=True)
    length = check_scalar(hours, "hours", where=where, low=0, low_open=True) * 60
    sd = check_scalar(rate_sd, "rate_sd", where=where, low=0)
    rng = np.random.default_rng(random_state)
    rows = []
    for day in range(1, days + 1):
        lam_day = lam * float(np.exp(rng.normal(-(sd**2) / 2, sd))) if sd > 0 else lam
        n = max(int(rng.poisson(lam_day * length)), 1)
        sim = simulate_queue(lam_day, aht=aht, agents=agents, n_customers=n, random_state=rng)
        w = sim["wait"].to_numpy()
        rows.append({"day": day, "calls": n, "service_level": float(np.mean(w <= target_time)), "asa": float(w.mean())})
    return pd.DataFrame(rows).set_index("day")


def compare_periods(
    before: Sequence[float] | pd.Series, after: Sequence[float] | pd.Series, *, confidence: float = 0.95
) -> pd.Series:
    """Before/after comparison of a daily metric that accounts for day-to-day noise (Welch t test).

    Parameters
    ----------
    before, after : sequence of float
        The metric on each day before and after a change (e.g. daily
        service level).
    confidence : float, default 0.95
        Level of the interval for the change.

    Returns
    -------
    Series
        ``n_before``, ``n_after``, ``mean_before``, ``mean_after``,
        ``change`` (after - before), ``ci_low``, ``ci_high``, ``t`` and
        ``p_value`` (two-sided Welch t test).

    Raises
    ------
    DataError
        With fewer than two finite values in a period.

    Notes
    -----
    Welch's test does not assume equal variances in the two periods.  It
    treats days as independent; with strong day-of-week patterns compare
    like days or use more weeks.

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when
    several different population variances are involved. *Biometrika*,
    34(1-2), 28-35.

    Examples
    --------
    >>> r = compare_periods([0.70, 0.72, 0.68, 0.71], [0.80, 0.79, 0.83, 0.81])
    >>> round(float(r["change"]), 3), bool(r["p_value"] < 0.01)
    (0.105, True)
    """
    where = "compare_periods"
    level = check_scalar(confidence, "confidence", where=where, low=0, high=1, low_open=True, high_open=True)
    x0 = np.asarray(before, dtype=float)
    x1 = np.asarray(after, dtype=float)
    for name, x in [("before", x0), ("after", x1)]:
        if x.ndim != 1 or np.isfinite(x).sum() < 2 or not np.isfinite(x).all():
            raise DataError(f"{where}: {name} should hold at least two finite daily values, got {x.tolist()[:5]}")
    from scipy import stats

    res = stats.ttest_ind(x1, x0, equal_var=False)
    ci = res.confidence_interval(confidence_level=level)
    return pd.Series(
        {
            "n_before": float(len(x0)),
            "n_after": float(len(x1)),
            "mean_before": float(x0.mean()),
            "mean_after": float(x1.mean()),
            "change": float(x1.mean() - x0.mean()),
            "ci_low": float(ci.low),
            "ci_high": float(ci.high),
            "t": float(res.statistic),
            "p_value": float(res.pvalue),
        }
    )
