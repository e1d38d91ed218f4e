"""The report's input: reading and checking the data, and the per-customer tables it shows."""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from crm_lessons._validation import DataError, option, pass_option, to_timestamp

_WHERE = "prepare_data"
#: Default end of the observation period of the bundled CDNOW data.
CDNOW_AS_OF = "1998-06-30"
#: Up to this many checked rows, DuckDB keeps them in memory for the report's three passes (about 30 bytes
#: a row: 300 MB, within DuckDB's default 1 GB limit); beyond, each pass streams the file again.
_MATERIALIZE_ROWS = 10_000_000
#: Fewest customers a report can describe (RFM scores are quintiles).
MIN_CUSTOMERS = 5
#: Symbols used in Chinese number formats (the bundled font lacks U+00A5, so the fullwidth ￥ is used).
_SYMBOL_ZH = {"CNY": "￥", "RMB": "￥", "USD": "US$", "HKD": "HK$", "EUR": "€", "GBP": "£"}


@dataclass
class ReportData:
    """Cleaned transactions and what the reader needs to know about them.

    Attributes
    ----------
    transactions : DataFrame
        ``customer_id`` (str), ``date``, ``amount`` > 0: purchases dated on or
        before ``as_of`` (returns, zero amounts and later rows are counted in
        ``quality`` and left out of the analysis).
    quality : dict
        :meth:`crm_lessons.io.DataQualityReport.to_dict` of the file, plus
        ``excluded_nonpositive`` and ``excluded_after_as_of`` (rows left out).
    as_of : str
        End of the observation period (``YYYY-MM-DD``).
    source : str
        Name of the data shown in the report.
    currency : str
        Currency code of the amounts.
    tables : dict, optional
        Per-customer tables computed on an engine (DuckDB, Spark): then
        ``transactions`` is empty and :func:`customer_tables` serves these.
    """

    transactions: pd.DataFrame
    quality: dict[str, Any]
    as_of: str
    source: str
    currency: str
    tables: dict[str, Any] | None = None


class CustomerTables:
    """The per-customer tables the report shows, from the transactions (pandas) or precomputed on an engine.

    ``revenue`` (per customer), ``rfm`` (:func:`crm_lessons.rfm.rfm_table`),
    ``summary`` (:func:`crm_lessons.clv.customer_summary` by week, calibration
    at ``as_of``), :meth:`stages` (:func:`crm_lessons.lifecycle.lifecycle_stage`),
    ``naive_clv`` (:func:`naive_clv`) and ``n_transactions``.  From
    transactions, all of them are computed together on first use, with the
    customer ids coded once (:func:`crm_lessons.report._tables.per_customer`);
    :func:`precompute_tables` does that ahead, so that the transactions can be
    dropped.

    Examples
    --------
    >>> ct = customer_tables(prepare_data())
    >>> ct.n_transactions, len(ct.revenue), int(ct.rfm["n_purchases"].sum())
    (69579, 23502, 69579)
    """

    def __init__(self, data: ReportData, *, horizon: int = 12) -> None:
        self._data, self._horizon, self._pre = data, int(horizon), dict(data.tables or {})

    def _get(self, name: str) -> Any:
        if not self._pre:  # from the transactions: every table in one pass
            self._pre = _pandas_tables(self._data, self._horizon)
        value = self._pre[name]
        if isinstance(value, BaseException):  # could not be computed: raise as the function would
            raise value
        return value

    @property
    def n_transactions(self) -> int:
        return int(self._get("n_transactions"))

    @property
    def revenue(self) -> pd.Series:
        if "revenue" in self._pre:  # from an engine
            return _plain_index(self._get("revenue"))
        return self.rfm["total_spend"].rename("revenue")  # the pandas tables keep it once, in the RFM table

    @property
    def rfm(self) -> pd.DataFrame:
        return _plain_index(self._get("rfm"))

    @property
    def summary(self) -> pd.DataFrame:
        return _plain_index(self._get("summary"))

    @property
    def naive_clv(self) -> pd.Series:
        return _plain_index(self._get("naive_clv"))

    def stages(self, rules: Any = None) -> pd.DataFrame:
        """Lifecycle stages under ``rules`` (default :class:`crm_lessons.lifecycle.LifecycleRules`)."""
        from crm_lessons import lifecycle

        rules = lifecycle.LifecycleRules() if rules is None else rules
        made = self._get("lifecycle_rules")
        if "lifecycle_inputs" in self._pre:  # from an engine
            inputs = self._pre["lifecycle_inputs"]
        else:
            from crm_lessons.report._tables import lifecycle_inputs

            inputs = lifecycle_inputs(self._pre["rfm"], self._pre["lifecycle_values"])
        if (made.window_days, made.measure) != (rules.window_days, rules.measure):
            if len(self._data.transactions):
                return _plain_index(
                    lifecycle.lifecycle_stage(self._data.transactions, as_of=self._data.as_of, rules=rules)
                )
            raise DataError(
                f"{_WHERE}: the lifecycle windows were computed for window_days={made.window_days}, "
                f"measure={made.measure!r}; these rules need others"
            )
        return _plain_index(lifecycle.stages_from_inputs(inputs, rules, where="lifecycle_stage"))


