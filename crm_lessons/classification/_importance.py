"""Customers by importance to profit (贵宾型, 重要型, 普通型), and their summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    require_columns,
    require_dataframe,
)
from crm_lessons.classification._concentration import _as_values, _ranked
from crm_lessons.classification._pyramid import IMPORTANCE_LABELS_ZH, _tier_bounds


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
