"""Customer lifecycle (客户生命周期): stages and acquisition cohorts.

The course divides a customer relationship into five stages (潜在获取期,
客户成长期, 客户成熟期, 客户衰退期, 客户终止期); the four-stage model of the
Chinese literature (考察期, 形成期, 稳定期, 退化期) maps onto the first four.
On transaction data the stages are assigned by rules:

========================  ==================  ===========================================
stage                     阶段                 rule (defaults of :class:`LifecycleRules`)
========================  ==================  ===========================================
``acquisition``           潜在获取期           first purchase within 90 days, or one purchase only
``growth``                客户成长期           spend in the last 180 days up >= 20% on the 180 before,
                                              or stable but customer for under a year
``maturity``              客户成熟期           stable spend, customer for a year or more
``decline``               客户衰退期           spend in the last 180 days down >= 20% (or nothing)
``termination``           客户终止期           no purchase for more than 365 days
                                              (or P(alive) below a threshold, if given)
========================  ==================  ===========================================

The rules are a teaching device: transparent, parameterised, checked in the
order termination, acquisition, growth, decline, maturity
(:func:`stage_rules` lists them with the thresholds in force).  A
prospect who has not bought yet (the start of 潜在获取期 in the course) leaves
no transaction, so transaction data show only the buyers' part of that stage.
Probability models of "alive" customers are in :mod:`crm_lessons.clv`.

Examples
--------
>>> from crm_lessons.datasets import load_cdnow
>>> from crm_lessons.lifecycle import lifecycle_stage, stage_distribution
>>> stages = lifecycle_stage(load_cdnow(sample=True), as_of="1998-06-30")
>>> stage_distribution(stages)["customers"].to_dict()
{'acquisition': 0, 'growth': 317, 'maturity': 50, 'decline': 451, 'termination': 1539}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    first_rows,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_non_negative,
    require_numeric,
    to_timestamp,
)

__all__ = [
    "STAGES",
    "LifecycleRules",
    "lifecycle_stage",
    "stage_distribution",
    "stage_flow",
    "stage_rules",
    "stage_actions",
    "cohort_matrix",
    "stages_from_inputs",
    "cohort_matrix_from_counts",
]

STAGES: tuple[str, ...] = ("acquisition", "growth", "maturity", "decline", "termination")
_STAGES_ZH = {
    "acquisition": "潜在获取期",
    "growth": "客户成长期",
    "maturity": "客户成熟期",
    "decline": "客户衰退期",
    "termination": "客户终止期",
}


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds of the lifecycle stage rules (all durations in days).

    Parameters
    ----------
    new_days : int, default 90
        A customer whose first purchase is at most this many days before
        ``as_of`` is in the acquisition stage.
    window_days : int, default 180
        Length of the recent window and of the previous window it is compared with.
    growth_ratio : float, default 1.2
        Recent value >= ``growth_ratio`` x previous value means growth.
    decline_ratio : float, default 0.8
        Recent value <= ``decline_ratio`` x previous value means decline.
    maturity_days : int, default 365
        Stable customers with at least this tenure are mature; younger stable
        customers are still growing.
    termination_days : int, default 365
        No purchase for more than this many days means termination.
    p_alive_threshold : float, optional
        With ``p_alive`` passed to :func:`lifecycle_stage`, customers whose
        P(alive) is below this are also in termination.
    measure : {"amount", "purchases"}, default "amount"
        Compare the windows on spend or on number of purchases.

    Examples
    --------
    >>> LifecycleRules(termination_days=180).termination_days
    180
    """

    new_days: int = 90
    window_days: int = 180
    growth_ratio: float = 1.2
    decline_ratio: float = 0.8
    maturity_days: int = 365
    termination_days: int = 365
    p_alive_threshold: float | None = None
    measure: str = "amount"

    def __post_init__(self) -> None:
        for name in ("new_days", "window_days", "maturity_days", "termination_days"):
            v = getattr(self, name)
            if not (isinstance(v, (int, np.integer)) and v > 0):
                raise DataError(f"LifecycleRules: {name}={v!r} should be a whole number of days > 0")
        if not (0 < self.decline_ratio < 1 < self.growth_ratio):
            raise DataError(
                f"LifecycleRules: need 0 < decline_ratio={self.decline_ratio} < 1 < growth_ratio={self.growth_ratio}"
            )
        if self.p_alive_threshold is not None and not (0 < self.p_alive_threshold < 1):
            raise DataError(f"LifecycleRules: p_alive_threshold={self.p_alive_threshold} should be between 0 and 1")
        if self.measure not in ("amount", "purchases"):
            raise DataError(f"LifecycleRules: measure={self.measure!r} should be 'amount' or 'purchases'")