def _pandas_tables(data: ReportData, horizon: int) -> dict[str, Any]:
    """:func:`crm_lessons.report._tables.per_customer` on ``data.transactions``, named as the engines name them."""
    from crm_lessons.report._tables import per_customer

    start = to_timestamp(data.as_of, name="as_of", where=_WHERE).normalize() - pd.DateOffset(months=int(horizon))
    tables = per_customer(data.transactions, as_of=data.as_of, since=start)
    tables["naive_clv"] = tables.pop("revenue_since").rename("naive_clv")
    return tables


def precompute_tables(data: ReportData, *, horizon: int = 12) -> ReportData:
    """``data`` with its per-customer tables computed and no transactions, for the report's template.

    The template then receives (and holds) tables whose size follows the number
    of customers, not of transactions.  Data already computed on an engine are
    returned as they are.

    Examples
    --------
    >>> slim = precompute_tables(prepare_data())
    >>> len(slim.transactions), len(customer_tables(slim).rfm)
    (0, 23502)
    """
    if data.tables is not None:
        return data
    tables = _pandas_tables(data, horizon)
    empty = data.transactions.iloc[:0].copy()
    return ReportData(empty, data.quality, data.as_of, data.source, data.currency, tables=tables)


def _plain_index(table: Any) -> Any:
    """``table`` with a categorical customer index turned back into the ids themselves."""
    index = table.index
    if isinstance(index, pd.CategoricalIndex):
        table = table.copy(deep=False)
        table.index = pd.Index(index.categories.take(index.codes), name=index.name)
    return table


def customer_tables(data: ReportData, *, horizon: int = 12) -> CustomerTables:
    """The report's per-customer tables for ``data`` (see :class:`CustomerTables`)."""
    return CustomerTables(data, horizon=horizon)


def _is_parquet_source(data: str | os.PathLike[str]) -> bool:
    from crm_lessons._reading.files import is_many, source_files

    path = Path(data)
    if is_many(data):  # a folder or glob of Parquet files (one of CSV files is read as CSV)
        return source_files(os.fspath(data), _WHERE)[1] == "parquet"
    if path.suffix.lower() in (".parquet", ".pq", ".parq"):
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PAR1"
    except OSError:
        return False


def choose_engine(data: str | os.PathLike[str] | None, engine: str | None = None) -> str:
    """The engine the report uses: the one asked for, else DuckDB for Parquet or a file too large for memory.

    Examples
    --------
    >>> choose_engine(None), choose_engine("sales.csv", "spark")
    ('pandas', 'spark')
    """
    from crm_lessons.io import duckdb_installed, fits_in_memory

    if engine not in (None, "auto"):
        return engine
    if data is None:
        return "pandas"
    if _is_parquet_source(data):
        if not duckdb_installed():
            raise DataError(
                f"{_WHERE}: {data}: Parquet input is read with DuckDB; install it with "
                'pip install "crm-lessons[duckdb]"',
                zh=f'{_WHERE}：{data}：Parquet 文件需要用 DuckDB 读取；请用 pip install "crm-lessons[duckdb]" 安装',
            )
        return "duckdb"
    path = Path(data)
    if path.is_file() and not fits_in_memory(path.stat().st_size) and duckdb_installed():
        return "duckdb"
    return "pandas"


