"""Customer churn: exploration, early-warning features and reasons, targeting lists, win-back.

Chapter 7 (客户流失预警与挽回, churn early warning and win-back) calls these
functions:

* exploration: :func:`churn_rate_by` (rate with a Wilson interval per group)
  and :func:`churn_by_tenure`;
* early-warning features: :func:`fill_total_charges`, :func:`prepare_telco_features`
  (explicit handling of the 11 blank ``total_charges``, leakage guard), and how to read a
  fitted logit: :func:`odds_ratios`, :func:`reason_contributions`;
* from scores to a list: :func:`warning_list` (预警名单 for a manager);
* non-contractual churn: :func:`inactivity_churn_labels` and
  :func:`churn_rate_by_threshold` (how the churn rate depends on the
  inactivity threshold);
* acting: :func:`winback_priority` (区别对待: how hard to try to win back each lost customer).

The general tools the chapter also uses live in modules named for them and stay importable
from here, as the chapters call them (``churn.km_curves``, ``churn.compare_models``, ...):
:mod:`crm_lessons.survival` (Kaplan-Meier curves, median survival, the log-rank test) and
:mod:`crm_lessons.scoring` (the classifier pipeline, model comparison, calibration, gains,
targeting, variance inflation).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"plan": ["a", "a", "b", "b"], "churn": [True, False, False, False]})
>>> churn_rate_by(df, "plan")["churn_rate"].tolist()
[0.5, 0.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # scikit-learn and statsmodels are imported inside the functions: importing them
    # adds warning filters, and importing crm_lessons must change no global state
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
from crm_lessons._validation import (
    DataError,
    check_is_fitted,
    first_rows,
    require_binary,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_non_negative,
    require_numeric,
    require_probabilities,
    to_timestamp,
)

# The general tools of the chapter live in modules named for them; the chapters call them from here.
from crm_lessons.scoring import ChurnModels as ChurnModels
from crm_lessons.scoring import Targeting as Targeting
from crm_lessons.scoring import calibration_table as calibration_table
from crm_lessons.scoring import compare_models as compare_models
from crm_lessons.scoring import gains_table as gains_table
from crm_lessons.scoring import make_churn_pipeline as make_churn_pipeline
from crm_lessons.scoring import targeting_curve as targeting_curve
from crm_lessons.scoring import variance_inflation as variance_inflation
from crm_lessons.survival import km_curves as km_curves
from crm_lessons.survival import logrank_test as logrank_test
from crm_lessons.survival import median_survival as median_survival

__all__ = [
    "DEFAULT_ACTIONS",
    "TELCO_LABELS",
    "TELCO_SERVICE_COLUMNS",
    "WINBACK_TIERS",
    "churn_by_tenure",
    "churn_rate_by",
    "churn_rate_by_threshold",
    "fill_total_charges",
    "inactivity_churn_labels",
    "odds_ratios",
    "prepare_telco_features",
    "reason_contributions",
    "warning_list",
    "winback_priority",
]

#: Service columns of the Telco data whose value "No internet service" /
#: "No phone service" repeats what ``internet_service`` / ``phone_service`` say.
TELCO_SERVICE_COLUMNS = (
    "multiple_lines",
    "online_security",
    "online_backup",
    "device_protection",
    "tech_support",
    "streaming_tv",
    "streaming_movies",
)

#: Chinese names of the Telco columns, used in labels and in the 预警名单.
TELCO_LABELS: dict[str, str] = {
    "gender": "性别",
    "senior_citizen": "老年客户",
    "partner": "有伴侣",
    "dependents": "有家属",
    "tenure": "在网月数",
    "phone_service": "电话服务",
    "multiple_lines": "多线路",
    "internet_service": "宽带类型",
    "online_security": "网络安全服务",
    "online_backup": "在线备份",
    "device_protection": "设备保护",
    "tech_support": "技术支持",
    "streaming_tv": "流媒体电视",
    "streaming_movies": "流媒体电影",
    "contract": "合约类型",
    "paperless_billing": "电子账单",
    "payment_method": "付款方式",
    "monthly_charges": "月费",
    "total_charges": "累计费用",
}

#: Default retention action per driving column (建议挽回措施).
DEFAULT_ACTIONS: dict[str, str] = {
    "contract": "推荐一年/两年合约优惠 (contract upgrade)",
    "tenure": "新客户关怀回访 (onboarding call)",
    "internet_service": "宽带服务质量回访 (service quality check)",
    "payment_method": "引导改用自动扣款 (auto-pay incentive)",
    "online_security": "赠送网络安全服务试用 (free add-on trial)",
    "tech_support": "赠送技术支持服务试用 (free add-on trial)",
    "online_backup": "赠送在线备份试用 (free add-on trial)",
    "device_protection": "赠送设备保护试用 (free add-on trial)",
    "monthly_charges": "套餐费用优化 (plan right-sizing)",
    "total_charges": "套餐费用优化 (plan right-sizing)",
    "paperless_billing": "账单说明与提醒 (billing clarity)",
}
_DEFAULT_ACTION = "客户经理电话回访 (account manager call)"


# --------------------------------------------------------------------------- exploration


def churn_rate_by(
    data: pd.DataFrame,
    column: str,
    *,
    churn_col: str = "churn",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Churn rate per value of a categorical column, with a Wilson confidence interval.

    Parameters
    ----------
    data : DataFrame
        One row per customer.
    column : str
        Grouping column (e.g. ``"contract"``).
    churn_col : str, default "churn"
        Boolean (or 0/1) column, true for customers who left.
    alpha : float, default 0.05
        1 - confidence level of the interval.

    Returns
    -------
    DataFrame
        Indexed by the values of ``column`` (observed categories only, sorted),
        with ``n_customers``, ``n_churned``, ``churn_rate``, ``ci_lower``,
        ``ci_upper``.

    Raises
    ------
    DataError
        If a column is missing, ``churn_col`` is not boolean/0-1, or
        ``column`` has missing values.

    Notes
    -----
    Wilson score interval for a proportion :math:`\\hat p = x/n` with
    :math:`z = z_{1-\\alpha/2}`:
    :math:`(\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}) / (1 + z^2/n)`,
    computed by :func:`statsmodels.stats.proportion.proportion_confint`.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. JASA 22(158), 209-212, eq. for the score interval.

    Examples
    --------
    >>> df = pd.DataFrame({"contract": ["m", "m", "m", "y"], "churn": [True, True, False, False]})
    >>> churn_rate_by(df, "contract").round(3)
              n_customers  n_churned  churn_rate  ci_lower  ci_upper
    contract
    m                   3          2       0.667     0.208     0.939
    y                   1          0       0.000     0.000     0.793
    """
    from statsmodels.stats.proportion import proportion_confint  # lazy: statsmodels adds warning filters on import

    where = "churn_rate_by"
    require_dataframe(data, where=where)
    require_columns(data, [column, churn_col], where=where)
    require_no_missing(data, column, where=where)
    y = require_binary(data, churn_col, where=where)
    if not 0 < alpha < 1:
        raise DataError(f"{where}: alpha={alpha} should be between 0 and 1, e.g. 0.05")
    g = y.groupby(data[column], observed=True, sort=True)
    out = pd.DataFrame({"n_customers": g.size(), "n_churned": g.sum()})
    out["churn_rate"] = out["n_churned"] / out["n_customers"]
    lo, hi = proportion_confint(out["n_churned"], out["n_customers"], alpha=alpha, method="wilson")
    out["ci_lower"] = np.asarray(lo, dtype=float)
    out["ci_upper"] = np.asarray(hi, dtype=float)
    out.index.name = column
    return out


