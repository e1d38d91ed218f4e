"""The per-customer tables as Ibis expressions: one definition for DuckDB, Spark and any Ibis backend.

Each ``*_expr`` function takes an Ibis table with the canonical columns
``customer_id`` (string), ``date`` (date or timestamp) and ``amount``
(float64) and returns an unexecuted Ibis expression; each function without
the suffix executes it and shapes the result exactly as the pandas function of
the same name does (same index, columns, dtypes, order), so that a chapter or
the report can use either.  The pandas functions (:func:`crm_lessons.rfm.rfm_table`,
:func:`crm_lessons.clv.customer_summary`, ...) keep their own faster
in-memory implementations; ``tests/test_engines.py`` proves the two equal.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons._validation import DataError, to_timestamp

__all__ = [
    "cohort_counts",
    "cohort_matrix",
    "cohort_counts_expr",
    "customer_summary",
    "customer_summary_expr",
    "customer_value",
    "customer_value_expr",
    "lifecycle_inputs",
    "lifecycle_inputs_expr",
    "lifecycle_stage",
    "per_customer",
    "rfm_table",
    "rfm_table_expr",
]

C, D, A = "customer_id", "date", "amount"
_UNIT_DAYS = {"W": 7, "D": 1}
_EPOCH = _dt.date(1970, 1, 1)


def _day(value: Any, name: str, where: str) -> _dt.date:
    ts = to_timestamp(value, name=name, where=where)
    if ts.tzinfo is not None:
        raise DataError(f"{where}: {name}={value!r} has a time zone; pass a plain date such as '1998-06-30'")
    return ts.date()


def _lit(day: _dt.date) -> Any:
    import ibis

    return ibis.date(day.year, day.month, day.day)


def _days_between(later: Any, earlier: Any) -> Any:
    """Whole calendar days from ``earlier`` to ``later`` (Ibis date expressions) as int64."""
    return later.delta(earlier, unit="day").cast("int64")


def _as_date(table: Any) -> Any:
    """The canonical table with ``date`` reduced to a calendar date (time of day dropped)."""
    return table.select(
        table[C].cast("string").name(C), table[D].cast("date").name(D), table[A].cast("float64").name(A)
    )


def execute(expr: Any) -> pd.DataFrame:
    """Run the Ibis expression ``expr`` on its engine and return the (small) result as a DataFrame, through Arrow.

    Ibis 12's own pandas conversion warns on pandas 3, and on PySpark it goes through
    ``toPandas``; Spark 4's ``toArrow`` hands the (small) result over directly.
    """
    con = expr.get_backend()
    table = expr.as_table()
    if con.name == "pyspark" and hasattr(con._session.sql("SELECT 1"), "toArrow"):
        con._run_pre_execute_hooks(table)
        return con._session.sql(con.compile(table)).toArrow().to_pandas()
    return table.to_pyarrow().to_pandas()


def _customer_index(values: Any, name: str = C) -> pd.Index:
    return pd.Index(np.asarray(values, dtype=object), name=name).astype("str")


def _dates(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values).to_numpy(dtype="datetime64[ns]")


# ---------------------------------------------------------------- RFM


def rfm_table_expr(table: Any, *, as_of: Any) -> Any:
    """RFM aggregates per customer up to ``as_of`` (see :func:`rfm_table`)."""
    end = _lit(_day(as_of, "as_of", "rfm_table"))
    t = _as_date(table)
    t = t.filter(t[D] <= end)
    agg = t.group_by(C).aggregate(
        n_purchases=t.count(), total_spend=t[A].sum(), first_purchase=t[D].min(), last_purchase=t[D].max()
    )
    return agg.select(
        C,
        days_since_last=_days_between(end, agg.last_purchase),
        n_purchases=agg.n_purchases.cast("int64"),
        total_spend=agg.total_spend,
        mean_spend=agg.total_spend / agg.n_purchases.cast("float64"),
        first_purchase=agg.first_purchase,
        last_purchase=agg.last_purchase,
        days_since_first=_days_between(end, agg.first_purchase),
    )


def rfm_table(table: Any, *, as_of: Any) -> pd.DataFrame:
    """:func:`crm_lessons.rfm.rfm_table` computed by the engine that holds ``table``.

    Parameters
    ----------
    table : ibis Table
        ``customer_id``, ``date``, ``amount`` (e.g. from :func:`crm_lessons.engines.read_source`).
    as_of : date-like
        Date of the analysis; later rows are left out.

    Returns
    -------
    DataFrame
        As :func:`crm_lessons.rfm.rfm_table`: indexed by ``customer_id``
        (sorted), ``days_since_last``, ``n_purchases``, ``total_spend``,
        ``mean_spend``, ``first_purchase``, ``last_purchase``, ``days_since_first``.

    Raises
    ------
    DataError
        No row is dated on or before ``as_of``.
    """
    day = _day(as_of, "as_of", "rfm_table")
    out = execute(rfm_table_expr(table, as_of=as_of))
    if out.empty:
        raise DataError(
            f"rfm_table: no transaction is dated on or before as_of={day}",
            zh=f"rfm_table：没有日期不晚于 as_of={day} 的交易",
        )
    out = out.set_index(_customer_index(out.pop(C))).sort_index()
    for col in ("first_purchase", "last_purchase"):
        out[col] = _dates(out[col])
    return out.astype(
        {
            "days_since_last": "int64",
            "n_purchases": "int64",
            "days_since_first": "int64",
            "total_spend": "float64",
            "mean_spend": "float64",
        }
    )


# ---------------------------------------------------------------- customer summary


def customer_summary_expr(table: Any, *, calibration_end: Any, observation_end: Any = None, freq: str = "W") -> Any:
    """Fader-Hardie (frequency, recency, T, monetary value) per customer (see :func:`customer_summary`)."""
    where = "customer_summary"
    if freq not in _UNIT_DAYS:
        raise DataError(f"{where}: freq={freq!r} is not supported; use 'W' (weeks) or 'D' (days)")
    cal_day = _day(calibration_end, "calibration_end", where)
    obs_day = cal_day if observation_end is None else _day(observation_end, "observation_end", where)
    if observation_end is not None and obs_day <= cal_day:
        raise DataError(f"{where}: observation_end={obs_day} should be after calibration_end={cal_day}")
    unit = float(_UNIT_DAYS[freq])
    cal, obs = _lit(cal_day), _lit(obs_day)
    t = _as_date(table)
    t = t.filter(t[D] <= obs)
    # purchases of one customer on one calendar day are one transaction (amounts added)
    daily = t.group_by([C, D]).aggregate(amount=t[A].sum())
    in_cal = daily[D] <= cal
    agg = daily.group_by(C).aggregate(
        first_day=daily[D].min(),
        first_amount=daily[A].argmin(daily[D]),
        n_days=daily.count(),
        n_cal=in_cal.cast("int64").sum(),
        last_cal=daily[D].max(where=in_cal),
        cal_amount=daily[A].sum(where=in_cal),
        hold_amount=daily[A].sum(where=~in_cal),
    )
    agg = agg.filter(agg.first_day <= cal)
    frequency = (agg.n_cal - 1).cast("int64")
    columns = {
        "frequency": frequency,
        "recency": _days_between(agg.last_cal, agg.first_day).cast("float64") / unit,
        "T": _days_between(cal, agg.first_day).cast("float64") / unit,
        "monetary_value": (frequency > 0).ifelse((agg.cal_amount - agg.first_amount) / frequency.cast("float64"), 0.0),
    }
    if observation_end is not None:
        n_hold = (agg.n_days - agg.n_cal).cast("int64")
        columns["frequency_holdout"] = n_hold
        columns["monetary_value_holdout"] = (n_hold > 0).ifelse(agg.hold_amount / n_hold.cast("float64"), 0.0)
        columns["duration_holdout"] = _days_between(obs, cal).cast("float64") / unit
    return agg.select(C, **columns)


def customer_summary(table: Any, *, calibration_end: Any, observation_end: Any = None, freq: str = "W") -> pd.DataFrame:
    """:func:`crm_lessons.clv.customer_summary` computed by the engine that holds ``table``.

    Parameters
    ----------
    table : ibis Table
        ``customer_id``, ``date``, ``amount`` (>= 0).
    calibration_end, observation_end, freq
        As in :func:`crm_lessons.clv.customer_summary`.

    Returns
    -------
    DataFrame
        As :func:`crm_lessons.clv.customer_summary`, indexed by ``customer_id`` (sorted).

    Raises
    ------
    DataError
        ``observation_end`` not after ``calibration_end``, an unknown ``freq``,
        or no customer before ``calibration_end``.
    """
    where = "customer_summary"
    expr = customer_summary_expr(table, calibration_end=calibration_end, observation_end=observation_end, freq=freq)
    out = execute(expr)
    if out.empty:
        cal_day = _day(calibration_end, "calibration_end", where)
        raise DataError(
            f"{where}: no customer made a first purchase on or before calibration_end={cal_day}; "
            "choose a later calibration_end",
            zh=f"{where}：没有客户在 calibration_end={cal_day} 或之前首次购买；请选择更晚的 calibration_end",
        )
    out = out.set_index(_customer_index(out.pop(C))).sort_index()
    dtypes = {"frequency": "int64", "recency": "float64", "T": "float64", "monetary_value": "float64"}
    if observation_end is not None:
        dtypes.update(frequency_holdout="int64", monetary_value_holdout="float64", duration_holdout="float64")
    return out.astype(dtypes)[list(dtypes)]


# ---------------------------------------------------------------- lifecycle


def lifecycle_inputs_expr(table: Any, *, as_of: Any, window_days: int = 180, measure: str = "amount") -> Any:
    """Per customer: first and last purchase, purchases, and value in the recent and previous windows."""
    end = _lit(_day(as_of, "as_of", "lifecycle_stage"))
    t = _as_date(table)
    t = t.filter(t[D] <= end)
    days_before = _days_between(end, t[D])
    value = t[A] if measure == "amount" else t[A] * 0.0 + 1.0
    t = t.mutate(
        recent=(days_before < window_days).ifelse(value, 0.0),
        previous=((days_before >= window_days) & (days_before < 2 * window_days)).ifelse(value, 0.0),
    )
    agg = t.group_by(C).aggregate(
        first_purchase=t[D].min(),
        last_purchase=t[D].max(),
        n_purchases=t.count(),
        recent_value=t.recent.sum(),
        previous_value=t.previous.sum(),
    )
    return agg.mutate(
        tenure_days=_days_between(end, agg.first_purchase), days_since_last=_days_between(end, agg.last_purchase)
    )


def lifecycle_inputs(table: Any, *, as_of: Any, rules: Any = None) -> pd.DataFrame:
    """The per-customer inputs of :func:`crm_lessons.lifecycle.lifecycle_stage`, computed by the engine.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted): ``first_purchase``,
        ``last_purchase``, ``n_purchases``, ``tenure_days``,
        ``days_since_last``, ``recent_value``, ``previous_value``
        (:func:`lifecycle_stage` applies the stage rules to it).
    """
    from crm_lessons.lifecycle import LifecycleRules

    rules = LifecycleRules() if rules is None else rules
    day = _day(as_of, "as_of", "lifecycle_stage")
    out = execute(lifecycle_inputs_expr(table, as_of=as_of, window_days=rules.window_days, measure=rules.measure))
    if out.empty:
        raise DataError(
            f"lifecycle_stage: no purchase on or before as_of={day}; choose a later as_of",
            zh=f"lifecycle_stage：as_of={day} 或之前没有购买；请选择更晚的 as_of",
        )
    out = out.set_index(_customer_index(out.pop(C))).sort_index()
    for col in ("first_purchase", "last_purchase"):
        out[col] = _dates(out[col])
    out = out.astype(
        {
            "n_purchases": "int64",
            "tenure_days": "int64",
            "days_since_last": "int64",
            "recent_value": "float64",
            "previous_value": "float64",
        }
    )
    return out[
        [
            "first_purchase",
            "last_purchase",
            "n_purchases",
            "tenure_days",
            "days_since_last",
            "recent_value",
            "previous_value",
        ]
    ]


# ---------------------------------------------------------------- cohorts


def _period_ordinal(date: Any, freq: str) -> Any:
    """pandas' Period ordinal of a date: months or quarters since 1970-01, weeks (Mon-Sun) since 1969-12-29."""
    if freq == "M":
        return (date.year().cast("int64") - 1970) * 12 + date.month().cast("int64") - 1
    if freq == "Q":
        return (date.year().cast("int64") - 1970) * 4 + (date.month().cast("int64") - 1) // 3
    days = date.delta(_lit(_EPOCH), unit="day").cast("int64")
    return (days + 3) // 7 + 1


