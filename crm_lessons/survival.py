"""Survival analysis of customer tenure: Kaplan-Meier curves, median survival, the log-rank test.

Tenure until churn is a time-to-event with censoring (customers still active have not churned
*yet*); chapter 7 compares the survival of contract types with these functions (Kaplan-Meier and
log-rank through statsmodels, imported inside the functions).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"tenure": [1, 2, 2, 3, 4, 5], "churn": [1, 1, 0, 1, 0, 1]})
>>> median_survival(df)["median"].tolist()
[3.0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # scikit-learn and statsmodels are imported inside the functions: importing them
    # adds warning filters, and importing crm_lessons must change no global state
    pass
__all__ = ["km_curves", "logrank_test", "median_survival"]

from crm_lessons._validation import (
    DataError,
    require_binary,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_non_negative,
    require_numeric,
)

# --------------------------------------------------------------------------- survival


def _survival_inputs(data, duration_col, event_col, group_col, where):
    require_dataframe(data, where=where)
    cols = {duration_col: "duration_col", event_col: "event_col"}
    if group_col is not None:
        cols[group_col] = "group_col"
    require_columns(data, cols, where=where)
    require_no_missing(data, duration_col, where=where)
    require_numeric(data, duration_col, where=where)
    require_non_negative(data, duration_col, where=where)
    event = require_binary(data, event_col, where=where)
    if group_col is None:
        groups = pd.Series("all", index=data.index)
    else:
        require_no_missing(data, group_col, where=where)
        groups = data[group_col]
    return data[duration_col].astype(float), event, groups


def km_curves(
    data: pd.DataFrame,
    *,
    duration_col: str = "tenure",
    event_col: str = "churn",
    group_col: str | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Kaplan-Meier survival ("still a customer") curves, one per group, as a tidy table.

    Parameters
    ----------
    data : DataFrame
        One row per customer.
    duration_col : str, default "tenure"
        Time observed (months); for customers still active it is censored.
    event_col : str, default "churn"
        True when the customer left at ``duration_col`` (event), False when
        still a customer (right-censored).
    group_col : str, optional
        One curve per value; ``None`` gives one curve labelled ``'all'``.
    alpha : float, default 0.05
        1 - level of the pointwise confidence band.

    Returns
    -------
    DataFrame
        ``group``, ``time`` (each distinct event time), ``survival``
        (:math:`\\hat S(t)`), ``ci_lower``, ``ci_upper``, ``at_risk``
        (customers still observed just before ``time``), ``events``.

    Raises
    ------
    DataError
        On missing columns, negative or missing durations, non-boolean events.

    Notes
    -----
    Kaplan-Meier: :math:`\\hat S(t) = \\prod_{t_j \\le t} (1 - d_j / n_j)`
    with :math:`d_j` events and :math:`n_j` at risk at :math:`t_j`
    (Kaplan & Meier 1958, eq. 2), computed by
    :class:`statsmodels.duration.survfunc.SurvfuncRight` with Greenwood
    standard errors.  The band uses the log(-log) transform,
    :math:`\\hat S^{\\exp(\\pm z\\,\\sigma)}` with
    :math:`\\sigma = se(\\hat S) / (\\hat S\\,|\\log \\hat S|)`
    (Kalbfleisch & Prentice 2002, eq. 1.14); it is undefined (NaN) where
    :math:`\\hat S` is 0 or 1.

    References
    ----------
    Kaplan, E. L., & Meier, P. (1958). Nonparametric estimation from
    incomplete observations. JASA 53(282), 457-481.
    Kalbfleisch, J. D., & Prentice, R. L. (2002). The Statistical Analysis of
    Failure Time Data, 2nd ed., Wiley, sec. 1.4.

    Examples
    --------
    >>> df = pd.DataFrame({"tenure": [1, 2, 2, 3], "churn": [True, True, False, False]})
    >>> km_curves(df)[["time", "survival", "at_risk"]]
       time  survival  at_risk
    0   1.0     0.750        4
    1   2.0     0.500        3
    """
    from scipy.stats import norm
    from statsmodels.duration.survfunc import SurvfuncRight  # lazy: see churn_rate_by

    where = "km_curves"
    t, e, groups = _survival_inputs(data, duration_col, event_col, group_col, where)
    z = norm.ppf(1 - alpha / 2)
    parts = []
    for name in sorted(groups.unique(), key=str):
        m = (groups == name).to_numpy()
        sf = SurvfuncRight(t.to_numpy()[m], e.to_numpy()[m])
        s = np.asarray(sf.surv_prob, dtype=float)
        se = np.asarray(sf.surv_prob_se, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma = se / (s * np.abs(np.log(s)))
            lower = s ** np.exp(z * sigma)
            upper = s ** np.exp(-z * sigma)
        ok = (s > 0) & (s < 1) & np.isfinite(sigma)
        parts.append(
            pd.DataFrame(
                {
                    "group": name,
                    "time": np.asarray(sf.surv_times, dtype=float),
                    "survival": s,
                    "ci_lower": np.where(ok, lower, np.nan),
                    "ci_upper": np.where(ok, upper, np.nan),
                    "at_risk": np.asarray(sf.n_risk, dtype="int64"),
                    "events": np.asarray(sf.n_events, dtype="int64"),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def median_survival(
    data: pd.DataFrame,
    *,
    duration_col: str = "tenure",
    event_col: str = "churn",
    group_col: str | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Median survival time per group (the tenure by which half the customers have left).

    Parameters
    ----------
    data, duration_col, event_col, group_col, alpha
        As in :func:`km_curves`.

    Returns
    -------
    DataFrame
        Indexed by ``group``: ``n_customers``, ``n_churned``, ``median``
        (NaN when :math:`\\hat S(t)` never falls to 0.5 - more than half the
        group is still a customer at the end of the data), ``ci_lower``,
        ``ci_upper`` (NaN when not bounded by the data).

    Raises
    ------
    DataError
        As in :func:`km_curves`.

    Notes
    -----
    Median: smallest :math:`t` with :math:`\\hat S(t) \\le 0.5`; interval by
    inverting the log(-log) test (Brookmeyer & Crowley 1982), as implemented
    by ``SurvfuncRight.quantile_ci``.

    References
    ----------
    Brookmeyer, R., & Crowley, J. (1982). A confidence interval for the
    median survival time. Biometrics 38(1), 29-41.

    Examples
    --------
    >>> df = pd.DataFrame({"tenure": [1, 2, 2, 3, 4, 5], "churn": [1, 1, 0, 1, 0, 1]})
    >>> median_survival(df)["median"].tolist()
    [3.0]
    """
    from statsmodels.duration.survfunc import SurvfuncRight  # lazy: see churn_rate_by

    where = "median_survival"
    t, e, groups = _survival_inputs(data, duration_col, event_col, group_col, where)
    rows = []
    for name in sorted(groups.unique(), key=str):
        m = (groups == name).to_numpy()
        sf = SurvfuncRight(t.to_numpy()[m], e.to_numpy()[m])
        with np.errstate(divide="ignore", invalid="ignore"):
            med = float(sf.quantile(0.5))
            lo, hi = (float(v) for v in sf.quantile_ci(0.5, alpha=alpha))
        rows.append(
            {
                "group": name,
                "n_customers": int(m.sum()),
                "n_churned": int(e.to_numpy()[m].sum()),
                "median": med,
                "ci_lower": lo if np.isfinite(lo) else np.nan,
                "ci_upper": hi if np.isfinite(hi) else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("group")


def logrank_test(
    data: pd.DataFrame,
    *,
    group_col: str,
    duration_col: str = "tenure",
    event_col: str = "churn",
) -> pd.Series:
    """Log-rank test that the survival curves of all groups are equal.

    Parameters
    ----------
    data : DataFrame
    group_col : str
        Column defining the groups (at least two values).
    duration_col, event_col : str
        As in :func:`km_curves`.

    Returns
    -------
    Series
        ``chi2`` (test statistic), ``dof`` (groups - 1), ``p_value``.

    Raises
    ------
    DataError
        On bad columns or fewer than two groups.

    Notes
    -----
    :math:`\\chi^2 = (O - E)^\\top V^{-1} (O - E)` over groups, with observed
    and expected events summed over event times (Mantel 1966), computed by
    :func:`statsmodels.duration.survfunc.survdiff`.

    References
    ----------
    Mantel, N. (1966). Evaluation of survival data and two new rank order
    statistics arising in its consideration. Cancer Chemotherapy Reports
    50(3), 163-170.

    Examples
    --------
    >>> df = pd.DataFrame({"tenure": [1, 2, 2, 3, 4, 5], "churn": [1, 1, 0, 1, 0, 1],
    ...                    "g": ["a", "a", "a", "b", "b", "b"]})
    >>> logrank_test(df, group_col="g").round(3).to_dict()
    {'chi2': 2.469, 'dof': 1.0, 'p_value': 0.116}
    """
    from statsmodels.duration.survfunc import survdiff  # lazy: see churn_rate_by

    where = "logrank_test"
    t, e, groups = _survival_inputs(data, duration_col, event_col, group_col, where)
    k = groups.nunique()
    if k < 2:
        raise DataError(f"{where}: column {group_col!r} has {k} group; the test needs at least 2")
    codes = pd.factorize(groups, sort=True)[0]
    chi2, p = survdiff(t.to_numpy(), e.to_numpy(), codes)
    return pd.Series({"chi2": float(chi2), "dof": float(k - 1), "p_value": float(p)})
