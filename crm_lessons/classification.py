"""Customer classification by value: Pareto (20/80), Lorenz curve, ABC classes, customer pyramid.

Every function takes the value of each customer (usually revenue from
:func:`customer_value`) as a Series indexed by customer, or any 1-d array.

Three value schemes live here, each with its own source and labels:

* the course's ABC method = Curry's customer pyramid, customers ranked by
  value into 高端客户 (top 1 %), 大客户 (next 4 %), 中等客户 (next 15 %) and
  小客户 (the remaining 80 %): :data:`DEFAULT_TIERS`,
  :func:`customer_pyramid`, :func:`pyramid_tiers`;
* the course's importance split by profit, 贵宾型 + 重要型 客户 (together
  about 20 % of customers, said to bring about 80 % of profit) and 普通型
  客户: :func:`importance_classes`;
* Zeithaml, Rust & Lemon's profitability tiers platinum / gold / iron /
  lead, which fix *no* shares (the firm sets profit cut-offs; lead customers
  cost more than they bring): :func:`zrl_tiers`.

The inventory ABC rule (classes closing at 80 % and 95 % of cumulative
value), often also called "ABC", is :func:`abc_classes`, a variant.

References
----------
Curry, J. & Curry, A. (2000). *The Customer Marketing Method: How to
Implement and Profit from Customer Relationship Management*. Free Press
(the customer pyramid: top 1 %, big 4 %, medium 15 %, small 80 %).

Zeithaml, V. A., Rust, R. T. & Lemon, K. N. (2001). The customer pyramid:
creating and serving profitable customers. *California Management Review*
43(4), 118-142 (platinum, gold, iron and lead tiers by profitability).

Lorenz, M. O. (1905). Methods of measuring the concentration of wealth.
*Publications of the American Statistical Association* 9(70), 209-219.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

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

__all__ = [
    "customer_value",
    "lorenz_curve",
    "gini",
    "top_share",
    "customers_for_share",
    "abc_classes",
    "abc_summary",
    "ABC_CLASSES_ZH",
    "DEFAULT_TIERS",
    "DEFAULT_TIER_LABELS_ZH",
    "IMPORTANCE_LABELS_ZH",
    "ZRL_TIER_LABELS_ZH",
    "customer_pyramid",
    "pyramid_summary",
    "pyramid_tiers",
    "importance_classes",
    "importance_summary",
    "zrl_tiers",
    "customer_profitability",
]

#: Curry & Curry (2000) customer pyramid, the course's ABC method: share of
#: customers per class, from the top (top 1 %, big 4 %, medium 15 %, small 80 %).
DEFAULT_TIERS: dict[str, float] = {"top": 0.01, "big": 0.04, "medium": 0.15, "small": 0.80}
#: The course's names of the four ABC classes (Curry's top, big, medium, small customers).
DEFAULT_TIER_LABELS_ZH: dict[str, str] = {
    "top": "高端客户",
    "big": "大客户",
    "medium": "中等客户",
    "small": "小客户",
}
#: The four ABC classes of the course, from the most valuable.
ABC_CLASSES_ZH: tuple[str, ...] = tuple(DEFAULT_TIER_LABELS_ZH.values())
#: The course's classes by importance to profit (贵宾型 + 重要型 ≈ 20 % of customers).
IMPORTANCE_LABELS_ZH: dict[str, str] = {"vip": "贵宾型客户", "key": "重要型客户", "ordinary": "普通型客户"}
#: Zeithaml, Rust & Lemon (2001) profitability tiers (no fixed shares).
ZRL_TIER_LABELS_ZH: dict[str, str] = {"platinum": "铂金层", "gold": "黄金层", "iron": "铁层", "lead": "铅层"}


def _as_values(values: Any, *, where: str, name: str = "values", allow_negative: bool = False) -> pd.Series:
    """Return ``values`` as a float Series (index kept) after checking it."""
    if isinstance(values, pd.DataFrame):
        raise DataError(
            f"{where}: {name} should be one column (a Series), got a DataFrame; select a column, e.g. df['revenue']"
        )
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    if s.ndim != 1 or len(s) == 0:
        raise DataError(f"{where}: {name} should be a non-empty 1-d Series or array")
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise DataError(f"{where}: {name} should be numeric, got dtype {s.dtype}; convert with pandas.to_numeric")
    missing = s.isna().to_numpy()
    if missing.any():
        raise DataError(
            f"{where}: {name} has missing values in {first_rows(missing, s.index)}; fill or drop them first"
        )
    if not np.isfinite(s.to_numpy(dtype="float64")).all():
        raise DataError(f"{where}: {name} should be finite numbers; found inf")
    neg = (s < 0).to_numpy()
    if neg.any() and not allow_negative:
        raise DataError(
            f"{where}: {name} should be >= 0 but is negative in {first_rows(neg, s.index)}; "
            "customers with net returns have no place on a value ranking - drop them or set them to 0"
        )
    if float(s.sum()) <= 0:
        raise DataError(f"{where}: {name} sum to 0; at least one customer needs a positive value")
    return s.astype("float64")


def customer_value(
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    amount_col: str = "amount",
) -> pd.Series:
    """Total revenue per customer.

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction.
    customer_col, amount_col : str
        Column names.

    Returns
    -------
    Series
        ``revenue`` (float), the sum of ``amount_col``, indexed by customer
        id (sorted, index named ``customer_col``).

    Raises
    ------
    DataError
        Missing column, missing values, non-numeric amounts.

    Notes
    -----
    ``revenue_i = sum_t amount_it``; returns (negative amounts) are netted.

    References
    ----------
    Curry & Curry (2000) (customers ranked by revenue).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [2, 1, 2], "amount": [5.0, 3.0, 7.0]})
    >>> customer_value(tx)
    customer_id
    1     3.0
    2    12.0
    Name: revenue, dtype: float64
    """
    where = "customer_value"
    require_dataframe(transactions, where=where)
    require_columns(transactions, {customer_col: "customer_col", amount_col: "amount_col"}, where=where)
    require_no_missing(transactions, customer_col, where=where)
    require_no_missing(transactions, amount_col, where=where)
    require_numeric(transactions, amount_col, where=where)
    revenue = (
        transactions[amount_col].astype("float64").groupby(transactions[customer_col], sort=True, observed=True).sum()
    )
    revenue.name = "revenue"
    revenue.index.name = customer_col
    return revenue


def lorenz_curve(values: pd.Series | np.ndarray) -> pd.DataFrame:
    """Points of the Lorenz curve of customer value.

    Parameters
    ----------
    values : Series or array
        Non-negative value per customer, positive in total.

    Returns
    -------
    DataFrame
        ``n + 1`` rows with columns ``customer_share`` (``i/n``) and
        ``value_share`` (share of total value held by the ``i`` customers
        with the *lowest* value), from (0, 0) to (1, 1).

    Raises
    ------
    DataError
        Negative, missing or non-numeric values, or a zero total.

    Notes
    -----
    With values sorted ascending ``x_(1) <= ... <= x_(n)``:
    ``L(i/n) = sum_{j<=i} x_(j) / sum_j x_j``.  The curve is non-decreasing
    and convex, and lies below the diagonal.

    References
    ----------
    Lorenz (1905).

    Examples
    --------
    >>> lorenz_curve([1, 3, 6])
       customer_share  value_share
    0        0.000000          0.0
    1        0.333333          0.1
    2        0.666667          0.4
    3        1.000000          1.0
    """
    s = _as_values(values, where="lorenz_curve")
    x = np.sort(s.to_numpy())
    n = len(x)
    cum = np.concatenate([[0.0], np.cumsum(x)])
    return pd.DataFrame({"customer_share": np.arange(n + 1) / n, "value_share": cum / cum[-1]})


def gini(values: pd.Series | np.ndarray) -> float:
    """Gini coefficient of customer value (0 = all equal, towards 1 = concentrated).

    Parameters
    ----------
    values : Series or array
        Non-negative value per customer, positive in total.

    Returns
    -------
    float

    Raises
    ------
    DataError
        Negative, missing or non-numeric values, or a zero total.

    Notes
    -----
    With values sorted ascending and ranks ``i = 1..n``:

    ``G = 2 sum_i i x_(i) / (n sum_i x_i) - (n + 1) / n``,

    twice the area between the diagonal and the Lorenz curve (computed with
    the trapezoid rule).  Equal values give 0; one customer holding
    everything gives ``(n - 1) / n``.

    References
    ----------
    Damgaard, C. & Weiner, J. (2000). Describing inequality in plant size or
    fecundity. *Ecology* 81(4), 1139-1142 (the sorted-rank form of G).

    Examples
    --------
    >>> gini([1, 1, 1, 1])
    0.0
    >>> gini([0, 0, 0, 10])
    0.75
    """
    s = _as_values(values, where="gini")
    x = np.sort(s.to_numpy())
    n = len(x)
    i = np.arange(1, n + 1)
    g = 2.0 * float(np.sum(i * x)) / (n * float(x.sum())) - (n + 1) / n
    return float(round(g, 15))


def top_share(values: pd.Series | np.ndarray, share: float = 0.2) -> float:
    """Share of total value from the top ``share`` of customers (the "80" of 80/20).

    Parameters
    ----------
    values : Series or array
        Non-negative value per customer, positive in total.
    share : float, default 0.2
        Fraction of customers, from the most valuable, in (0, 1].

    Returns
    -------
    float
        ``1 - L(1 - share)`` where ``L`` is the Lorenz curve.

    Raises
    ------
    DataError
        Bad values, or ``share`` outside (0, 1].

    Notes
    -----
    When ``share * n`` is a whole number ``k`` the result is exactly the
    value of the top ``k`` customers over the total; which customers are
    "top" among ties does not matter because tied customers have the same
    value.  Otherwise ``share * n`` is not rounded: the Lorenz curve is
    interpolated linearly, i.e. the customer at the boundary counts with
    the fraction of them that falls inside the top ``share`` (e.g. with
    ``n = 12`` and ``share = 0.2`` the top 2.4 customers).  This keeps the
    result a continuous function of ``share`` and consistent with the
    plotted Lorenz curve.

    References
    ----------
    Lorenz (1905); the "20/80" reading follows Juran's Pareto principle
    (Juran, J. M. (1951). *Quality Control Handbook*. McGraw-Hill).

    Examples
    --------
    >>> top_share([1, 1, 2, 6, 10], share=0.2)
    0.5
    >>> top_share([1, 1, 2, 6, 10], share=0.4)
    0.8
    """
    if not isinstance(share, (int, float, np.number)) or isinstance(share, bool) or not 0 < share <= 1:
        raise DataError(f"top_share: share={share!r} should be a fraction of customers in (0, 1], e.g. 0.2")
    curve = lorenz_curve(values)
    below = float(np.interp(1.0 - share, curve["customer_share"], curve["value_share"]))
    return float(round(1.0 - below, 15))


def customers_for_share(values: pd.Series | np.ndarray, share: float = 0.8) -> float:
    """Smallest share of customers, from the most valuable, whose value reaches ``share`` of the total.

    The other reading of the 20/80 rule: :func:`top_share` asks what the
    top 20 % of customers bring; this asks how many customers it takes to
    reach 80 % of value.  Under an exact 20/80 pattern both give the rule's
    numbers; on real data they say how far the data are from it.

    Parameters
    ----------
    values : Series or array
        Non-negative value per customer, positive in total.
    share : float, default 0.8
        Share of total value to reach, in (0, 1].

    Returns
    -------
    float
        ``k / n`` where ``k`` is the smallest number of top customers whose
        value sums to at least ``share`` of the total.

    Raises
    ------
    DataError
        Bad values, or ``share`` outside (0, 1].

    Notes
    -----
    Equals the customer share of class A of :func:`abc_classes` with
    ``cutoffs=(share, ...)``.

    References
    ----------
    Juran (1951) (the Pareto principle); Lorenz (1905).

    Examples
    --------
    >>> customers_for_share([50.0, 30.0, 10.0, 6.0, 4.0], share=0.8)
    0.4
    >>> customers_for_share([1.0, 1.0, 1.0, 1.0, 1.0], share=0.8)  # equal values: no concentration
    0.8
    """
    if not isinstance(share, (int, float, np.number)) or isinstance(share, bool) or not 0 < share <= 1:
        raise DataError(f"customers_for_share: share={share!r} should be a share of value in (0, 1], e.g. 0.8")
    s = _as_values(values, where="customers_for_share")
    _, x = _ranked(s)
    cum = np.cumsum(x) / x.sum()
    k = int(np.searchsorted(cum, share - 1e-12, side="left")) + 1
    return min(k, len(x)) / len(x)


def _ranked(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Order (descending value, ties by position) and the sorted values."""
    order = np.argsort(-s.to_numpy(), kind="stable")
    return order, s.to_numpy()[order]