def cohort_counts_expr(table: Any, *, freq: str = "M", as_of: Any = None) -> Any:
    """Customers active per (acquisition cohort, periods since acquisition), as period ordinals."""
    t = _as_date(table)
    if as_of is not None:
        t = t.filter(t[D] <= _lit(_day(as_of, "as_of", "cohort_matrix")))
    t = t.mutate(period=_period_ordinal(t[D], freq))
    t = t.mutate(cohort=t.period.min().over(group_by=C))
    active = t.select(C, "cohort", age=t.period - t.cohort).distinct()
    return active.group_by(["cohort", "age"]).aggregate(customers=active.count())


def cohort_counts(table: Any, *, freq: str = "M", as_of: Any = None) -> pd.DataFrame:
    """Long table of active customers by cohort and age, and the last period observed.

    Returns
    -------
    DataFrame
        ``cohort`` and ``age`` (pandas Period ordinals of ``freq``) and
        ``customers``, sorted (:func:`cohort_matrix` turns it into the matrix).
    """
    if freq not in ("M", "Q", "W"):
        raise DataError(f"cohort_matrix: freq={freq!r} is not supported; use 'M' (month), 'Q' (quarter) or 'W' (week)")
    out = execute(cohort_counts_expr(table, freq=freq, as_of=as_of))
    if out.empty:
        raise DataError("cohort_matrix: no purchase on or before as_of; choose a later as_of")
    return out.astype("int64").sort_values(["cohort", "age"]).reset_index(drop=True)