def _transactions(
    transactions: pd.DataFrame, customer_col: str, date_col: str, amount_col: str | None, where: str
) -> pd.DataFrame:
    """Validated copy with columns customer, date (datetime64), amount."""
    data = require_dataframe(transactions, where=where)
    cols = {customer_col: "customer_col", date_col: "date_col"}
    if amount_col is not None:
        cols[amount_col] = "amount_col"
    require_columns(data, cols, where=where)
    require_no_missing(data, customer_col, where=where)
    dates = data[date_col]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        try:
            dates = pd.to_datetime(dates)
        except (TypeError, ValueError) as exc:
            raise DataError(
                f"{where}: column {date_col!r} could not be read as dates ({exc}); use the form 'YYYY-MM-DD'"
            ) from exc
    if dates.isna().any():
        raise DataError(
            f"{where}: column {date_col!r} has missing dates in {first_rows(dates.isna().to_numpy(), data.index)}; "
            "fill or drop those rows first"
        )
    ids = data[customer_col]
    # a categorical column keeps its codes (grouped without hashing the ids again)
    ids = ids.array if isinstance(ids.dtype, pd.CategoricalDtype) else ids.to_numpy()
    out = pd.DataFrame({"customer": ids, "date": dates.dt.normalize().to_numpy()})
    if amount_col is not None:
        require_numeric(data, amount_col, where=where)
        require_no_missing(data, amount_col, where=where)
        require_non_negative(data, amount_col, where=where)
        out["amount"] = data[amount_col].to_numpy(dtype=np.float64)
    return out


