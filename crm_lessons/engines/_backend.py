"""Connections to the engines: DuckDB (embedded, out of core) and Apache Spark (local or a cluster)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Any

from crm_lessons._validation import DataError, option

ENGINES = ("pandas", "duckdb", "spark")
#: What to install for each engine (the package's optional extras).
INSTALL = {"duckdb": 'pip install "crm-lessons[duckdb]"', "spark": 'pip install "crm-lessons[spark]"'}
#: DuckDB's default memory limit: enough for the per-customer aggregations of a 50M-row log,
#: with the rest spilled to the temporary folder.
DUCKDB_MEMORY_LIMIT = "1GB"

_SPARK_SESSION: Any = None


def engine_available(engine: str) -> bool:
    """Whether the packages an engine needs are installed (nothing is imported).

    Examples
    --------
    >>> engine_available("pandas")
    True
    """
    from importlib.util import find_spec

    if engine == "pandas":
        return True
    needed = {"duckdb": ("ibis", "duckdb", "pyarrow"), "spark": ("ibis", "pyspark", "pyarrow")}[engine]
    return all(find_spec(name) is not None for name in needed)


def check_engine(engine: str, *, where: str = "engines") -> str:
    """The engine's name, or a DataError saying what to install.

    Examples
    --------
    >>> check_engine("pandas")
    'pandas'
    >>> check_engine("polars")
    Traceback (most recent call last):
    ...
    crm_lessons._validation.DataError: engines: engine='polars' is not one of 'pandas', 'duckdb', 'spark'
    """
    if engine not in ENGINES:
        raise DataError(
            f"{where}: {option('engine', engine)} is not one of 'pandas', 'duckdb', 'spark'",
            zh=f"{where}：{option('engine', engine)} 不是 'pandas'、'duckdb'、'spark' 之一",
        )
    if not engine_available(engine):
        raise DataError(
            f"{where}: the {engine} engine is not installed; install it with {INSTALL[engine]}"
            + (" (Spark also needs Java 17 on the PATH)" if engine == "spark" else ""),
            zh=f"{where}：没有安装 {engine} 引擎；请用 {INSTALL[engine]} 安装"
            + ("（Spark 还需要 PATH 上有 Java 17）" if engine == "spark" else ""),
        )
    if engine == "spark" and shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise DataError(
            f"{where}: the spark engine needs Java 17 on the PATH (or JAVA_HOME)",
            zh=f"{where}：spark 引擎需要 Java 17（在 PATH 上或设置 JAVA_HOME）",
        )
    return engine


def duckdb_connect(
    *, memory_limit: str | None = None, temp_directory: str | os.PathLike[str] | None = None, threads: int | None = None
) -> Any:
    """An Ibis DuckDB connection (in memory) that spills to ``temp_directory`` beyond ``memory_limit``.

    Parameters
    ----------
    memory_limit : str, optional
        DuckDB's ``memory_limit`` (default :data:`DUCKDB_MEMORY_LIMIT`), e.g. ``'4GB'``.
    temp_directory : path, optional
        Folder for spilled intermediate results (default: a folder under the
        system's temporary folder, which DuckDB removes when it closes).
    threads : int, optional
        Worker threads (default: DuckDB's, one per core).
    """
    check_engine("duckdb")
    import ibis

    config: dict[str, Any] = {
        "memory_limit": memory_limit or DUCKDB_MEMORY_LIMIT,
        "temp_directory": str(
            temp_directory or os.path.join(tempfile.gettempdir(), f"crm-lessons-duckdb-{os.getpid()}")
        ),
        # the aggregations do not need rows in file order; this lets DuckDB stream and spill more
        "preserve_insertion_order": False,
    }
    if threads is not None:
        config["threads"] = int(threads)
    return ibis.duckdb.connect(**config)


def spark_session(
    master: str | None = None, *, app_name: str = "crm-lessons", config: dict[str, str] | None = None
) -> Any:
    """A SparkSession for the engines: ``master`` (default ``local[*]``), no web UI, UTC, a temporary warehouse.

    Inside one Python process the session is created once and reused (Spark allows one active
    session per process).  To run on a cluster pass its master URL (``spark://host:7077``,
    ``yarn``, ``k8s://...``) or build your own session and pass it as ``session=`` instead.
    """
    global _SPARK_SESSION
    check_engine("spark")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if master is None or master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    warehouse = tempfile.mkdtemp(prefix="crm-lessons-spark-warehouse-")
    atexit.register(shutil.rmtree, warehouse, True)  # removed when Python exits
    builder = (
        SparkSession.builder.master(master or "local[*]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={warehouse}")
    )
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    _SPARK_SESSION = builder.getOrCreate()
    return _SPARK_SESSION


def spark_connect(session: Any = None, *, master: str | None = None) -> Any:
    """An Ibis PySpark connection on ``session`` (default :func:`spark_session` with ``master``)."""
    check_engine("spark")
    import ibis

    if session is None:
        session = spark_session(master)
    return ibis.pyspark.connect(session)


def connect(
    engine: str,
    *,
    memory_limit: str | None = None,
    temp_directory: Any = None,
    threads: int | None = None,
    master: str | None = None,
    session: Any = None,
) -> Any:
    """An Ibis connection for ``engine`` ('duckdb' or 'spark').

    Examples
    --------
    >>> connect("duckdb", memory_limit="512MB").name
    'duckdb'
    """
    check_engine(engine)
    if engine == "duckdb":
        return duckdb_connect(memory_limit=memory_limit, temp_directory=temp_directory, threads=threads)
    if engine == "spark":
        return spark_connect(session, master=master)
    raise DataError("engines: engine='pandas' has no connection; use crm_lessons.io.read_transactions")