def last_date(table: Any) -> pd.Timestamp:
    """The last date in ``table``."""
    t = _as_date(table)
    return pd.Timestamp(execute(t[D].max().name("last")).iloc[0, 0])


# ---------------------------------------------------------------- customer value


def customer_value_expr(table: Any) -> Any:
    """Total revenue per customer (see :func:`customer_value`)."""
    t = _as_date(table)
    return t.group_by(C).aggregate(revenue=t[A].sum())


def customer_value(table: Any) -> pd.Series:
    """:func:`crm_lessons.classification.customer_value` computed by the engine: revenue per customer, sorted."""
    out = execute(customer_value_expr(table))
    revenue = pd.Series(out["revenue"].to_numpy(dtype="float64"), index=_customer_index(out[C]), name="revenue")
    return revenue.sort_index()


# ---------------------------------------------------------------- the pandas functions' tables


def lifecycle_stage(table: Any, *, as_of: Any, rules: Any = None, p_alive: pd.Series | None = None) -> pd.DataFrame:
    """:func:`crm_lessons.lifecycle.lifecycle_stage` with its inputs computed by the engine.

    The stage rules themselves run on the (small) per-customer table with the
    same code as the pandas function.
    """
    from crm_lessons.lifecycle import LifecycleRules, stages_from_inputs

    rules = LifecycleRules() if rules is None else rules
    if (p_alive is None) != (rules.p_alive_threshold is None):
        raise DataError(
            "lifecycle_stage: pass both p_alive and rules=LifecycleRules(p_alive_threshold=...), or neither"
        )
    inputs = lifecycle_inputs(table, as_of=as_of, rules=rules)
    return stages_from_inputs(inputs, rules, p_alive=p_alive, where="lifecycle_stage")