def churn_by_tenure(
    data: pd.DataFrame,
    *,
    tenure_col: str = "tenure",
    churn_col: str = "churn",
    bins: Sequence[float] = (0, 6, 12, 24, 36, 48, 60, 72),
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Churn rate by tenure band (months since joining), with Wilson intervals.

    Parameters
    ----------
    data : DataFrame
    tenure_col : str, default "tenure"
        Months with the company (numeric, >= 0).
    churn_col : str, default "churn"
    bins : sequence of float
        Band edges; bands are closed on the right and the first includes its
        left edge: ``[0, 6], (6, 12], ...``.
    alpha : float, default 0.05

    Returns
    -------
    DataFrame
        Indexed by ``tenure_band`` (labels such as ``'0-6'``), with the columns
        of :func:`churn_rate_by`.

    Raises
    ------
    DataError
        If tenure is not numeric, negative, or outside the bins.

    Notes
    -----
    Same computation as :func:`churn_rate_by` after ``pandas.cut``.

    References
    ----------
    See :func:`churn_rate_by`.

    Examples
    --------
    >>> df = pd.DataFrame({"tenure": [1, 3, 20, 30], "churn": [True, False, False, False]})
    >>> churn_by_tenure(df, bins=(0, 12, 36))["churn_rate"].tolist()
    [0.5, 0.0]
    """
    where = "churn_by_tenure"
    require_dataframe(data, where=where)
    require_columns(data, {tenure_col: "tenure_col", churn_col: "churn_col"}, where=where)
    require_numeric(data, tenure_col, where=where)
    require_non_negative(data, tenure_col, where=where)
    edges = list(bins)
    labels = [f"{edges[i]:g}-{edges[i + 1]:g}" for i in range(len(edges) - 1)]
    band = pd.cut(data[tenure_col], edges, labels=labels, include_lowest=True)
    outside = band.isna().to_numpy()
    if outside.any():
        raise DataError(
            f"{where}: column {tenure_col!r} lies outside bins {edges} in {first_rows(outside, data.index)}; "
            "widen the bins"
        )
    frame = pd.DataFrame({"tenure_band": band, churn_col: data[churn_col]}, index=data.index)
    return churn_rate_by(frame, "tenure_band", churn_col=churn_col, alpha=alpha)


# --------------------------------------------------------------------------- features and models


def fill_total_charges(
    data: pd.DataFrame,
    *,
    total_col: str = "total_charges",
    tenure_col: str = "tenure",
) -> pd.DataFrame:
    """Fill blank total charges of customers not yet billed (tenure 0) with 0.

    Parameters
    ----------
    data : DataFrame
        Telco-like data, e.g. :func:`crm_lessons.datasets.load_telco`.
    total_col, tenure_col : str
        Column names.

    Returns
    -------
    DataFrame
        A copy with ``total_col`` filled where it was NaN; other columns unchanged.

    Raises
    ------
    DataError
        If a blank total belongs to a customer with ``tenure > 0`` (then it is
        a data error, not "not billed yet").

    Notes
    -----
    In the IBM Telco data the 11 blank ``TotalCharges`` all have
    ``tenure == 0``: new customers who have not received a bill.  Both
    plausible fills agree for them: 0 (nothing billed) and
    ``monthly_charges * tenure`` (= 0).  Dropping them would hide the newest
    customers; filling with a mean would invent charges.

    References
    ----------
    IBM Telco Customer Churn sample data, field ``TotalCharges``.

    Examples
    --------
    >>> df = pd.DataFrame({"tenure": [0, 5], "total_charges": [float("nan"), 100.0]})
    >>> fill_total_charges(df)["total_charges"].tolist()
    [0.0, 100.0]
    """
    where = "fill_total_charges"
    require_dataframe(data, where=where)
    require_columns(data, {total_col: "total_col", tenure_col: "tenure_col"}, where=where)
    blank = data[total_col].isna() & (data[tenure_col] > 0)
    if blank.any():
        raise DataError(
            f"{where}: column {total_col!r} is blank for customers with {tenure_col} > 0 in "
            f"{first_rows(blank, data.index)}; only not-yet-billed customers (tenure 0) may be filled with 0"
        )
    out = data.copy()
    out[total_col] = out[total_col].fillna(0.0)
    return out


def prepare_telco_features(
    data: pd.DataFrame,
    *,
    target_col: str = "churn",
    id_col: str = "customer_id",
    features: Sequence[str] | None = None,
    collapse_no_service: bool = True,
) -> tuple[pd.DataFrame, pd.Series]:
    """Feature matrix ``X`` and target ``y`` for the churn early-warning models.

    Parameters
    ----------
    data : DataFrame
        One row per customer, e.g. :func:`crm_lessons.datasets.load_telco`.
    target_col : str, default "churn"
        Boolean target.
    id_col : str, default "customer_id"
        Identifier; becomes the index of ``X`` and ``y``, never a feature.
    features : sequence of str, optional
        Columns to use; default all columns except ``target_col`` and ``id_col``.
    collapse_no_service : bool, default True
        Replace "No internet service" / "No phone service" in the service
        columns by "No" (``internet_service`` / ``phone_service`` already say
        it), which removes seven perfectly collinear dummies.

    Returns
    -------
    X : DataFrame
        Indexed by ``id_col``; boolean columns as "Yes"/"No" strings,
        ``total_charges`` filled by :func:`fill_total_charges`.
    y : Series of int
        1 = churned, same index.

    Raises
    ------
    DataError
        If ``target_col`` or ``id_col`` is among ``features`` (leakage: the
        model would learn the answer or memorise customers), if a feature is
        missing or has missing values, or if ids are duplicated.

    Notes
    -----
    Leakage guard: a feature that *is* the target (or a customer identifier)
    gives a perfect-looking model that cannot work on new customers.

    References
    ----------
    Kaufman, S., Rosset, S., Perlich, C., & Stitelman, O. (2012). Leakage in
    data mining: formulation, detection, and avoidance. ACM TKDD 6(4), sec. 2.

    Examples
    --------
    >>> from crm_lessons.datasets import load_telco
    >>> X, y = prepare_telco_features(load_telco())
    >>> X.shape, int(y.sum()), int(X["total_charges"].isna().sum())
    ((7043, 19), 1869, 0)
    """
    where = "prepare_telco_features"
    require_dataframe(data, where=where)
    require_columns(data, {target_col: "target_col", id_col: "id_col"}, where=where)
    if features is None:
        features = [c for c in data.columns if c not in (target_col, id_col)]
    features = list(features)
    leaked = [c for c in features if c in (target_col, id_col)]
    if leaked:
        raise DataError(
            f"{where}: features include {leaked}, which is the target or the customer id (leakage); "
            f"remove it from features"
        )
    require_columns(data, features, where=where)
    dup = data[id_col].duplicated().to_numpy()
    if dup.any():
        raise DataError(
            f"{where}: column {id_col!r} has duplicated ids in {first_rows(dup, data.index)}; keep one row per customer"
        )
    y = require_binary(data, target_col, where=where)
    X = data[features].copy()
    if "total_charges" in X and "tenure" in X:
        X = fill_total_charges(X)
    for col in features:
        require_no_missing(X, col, where=where)
        if pd.api.types.is_bool_dtype(X[col]):
            X[col] = X[col].map({True: "Yes", False: "No"}).astype(str)
        elif collapse_no_service and col in TELCO_SERVICE_COLUMNS:
            X[col] = X[col].replace({"No internet service": "No", "No phone service": "No"})
    X.index = pd.Index(data[id_col].to_numpy(), name=id_col)
    y.index = X.index
    y.name = target_col
    return X, y


def _origin_of_features(pre: ColumnTransformer) -> list[tuple[str, str | None]]:
    """For each output column of ``pre``: (original column, category or None for numerics)."""
    out: list[tuple[str, str | None]] = []
    for name, trans, cols in pre.transformers_:
        if len(cols) == 0 or isinstance(trans, str):  # no column of this kind ("drop"/"passthrough")
            continue
        if name == "cat":
            for col, cats, drop in zip(cols, trans.categories_, trans.drop_idx_):
                out.extend((col, str(c)) for j, c in enumerate(cats) if drop is None or j != drop)
        elif name == "num":
            out.extend((col, None) for col in cols)
    return out


def _logit_parts(pipeline: Pipeline, where: str):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    if not isinstance(pipeline, Pipeline) or "model" not in pipeline.named_steps:
        raise DataError(f"{where}: expected a pipeline from make_churn_pipeline('logit')")
    model = pipeline.named_steps["model"]
    if not isinstance(model, LogisticRegression):
        raise DataError(
            f"{where}: the pipeline's model is {type(model).__name__}; odds ratios need make_churn_pipeline('logit')"
        )
    check_is_fitted(pipeline, where=where, fit_call="fit(X, y)")
    return pipeline.named_steps["pre"], model


def odds_ratios(pipeline: Pipeline) -> pd.DataFrame:
    """Odds ratios of a fitted logistic early-warning model, with a sentence per feature.

    Parameters
    ----------
    pipeline : Pipeline
        Fitted :func:`make_churn_pipeline` ``("logit")``.

    Returns
    -------
    DataFrame
        Sorted by ``odds_ratio`` (descending): ``feature`` (original column),
        ``level`` (category, or ``'+1 SD'`` for numeric columns),
        ``reference`` (baseline category, or the standard deviation in the
        column's units), ``coefficient``, ``odds_ratio`` (:math:`e^\\beta`),
        ``label`` (a Chinese sentence).

    Raises
    ------
    DataError
        If the pipeline is not a fitted logistic pipeline.

    Notes
    -----
    With the other features fixed, being in ``level`` instead of
    ``reference`` multiplies the odds :math:`p/(1-p)` of churning by
    :math:`e^{\\beta}`; for a numeric column, one standard deviation more
    does (Hosmer, Lemeshow & Sturdivant 2013, sec. 3.3 and 3.4).  An odds
    ratio is not a ratio of probabilities.

    References
    ----------
    Hosmer, D. W., Lemeshow, S., & Sturdivant, R. X. (2013). Applied Logistic
    Regression, 3rd ed., ch. 3.

    Examples
    --------
    >>> from crm_lessons.datasets import load_telco
    >>> X, y = prepare_telco_features(load_telco())
    >>> pipe = make_churn_pipeline("logit").fit(X, y)
    >>> o = odds_ratios(pipe).set_index(["feature", "level"])
    >>> bool(o.loc[("contract", "Two year"), "odds_ratio"] < 0.5)
    True
    """
    pre, model = _logit_parts(pipeline, "odds_ratios")
    origins = _origin_of_features(pre)
    coef = model.coef_.ravel()
    refs: dict[str, str] = {}
    scales: dict[str, float] = {}
    for name, trans, cols in pre.transformers_:
        if len(cols) == 0 or isinstance(trans, str):
            continue
        if name == "cat":
            for col, cats, drop in zip(cols, trans.categories_, trans.drop_idx_):
                refs[col] = str(cats[drop]) if drop is not None else ""
        elif name == "num":
            scales.update(zip(cols, trans.scale_))
    rows = []
    for (col, level), b in zip(origins, coef):
        ratio = float(np.exp(b))
        cn = TELCO_LABELS.get(col, col)
        if level is None:
            sd = scales[col]
            ref = f"{sd:.4g}"
            step = f"{sd:,.0f}" if abs(sd) >= 100 else f"{sd:.3g}"
            label = f"{cn} ({col}) 每增加 {step} (1 个标准差)，流失几率变为原来的 {ratio:.2f} 倍"
            level = "+1 SD"
        else:
            ref = refs[col]
            label = f"{cn} ({col}) 为 {level} 的客户，流失几率是 {ref} 的 {ratio:.2f} 倍"
        rows.append(
            {
                "feature": col,
                "level": level,
                "reference": ref,
                "coefficient": float(b),
                "odds_ratio": ratio,
                "label": label,
            }
        )
    return pd.DataFrame(rows).sort_values("odds_ratio", ascending=False, ignore_index=True)


def reason_contributions(pipeline: Pipeline, X: pd.DataFrame) -> pd.DataFrame:
    """Each feature's contribution to each customer's churn log-odds, against the average customer.

    Parameters
    ----------
    pipeline : Pipeline
        Fitted :func:`make_churn_pipeline` ``("logit")``.
    X : DataFrame
        Customers to explain (columns as used in fitting).

    Returns
    -------
    DataFrame
        Same index as ``X``, one column per feature (in the order of ``X``): the summed
        contribution of its dummies (log-odds units); positive = pushes
        towards churn.

    Raises
    ------
    DataError
        If the pipeline is not a fitted logistic pipeline.

    Notes
    -----
    :math:`c_{ij} = \\sum_{k \\in j} \\beta_k (x_{ik} - \\bar x_k)`, with
    :math:`\\bar x_k` the mean of the transformed feature over ``X``, so the
    contributions of a customer sum to the difference between their
    log-odds and the log-odds at the mean of ``X``.  Summing over the dummies
    of a column makes the reference category visible too (a month-to-month
    customer gets a positive ``contract`` contribution).

    References
    ----------
    Hosmer, Lemeshow & Sturdivant (2013), eq. 1.1.

    Examples
    --------
    >>> from crm_lessons.datasets import load_telco
    >>> X, y = prepare_telco_features(load_telco())
    >>> pipe = make_churn_pipeline("logit").fit(X, y)
    >>> c = reason_contributions(pipe, X)
    >>> bool(c.loc[X["contract"] == "Month-to-month", "contract"].gt(0).all())
    True
    """
    pre, model = _logit_parts(pipeline, "reason_contributions")
    Z = pre.transform(X)
    Z = Z - Z.mean(axis=0)
    contrib = Z * model.coef_.ravel()
    cols = [col for col, _ in _origin_of_features(pre)]
    frame = pd.DataFrame(contrib, index=X.index, columns=pd.Index(cols))
    summed = frame.T.groupby(level=0, sort=False).sum().T
    return summed[[c for c in X.columns if c in summed.columns]]


def warning_list(
    X: pd.DataFrame,
    scores,
    *,
    pipeline: Pipeline,
    top_n: int | None = None,
    threshold: float | None = None,
    bands: tuple[float, float] = (0.5, 0.3),
    n_reasons: int = 3,
    actions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The early-warning list (预警名单) a manager receives: who, how risky, why, what to do.

    Parameters
    ----------
    X : DataFrame
        Customers (indexed by customer id), features as used by ``pipeline``.
    scores : array-like of float in [0, 1]
        Churn probability per row of ``X`` (from any model).
    pipeline : Pipeline
        Fitted logistic pipeline used to explain the reasons
        (:func:`reason_contributions`).
    top_n : int, optional
        Keep the ``top_n`` highest scores.
    threshold : float, optional
        Keep scores >= ``threshold`` (e.g. ``Targeting.break_even_score``).
        Give exactly one of ``top_n`` and ``threshold``.
    bands : (float, float), default (0.5, 0.3)
        Score cut-offs of the risk bands 高 (>= first) / 中 (>= second) / 低.
    n_reasons : int, default 3
        Number of reasons listed (largest positive contributions).
    actions : mapping, optional
        Column -> suggested action; default :data:`DEFAULT_ACTIONS`.

    Returns
    -------
    DataFrame
        Sorted by risk: ``customer_id``, ``risk_score``, ``risk_band``
        (高/中/低), ``reasons`` (e.g. ``'合约类型=Month-to-month; 在网月数=2'``),
        ``suggested_action`` (for the first reason).

    Raises
    ------
    DataError
        If both or neither of ``top_n`` / ``threshold`` are given, lengths
        differ, or scores are not probabilities.

    Notes
    -----
    Reasons are the features with the largest positive
    :math:`c_{ij}` of :func:`reason_contributions`: what makes this customer
    riskier than the average customer in the logit model.

    References
    ----------
    Neslin et al. (2006), sec. "Managerial implications".

    Examples
    --------
    >>> from crm_lessons.datasets import load_telco
    >>> X, y = prepare_telco_features(load_telco())
    >>> pipe = make_churn_pipeline("logit").fit(X, y)
    >>> wl = warning_list(X, pipe.predict_proba(X)[:, 1], pipeline=pipe, top_n=3)
    >>> list(wl.columns), len(wl), wl["risk_band"].tolist()
    (['customer_id', 'risk_score', 'risk_band', 'reasons', 'suggested_action'], 3, ['高', '高', '高'])
    """
    where = "warning_list"
    require_dataframe(X, where=where)
    p = require_probabilities(scores, where=where)
    if len(p) != len(X):
        raise DataError(f"{where}: X has {len(X)} rows but scores has {len(p)}")
    if (top_n is None) == (threshold is None):
        raise DataError(f"{where}: give exactly one of top_n=... or threshold=...")
    high, mid = bands
    if not 0 <= mid <= high <= 1:
        raise DataError(f"{where}: bands={bands} should be (high, medium) with 0 <= medium <= high <= 1")
    order = np.argsort(-p, kind="stable")
    if top_n is not None:
        keep = order[: max(int(top_n), 0)]
    else:
        keep = order[p[order] >= threshold]
    sub = X.iloc[keep]
    ps = p[keep]
    contrib = reason_contributions(pipeline, X).iloc[keep]
    acts = DEFAULT_ACTIONS if actions is None else actions
    reasons, suggested = [], []
    for i in range(len(sub)):
        row = contrib.iloc[i].sort_values(ascending=False)
        top = [c for c, v in row.items() if v > 0][:n_reasons]
        reasons.append("; ".join(f"{TELCO_LABELS.get(c, c)}={sub.iloc[i][c]}" for c in top))
        suggested.append(acts.get(top[0], _DEFAULT_ACTION) if top else _DEFAULT_ACTION)
    band = np.where(ps >= high, "高", np.where(ps >= mid, "中", "低"))
    return pd.DataFrame(
        {
            "customer_id": sub.index.to_numpy(),
            "risk_score": ps,
            "risk_band": band,
            "reasons": reasons,
            "suggested_action": suggested,
        }
    )


# --------------------------------------------------------------------------- non-contractual churn


def _tx_inputs(transactions, customer_col, date_col, as_of, where):
    require_dataframe(transactions, where=where)
    require_columns(transactions, {customer_col: "customer_col", date_col: "date_col"}, where=where)
    require_no_missing(transactions, customer_col, where=where)
    require_no_missing(transactions, date_col, where=where)
    if not pd.api.types.is_datetime64_any_dtype(transactions[date_col]):
        raise DataError(
            f"{where}: column {date_col!r} should hold dates, got dtype {transactions[date_col].dtype}; "
            "convert it with pandas.to_datetime"
        )
    return to_timestamp(as_of, name="as_of", where=where)


def inactivity_churn_labels(
    transactions: pd.DataFrame,
    *,
    as_of,
    threshold_days: int,
    customer_col: str = "customer_id",
    date_col: str = "date",
) -> pd.DataFrame:
    """Label customers as churned when they have not bought for more than ``threshold_days``.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    as_of : date-like
        Observation date; purchases after it are ignored, customers whose
        first purchase is after it are left out.
    threshold_days : int
        Inactivity threshold (> 0).
    customer_col, date_col : str

    Returns
    -------
    DataFrame
        Indexed by customer: ``last_purchase``, ``days_since_last``,
        ``churned`` (``days_since_last > threshold_days``).

    Raises
    ------
    DataError
        On missing columns, non-date ``date_col``, non-positive threshold, or
        no purchase on or before ``as_of``.

    Notes
    -----
    In a non-contractual setting (no cancellation is observed) churn must be
    *defined*: :math:`churned_i = 1[\\,as\\_of - last_i > \\tau\\,]`.  The rate
    depends on :math:`\\tau`; probabilistic alternatives such as the BG/NBD
    P(alive) avoid a fixed threshold (Fader, Hardie & Lee 2005, eq. 11).

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). "Counting your
    customers" the easy way. Marketing Science 24(2), 275-284.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2],
    ...                    "date": pd.to_datetime(["2020-01-01", "2020-03-01", "2020-01-15"])})
    >>> inactivity_churn_labels(tx, as_of="2020-03-31", threshold_days=60)
                last_purchase  days_since_last  churned
    customer_id
    1              2020-03-01               30    False
    2              2020-01-15               76     True
    """
    where = "inactivity_churn_labels"
    ts = _tx_inputs(transactions, customer_col, date_col, as_of, where)
    if not threshold_days > 0:
        raise DataError(f"{where}: threshold_days={threshold_days} should be > 0, e.g. 90")
    seen = transactions[transactions[date_col] <= ts]
    if len(seen) == 0:
        raise DataError(
            f"{where}: no purchase on or before as_of={ts.date()}; "
            f"the data start on {transactions[date_col].min().date()}"
        )
    last = seen.groupby(customer_col)[date_col].max()
    days = (ts - last).dt.days.astype("int64")
    return pd.DataFrame({"last_purchase": last, "days_since_last": days, "churned": days > threshold_days})


def churn_rate_by_threshold(
    transactions: pd.DataFrame,
    *,
    as_of,
    thresholds: Sequence[int],
    until=None,
    customer_col: str = "customer_id",
    date_col: str = "date",
) -> pd.DataFrame:
    """How the inactivity churn rate depends on the threshold, optionally checked against the future.

    Parameters
    ----------
    transactions : DataFrame
    as_of : date-like
        Observation date.
    thresholds : sequence of int
        Inactivity thresholds in days.
    until : date-like, optional
        End of a validation window after ``as_of``: then report how many
        "churned" customers bought again in ``(as_of, until]`` (false alarms).
    customer_col, date_col : str

    Returns
    -------
    DataFrame
        Indexed by ``threshold_days``: ``n_customers``, ``churn_rate``; with
        ``until`` also ``returned_if_churned`` (share of labelled churners who
        bought again) and ``returned_if_active``.

    Raises
    ------
    DataError
        As in :func:`inactivity_churn_labels`, or ``until`` not after ``as_of``.

    Notes
    -----
    :math:`rate(\\tau) = \\frac{1}{n} \\sum_i 1[as\\_of - last_i > \\tau]`,
    non-increasing in :math:`\\tau`.

    References
    ----------
    Fader, Hardie & Lee (2005), sec. 1 on "when is a customer dead".

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 2],
    ...                    "date": pd.to_datetime(["2020-01-01", "2020-03-01", "2020-01-15", "2020-05-01"])})
    >>> r = churn_rate_by_threshold(tx, as_of="2020-03-31", thresholds=[20, 60], until="2020-06-30")
    >>> r[["churn_rate", "returned_if_churned"]]
                    churn_rate  returned_if_churned
    threshold_days
    20                     1.0                  0.5
    60                     0.5                  1.0
    """
    where = "churn_rate_by_threshold"
    ts = _tx_inputs(transactions, customer_col, date_col, as_of, where)
    returned = None
    if until is not None:
        end = to_timestamp(until, name="until", where=where)
        if end <= ts:
            raise DataError(f"{where}: until={end.date()} should be after as_of={ts.date()}")
        window = transactions[(transactions[date_col] > ts) & (transactions[date_col] <= end)]
        returned = set(window[customer_col])
    rows = []
    for tau in thresholds:
        lab = inactivity_churn_labels(
            transactions, as_of=ts, threshold_days=tau, customer_col=customer_col, date_col=date_col
        )
        row = {"threshold_days": tau, "n_customers": len(lab), "churn_rate": float(lab["churned"].mean())}
        if returned is not None:
            back = lab.index.isin(list(returned))
            ch = lab["churned"].to_numpy()
            row["returned_if_churned"] = float(back[ch].mean()) if ch.any() else np.nan
            row["returned_if_active"] = float(back[~ch].mean()) if (~ch).any() else np.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index("threshold_days")


# --------------------------------------------------------------------------- reading and acting


#: Win-back tiers (区别对待不同的流失客户), from the most to the least effort.
WINBACK_TIERS: tuple[str, ...] = ("极力挽回", "尽力挽回", "见机行事", "彻底放弃")


def winback_priority(value: pd.Series, *, shares: tuple[float, float] = (0.2, 0.3), floor: float = 0.0) -> pd.DataFrame:
    """How hard to try to win back each lost customer (区别对待不同的流失客户).

    Parameters
    ----------
    value : Series
        Expected value of winning each lost customer back (e.g. the profit a
        returning customer brings times the chance the offer works, minus the
        offer's cost), indexed by customer.
    shares : (float, float), default (0.2, 0.3)
        Shares of the customers worth winning back (value > ``floor``) put
        into the first two tiers, from the most valuable down; the rest of
        them are the third tier.
    floor : float, default 0.0
        Customers whose value is at or below it are not worth winning back.

    Returns
    -------
    DataFrame
        Same index: ``value``, ``rank`` (1 = most valuable), ``tier``
        (ordered categorical of :data:`WINBACK_TIERS`): 极力挽回 (key
        customers), 尽力挽回 (ordinary customers), 见机行事 (small
        customers: win back when it is cheap), 彻底放弃 (not worth it).

    Raises
    ------
    DataError
        ``value`` not a numeric Series, missing values, or shares outside
        (0, 1) or summing to more than 1.

    Notes
    -----
    The four tiers follow the treatment of lost customers common in Chinese
    CRM textbooks (usually attributed to 苏朝晖《客户关系管理》, Tsinghua
    University Press; edition and pages not verified, and the course materials
    do not list it): try hardest to win back key customers (关键客户), try to
    win back ordinary ones (普通客户, next in value and able to grow), act when
    the chance arises for small customers (小客户), and let go of those not
    worth keeping.  Here "key", "ordinary" and "small" are ranks of ``value``
    set by ``shares``.  Ties in value keep their order in ``value``.

    Examples
    --------
    >>> v = pd.Series([500.0, 40, 120, -10, 80, 300, 60, 20, 90, 10], index=list("abcdefghij"))
    >>> winback_priority(v)["tier"].astype(str).to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'a': '极力挽回', 'b': '见机行事', 'c': '尽力挽回', 'd': '彻底放弃', 'e': '尽力挽回',
     'f': '极力挽回', 'g': '见机行事', 'h': '见机行事', 'i': '尽力挽回', 'j': '见机行事'}
    """
    where = "winback_priority"
    if not isinstance(value, pd.Series):
        raise DataError(f"{where}: value should be a pandas Series indexed by customer, got {type(value).__name__}")
    if not pd.api.types.is_numeric_dtype(value) or pd.api.types.is_bool_dtype(value):
        raise DataError(f"{where}: value should be numeric, got dtype {value.dtype}")
    if value.isna().any():
        raise DataError(
            f"{where}: value is missing for customers {list(value.index[value.isna()][:5])}; fill or drop them first"
        )
    first, second = (float(x) for x in shares)
    if not (0 < first < 1 and 0 < second < 1 and first + second <= 1):
        raise DataError(f"{where}: shares={tuple(shares)} should be two numbers in (0, 1) summing to at most 1")
    v = value.astype(np.float64)
    order = np.argsort(-v.to_numpy(), kind="stable")
    rank = np.empty(len(v), dtype=np.int64)
    rank[order] = np.arange(1, len(v) + 1)
    worth = v.to_numpy() > floor
    n_worth = int(worth.sum())
    cut1, cut2 = int(first * n_worth + 0.5), int((first + second) * n_worth + 0.5)  # half up
    tier = np.where(
        ~worth,
        WINBACK_TIERS[3],
        np.where(rank <= cut1, WINBACK_TIERS[0], np.where(rank <= cut2, WINBACK_TIERS[1], WINBACK_TIERS[2])),
    )
    out = pd.DataFrame({"value": v, "rank": rank}, index=value.index)
    out["tier"] = pd.Categorical(tier, categories=list(WINBACK_TIERS), ordered=True)
    return out
