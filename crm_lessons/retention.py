"""Retention economics (保留客户的经济学): what a few points more retention are worth.

Two views of the same arithmetic, every assumption a parameter:

* one customer: the expected net present value of a newly acquired customer
  who stays each year with probability ``retention`` (:func:`customer_npv`),
  and how much it rises when retention rises by a few points
  (:func:`retention_uplift`), the quantity behind Reichheld & Sasser (1990);
* a customer base: a firm that keeps its base at a size by replacing the
  customers it loses (:func:`steady_state`), or that acquires a fixed number
  each year (:func:`project_customer_base`), so that the costs of acquiring
  and of keeping customers can be compared.

Reichheld & Sasser (1990) report that cutting the defection rate by 5
percentage points raised the net present value of an average customer by
25% to 85% depending on the industry (85% in a bank's branch deposits, 50%
in insurance brokerage, 30% in an auto-service chain).  The effect is large
when retention is already high, when profit per customer grows with tenure
and when discounting is mild; :func:`retention_uplift` shows each of these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons._validation import DataError, check_scalar

__all__ = [
    "REICHHELD_SASSER_1990",
    "REICHHELD_SASSER_1990_RANGE",
    "customer_npv",
    "project_customer_base",
    "retention_uplift",
    "steady_state",
    "uplift_table",
]

#: Increase in the net present value of an average customer when the defection rate falls by
#: 5 percentage points, by industry (Reichheld & Sasser 1990, HBR 68(5), 105-111, exhibit
#: "Reducing defections 5% boosts profits 25% to 85%"; the three industries named in the text).
REICHHELD_SASSER_1990 = {
    "银行分支机构存款 branch bank deposits": 0.85,
    "保险经纪 insurance brokerage": 0.50,
    "汽车维修连锁 auto-service chain": 0.30,
}
#: The range over all industries in the same exhibit ("... boosts profits 25% to 85%").
REICHHELD_SASSER_1990_RANGE = (0.25, 0.85)


#: The rule of each parameter of the retention economics beyond being a finite number.
_RULES: dict[str, dict[str, Any]] = {
    "retention": {"low": 0, "high": 1, "expected": "a probability in [0, 1] (e.g. 0.8 for 80%)"},
    "discount_rate": {"low": -1, "low_open": True, "expected": "> -1 (a rate such as 0.1 for 10%)"},
    "margin_growth": {"low": -1, "low_open": True, "expected": "> -1 (a rate such as 0.1 for 10%)"},
    **{
        name: {"low": 0, "expected": ">= 0"}
        for name in ("acquisition_cost", "retention_cost", "customers", "new_customers")
    },
}


def _check(where: str, **values: float) -> None:
    """Each value a finite number within the rule of its parameter (:func:`crm_lessons._validation.check_scalar`)."""
    for name, value in values.items():
        if value is None:
            continue
        check_scalar(value, name, where=where, verb="must be")
        if name in _RULES:
            check_scalar(value, name, where=where, verb="must be", **_RULES[name])


def customer_npv(
    *,
    margin: float,
    retention: float,
    discount_rate: float,
    margin_growth: float = 0.0,
    retention_cost: float = 0.0,
    acquisition_cost: float = 0.0,
    horizon: int | None = None,
) -> float:
    """Expected net present value of one newly acquired customer.

    Parameters
    ----------
    margin : float
        Profit margin the customer brings in their first year (before retention spending).
    retention : float
        Probability that a customer stays from one year to the next.
    discount_rate : float
        Yearly discount rate (0.1 for 10%).
    margin_growth : float, default 0
        Yearly growth of the margin with tenure (loyal customers buy more, cost less to serve,
        refer others: Reichheld & Sasser's reasons why profit per customer rises over time).
    retention_cost : float, default 0
        Yearly spending to keep (serve and look after) each active customer.
    acquisition_cost : float, default 0
        One-off cost of winning the customer.
    horizon : int, optional
        Number of years counted; ``None`` for no limit.

    Returns
    -------
    float

    Raises
    ------
    DataError
        A value out of range, or an unlimited horizon with
        ``retention * (1 + margin_growth) >= 1 + discount_rate`` (the sum diverges).

    Notes
    -----
    With year ``t = 0, 1, ...`` counted from acquisition, the customer is
    still active in year ``t`` with probability ``retention**t``:

    ``NPV = -acquisition_cost + sum_t (margin (1+g)^t - retention_cost) r^t / (1+d)^t``,

    for an unlimited horizon ``margin / (1 - q) - retention_cost / (1 - r/(1+d))``
    with ``q = r (1+g) / (1+d)``: the retention-based customer value of
    Gupta & Lehmann (2003), with the margin received at the start of each
    year and a margin growing with tenure.

    References
    ----------
    Gupta, S., & Lehmann, D. R. (2003). Customers as assets. Journal of
    Interactive Marketing, 17(1), 9-24.

    Examples
    --------
    >>> round(customer_npv(margin=100, retention=0.8, discount_rate=0.1), 2)
    366.67
    >>> round(customer_npv(margin=100, retention=0.8, discount_rate=0.1, horizon=1), 2)
    100.0
    """
    where = "customer_npv"
    _check(
        where,
        margin=margin,
        retention=retention,
        discount_rate=discount_rate,
        margin_growth=margin_growth,
        retention_cost=retention_cost,
        acquisition_cost=acquisition_cost,
    )
    q = retention * (1 + margin_growth) / (1 + discount_rate)
    s = retention / (1 + discount_rate)
    if horizon is None:
        if q >= 1:
            raise DataError(
                f"{where}: with retention={retention} and margin_growth={margin_growth} the margin "
                f"grows faster than discount_rate={discount_rate} discounts it, so the sum has no limit; "
                "pass a finite horizon (e.g. horizon=10)"
            )
        return float(margin / (1 - q) - retention_cost / (1 - s) - acquisition_cost)
    if not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise DataError(f"{where}: horizon={horizon!r} must be a whole number of years >= 1 or None")
    t = np.arange(horizon)
    return float(np.sum(margin * q**t - retention_cost * s**t) - acquisition_cost)


def retention_uplift(
    *,
    retention: float,
    points: float = 0.05,
    margin: float = 1.0,
    discount_rate: float = 0.1,
    margin_growth: float = 0.0,
    retention_cost: float = 0.0,
    horizon: int | None = None,
) -> float:
    """Relative rise in a customer's NPV when retention rises by ``points`` (0.05 = 5 points).

    The acquisition cost is left out, as in Reichheld & Sasser's comparison of
    customer profit streams.  The margin's scale does not matter when
    ``retention_cost`` is 0.

    Returns
    -------
    float
        ``NPV(retention + points) / NPV(retention) - 1``.

    Raises
    ------
    DataError
        ``retention + points`` above 1, a base NPV that is not positive, or
        the errors of :func:`customer_npv`.

    Examples
    --------
    >>> round(retention_uplift(retention=0.80, points=0.05, discount_rate=0.1), 3)
    0.2
    >>> round(retention_uplift(retention=0.90, points=0.05, discount_rate=0.1, margin_growth=0.05), 2)
    0.51
    """
    where = "retention_uplift"
    _check(where, retention=retention, points=points)
    if not 0 <= retention + points <= 1:
        raise DataError(f"{where}: retention + points = {retention + points:.3f} must stay in [0, 1]")
    kw: dict[str, Any] = dict(
        margin=margin,
        discount_rate=discount_rate,
        margin_growth=margin_growth,
        retention_cost=retention_cost,
        horizon=horizon,
    )
    base = customer_npv(retention=retention, **kw)
    if base <= 0:
        raise DataError(
            f"{where}: a customer's NPV at retention={retention} is {base:.2f}, not positive; "
            "a relative rise is meaningless (lower retention_cost)"
        )
    return float(customer_npv(retention=retention + points, **kw) / base - 1)


def uplift_table(
    *, retentions: Sequence[float], margin_growths: Sequence[float], points: float = 0.05, discount_rate: float = 0.1
) -> pd.DataFrame:
    """:func:`retention_uplift` for every base retention rate (rows) and margin growth (columns).

    Returns
    -------
    DataFrame
        Index ``retention``, one column per margin growth; cells are the
        relative rise in a customer's NPV.

    Examples
    --------
    >>> uplift_table(retentions=[0.8, 0.9], margin_growths=[0.0, 0.05]).round(2).values.tolist()
    [[0.2, 0.25], [0.33, 0.51]]
    """
    return pd.DataFrame(
        [
            [
                retention_uplift(retention=r, points=points, discount_rate=discount_rate, margin_growth=g)
                for g in margin_growths
            ]
            for r in retentions
        ],
        index=pd.Index([float(r) for r in retentions], name="retention"),
        columns=pd.Index([float(g) for g in margin_growths], name="margin_growth"),
    )


def steady_state(
    *, customers: float, retention: float, margin: float, acquisition_cost: float, retention_cost: float
) -> dict[str, float]:
    """One year of a firm that keeps its base at ``customers`` by replacing every customer it loses.

    Parameters
    ----------
    customers : float
        Size of the customer base, kept constant.
    retention : float
        Share of customers that stay each year.
    margin : float
        Yearly margin per customer (before retention and acquisition spending).
    acquisition_cost : float
        Cost of winning one new customer.
    retention_cost : float
        Yearly cost of keeping one customer.

    Returns
    -------
    dict
        ``new_customers`` needed (``(1 - retention) * customers``),
        ``acquisition_spend``, ``retention_spend``, ``gross_margin`` and ``profit``.

    Examples
    --------
    >>> s = steady_state(customers=10_000, retention=0.8, margin=100, acquisition_cost=250, retention_cost=50)
    >>> s["new_customers"], s["profit"]
    (2000.0, 0.0)
    """
    _check(
        "steady_state",
        customers=customers,
        retention=retention,
        margin=margin,
        acquisition_cost=acquisition_cost,
        retention_cost=retention_cost,
    )
    new = customers - retention * customers
    acq = new * acquisition_cost
    ret = customers * retention_cost
    gross = customers * margin
    return {
        "new_customers": float(new),
        "acquisition_spend": float(acq),
        "retention_spend": float(ret),
        "gross_margin": float(gross),
        "profit": float(gross - acq - ret),
    }


def project_customer_base(
    *,
    customers: float,
    retention: float,
    new_customers: float,
    margin: float,
    acquisition_cost: float,
    retention_cost: float,
    years: int,
    discount_rate: float = 0.0,
) -> pd.DataFrame:
    """Year-by-year customer base when a fixed number of customers is acquired each year.

    Each year the firm spends ``retention_cost`` on every customer it starts
    the year with; a share ``retention`` of them stay; it wins
    ``new_customers`` at ``acquisition_cost`` each; every customer active in
    the year (stayers and newcomers) brings ``margin``.

    Returns
    -------
    DataFrame
        One row per year 1..years: ``start``, ``retained``, ``acquired``,
        ``end``, ``gross_margin``, ``retention_spend``, ``acquisition_spend``,
        ``profit``, ``discounted_profit`` (year t discounted by ``(1+d)^t``).
        The base tends to ``new_customers / (1 - retention)``.

    Examples
    --------
    >>> df = project_customer_base(customers=1000, retention=0.8, new_customers=300, margin=100,
    ...                            acquisition_cost=200, retention_cost=20, years=3)
    >>> df["end"].tolist()
    [1100.0, 1180.0, 1244.0]
    >>> float(df.loc[1, "profit"])
    30000.0
    """
    where = "project_customer_base"
    _check(
        where,
        customers=customers,
        retention=retention,
        new_customers=new_customers,
        margin=margin,
        acquisition_cost=acquisition_cost,
        retention_cost=retention_cost,
        discount_rate=discount_rate,
    )
    if not isinstance(years, (int, np.integer)) or years < 1:
        raise DataError(f"{where}: years={years!r} must be a whole number >= 1")
    rows = []
    start = float(customers)
    for year in range(1, years + 1):
        retained = retention * start
        end = retained + new_customers
        gross, ret, acq = end * margin, start * retention_cost, new_customers * acquisition_cost
        profit = gross - ret - acq
        rows.append(
            {
                "year": year,
                "start": start,
                "retained": retained,
                "acquired": float(new_customers),
                "end": end,
                "gross_margin": gross,
                "retention_spend": ret,
                "acquisition_spend": acq,
                "profit": profit,
                "discounted_profit": profit / (1 + discount_rate) ** year,
            }
        )
        start = end
    return pd.DataFrame(rows).set_index("year")
