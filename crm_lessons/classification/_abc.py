"""ABC (Pareto) classes of customers by cumulative share of value, and their summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    require_columns,
    require_dataframe,
)
from crm_lessons.classification._concentration import _as_values, _ranked


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