def lifecycle_stage(
    transactions: pd.DataFrame,
    *,
    as_of: Any,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    rules: LifecycleRules | None = None,
    p_alive: pd.Series | None = None,
) -> pd.DataFrame:
    """Assign each customer a lifecycle stage from their purchase history as of a date.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    as_of : date-like
        Date of the assessment; later purchases are ignored and customers who
        first bought after it are left out.
    customer_col, date_col, amount_col : str
        Column names.
    rules : LifecycleRules, optional
        Thresholds; default ``LifecycleRules()``.
    p_alive : Series, optional
        P(alive) per customer (e.g. ``BetaGeoFitter.p_alive``), used with
        ``rules.p_alive_threshold``.

    Returns
    -------
    DataFrame
        Indexed by customer: ``first_purchase``, ``last_purchase``,
        ``n_purchases``, ``tenure_days`` (as_of - first purchase),
        ``days_since_last``, ``recent_value`` and ``previous_value`` (spend or
        purchases in the last ``window_days`` and the window before),
        ``stage`` (ordered categorical of :data:`STAGES`) and ``stage_zh``.

    Raises
    ------
    DataError
        Missing columns, bad dates or amounts, no customer before ``as_of``,
        ``p_alive`` given without ``rules.p_alive_threshold`` (or vice versa)
        or not covering every customer.

    Notes
    -----
    With recent value :math:`v_1` (days :math:`(a-w, a]`) and previous
    value :math:`v_0` (days :math:`(a-2w, a-w]`), rules in order:
    termination if days since last > ``termination_days``;
    acquisition if tenure <= ``new_days`` or a single purchase;
    growth if :math:`v_1 \\ge g v_0` and :math:`v_1 > 0`;
    decline if :math:`v_1 \\le d v_0`;
    otherwise maturity when tenure >= ``maturity_days``, else growth.

    References
    ----------
    Dwyer, F. R., Schurr, P. H., & Oh, S. (1987). Developing buyer-seller
    relationships. Journal of Marketing, 51(2), 11-27 (the relationship phases);
    Reinartz, W. J., & Kumar, V. (2003). The impact of customer relationship
    characteristics on profitable lifetime duration. Journal of Marketing, 67(1), 77-99.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["new", "up", "up", "up", "down", "down", "down", "gone"],
    ...     "date": ["2024-12-01", "2023-11-01", "2024-05-01", "2024-11-01",
    ...              "2023-06-01", "2024-05-01", "2024-10-01", "2023-06-01"],
    ...     "amount": [50, 10, 10, 40, 100, 100, 20, 30]})
    >>> lifecycle_stage(tx, as_of="2024-12-31")["stage"].astype(str).to_dict()
    {'down': 'decline', 'gone': 'termination', 'new': 'acquisition', 'up': 'growth'}
    """
    where = "lifecycle_stage"
    rules = LifecycleRules() if rules is None else rules
    if not isinstance(rules, LifecycleRules):
        raise TypeError(f"{where}: rules should be a LifecycleRules, got {type(rules).__name__}")
    if (p_alive is None) != (rules.p_alive_threshold is None):
        raise DataError(f"{where}: pass both p_alive and rules=LifecycleRules(p_alive_threshold=...), or neither")
    tx = _transactions(transactions, customer_col, date_col, amount_col, where)
    as_of_ts = to_timestamp(as_of, name="as_of", where=where).normalize()
    tx = tx[tx["date"] <= as_of_ts]
    if tx.empty:
        raise DataError(f"{where}: no purchase on or before as_of={as_of_ts.date()}; choose a later as_of")
    days_before = (as_of_ts - tx["date"]).dt.days.to_numpy()
    value = tx["amount"].to_numpy() if rules.measure == "amount" else np.ones(len(tx))
    w = rules.window_days
    tx = tx.assign(
        recent=np.where(days_before < w, value, 0.0),
        previous=np.where((days_before >= w) & (days_before < 2 * w), value, 0.0),
    )
    g = tx.groupby("customer", sort=True, observed=True)
    out = pd.DataFrame(
        {
            "first_purchase": g["date"].min(),
            "last_purchase": g["date"].max(),
            "n_purchases": g.size(),
            "recent_value": g["recent"].sum(),
            "previous_value": g["previous"].sum(),
        }
    )
    out.index.name = customer_col
    out["tenure_days"] = (as_of_ts - out["first_purchase"]).dt.days
    out["days_since_last"] = (as_of_ts - out["last_purchase"]).dt.days
    return stages_from_inputs(out, rules, p_alive=p_alive, where=where)


