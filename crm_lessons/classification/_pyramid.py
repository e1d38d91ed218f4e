"""The customer pyramid (Curry & Curry 2000): tiers by share of customers, with the course's names."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    require_columns,
    require_dataframe,
)
from crm_lessons.classification._concentration import _as_values, _ranked

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