def _prepare_on_engine(
    data: Any,
    *,
    engine: str,
    customer_col: str | None,
    date_col: str | None,
    amount_col: str | None,
    status_col: str | None,
    closed_orders: Literal["keep", "drop", "error"],
    as_of: Any,
    currency: str | None,
    horizon: int,
    date_format: str | None = None,
    connection: Any = None,
    master: str | None = None,
    memory_limit: str | None = None,
) -> ReportData:
    """:func:`prepare_data` on DuckDB or Spark: the same checks, and the per-customer tables computed there."""
    from crm_lessons import engines

    # a file read on DuckDB without a connection of the caller's: the report's own connection, in which
    # read_source keeps up to _MATERIALIZE_ROWS checked rows in memory for the duplicate count and the
    # report's three passes (counts, per-customer tables, summary); closed when the tables exist
    own = None
    if engine == "duckdb" and connection is None and isinstance(data, (str, os.PathLike)):
        own = connection = engines.connect("duckdb", memory_limit=memory_limit)
    try:
        return _read_on_engine(
            data,
            engine=engine,
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
            status_col=status_col,
            closed_orders=closed_orders,
            as_of=as_of,
            currency=currency,
            horizon=horizon,
            date_format=date_format,
            connection=connection,
            master=master,
            memory_limit=memory_limit,
            keep_rows=_MATERIALIZE_ROWS if own is not None else 0,
        )
    finally:
        if own is not None:
            own.disconnect()


def _read_on_engine(
    data: Any,
    *,
    engine: str,
    customer_col: str | None,
    date_col: str | None,
    amount_col: str | None,
    status_col: str | None,
    closed_orders: Literal["keep", "drop", "error"],
    as_of: Any,
    currency: str | None,
    horizon: int,
    date_format: str | None,
    connection: Any,
    master: str | None,
    memory_limit: str | None,
    keep_rows: int,
) -> ReportData:
    from crm_lessons import engines

    table, rep = engines.read_source(
        data,
        engine=engine,
        connection=connection,
        keep_rows=keep_rows,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        status_col=status_col,
        closed_orders=closed_orders,
        date_format=date_format,
        master=master,
        memory_limit=memory_limit,
    )
    source = rep.source if not isinstance(data, (str, os.PathLike)) else (Path(data).name or str(data))
    materialized = None
    if engine == "duckdb" and not keep_rows and rep.rows_kept <= _MATERIALIZE_ROWS:
        # the checked rows (three columns) kept in DuckDB's memory: the counts and the two per-customer
        # aggregations below then scan them instead of reading and parsing the file three more times
        import ibis

        con = table.get_backend()
        materialized = ibis.util.gen_name("crm_report_rows")
        table = con.create_table(materialized, table, temp=True)
    try:
        return _tables_on_engine(table, rep, source, engine=engine, as_of=as_of, currency=currency, horizon=horizon)
    finally:
        if materialized is not None:
            con.drop_table(materialized, force=True)