def stages_from_inputs(
    inputs: pd.DataFrame,
    rules: LifecycleRules,
    *,
    p_alive: pd.Series | None = None,
    where: str = "lifecycle_stage",
) -> pd.DataFrame:
    """The stage rules of :func:`lifecycle_stage` applied to per-customer inputs computed elsewhere.

    :func:`lifecycle_stage` computes the inputs from a transaction log with pandas; the engines
    (:func:`crm_lessons.engines.lifecycle_inputs`) and the report compute them their own way and
    share the rules through this function.

    Parameters
    ----------
    inputs : pandas.DataFrame
        Indexed by customer, with columns ``first_purchase``, ``last_purchase``, ``n_purchases``,
        ``tenure_days``, ``days_since_last``, ``recent_value`` and ``previous_value`` (the value in the
        last window of ``rules.window_days`` days and in the window before it). Not modified.
    rules : LifecycleRules
        The thresholds.
    p_alive : pandas.Series, optional
        P(alive) per customer; customers below ``rules.p_alive_threshold`` are terminated.
    where : str, default "lifecycle_stage"
        Name of the calling function, for the error messages.

    Returns
    -------
    pandas.DataFrame
        The inputs with ``stage`` (ordered categorical of :data:`STAGES`) and ``stage_zh``.

    Raises
    ------
    DataError
        If ``p_alive`` has no value for some customer.

    Examples
    --------
    >>> inputs = pd.DataFrame({"first_purchase": pd.to_datetime(["2023-01-01", "2024-01-20"]),
    ...                        "last_purchase": pd.to_datetime(["2024-01-10", "2024-01-20"]),
    ...                        "n_purchases": [6, 1], "tenure_days": [395, 11], "days_since_last": [21, 11],
    ...                        "recent_value": [50.0, 9.0], "previous_value": [100.0, 0.0]}, index=["a", "b"])
    >>> stages_from_inputs(inputs, LifecycleRules())["stage"].astype(str).to_dict()
    {'a': 'decline', 'b': 'acquisition'}
    """
    out = inputs.copy(deep=False)  # the stage columns are added to this copy, not to the caller's frame
    v1, v0 = out["recent_value"].to_numpy(), out["previous_value"].to_numpy()
    terminated = out["days_since_last"].to_numpy() > rules.termination_days
    if p_alive is not None:
        if not isinstance(p_alive, pd.Series):
            raise TypeError(f"{where}: p_alive should be a pandas Series indexed by customer")
        missing = ~out.index.isin(p_alive.index)
        if missing.any():
            raise DataError(f"{where}: p_alive has no value for customers {list(out.index[missing][:5])}")
        terminated |= p_alive.reindex(out.index).to_numpy() < rules.p_alive_threshold
    conditions = [
        terminated,
        (out["tenure_days"].to_numpy() <= rules.new_days) | (out["n_purchases"].to_numpy() == 1),
        (v1 >= rules.growth_ratio * v0) & (v1 > 0),
        v1 <= rules.decline_ratio * v0,
        out["tenure_days"].to_numpy() >= rules.maturity_days,
    ]
    choices = ["termination", "acquisition", "growth", "decline", "maturity"]
    order = list(STAGES)
    # stage codes, not strings: no text is made or hashed per customer
    code = np.select(conditions, [order.index(c) for c in choices], default=order.index("growth"))
    out["stage"] = pd.Categorical.from_codes(code, categories=order, ordered=True)
    out["stage_zh"] = pd.Series(np.array([_STAGES_ZH[s] for s in order], dtype=object)[code], index=out.index).astype(
        str
    )
    cols = [
        "first_purchase",
        "last_purchase",
        "n_purchases",
        "tenure_days",
        "days_since_last",
        "recent_value",
        "previous_value",
        "stage",
        "stage_zh",
    ]
    return out[cols]


def stage_distribution(stages: pd.DataFrame) -> pd.DataFrame:
    """Number and share of customers per lifecycle stage.

    Parameters
    ----------
    stages : DataFrame
        Output of :func:`lifecycle_stage` (column ``stage``).

    Returns
    -------
    DataFrame
        Indexed by ``stage`` (all five, in lifecycle order): ``stage_zh``,
        ``customers``, ``share``.

    Raises
    ------
    DataError
        When ``stage`` is missing or holds an unknown stage.

    Examples
    --------
    >>> import pandas as pd
    >>> d = stage_distribution(pd.DataFrame({"stage": ["growth", "growth", "decline", "maturity"]}))
    >>> d["share"].tolist()
    [0.0, 0.5, 0.25, 0.25, 0.0]
    """
    where = "stage_distribution"
    require_dataframe(stages, where=where)
    require_columns(stages, ["stage"], where=where)
    s = stages["stage"]
    if not (isinstance(s.dtype, pd.CategoricalDtype) and set(s.cat.categories) <= set(STAGES) and not s.isna().any()):
        s = s.astype(str)  # stage codes are counted as they are; other columns are checked value by value
        unknown = ~s.isin(STAGES)
        if unknown.any():
            raise DataError(
                f"{where}: unknown stage in {first_rows(unknown.to_numpy(), stages.index)}; expected one of {list(STAGES)}"
            )
    counts = s.value_counts().reindex(list(STAGES), fill_value=0)
    out = pd.DataFrame(
        {"stage_zh": [_STAGES_ZH[k] for k in STAGES], "customers": counts.to_numpy()},
        index=pd.Index(list(STAGES), name="stage"),
    )
    out["share"] = out["customers"] / out["customers"].sum()
    return out


