"""A/B tests (实验): did an interaction change the response, and how many customers does the next test need.

* :func:`ab_test`: difference in response rates between two arms with a confidence interval and a
  two-proportion z-test;
* :func:`ab_power`: the chance that a test of given size detects a given difference;
* :func:`ab_sample_size`: customers per arm for a wanted power.

Chapter 8 evaluates an interaction (an e-mail, a call script) this way; the functions are also
importable from :mod:`crm_lessons.service`, where the chapter calls them.
"""

from __future__ import annotations

import math

import pandas as pd

from crm_lessons._validation import DataError, check_scalar, first_rows, require_columns, require_dataframe

__all__ = ["ab_power", "ab_sample_size", "ab_test"]

# -- evaluating an interaction: A/B test ---------------------------------------------


def ab_test(
    data: pd.DataFrame,
    *,
    group_col: str,
    response_col: str,
    control: object,
    treatment: object,
    confidence: float = 0.95,
    method: str = "newcomb",
) -> pd.Series:
    """Compare the response rates of two versions of an interaction (an A/B test).

    Parameters
    ----------
    data : DataFrame
        One row per customer contacted.
    group_col : str
        Column naming the version each customer received.
    response_col : str
        0/1 (or boolean) response column, e.g. ``opened``.
    control, treatment : object
        The labels of the two versions in ``group_col``; the difference is
        ``treatment - control``.
    confidence : float, default 0.95
        Level of the interval for the difference.
    method : {"newcomb", "wald"}, default "newcomb"
        Interval for the difference: Newcombe's hybrid score interval (good
        for small counts) or the textbook Wald interval
        ``d +- z sqrt(p1 q1 / n1 + p2 q2 / n2)``.

    Returns
    -------
    Series
        ``n_control``, ``n_treatment``, ``rate_control``, ``rate_treatment``,
        ``difference``, ``ci_low``, ``ci_high``, ``z`` and ``p_value`` (the
        two-sided pooled z test of equal rates).

    Raises
    ------
    DataError
        For missing columns, a response that is not 0/1, a label not found,
        or a group without customers.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between
    independent proportions: comparison of eleven methods. *Statistics in
    Medicine*, 17(8), 873-890 (method 10).

    Examples
    --------
    >>> df = pd.DataFrame({"v": ["A"] * 100 + ["B"] * 100, "y": [1] * 10 + [0] * 90 + [1] * 20 + [0] * 80})
    >>> r = ab_test(df, group_col="v", response_col="y", control="A", treatment="B")
    >>> round(float(r["difference"]), 2), bool(r["p_value"] < 0.05)
    (0.1, True)
    """
    where = "ab_test"
    require_dataframe(data, where=where)
    require_columns(data, {group_col: "group_col", response_col: "response_col"}, where=where)
    level = check_scalar(confidence, "confidence", where=where, low=0, high=1, low_open=True, high_open=True)
    if method not in ("newcomb", "wald"):
        raise DataError(f"{where}: method={method!r} should be 'newcomb' or 'wald'")
    y = data[response_col]
    bad = ~y.isin([0, 1, True, False])
    if bad.any():
        raise DataError(
            f"{where}: column {response_col!r} should hold 0/1 responses but has other values in "
            f"{first_rows(bad.to_numpy(), data.index)}"
        )
    counts = {}
    for label in (control, treatment):
        mask = (data[group_col] == label).to_numpy()
        if not mask.any():
            raise DataError(
                f"{where}: no rows with {group_col} == {label!r}; labels present are "
                f"{sorted(map(str, data[group_col].dropna().unique()))}"
            )
        counts[label] = (int(y[mask].astype(int).sum()), int(mask.sum()))
    (x0, n0), (x1, n1) = counts[control], counts[treatment]
    from scipy import stats
    from statsmodels.stats.proportion import confint_proportions_2indep  # lazy: statsmodels is slow to import

    p0, p1 = x0 / n0, x1 / n1
    diff = p1 - p0
    if method == "wald":
        z_crit = stats.norm.ppf(0.5 + level / 2)
        se = math.sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)
        low, high = diff - z_crit * se, diff + z_crit * se
    else:
        low, high = confint_proportions_2indep(x1, n1, x0, n0, method="newcomb", compare="diff", alpha=1 - level)
    pooled = (x0 + x1) / (n0 + n1)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    z = diff / se0 if se0 > 0 else 0.0
    return pd.Series(
        {
            "n_control": float(n0),
            "n_treatment": float(n1),
            "rate_control": p0,
            "rate_treatment": p1,
            "difference": diff,
            "ci_low": float(low),
            "ci_high": float(high),
            "z": z,
            "p_value": float(2 * stats.norm.sf(abs(z))),
        }
    )


