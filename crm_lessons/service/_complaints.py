"""Complaints as a process: a simulated complaint log and its metrics (response, resolution, reopening)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crm_lessons._validation import DataError, check_scalar, first_rows, require_columns, require_dataframe

# -- complaints as a process -----------------------------------------------------------

_CHANNEL_SHARES = {"phone": 0.4, "email": 0.3, "web": 0.2, "social": 0.1}
_FIRST_RESPONSE_HOURS = {"phone": 1.0, "email": 12.0, "web": 4.0, "social": 2.0}


def simulate_complaint_log(
    n_complaints: int,
    *,
    start: str = "2024-01-01",
    days: int = 90,
    channel_shares: Mapping[str, float] | None = None,
    mean_first_response_hours: float | Mapping[str, float] | None = None,
    mean_resolution_hours: float = 48.0,
    reopen_rate: float = 0.1,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """A complaint log with known rates, for practising the process metrics.

    Parameters
    ----------
    n_complaints : int
        Complaints to generate.
    start : str, default "2024-01-01"
        First day of the log.
    days : int, default 90
        Complaints open uniformly over this many days.
    channel_shares : dict, optional
        Channel -> share of complaints (normalised); default phone 0.4,
        email 0.3, web 0.2, social 0.1.
    mean_first_response_hours : float or dict, optional
        Mean hours from opening to the first response (exponential), overall
        or per channel; default phone 1, email 12, web 4, social 2.
    mean_resolution_hours : float, default 48
        Mean hours from the first response to resolution (exponential).
    reopen_rate : float, default 0.1
        Probability that a resolved complaint is reopened (not really solved).
    random_state : int or Generator, optional

    Returns
    -------
    DataFrame
        ``complaint_id``, ``channel``, ``opened_at``, ``first_response_at``,
        ``resolved_at`` (timestamps) and ``reopened`` (bool).

    Raises
    ------
    DataError
        For invalid shares, means or rates.

    Notes
    -----
    With exponential times the truth is known in closed form: the share of
    first responses within ``s`` hours is ``1 - exp(-s / mean)``.

    Examples
    --------
    >>> log = simulate_complaint_log(5, random_state=0)
    >>> list(log.columns)
    ['complaint_id', 'channel', 'opened_at', 'first_response_at', 'resolved_at', 'reopened']
    """
    where = "simulate_complaint_log"
    n = check_scalar(n_complaints, "n_complaints", where=where, integer=True, low=1)
    d = check_scalar(days, "days", where=where, integer=True, low=1)
    t0 = pd.Timestamp(start)
    shares = dict(_CHANNEL_SHARES if channel_shares is None else channel_shares)
    for ch, s in shares.items():
        check_scalar(s, f"channel_shares[{ch!r}]", where=where, low=0, low_open=True)
    means = _FIRST_RESPONSE_HOURS if mean_first_response_hours is None else mean_first_response_hours
    if not isinstance(means, Mapping):
        means = {ch: means for ch in shares}
    for ch in shares:
        if ch not in means:
            raise DataError(f"{where}: mean_first_response_hours has no value for channel {ch!r}")
        check_scalar(means[ch], f"mean_first_response_hours[{ch!r}]", where=where, low=0, low_open=True)
    res = check_scalar(mean_resolution_hours, "mean_resolution_hours", where=where, low=0, low_open=True)
    rr = check_scalar(reopen_rate, "reopen_rate", where=where, low=0, high=1)
    rng = np.random.default_rng(random_state)
    names = list(shares)
    probs = np.array([shares[c] for c in names], dtype=float)
    channel = rng.choice(names, size=n, p=probs / probs.sum())
    opened = np.sort(rng.uniform(0, d * 24.0, size=n))
    first = rng.exponential(np.array([means[c] for c in channel], dtype=float))
    resolve = first + rng.exponential(res, size=n)
    reopened = rng.random(n) < rr

    def _at(h: np.ndarray) -> pd.Series:
        return pd.Series(t0 + pd.to_timedelta(h, unit="h")).dt.round("min")

    return pd.DataFrame(
        {
            "complaint_id": np.arange(1, n + 1),
            "channel": channel.astype(object),
            "opened_at": _at(opened),
            "first_response_at": _at(opened + first),
            "resolved_at": _at(opened + resolve),
            "reopened": reopened,
        }
    )


def complaint_metrics(
    log: pd.DataFrame,
    *,
    sla_first_response_hours: float,
    sla_resolution_hours: float,
    by: str | None = None,
    opened_col: str = "opened_at",
    first_response_col: str = "first_response_at",
    resolved_col: str = "resolved_at",
    reopened_col: str = "reopened",
) -> pd.Series | pd.DataFrame:
    """Service levels of the complaint process: response and resolution times, reopen rate.

    Parameters
    ----------
    log : DataFrame
        One row per complaint with timestamps and a reopened flag.
    sla_first_response_hours, sla_resolution_hours : float
        The promised times (service-level agreement, SLA) in hours.
    by : str, optional
        Column to group by (e.g. ``"channel"``); one row per group.
    opened_col, first_response_col, resolved_col, reopened_col : str
        Column names.

    Returns
    -------
    Series, or DataFrame when ``by`` is given
        ``complaints``, ``median_first_response_h``,
        ``first_response_within_sla``, ``median_resolution_h`` (opening to
        resolution), ``resolution_within_sla`` and ``reopen_rate``.
        Complaints not yet resolved (missing ``resolved_at``) count as not
        resolved within the SLA and are left out of the median.

    Raises
    ------
    DataError
        For missing columns or times, or a response or resolution before the
        opening.

    Examples
    --------
    >>> log = simulate_complaint_log(2000, mean_first_response_hours=4.0, random_state=1)
    >>> m = complaint_metrics(log, sla_first_response_hours=4, sla_resolution_hours=72)
    >>> bool(abs(m["first_response_within_sla"] - (1 - np.exp(-1))) < 0.03)
    True
    """
    where = "complaint_metrics"
    require_dataframe(log, where=where)
    cols = {
        opened_col: "opened_col",
        first_response_col: "first_response_col",
        resolved_col: "resolved_col",
        reopened_col: "reopened_col",
    }
    if by is not None:
        cols[by] = "by"
    require_columns(log, cols, where=where)
    s1 = check_scalar(sla_first_response_hours, "sla_first_response_hours", where=where, low=0, low_open=True)
    s2 = check_scalar(sla_resolution_hours, "sla_resolution_hours", where=where, low=0, low_open=True)
    opened = pd.to_datetime(log[opened_col])
    first = pd.to_datetime(log[first_response_col])
    resolved = pd.to_datetime(log[resolved_col])
    for name, col in [(opened_col, opened), (first_response_col, first)]:
        if col.isna().any():
            raise DataError(
                f"{where}: column {name!r} has missing times in {first_rows(col.isna().to_numpy(), log.index)}"
            )
    h1 = (first - opened).dt.total_seconds() / 3600
    h2 = (resolved - opened).dt.total_seconds() / 3600
    for name, h in [(first_response_col, h1), (resolved_col, h2)]:
        bad = (h < 0).to_numpy()
        if bad.any():
            raise DataError(
                f"{where}: {name!r} is before {opened_col!r} in {first_rows(bad, log.index)}; "
                "check the time stamps (time zone? swapped columns?)"
            )
    reopened = log[reopened_col].astype(bool)
    frame = pd.DataFrame({"h1": h1, "h2": h2, "reopened": reopened}, index=log.index)

    def _one(g: pd.DataFrame) -> pd.Series:
        return pd.Series(
            {
                "complaints": float(len(g)),
                "median_first_response_h": float(g["h1"].median()),
                "first_response_within_sla": float((g["h1"] <= s1).mean()),
                "median_resolution_h": float(g["h2"].median()),
                "resolution_within_sla": float((g["h2"] <= s2).mean()),
                "reopen_rate": float(g["reopened"].mean()),
            }
        )

    if by is None:
        return _one(frame)
    return pd.DataFrame({k: _one(g) for k, g in frame.groupby(log[by], sort=True)}).T.rename_axis(by)
