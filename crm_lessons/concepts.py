"""Chapter 1 concepts that are decisions rather than measurements: choosing a relationship level.

Kotler's levels-of-relationship table (Kotler & Armstrong, *Principles of
Marketing*; Kotler, *Marketing Management*, "levels of relationship
marketing") tells a firm how deep a relationship to build with its customers
from two facts: how many customers it has and how high its margin per
customer is.  The course summarises the table by its corners (few customers
and a high margin: 伙伴型 partnership; many customers and a low margin:
基本型 basic); :func:`relationship_type` gives all nine cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lessons._validation import DataError, require_dataframe

__all__ = ["RELATIONSHIP_TYPES", "market_and_wallet_share", "relationship_table", "relationship_type"]

#: The five levels, from the shallowest to the deepest, with what the firm does at each.
RELATIONSHIP_TYPES = {
    "基本型": "basic: sells the product and does not follow up",
    "被动型": "reactive: sells and asks the customer to call with questions or complaints",
    "负责型": "accountable: calls the customer after the sale to check that the product meets expectations",
    "主动型": "proactive: contacts the customer from time to time with improvements and new uses",
    "伙伴型": "partnership: works continuously with the customer to help them succeed",
}

_CUSTOMERS = {"many": "many", "多": "many", "medium": "medium", "中": "medium", "few": "few", "少": "few"}
_MARGIN = {"high": "high", "高": "high", "medium": "medium", "中": "medium", "low": "low", "低": "low"}

# (number of customers, margin) -> level; Kotler's table.
_TABLE = {
    ("many", "high"): "负责型",
    ("many", "medium"): "被动型",
    ("many", "low"): "基本型或被动型",
    ("medium", "high"): "主动型",
    ("medium", "medium"): "负责型",
    ("medium", "low"): "被动型",
    ("few", "high"): "伙伴型",
    ("few", "medium"): "主动型",
    ("few", "low"): "负责型",
}


def _label(value: object, allowed: dict[str, str], what: str) -> str:
    key = value.strip().lower() if isinstance(value, str) else value
    if key not in allowed:
        raise DataError(
            f"relationship_type: {what}={value!r} is not a known label; use one of "
            f"{sorted(set(allowed.values()))} (or {[k for k in allowed if not k.isascii()]})"
        )
    return allowed[key]


def relationship_type(customers: str, margin: str) -> str:
    """The relationship level Kotler's table recommends for a number of customers and a margin.

    Parameters
    ----------
    customers : {"many", "medium", "few"} or {"多", "中", "少"}
        How many customers the firm has (in its market or segment).
    margin : {"high", "medium", "low"} or {"高", "中", "低"}
        Its profit margin per customer.

    Returns
    -------
    str
        The Chinese label: "基本型", "被动型", "负责型", "主动型", "伙伴型",
        or "基本型或被动型" for many customers with a low margin.

    Raises
    ------
    DataError
        For any other label.

    Notes
    -----
    The deeper the relationship, the more it costs per customer; it pays
    only when each customer's margin is high and there are few enough
    customers to serve individually.  Along each row (fewer customers) and
    each column (higher margin) the level never gets shallower.

    References
    ----------
    Kotler, P. Marketing Management (levels of relationship marketing; the
    table of number of customers by profit margin).

    Examples
    --------
    >>> relationship_type("few", "high")
    '伙伴型'
    >>> relationship_type("多", "低")
    '基本型或被动型'
    >>> relationship_type("medium", "medium")
    '负责型'
    """
    return _TABLE[(_label(customers, _CUSTOMERS, "customers"), _label(margin, _MARGIN, "margin"))]


def relationship_table() -> pd.DataFrame:
    """Kotler's table: rows the margin (高/中/低), columns the number of customers (多/中/少).

    Examples
    --------
    >>> relationship_table().loc["高利润率 high margin", "客户少 few"]
    '伙伴型'
    """
    margins = {"high": "高利润率 high margin", "medium": "中利润率 medium margin", "low": "低利润率 low margin"}
    counts = {"many": "客户多 many", "medium": "客户中等 medium", "few": "客户少 few"}
    return pd.DataFrame(
        [[relationship_type(c, m) for c in counts] for m in margins],
        index=pd.Index(list(margins.values()), name="利润率 margin"),
        columns=pd.Index(list(counts.values()), name="客户数量 customers"),
    )


def market_and_wallet_share(spend: pd.DataFrame) -> pd.DataFrame:
    """Market share and share of wallet of each supplier, from customers' spend by supplier.

    Parameters
    ----------
    spend : DataFrame
        One row per customer, one column per supplier: what the customer
        spends with each supplier in the category (non-negative, each
        customer's total positive).

    Returns
    -------
    DataFrame
        One row per supplier: ``sales``, ``market_share`` (sales over the
        market's total), ``buyers`` (customers spending anything with it) and
        ``share_of_wallet`` (its mean share of those buyers' category spend,
        :func:`crm_lessons.loyalty.share_of_wallet`).

    Raises
    ------
    DataError
        Missing or negative spend, or a customer with no spend at all.

    Examples
    --------
    >>> spend = pd.DataFrame({"甲": [50, 10], "乙": [50, 0]}, index=["大客户", "小客户"])
    >>> market_and_wallet_share(spend).round(3).to_dict("index")["乙"]
    {'sales': 50.0, 'market_share': 0.455, 'buyers': 1.0, 'share_of_wallet': 0.5}
    """
    from crm_lessons.loyalty import share_of_wallet

    where = "market_and_wallet_share"
    spend = require_dataframe(spend, where=where)
    values = spend.apply(pd.to_numeric, errors="coerce").astype(float)
    bad = values.isna().any(axis=1) | (values < 0).any(axis=1)
    if bad.any():
        raise DataError(f"{where}: spend must be non-negative numbers; check customers {list(values.index[bad][:5])}")
    total = values.sum(axis=1)
    if (total <= 0).any():
        raise DataError(
            f"{where}: customers {list(values.index[total <= 0][:5])} spend nothing in the category; "
            "drop them (share of wallet is undefined)"
        )
    rows = {}
    for firm in values.columns:
        buyers = values[firm] > 0
        sow = share_of_wallet(values.loc[buyers, firm], total[buyers])
        rows[firm] = {
            "sales": float(values[firm].sum()),
            "market_share": float(values[firm].sum() / total.sum()),
            "buyers": float(buyers.sum()),
            "share_of_wallet": float(np.mean(sow)) if buyers.any() else 0.0,
        }
    return pd.DataFrame.from_dict(rows, orient="index")
