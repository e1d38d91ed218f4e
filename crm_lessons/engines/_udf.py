"""Built-in SQL functions the engines need and Ibis does not wrap (imported only on an engine path).

No ``from __future__ import annotations`` here: Ibis reads the annotations as types.
"""

import ibis
import ibis.expr.datatypes as dt


@ibis.udf.scalar.builtin(name="try_strptime")
def duckdb_try_strptime(value: str, fmt: str) -> dt.timestamp:
    """DuckDB: the timestamp in ``value`` read with a strftime format, NULL where it does not match."""


@ibis.udf.scalar.builtin(name="try_to_timestamp")
def spark_try_to_timestamp(value: str, fmt: str) -> dt.timestamp:
    """Spark 3.5+: the timestamp in ``value`` read with a Java date pattern, NULL where it does not match."""


@ibis.udf.scalar.builtin(name="monotonically_increasing_id")
def spark_monotonically_increasing_id() -> dt.int64:
    """Spark: an id that increases with each row in the order the rows are read (not consecutive)."""


@ibis.udf.scalar.builtin(name="btrim")
def spark_btrim(value: str, chars: str) -> str:
    """Spark 3.2+: ``value`` without the characters of ``chars`` at either end."""


@ibis.udf.scalar.builtin(name="unhex")
def spark_unhex(text: str) -> dt.binary:
    """Spark: the bytes written in hexadecimal in ``text``."""