def cohort_matrix(table: Any, *, freq: str = "M", as_of: Any = None, value: str = "share") -> pd.DataFrame:
    """:func:`crm_lessons.lifecycle.cohort_matrix` with the cohort counts computed by the engine."""
    from crm_lessons.lifecycle import cohort_matrix_from_counts

    if value not in ("share", "customers"):
        raise DataError(f"cohort_matrix: value={value!r} should be 'share' or 'customers'")
    long = cohort_counts(table, freq=freq, as_of=as_of)
    end = to_timestamp(as_of, name="as_of", where="cohort_matrix") if as_of is not None else last_date(table)
    return cohort_matrix_from_counts(long, last_period=end.to_period(freq).ordinal, freq=freq, value=value)


def per_customer(table: Any, *, as_of: Any, rules: Any = None, since: Any = None) -> dict[str, Any]:
    """The RFM table, the lifecycle inputs, revenue and revenue since ``since``, from one aggregation.

    What the report needs from each customer in a single pass over the data
    (each table is the one :func:`rfm_table`, :func:`lifecycle_inputs` and
    :func:`customer_value` return).

    Returns
    -------
    dict
        ``rfm``, ``lifecycle_inputs``, ``revenue`` and, with ``since``,
        ``revenue_since`` (revenue of purchases dated after ``since``, 0 for
        customers without one).
    """
    from crm_lessons.lifecycle import LifecycleRules

    rules = LifecycleRules() if rules is None else rules
    day = _day(as_of, "as_of", "rfm_table")
    end = _lit(day)
    t = _as_date(table)
    t = t.filter(t[D] <= end)
    days_before = _days_between(end, t[D])
    value = t[A] if rules.measure == "amount" else t[A] * 0.0 + 1.0
    w = rules.window_days
    t = t.mutate(
        recent=(days_before < w).ifelse(value, 0.0),
        previous=((days_before >= w) & (days_before < 2 * w)).ifelse(value, 0.0),
    )
    metrics = {
        "n_purchases": t.count(),
        "total_spend": t[A].sum(),
        "first_purchase": t[D].min(),
        "last_purchase": t[D].max(),
        "recent_value": t.recent.sum(),
        "previous_value": t.previous.sum(),
    }
    if since is not None:
        metrics["revenue_since"] = t[A].sum(where=t[D] > _lit(_day(since, "since", "per_customer")))
    out = execute(t.group_by(C).aggregate(**metrics))
    if out.empty:
        raise DataError(
            f"rfm_table: no transaction is dated on or before as_of={day}",
            zh=f"rfm_table：没有日期不晚于 as_of={day} 的交易",
        )
    out = out.set_index(_customer_index(out.pop(C))).sort_index()
    first, last = _dates(out["first_purchase"]), _dates(out["last_purchase"])
    as_of_ns = np.datetime64(day, "D").astype("datetime64[ns]")
    n = out["n_purchases"].to_numpy(dtype="int64")
    spend = out["total_spend"].to_numpy(dtype="float64")
    since_first = ((as_of_ns - first) // np.timedelta64(1, "D")).astype("int64")
    since_last = ((as_of_ns - last) // np.timedelta64(1, "D")).astype("int64")
    rfm = pd.DataFrame(
        {
            "days_since_last": since_last,
            "n_purchases": n,
            "total_spend": spend,
            "mean_spend": spend / n,
            "first_purchase": first,
            "last_purchase": last,
            "days_since_first": since_first,
        },
        index=out.index,
    )
    inputs = pd.DataFrame(
        {
            "first_purchase": first,
            "last_purchase": last,
            "n_purchases": n,
            "tenure_days": since_first,
            "days_since_last": since_last,
            "recent_value": out["recent_value"].to_numpy(dtype="float64"),
            "previous_value": out["previous_value"].to_numpy(dtype="float64"),
        },
        index=out.index,
    )
    result = {"rfm": rfm, "lifecycle_inputs": inputs, "revenue": pd.Series(spend, index=out.index, name="revenue")}
    if since is not None:
        result["revenue_since"] = pd.Series(
            out["revenue_since"].fillna(0.0).to_numpy(dtype="float64"), index=out.index, name="revenue_since"
        )
    return result
