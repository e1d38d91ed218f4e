"""The ACSI model (Fornell et al. 1996): a simulated survey, Cronbach's alpha, composite scores, paths, the index."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    first_rows,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_numeric,
)

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
