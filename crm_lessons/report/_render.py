"""Running the report: the template notebook, executed and written as one HTML page."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from crm_lessons._fileio import atomic_write_bytes
from crm_lessons._validation import DataError, option
from crm_lessons.report._content import TEXT
from crm_lessons.report._data import precompute_tables, prepare_data


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
        f"template_path: the report template is missing (looked for {source} and {shipped}); reinstall crm-lessons"
    )


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
    closed_orders: Literal["keep", "drop", "error"] = "drop",
    engine: str | None = None,
    spark_master: str | None = None,
    memory_limit: str | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
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
    date_format, encoding, sep
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
    crm_lessons.runner.CellExecutionError
        The template failed (a bug: please report it).

    Notes
    -----
    Steps: (1) :func:`prepare_data` reads and checks the file, so bad input
    fails before the template runs, and :func:`precompute_tables` computes the
    per-customer tables, after which the transactions are let go (the rest of
    the run holds tables whose size follows the customers, not the rows);
    (2) :func:`crm_lessons.runner.execute_in_process` runs :func:`template_path`
    in this process with the parameters ``DATA_FILE``, ``CUSTOMER_COL``,
    ``DATE_COL``, ``AMOUNT_COL``, ``AS_OF``, ``LANG``, ``CURRENCY``,
    ``HORIZON``, ``DISCOUNT_RATE`` and ``PREPARED`` (those tables, as a
    :class:`ReportData`): no kernel is started and nothing is written to a
    temporary folder; (3) :func:`crm_lessons.runner.to_html` renders the
    outputs as a kernel run's would be, without code cells; (4) the page is
    written to a temporary file beside ``out`` and moved into place with
    ``os.replace``.  The template stays a notebook that also runs in a kernel
    (``DATA_FILE`` read there when ``PREPARED`` is ``None``).

    Examples
    --------
    Bad input stops before the template runs:

    >>> render_report("no_such_file.csv", "report.html")
    Traceback (most recent call last):
    ...
    crm_lessons._validation.DataError: read_transactions: no_such_file.csv: file not found: ...
    """
    say = progress or (lambda line: None)
    where = "render_report"
    if lang not in TEXT:
        raise DataError(f"{where}: lang={lang!r} should be one of {sorted(TEXT)}")
    if int(horizon) != horizon or horizon < 1:
        raise DataError(
            f"{where}: {option('horizon', horizon)} should be a whole number of months >= 1",
            zh=f"{where}：预测期 {option('horizon', horizon)} 应是不小于 1 的整月数",
        )
    if not 0 <= discount_rate < 1:  # also refuses inf and nan
        raise DataError(
            f"{where}: {option('discount_rate', discount_rate)} should be a monthly rate from 0 to below 1 (e.g. 0.01)",
            zh=f"{where}：月折现率 {option('discount_rate', discount_rate)} 应在 0 到 1 之间（如 0.01）",
        )
    _check_out(Path(out), data, where)
    out = Path(out)
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
        date_format=date_format,
        encoding=encoding,
        sep=sep,
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
        _release_unused()
    else:  # the template gets the per-customer tables, not the transactions
        # (a full collection costs ~0.05 s: worth it where Arrow holds hundreds of megabytes)
        large = q["rows_read"] >= 1_000_000
        if large:
            _release_unused()
        prepared = precompute_tables(prepared, horizon=int(horizon))
        if large:
            _release_unused()
    from crm_lessons import runner
    from crm_lessons.report._notes import FIGURES_TAG

    say(
        "[2/4] 分析（RFM、生命周期、BG/NBD 与 Gamma-Gamma）..."
        if zh
        else "[2/4] running the analysis (RFM, lifecycle, BG/NBD + Gamma-Gamma) ..."
    )
    params = {
        "DATA_FILE": str(Path(os.fspath(data)).resolve()) if isinstance(data, (str, os.PathLike)) else None,
        "CUSTOMER_COL": customer_col,
        "DATE_COL": date_col,
        "AMOUNT_COL": amount_col,
        "AS_OF": prepared.as_of,
        "LANG": lang,
        "CURRENCY": prepared.currency,
        "HORIZON": int(horizon),
        "DISCOUNT_RATE": float(discount_rate),
        "PREPARED": prepared,  # the per-customer tables themselves: the template runs in this process
    }
    del prepared
    # what is alive now stays alive to the end: the cyclic garbage collector need not scan it again at each
    # full collection while the template's imports and figures grow the heap (about 0.3 s of CPU); and it
    # runs after 50,000 new objects instead of 700 (these imports and figures make about 4 million, few of
    # them garbage cycles: 540 -> 7 collections, 0.17 -> 0.07 CPU-s at 1,000 rows)
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], 50_000), *threshold[1:])
    try:
        nb = runner.execute_in_process(template_path(), parameters=params, as_dict=True)  # no nbformat: 0.07 s
        del params
        say("[3/4] 生成 HTML ..." if zh else "[3/4] rendering HTML ...")
        page = runner.to_html(nb, exclude_input=True, title=TEXT[lang]["title"])
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
    # nbconvert writes the attributes in alphabetical order; the page keeps the documented form
    page = page.replace('<script id="report-figures" type="application/json">', FIGURES_TAG, 1)
    if lang == "zh":
        page = page.replace('<html lang="en">', '<html lang="zh-CN">', 1)
    say(f"[4/4] 写入 {out} ..." if zh else f"[4/4] writing {out} ...")
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out, page.encode("utf-8"))
    return out


def _check_out(out: Path, data: Any, where: str) -> None:
    """Refuse an ``out`` that is the data file, a folder, or in a place that cannot be written."""
    shown = option("out", str(out))
    if isinstance(data, (str, os.PathLike)) and (
        out.resolve() == Path(data).resolve() or (out.exists() and Path(data).exists() and os.path.samefile(out, data))
    ):
        raise DataError(
            f"{where}: {shown} is the data file; choose another output name",
            zh=f"{where}：{shown} 就是数据文件；请换一个输出文件名",
        )
    if out.is_dir():
        raise DataError(
            f"{where}: {shown} is a folder; give a file name such as report.html",
            zh=f"{where}：{shown} 是一个文件夹；请给出文件名，如 report.html",
        )
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise DataError(
            f"{where}: {shown} cannot be written: {str(parent)!r} is a file, not a folder",
            zh=f"{where}：{shown} 无法写入：{str(parent)!r} 是一个文件，不是文件夹",
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DataError(
            f"{where}: {shown} cannot be written: no permission to write in {str(parent)!r}",
            zh=f"{where}：{shown} 无法写入：没有写入 {str(parent)!r} 的权限",
        )


def _release_unused() -> None:
    """Give the memory Arrow keeps after freeing (its allocator holds it for reuse) back to the system.

    Reading a large file frees hundreds of megabytes of Arrow strings that numpy,
    which allocates elsewhere, could not otherwise reuse; released between the
    report's steps, they do not add to its peak memory.
    """
    from crm_lessons.report._tables import _release_arrow_memory

    gc.collect()
    _release_arrow_memory()
