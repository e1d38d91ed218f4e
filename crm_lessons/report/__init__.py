"""Parameterised CRM report on an analyst's own transaction file.

``crm-lessons report --data sales.csv`` reads the file with
:func:`crm_lessons.io.read_transactions` (bad input stops here, before any
kernel starts), computes the per-customer tables once (:func:`precompute_tables`),
hands those tables, not the transactions, to the report template
``notebooks/report/crm_report.ipynb`` through a temporary pickle, runs the
template with papermill and writes a self-contained HTML page (no code, images
embedded, nothing loaded from the internet) atomically.

The template calls the helpers of this module (:func:`prepare_data`,
:func:`segment_summary`, :func:`clv_table`, :func:`format_money`, ...), so the
numbers it shows are computed by tested functions.

Large data: with ``engine='duckdb'`` or ``'spark'`` (the default is DuckDB for
Parquet input and for a text file too large for memory) the file is read by
:func:`crm_lessons.engines.read_source` with the same policies, the
per-customer tables are computed on the engine (:mod:`crm_lessons.engines`),
and only those small tables reach the template (:class:`CustomerTables`).
"""

from __future__ import annotations

import html
import os
import pickle
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from crm_lessons._fileio import atomic_write_bytes
from crm_lessons._validation import _INTERFACE, DataError, option, pass_option, to_timestamp

__all__ = [
    "CustomerTables",
    "ReportData",
    "TEXT",
    "clv_failure_reason",
    "clv_table",
    "customer_tables",
    "precompute_tables",
    "escape",
    "naive_clv",
    "reading_notes",
    "format_count",
    "format_money",
    "format_pct",
    "html_table",
    "load_prepared",
    "prepare_data",
    "render_report",
    "segment_actions",
    "segment_summary",
    "template_path",
]

_WHERE = "crm-lessons report"
#: Default end of the observation period of the bundled CDNOW data.
CDNOW_AS_OF = "1998-06-30"
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
        return _plain_index(lifecycle._stages(inputs.copy(deep=False), rules, None, "lifecycle_stage"))


def _pandas_tables(data: ReportData, horizon: int) -> dict[str, Any]:
    """:func:`crm_lessons.report._tables.per_customer` on ``data.transactions``, named as the engines name them."""
    from crm_lessons.report._tables import per_customer

    start = to_timestamp(data.as_of, name="as_of", where=_WHERE).normalize() - pd.DateOffset(months=int(horizon))
    tables = per_customer(data.transactions, as_of=data.as_of, since=start)
    tables["naive_clv"] = tables.pop("revenue_since").rename("naive_clv")
    return tables