def stage_rules(rules: LifecycleRules | None = None) -> pd.DataFrame:
    """The stage rules in the order they are applied, with the thresholds in force.

    Parameters
    ----------
    rules : LifecycleRules, optional
        Thresholds; default ``LifecycleRules()``.

    Returns
    -------
    DataFrame
        One row per rule, in the order :func:`lifecycle_stage` checks them
        (the first rule that holds decides): ``stage``, ``stage_zh``,
        ``rule_zh`` (the condition in Chinese, thresholds filled in).

    Examples
    --------
    >>> stage_rules(LifecycleRules(termination_days=270)).iloc[0]["rule_zh"]
    '距上次购买超过 270 天'
    """
    r = LifecycleRules() if rules is None else rules
    if not isinstance(r, LifecycleRules):
        raise TypeError(f"stage_rules: rules should be a LifecycleRules, got {type(r).__name__}")
    what = "消费金额" if r.measure == "amount" else "购买次数"
    w = r.window_days
    term = f"距上次购买超过 {r.termination_days} 天"
    if r.p_alive_threshold is not None:
        term += f"，或 P(alive) < {r.p_alive_threshold:g}"
    rows = [
        ("termination", term),
        ("acquisition", f"首购不超过 {r.new_days} 天，或只买过一次"),
        ("growth", f"最近 {w} 天的{what} ≥ 之前 {w} 天的 {r.growth_ratio:g} 倍（且大于 0）"),
        ("decline", f"最近 {w} 天的{what} ≤ 之前 {w} 天的 {r.decline_ratio:g} 倍"),
        ("maturity", f"其余（{what}稳定）且成为客户已满 {r.maturity_days} 天"),
        ("growth", f"其余（{what}稳定）但成为客户不满 {r.maturity_days} 天"),
    ]
    out = pd.DataFrame(rows, columns=["stage", "rule_zh"])
    out.insert(1, "stage_zh", out["stage"].map(_STAGES_ZH))
    out.index = pd.RangeIndex(1, len(out) + 1, name="order")
    return out


def stage_flow(
    transactions: pd.DataFrame,
    *,
    dates: Any,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    rules: LifecycleRules | None = None,
    value: str = "customers",
) -> pd.DataFrame:
    """Customers per lifecycle stage at several assessment dates: a cohort moving through its lifecycle.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    dates : sequence of date-like
        Assessment dates (``as_of`` of :func:`lifecycle_stage`), increasing.
    customer_col, date_col, amount_col : str
        Column names.
    rules : LifecycleRules, optional
        Thresholds; default ``LifecycleRules()``.
    value : {"customers", "share"}, default "customers"
        Number of customers per stage, or the share of the customers known on that date.

    Returns
    -------
    DataFrame
        Index ``as_of`` (Timestamps), one column per stage of :data:`STAGES`.

    Raises
    ------
    DataError
        No date, dates not increasing, unknown ``value``, or any error of
        :func:`lifecycle_stage` (e.g. no purchase before the first date).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": ["2024-01-01", "2024-06-01", "2024-01-10"],
    ...                    "amount": [10.0, 10.0, 5.0]})
    >>> stage_flow(tx, dates=["2024-02-01", "2025-06-30"])["termination"].tolist()
    [0, 2]
    """
    where = "stage_flow"
    if value not in ("customers", "share"):
        raise DataError(f"{where}: value={value!r} should be 'customers' or 'share'")
    stamps = [to_timestamp(d, name="dates", where=where).normalize() for d in dates]
    if not stamps:
        raise DataError(f"{where}: dates is empty; pass at least one assessment date")
    if any(b <= a for a, b in zip(stamps, stamps[1:])):
        raise DataError(f"{where}: dates should be increasing, got {[str(d.date()) for d in stamps]}")
    rows = {}
    for d in stamps:
        stages = lifecycle_stage(
            transactions, as_of=d, customer_col=customer_col, date_col=date_col, amount_col=amount_col, rules=rules
        )
        rows[d] = stage_distribution(stages)["customers" if value == "customers" else "share"]
    out = pd.DataFrame(rows).T
    out.index.name = "as_of"
    out.columns.name = "stage"
    return out


