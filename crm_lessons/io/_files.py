"""Opening a file for the pandas reader: text (decoded, delimiter found) or an Excel workbook."""

from __future__ import annotations

import codecs
import io as _io
import mmap
import re
from functools import partial
from os import PathLike
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from crm_lessons import _threads
from crm_lessons._reading.columns import clean_header, resolve_columns, sniff_delimiter
from crm_lessons._reading.files import check_same_columns, is_many, source_files
from crm_lessons._reading.text import decode_check, gb18030_start, not_utf8_or_gbk, utf16_encoding
from crm_lessons._reading.values import DATE_FORMATS, FORMAT_GUARD, ISO_FORMATS, YEARS
from crm_lessons._validation import DataError, option, pass_option
from crm_lessons.io._arrow import read_clean_csv, utf8_start
from crm_lessons.io._arrow_messy import read_messy_csv
from crm_lessons.io._memory import check_memory
from crm_lessons.io._parse import _to_datetime


def _describe(source: Any) -> str:
    if isinstance(source, (str, PathLike)):
        return str(source)
    if isinstance(source, pd.DataFrame):
        return "<DataFrame>"
    name = getattr(source, "name", None)
    return str(name) if isinstance(name, str) else "<file object>"


def _raw_content(source: Any, where: str) -> tuple[bytes | str, str]:
    """Bytes (or text, for a text file object) of the source and its file suffix."""
    if isinstance(source, (str, PathLike)):
        path = Path(source)
        if not path.is_file():
            raise DataError(
                f"{where}: file not found: {str(path)!r}; check the path and the working directory",
                zh=f"{where}：找不到文件 {str(path)!r}；请检查路径和当前文件夹",
            )
        check_memory(path.stat().st_size, where=where)
        return path.read_bytes(), path.suffix.lower()
    if hasattr(source, "read"):
        content = source.read()
        if not isinstance(content, (bytes, str)):
            raise TypeError(f"{where}: the file object returned {type(content).__name__}, expected bytes or str")
        name = getattr(source, "name", "")
        return content, Path(name).suffix.lower() if isinstance(name, str) else ""
    raise TypeError(
        f"read_transactions: source should be a path, an open file or a DataFrame, got {type(source).__name__}"
    )


