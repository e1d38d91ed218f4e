"""Read a transaction source on an engine with the policies of :func:`crm_lessons.io.read_transactions`.

A source is a CSV or Parquet file, a folder or glob of Parquet (or CSV) files,
or an Ibis table (a user's own warehouse connection).  DuckDB reads files
directly, not through pandas.  The reader's policies apply with the same
meaning: orders whose status says closed/refunded/cancelled/unpaid are left out
by default, blank rows are skipped, an empty customer, date or amount stops
with a message, dates outside 1678-2261 (placeholders such as 9999-12-31) and
infinite amounts are refused, and returns (negative amounts), exact duplicates
and rows after ``as_of`` are counted and kept, dropped or refused as asked.
A refused cell gets the pandas reader's message (:func:`crm_lessons._reading.messages.bad_values_message`): for
one CSV file it names the rows as Excel numbers them, found again with a row number when a
check fails; a Parquet file, several files or a table have no such numbers, so the message
says how many rows and quotes some of their values.
"""

from __future__ import annotations

import csv
import io as _io
from pathlib import Path
from typing import Any

import pandas as pd

from crm_lessons._reading.columns import (
    clean_header,
    is_line_item_export,
    order_column,
    resolve_columns,
    sniff_delimiter,
)
from crm_lessons._reading.files import check_same_columns, file_kind, is_many, source_files
from crm_lessons._reading.messages import (
    POLICY_ROWS,
    SHOWN,
    all_blank,
    bad_values_message,
    check_policies,
    header_only,
    no_rows_left,
    policy_refused,
    policy_warning,
)
from crm_lessons._reading.quality import DataQualityReport
from crm_lessons._reading.status import (
    REASON_CODES,
    REASONS,
    aftersales_reason,
    all_closed,
    closed_refused,
    closed_warning,
    line_items_repeated,
    line_items_warning,
    partial_warning,
    status_reason,
    unknown_warning,
)
from crm_lessons._reading.values import DATE_FORMATS, EXCEL_SERIAL_SQL, FORMAT_GUARD, NA_TEXT, OFFSET, YEARS
from crm_lessons._validation import DataError, option, quote, to_timestamp
from crm_lessons.engines._backend import check_engine, connect

C, D, A = "customer_id", "date", "amount"
_WHERE = "read_source"
#: Date formats on the engine path (the reader's list, crm_lessons._reading.values.DATE_FORMATS) and
#: their Java (Spark) spelling; single letters accept one or two digits as Python's %m and %d do.
_JAVA = {"%Y": "yyyy", "%m": "M", "%d": "d", "%H": "H", "%M": "m", "%S": "s", "%f": "SSSSSS"}
_MAX_EXAMPLES = 5


def _java_format(fmt: str) -> str:
    """A strftime format as a Java (Spark) date pattern.

    Fields written next to each other (``%Y%m%d``) need fixed widths; elsewhere one letter
    accepts one or two digits, as Python's ``%m`` does.

    Examples
    --------
    >>> _java_format("%Y年%m月%d日 %H:%M"), _java_format("%Y%m%d")
    ("yyyy'年'M'月'd'日' H:m", 'yyyyMMdd')
    """
    out, i, previous_field = [], 0, False
    while i < len(fmt):
        if fmt[i] == "%" and fmt[i : i + 2] in _JAVA:
            letter = _JAVA[fmt[i : i + 2]]
            adjacent = previous_field or fmt[i + 2 : i + 3] == "%"
            out.append(letter * 2 if adjacent and len(letter) == 1 else letter)
            i += 2
            previous_field = True
        else:
            ch = fmt[i]
            out.append(f"'{ch}'" if ch.isalpha() or not ch.isascii() else ch)
            i += 1
            previous_field = False
    return "".join(out)


# ---------------------------------------------------------------- opening


def _where(label: str) -> str:
    """Prefix of a message: the function and the source (the command line keeps the source alone)."""
    return f"{_WHERE}: {label}"


def _convert_hint(path: str, what: str) -> tuple[str, str]:
    en = (
        f"{_WHERE}: {path}: {what}; the DuckDB and Spark engines read UTF-8 CSV or Parquet only: "
        "save it from Excel as 'CSV UTF-8', or convert it, e.g. "
        "python -c \"import pandas as pd; pd.read_csv('in.csv', encoding='gb18030').to_parquet('out.parquet')\" "
        "(an .xlsx workbook: pd.read_excel('in.xlsx').to_parquet('out.parquet')), "
        f"or read it with {option('engine', 'pandas')} if it fits in memory"
    )
    zh = (
        f"{_WHERE}：{path}：{what}；DuckDB 和 Spark 引擎只读取 UTF-8 编码的 CSV 或 Parquet：请在 Excel 中另存为"
        "“CSV UTF-8”，或先转换，例如 python -c \"import pandas as pd; pd.read_csv('in.csv', encoding='gb18030')"
        ".to_parquet('out.parquet')\"（.xlsx 工作簿：pd.read_excel('in.xlsx').to_parquet('out.parquet')），"
        f"内存够用时也可用 {option('engine', 'pandas')} 读取"
    )
    return en, zh


