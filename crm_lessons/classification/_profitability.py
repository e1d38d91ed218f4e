"""Profitability tiers (Zeithaml, Rust & Lemon 2001) and customer profitability."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    first_rows,
)
from crm_lessons.classification._concentration import _as_values
from crm_lessons.classification._pyramid import ZRL_TIER_LABELS_ZH


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