def _read_workbook(content: bytes, sheet_name: str | int | None, where: str) -> tuple[pd.DataFrame, str]:
    """The data sheet of a workbook: ``sheet_name`` if given, else the one visible sheet with data.

    A hidden sheet is never read unless named; when several visible sheets hold data the
    user is asked to choose, with their names listed.
    """
    import zipfile

    from openpyxl import load_workbook

    not_workbook = DataError(
        f"{where}: this is not a readable Excel workbook (damaged, truncated, or another file renamed to "
        ".xlsx); open it in Excel and save it again as .xlsx or as CSV UTF-8",
        zh=f"{where}：这不是可读取的 Excel 工作簿（已损坏、不完整，或是改了扩展名的其他文件）；"
        "请在 Excel 中打开后重新另存为 .xlsx 或“CSV UTF-8”",
    )
    if not zipfile.is_zipfile(_io.BytesIO(content)):
        raise not_workbook
    try:
        book = load_workbook(_io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, BadZipFile, InvalidFileException, ...
        raise not_workbook from exc
    try:
        sheets = [(ws.title, ws.sheet_state, ws) for ws in book.worksheets]
        if sheet_name is not None:
            names = [n for n, _, _ in sheets]
            if isinstance(sheet_name, int) and not isinstance(sheet_name, bool) and 0 <= sheet_name < len(names):
                chosen = names[sheet_name]
            elif str(sheet_name) in names:
                chosen = str(sheet_name)
            else:
                raise DataError(
                    f"{where}: the workbook has no sheet {sheet_name!r}; its sheets are {names}; "
                    f"{pass_option('sheet_name')}",
                    zh=f"{where}：工作簿中没有工作表 {sheet_name!r}；工作表有 {names}；请用 {option('sheet_name')} 指定",
                )
        else:

            def has_data(ws: Any) -> bool:
                return (
                    any(any(v is not None for v in row) for _, row in zip(range(2), ws.iter_rows(values_only=True)))
                    and (ws.max_row or 0) >= 2
                )

            visible = [n for n, state, ws in sheets if state == "visible" and has_data(ws)]
            if not visible:
                raise DataError(
                    f"{where}: no visible worksheet holds data (a header row and data rows); "
                    f"sheets are {[n for n, _, _ in sheets]}; {pass_option('sheet_name')} to read a hidden one",
                    zh=f"{where}：没有可见的工作表含有数据（表头和数据行）；工作表有 {[n for n, _, _ in sheets]}；"
                    f"要读取隐藏的工作表请用 {option('sheet_name')} 指定",
                )
            if len(visible) > 1:
                raise DataError(
                    f"{where}: several visible worksheets hold data: {visible}; {pass_option('sheet_name', visible[0])} "
                    "(or another one)",
                    zh=f"{where}：有多个可见工作表含有数据：{visible}；请用 {option('sheet_name', visible[0])}（或另一个）指定",
                )
            chosen = visible[0]
    finally:
        book.close()
    try:
        # cells keep their own Python types (an Excel TRUE stays a bool, not 1); columns
        # that are not inspected cell by cell get pandas' inferred types back afterwards
        # a cell written 'NA' or '-' stays text: the reading rules decide what is empty (and quote it)
        frame = pd.read_excel(
            _io.BytesIO(content),
            sheet_name=chosen,
            engine="openpyxl",
            dtype=object,
            keep_default_na=False,
            na_values=[""],
        )
        # the header as written (pandas renames a repeated name '金额' to '金额.1')
        names = pd.read_excel(
            _io.BytesIO(content), sheet_name=chosen, engine="openpyxl", header=None, nrows=1, dtype=object
        )
    except Exception as exc:
        raise not_workbook from exc
    if names.shape[1] == frame.shape[1] and len(names):
        frame.attrs["header"] = [
            v if not (isinstance(v, float) and v != v) else c for v, c in zip(names.iloc[0], frame.columns)
        ]
    if frame.shape[1] == 0:
        raise DataError(
            f"{where}: the worksheet {chosen!r} is empty; put a header row and data rows in it "
            f"or {pass_option('sheet_name')}",
            zh=f"{where}：工作表 {chosen!r} 是空的；请放入表头和数据行，或用 {option('sheet_name')} 指定其他工作表",
        )
    return frame, chosen


def _resolve(names: list[Any], columns: list[Any], explicit: dict[str, Any], where: str) -> dict[str, Any]:
    """The roles' columns found in the header as written (``names``), as the frame names them (``columns``).

    A name written twice and wanted for a role is refused by :func:`resolve_columns`; a role's name is
    then written once, and pandas keeps it unchanged.
    """
    mapping = resolve_columns(names, explicit, where)
    if len(names) != len(columns):
        return mapping
    return {role: columns[names.index(name)] for role, name in mapping.items()}


def _read_files(source: Any, *, where: str, **options: Any) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """A folder or glob of CSV files with the same columns, read one by one as :func:`_read_frame` reads
    a file and put one after the other; rows are named ``file:row`` in messages (``b.csv:5``)."""
    files, kind = source_files(source, where)
    if kind != "csv":
        raise DataError(
            f"{where}: {str(source)!r} holds {kind} files, which this reader does not read; read Parquet with "
            f"DuckDB ({option('engine', 'duckdb')}, see 'Large data' in the README), or read each workbook and "
            "put the frames together with pandas.concat",
            zh=f"{where}：{str(source)!r} 中是 {kind} 文件，本读取器不读取；Parquet 请用 DuckDB 读取"
            f"（{option('engine', 'duckdb')}，见 README 的 “Large data”），工作簿请逐个读取后用 pandas.concat 合并",
        )
    frames, infos = [], []
    for f in files:
        frame, info, mapping = _read_frame(f, where=f"{where}: {Path(f).name}", **options)
        frames.append(frame)
        infos.append(info)
        if len(infos) == 1:
            first = mapping
        check_same_columns([(files[0], infos[0]["header"]), (f, info["header"])], where)
    info = {k: infos[0][k] for k in ("encoding", "delimiter", "file_format", "header")}
    parsed = [i.get("parsed", {}) for i in infos]
    info["parsed"] = {
        role: np.concatenate([p[role] for p in parsed]) for role in ("date", "amount") if all(role in p for p in parsed)
    }
    # a file read by Arrow left its blank rows out: its rows' numbers come with it
    info["labels"] = np.concatenate(
        [
            np.array([f"{Path(f).name}:{i}" for i in file_info.get("labels", range(2, len(fr) + 2))], dtype=object)
            for f, fr, file_info in zip(files, frames, infos)
        ]
    )
    info["blank_rows"] = sum(file_info.get("blank_rows", 0) for file_info in infos)
    info["files"] = files
    return pd.concat(frames, ignore_index=True), info, first


def _read_frame(
    source: Any,
    *,
    encoding: str | None,
    sep: str | None,
    sheet_name: str | int | None,
    explicit: dict[str, str | None],
    where: str,
    date_format: str | None = None,
    find_repeats: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """Read the source: the role columns as text (or clean values), the others with pandas' own types.

    Excel cells keep their own types (numbers, datetimes, text).  Returns the
    frame (header names cleaned), facts for the report, and the column mapping.

    A CSV file is read in one pass with the customer column as text, the amount
    column as pandas infers it and the date column parsed with the one ISO 8601
    format that reads the first rows (when one does; else as text, whose
    distinct values are parsed later).  A date or amount column whose
    values all come out clean (no missing value, no infinite amount, no year
    outside 1678-2261) is final and is put in ``info["parsed"]``; any other is
    read again as text and goes through the cell-by-cell checks, so a clean file
    costs about what ``pandas.read_csv`` does, and a messy one gets every check.

    ``find_repeats``: whether the Arrow reader of a clean CSV codes the ids and starts the search for
    rows that may repeat (``info["parsed"]``), which only the duplicate check and the report need.
    """
    if is_many(source):
        return _read_files(
            source,
            encoding=encoding,
            sep=sep,
            sheet_name=sheet_name,
            explicit=explicit,
            where=where,
            date_format=date_format,
            find_repeats=find_repeats,
        )
    info: dict[str, Any] = {"encoding": None, "delimiter": None}
    mapped = encoding is None and isinstance(source, (str, PathLike))
    if mapped:  # a clean CSV file is read by Arrow from the file's pages, not from a copy of them
        found = _arrow_file(
            Path(source), sep=sep, explicit=explicit, where=where, date_format=date_format, find_repeats=find_repeats
        )
        if found is not None:
            return found
    content, suffix = _raw_content(source, where)
    if isinstance(content, bytes) and (suffix in (".xlsx", ".xlsm") or content[:4] == b"PK\x03\x04"):
        info["file_format"] = "excel"
        frame, info["sheet"] = _read_workbook(content, sheet_name, where)
        header = clean_header(frame.attrs.pop("header", frame.columns))
        frame.columns = clean_header(frame.columns)
        mapping = _resolve(header, list(frame.columns), explicit, where)
        info["header"] = header
        roles = {mapping[r] for r in ("customer_id", "date", "amount")}
        for col in frame.columns:
            if col not in roles:
                frame[col] = frame[col].infer_objects()
        return frame, info, mapping
    if suffix == ".xls" or (isinstance(content, bytes) and content[:4] == b"\xd0\xcf\x11\xe0"):
        raise DataError(
            f"{where}: old Excel .xls files are not supported; open it in Excel and save as .xlsx or CSV",
            zh=f"{where}：不支持旧版 Excel .xls 文件；请在 Excel 中打开并另存为 .xlsx 或 CSV",
        )
    info["file_format"] = "csv"
    if isinstance(content, bytes) and encoding is None and not mapped:
        found = _arrow_frame(
            content, sep=sep, explicit=explicit, where=where, date_format=date_format, find_repeats=find_repeats
        )
        if found is None:
            found = _arrow_frame(
                content,
                sep=sep,
                explicit=explicit,
                where=where,
                date_format=date_format,
                messy=True,
                find_repeats=find_repeats,
            )
        if found is not None:
            return found
    read_enc: str | None = None  # the encoding pandas reads the bytes in
    if isinstance(content, bytes):
        enc = decode_check(content, encoding, where)
        text_head = content[:65536].decode(enc, errors="ignore")
        info["encoding"] = enc
        gb18030 = codecs.lookup(enc).name == "gb18030"
        if gb18030 and not mapped:  # decoded by Arrow's reader while it splits the rows (see _arrow_messy)
            found = _arrow_frame(
                content,
                sep=sep,
                explicit=explicit,
                where=where,
                date_format=date_format,
                messy=True,
                encoding=enc,
                find_repeats=find_repeats,
            )
            if found is not None:
                return found
        converted = _as_utf8(content, enc)
        if converted is not None:  # decoded once here, not by pandas on each of its passes
            found = _arrow_frame(
                converted, sep=sep, explicit=explicit, where=where, date_format=date_format, find_repeats=find_repeats
            )
            if found is None and not gb18030:
                found = _arrow_frame(
                    converted,
                    sep=sep,
                    explicit=explicit,
                    where=where,
                    date_format=date_format,
                    messy=True,
                    find_repeats=find_repeats,
                )
            if found is not None:
                found[1]["encoding"] = enc
                return found
            content, read_enc = converted, "utf-8"
        else:
            read_enc = enc
    else:
        text_head = content[:65536]
    if not text_head.strip():
        raise DataError(
            f"{where}: the file is empty; export the data again with a header row and data rows",
            zh=f"{where}：文件是空的；请重新导出，包含表头和数据行",
        )
    first_line = text_head.lstrip("\ufeff").lstrip("\r\n").split("\n", 1)[0]
    delimiter = sep if sep is not None else sniff_delimiter(first_line)
    info["delimiter"] = delimiter
    skipped = 0
    if read_enc is None or codecs.lookup(read_enc).name in ("utf-8", "utf-8-sig"):  # (text as decoded here)
        content, skipped = _skip_empty_lines(content)
    buffer: IO[Any] = _io.BytesIO(content) if isinstance(content, bytes) else _io.StringIO(content)
    try:
        header = pd.read_csv(buffer, sep=delimiter, nrows=0, encoding=read_enc, engine="c")
        raw_names = dict(zip(clean_header(header.columns), header.columns))
        buffer.seek(0)
        # the header as written (pandas renames a repeated name '金额' to '金额.1')
        written = pd.read_csv(
            buffer, sep=delimiter, header=None, nrows=1, dtype=str, keep_default_na=False, encoding=read_enc, engine="c"
        )
        names = clean_header(written.iloc[0].tolist()) if written.shape == (1, len(raw_names)) else list(raw_names)
        mapping = _resolve(names, list(raw_names), explicit, where)
        info["header"] = names
        csv_options = {"sep": delimiter, "skip_blank_lines": False, "encoding": read_enc, "engine": "c"}
        raw_date, raw_amount = raw_names[mapping["date"]], raw_names[mapping["amount"]]
        raw_customer = raw_names[mapping["customer_id"]]
        head = _head_frame(text_head, csv_options, [raw_customer, raw_date])
        fmt = _head_date_format(head, raw_date, date_format)
        # ids that pandas reads as text anyway (C000123) are not forced to text, which costs more;
        # integer-looking ids are, so that 007 stays 007
        ids_text = head is not None and isinstance(head[raw_customer].dtype, pd.StringDtype)
        buffer.seek(0)
        frame = pd.read_csv(
            buffer,
            dtype={} if ids_text else {raw_customer: str},
            **({"parse_dates": [raw_date], "date_format": fmt} if fmt else {}),
            **csv_options,
        )
        # read as text again: ids that are numbers after the first rows, and a column with empty
        # cells, whose text ('NA', '-', '#N/A') the reading rules judge and a refusal quotes
        # (all such columns in one more pass over the file)
        as_text = {"keep_default_na": False, "na_values": [""], **csv_options}
        again = []
        if not isinstance(frame[raw_customer].dtype, pd.StringDtype) or frame[raw_customer].hasnans:
            again.append(raw_customer)
        parsed = {}
        for role, raw_col, clean in (("date", raw_date, _clean_dates), ("amount", raw_amount, _clean_amounts)):
            values = clean(frame[raw_col])
            if values is not None:
                parsed[role] = values
            elif not isinstance(frame[raw_col].dtype, pd.StringDtype) or frame[raw_col].hasnans:
                again.append(raw_col)
        if again:
            again = list(dict.fromkeys(again))
            buffer.seek(0)
            text = pd.read_csv(buffer, usecols=again, dtype=dict.fromkeys(again, str), **as_text)
            for raw_col in again:
                frame[raw_col] = text[raw_col]
            del text
        info["parsed"] = parsed
        if skipped:  # rows numbered as in the file: the header is on row 1 + skipped
            info["labels"] = np.arange(len(frame)) + 2 + skipped
    except UnicodeDecodeError as exc:  # past the start that decode_check looked at (GB18030 guessed)
        raise not_utf8_or_gbk(where) from exc
    except pd.errors.ParserError as exc:
        detail = " ".join(str(exc).split())[:200]
        m = re.search(r"line (\d+), saw (\d+)", detail)
        zh_detail = f"第 {m.group(1)} 行有 {m.group(2)} 个字段" if m else detail
        raise DataError(
            f"{where}: cannot split the rows into columns with delimiter {delimiter!r} ({detail}); "
            f"check that row in the file (a stray delimiter or quote) or {pass_option('sep')}",
            zh=f"{where}：无法用分隔符 {delimiter!r} 把各行分成列（{zh_detail}，与表头不符）；"
            f"请检查文件中的那一行（多余的分隔符或引号），或用 {option('sep')} 指定分隔符",
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(
            f"{where}: the file is empty; export the data again with a header row and data rows",
            zh=f"{where}：文件是空的；请重新导出，包含表头和数据行",
        ) from exc
    frame.columns = clean_header(frame.columns)
    return frame, info, mapping


def _skip_empty_lines(content: Any) -> tuple[Any, int]:
    """The text without the empty lines before its header (bytes in an ASCII-compatible encoding, or
    str), and how many there were.  pandas would take the first of them for the header."""
    bom: Any = b"\xef\xbb\xbf" if isinstance(content, bytes) else "\ufeff"
    breaks: Any = (b"\r", b"\n") if isinstance(content, bytes) else ("\r", "\n")
    start = len(bom) if content[: len(bom)] == bom else 0
    if content[start : start + 1] not in breaks:
        return content, 0
    rest = content[start:].lstrip(breaks[0] + breaks[1])
    lead = content[start : len(content) - len(rest)]
    lines = lead.count(breaks[1]) + lead.count(breaks[0]) - lead.count(breaks[0] + breaks[1])
    return content[:start] + rest, lines


def _as_utf8(content: bytes, enc: str) -> bytes | None:
    """The text re-encoded as UTF-8 when ``enc`` is another encoding (GB18030, UTF-16, ...), else None.

    None also when the bytes do not decode (past the start ``decode_check`` looked at): pandas then
    reads them in ``enc`` and stops at the bad byte as before, after the checks that come first.
    """
    name = codecs.lookup(enc).name
    if name in ("utf-8", "utf-8-sig"):
        return None
    step = 1 << 22
    try:
        if name == "gb18030":
            # cut after a line feed, which is never part of a GB18030 character (its later bytes are
            # 0x30-0x39 and 0x40-0xfe): each part decodes on its own, without an incremental decoder
            parts, start = [], 0
            while start < len(content):
                end = content.find(b"\n", start + step)
                end = len(content) if end < 0 else end + 1
                parts.append(content[start:end].decode(enc).encode("utf-8"))
                start = end
            return b"".join(parts)
        decoder = codecs.getincrementaldecoder(enc)()
        return b"".join(
            decoder.decode(content[i : i + step], final=i + step >= len(content)).encode("utf-8")
            for i in range(0, len(content), step)
        )
    except UnicodeDecodeError:
        return None


def _arrow_file(
    path: Path,
    *,
    sep: str | None,
    explicit: dict[str, str | None],
    where: str,
    date_format: str | None,
    find_repeats: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]] | None:
    """:func:`_arrow_frame` of a CSV file mapped into memory (no copy of its bytes), or None.

    None for anything but a plain non-empty file that may be a CSV (the usual path then opens it and
    gives its messages); a file too large for memory is refused as :func:`_raw_content` refuses it.
    """
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls") or not path.is_file():
        return None
    check_memory(path.stat().st_size, where=where)
    try:
        with open(path, "rb") as f:
            flags = getattr(mmap, "MAP_POPULATE", 0)  # Linux: the pages mapped at once, not one fault each
            view = (
                mmap.mmap(f.fileno(), 0, flags=mmap.MAP_SHARED | flags, prot=mmap.PROT_READ)
                if hasattr(mmap, "PROT_READ")
                else mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            )
    except (OSError, ValueError):  # an empty file, a pipe, a file system without mapping
        return None
    if view[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        return None
    found = _arrow_frame(
        view, sep=sep, explicit=explicit, where=where, date_format=date_format, find_repeats=find_repeats
    )
    if found is None:
        found = _arrow_frame(
            view,
            sep=sep,
            explicit=explicit,
            where=where,
            date_format=date_format,
            messy=True,
            find_repeats=find_repeats,
        )
    # a GB18030 file (decode_check's answer when the start is neither UTF-16 nor UTF-8, no zero byte in
    # the first 64 kB and the first MB decodes) read from the map too, decoded by Arrow's reader
    if (
        found is None
        and utf8_start(view) is None
        and utf16_encoding(view[:4096]) is None
        and b"\x00" not in view[:65536]
        and gb18030_start(view)
    ):
        found = _arrow_frame(
            view,
            sep=sep,
            explicit=explicit,
            where=where,
            date_format=date_format,
            messy=True,
            encoding="gb18030",
            find_repeats=find_repeats,
        )
    # on Linux the map is let go on another core, beside the caller's last steps (unmapping the pages takes
    # 1-2 ms per 30 MB of file); elsewhere here and now (Windows keeps a mapped file from being replaced)
    if hasattr(mmap, "MAP_POPULATE"):
        _threads.start(partial(_unmap, view))
    else:  # pragma: no cover - not Linux
        _unmap(view)
    return found


def _unmap(view: mmap.mmap) -> None:
    """Close a memory map, unless a buffer still holds it (it then goes with the last holder)."""
    try:
        view.close()
    except BufferError:
        pass


def _arrow_frame(
    content: bytes | mmap.mmap,
    *,
    sep: str | None,
    explicit: dict[str, str | None],
    where: str,
    date_format: str | None,
    messy: bool = False,
    encoding: str | None = None,
    find_repeats: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]] | None:
    """A clean UTF-8 CSV read by Arrow (:mod:`crm_lessons.io._arrow`): what the pandas path below gives, or None.

    None whenever the file is not plainly clean (the pandas path then reads it, and gives its refusals).
    ``messy``: read by :mod:`crm_lessons.io._arrow_messy` instead (blank rows, amounts and dates as
    text); its blank rows are left out, and ``info`` says how many and the row numbers of the others.
    ``encoding``: GB18030 text for that reader, which decodes it (default: UTF-8, guessed from the start).
    ``find_repeats``: as :func:`_read_frame`.
    """
    enc = utf8_start(content) if encoding is None else encoding
    if enc is None:
        return None
    try:
        text_head = content[:65536].decode(enc, errors="ignore")
        first_line = text_head.lstrip("\ufeff").lstrip("\r\n").split("\n", 1)[0]
        delimiter = sep if sep is not None else sniff_delimiter(first_line)
        head = content[: 1 << 20]
        if encoding is not None:  # GB18030 (by its lines: a line feed is never part of a character)
            head = head[: head.rfind(b"\n") + 1 or len(head)].decode(enc).encode("utf-8")
        header = pd.read_csv(
            _io.BytesIO(head), sep=delimiter, nrows=0, encoding=enc if encoding is None else "utf-8", engine="c"
        )
        columns = list(header.columns)
        if len(set(columns)) != len(columns) or any(
            not isinstance(c, str) or c.startswith("Unnamed:") for c in columns
        ):
            return None
        names = clean_header(columns)
        if len(set(names)) != len(names):
            return None
        mapping = _resolve(names, names, explicit, where)
        raw = dict(zip(names, columns))
        roles = {r: raw[mapping[r]] for r in ("customer_id", "date", "amount")}
        if len(set(roles.values())) != 3:
            return None
        found: tuple[Any, ...] | None
        if messy:
            found = read_messy_csv(
                content,
                delimiter=delimiter,
                columns=columns,
                roles=roles,
                date_format=date_format,
                encoding="utf8" if encoding is None else encoding,
                find_repeats=find_repeats,
            )
        else:
            found = read_clean_csv(
                content,
                delimiter=delimiter,
                columns=columns,
                roles=roles,
                date_format=date_format,
                find_repeats=find_repeats,
            )
    except Exception:  # whatever the reason (a bad row, a column that is not clean), the pandas path decides
        return None
    if found is None:
        return None
    frame, parsed, *blank = found
    frame.columns = names
    info = {"encoding": enc, "delimiter": delimiter, "file_format": "csv", "header": names, "parsed": parsed}
    if blank:
        info.update(blank[0])
    return frame, info, mapping


def _head_frame(text_head: str, csv_options: dict[str, Any], columns: list[Any]) -> pd.DataFrame | None:
    """The first (up to 200) rows of ``columns``, read as pandas infers them; None if they cannot be read."""
    lines = text_head.lstrip("\ufeff").splitlines()
    if len(lines) < 3:
        return None
    head = "\n".join(lines[:201]) if len(lines) > 201 else "\n".join(lines[:-1])  # the last line may be cut
    try:
        frame = pd.read_csv(
            _io.StringIO(head),
            usecols=list(dict.fromkeys(columns)),
            **{k: v for k, v in csv_options.items() if k != "encoding"},
        )
    except (ValueError, pd.errors.ParserError):
        return None
    return frame if len(frame) else None


def _head_date_format(head: pd.DataFrame | None, raw_date: Any, date_format: str | None) -> str | None:
    """The date format that reads every date in the first rows of the file, or None.

    Formats are tried in the order of ``DATE_FORMATS`` (``date_format`` alone when given); the
    formats are exclusive, so the one that reads all of these dates is the one the cell-by-cell
    parser would choose.  A guarded format (``%Y%m%d``) is left to the cell-by-cell parser.
    """
    if head is None or not isinstance(head[raw_date].dtype, pd.StringDtype):
        return None
    sample = head[raw_date]
    if sample.isna().any():
        return None
    for fmt in (date_format,) if date_format is not None else DATE_FORMATS:
        if fmt in FORMAT_GUARD:
            continue
        if _to_datetime(sample, fmt).notna().all():
            # pandas parses ISO 8601 forms in C; others row by row, slower than parsing the distinct values
            return fmt if fmt in ISO_FORMATS else None
    return None


def _clean_dates(values: pd.Series) -> np.ndarray | None:
    """datetime64[ns] at midnight when the column was parsed whole and every date is plausible, else None."""
    if not pd.api.types.is_datetime64_dtype(values.dtype) or values.isna().any():
        return None
    years = values.dt.year
    if len(values) and (years.min() < YEARS[0] or years.max() > YEARS[1]):  # placeholders: checked as text
        return None
    return values.dt.normalize().to_numpy(dtype="datetime64[ns]")


def _clean_amounts(values: pd.Series) -> np.ndarray | None:
    """float64 amounts when the column was read as numbers, none missing or infinite, else None."""
    if values.dtype.kind not in "iuf":
        return None
    out = values.to_numpy(dtype="float64")
    return out if np.isfinite(out).all() else None