def _refuse(path: str, what: str, what_zh: str) -> DataError:
    en, zh = _convert_hint(path, what)
    return DataError(en, zh=zh.replace(what, what_zh, 1))


def _check_utf8(path: Path) -> tuple[str, str]:
    """Refuse text that is not UTF-8 (GBK, UTF-16); return the delimiter of the header line and the encoding."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if head[:4] == b"PK\x03\x04" or head[:4] == b"\xd0\xcf\x11\xe0":
        raise _refuse(str(path), "this is an Excel workbook", "这是 Excel 工作簿")
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head:
        raise _refuse(str(path), "the file is UTF-16 text or not text", "文件是 UTF-16 文本或不是文本")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            raise _refuse(
                str(path),
                "the file is not UTF-8 text (GBK/GB18030, as Excel saves Chinese CSV files?)",
                "文件不是 UTF-8 文本（可能是 Excel 保存中文 CSV 时用的 GBK/GB18030）",
            ) from exc
        text = head[: exc.start].decode("utf-8")
    if not text.strip():
        raise DataError(
            f"{_WHERE}: {path}: the file is empty; export the data again with a header row and data rows",
            zh=f"{_WHERE}：{path}：文件是空的；请重新导出，包含表头和数据行",
        )
    encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    return sniff_delimiter(text.lstrip("\ufeff").lstrip("\r\n").split("\n", 1)[0]), encoding


def _files(source: str | Path) -> tuple[list[str], str, str]:
    """The files of a source (a file, a folder, or a glob), their kind and a label."""
    text = str(source)
    path = Path(source)
    if is_many(source):
        files, kind = source_files(source, _WHERE)
    elif not path.is_file():
        raise DataError(
            f"{_WHERE}: file not found: {text!r}; check the path and the working directory",
            zh=f"{_WHERE}：找不到文件 {text!r}；请检查路径和当前文件夹",
        )
    else:
        files, kind = [text], file_kind(path)
    if kind == "excel":
        raise _refuse(files[0], "this is an Excel workbook", "这是 Excel 工作簿")
    return files, kind, text


def _header(path: str, delimiter: str) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        row = next(csv.reader(_io.StringIO(fh.readline()), delimiter=delimiter), [])
    return clean_header(row)


def _open(source: Any, con: Any, engine: str, explicit: dict[str, Any]) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """The raw Ibis table, facts for the report, and the column mapping."""
    info: dict[str, Any] = {"encoding": None, "delimiter": None}
    if not isinstance(source, (str, Path)):
        raw = source
        info.update(file_format="table", source="<ibis table>", files=[])
        where = _WHERE
        mapping = resolve_columns(list(raw.columns), explicit, where)
        return raw, info, mapping
    files, kind, label = _files(source)
    info.update(file_format=kind, source=label, files=files)
    where = _where(label)
    if kind == "parquet":
        if len(files) > 1:
            import pyarrow.parquet as pq

            check_same_columns([(f, pq.read_schema(f).names) for f in files], where)
        raw = con.read_parquet(files if len(files) > 1 else files[0])
        mapping = resolve_columns(list(raw.columns), explicit, where)
        return raw, info, mapping
    checked = [_check_utf8(Path(f)) for f in files]
    delims = {d for d, _ in checked}
    if len(delims) > 1:
        raise DataError(
            f"{where}: the files use different delimiters {sorted(delims)}; save them alike",
            zh=f"{where}：这些文件的分隔符不同 {sorted(delims)}；请用同一种分隔符保存",
        )
    delimiter = delims.pop()
    info.update(encoding=checked[0][1], delimiter=delimiter)
    header = _header(files[0], delimiter)
    if len(files) > 1:
        check_same_columns([(files[0], header)] + [(f, _header(f, delimiter)) for f in files[1:]], where)
    mapping = resolve_columns(header, explicit, where)
    if engine == "duckdb":
        # the role columns are read as text and parsed here, as the pandas reader does (ids keep
        # leading zeros; dates and amounts get the same checks)
        raw = con.read_csv(files, delim=delimiter, header=True, types={str(c): "VARCHAR" for c in mapping.values()})
    else:
        # A quoted value may span lines (one row, as pandas and DuckDB read it) and holds doubled
        # quotes (RFC 4180; Spark's default escape is a backslash).  Spark's multiLine option,
        # which reads the first, reads each file in one task instead of splitting it: on a generated
        # 68 MB CSV of 2 million rows at local[2] (a busy 2-core machine) read_source took 13-16 s
        # in one task and 16-18 s in two splits, nothing lost here, but with more cores or on a
        # cluster one large file would be parsed by one core.  A value can only span lines inside
        # quotes, so files without a quote character are read split (looking took 0.04 s there).
        quoted = any(_contains(f, b'"') for f in files)
        raw = con.read_csv(
            files, sep=delimiter, header=True, inferSchema=False, encoding="UTF-8", multiLine=quoted, escape='"'
        )
    return raw, info, mapping


# ---------------------------------------------------------------- parsing


def _strip(col: Any, engine: str) -> Any:
    r"""``col`` without leading and trailing whitespace (Python's ``string.whitespace``, as Ibis strips).

    On Spark, Ibis 12 writes the characters to trim as the SQL literal ``' \t\n\r\v\f'``, in
    which Spark reads ``\v`` and ``\f`` as the letters v and f: 'Jeff' came out as 'Je', a
    customer 'f' as blank and the amount 'inf' as 'in'.  Here the characters are written in
    hexadecimal.
    """
    if engine != "spark":
        return col.strip()
    import string

    from crm_lessons.engines import _udf

    return _udf.spark_btrim(col, _udf.spark_unhex(string.whitespace.encode("ascii").hex().upper()).cast("string"))


def _blank(col: Any, engine: str) -> Any:
    """Empty cells: NULL, spaces only, or a text that means no value ('NA', '-', ...; the reader's ``NA_TEXT``)."""
    if col.type().is_string():
        text = _strip(col, engine)
        # lower() and 10 values: cheaper on DuckDB than the 70 spellings matched as they are
        return col.isnull() | (text == "") | text.lower().isin(sorted(NA_TEXT))
    if col.type().is_floating():
        return col.isnull() | col.isnan()
    return col.isnull()


def _customer(col: Any, engine: str) -> Any:
    dtype = col.type()
    if dtype.is_floating():
        integral = col.floor() == col
        return integral.ifelse(col.cast("int64").cast("string"), col.cast("string"))
    if dtype.is_string():
        return _strip(col, engine)
    return col.cast("string")


def _try_strptime(engine: str) -> Any:
    from crm_lessons.engines import _udf

    if engine == "spark":
        return lambda col, fmt: _udf.spark_try_to_timestamp(col, _java_format(fmt))
    return _udf.duckdb_try_strptime


def _date(col: Any, engine: str, date_format: str | None) -> Any:
    """The calendar date of each value (NULL where it is not a date)."""
    import ibis

    dtype = col.type()
    if dtype.is_timestamp() or dtype.is_date():
        return col.cast("date")
    if dtype.is_integer():
        col = col.cast("string")
    elif dtype.is_floating():  # 20240105.0 as yyyymmdd, 45293.5417 as an Excel serial, as the pandas reader
        col = (col.floor() == col).ifelse(col.cast("int64").cast("string"), col.cast("string"))
    elif not dtype.is_string():
        return ibis.null().cast("date")
    text = _strip(col, engine).translate("０１２３４５６７８９．－　", "0123456789.- ")
    if engine == "spark":  # Spark's cast turns 01:00+08:00 into the day before (UTC): the offset goes first
        text = text.re_search(OFFSET).ifelse(text.re_extract(OFFSET, 1), text)
    parse = _try_strptime(engine)
    none = ibis.null().cast("timestamp")

    def readings(text: Any) -> list[Any]:
        # ISO-like text (2024-01-05, 2024/1/5, with a time of day) is cast directly; other forms are
        # matched against the formats (a cast would read '20240105' as a year on Spark)
        iso = text.re_search(r"^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}([ T].*)?$")
        out = [] if date_format is not None else [iso.ifelse(text.try_cast("timestamp"), none)]
        for fmt in (date_format,) if date_format is not None else DATE_FORMATS:
            value = parse(text, fmt)
            if fmt in FORMAT_GUARD:
                value = text.re_search(FORMAT_GUARD[fmt]).ifelse(value, none)
            out.append(value)
        return out

    candidates = readings(text)
    if date_format is None:  # Excel serial numbers (days since 1899-12-30), the time of day dropped
        days = text.try_cast("float64").floor().cast("int64")
        serial = (ibis.date(1899, 12, 30) + days.as_interval("D")).cast("timestamp")
        candidates.append(text.re_search(EXCEL_SERIAL_SQL).ifelse(serial, none))
    if engine != "spark":
        # last, for what nothing read: a UTC offset is dropped, the date is the one written
        # (crm_lessons._reading.values.OFFSET); COALESCE looks at it only for those rows (DuckDB's
        # cast already reads 2024-01-05T01:00+08:00 as written)
        stripped = text.re_extract(OFFSET, 1)
        candidates.append(text.re_search(OFFSET).ifelse(ibis.coalesce(*readings(stripped)), none))
    return ibis.coalesce(*candidates).cast("date")


def _date_text(col: Any) -> Any:
    """A date cell as a message quotes it: the text as written, or a typed date as YYYY-MM-DD (as io does)."""
    dtype = col.type()
    return col.cast("date").cast("string") if dtype.is_timestamp() or dtype.is_date() else col.cast("string")


def _with_amount(table: Any, column: str, engine: str, *, name: str) -> Any:
    """``table`` with ``name``: the amounts of ``column`` as float64 (NULL where a value is not a number).

    Reads '¥1,234.50', '(12.50)', '88 元' and full-width digits as the pandas reader does;
    'inf', 'Infinity' and 1e400 come out infinite (see :func:`_infinite`), as in the pandas reader.

    Each step is a column of its own select, computed once per row: written as one expression,
    each use of the cleaned text repeated the steps before it in the SQL (Ibis does not share
    subexpressions), 10 kB of SQL with the full-width ``translate`` 37 times.  The helper
    columns (named after ``name``) are dropped again.

    Examples
    --------
    >>> import ibis
    >>> values = ["¥1,234.50", "(12.50)", "88 元", "１２", "1,5", "nan", None]
    >>> t = ibis.memtable({"a": values}, schema={"a": "string"})
    >>> _fetch(_with_amount(t, "a", "duckdb", name="x"))["x"].tolist()
    [1234.5, -12.5, 88.0, 12.0, nan, nan, nan]
    """
    import ibis

    col = table[column]
    dtype = col.type()
    if dtype.is_numeric() and not dtype.is_boolean():
        return table.mutate(**{name: col.cast("float64")})
    if not dtype.is_string():
        return table.mutate(**{name: ibis.null().cast("float64")})
    text, negative = f"{name}_text", f"{name}_negative"
    full_width = _strip(col, engine).translate("０１２３４５６７８９．，－（）＋", "0123456789.,-()+")
    t = _step(table, **{text: full_width})
    t = _step(t, **{negative: t[text].re_search(r"^\(.*\)$")})
    t = _step(
        t,
        **{
            text: t[negative]
            .ifelse(t[text].re_replace(r"[()]", ""), t[text])
            .lower()
            .re_replace(r"rmb|cny|usd|元|[¥￥$€£\s]", "")
        },
    )
    grouped = t[text].re_search(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$")
    t = _step(t, **{text: grouped.ifelse(t[text].replace(",", ""), t[text])})
    t = _step(t, **{name: t[text].try_cast("float64")})
    value = t[name]
    amount = ibis.cases(
        (value.isnan(), ibis.null().cast("float64")),  # 'nan' is not an amount
        (t[negative], -value.abs()),
        else_=value,
    )
    return t.mutate(**{name: amount}).drop(text, negative)


def _step(table: Any, **columns: Any) -> Any:
    """``table.mutate(**columns)`` as a select of its own, whose columns the next step reads.

    Ibis merges a select into the next one when the merged expression is no larger: a column
    the next step uses once is then written into it, and computed twice when it is kept as
    well.  A view is not merged.
    """
    return table.mutate(**columns).view()


def _infinite(value: Any) -> Any:
    """Whether a float64 amount is infinite (NULL and NaN are not).

    Not ``isinf``: on Spark, Ibis 12 compiles it to ``FALSE OR FALSE`` (it compares the SQL
    expressions in Python), so 'inf' and 1e400 were read as amounts there.
    """
    import math

    import ibis

    return value.abs() == ibis.literal(math.inf, "float64")


# ---------------------------------------------------------------- messages


def _fetch(expr: Any) -> pd.DataFrame:
    from crm_lessons.engines.tables import execute

    return execute(expr)


def _examples(table: Any, mask: Any, column: str, n: int = _MAX_EXAMPLES) -> str:
    values = _fetch(table.filter(mask).select(v=table[column].cast("string")).limit(n))["v"]
    return ", ".join(quote(v) for v in values)


def _numbered(raw: Any, engine: str) -> Any:
    """``raw`` with ``_row``: each row's position in the source (from 0), for a message that names rows.

    DuckDB numbers rows in the order it reads them (it keeps the file's order); Spark numbers
    them in the order of ``monotonically_increasing_id``, which follows the file's splits.
    """
    import ibis

    if engine == "spark":
        from crm_lessons.engines import _udf

        with_id = raw.mutate(_mono=_udf.spark_monotonically_increasing_id())
        return with_id.mutate(_row=ibis.row_number().over(order_by=with_id._mono)).drop("_mono")
    return raw.mutate(_row=ibis.row_number())


def _contains(path: str, *needles: bytes) -> bool:
    """Whether a file holds one of ``needles`` (looked for in its bytes, without decoding)."""
    import mmap

    with open(path, "rb") as fh:
        if fh.seek(0, 2) == 0:
            return False
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return any(data.find(needle) >= 0 for needle in needles)


def _has_empty_lines(path: str) -> bool:
    """Whether a text file holds an empty line."""
    return _contains(path, b"\n\n", b"\n\r\n")


def _excel_rows(path: str, encoding: str, delimiter: str, positions: list[int]) -> list[int]:
    """Excel row numbers (header = row 1) of the data rows at ``positions`` as an engine reads them (from 0).

    The engines skip empty lines, which the pandas reader and Excel count as rows; in a file that
    has one, the rows up to the last position are counted again here.

    Examples
    --------
    A quoted value over two lines is one row (row 2); the empty line is row 3:

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     f = Path(d) / "t.csv"
    ...     _ = f.write_text('c,d\\n1,"x\\ny"\\n\\n2,z\\n', encoding="utf-8")
    ...     _excel_rows(str(f), "utf-8", ",", [0, 1])
    [2, 4]
    """
    if not _has_empty_lines(path):
        return [p + 2 for p in positions]
    wanted, found, position = set(positions), {}, -1
    with open(path, encoding=encoding, newline="") as fh:
        for excel_row, record in enumerate(csv.reader(fh, delimiter=delimiter), start=1):
            if excel_row == 1 or not record:
                continue
            position += 1
            if position in wanted:
                found[position] = excel_row
                if len(found) == len(wanted):
                    break
    return [found.get(p, p + 2) for p in positions]


def _refused_cells(
    kind: str,
    table: Any,
    mask: Any,
    value: str | None,
    column: str,
    where: str,
    *,
    count: int,
    info: dict[str, Any],
    date_format: str | None,
) -> DataError:
    """The pandas reader's message for refused cells (:func:`crm_lessons._reading.messages.bad_values_message`).

    ``table``: the parsed rows, with ``_row`` (see :func:`_numbered`) when the source is one CSV
    file, whose rows are then named as Excel numbers them; without it (Parquet, several files,
    a table) the message quotes some values instead.  ``mask`` selects the refused rows of
    ``table``; ``value`` is the column of raw text to quote (None: nothing to quote).
    """
    numbered = "_row" in table.columns
    chosen = table.filter(mask)
    chosen = chosen.order_by("_row") if numbered else chosen
    fields = {**({"r": chosen["_row"]} if numbered else {}), **({"v": chosen[value]} if value else {})}
    found = _fetch(chosen.select(**fields).limit(SHOWN)) if fields else pd.DataFrame()
    rows = (
        _excel_rows(info["files"][0], info["encoding"], info["delimiter"], [int(r) for r in found["r"]])
        if numbered
        else None
    )
    examples = list(found["v"]) if value else None
    return bad_values_message(kind, column, where, count=count, rows=rows, examples=examples, date_format=date_format)


# ---------------------------------------------------------------- reading


def read_source(
    source: Any,
    *,
    engine: str = "duckdb",
    connection: Any = None,
    customer_col: str | None = None,
    date_col: str | None = None,
    amount_col: str | None = None,
    status_col: str | None = None,
    date_format: str | None = None,
    as_of: Any = None,
    returns: str = "keep",
    duplicates: str = "keep",
    future: str = "keep",
    closed_orders: str = "drop",
    memory_limit: str | None = None,
    temp_directory: Any = None,
    master: str | None = None,
    session: Any = None,
    keep_rows: int = 0,
) -> tuple[Any, Any]:
    """Read transactions on DuckDB or Spark: the canonical Ibis table and a data-quality report.

    Parameters
    ----------
    source : path, glob or ibis Table
        A CSV (UTF-8) or Parquet file, a folder of Parquet (or CSV) files, a
        glob such as ``'sales/*.parquet'``, or an Ibis table on any backend.
    engine : {'duckdb', 'spark'}
        Engine that reads files (ignored for an Ibis table, which stays on its own backend).
    connection : ibis backend, optional
        An existing Ibis connection to read the files with.
    customer_col, date_col, amount_col, status_col, date_format, as_of,
    returns, duplicates, future, closed_orders
        As in :func:`crm_lessons.io.read_transactions`.
    memory_limit, temp_directory
        DuckDB's memory limit (default ``'1GB'``) and spill folder.
    master, session
        Spark master URL (default ``local[*]``) or an existing SparkSession.
    keep_rows : int, default 0
        DuckDB: when at most this many rows pass the checks, they are kept in
        a temporary table of the connection (the three columns and any other
        source columns: about 30 bytes a row), which the duplicate count and
        every aggregation of the returned table read instead of reading and
        parsing the source again.  It lives as long as the connection: pass
        ``connection=`` and close it when done.  0: never (the table streams
        the source).

    Returns
    -------
    table : ibis Table
        Columns ``customer_id`` (string), ``date`` (date), ``amount``
        (float64), not yet computed: the aggregations in
        :mod:`crm_lessons.engines.tables` run on the engine.
    report : crm_lessons.io.DataQualityReport
        The same counts as the pandas reader's report.

    Raises
    ------
    DataError
        As :func:`crm_lessons.io.read_transactions`; also a GBK/UTF-16 text
        file or an Excel workbook (with how to convert it).
    """
    check_policies(returns=returns, duplicates=duplicates, future=future, closed_orders=closed_orders, as_of=as_of)
    ts_as_of = to_timestamp(as_of, name="as_of", where=_WHERE).normalize() if as_of is not None else None
    explicit = {"customer_id": customer_col, "date": date_col, "amount": amount_col, "status": status_col}
    if isinstance(source, (str, Path)):
        if connection is not None:
            con = connection
        else:
            check_engine(engine, where=_WHERE)
            if engine == "pandas":
                raise DataError(f"{_WHERE}: engine='pandas' reads with crm_lessons.io.read_transactions")
            con = connect(
                engine, memory_limit=memory_limit, temp_directory=temp_directory, master=master, session=session
            )
    else:
        con = source.get_backend() if hasattr(source, "get_backend") else None
        if con is None:
            raise TypeError(f"{_WHERE}: source should be a path, a glob or an Ibis table, got {type(source).__name__}")
    engine = "spark" if con.name == "pyspark" else con.name
    raw, info, mapping = _open(source, con, engine, explicit)
    label = info["source"]
    where = _where(label)
    cols = {role: str(c) for role, c in mapping.items()}

    # unpaid, cancelled and refunded orders: the distinct statuses are few; the reading rules
    # judge them (crm_lessons._reading.status), the engine only looks them up
    by_reason: dict[str, list[Any]] = {r: [] for r in REASONS}
    after_refunded: list[Any] = []
    unknown: dict[str, int] = {}
    if "status" in cols:
        fields = {"s": raw[cols["status"]], **({"a": raw[cols["aftersales"]]} if "aftersales" in cols else {})}
        seen = _fetch(raw.group_by(**fields).aggregate(n=raw.count()))
        for value, group in seen.groupby("s", dropna=True, sort=False):
            reason = status_reason(value)
            if reason in REASONS:
                by_reason[reason].append(value)
            elif reason == "unknown":
                unknown[str(value)] = int(group["n"].sum())
        if "a" in seen.columns:
            for value, group in seen.groupby("a", dropna=True, sort=False):
                reason = aftersales_reason(value)
                if reason == "refunded":
                    after_refunded.append(value)
                elif reason == "unknown":
                    unknown[str(value)] = int(group["n"].sum())
    closed_values = [v for r in REASONS for v in by_reason[r]]
    line_items = is_line_item_export(raw.columns)
    order_col = order_column(list(raw.columns)) if line_items else None
    roles = {cols["customer_id"], cols["date"], cols["amount"]}
    extras = [c for c in raw.columns if c not in roles]

    def parse(src: Any) -> tuple[Any, dict[str, Any]]:
        """The parsed rows of ``src`` (with its ``_row`` when numbered) and the masks of the checks."""
        # the amount is parsed in steps that add columns to src (named apart from the source's own)
        amount_name = "_amount"
        while any(c.startswith(amount_name) for c in src.columns):
            amount_name = "_" + amount_name
        src = _with_amount(src, cols["amount"], engine, name=amount_name)
        if "refund" in cols:
            src = _with_amount(src, cols["refund"], engine, name=amount_name + "_refund")
        cust, day, amount = (
            _customer(src[cols["customer_id"]], engine),
            _date(src[cols["date"]], engine, date_format),
            src[amount_name],
        )
        b_c, b_d, b_a = (_blank(src[cols[r]], engine) for r in ("customer_id", "date", "amount"))
        code = ibis.literal(0, "int8")
        if closed_values:
            status = src[cols["status"]]
            code = ibis.cases(
                *[(status.isin(by_reason[r]), REASON_CODES[r]) for r in REASONS if by_reason[r]], else_=code
            ).cast("int8")
        if after_refunded:
            code = ((code == 0) & src[cols["aftersales"]].isin(after_refunded).fill_null(False)).ifelse(
                REASON_CODES["refunded"], code
            )
        refund = ibis.literal(0.0, "float64")
        if "refund" in cols:  # refunds on orders that stand: all of the amount (refunded), or part
            got = src[amount_name + "_refund"].abs()
            refund = (got.notnull() & ~_infinite(got)).ifelse(got, 0.0)
            full = (code == 0) & (refund > 0) & (amount > 0) & (refund >= amount)
            code = full.fill_null(False).ifelse(REASON_CODES["refunded"], code)
        partial = (code == 0) & (refund > 0) & (amount > 0) & (refund < amount)
        partial = partial.fill_null(False)
        further = b_c & b_a & ~b_d if line_items else False  # Shopify: an order's further items
        table = src.select(
            **{C: cust, D: day, A: partial.ifelse(amount - refund, amount)},
            _code=code,
            _closed=(code >= 1) & (code <= 3),
            _partial=partial,
            _refund=refund,
            _further=further,
            _blank=(b_c & b_d & b_a) | further,
            _b_c=b_c,
            _b_d=b_d,
            _b_a=b_a,
            _raw_c=src[cols["customer_id"]].cast("string"),
            _raw_d=_date_text(src[cols["date"]]),
            _raw_a=src[cols["amount"]].cast("string"),
            **{f"_x_{i}": src[c] for i, c in enumerate(extras)},
            **({"_order": src[order_col]} if order_col is not None else {}),
            **({"_row": src["_row"]} if "_row" in src.columns else {}),
        )
        year = table[D].year()
        # rows that go on: blank rows are skipped, closed orders too unless they are kept
        live = ~table._blank & ~table._closed if closed_orders == "drop" else ~table._blank
        return table, {
            "live": live,
            "b_c": live & table._b_c,
            "b_d": live & table._b_d,
            "b_a": live & table._b_a,
            "placeholder": live & table[D].notnull() & ((year < YEARS[0]) | (year > YEARS[1])),
            "bad_date": live & ~table._b_d & table[D].isnull(),
            "infinite": live & table[A].notnull() & _infinite(table[A]),
            "bad_amount": live & ~table._b_a & table[A].isnull(),
        }

    import ibis

    parsed, masks = parse(raw)
    live = masks["live"]

    as_of_lit = ibis.date(ts_as_of.year, ts_as_of.month, ts_as_of.day) if ts_as_of is not None else None

    def n(mask: Any) -> Any:
        return mask.cast("int64").sum()

    # one pass: every count the checks and the report need
    checks = ("b_c", "b_d", "b_a", "placeholder", "bad_date", "infinite", "bad_amount")
    counts = _fetch(
        parsed.aggregate(
            rows_read=parsed.count(),
            closed=n(parsed._closed),
            **{reason: n(parsed._code == REASON_CODES[reason]) for reason in REASONS},
            further=n(parsed._further) if line_items else ibis.literal(0, "int64"),
            blank=n(~parsed._closed & parsed._blank & ~parsed._further)
            if closed_orders == "drop"
            else n(parsed._blank & ~parsed._further),
            partial=n(live & parsed._partial),
            partial_amount=parsed._refund.sum(where=live & parsed._partial),
            # buyers whose every order was left out: a second distinct count, only where orders were
            buyers_all=parsed[C].nunique(where=(live | parsed._closed) & ~parsed._b_c)
            if closed_values or "refund" in cols
            else ibis.literal(0, "int64"),
            orders=parsed._order.nunique(where=live) if order_col is not None else ibis.literal(0, "int64"),
            **{key: n(masks[key]) for key in checks},
            live=n(live),
            returns=n(live & (parsed[A] < 0)),
            zero=n(live & (parsed[A] == 0)),
            future=n(live & (parsed[D] > as_of_lit)) if as_of_lit is not None else ibis.literal(0, "int64"),
            customers=parsed[C].nunique(where=live),
            date_min=parsed[D].min(where=live).cast("string"),
            date_max=parsed[D].max(where=live).cast("string"),
        )
    ).iloc[0]
    dates = {k: counts.pop(k) for k in ("date_min", "date_max")}
    partial_amount = counts.pop("partial_amount")
    partial_amount = 0.0 if pd.isna(partial_amount) else float(partial_amount)
    counts = counts.fillna(0).astype("int64")
    rows_read, n_closed = int(counts["rows_read"]), int(counts["closed"])
    if rows_read == 0:
        raise header_only(where)
    status_col = cols.get("status", cols.get("refund", ""))
    if n_closed and closed_orders == "error":
        raise closed_refused(
            where, n_closed, status_col, "such as " + ", ".join(quote(v) for v in closed_values[:SHOWN])
        )
    if n_closed and closed_orders == "drop" and n_closed == rows_read:
        raise all_closed(where, status_col)
    n_live = int(counts["live"])
    if n_live == 0:
        raise all_blank(where)
    if order_col is not None and int(counts["orders"]) < n_live:  # an order's total on several rows
        orders = parsed.filter(live)
        counted = orders.group_by(o=orders._order).aggregate(k=orders.count())
        repeated = _fetch(counted.filter(counted.k > 1).limit(1))["o"]
        raise line_items_repeated(where, str(order_col), repeated.iloc[0])
    # refused cells, in the pandas reader's order and words; the rows of one CSV file are found
    # again with their numbers (a second pass, only when a check fails)
    refusals = {
        "b_c": ("missing_customer", "_raw_c", "customer_id"),
        "b_d": ("missing_date", "_raw_d", "date"),
        "b_a": ("missing_amount", "_raw_a", "amount"),
        "placeholder": ("placeholder", "_raw_d", "date"),
        "bad_date": ("not_date", "_raw_d", "date"),
        "infinite": ("infinite", "_raw_a", "amount"),
        "bad_amount": ("not_number", "_raw_a", "amount"),
    }
    failed = next((key for key in checks if counts[key]), None)
    if failed is not None:
        kind, value, role = refusals[failed]
        if info["file_format"] == "csv" and len(info["files"]) == 1:
            parsed, masks = parse(_numbered(raw, engine))
        raise _refused_cells(
            kind,
            parsed,
            masks[failed],
            value,
            cols[role],
            where,
            count=int(counts[failed]),
            info=info,
            date_format=date_format,
        )

    rows = parsed.filter(live).select(C, D, A, *[f"_x_{i}" for i in range(len(extras))])
    if engine == "duckdb" and 0 < n_live <= keep_rows:
        # parsed once more, into memory: the duplicate count below and the caller's passes scan it
        rows = con.create_table(ibis.util.gen_name("crm_rows"), rows, temp=True)
    # exact duplicates (every column, after parsing): the one count that needs its own pass
    n_distinct = int(_fetch(rows.distinct().count().name("n")).iloc[0, 0])
    n_rows = n_live
    n_dup, n_ret, n_zero, n_future = (
        n_rows - n_distinct,
        int(counts["returns"]),
        int(counts["zero"]),
        int(counts["future"]),
    )
    as_of_text = None if ts_as_of is None else str(ts_as_of.date())
    policy_checks = (
        ("duplicates", duplicates, n_dup, POLICY_ROWS["duplicates"], None),
        ("returns", returns, n_ret, POLICY_ROWS["returns"], rows[A] < 0),
        (
            "future",
            future,
            n_future,
            POLICY_ROWS["future"].format(as_of_text),
            rows[D] > as_of_lit if as_of_lit is not None else None,
        ),
    )
    warnings: list[str] = []
    kept = rows
    for name, policy, count, what, mask in policy_checks:
        if not count:
            continue
        if policy == "error":
            ex = "" if mask is None else _examples(rows, mask, A if name == "returns" else D)
            raise policy_refused(where, name, count, what, ex)
        warnings.append(policy_warning(name, policy, count, what))
    if duplicates == "drop" and n_dup:
        kept = kept.distinct()
    if returns == "drop" and n_ret:
        kept = kept.filter(kept[A] >= 0)
    if future == "drop" and n_future:
        kept = kept.filter(kept[D] <= as_of_lit)
    if n_zero:
        warnings.append(f"{n_zero} rows have an amount of 0")
    if counts["blank"]:
        warnings.append(f"{int(counts['blank'])} blank rows were skipped")
    left_out = {reason: int(counts[reason]) for reason in REASONS}
    if n_closed:
        warnings.append(closed_warning(left_out, closed_orders, status_col))
    if unknown:
        warnings.append(unknown_warning(unknown, cols["status"]))
    if counts["partial"]:
        warnings.append(partial_warning(int(counts["partial"]), partial_amount, cols["refund"]))
    if counts["further"]:
        warnings.append(line_items_warning(int(counts["further"])))
    kept = kept.select(C, D, A)
    if kept is rows.select(C, D, A) or not any(p == "drop" and k for _, p, k, _, _ in policy_checks):
        final = {"rows": n_rows, "customers": int(counts["customers"]), **dates}
    else:
        final = (
            _fetch(
                kept.aggregate(
                    rows=kept.count(),
                    customers=kept[C].nunique(),
                    date_min=kept[D].min().cast("string"),
                    date_max=kept[D].max().cast("string"),
                )
            )
            .iloc[0]
            .to_dict()
        )
    if int(final["rows"]) == 0:
        why = ", ".join(f"{n}={p!r}" for n, p, k, _, _ in policy_checks if p == "drop" and k)
        raise no_rows_left(where, n_rows, why)
    report = DataQualityReport(
        source=label,
        file_format=info["file_format"],
        encoding=info["encoding"],
        delimiter=info["delimiter"],
        column_map=cols,
        rows_read=rows_read,
        blank_rows=int(counts["blank"]),
        rows_kept=int(final["rows"]),
        customers=int(final["customers"]),
        returns=n_ret,
        zero_amounts=n_zero,
        duplicates=n_dup,
        future=n_future if ts_as_of is not None else None,
        date_min=str(final["date_min"])[:10],
        date_max=str(final["date_max"])[:10],
        as_of=as_of_text,
        policy={"returns": returns, "duplicates": duplicates, "future": future, "closed_orders": closed_orders},
        warnings=warnings,
        closed_orders=n_closed,
        left_out=left_out,
        unknown_statuses=unknown,
        partial_refunds=int(counts["partial"]),
        partial_refund_amount=partial_amount,
        buyers_left_out=max(int(counts["buyers_all"]) - int(counts["customers"]), 0),
        line_items=int(counts["further"]),
    )
    return kept, report