def precompute_tables(data: ReportData, *, horizon: int = 12) -> ReportData:
    """``data`` with its per-customer tables computed and no transactions, for the report's kernel.

    The kernel then receives (and holds) tables whose size follows the number
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
    text = str(data)
    path = Path(data)
    if path.is_dir() or any(ch in text for ch in "*?["):
        return True
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
    closed_orders: str,
    as_of: Any,
    currency: str | None,
    horizon: int,
    connection: Any = None,
    master: str | None = None,
    memory_limit: str | None = None,
) -> ReportData:
    """:func:`prepare_data` on DuckDB or Spark: the same checks, and the per-customer tables computed there."""
    from crm_lessons import engines
    from crm_lessons.lifecycle import LifecycleRules

    table, rep = engines.read_source(
        data,
        engine=engine,
        connection=connection,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        status_col=status_col,
        closed_orders=closed_orders,
        master=master,
        memory_limit=memory_limit,
    )
    source = rep.source if not isinstance(data, (str, os.PathLike)) else (Path(data).name or str(data))
    cli = _INTERFACE.get() == "cli"
    where = source if cli else f"{_WHERE}: {source}"
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
        engines.tables._execute(
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


def template_path() -> Path:
    """The report template notebook (``notebooks/report/crm_report.ipynb``).

    Returns
    -------
    Path
        In a source checkout, ``notebooks/report/crm_report.ipynb``; in an
        installed wheel, the copy shipped as ``crm_lessons/_templates/crm_report.ipynb``.

    Raises
    ------
    FileNotFoundError
        Neither exists.

    Examples
    --------
    >>> template_path().name
    'crm_report.ipynb'
    """
    package = Path(__file__).resolve().parents[1]  # crm_lessons/
    source = package.parent / "notebooks" / "report" / "crm_report.ipynb"
    shipped = package / "_templates" / "crm_report.ipynb"
    for path in (source, shipped):
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"{_WHERE}: the report template is missing (looked for {source} and {shipped}); reinstall crm-lessons"
    )


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
    closed_orders: str = "drop",
    engine: str | None = None,
    horizon: int = 12,
    connection: Any = None,
    spark_master: str | None = None,
    memory_limit: str | None = None,
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
        )
        rep.source, rep.file_format = str(data), "parquet"
        data_frame: pd.DataFrame | None = tx
    else:
        data_frame = None
    if data_frame is not None:
        source, default_as_of, default_currency = Path(data).name or str(data), rep.date_max, "CNY"
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
        )
        source, default_as_of, default_currency = path.name, rep.date_max, "CNY"
    cli = _INTERFACE.get() == "cli"
    where = source if cli else f"{_WHERE}: {source}"
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


def load_prepared(path: str | os.PathLike[str]) -> ReportData:
    """Load the :class:`ReportData` that :func:`render_report` pickled for the template.

    Parameters
    ----------
    path : path
        The pickle; :func:`render_report` writes it in a private temporary
        folder (never pass a pickle from elsewhere: unpickling runs code).

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
    with open(path, "rb") as fh:
        data = pickle.load(fh)
    if not isinstance(data, ReportData):
        raise TypeError(f"{path}: not a crm_lessons ReportData pickle")
    return data


# ---------------------------------------------------------------- formats


def format_money(value: float, *, currency: str = "CNY", lang: str = "zh", decimals: int = 2) -> str:
    """A money amount in the report's language.

    Parameters
    ----------
    value : float
        The amount.
    currency : str, default 'CNY'
        ISO code (case ignored).
    lang : {'zh', 'en'}
        Chinese uses the symbol (``￥1,234.50``; the fullwidth ￥ because the
        bundled font has no U+00A5 ¥) or, for codes without a symbol,
        ``1,234.50 JPY``; English the code (``CNY 1,234.50``).
    decimals : int, default 2

    Returns
    -------
    str

    Examples
    --------
    >>> format_money(1234.5, lang="zh"), format_money(1234.5, lang="en")
    ('￥1,234.50', 'CNY 1,234.50')
    >>> format_money(-3, currency="usd", lang="zh", decimals=0)
    '-US$3'
    """
    code = currency.upper()
    sign, number = ("-" if value < 0 else ""), f"{abs(value):,.{decimals}f}"
    if lang == "zh":
        symbol = _SYMBOL_ZH.get(code)
        return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {code}"
    return f"{sign}{code} {number}"


def format_count(value: float) -> str:
    """A whole number with thousands separators.

    Parameters
    ----------
    value : float
        Rounded to the nearest whole number.

    Returns
    -------
    str

    Examples
    --------
    >>> format_count(1234567)
    '1,234,567'
    """
    return f"{int(round(value)):,}"


def format_pct(value: float, decimals: int = 1) -> str:
    """A share as a percentage.

    Parameters
    ----------
    value : float
        A share (0.1234 is 12.3%).
    decimals : int, default 1

    Returns
    -------
    str

    Examples
    --------
    >>> format_pct(0.1234)
    '12.3%'
    """
    return f"{100 * value:.{decimals}f}%"


