"""A clean UTF-8 CSV read by Arrow's multi-threaded reader into the frame pandas would read, or None.

The pandas reader (:func:`crm_lessons.io._files._read_frame`) reads a CSV with ``pandas.read_csv``
and checks the three role columns.  For a file that needs no cleaning this module gives the same
frame several times faster: Arrow splits and converts the file on every core, the customer and date
columns as text and the amount as numbers, and every other column as Arrow infers it.  Whatever
this path cannot prove gives what pandas gives, it declines (returns None) and the file is read
the usual way, so the result never depends on which path read it:

* the file is UTF-8 (Arrow checks every text cell; numbers and dates are ASCII), the header has
  no repeated or empty name, every row has the header's number of fields, no line is empty;
* the customer and date columns have no missing cell, the amounts are all finite numbers, the
  dates (each distinct text parsed once by the reading rules) are all valid, and no id has spaces
  around it or reads as "no value" (checked here for the caller, :func:`crm_lessons.io._read`, which
  checks ids it gets no codes for itself);
* every other column comes out of Arrow as integers, floats or text, in the type pandas would
  infer for it: a text column needs, in each block of rows pandas infers on its own, one cell
  that pandas could not read as a number or a boolean (else pandas might have read numbers).
"""

from __future__ import annotations

import codecs
import mmap
import re
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons import _threads
from crm_lessons._reading.text import utf16_encoding
from crm_lessons._reading.values import YEARS, is_placeholder

