"""A messy CSV (blank rows, ``￥1,234.50`` amounts, ``2024年01月05日`` dates) read by Arrow, or None.

The pandas reader (:func:`crm_lessons.io._files._read_frame`) splits such a file with
``pandas.read_csv`` (several passes: the role columns are read again as text) and
:func:`crm_lessons.io._read.read_transactions_with_report` then finds the blank rows and parses the
distinct dates and amounts.  This module gives the same result from one multi-threaded Arrow read:
every cell of the customer, date and amount columns as text, the other columns as Arrow infers
them; the blank rows left out here, their number and the row numbers of the others (as pandas
numbers them: Arrow reads an empty line as a row of empty cells, as pandas does) handed on; the
distinct dates and amounts parsed by the reading rules (Arrow parses the amounts written plainly).

Whatever this path cannot prove gives what the pandas path gives, it declines (returns None) and
the file is read the usual way, with its refusals:

* every row has the header's number of fields (Arrow refuses the file otherwise);
* a blank row is one whose cells are all empty (an empty line, or only delimiters): a row with
  its customer, date and amount empty but another cell filled (an order status, a second line
  item) declines, so does an empty customer, date or amount cell in any other row;
* every date and amount is valid (the reading rules' refusals are the pandas path's);
* every other column comes out as the pandas path's (with the blank rows, which are missing
  values to pandas, still in it): integers (floats when a blank row or an empty cell is in the
  column, as in pandas), floats, or text in each of pandas' blocks of rows; see
  :mod:`crm_lessons.io._arrow`.

Ids with spaces around them, or that read as "no value", are handed on as text: the caller checks
and cleans them as it does for the pandas path.
"""

from __future__ import annotations

import mmap
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons import _threads
from crm_lessons._reading.values import is_placeholder
from crm_lessons.io._arrow import _NA_VALUES, _pandas_block_rows, other_types

# an amount written plainly (see crm_lessons.io._parse._PLAIN_AMOUNT): Arrow parses it without the
# sign and commas, to the float the reading rules give
from crm_lessons.io._parse import _PLAIN_AMOUNT


def _block_has_text(column: Any, block: int) -> bool:
    """Whether each block of ``block`` rows (pandas' blocks, blank rows included) holds a cell pandas reads as text."""
    from crm_lessons.io._arrow import _text_everywhere

    return _text_everywhere(column, block)


#: A text that starts with a year in YEARS (1678-2261) and a date separator (see is_placeholder).
_IN_YEARS = r"^(?:167[89]|16[89][0-9]|1[7-9][0-9]{2}|2[01][0-9]{2}|22[0-5][0-9]|226[01])[-/年.]"
#: Date forms tried alone first, on every distinct text (the reading rules' whole search otherwise).
_SHORTCUTS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y年%m月%d日")