def html_table(frame: pd.DataFrame, *, index: bool = False) -> str:
    """An HTML table with every cell and header escaped (user data is never trusted).

    Parameters
    ----------
    frame : DataFrame
        Values already formatted for display.
    index : bool, default False
        Show the index.

    Returns
    -------
    str
        ``<table class="crm-table">...</table>`` from ``DataFrame.to_html(escape=True)``.

    Examples
    --------
    >>> html_table(pd.DataFrame({"id": ["<b>x</b>"]}))
    '<table ...&lt;b&gt;x&lt;/b&gt;...'
    """
    return frame.to_html(index=index, escape=True, border=0, classes="crm-table")


# ---------------------------------------------------------------- analysis helpers

_SEGMENT_ACTIONS = {
    # segment: (action_zh, action_en); after Hughes (2012) ch. 11 and the course's strategies
    "champions": (
        "VIP 特权与专属服务，新品优先体验，邀请推荐",
        "VIP privileges and personal service, early access, referral invitations",
    ),
    "loyal": ("会员升级、积分回馈，向上销售", "loyalty-tier upgrades, points rewards, up-selling"),
    "potential_loyalist": ("交叉销售、组合优惠，培养购买习惯", "cross-selling and bundles to build the habit"),
    "new": (
        "欢迎礼包，首单后跟进，引导第二次购买",
        "welcome offer, post-purchase follow-up, nudge to a second purchase",
    ),
    "promising": ("限时优惠，提高购买频率", "time-limited offers to raise purchase frequency"),
    "need_attention": ("个性化推荐与回访，了解需求变化", "personalised recommendations and check-in calls"),
    "about_to_sleep": ("唤醒提醒与小额优惠", "reactivation reminders with a small incentive"),
    "at_risk": ("流失预警，满意度回访，定向挽留优惠", "churn alert, satisfaction call, targeted retention offer"),
    "cannot_lose": ("高层或专人联系，优先赢回", "personal contact by a senior manager, win them back first"),
    "hibernating": (
        "低成本唤醒（邮件/短信），评估是否值得投入",
        "low-cost reactivation (e-mail/SMS); judge whether worth the effort",
    ),
    "lost": ("低成本赢回或放弃，调研流失原因", "cheap win-back or let go; exit survey"),
}


def segment_actions() -> pd.DataFrame:
    """Recommended action for each RFM segment of :func:`crm_lessons.rfm.segment_map`.

    Returns
    -------
    DataFrame
        Indexed by ``segment``: ``segment_zh``, ``action_zh``, ``action``.

    References
    ----------
    Hughes (2012), *Strategic Database Marketing*, ch. 11; course slides,
    chapter 2 (see :func:`crm_lessons.rfm.segment_strategies`).

    Examples
    --------
    >>> segment_actions().loc["cannot_lose", "action"]
    'personal contact by a senior manager, win them back first'
    """
    from crm_lessons.rfm import segment_map

    seg = segment_map()
    out = pd.DataFrame({"segment_zh": seg["segment_zh"]}, index=seg.index)
    out["action_zh"] = [_SEGMENT_ACTIONS[s][0] for s in seg.index]
    out["action"] = [_SEGMENT_ACTIONS[s][1] for s in seg.index]
    return out