def _cohen_h(p_control: float, p_treatment: float) -> float:
    return 2 * math.asin(math.sqrt(p_treatment)) - 2 * math.asin(math.sqrt(p_control))


def ab_power(p_control: float, p_treatment: float, *, n_control: int, n_treatment: int, alpha: float = 0.05) -> float:
    """Power of a two-sided test to detect ``p_control`` vs ``p_treatment`` with the given group sizes.

    Parameters
    ----------
    p_control, p_treatment : float
        Response rates the test should tell apart (a *planned* effect, not
        the observed one: "observed power" only restates the p-value).
    n_control, n_treatment : int
        Customers per group.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    float
        Probability of a significant result when the rates really are
        ``p_control`` and ``p_treatment``.

    Raises
    ------
    DataError
        For rates outside (0, 1), equal rates or non-positive group sizes.

    Notes
    -----
    Normal approximation on Cohen's arcsine scale,
    ``h = 2 asin(sqrt(p_t)) - 2 asin(sqrt(p_c))``, with variance
    ``1/n_c + 1/n_t`` (Cohen 1988, chapter 6), as
    :class:`statsmodels.stats.power.NormalIndPower`.

    References
    ----------
    Cohen, J. (1988). *Statistical Power Analysis for the Behavioral
    Sciences* (2nd ed.). Erlbaum, chapter 6.

    Examples
    --------
    >>> round(ab_power(0.10, 0.15, n_control=700, n_treatment=700), 2)
    0.8
    """
    where = "ab_power"
    pc = check_scalar(p_control, "p_control", where=where, low=0, high=1, low_open=True, high_open=True)
    pt = check_scalar(p_treatment, "p_treatment", where=where, low=0, high=1, low_open=True, high_open=True)
    if pc == pt:
        raise DataError(f"{where}: p_control and p_treatment are equal ({pc}); give the effect to detect")
    nc = check_scalar(n_control, "n_control", where=where, integer=True, low=1)
    nt = check_scalar(n_treatment, "n_treatment", where=where, integer=True, low=1)
    a = check_scalar(alpha, "alpha", where=where, low=0, high=1, low_open=True, high_open=True)
    from statsmodels.stats.power import NormalIndPower

    return float(
        NormalIndPower().power(
            effect_size=abs(_cohen_h(pc, pt)), nobs1=nc, alpha=a, ratio=nt / nc, alternative="two-sided"
        )
    )


def ab_sample_size(
    p_control: float, p_treatment: float, *, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0
) -> pd.Series:
    """Customers needed per group to detect ``p_control`` vs ``p_treatment`` (two-sided test).

    Parameters
    ----------
    p_control, p_treatment : float
        The rates to tell apart (e.g. the current rate and the smallest
        improvement worth acting on).
    alpha : float, default 0.05
    power : float, default 0.8
    ratio : float, default 1.0
        Treatment group size / control group size.

    Returns
    -------
    Series
        ``n_control``, ``n_treatment`` (rounded up) and ``n_total``.

    Raises
    ------
    DataError
        As :func:`ab_power`.

    Notes
    -----
    ``n_control = (z_{1-alpha/2} + z_{power})^2 (1 + 1/ratio) / h^2`` with
    Cohen's ``h`` (see :func:`ab_power`).

    Examples
    --------
    >>> ab_sample_size(0.10, 0.15).to_dict()
    {'n_control': 681, 'n_treatment': 681, 'n_total': 1362}
    """
    where = "ab_sample_size"
    pc = check_scalar(p_control, "p_control", where=where, low=0, high=1, low_open=True, high_open=True)
    pt = check_scalar(p_treatment, "p_treatment", where=where, low=0, high=1, low_open=True, high_open=True)
    if pc == pt:
        raise DataError(f"{where}: p_control and p_treatment are equal ({pc}); give the effect to detect")
    a = check_scalar(alpha, "alpha", where=where, low=0, high=1, low_open=True, high_open=True)
    pw = check_scalar(power, "power", where=where, low=0, high=1, low_open=True, high_open=True)
    r = check_scalar(ratio, "ratio", where=where, low=0, low_open=True)
    from scipy import stats

    z = stats.norm.ppf(1 - a / 2) + stats.norm.ppf(pw)
    n_c = math.ceil(z**2 * (1 + 1 / r) / _cohen_h(pc, pt) ** 2 - 1e-9)
    n_t = math.ceil(n_c * r - 1e-9)
    return pd.Series({"n_control": n_c, "n_treatment": n_t, "n_total": n_c + n_t})