def _dates(encoded: Any, keep: np.ndarray | None, date_format: str | None) -> np.ndarray | None:
    """datetime64[ns] at midnight for the rows kept, each distinct text parsed once; None unless all valid."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from crm_lessons.io import _files
    from crm_lessons.io._parse import _date_values, _to_datetime

    dictionary = encoded.dictionary
    codes = encoded.indices.to_numpy()
    if keep is not None:
        codes = codes[keep]
    used = np.zeros(len(dictionary), dtype=bool)
    used[codes] = True  # the empty text of the blank rows is in the dictionary, not in the rows kept
    if not used.all():
        dictionary = dictionary.filter(pa.array(used))
    uniq = pd.Series(dictionary.to_pylist(), dtype=object)
    # a text that starts with a year in YEARS and a separator is no placeholder (is_placeholder reads
    # that year): only the others are judged one by one (a file of date-times has a text per row)
    judged = ~pc.match_substring_regex(dictionary, _IN_YEARS).to_numpy(zero_copy_only=False)
    if judged.any() and uniq[judged].map(is_placeholder).any():
        return None
    values = None
    # the formats are exclusive (no text reads in two of them), so one that reads every distinct text
    # reads each as the reading rules' search over the formats would (as crm_lessons.io._arrow._dates)
    for fmt in (date_format,) if date_format is not None else _SHORTCUTS:
        found = _to_datetime(uniq, fmt)
        if found.notna().all():
            values = found.astype("datetime64[ns]")
            break
    if values is None:
        values = _date_values(uniq, date_format)
    parsed = _files._clean_dates(values)
    if parsed is None:  # a text that is not a date, or out of range: the pandas path's refusal
        return None
    values = np.empty(len(used), dtype="datetime64[ns]")
    values[np.flatnonzero(used)] = parsed
    return values[codes]


def _amounts(encoded: Any, keep: np.ndarray | None) -> np.ndarray | None:
    """float64 amounts for the rows kept, each distinct text parsed once; None unless all finite numbers."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from crm_lessons.io._parse import _amount_values

    dictionary = encoded.dictionary
    codes = encoded.indices.to_numpy()
    if keep is not None:
        codes = codes[keep]
    used = np.zeros(len(dictionary), dtype=bool)
    used[codes] = True
    plain = pc.match_substring_regex(dictionary, _PLAIN_AMOUNT).to_numpy(zero_copy_only=False)
    values = np.full(len(dictionary), np.nan)
    if plain.any():
        picked = pa.array(plain)
        values[plain] = pc.cast(
            pc.replace_substring_regex(dictionary.filter(picked), "[￥¥,]", ""), pa.float64()
        ).to_numpy(zero_copy_only=False)
    rest = used & ~plain
    if rest.any():  # other forms ('88 元', '(12.50)', full-width digits) by the rules, in Python
        cells = pd.Series(dictionary.filter(pa.array(rest)).to_pylist(), dtype=object)
        values[rest] = _amount_values(cells).to_numpy()
    if not np.isfinite(values[used]).all():
        return None
    return values[codes]


