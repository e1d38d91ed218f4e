"""Reading ratings: the net promoter score, importance-performance analysis and the satisfaction trap."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from crm_lessons._validation import (
    DataError,
    first_rows,
    require_dataframe,
    require_no_missing,
    require_numeric,
)
from crm_lessons.satisfaction._acsi import _check_items
from crm_lessons.satisfaction._levels import _as_float_array


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
