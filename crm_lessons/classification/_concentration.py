"""How concentrated customer value is: value per customer, the Lorenz curve, the Gini index, top shares."""

from __future__ import annotations

from typing import Any

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