def _tables_on_engine(
    table: Any, rep: Any, source: str, *, engine: str, as_of: Any, currency: str | None, horizon: int
) -> ReportData:
    """The checks and per-customer tables of :func:`_prepare_on_engine` on the engine's checked rows."""
    from crm_lessons import engines
    from crm_lessons.lifecycle import LifecycleRules

    where = f"{_WHERE}: {source}"
    try:
        ts = to_timestamp(rep.date_max if as_of is None else as_of, name="as_of", where=_WHERE).normalize()
    except DataError as exc:
        raise DataError(
            f"{where}: {option('as_of', as_of)} is not a date; use the form YYYY-MM-DD",
            zh=f"{where}：截止日期 {as_of!r} 不是日期；请写成 YYYY-MM-DD",
        ) from exc
    import ibis

    end = ibis.date(ts.year, ts.month, ts.day)
    positive = table.amount > 0
    in_window = positive & (table.date <= end)
    counts = (
        engines.execute(
            table.aggregate(
                rows=table.count(),
                positive=positive.cast("int64").sum(),
                in_window=in_window.cast("int64").sum(),
                customers=table.customer_id.nunique(where=in_window),
            )
        )
        .iloc[0]
        .fillna(0)
        .astype("int64")
    )
    if not counts["positive"]:
        raise DataError(
            f"{where}: no purchases: all {counts['rows']} rows have an amount <= 0 (returns, refunds or zero); "
            f"check the amount column {rep.column_map['amount']!r} or {pass_option('amount_col')}",
            zh=f"{where}：没有购买记录：全部 {counts['rows']} 行的金额都 <= 0（退货、退款或零）；"
            f"请检查金额列 {rep.column_map['amount']!r}，或用 {option('amount_col')} 指定",
        )
    if not counts["in_window"]:
        raise DataError(
            f"{where}: {option('as_of', str(ts.date()))} is before the first purchase ({rep.date_min}); "
            f"give a date between {rep.date_min} and {rep.date_max}",
            zh=f"{where}：截止日期 {ts.date()} 早于第一笔购买（{rep.date_min}）；请给出 {rep.date_min} 至 {rep.date_max} 之间的日期",
        )
    if counts["customers"] < MIN_CUSTOMERS:
        raise DataError(
            f"{where}: the report needs at least {MIN_CUSTOMERS} customers with purchases up to as_of={ts.date()} "
            f"(RFM scores are quintiles), got {counts['customers']}; check the customer column "
            f"{rep.column_map['customer_id']!r}",
            zh=f"{where}：报告至少需要 {MIN_CUSTOMERS} 位在截止日期 {ts.date()} 前有购买的客户（RFM 按五分位打分），"
            f"而这里只有 {counts['customers']} 位；请检查客户列 {rep.column_map['customer_id']!r}",
        )
    quality = rep.to_dict()
    quality["excluded_nonpositive"] = int(counts["rows"] - counts["positive"])
    quality["excluded_after_as_of"] = int(counts["positive"] - counts["in_window"])
    quality["engine"] = engine
    purchases = table.filter(in_window)
    as_of_text = str(ts.date())
    rules = LifecycleRules()
    pre: dict[str, Any] = {"n_transactions": int(counts["in_window"]), "lifecycle_rules": rules}
    start = ts - pd.DateOffset(months=int(horizon))
    # the RFM table, lifecycle inputs, revenue and last months' revenue in one pass
    tables = engines.per_customer(purchases, as_of=as_of_text, rules=rules, since=start)
    pre["revenue"], pre["rfm"], pre["lifecycle_inputs"] = tables["revenue"], tables["rfm"], tables["lifecycle_inputs"]
    pre["naive_clv"] = tables["revenue_since"].rename("naive_clv")
    try:
        pre["summary"] = engines.customer_summary(purchases, calibration_end=as_of_text)
    except DataError as exc:  # shown in the report's CLV section, as clv_table's errors are
        pre["summary"] = exc
    empty = pd.DataFrame(
        {
            "customer_id": pd.Series(dtype="str"),
            "date": pd.Series(dtype="datetime64[ns]"),
            "amount": pd.Series(dtype="float64"),
        }
    )
    return ReportData(empty, quality, as_of_text, source, (currency or "CNY").upper(), tables=pre)


