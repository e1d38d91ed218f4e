"""The report's per-customer tables from a pandas transaction log, with the ids coded once.

:func:`per_customer` is the pandas counterpart of
:func:`crm_lessons.engines.per_customer` (plus the customer summary): it codes the
customer ids once (:func:`crm_lessons._ids.sorted_codes`), turns the dates into
day numbers once, and builds every table the report shows from those arrays with
the same array code as :func:`crm_lessons.rfm.rfm_table` and
:func:`crm_lessons.clv.customer_summary` (``rfm_from_codes``,
``summary_from_codes``).  The tables are those functions' own results
(``tests/test_report_tables.py`` checks them against the public functions), but
the transactions are read once instead of once per table, and can be dropped
as soon as the tables exist: the report's template then holds per-customer
tables only, whose size follows the number of customers, not of rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_lessons._validation import to_timestamp

__all__ = ["lifecycle_inputs", "per_customer"]


def per_customer(
    transactions: pd.DataFrame, *, as_of: Any, rules: Any = None, since: Any = None, summary: bool = True
) -> dict[str, Any]:
    """Every per-customer table of the report from one coding of the ids.

    Parameters
    ----------
    transactions : DataFrame
        ``customer_id``, ``date`` (datetime64), ``amount``: checked purchases
        (:func:`crm_lessons.report.prepare_data`), none missing.
    as_of : date-like
        End of the observation period; later rows are left out.
    rules : crm_lessons.lifecycle.LifecycleRules, optional
        Rules whose windows the lifecycle inputs use (default rules).
    since : date-like, optional
        Start (exclusive) of the window of ``revenue_since``.
    summary : bool, default True
        Also compute the customer summary (BG/NBD input, weeks, calibration
        at ``as_of``); a :class:`~crm_lessons.DataError` it raises is stored
        in its place, as :class:`crm_lessons.report.CustomerTables` expects.

    Returns
    -------
    dict
        ``rfm`` (:func:`crm_lessons.rfm.rfm_table`, whose ``total_spend`` is
        :func:`crm_lessons.classification.customer_value` of these rows),
        ``lifecycle_values`` (``recent_value`` and ``previous_value``: with the
        RFM table, the inputs of :func:`crm_lessons.lifecycle.lifecycle_stage`;
        see :func:`lifecycle_inputs`), ``revenue_since`` (with ``since``: revenue of purchases dated after it,
        0 for customers without one), ``summary``
        (:func:`crm_lessons.clv.customer_summary`), ``n_transactions`` and
        ``lifecycle_rules``.  The tables share one index object.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["b", "a", "b"], "amount": [5.0, 3.0, 2.0],
    ...                    "date": pd.to_datetime(["2024-01-02", "2024-01-05", "2024-01-09"])})
    >>> t = per_customer(tx, as_of="2024-01-31", since="2024-01-03")
    >>> t["rfm"][["n_purchases", "total_spend"]].to_dict("index")
    {'a': {'n_purchases': 1, 'total_spend': 3.0}, 'b': {'n_purchases': 2, 'total_spend': 7.0}}
    >>> t["revenue_since"].to_dict(), t["summary"]["frequency"].to_dict()
    ({'a': 3.0, 'b': 2.0}, {'a': 0, 'b': 1})
    """
    from crm_lessons._ids import sorted_codes
    from crm_lessons._validation import DataError, require_non_negative
    from crm_lessons.clv import UNIT_DAYS, summary_from_codes, summary_index
    from crm_lessons.lifecycle import LifecycleRules
    from crm_lessons.rfm import day_numbers, rfm_from_codes

    rules = LifecycleRules() if rules is None else rules
    end = to_timestamp(as_of, name="as_of", where="per_customer").normalize()
    as_of_day = (end - pd.Timestamp("1970-01-01")).days
    ids = transactions["customer_id"]
    day, unit = day_numbers(transactions["date"], column="date", where="per_customer")
    amount = transactions["amount"].to_numpy(dtype="float64")
    keep = day <= as_of_day
    if not keep.any():
        raise DataError(
            f"rfm_table: no transaction is dated on or before as_of={end.date()}",
            zh=f"rfm_table：没有日期不晚于 as_of={end.date()} 的交易",
        )
    codes, uniques, _ = sorted_codes(ids)
    _release_arrow_memory()  # the coding's Arrow temporaries: give them back before the large numpy arrays
    since_mask = None
    if since is not None:  # on the datetimes themselves, as report.naive_clv compares them
        start = to_timestamp(since, name="since", where="per_customer")
        since_mask = transactions["date"].to_numpy() > np.datetime64(start.to_datetime64())
    if not keep.all():
        codes, day, amount = codes[keep], day[keep], amount[keep]
        since_mask = since_mask[keep] if since_mask is not None else None
    table: pd.DataFrame | BaseException | None = None
    if summary:  # first: its arrays of every row are the largest, and fewer tables exist yet
        try:
            require_non_negative(transactions, "amount", where="customer_summary")
            table = summary_from_codes(
                codes.astype(np.int64, copy=False),
                summary_index(ids, uniques),
                day,
                amount,
                cal_day=as_of_day,
                obs_day=as_of_day,
                unit=float(UNIT_DAYS["W"]),
                holdout=False,
                name="customer_id",
                cal_date=end.date(),
            )
        except DataError as exc:
            table = exc
    rfm = rfm_from_codes(codes, uniques, day, amount, as_of_day=as_of_day, unit=unit, name="customer_id")
    index = rfm.index
    k = len(uniques)
    occurs = np.bincount(codes, minlength=k) > 0  # the customers in the RFM table, in code order

    def per_code(weights: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=weights, minlength=k)[occurs]

    # lifecycle inputs: value in the last window and the one before it (lifecycle.lifecycle_stage)
    days_before = as_of_day - day
    value = amount if rules.measure == "amount" else np.ones(len(day))
    w = rules.window_days
    recent = per_code(np.where(days_before < w, value, 0.0))
    previous = per_code(np.where((days_before >= w) & (days_before < 2 * w), value, 0.0))
    del days_before, value
    values = pd.DataFrame({"recent_value": recent, "previous_value": previous}, index=index)
    out: dict[str, Any] = {
        "rfm": rfm,
        "lifecycle_values": values,
        "lifecycle_rules": rules,
        "n_transactions": int(len(day)),
    }
    if since_mask is not None:
        out["revenue_since"] = pd.Series(per_code(np.where(since_mask, amount, 0.0)), index=index, name="revenue_since")
    if isinstance(table, pd.DataFrame) and table.index.equals(index) and table.index.dtype == index.dtype:
        table.index = index  # one index object for every table (pickled once)
    if table is not None:
        out["summary"] = table
    return out


def lifecycle_inputs(rfm: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """The inputs of the lifecycle rules (:func:`crm_lessons.lifecycle._stages`) from the RFM table and the
    window values of :func:`per_customer` (kept apart so that the RFM columns are stored once).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a"], "amount": [3.0], "date": pd.to_datetime(["2024-01-05"])})
    >>> t = per_customer(tx, as_of="2024-01-31", summary=False)
    >>> inputs = lifecycle_inputs(t["rfm"], t["lifecycle_values"])
    >>> int(inputs.loc["a", "tenure_days"]), float(inputs.loc["a", "recent_value"])
    (26, 3.0)
    """
    return pd.DataFrame(
        {
            "first_purchase": rfm["first_purchase"],
            "last_purchase": rfm["last_purchase"],
            "n_purchases": rfm["n_purchases"],
            "tenure_days": rfm["days_since_first"],
            "days_since_last": rfm["days_since_last"],
            "recent_value": values["recent_value"],
            "previous_value": values["previous_value"],
        },
        index=rfm.index,
    )


def _release_arrow_memory() -> None:
    """Return the memory Arrow's allocator keeps after freeing to the system (numpy allocates elsewhere
    and could not reuse it), so that it does not add to the peak of what follows."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