def _other(column: Any, had_nulls: bool, block: int) -> Any:
    """A column other than the roles as pandas infers it (an Arrow array to convert), or None to decline."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = column.type
    if pa.types.is_string(t):
        # empty cells and pandas' missing-value texts are missing (Arrow kept them as text, so that
        # an empty role cell is told from a missing one)
        column = pc.if_else(pc.is_in(column, value_set=pa.array(_NA_VALUES)), pa.scalar(None, pa.string()), column)
        return column if _block_has_text(column, block) else None
    if pa.types.is_int64(t):
        if not had_nulls:
            return column
        if pc.max(pc.abs(column)).as_py() >= 2**53:  # pandas parses such a column as floats from the text
            return None
        return pc.cast(column, pa.float64())
    if pa.types.is_float64(t):
        finite = pc.is_finite(column)
        if not pc.all(finite).as_py() or pc.max(pc.abs(column)).as_py() >= 2.0**53:  # infinities, big integers
            return None
        return column
    return None


def read_messy_csv(
    content: bytes | mmap.mmap,
    *,
    delimiter: str,
    columns: list[str],
    roles: dict[str, str],
    date_format: str | None,
    encoding: str = "utf8",
    find_repeats: bool = True,
) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict[str, Any]] | None:
    """The frame the pandas path reads (its blank rows left out; the date and amount columns hold the final
    values, as the clean reader's do), the final dates and amounts, and
    ``{"labels": row numbers of the rows kept, "blank_rows": rows left out}`` (empty when none); or None.

    ``content``: UTF-8 text, or GB18030 (``encoding``; a quote mark or a line break is never part of
    another character there, so they are found in the bytes as they are): Arrow decodes it with
    Python's codec while it splits what it has decoded, and stops at a byte that does not decode (the
    pandas path then gives its refusal).  ``columns``: the header as pandas reads it (no name repeated
    or empty); ``roles``: the column of 'customer_id', 'date' and 'amount'.  ``find_repeats``: the clean
    ids coded ('_id_codes', as :func:`crm_lessons.io._arrow.read_clean_csv` gives them), or only checked
    ('_ids_clean').
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    customer, date, amount = roles["customer_id"], roles["date"], roles["amount"]
    # large_string: what pandas' str dtype holds (a string column is copied into one by to_pandas)
    forced: dict[str, Any] = {customer: pa.large_string(), date: pa.large_string(), amount: pa.large_string()}
    quotes = content.find(b'"') >= 0
    if content[:3] == b"\xef\xbb\xbf":
        start = content[3:4]
    else:
        start = content[:1]
    if start in (b"\n", b"\r"):  # an empty line before the header: left to pandas
        return None

    def read(data: bytes | mmap.mmap) -> Any:
        return pcsv.read_csv(
            pa.BufferReader(data),
            read_options=pcsv.ReadOptions(use_threads=True, block_size=1 << 22, encoding=encoding),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=quotes, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(column_types=forced, null_values=_NA_VALUES, strings_can_be_null=False),
        )

    cut = content.rfind(b"\n", 0, 1 << 18) if len(content) > 1 << 20 else -1
    try:
        if cut > 0:  # the start first: a row of the wrong length is usually there already
            read(content[: cut + 1])
        table = None
        for _ in range(2):  # again with columns Arrow read as dates, times or booleans as text (pandas does)
            table = read(content)
            if table.column_names != columns:
                return None
            other = other_types(table, forced)
            if not other:
                break
            if any(pa.types.is_null(t) for t in other.values()):  # an empty column: pandas' float NaN
                return None
            forced.update(dict.fromkeys(other, pa.string()))
        else:
            return None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
        return None
    assert table is not None
    n = table.num_rows
    empty = [pc.equal(pc.binary_length(table[c]), 0) for c in (customer, date, amount)]
    blank = pc.and_(pc.and_(empty[0], empty[1]), empty[2])
    n_blank = pc.sum(blank).as_py() or 0
    if n_blank == n:  # no row but blank ones: the pandas path refuses
        return None
    if any((pc.sum(e).as_py() or 0) != n_blank for e in empty):
        return None  # an empty customer, date or amount beside a filled one: the pandas path's refusal
    keep_mask = np.asarray(pc.invert(blank).to_numpy(zero_copy_only=False), dtype=bool) if n_blank else None
    others = [c for c in table.column_names if c not in (customer, date, amount)]
    if n_blank:
        for c in others:  # a blank row has every cell empty (no order status, no line item)
            col = table[c]
            filled = pc.is_valid(col) if not pa.types.is_string(col.type) else pc.greater(pc.binary_length(col), 0)
            if pc.any(pc.and_(blank, filled)).as_py():
                return None
    keep = pa.array(keep_mask) if keep_mask is not None else None
    block = _pandas_block_rows(len(columns))

    def kept(column: Any) -> Any:
        return column if keep is None else column.filter(keep)

    def other_column(name: str) -> Any:
        col = table[name]
        found = _other(col, bool(col.null_count) or n_blank > 0, block)
        return None if found is None else kept(found)

    def ids() -> tuple[Any, Any]:
        from crm_lessons.io._parse import _clean_id_codes, _clean_id_text

        col = kept(table[customer])
        return col, _clean_id_codes(col) if find_repeats else _clean_id_text(col)

    tasks = [
        lambda: _dates(pc.dictionary_encode(table[date]).combine_chunks(), keep_mask, date_format),
        lambda: _amounts(pc.dictionary_encode(table[amount]).combine_chunks(), keep_mask),
        ids,
        *[(lambda name=name: other_column(name)) for name in others],
    ]
    results: list[Any] = _threads.run(tasks)
    dates, amounts, (id_text, id_codes), *rest = results
    if dates is None or amounts is None or any(r is None for r in rest):
        return None
    arrays = dict(zip(others, rest))
    arrays[customer] = id_text
    converted = pa.table(arrays).to_pandas()
    # the date and amount columns are the parsed values, which the caller takes from ``parsed`` (their text
    # is not copied; a folder whose other files keep theirs as text gets the same values from these)
    values = {date: dates, amount: amounts}
    frame = pd.DataFrame({c: values[c] if c in values else converted[c] for c in columns}, copy=False)
    parsed = {"date": dates, "amount": amounts}
    if not find_repeats:
        if id_codes:  # True: the ids are clean (not coded)
            parsed["_ids_clean"] = True
    elif id_codes is not None:
        parsed["_id_codes"] = id_codes
    extra: dict[str, Any] = {}
    if keep_mask is not None:
        extra = {"labels": np.flatnonzero(keep_mask) + 2, "blank_rows": n_blank}
    return frame, parsed, extra