# pandas' default texts for a missing cell (``pandas.read_csv``'s ``na_values``), given to Arrow
_NA_VALUES = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>"]
_NA_VALUES += ["N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]
# a cell pandas might read as a number or a boolean (pandas' C parser: spaces, a sign, digits with
# one decimal point, an exponent; inf/infinity; True/False): a wider net than pandas', so what it
# does not catch is text to pandas
_NUMBER_LIKE = (
    r"^\s*[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*$"
    r"|^\s*[-+]?(?i:inf|infinity|nan)\s*$|^\s*(?i:true|false)\s*$"
)
_NUMBER_LIKE_PY = re.compile(_NUMBER_LIKE)
_UTF8_CHECK = 1 << 18  # (Python's decoder: 1.6 ms per megabyte of Chinese text)
_BOM = b"\xef\xbb\xbf"


def utf8_start(content: bytes | mmap.mmap) -> str | None:
    """'utf-8' or 'utf-8-sig' when the file's first 256 kB are UTF-8 text, else None.

    Only a guess: Arrow proves the rest (it refuses a text cell that is not UTF-8, and a number
    or a date is ASCII).  The encoding check of the usual path decides when this path declines.
    """
    if utf16_encoding(content[:4096]) is not None or b"\x00" in content[:65536]:
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(content[:_UTF8_CHECK], final=len(content) <= _UTF8_CHECK)
    except UnicodeDecodeError:
        return None
    return "utf-8-sig" if content[: len(_BOM)] == _BOM else "utf-8"


def _pandas_block_rows(n_columns: int) -> int:
    """Rows per block of ``pandas.read_csv`` (low_memory=True), which infers each block's types on its own."""
    heuristic = 2**20 // max(n_columns, 1)
    rows = 1
    while rows * 2 < heuristic:
        rows *= 2
    return rows


def _text_everywhere(column: Any, block: int) -> bool:
    """Whether each block of ``block`` rows holds a cell pandas reads as text (not a number, not a boolean)."""
    import pyarrow.compute as pc

    n = len(column)
    starts = range(0, n, block)
    found = []
    for start in starts:  # a look at the first cells of each block usually finds one
        head = column.slice(start, min(64, n - start)).to_pylist()
        found.append(any(v is not None and not _NUMBER_LIKE_PY.search(v) for v in head))
    if all(found):
        return True
    text = pc.invert(pc.fill_null(pc.match_substring_regex(column, _NUMBER_LIKE), True))
    hits = np.asarray(text.to_numpy(zero_copy_only=False), dtype=bool)
    return bool(np.add.reduceat(hits.astype(np.int64), np.asarray(starts)).all())


def _dates(column: Any, date_format: str | None) -> np.ndarray | None:
    """The dates of a text column, each distinct text parsed once by the reading rules; None unless all valid."""
    import pyarrow.compute as pc

    from crm_lessons.io import _files
    from crm_lessons.io._parse import _date_values, _to_datetime

    encoded = pc.dictionary_encode(column).combine_chunks()
    uniq = pd.Series(encoded.dictionary.to_pylist(), dtype=object)
    if uniq.map(is_placeholder).any():
        return None
    values = None
    # the formats are exclusive (no text reads in two of them), so one that reads every distinct
    # text reads each as the reading rules' search over the formats would
    for fmt in (date_format,) if date_format is not None else ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        found = _to_datetime(uniq, fmt)
        if found.notna().all():
            values = found.astype("datetime64[ns]")
            break
    if values is None:
        values = _date_values(uniq, date_format)
    parsed = _files._clean_dates(values)  # None if any is not a date or out of range
    if parsed is None:
        return None
    return parsed[encoded.indices.to_numpy()]


def other_types(table: Any, forced: Any) -> dict[str, Any]:
    """The columns of an Arrow ``table`` not in ``forced`` that Arrow read as other than int64, float64 or
    text (dates, times, booleans, empty columns): pandas reads those otherwise, so they are read again
    as text, or the file is left to pandas."""
    import pyarrow as pa

    return {
        name: t
        for name, t in zip(table.column_names, table.schema.types)
        if name not in forced and not (pa.types.is_int64(t) or pa.types.is_float64(t) or pa.types.is_string(t))
    }


def read_clean_csv(
    content: bytes | mmap.mmap,
    *,
    delimiter: str,
    columns: list[str],
    roles: dict[str, str],
    date_format: str | None,
    find_repeats: bool = True,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]] | None:
    """The frame ``pandas.read_csv`` gives for this file and the final dates and amounts, or None.

    With ``find_repeats``, the parsed values also hold '_id_codes' when the ids need no cleaning: their
    codes, equal for equal ids (:func:`crm_lessons.io._parse._id_codes`), found beside the dates on
    another core, and '_repeated', the search for rows that may repeat (a Future); without it, the ids
    are only checked, and '_ids_clean' (True) says they need no cleaning.

    ``columns``: the header as pandas reads it (no name repeated or empty); ``roles``: the column
    of 'customer_id', 'date' and 'amount'.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from crm_lessons.io._parse import _clean_id_codes, _clean_id_text, _repeated_rows, _row_hashes

    customer, date, amount = roles["customer_id"], roles["date"], roles["amount"]
    # ISO dates (2024-01-05) are parsed by Arrow as it reads, on every core; any other form, and a file
    # with one date Arrow does not read so, is read again with the dates as text
    iso = date_format in (None, "%Y-%m-%d")
    forced = {customer: pa.large_string(), date: pa.date32() if iso else pa.string(), amount: pa.float64()}
    quotes = content.find(b'"') >= 0  # (bytes or a memory map, whose 'in' looks byte by byte)

    def read(data: bytes | mmap.mmap) -> Any:
        return pcsv.read_csv(
            pa.BufferReader(data),
            read_options=pcsv.ReadOptions(use_threads=True, block_size=1 << 22),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=quotes, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(
                column_types=forced, null_values=_NA_VALUES, strings_can_be_null=True, quoted_strings_can_be_null=True
            ),
        )

    # an empty line (a blank row to pandas) is read by Arrow as a row of empty cells (ignore_empty_lines=False),
    # whose missing role cells decline the file (the messy reader takes it); not looked for beforehand:
    # bytes.find(b"\n\n") takes 0.3 s per 30 MB
    def as_text() -> bool:  # the dates as text, if they were not
        if pa.types.is_string(forced[date]):
            return False
        forced[date] = pa.string()
        return True

    cut = content.rfind(b"\n", 0, 1 << 18) if len(content) > 1 << 20 else -1
    if cut > 0:  # the start first: a file that is not clean is usually so from its first rows on
        while True:
            try:
                read(content[: cut + 1])
                break
            except pa.ArrowInvalid:
                if not as_text():
                    return None
    table = None
    for _ in range(2):  # again with columns Arrow read as dates, times or booleans as text (pandas does)
        try:
            table = read(content)
        except pa.ArrowInvalid:
            if not as_text():
                raise
            table = read(content)
        if table.column_names != columns:
            return None
        other = other_types(table, forced)
        if not other:
            break
        if any(pa.types.is_null(t) for t in other.values()):  # an empty column: pandas' float NaN, not worth it
            return None
        forced.update(dict.fromkeys(other, pa.string()))
    else:
        return None
    assert table is not None
    if table[customer].null_count or table[date].null_count:
        return None
    block = _pandas_block_rows(len(columns))
    for name, t in zip(table.column_names, table.schema.types):
        if name in (customer, date, amount):
            continue
        col = table[name]
        if pa.types.is_string(t) and not _text_everywhere(col, block):
            return None
        if pa.types.is_float64(t):
            import pyarrow.compute as pc

            finite = pc.is_finite(col)
            if not pc.all(finite).as_py() or pc.max(pc.abs(col)).as_py() >= 2.0**53:  # infinities, big integers
                return None
    # the dates parsed, the ids checked (and coded), the frame made: side by side on the cores
    ids: Any = (lambda: _clean_id_codes(table[customer])) if find_repeats else (lambda: _clean_id_text(table[customer]))
    dates, id_codes, amounts, frame = _threads.run(
        [
            lambda: _dates(table[date], date_format) if pa.types.is_string(forced[date]) else _iso_dates(table[date]),
            ids,
            lambda: _finite(_numbers(table[amount])),
            lambda: table.drop_columns([date, amount]).to_pandas(),
        ]
    )
    if amounts is None or dates is None:
        return None
    # the parsed dates and amounts are the frame's columns too (not copies: nothing writes to them)
    frame = pd.DataFrame(
        {name: dates if name == date else amounts if name == amount else frame[name].array for name in columns},
        copy=False,
    )
    parsed: dict[str, Any] = {"date": dates, "amount": amounts}
    if not find_repeats:
        if id_codes:  # True: the ids are clean (not coded)
            parsed["_ids_clean"] = True
    elif id_codes is not None:
        parsed["_id_codes"] = id_codes
        # the duplicate check's search for rows whose date, amount and id repeat starts now, beside the
        # frame's last steps (the caller checks those rows in full, or searches again if rows go)
        parsed["_repeated"] = _threads.start(
            lambda: _repeated_rows(_row_hashes([dates, amounts, id_codes], len(dates)))
        )
    return frame, parsed


def _numbers(column: Any) -> np.ndarray:
    """A float64 column as one writable array (the frame's own; NaN where a cell is missing)."""
    if column.null_count:
        return column.to_numpy().copy()
    out = np.empty(len(column), dtype=np.float64)
    start = 0
    for chunk in column.chunks:
        n = len(chunk)
        out[start : start + n] = np.frombuffer(chunk.buffers()[1], dtype=np.float64)[chunk.offset : chunk.offset + n]
        start += n
    return out


def _finite(values: np.ndarray) -> np.ndarray | None:
    """The amounts when all are finite (as :func:`crm_lessons.io._files._clean_amounts`), else None."""
    return values if np.isfinite(values).all() else None


_DAY_NS = 86_400 * 10**9
# the days (since 1970-01-01) of the first and last date the reading rules accept (a year in YEARS)
_FIRST_DAY = int(np.datetime64(f"{YEARS[0]}-01-01", "D").astype(np.int64))
_LAST_DAY = int(np.datetime64(f"{YEARS[1]}-12-31", "D").astype(np.int64))


def _iso_dates(column: Any) -> np.ndarray | None:
    """datetime64[ns] of dates Arrow read as dates (``2024-01-05``); None if one is missing or its year
    is outside ``YEARS`` (a placeholder such as 9999-12-31, which the reading rules refuse).

    Such a text is the date ``pandas.to_datetime(format="%Y-%m-%d")`` reads, so it is what
    :func:`_dates` would give.
    """
    if column.null_count:
        return None
    out = np.empty(len(column), dtype=np.int64)
    start = 0
    for chunk in column.chunks:
        n = len(chunk)
        if n == 0:
            continue
        days = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset : chunk.offset + n]
        if int(days.min()) < _FIRST_DAY or int(days.max()) > _LAST_DAY:
            return None
        np.multiply(days, np.int64(_DAY_NS), out=out[start : start + n])
        start += n
    return out.view("datetime64[ns]")
