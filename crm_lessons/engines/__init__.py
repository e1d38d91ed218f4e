"""Customer tables beyond one machine's memory: DuckDB (embedded) and Apache Spark (a cluster).

Machinery, not course content: the per-customer tables every analysis starts
from (the RFM table, the Fader-Hardie customer summary, the lifecycle inputs,
cohort counts and revenue per customer) are aggregations of the transaction
log.  Here each is written once as an Ibis expression
(:mod:`crm_lessons.engines.tables`), which DuckDB runs out of core on a laptop
and Spark runs on a cluster (Ibis also targets Postgres, BigQuery, Snowflake,
...); the models then fit on the small per-customer tables as usual.  The
pandas functions keep their own in-memory implementations and the tests prove
both give the same numbers.

Install with ``pip install "crm-lessons[duckdb]"`` or ``"crm-lessons[spark]"``
(Spark also needs Java 17).  Nothing here is imported by the science modules.

Examples
--------
>>> from crm_lessons.engines import engine_available
>>> engine_available("pandas")
True
"""

from __future__ import annotations

from crm_lessons.engines._backend import (
    DUCKDB_MEMORY_LIMIT,
    ENGINES,
    INSTALL,
    check_engine,
    connect,
    duckdb_connect,
    engine_available,
    spark_connect,
    spark_session,
)
from crm_lessons.engines._source import read_source
from crm_lessons.engines.tables import (
    cohort_counts,
    cohort_matrix,
    customer_summary,
    customer_value,
    execute,
    last_date,
    lifecycle_inputs,
    lifecycle_stage,
    per_customer,
    rfm_table,
)

__all__ = [
    "DUCKDB_MEMORY_LIMIT",
    "ENGINES",
    "INSTALL",
    "check_engine",
    "cohort_counts",
    "cohort_matrix",
    "connect",
    "customer_summary",
    "customer_value",
    "duckdb_connect",
    "engine_available",
    "execute",
    "last_date",
    "lifecycle_inputs",
    "lifecycle_stage",
    "per_customer",
    "read_source",
    "rfm_table",
    "spark_connect",
    "spark_session",
]