def stage_actions() -> pd.DataFrame:
    """Traits, typical CRM goals and actions for each lifecycle stage (Chinese and English).

    Returns
    -------
    DataFrame
        Indexed by ``stage``: ``stage_zh``, ``traits_zh``, ``traits``, ``goal_zh``,
        ``goal``, ``actions_zh``, ``actions``.

    Examples
    --------
    >>> stage_actions().loc["decline", "stage_zh"]
    '客户衰退期'
    """
    rows = [
        (
            "acquisition",
            "客户开始了解企业、试探性地首次购买；交易少，关系脆弱",
            "the customer gets to know the firm and tries a first purchase; few transactions, a fragile tie",
            "把首次购买者变成回头客",
            "turn first-time buyers into repeat buyers",
            "欢迎礼包、首单后跟进、引导第二次购买",
            "welcome offer, post-purchase follow-up, nudge to a second purchase",
        ),
        (
            "growth",
            "信任建立，购买次数和金额上升",
            "trust builds; purchases and spend rise",
            "提高购买频率与客户份额",
            "raise purchase frequency and share of wallet",
            "交叉销售、向上销售、会员升级",
            "cross-selling, up-selling, loyalty-tier upgrades",
        ),
        (
            "maturity",
            "交易量高而稳定，关系最深、最有价值",
            "high and steady transactions; the deepest, most valuable relationship",
            "维持关系、提高忠诚与推荐",
            "keep the relationship, build loyalty and referrals",
            "个性化服务、积分与特权、推荐奖励",
            "personalised service, points and privileges, referral rewards",
        ),
        (
            "decline",
            "购买减少或间隔拉长，关系开始松动",
            "purchases fall or gaps lengthen; the relationship loosens",
            "识别流失风险并挽留",
            "spot churn risk and retain",
            "流失预警、满意度回访、定向挽留优惠",
            "churn alerts, satisfaction calls, targeted retention offers",
        ),
        (
            "termination",
            "业务关系完全结束，相关事宜处理完毕",
            "the business relationship has ended and related matters are settled",
            "评估赢回价值，低成本赢回或放弃",
            "judge win-back value: win back cheaply or let go",
            "赢回活动、流失原因调研",
            "win-back campaigns, exit surveys",
        ),
    ]
    out = pd.DataFrame(rows, columns=["stage", "traits_zh", "traits", "goal_zh", "goal", "actions_zh", "actions"])
    out = out.set_index("stage")
    out.insert(0, "stage_zh", [_STAGES_ZH[k] for k in out.index])
    return out


def cohort_matrix(
    transactions: pd.DataFrame,
    *,
    freq: str = "M",
    as_of: Any = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    value: str = "share",
) -> pd.DataFrame:
    """Acquisition cohorts x periods since acquisition: share (or number) of customers active.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    freq : {"M", "Q", "W"}, default "M"
        Period length: month, quarter or week.
    as_of : date-like, optional
        Ignore later purchases; cells after the period of ``as_of`` (default:
        the last purchase) are missing (NaN), not zero.
    customer_col, date_col : str
        Column names.
    value : {"share", "customers"}, default "share"
        Share of the cohort active in the period, or the number active.

    Returns
    -------
    DataFrame
        Index ``cohort`` (period of first purchase, as a string such as
        ``'1997-01'``), columns ``0, 1, 2, ...`` (periods since acquisition;
        column 0 is 1.0 by construction for shares) and ``cohort_size`` as
        the first column.

    Raises
    ------
    DataError
        Missing columns or dates, unknown ``freq`` or ``value``, no purchase
        before ``as_of``.

    Notes
    -----
    Cell (c, k) = number of customers of cohort c with at least one
    purchase in period c + k, divided by the cohort size.  Reading down a
    column compares cohorts at the same age; reading along a row follows one
    cohort's repeat activity.

    References
    ----------
    Fader, P. S., & Hardie, B. G. S. (2010). Customer-base valuation in a
    contractual setting. Marketing Science, 29(1), 85-93 (cohort survival tables);
    Gupta, S., et al. (2006). Modeling customer lifetime value. Journal of
    Service Research, 9(2), 139-155.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3],
    ...                    "date": ["2024-01-05", "2024-03-01", "2024-01-20", "2024-02-02", "2024-03-09"]})
    >>> cohort_matrix(tx)
             cohort_size    0    1    2
    cohort
    2024-01            2  1.0  0.0  0.5
    2024-02            1  1.0  1.0  NaN
    """
    where = "cohort_matrix"
    if freq not in ("M", "Q", "W"):
        raise DataError(f"{where}: freq={freq!r} is not supported; use 'M' (month), 'Q' (quarter) or 'W' (week)")
    if value not in ("share", "customers"):
        raise DataError(f"{where}: value={value!r} should be 'share' or 'customers'")
    tx = _transactions(transactions, customer_col, date_col, None, where)
    if as_of is not None:
        as_of_ts = to_timestamp(as_of, name="as_of", where=where)
        tx = tx[tx["date"] <= as_of_ts]
        if tx.empty:
            raise DataError(f"{where}: no purchase on or before as_of={as_of_ts.date()}; choose a later as_of")
        last_period = as_of_ts.to_period(freq)
    else:
        last_period = tx["date"].max().to_period(freq)
    period = tx["date"].dt.to_period(freq)
    ordinal = period.array.asi8
    codes, _ = pd.factorize(tx["customer"])
    first = pd.Series(ordinal).groupby(codes).transform("min").to_numpy()
    active = pd.DataFrame({"cust": codes, "cohort": first, "age": ordinal - first}).drop_duplicates()
    long = active.groupby(["cohort", "age"]).size().rename("customers").reset_index()
    return cohort_matrix_from_counts(long, last_period=last_period.ordinal, freq=freq, value=value)