def abc_classes(values: pd.Series | np.ndarray, *, cutoffs: tuple[float, float] = (0.8, 0.95)) -> pd.DataFrame:
    """Inventory-style ABC classes by cumulative share of value (80 % / 95 %): a variant.

    The course's ABC method ranks customers into four classes (高端客户,
    大客户, 中等客户, 小客户) by Curry's 1/4/15/80 % shares of *customers*:
    that is :func:`customer_pyramid` with its default tiers.  This function
    is the three-class rule from inventory management, which cuts at shares
    of *value* instead.

    Parameters
    ----------
    values : Series or array
        Non-negative value per customer (e.g. :func:`customer_value`).
    cutoffs : (float, float), default (0.8, 0.95)
        Cumulative value shares closing classes A and B, ``0 < a < b < 1``.

    Returns
    -------
    DataFrame
        One row per customer, sorted by ``rank``, index as in ``values``;
        columns ``value``, ``cum_share`` (share of total value of this
        customer and all above them), ``abc_class`` ('A', 'B', 'C'), ``rank``
        (1 = most valuable; ties ranked by their position in ``values``).

    Raises
    ------
    DataError
        Bad values or cutoffs.

    Notes
    -----
    Class A is the smallest group of top customers whose value reaches at
    least ``a`` of the total: a customer is A when the cumulative share of
    the customers *above* them is below ``a``.  So the customer who crosses
    80 % is in A.  B likewise up to ``b``; C the rest.

    References
    ----------
    Dickie, H. F. (1951). ABC inventory analysis shoots for dollars, not
    pennies. *Factory Management and Maintenance* 109(7), 92-94.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.Series([50.0, 30.0, 10.0, 6.0, 4.0], index=list("abcde"))
    >>> abc_classes(v)
       value  cum_share abc_class  rank
    a   50.0       0.50         A     1
    b   30.0       0.80         A     2
    c   10.0       0.90         B     3
    d    6.0       0.96         B     4
    e    4.0       1.00         C     5
    """
    where = "abc_classes"
    s = _as_values(values, where=where)
    if len(cutoffs) != 2 or not 0 < cutoffs[0] < cutoffs[1] < 1:
        raise DataError(
            f"{where}: cutoffs={tuple(cutoffs)!r} should be two shares with 0 < a < b < 1, e.g. (0.8, 0.95)"
        )
    order, x = _ranked(s)
    cum = np.cumsum(x) / x.sum()
    before = np.concatenate([[0.0], cum[:-1]])
    # Small tolerance: 0.5 + 0.3 should count as reaching 0.8.
    eps = 1e-12
    cls = np.where(before < cutoffs[0] - eps, "A", np.where(before < cutoffs[1] - eps, "B", "C"))
    return pd.DataFrame(
        {"value": x, "cum_share": cum, "abc_class": cls, "rank": np.arange(1, len(x) + 1)},
        index=s.index[order],
    )