def prepare_data(
    data: str | os.PathLike[str] | None = None,
    *,
    customer_col: str | None = None,
    date_col: str | None = None,
    amount_col: str | None = None,
    as_of: Any = None,
    currency: str | None = None,
    status_col: str | None = None,
    sheet_name: str | int | None = None,
    closed_orders: Literal["keep", "drop", "error"] = "drop",
    engine: str | None = None,
    horizon: int = 12,
    connection: Any = None,
    spark_master: str | None = None,
    memory_limit: str | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
) -> ReportData:
    """Read and check the report's input: a user's file, or the bundled CDNOW data.

    Parameters
    ----------
    data : path, optional
        CSV/text/Excel file read with :func:`crm_lessons.io.read_transactions`.
        ``None``: the bundled CDNOW purchase log (:func:`crm_lessons.datasets.load_cdnow`).
    customer_col, date_col, amount_col : str, optional
        Column names in the file (default: recognised from the headers).
    as_of : date-like, optional
        End of the observation period.  Default: the last date in the file
        (``1998-06-30`` for CDNOW).
    currency : str, optional
        Currency code of the amounts (default ``'CNY'``; ``'USD'`` for CDNOW).
    status_col, sheet_name, closed_orders
        As in :func:`crm_lessons.io.read_transactions`: the order-status column,
        the worksheet of an Excel file, and what to do with closed, refunded,
        cancelled or unpaid orders (left out by default).
    engine : {'pandas', 'duckdb', 'spark'}, optional
        Where the file is read and the per-customer tables are computed.
        Default: DuckDB for Parquet (a file, a folder or a glob) and for a
        text file too large for memory (when installed), else pandas.  On
        DuckDB and Spark ``data`` may also be an Ibis table, and the
        transactions stay on the engine (``ReportData.tables``).
    horizon : int
        CLV horizon in months (for the run-rate estimate computed on an engine).
    connection, spark_master, memory_limit
        An Ibis connection to use, the Spark master URL (default ``local[*]``),
        DuckDB's memory limit (default ``'1GB'``).
    date_format, encoding, sep
        As in :func:`crm_lessons.io.read_transactions` (``date_format`` on every engine; DuckDB and
        Spark read UTF-8 text and find the delimiter themselves).

    Returns
    -------
    ReportData

    Raises
    ------
    DataError
        Anything :func:`~crm_lessons.io.read_transactions` refuses (missing
        column, unparseable dates or amounts, empty file), no purchase with a
        positive amount, ``as_of`` not a date or before the first purchase,
        fewer than :data:`MIN_CUSTOMERS` customers,
        ``data`` does not exist.

    Examples
    --------
    >>> rd = prepare_data()
    >>> rd.as_of, rd.currency, rd.quality["rows_read"], rd.quality["excluded_nonpositive"], len(rd.transactions)
    ('1998-06-30', 'USD', 69659, 80, 69579)
    """
    from crm_lessons.io import read_transactions_with_report

    if data is not None and not isinstance(data, (str, os.PathLike)):  # an Ibis table on the user's connection
        engine = "spark" if data.get_backend().name == "pyspark" else "duckdb"
    else:
        engine = choose_engine(data, engine)
    if engine in ("duckdb", "spark"):
        from crm_lessons.engines import check_engine

        check_engine(engine, where=_WHERE)
        return _prepare_on_engine(
            data,
            engine=engine,
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
            status_col=status_col,
            closed_orders=closed_orders,
            as_of=as_of,
            currency=currency,
            horizon=horizon,
            date_format=date_format,
            connection=connection,
            master=spark_master,
            memory_limit=memory_limit,
        )
    if data is not None and _is_parquet_source(data):  # pandas asked for Parquet: pyarrow reads it
        frame = pd.read_parquet(data)
        tx, rep = read_transactions_with_report(
            frame,
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
            status_col=status_col,
            closed_orders=closed_orders,
            date_format=date_format,
        )
        rep.source, rep.file_format = str(data), "parquet"
        data_frame: pd.DataFrame | None = tx
    else:
        data_frame = None
    if data_frame is not None:
        source, default_as_of, default_currency = Path(str(data)).name or str(data), rep.date_max, "CNY"
    elif data is None:
        from crm_lessons.datasets import load_cdnow

        frame = load_cdnow()[["customer_id", "date", "amount"]]
        tx, rep = read_transactions_with_report(frame)
        rep.source, rep.file_format = "CDNOW (Fader, Hardie & Lee 2005)", "bundled"
        source, default_as_of, default_currency = rep.source, CDNOW_AS_OF, "USD"
    if data_frame is None and data is not None:
        path = Path(data)
        tx, rep = read_transactions_with_report(
            path,
            customer_col=customer_col,
            date_col=date_col,
            amount_col=amount_col,
            status_col=status_col,
            sheet_name=sheet_name,
            closed_orders=closed_orders,
            date_format=date_format,
            encoding=encoding,
            sep=sep,
        )
        source, default_as_of, default_currency = path.name, rep.date_max, "CNY"
    where = f"{_WHERE}: {source}"
    try:
        ts = to_timestamp(default_as_of if as_of is None else as_of, name="as_of", where=_WHERE).normalize()
    except DataError as exc:
        raise DataError(
            f"{where}: {option('as_of', as_of)} is not a date; use the form YYYY-MM-DD",
            zh=f"{where}：截止日期 {as_of!r} 不是日期；请写成 YYYY-MM-DD",
        ) from exc
    positive = (tx["amount"] > 0).to_numpy()
    if not positive.any():
        raise DataError(
            f"{where}: no purchases: all {len(tx)} rows have an amount <= 0 (returns, refunds or zero); "
            f"check the amount column {rep.column_map['amount']!r} or {pass_option('amount_col')}",
            zh=f"{where}：没有购买记录：全部 {len(tx)} 行的金额都 <= 0（退货、退款或零）；"
            f"请检查金额列 {rep.column_map['amount']!r}，或用 {option('amount_col')} 指定",
        )
    in_window = positive & (tx["date"] <= ts).to_numpy()
    if not in_window.any():
        raise DataError(
            f"{where}: {option('as_of', str(ts.date()))} is before the first purchase ({rep.date_min}); "
            f"give a date between {rep.date_min} and {rep.date_max}",
            zh=f"{where}：截止日期 {ts.date()} 早于第一笔购买（{rep.date_min}）；请给出 {rep.date_min} 至 {rep.date_max} 之间的日期",
        )
    n_customers = int(tx.loc[in_window, "customer_id"].nunique())
    if n_customers < MIN_CUSTOMERS:
        raise DataError(
            f"{where}: the report needs at least {MIN_CUSTOMERS} customers with purchases up to as_of={ts.date()} "
            f"(RFM scores are quintiles), got {n_customers}; check the customer column {rep.column_map['customer_id']!r}",
            zh=f"{where}：报告至少需要 {MIN_CUSTOMERS} 位在截止日期 {ts.date()} 前有购买的客户（RFM 按五分位打分），"
            f"而这里只有 {n_customers} 位；请检查客户列 {rep.column_map['customer_id']!r}",
        )
    quality = rep.to_dict()
    quality["excluded_nonpositive"] = int((~positive).sum())
    quality["excluded_after_as_of"] = int((positive & ~in_window).sum())
    purchases = tx.loc[in_window, ["customer_id", "date", "amount"]].reset_index(drop=True)
    return ReportData(purchases, quality, str(ts.date()), source, (currency or default_currency).upper())


def load_prepared(path: ReportData | str | os.PathLike[str]) -> ReportData:
    """The :class:`ReportData` that :func:`render_report` hands to the template, or one pickled in a file.

    Parameters
    ----------
    path : ReportData or path
        :func:`render_report` runs the template in its own process and passes the
        :class:`ReportData` itself, which is returned as it is; or a pickle of one
        (never pass a pickle from elsewhere: unpickling runs code).

    Returns
    -------
    ReportData

    Raises
    ------
    TypeError
        The file holds something else.

    Examples
    --------
    >>> import pickle, tempfile
    >>> rd = ReportData(pd.DataFrame(), {}, "2024-01-31", "x.csv", "CNY")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with open(f"{tmp}/p.pkl", "wb") as fh:
    ...         pickle.dump(rd, fh)
    ...     load_prepared(f"{tmp}/p.pkl").as_of
    '2024-01-31'
    """
    if isinstance(path, ReportData):
        return path
    with open(path, "rb") as fh:
        data = pickle.load(fh)
    if not isinstance(data, ReportData):
        raise TypeError(f"{path}: not a crm_lessons ReportData pickle")
    return data