def segment_summary(rfm: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Size, value and recommended action of each RFM segment.

    Parameters
    ----------
    rfm : DataFrame
        :func:`crm_lessons.rfm.rfm_table` (``total_spend``, ``n_purchases``, ``days_since_last``).
    segments : DataFrame
        :func:`crm_lessons.rfm.rfm_segments` on the same customers.

    Returns
    -------
    DataFrame
        Indexed by ``segment`` (map order, empty segments dropped):
        ``segment_zh``, ``customers``, ``customer_share``, ``revenue``,
        ``revenue_share``, ``mean_revenue``, ``mean_days_since_last``,
        ``action_zh``, ``action``.

    Examples
    --------
    >>> rfm = pd.DataFrame({"total_spend": [10.0, 30.0], "n_purchases": [1, 3], "days_since_last": [5, 50]})
    >>> seg = pd.DataFrame({"segment": ["new", "lost"]})
    >>> segment_summary(rfm, seg)[["customers", "revenue_share"]]
             customers  revenue_share
    segment
    new              1           0.25
    lost             1           0.75
    """
    actions = segment_actions()
    segment = segments["segment"]
    if not isinstance(segment.dtype, pd.CategoricalDtype):  # rfm_segments gives codes: recoded without text
        segment = segment.astype(str).to_numpy()
    key = pd.Categorical(segment, categories=list(actions.index))
    g = rfm.reset_index(drop=True).groupby(key, observed=True)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "revenue": g["total_spend"].sum(),
            "mean_days_since_last": g["days_since_last"].mean(),
        }
    )
    out.index = pd.Index(out.index.astype(str), name="segment")
    out.insert(1, "customer_share", out["customers"] / out["customers"].sum())
    out.insert(3, "revenue_share", out["revenue"] / out["revenue"].sum())
    out.insert(4, "mean_revenue", out["revenue"] / out["customers"])
    return actions.loc[out.index, ["segment_zh"]].join(out).join(actions[["action_zh", "action"]])


def clv_table(
    transactions: pd.DataFrame,
    *,
    as_of: Any,
    horizon: int = 12,
    discount_rate: float = 0.01,
    summary: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """BG/NBD + Gamma-Gamma: P(alive), expected purchases and CLV per customer.

    Parameters
    ----------
    transactions : DataFrame
        ``customer_id``, ``date``, ``amount`` (> 0).
    as_of : date-like
        End of the calibration period.
    horizon : int, default 12
        CLV horizon in months.
    discount_rate : float, default 0.01
        Monthly discount rate.
    summary : DataFrame or callable, optional
        The customer summary already computed (e.g. on an engine:
        :attr:`CustomerTables.summary`), or a function returning it; then
        ``transactions`` is not used.

    Returns
    -------
    table : DataFrame
        Indexed by customer: ``frequency``, ``recency``, ``T`` (weeks),
        ``monetary_value``, ``p_alive``, ``expected_purchases`` (in the
        horizon), ``expected_spend`` and ``clv`` (revenue, margin 1).
    models : dict
        ``bgnbd`` and ``gamma_gamma`` parameter Series.

    Raises
    ------
    DataError
        From :func:`crm_lessons.clv.customer_summary` or the fitters (e.g.
        fewer than 3 repeat customers).
    crm_lessons.clv.ConvergenceError
        The likelihood could not be maximised.

    Notes
    -----
    Months are ``52/12`` weeks; see :func:`crm_lessons.clv.clv` for the
    discounted sum.  The fitters compress identical (x, t_x, T) rows, so the
    fit costs little even for a million transactions.

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), 275-284 (BG/NBD, eq. 13
    for P(alive)); Fader & Hardie (2013), The Gamma-Gamma model of monetary value.

    Examples
    --------
    >>> from crm_lessons.datasets import load_cdnow
    >>> table, models = clv_table(load_cdnow(sample=True), as_of="1997-09-30")
    >>> round(float(models["bgnbd"]["r"]), 2), round(float(models["bgnbd"]["alpha"]), 1)
    (0.24, 4.4)
    """
    from crm_lessons.clv import BetaGeoFitter, GammaGammaFitter, clv, customer_summary

    if summary is None:
        summary = customer_summary(transactions, calibration_end=as_of)
    elif callable(summary):
        summary = summary()
    bg = BetaGeoFitter().fit(summary)
    gg = GammaGammaFitter().fit(summary)
    period = 52 / 12
    table = summary.copy(deep=False)  # new columns only: the summary's own are shared, not copied
    table["p_alive"] = bg.p_alive(summary)
    table["expected_purchases"] = bg.predict(horizon * period, summary)
    table["expected_spend"] = gg.conditional_expected_spend(summary)
    table["clv"] = clv(bg, gg, summary, horizon=horizon, discount_rate=discount_rate, period_length=period)
    return table, {"bgnbd": bg.params_, "gamma_gamma": gg.params_}


def clv_failure_reason(exc: BaseException, lang: str = "zh") -> str:
    """Why lifetime value could not be estimated, in words a manager reads (no parameter names).

    Parameters
    ----------
    exc : Exception
        What :func:`clv_table` raised (:class:`~crm_lessons.DataError` or
        :class:`crm_lessons.clv.ConvergenceError`).
    lang : {'zh', 'en'}

    Examples
    --------
    >>> from crm_lessons.clv import ConvergenceError
    >>> clv_failure_reason(ConvergenceError("fit: the estimate ran to the edge of the parameter space ({'r': 12.1})"), "en")[:60]
    'The repeat purchases in this file do not show how many custo'
    """
    text = str(exc)
    zh = lang == "zh"
    if "edge of the parameter space" in text or "do not identify" in text:
        return (
            "这份数据中的重复购买规律，不足以让模型分辨有多少客户已经不再购买（估计值跑到了模型允许范围的边缘），"
            "所以无法可靠地估计每位客户的未来价值。常见原因：观察期太短、回头客太少，或几乎所有客户的购买节奏相同。"
            if zh
            else "The repeat purchases in this file do not show how many customers have stopped buying (the estimate "
            "ran to the edge of what the model allows), so each customer's future value cannot be estimated "
            "reliably. Common causes: a short period, few repeat customers, or nearly identical buying patterns."
        )
    if "no customer has a repeat purchase" in text or "repeat" in text:
        return (
            "这份数据中几乎没有客户重复购买，模型无法从中学到客户多久买一次、何时流失。"
            if zh
            else "Almost no customer in this file bought twice, so the model cannot learn how often customers buy "
            "or when they leave."
        )
    if "converge" in text or "could not be evaluated" in text:
        return (
            "模型的估计没有收敛：这份数据的购买规律与模型的假设相差太大。"
            if zh
            else "The model's estimate did not settle: the buying pattern in this file is too far from what the "
            "model assumes."
        )
    return "数据不足以估计客户终身价值模型。" if zh else "The data are not enough to estimate the lifetime-value model."


def naive_clv(transactions: pd.DataFrame, *, as_of: Any, horizon: int = 12) -> pd.Series:
    """Run-rate estimate of each customer's value: their revenue in the last ``horizon`` months.

    A stated, simple stand-in for when the BG/NBD model cannot be fitted: it
    assumes every customer keeps buying as in the last ``horizon`` months
    (no churn model, no discounting).  Customers with no purchase in that
    window get 0.

    Parameters
    ----------
    transactions : DataFrame
        ``customer_id``, ``date``, ``amount``.
    as_of : date-like
        End of the observation period.
    horizon : int
        Months in the window and in the forecast.

    Returns
    -------
    Series
        Indexed by customer (every customer in ``transactions``, sorted), name ``naive_clv``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "B"], "amount": [10.0, 5.0, 7.0],
    ...                    "date": pd.to_datetime(["2024-11-01", "2023-01-01", "2024-12-01"])})
    >>> naive_clv(tx, as_of="2024-12-31", horizon=12).to_dict()
    {'A': 10.0, 'B': 7.0}
    """
    end = to_timestamp(as_of, name="as_of", where="naive_clv").normalize()
    start = end - pd.DateOffset(months=int(horizon))
    recent = transactions[(transactions["date"] > start) & (transactions["date"] <= end)]
    customers = pd.Index(transactions["customer_id"].unique(), name="customer_id").sort_values()
    out = recent.groupby("customer_id")["amount"].sum().reindex(customers, fill_value=0.0)
    return out.astype("float64").rename("naive_clv")


def reading_notes(quality: dict[str, Any], lang: str = "zh") -> list[str]:
    """What the report did with the rows it read, in the report's language (no parameter names).

    Parameters
    ----------
    quality : dict
        :attr:`ReportData.quality`.
    lang : {'zh', 'en'}

    Examples
    --------
    >>> q = {"closed_orders": 3, "excluded_nonpositive": 2, "excluded_after_as_of": 0, "duplicates": 1,
    ...      "blank_rows": 0, "as_of": None}
    >>> reading_notes(q, "en")
    ['3 orders closed, refunded, cancelled or unpaid were left out: they are not revenue.', '2 rows with an amount of 0 or less (returns, refunds) were left out of the analysis.', '1 rows repeat an earlier row exactly; they are kept, as several purchases on one day are common.']
    """
    zh = lang == "zh"
    notes = []
    closed = int(quality.get("closed_orders") or 0)
    kept = (quality.get("policy") or {}).get("closed_orders") == "keep"
    if closed:
        notes.append(
            (
                f"{closed:,} 笔订单状态为已关闭、已退款、已取消或未付款，"
                + ("按要求仍计入分析。" if kept else "不是收入，未纳入分析。")
            )
            if zh
            else f"{closed:,} orders closed, refunded, cancelled or unpaid were "
            + ("kept, as asked." if kept else "left out: they are not revenue.")
        )
    if quality.get("excluded_nonpositive"):
        n = int(quality["excluded_nonpositive"])
        notes.append(
            f"{n:,} 行金额为 0 或负数（退货、退款），未纳入分析。"
            if zh
            else f"{n:,} rows with an amount of 0 or less (returns, refunds) were left out of the analysis."
        )
    if quality.get("excluded_after_as_of"):
        n = int(quality["excluded_after_as_of"])
        notes.append(
            f"{n:,} 行日期晚于截止日期，未纳入分析。" if zh else f"{n:,} rows dated after the as-of date were left out."
        )
    if quality.get("duplicates"):
        n = int(quality["duplicates"])
        notes.append(
            f"{n:,} 行与前面某行完全相同，已保留（同一天多次购买很常见）；若是重复导出，请先去重。"
            if zh
            else f"{n:,} rows repeat an earlier row exactly; they are kept, as several purchases on one day are common."
        )
    if quality.get("blank_rows"):
        n = int(quality["blank_rows"])
        notes.append(f"跳过 {n:,} 个空行。" if zh else f"{n:,} blank rows were skipped.")
    return notes


# ---------------------------------------------------------------- text

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "客户关系管理分析报告",
        "subtitle": "数据：{source} · 截止日期 (as of)：{as_of} · 金额单位：{currency}",
        "quality": "1 · 数据质量",
        "key": "2 · 关键指标",
        "abc": "3 · 客户价值分布：ABC 分类与客户金字塔",
        "rfm": "4 · RFM 客户细分与建议行动",
        "lifecycle": "5 · 客户生命周期阶段",
        "clv": "6 · 客户终身价值 (CLV) 与流失风险",
        "method": "方法说明",
    },
    "en": {
        "title": "Customer relationship report",
        "subtitle": "Data: {source} · as of {as_of} · amounts in {currency}",
        "quality": "1 · Data quality",
        "key": "2 · Key figures",
        "abc": "3 · Customer value: ABC classes and customer pyramid",
        "rfm": "4 · RFM segments and recommended actions",
        "lifecycle": "5 · Customer lifecycle stages",
        "clv": "6 · Customer lifetime value (CLV) and churn risk",
        "method": "Method notes",
    },
}


# ---------------------------------------------------------------- running


def render_report(
    data: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] = "report.html",
    *,
    customer_col: str | None = None,
    date_col: str | None = None,
    amount_col: str | None = None,
    as_of: Any = None,
    lang: str = "zh",
    currency: str | None = None,
    horizon: int = 12,
    discount_rate: float = 0.01,
    progress: Callable[[str], None] | None = None,
    status_col: str | None = None,
    sheet_name: str | int | None = None,
    closed_orders: str = "drop",
    engine: str | None = None,
    spark_master: str | None = None,
    memory_limit: str | None = None,
) -> Path:
    """Read the data, run the report template and write the HTML page atomically.

    Parameters
    ----------
    data : path, optional
        The transaction file (``None``: bundled CDNOW data).
    out : path, default ``'report.html'``
        The HTML file to write; its folder is created.  Written through a
        temporary file in the same folder and ``os.replace``, so a failed run
        leaves no partial file.
    customer_col, date_col, amount_col, as_of, currency, status_col, sheet_name, closed_orders
        As in :func:`prepare_data`.
    engine, spark_master, memory_limit
        As in :func:`prepare_data`: 'duckdb' or 'spark' compute the
        per-customer tables on that engine (default: DuckDB for Parquet or
        a file too large for memory); ``data`` may then be a folder or glob
        of Parquet files or an Ibis table.
    lang : {'zh', 'en'}
        Language of the text, labels and number formats.
    horizon : int, default 12
        CLV horizon in months (>= 1).
    discount_rate : float, default 0.01
        Monthly discount rate (>= 0).
    progress : callable, optional
        Called with short progress lines (e.g. ``print``).

    Returns
    -------
    Path
        The written report.

    Raises
    ------
    DataError
        Bad input (see :func:`prepare_data`), bad options, or ``out`` is the data file.
    papermill.PapermillExecutionError
        The template failed (a bug: please report it).

    Notes
    -----
    Steps: (1) :func:`prepare_data` reads and checks the file in this
    process, so bad input fails before a kernel starts, and
    :func:`precompute_tables` computes the per-customer tables (so the kernel
    holds tables whose size follows the customers, not the rows); (2) papermill runs
    :func:`template_path` with the parameters ``DATA_FILE``, ``CUSTOMER_COL``,
    ``DATE_COL``, ``AMOUNT_COL``, ``AS_OF``, ``LANG``, ``CURRENCY``,
    ``HORIZON``, ``DISCOUNT_RATE`` and ``PREPARED`` (those tables,
    pickled in a temporary folder that is always removed); (3)
    :func:`crm_lessons.course.to_html` renders it without code cells;
    (4) the page is written to a temporary file beside ``out`` and moved into
    place with ``os.replace``.

    Examples
    --------
    Bad input stops before any kernel starts:

    >>> render_report("no_such_file.csv", "report.html")
    Traceback (most recent call last):
    ...
    crm_lessons._validation.DataError: read_transactions: no_such_file.csv: file not found: ...
    """
    say = progress or (lambda line: None)
    pre = "" if _INTERFACE.get() == "cli" else f"{_WHERE}: "  # the command line prints its own prefix
    pre_zh = "" if _INTERFACE.get() == "cli" else f"{_WHERE}："
    if lang not in TEXT:
        raise DataError(f"{pre}lang={lang!r} should be one of {sorted(TEXT)}")
    if int(horizon) != horizon or horizon < 1:
        raise DataError(
            f"{pre}horizon={horizon} should be a whole number of months >= 1",
            zh=f"{pre_zh}预测期 {horizon} 应是不小于 1 的整月数",
        )
    if not 0 <= discount_rate < 1:  # also refuses inf and nan
        raise DataError(
            f"{pre}discount_rate={discount_rate} should be a monthly rate from 0 to below 1 (e.g. 0.01)",
            zh=f"{pre_zh}月折现率 {discount_rate} 应在 0 到 1 之间（如 0.01）",
        )
    out = Path(out)
    is_path = isinstance(data, (str, os.PathLike))
    if is_path and (
        out.resolve() == Path(data).resolve() or (out.exists() and Path(data).exists() and os.path.samefile(out, data))
    ):
        raise DataError(
            f"{pre}--out {str(out)!r} is the data file; choose another output name",
            zh=f"{pre_zh}--out {str(out)!r} 就是数据文件；请换一个输出文件名",
        )
    if out.is_dir():
        raise DataError(
            f"{pre}--out {str(out)!r} is a folder; give a file name such as report.html",
            zh=f"{pre_zh}--out {str(out)!r} 是一个文件夹；请给出文件名，如 report.html",
        )
    zh = lang == "zh"
    say("[1/4] 读取数据 ..." if zh else "[1/4] reading data ...")
    prepared = prepare_data(
        data,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        as_of=as_of,
        currency=currency,
        status_col=status_col,
        sheet_name=sheet_name,
        closed_orders=closed_orders,
        engine=engine,
        horizon=int(horizon),
        spark_master=spark_master,
        memory_limit=memory_limit,
    )
    q = prepared.quality
    say(
        f"      {q['rows_read']:,} 行，{q['customers']:,} 位客户，{q['date_min']} 至 {q['date_max']}"
        if zh
        else f"      {q['rows_read']:,} rows, {q['customers']:,} customers, {q['date_min']} to {q['date_max']}"
    )
    if prepared.tables is not None:
        say(
            f"      引擎 {q['engine']}：每位客户的汇总表已在引擎上算好"
            if zh
            else f"      engine {q['engine']}: the per-customer tables were computed on the engine"
        )
    else:  # the kernel gets the per-customer tables, not the transactions
        _release_unused()
        prepared = precompute_tables(prepared, horizon=int(horizon))
    _release_unused()
    from crm_lessons._notebooks import execute_notebook, to_html

    with tempfile.TemporaryDirectory(prefix="crm-report-") as tmp:
        pickled = Path(tmp) / "prepared.pkl"
        with open(pickled, "wb") as fh:
            pickle.dump(prepared, fh, protocol=pickle.HIGHEST_PROTOCOL)
        say(
            "[2/4] 分析（RFM、生命周期、BG/NBD 与 Gamma-Gamma）..."
            if zh
            else "[2/4] running the analysis (RFM, lifecycle, BG/NBD + Gamma-Gamma) ..."
        )
        template = template_path()
        params = {
            "DATA_FILE": str(Path(data).resolve()) if is_path else None,
            "CUSTOMER_COL": customer_col,
            "DATE_COL": date_col,
            "AMOUNT_COL": amount_col,
            "AS_OF": prepared.as_of,
            "LANG": lang,
            "CURRENCY": prepared.currency,
            "HORIZON": int(horizon),
            "DISCOUNT_RATE": float(discount_rate),
            "PREPARED": str(pickled),
        }
        nb = execute_notebook(template, parameters=params, cwd=template.parent)
    say("[3/4] 生成 HTML ..." if zh else "[3/4] rendering HTML ...")
    page = to_html(nb, exclude_input=True, title=TEXT[lang]["title"])
    if lang == "zh":
        page = page.replace('<html lang="en">', '<html lang="zh-CN">', 1)
    say(f"[4/4] 写入 {out} ..." if zh else f"[4/4] writing {out} ...")
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out, page.encode("utf-8"))
    return out


def _release_unused() -> None:
    """Give the memory Arrow keeps after freeing (its allocator holds it for reuse) back to the system.

    Reading a large file frees hundreds of megabytes of Arrow strings that numpy,
    which allocates elsewhere, could not otherwise reuse; released between the
    report's steps, they do not add to its peak memory.
    """
    import gc

    from crm_lessons.report._tables import _release_arrow_memory

    gc.collect()
    _release_arrow_memory()


def escape(text: Any) -> str:
    """``html.escape`` of any value shown in the report (for HTML the template builds from user text).

    Parameters
    ----------
    text : object
        Converted with ``str``.

    Returns
    -------
    str
        ``&``, ``<``, ``>`` and quotes escaped.

    Examples
    --------
    >>> escape("<script>")
    '&lt;script&gt;'
    """
    return html.escape(str(text))