def abc_summary(abc: pd.DataFrame) -> pd.DataFrame:
    """Customers and value per ABC class.

    Parameters
    ----------
    abc : DataFrame
        Output of :func:`abc_classes`.

    Returns
    -------
    DataFrame
        Indexed by ``abc_class`` (A, B, C), columns ``customers``,
        ``customer_share``, ``value``, ``value_share``.

    Raises
    ------
    DataError
        Missing columns.

    Notes
    -----
    ``customer_share_c = n_c / n`` and ``value_share_c = sum_{i in c} value_i /
    sum_i value_i``; both columns sum to 1.  Classes without customers are
    kept with zeros.

    References
    ----------
    Dickie (1951) (inventory ABC analysis).

    Examples
    --------
    >>> import pandas as pd
    >>> abc_summary(abc_classes(pd.Series([50.0, 30.0, 10.0, 6.0, 4.0])))
               customers  customer_share  value  value_share
    abc_class
    A                  2             0.4   80.0         0.80
    B                  2             0.4   16.0         0.16
    C                  1             0.2    4.0         0.04
    """
    where = "abc_summary"
    require_dataframe(abc, where=where)
    require_columns(abc, ["value", "abc_class"], where=where)
    g = abc.groupby(pd.Categorical(abc["abc_class"], categories=["A", "B", "C"]), observed=False)["value"]
    out = pd.DataFrame({"customers": g.size(), "value": g.sum()})
    out.index.name = "abc_class"
    out.insert(1, "customer_share", out["customers"] / out["customers"].sum())
    out["value_share"] = out["value"] / out["value"].sum()
    return out