def cohort_matrix_from_counts(long: pd.DataFrame, *, last_period: int, freq: str, value: str = "share") -> pd.DataFrame:
    """The table of :func:`cohort_matrix` from the number of customers active per cohort and age.

    :func:`cohort_matrix` counts the customers with pandas; :func:`crm_lessons.engines.cohort_counts`
    counts them on an engine, and both build the matrix here.

    Parameters
    ----------
    long : pandas.DataFrame
        One row per (``cohort``, ``age``) with ``customers`` active: ``cohort`` is the period ordinal of the
        acquisition (``pandas.Period.ordinal``), ``age`` the periods since it.
    last_period : int
        Period ordinal of the last period observed; later cells are missing (NaN).
    freq : str
        The period frequency of the ordinals (``"M"``, ``"Q"``, ``"W"``).
    value : {"share", "customers"}, default "share"
        Share of the cohort active in the period, or the number active.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`cohort_matrix`: ``cohort_size`` then one column per age.

    Examples
    --------
    >>> jan = pd.Period("2024-01", freq="M").ordinal
    >>> long = pd.DataFrame({"cohort": [jan, jan, jan + 1], "age": [0, 1, 0], "customers": [4, 2, 5]})
    >>> cohort_matrix_from_counts(long, last_period=jan + 1, freq="M").to_dict("index")
    {'2024-01': {'cohort_size': 4, 0: 1.0, 1: 0.5}, '2024-02': {'cohort_size': 5, 0: 1.0, 1: nan}}
    """
    last_ord = last_period
    sizes = long.loc[long["age"] == 0].set_index("cohort")["customers"]
    counts = long.set_index(["cohort", "age"])["customers"].unstack("age", fill_value=0)
    counts = counts.reindex(columns=range(int(last_ord - counts.index.min()) + 1), fill_value=0)
    mask = (counts.index.to_numpy()[:, None] + counts.columns.to_numpy()[None, :]) > last_ord
    matrix = counts.astype(np.float64).mask(mask)
    if value == "share":
        matrix = matrix.div(sizes.reindex(matrix.index), axis=0)
    elif not mask.any():
        matrix = matrix.astype(np.int64)
    labels = pd.PeriodIndex.from_ordinals(matrix.index.to_numpy(), freq=freq).astype(str)
    matrix.index = pd.Index(labels, name="cohort")
    matrix.columns = pd.Index([int(c) for c in matrix.columns])
    matrix.insert(0, "cohort_size", sizes.to_numpy())
    return matrix
