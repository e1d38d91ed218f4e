"""Behavioural loyalty from a transaction log: repeat purchase, inter-purchase times, share of wallet, duration."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    first_rows,
    require_columns,
    require_dataframe,
    require_no_missing,
)


def _check_transactions(transactions: pd.DataFrame, *, customer_col: str, date_col: str, where: str) -> pd.DataFrame:
    require_dataframe(transactions, where=where)
    require_columns(transactions, {customer_col: "customer_col", date_col: "date_col"}, where=where)
    for col in (customer_col, date_col):
        require_no_missing(transactions, col, where=where)
    if not pd.api.types.is_datetime64_any_dtype(transactions[date_col]):
        raise DataError(
            f"{where}: column {date_col!r} should be datetime, got {transactions[date_col].dtype}; "
            "convert it with pandas.to_datetime"
        )
    days = transactions[[customer_col, date_col]].copy()
    days[date_col] = days[date_col].dt.normalize()
    return days.drop_duplicates().sort_values([customer_col, date_col], kind="stable")


def repeat_purchase_rate(
    transactions: pd.DataFrame, *, customer_col: str = "customer_id", date_col: str = "date"
) -> float:
    """Share of customers who bought on at least two different days.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    customer_col, date_col : str
        Customer id and purchase date (datetime) columns.

    Returns
    -------
    float
        Repeat-purchase rate in [0, 1].

    Raises
    ------
    DataError
        When a column is missing, has missing values or dates are not datetime.

    Notes
    -----
    ``repeat rate = #{customers with >= 2 purchase days} / #{customers}``.
    Several purchases on one day count once, as in the CDNOW studies
    (Fader, Hardie & Lee 2005).

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). Marketing Science,
    24(2), 275-284.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05",
    ...                                            "2024-01-09", "2024-01-09"])})
    >>> round(repeat_purchase_rate(tx), 4)
    0.3333
    """
    days = _check_transactions(transactions, customer_col=customer_col, date_col=date_col, where="repeat_purchase_rate")
    counts = days.groupby(customer_col).size()
    return float((counts >= 2).mean())


def interpurchase_times(
    transactions: pd.DataFrame, *, customer_col: str = "customer_id", date_col: str = "date"
) -> pd.DataFrame:
    """Days between consecutive purchase days of each customer.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    customer_col, date_col : str
        Customer id and purchase date (datetime) columns.

    Returns
    -------
    DataFrame
        One row per repeat purchase day: ``customer_col``, ``date_col`` and
        ``interval_days`` (days since the customer's previous purchase day).

    Raises
    ------
    DataError
        When a column is missing, has missing values or dates are not datetime.

    Notes
    -----
    ``interval_k = t_k - t_{k-1}`` over the sorted distinct purchase days.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-03-01", "2024-01-05"])})
    >>> interpurchase_times(tx)["interval_days"].tolist()
    [10, 50]
    """
    days = _check_transactions(transactions, customer_col=customer_col, date_col=date_col, where="interpurchase_times")
    gap = days.groupby(customer_col)[date_col].diff().dt.days
    out = days.assign(interval_days=gap)
    out = out[out["interval_days"].notna()].copy()
    out["interval_days"] = out["interval_days"].astype("int64")
    return out.reset_index(drop=True)


def repeat_rate_by_cohort(
    transactions: pd.DataFrame,
    *,
    horizon_days: int,
    customer_col: str = "customer_id",
    date_col: str = "date",
    freq: str = "M",
) -> pd.DataFrame:
    """Repeat-purchase rate of each acquisition cohort within a fixed window.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    horizon_days : int
        A customer counts as a repeater when a second purchase day falls within
        ``horizon_days`` after the first.  Required: the same window for every
        cohort keeps early and late cohorts comparable.
    customer_col, date_col : str
        Customer id and purchase date (datetime) columns.
    freq : str, default "M"
        Cohort period of the first purchase (a pandas period alias: "M", "W", "Q").

    Returns
    -------
    DataFrame
        Indexed by ``cohort`` (Period): ``customers``, ``repeaters``,
        ``repeat_rate`` and ``median_days_to_second`` (among repeaters).

    Raises
    ------
    DataError
        When a column is missing or the window reaches past the last date in
        the data for the latest cohort.

    Notes
    -----
    ``rate_c = #{i in c: t_i2 - t_i1 <= H} / #{i in c}`` with ``t_i1`` the first
    and ``t_i2`` the second distinct purchase day.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3, 4, 4],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-01-05", "2024-02-03",
    ...                                            "2024-04-30", "2024-02-10", "2024-05-30"])})
    >>> repeat_rate_by_cohort(tx, horizon_days=30)["repeat_rate"].tolist()
    [0.5, 0.0]
    """
    where = "repeat_rate_by_cohort"
    if int(horizon_days) != horizon_days or horizon_days < 1:
        raise DataError(f"{where}: horizon_days={horizon_days!r} should be a positive integer")
    days = _check_transactions(transactions, customer_col=customer_col, date_col=date_col, where=where)
    first = days.groupby(customer_col)[date_col].min()
    second = days[days.groupby(customer_col).cumcount() == 1].set_index(customer_col)[date_col]
    last_date = days[date_col].max()
    late = first + pd.Timedelta(days=int(horizon_days)) > last_date
    if late.any():
        raise DataError(
            f"{where}: horizon_days={horizon_days} reaches past the last date {last_date.date()} for "
            f"customers first buying from {first[late].min().date()}; shorten horizon_days or "
            "drop the late cohorts"
        )
    gap = (second.reindex(first.index) - first).dt.days
    frame = pd.DataFrame({"cohort": first.dt.to_period(freq), "gap": gap})
    frame["repeat"] = frame["gap"] <= horizon_days
    grouped = frame.groupby("cohort")
    out = pd.DataFrame(
        {
            "customers": grouped.size(),
            "repeaters": grouped["repeat"].sum().astype("int64"),
        }
    )
    out["repeat_rate"] = out["repeaters"] / out["customers"]
    out["median_days_to_second"] = frame[frame["repeat"]].groupby("cohort")["gap"].median().reindex(out.index)
    return out


def share_of_wallet(
    spend_with_us: float | Sequence[float] | pd.Series, total_category_spend: float | Sequence[float] | pd.Series
) -> float | np.ndarray | pd.Series:
    """Share of wallet (顾客份额): our part of the customer's spend in the category.

    Parameters
    ----------
    spend_with_us : float, array-like or Series
        What the customer spends with us.
    total_category_spend : float, array-like or Series
        What the customer spends in the category with all suppliers (> 0).

    Returns
    -------
    float, ndarray or Series
        Share in [0, 1]; a Series keeps the index of ``spend_with_us``.

    Raises
    ------
    DataError
        When a value is missing or negative, a total is 0, or our spend
        exceeds the total.

    Notes
    -----
    ``SOW_i = s_i / S_i`` (Keiningham, Perkins-Munn & Evans 2003).

    References
    ----------
    Keiningham, T. L., Perkins-Munn, T., & Evans, H. (2003). The impact of
    customer satisfaction on share-of-wallet in a business-to-business
    environment. Journal of Service Research, 6(1), 37-50.

    Examples
    --------
    >>> share_of_wallet(300, 1200)
    0.25
    >>> share_of_wallet([0, 50], [100, 50]).tolist()
    [0.0, 1.0]
    """
    where = "share_of_wallet"
    s = np.asarray(spend_with_us, dtype=float)
    t = np.asarray(total_category_spend, dtype=float)
    s1, t1 = np.broadcast_arrays(np.atleast_1d(s), np.atleast_1d(t))
    idx = np.arange(s1.size)
    for name, arr in (("spend_with_us", s1), ("total_category_spend", t1)):
        if np.isnan(arr).any():
            raise DataError(f"{where}: {name} has missing values in {first_rows(np.isnan(arr), idx)}")
    if (s1 < 0).any():
        raise DataError(f"{where}: spend_with_us should be >= 0 but is negative in {first_rows(s1 < 0, idx)}")
    if (t1 <= 0).any():
        raise DataError(f"{where}: total_category_spend should be > 0 but is not in {first_rows(t1 <= 0, idx)}")
    if (s1 > t1).any():
        raise DataError(
            f"{where}: spend_with_us exceeds total_category_spend in {first_rows(s1 > t1, idx)}; "
            "the total must include the spend with us"
        )
    sow = s / t
    if isinstance(spend_with_us, pd.Series):
        return pd.Series(sow, index=spend_with_us.index, name="share_of_wallet")
    if np.ndim(sow) == 0:
        return float(sow)
    return sow


def relationship_duration(
    transactions: pd.DataFrame, *, as_of: str | pd.Timestamp, customer_col: str = "customer_id", date_col: str = "date"
) -> pd.DataFrame:
    """Time dimension of loyalty: how long each customer has been with us.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    as_of : date-like
        End of the observation period; required (it changes every value).
    customer_col, date_col : str
        Customer id and purchase date (datetime) columns.

    Returns
    -------
    DataFrame
        Indexed by customer: ``first_purchase``, ``last_purchase``,
        ``tenure_days`` (as_of - first) and ``active_span_days`` (last - first).

    Raises
    ------
    DataError
        When a column is missing or a purchase falls after ``as_of``.

    Notes
    -----
    ``tenure_i = as_of - t_i1``; ``span_i = t_in - t_i1``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-06-01"])})
    >>> relationship_duration(tx, as_of="2024-12-31")["tenure_days"].tolist()
    [365, 213]
    """
    from crm_lessons._validation import to_timestamp

    where = "relationship_duration"
    end = to_timestamp(as_of, name="as_of", where=where)
    days = _check_transactions(transactions, customer_col=customer_col, date_col=date_col, where=where)
    after = (days[date_col] > end).to_numpy()
    if after.any():
        raise DataError(
            f"{where}: purchases after as_of={end.date()} in {first_rows(after, days.index)}; "
            "filter them out or use a later as_of"
        )
    g = days.groupby(customer_col)[date_col]
    out = pd.DataFrame({"first_purchase": g.min(), "last_purchase": g.max()})
    out["tenure_days"] = (end - out["first_purchase"]).dt.days
    out["active_span_days"] = (out["last_purchase"] - out["first_purchase"]).dt.days
    return out