def _check_tiers(tiers: Mapping[str, float], *, where: str) -> tuple[list[str], np.ndarray]:
    if not isinstance(tiers, Mapping) or len(tiers) < 2:
        raise DataError(
            f"{where}: tiers should be a dict of at least two tiers {{name: share of customers}}, from the top"
        )
    names = [str(k) for k in tiers]
    shares = np.asarray([float(v) for v in tiers.values()])
    bad = [f"{k}={v!r}" for k, v in tiers.items() if not float(v) > 0]
    if bad:
        raise DataError(f"{where}: every tier share should be > 0; got {', '.join(bad)}")
    if abs(shares.sum() - 1.0) > 1e-9:
        raise DataError(
            f"{where}: tier shares should sum to 1 but sum to {shares.sum():.6g} ({dict(zip(names, shares.tolist()))}); "
            "adjust the last tier"
        )
    return names, shares


def _tier_bounds(n: int, shares: np.ndarray) -> np.ndarray:
    """Number of customers above each tier boundary: floor(n * cumulative share + 0.5)."""
    # 1e-9 keeps an exact half (0.05 * 10 = 0.5) from rounding down through float error
    bounds = np.floor(n * np.cumsum(shares) + 0.5 + 1e-9).astype("int64")
    bounds[-1] = n
    return np.concatenate([[0], bounds])


def customer_pyramid(
    values: pd.Series | np.ndarray,
    *,
    tiers: Mapping[str, float] | None = None,
    labels_zh: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Assign each customer to a tier of the customer pyramid by value rank (the course's ABC).

    With the default tiers this is the course's ABC method: Curry's pyramid
    of 高端客户 (top 1 % of customers), 大客户 (next 4 %), 中等客户 (next
    15 %) and 小客户 (the remaining 80 %).

    Parameters
    ----------
    values : Series or array
        Non-negative value per customer (e.g. :func:`customer_value`).
    tiers : dict, optional
        ``{tier name: share of customers}`` from the top tier down; shares
        positive and summing to 1.  Default :data:`DEFAULT_TIERS`
        (Curry: top 1 %, big 4 %, medium 15 %, small 80 %).
    labels_zh : dict, optional
        Chinese name per tier.  Default: :data:`DEFAULT_TIER_LABELS_ZH` for
        tiers named top, big, medium, small (高端客户, 大客户, 中等客户,
        小客户), the tier name itself for other tiers.

    Returns
    -------
    DataFrame
        One row per customer sorted by ``rank``, index as in ``values``;
        columns ``value``, ``rank`` (1 = most valuable), ``tier`` and
        ``tier_zh`` (categorical, top tier first).

    Raises
    ------
    DataError
        Bad values; tier shares not positive or not summing to 1; a
        Chinese label missing.

    Notes
    -----
    The top tier holds the ``floor(n s_1 + 0.5)`` highest-ranked customers,
    the first two tiers ``floor(n (s_1 + s_2) + 0.5)``, and so on (shares
    rounded half up on the cumulative count, so the tiers always add up to
    ``n``; with few customers a small tier can be empty).  Ties in value
    are ranked by their position in ``values``.

    References
    ----------
    Curry & Curry (2000), the customer pyramid (top, big, medium, small
    customers: 1, 4, 15 and 80 % of customers).

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.Series([5.0, 100.0, 20.0, 1.0], index=list("abcd"))
    >>> customer_pyramid(v, tiers={"high": 0.25, "middle": 0.25, "bottom": 0.5})
       value  rank    tier tier_zh
    b  100.0     1    high    high
    c   20.0     2  middle  middle
    a    5.0     3  bottom  bottom
    d    1.0     4  bottom  bottom
    """
    where = "customer_pyramid"
    s = _as_values(values, where=where)
    names, shares = _check_tiers(DEFAULT_TIERS if tiers is None else tiers, where=where)
    zh = _zh_labels(names, tiers, labels_zh, where=where)
    order, x = _ranked(s)
    bounds = _tier_bounds(len(x), shares)
    code = np.repeat(np.arange(len(names)), np.diff(bounds))
    return pd.DataFrame(
        {
            "value": x,
            "rank": np.arange(1, len(x) + 1),
            "tier": pd.Categorical.from_codes(code, categories=names),
            "tier_zh": pd.Categorical.from_codes(code, categories=zh),
        },
        index=s.index[order],
    )


def _zh_labels(
    names: list[str], tiers: Mapping[str, float] | None, labels_zh: Mapping[str, str] | None, *, where: str
) -> list[str]:
    if labels_zh is None:
        return [DEFAULT_TIER_LABELS_ZH.get(n, n) for n in names]
    missing = [n for n in names if n not in labels_zh]
    if missing:
        raise DataError(f"{where}: labels_zh has no label for tiers {missing}")
    return [str(labels_zh[n]) for n in names]


def pyramid_summary(pyramid: pd.DataFrame) -> pd.DataFrame:
    """Customers and revenue per tier of a customer pyramid.

    Parameters
    ----------
    pyramid : DataFrame
        Output of :func:`customer_pyramid`.

    Returns
    -------
    DataFrame
        Indexed by ``tier`` (top tier first), columns ``tier_zh``,
        ``customers``, ``customer_share``, ``revenue``, ``revenue_share``,
        ``mean_revenue``.

    Raises
    ------
    DataError
        Missing columns.

    Notes
    -----
    ``revenue_share_t = sum_{i in t} value_i / sum_i value_i``; the shares
    sum to 1.

    References
    ----------
    Curry & Curry (2000), the customer pyramid.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.Series([5.0, 100.0, 20.0, 1.0, 4.0])
    >>> p = customer_pyramid(v, tiers={"high": 0.2, "rest": 0.8})
    >>> pyramid_summary(p)[["customers", "revenue", "revenue_share"]]
          customers  revenue  revenue_share
    tier
    high          1    100.0         0.7692
    rest          4     30.0         0.2308
    """
    where = "pyramid_summary"
    require_dataframe(pyramid, where=where)
    require_columns(pyramid, ["value", "tier", "tier_zh"], where=where)
    g = pyramid.groupby("tier", observed=False, sort=True)
    out = pd.DataFrame({"customers": g.size(), "revenue": g["value"].sum()})
    zh = pyramid["tier_zh"]
    if isinstance(zh.dtype, pd.CategoricalDtype) and len(zh.cat.categories) == len(out):
        out.insert(0, "tier_zh", list(zh.cat.categories))
    else:
        out.insert(0, "tier_zh", g["tier_zh"].first())
    out.index = pd.Index(list(out.index), name="tier")
    return _finish_summary(out)


def _finish_summary(out: pd.DataFrame) -> pd.DataFrame:
    out = out[["tier_zh", "customers", "revenue"]].copy()
    out.insert(2, "customer_share", out["customers"] / out["customers"].sum())
    out["revenue_share"] = out["revenue"] / out["revenue"].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean_revenue"] = np.where(out["customers"] > 0, out["revenue"] / out["customers"].clip(lower=1), np.nan)
    out.index.name = "tier"
    return out


def pyramid_tiers(
    values: pd.Series | np.ndarray,
    *,
    tiers: Mapping[str, float] | None = None,
    labels_zh: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Pyramid summary straight from customer values (fast; for sliders).

    Same result as ``pyramid_summary(customer_pyramid(values, tiers=...,
    labels_zh=...))`` without building the per-customer table, so that a
    widget can recompute it on every slider move.

    Parameters
    ----------
    values : Series or array
        Non-negative value per customer.
    tiers, labels_zh : dict, optional
        As in :func:`customer_pyramid`.

    Returns
    -------
    DataFrame
        As :func:`pyramid_summary`.

    Raises
    ------
    DataError
        As :func:`customer_pyramid`.

    Notes
    -----
    Sorts the values once (``O(n log n)``) and sums each tier from the
    cumulative sum.

    References
    ----------
    Curry & Curry (2000), the customer pyramid.

    Examples
    --------
    >>> pyramid_tiers([5.0, 100.0, 20.0, 1.0, 4.0], tiers={"high": 0.2, "rest": 0.8})
         tier_zh  customers  customer_share  revenue  revenue_share  mean_revenue
    tier
    high    high          1             0.2    100.0         0.7692         100.0
    rest    rest          4             0.8     30.0         0.2308           7.5
    """
    where = "pyramid_tiers"
    s = _as_values(values, where=where)
    names, shares = _check_tiers(DEFAULT_TIERS if tiers is None else tiers, where=where)
    zh = _zh_labels(names, tiers, labels_zh, where=where)
    x = -np.sort(-s.to_numpy())
    bounds = _tier_bounds(len(x), shares)
    cum = np.concatenate([[0.0], np.cumsum(x)])
    out = pd.DataFrame(
        {"tier_zh": zh, "customers": np.diff(bounds), "revenue": np.diff(cum[bounds])},
        index=pd.Index(names, name="tier"),
    )
    return _finish_summary(out)


def importance_classes(
    profit: pd.Series | np.ndarray,
    *,
    key_share: float = 0.2,
    vip_share: float = 0.05,
) -> pd.DataFrame:
    """The course's importance classes: 贵宾型, 重要型 and 普通型 customers by profit rank.

    Parameters
    ----------
    profit : Series or array
        Profit per customer (may be negative, positive in total), e.g. the
        ``profit`` column of :func:`customer_profitability`.
    key_share : float, default 0.2
        Share of customers, from the most profitable, in the two important
        classes together (贵宾型 + 重要型); the course says about 20 %.
    vip_share : float, default 0.05
        Share of customers in the 贵宾型 class, ``0 < vip_share <
        key_share``.  The course fixes only the 20 % total; the default
        reuses Curry's 1 + 4 % boundary, so that the two schemes can be read
        side by side.

    Returns
    -------
    DataFrame
        One row per customer sorted by ``rank``, index as in ``profit``;
        columns ``profit``, ``rank`` (1 = most profitable), ``importance``
        ('vip', 'key', 'ordinary', categorical) and ``importance_zh``
        (贵宾型客户, 重要型客户, 普通型客户).

    Raises
    ------
    DataError
        Missing, non-numeric or infinite profit, a total that is not
        positive, or shares outside ``0 < vip_share < key_share < 1``.

    Notes
    -----
    Counts are rounded as in :func:`customer_pyramid` (half up on the
    cumulative count).  The classes fix the share of *customers*; the share
    of *profit* they bring (the course's "about 80 %") is what
    :func:`importance_summary` measures, not an assumption.

    References
    ----------
    Course materials (《客户关系管理》教学教案, 第一章第二节, 按客户的重要性
    程度分); Juran (1951) for the 20/80 pattern it quotes.

    Examples
    --------
    >>> c = importance_classes([50.0, -5.0, 30.0, 10.0, 4.0, 3.0, 2.0, 2.0, 2.0, 2.0],
    ...                        key_share=0.2, vip_share=0.1)
    >>> c["importance_zh"].tolist()[:3]
    ['贵宾型客户', '重要型客户', '普通型客户']
    >>> importance_summary(c)[["customers", "profit_share"]]
              customers  profit_share
    importance
    vip               1           0.5
    key               1           0.3
    ordinary          8           0.2
    """
    where = "importance_classes"
    s = _as_values(profit, where=where, name="profit", allow_negative=True)
    for name, value in (("key_share", key_share), ("vip_share", vip_share)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise DataError(f"{where}: {name}={value!r} should be a share of customers, e.g. 0.2")
    if not 0 < vip_share < key_share < 1:
        raise DataError(
            f"{where}: vip_share={vip_share!r} and key_share={key_share!r} should satisfy "
            "0 < vip_share < key_share < 1 (贵宾型 are the top part of the important 20 %)"
        )
    names = list(IMPORTANCE_LABELS_ZH)
    shares = np.array([vip_share, key_share - vip_share, 1.0 - key_share], dtype="float64")
    order, x = _ranked(s)
    bounds = _tier_bounds(len(x), shares)
    code = np.repeat(np.arange(3), np.diff(bounds))
    return pd.DataFrame(
        {
            "profit": x,
            "rank": np.arange(1, len(x) + 1),
            "importance": pd.Categorical.from_codes(code, categories=names),
            "importance_zh": pd.Categorical.from_codes(code, categories=list(IMPORTANCE_LABELS_ZH.values())),
        },
        index=s.index[order],
    )


def importance_summary(classes: pd.DataFrame) -> pd.DataFrame:
    """Customers and profit per importance class.

    Parameters
    ----------
    classes : DataFrame
        Output of :func:`importance_classes`.

    Returns
    -------
    DataFrame
        Indexed by ``importance`` (vip, key, ordinary), columns
        ``importance_zh``, ``customers``, ``customer_share``, ``profit``,
        ``profit_share`` (of total profit; above 1 for the top classes when
        other customers lose money).

    Raises
    ------
    DataError
        Missing columns.

    Notes
    -----
    ``profit_share_c = sum_{i in c} profit_i / sum_i profit_i``; both share
    columns sum to 1.

    References
    ----------
    Course materials (按客户的重要性程度分).

    Examples
    --------
    >>> s = importance_summary(importance_classes([9.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, -1.0],
    ...                                           key_share=0.2, vip_share=0.1))
    >>> s[["customers", "profit", "profit_share"]]
              customers  profit  profit_share
    importance
    vip               1     9.0        0.5625
    key               1     1.0        0.0625
    ordinary          8     6.0        0.3750
    """
    where = "importance_summary"
    require_dataframe(classes, where=where)
    require_columns(classes, ["profit", "importance"], where=where)
    g = classes.groupby(pd.Categorical(classes["importance"], categories=list(IMPORTANCE_LABELS_ZH)), observed=False)[
        "profit"
    ]
    out = pd.DataFrame({"customers": g.size(), "profit": g.sum()})
    out.index = pd.Index(list(out.index), name="importance")
    out.insert(0, "importance_zh", [IMPORTANCE_LABELS_ZH[k] for k in out.index])
    out.insert(2, "customer_share", out["customers"] / out["customers"].sum())
    out["profit_share"] = out["profit"] / out["profit"].sum()
    return out


def zrl_tiers(profit: pd.Series, *, gold_min: float, platinum_min: float) -> pd.DataFrame:
    """Zeithaml, Rust & Lemon's profitability tiers: platinum, gold, iron, lead.

    Unlike Curry's pyramid the tiers have no fixed shares of customers: the
    firm sets profit cut-offs, and the shares are whatever the data give.

    Parameters
    ----------
    profit : Series
        Profit per customer (may be negative), indexed by customer.
    gold_min, platinum_min : float
        Profit from which a customer is gold, resp. platinum;
        ``0 <= gold_min < platinum_min``.  Required: the model fixes none.

    Returns
    -------
    DataFrame
        Same index as ``profit``; columns ``profit``, ``tier`` (platinum,
        gold, iron, lead; categorical, top first) and ``tier_zh`` (铂金层,
        黄金层, 铁层, 铅层).

    Raises
    ------
    DataError
        Bad profit, or cut-offs not ``0 <= gold_min < platinum_min``.

    Notes
    -----
    ``lead`` if ``profit < 0`` (customers who cost more than they bring),
    ``iron`` if ``0 <= profit < gold_min``, ``gold`` if ``gold_min <= profit
    < platinum_min``, ``platinum`` otherwise.

    References
    ----------
    Zeithaml, Rust & Lemon (2001), pp. 125-127 (the four tiers).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.Series([120.0, -3.0, 15.0, 40.0], index=list("abcd"))
    >>> zrl_tiers(p, gold_min=30.0, platinum_min=100.0)["tier"].tolist()
    ['platinum', 'lead', 'iron', 'gold']
    """
    where = "zrl_tiers"
    if not isinstance(profit, pd.Series):
        raise DataError(f"{where}: profit should be a Series indexed by customer, got {type(profit).__name__}")
    s = _as_values(profit, where=where, name="profit", allow_negative=True)
    for name, value in (("gold_min", gold_min), ("platinum_min", platinum_min)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not np.isfinite(value):
            raise DataError(f"{where}: {name}={value!r} should be a profit amount (a number)")
    if not 0 <= gold_min < platinum_min:
        raise DataError(
            f"{where}: gold_min={gold_min!r} and platinum_min={platinum_min!r} should satisfy "
            "0 <= gold_min < platinum_min"
        )
    x = s.to_numpy()
    code = np.where(x >= platinum_min, 0, np.where(x >= gold_min, 1, np.where(x >= 0, 2, 3)))
    names = list(ZRL_TIER_LABELS_ZH)
    return pd.DataFrame(
        {
            "profit": x,
            "tier": pd.Categorical.from_codes(code, categories=names),
            "tier_zh": pd.Categorical.from_codes(code, categories=list(ZRL_TIER_LABELS_ZH.values())),
        },
        index=s.index,
    )


def customer_profitability(
    revenue: pd.Series,
    *,
    margin: float,
    cost_to_serve: float | pd.Series,
    threshold: float | Literal["median", "mean"] = "median",
) -> pd.DataFrame:
    """Profit per customer after a cost-to-serve assumption, and a value class.

    Parameters
    ----------
    revenue : Series
        Revenue per customer (e.g. :func:`customer_value`).
    margin : float
        Gross margin as a fraction of revenue, in [0, 1].
    cost_to_serve : float or Series
        Yearly cost of serving a customer (same units as revenue): one
        number for everyone, or a Series with a value for every customer in
        ``revenue`` (matched on the index).
    threshold : float or {"median", "mean"}, default "median"
        Profit from which a profitable customer is "high value": a number,
        or the median / mean profit of the profitable customers.

    Returns
    -------
    DataFrame
        Same index as ``revenue``; columns ``revenue``, ``gross_profit``
        (``margin * revenue``), ``cost_to_serve``, ``profit``,
        ``profit_class`` ('high', 'low', 'negative') and ``profit_class_zh``
        (高价值, 低价值, 负价值).

    Raises
    ------
    DataError
        Bad revenue, margin outside [0, 1], a customer without a cost, or a
        bad threshold.

    Notes
    -----
    ``profit_i = margin * revenue_i - cost_to_serve_i``.  Class:
    ``negative`` if ``profit_i < 0``, ``high`` if ``profit_i >= threshold``,
    otherwise ``low``.

    References
    ----------
    Zeithaml, Rust & Lemon (2001) (profitability tiers and the cost to
    serve); the course's high-, low- and negative-value customers (按当前客户
    价值分为高价值、低价值和负价值客户).

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([1000.0, 200.0, 50.0], index=["a", "b", "c"], name="revenue")
    >>> customer_profitability(r, margin=0.3, cost_to_serve=40.0, threshold=100.0)
       revenue  gross_profit  cost_to_serve  profit profit_class profit_class_zh
    a   1000.0         300.0           40.0   260.0         high             高价值
    b    200.0          60.0           40.0    20.0          low             低价值
    c     50.0          15.0           40.0   -25.0     negative             负价值
    """
    where = "customer_profitability"
    if not isinstance(revenue, pd.Series):
        raise DataError(
            f"{where}: revenue should be a Series indexed by customer, got {type(revenue).__name__}; use customer_value(transactions)"
        )
    rev = _as_values(revenue, where=where, name="revenue")
    if isinstance(margin, bool) or not isinstance(margin, (int, float, np.number)) or not 0 <= margin <= 1:
        raise DataError(f"{where}: margin={margin!r} should be a fraction of revenue in [0, 1], e.g. 0.3")
    if isinstance(cost_to_serve, pd.Series):
        cost = cost_to_serve.reindex(rev.index)
        missing = cost.isna().to_numpy()
        if missing.any():
            raise DataError(
                f"{where}: cost_to_serve has no value for customers {first_rows(missing, rev.index)}; "
                "give a cost for every customer in revenue"
            )
        if not pd.api.types.is_numeric_dtype(cost):
            raise DataError(f"{where}: cost_to_serve should be numeric, got dtype {cost.dtype}")
        cost = cost.astype("float64")
    elif (
        isinstance(cost_to_serve, (int, float, np.number))
        and not isinstance(cost_to_serve, bool)
        and np.isfinite(cost_to_serve)
    ):
        cost = pd.Series(float(cost_to_serve), index=rev.index)
    else:
        raise DataError(f"{where}: cost_to_serve={cost_to_serve!r} should be a number or a Series indexed by customer")
    gross = margin * rev
    profit = gross - cost
    if isinstance(threshold, str):
        if threshold not in ("median", "mean"):
            raise DataError(f"{where}: threshold={threshold!r} should be a number, 'median' or 'mean'")
        positive = profit[profit >= 0]
        level = float(getattr(positive, threshold)()) if len(positive) else 0.0
    elif isinstance(threshold, (int, float, np.number)) and not isinstance(threshold, bool):
        level = float(threshold)
        if level < 0:
            raise DataError(f"{where}: threshold={threshold!r} should be >= 0 (negative profit is its own class)")
    else:
        raise DataError(f"{where}: threshold={threshold!r} should be a number, 'median' or 'mean'")
    code = np.where(profit < 0, 2, np.where(profit >= level, 0, 1))
    return pd.DataFrame(
        {
            "revenue": rev,
            "gross_profit": gross,
            "cost_to_serve": cost,
            "profit": profit,
            "profit_class": pd.Categorical.from_codes(code, categories=["high", "low", "negative"]),
            "profit_class_zh": pd.Categorical.from_codes(code, categories=["高价值", "低价值", "负价值"]),
        },
        index=rev.index,
    )
