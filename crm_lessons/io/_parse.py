"""The pandas reader's parsing of ids, dates and amounts (the rules of :mod:`crm_lessons._reading`), column-wise."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons import _threads
from crm_lessons._arrow_text import string_buffers
from crm_lessons._ids import digit_codes, digit_parts
from crm_lessons._reading.messages import SHOWN, bad_values_message
from crm_lessons._reading.status import REASON_CODES, aftersales_reason, order_reasons
from crm_lessons._reading.values import (
    CURRENCY,
    DATE_FORMATS,
    EDGE_SPACE,
    EXCEL_ORIGIN,
    EXCEL_SERIAL,
    FORMAT_GUARD,
    FULL_WIDTH,
    NA_PATTERN,
    OFFSET,
    SPACE,
    THOUSANDS,
    YEARS,
    is_missing,
    is_number,
    is_placeholder,
)
from crm_lessons._validation import DataError, quote


def _offenders(mask: np.ndarray, labels: np.ndarray, values: pd.Series, n: int = 5) -> str:
    idx = np.flatnonzero(mask)
    shown = [values.iloc[i] for i in idx[:n]]
    parts = [f"row {labels[i]}: {quote(v)}" for i, v in zip(idx, shown)]
    more = f" ({len(idx)} rows in all)" if len(idx) > n else ""
    return "; ".join(parts) + more


def _refused(
    kind: str,
    mask: np.ndarray,
    labels: np.ndarray,
    values: pd.Series | None,
    col: Any,
    where: str,
    date_format: str | None = None,
) -> DataError:
    """:func:`bad_values_message` for the rows of ``mask`` (row labels from ``labels``, values from ``values``)."""
    idx = np.flatnonzero(mask)[:SHOWN]
    examples = None if values is None else [values.iloc[i] for i in idx]
    return bad_values_message(
        kind,
        col,
        where,
        count=int(np.count_nonzero(mask)),
        rows=[labels[i] for i in idx],
        examples=examples,
        date_format=date_format,
    )


def _arrow_text(values: pd.Series):  # -> pyarrow.ChunkedArray | None
    """The Arrow array behind a text column (pandas' ``str`` dtype with pyarrow), else None."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return getattr(values.array, "_pa_array", None)
    return None


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes (-1 for missing) and the distinct values, so each distinct text is parsed once.

    Text held by Arrow is dictionary-encoded by Arrow (no Python string per row); the distinct
    values come in order of first appearance either way.
    """
    arrow = _arrow_text(values)
    if arrow is not None:
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(arrow).combine_chunks()
        codes = pc.fill_null(encoded.indices, -1).to_numpy().astype(np.intp, copy=False)
        return codes, pd.Series(encoded.dictionary.to_pylist(), dtype=object)
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    return codes, pd.Series(np.asarray(uniques, dtype=object), dtype=object)


def _row_codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a column, equal for equal values (-1 for every missing value)."""
    arrow = _arrow_text(values)
    if arrow is not None:
        import pyarrow.compute as pc

        return pc.fill_null(pc.dictionary_encode(arrow).combine_chunks().indices, -1).to_numpy()
    return pd.factorize(values, use_na_sentinel=True)[0]


def _duplicated(frame: pd.DataFrame, key: np.ndarray | None = None, candidates: np.ndarray | None = None) -> np.ndarray:
    """``frame.duplicated(keep="first")``, cheaply: rows are compared in full only where their numbers
    and dates (hashed fast) repeat, and text columns are coded by Arrow.

    ``key``: integer codes of one of the columns (equal values, equal codes), hashed with the numbers.
    The hashing and the search for repeated hashes run on every core (:mod:`crm_lessons._threads`).
    ``candidates``: the rows that may be duplicates when found beforehand (ascending; every row equal
    to another is among them), compared in full without hashing again.
    """
    out = np.zeros(len(frame), bool)
    if frame.shape[1] == 0 or len(frame) < 2:
        return out
    numeric = [i for i in range(frame.shape[1]) if frame.iloc[:, i].dtype.kind in "biufmM"]
    rows: slice | np.ndarray = slice(None)
    if candidates is not None:
        rows = candidates
    elif numeric or key is not None:
        # identical rows have the same numbers and dates, so the same hash of them: only rows whose
        # hash repeats can be duplicates (a shared hash alone proves nothing; they are compared below)
        columns = [frame.iloc[:, i].to_numpy() for i in numeric] + ([np.asarray(key)] if key is not None else [])
        hashed = _row_hashes(columns, len(frame))
        del columns
        rows = _repeated_rows(hashed)
        del hashed
    if isinstance(rows, slice):
        codes = pd.DataFrame({i: _row_codes(frame.iloc[:, i]) for i in range(frame.shape[1])})
    elif not len(rows):
        return out
    else:
        codes = pd.DataFrame({i: _row_codes_at(frame.iloc[:, i], rows) for i in range(frame.shape[1])})
    out[rows] = codes.duplicated(keep="first").to_numpy()
    return out


def _row_codes_at(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    """``_row_codes(values.iloc[rows])`` for rows in ascending order; text held by Arrow in chunks is
    taken chunk by chunk (Arrow's take on the whole column joins its chunks first: every string copied)."""
    arrow = _arrow_text(values)
    if arrow is None or arrow.num_chunks < 2:
        return _row_codes(values.iloc[rows])
    import pyarrow as pa
    import pyarrow.compute as pc

    bounds = np.cumsum([0] + [len(chunk) for chunk in arrow.chunks])
    first = np.searchsorted(rows, bounds)  # rows[first[k]:first[k + 1]] are in chunk k
    parts = [
        chunk.take(pa.array(rows[first[k] : first[k + 1]] - bounds[k]))
        for k, chunk in enumerate(arrow.chunks)
        if first[k] < first[k + 1]
    ]
    taken = pa.concat_arrays(parts) if parts else pa.array([], type=arrow.type)
    return pc.fill_null(pc.dictionary_encode(taken).indices, -1).to_numpy()


def _row_hashes(columns: list[np.ndarray], n: int) -> np.ndarray:
    """A 32-bit hash of each row's values (equal values, equal hashes; -0.0 as 0.0, one NaN), by slices of rows in threads."""
    out = np.empty(n, dtype=np.uint32)

    def part(rows: slice) -> None:
        # in blocks of rows that stay in the cache: the temporaries are small and reused, not fresh pages
        for start in range(rows.start, rows.stop, _BLOCK):
            stop = min(start + _BLOCK, rows.stop)
            mixed = np.zeros(stop - start, dtype=np.uint64)
            for column in columns:
                values = column[start:stop]
                if values.dtype.kind == "f":
                    values = values + 0.0  # -0.0 as 0.0
                    values[np.isnan(values)] = np.nan  # one NaN
                bits = np.ascontiguousarray(values).view(f"u{values.dtype.itemsize}").astype(np.uint64, copy=False)
                np.bitwise_xor(mixed, bits, out=mixed)
                np.multiply(mixed, np.uint64(0x9E3779B97F4A7C15), out=mixed)
            np.right_shift(mixed, np.uint64(32), out=mixed)  # the multiplication mixes into the high bits
            out[start:stop] = mixed

    _threads.run([partial(part, rows) for rows in _threads.row_slices(n)])
    return out


#: Rows per block of the row-wise array work (64k rows: 512 kB per uint64 temporary).
_BLOCK = 1 << 16


def _repeated(hashes: np.ndarray) -> np.ndarray:
    """Whether each hash occurs more than once (:func:`_repeated_rows` as a mask)."""
    out = np.zeros(len(hashes), dtype=bool)
    out[_repeated_rows(hashes)] = True
    return out


def _repeated_rows(hashes: np.ndarray) -> np.ndarray:
    """The rows whose hash occurs more than once, in order: the hashes sorted as two halves by their top
    bit, in threads."""

    def repeats(top: bool | None) -> np.ndarray:  # in the half of the hashes whose top bit is ``top``
        if top is None:
            half = hashes.copy()
        else:
            half = hashes[hashes >= np.uint32(1 << 31) if top else hashes < np.uint32(1 << 31)]
        half.sort()
        return half[1:][half[1:] == half[:-1]]

    halves = [False, True] if len(hashes) >= _threads.MIN_ROWS else [None]  # all copies of a value in one half
    found = np.unique(np.concatenate(_threads.run([partial(repeats, top) for top in halves])))
    if len(found) == 0:
        return np.zeros(0, dtype=np.intp)
    if len(found) < 64:
        return np.flatnonzero(np.isin(hashes, found))
    # a 2**20-entry table of the hashes' top bits first (cheap to look up), then the few rows it lets through
    table = np.zeros(1 << 20, dtype=bool)
    table[found >> np.uint32(12)] = True

    def hits(rows: slice) -> np.ndarray:
        return np.concatenate(
            [
                start + np.flatnonzero(table[hashes[start : min(start + _BLOCK, rows.stop)] >> np.uint32(12)])
                for start in range(rows.start, rows.stop, _BLOCK)
            ]
        )

    rows = np.concatenate(_threads.run([partial(hits, rows) for rows in _threads.row_slices(len(hashes))]))
    return rows[np.isin(hashes[rows], found)]


def _take(parsed: pd.Series, codes: np.ndarray, missing: Any) -> np.ndarray:
    arr = parsed.to_numpy()
    out = arr[np.where(codes < 0, 0, codes)] if len(arr) else np.full(len(codes), missing, dtype=arr.dtype)
    out[codes < 0] = missing
    return out


# a net for the cells ``is_missing`` may call empty: at most 4 ASCII characters between spaces (the "no
# value" texts are ASCII, and no other character lower-cases to one of their letters); the net's catch
# is judged in Python
_MAYBE_MISSING = rf"^{SPACE}*[\x00-\x7f]{{0,4}}{SPACE}*$"


def _text_array(values: pd.Series):  # -> pyarrow.Array | None
    """Distinct cells as a pyarrow string array when every one is a str (text read from a file), else None."""
    if values.dtype != object or not len(values):
        return None
    import pyarrow as pa

    try:
        arr = pa.array(values.to_numpy(), type=pa.large_string(), from_pandas=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return arr if not arr.null_count else None


def _caught(values: pd.Series, pattern: str) -> np.ndarray | None:
    """Positions of the str values a pattern finds (Arrow's regex over all of them), None unless all are str."""
    arr = _text_array(values)
    if arr is None:
        return None
    import pyarrow.compute as pc

    return np.flatnonzero(pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False))


def _blank(codes: np.ndarray, uniques: pd.Series) -> np.ndarray:
    """Empty cells: missing, spaces only, or a text that means "no value" ('NA', '-', ...; see ``is_missing``)."""
    maybe = _caught(uniques, _MAYBE_MISSING)
    if maybe is None:
        blank_u = np.array([isinstance(v, str) and is_missing(v) for v in uniques], dtype=bool)
    else:  # text: only the few cells the net catches are judged one by one
        blank_u = np.zeros(len(uniques), dtype=bool)
        cells = uniques.to_numpy()
        blank_u[maybe] = [is_missing(cells[i]) for i in maybe]
    return (codes < 0) | (blank_u[np.where(codes < 0, 0, codes)] if len(blank_u) else False)


# an amount written plainly: a yuan sign or none, digits (grouped by three with commas, or not; at
# most 15, which a float holds exactly) and decimals; the rules below read it as the number left when
# the sign and the commas are taken out, which Arrow parses (correctly rounded, as pandas does)
_PLAIN_AMOUNT = r"^[￥¥]?(?:[0-9]{1,3}(?:,[0-9]{3}){1,4}|[0-9]{1,15})(?:\.[0-9]{1,15})?$"


def _amount_values(uniq: pd.Series) -> pd.Series:
    """Parse distinct amount cells; NaN where a cell is not a number.

    Accepts numbers, and text such as '¥1,234.50', '￥88', '88 元', '(12.50)' (negative), '－5'.
    Text cells written plainly (``￥1,234.50``) are parsed by Arrow, the others by the rules in Python.
    """
    arr = _text_array(uniq)
    if arr is None:
        return _amount_rules(uniq)
    import pyarrow as pa
    import pyarrow.compute as pc

    plain = pc.match_substring_regex(arr, _PLAIN_AMOUNT)
    mask = plain.to_numpy(zero_copy_only=False)
    if not mask.any():
        return _amount_rules(uniq)
    values = np.full(len(uniq), np.nan)
    values[mask] = pc.cast(pc.replace_substring_regex(arr.filter(plain), "[￥¥,]", ""), pa.float64()).to_numpy()
    if not mask.all():
        values[~mask] = _amount_rules(uniq[~mask]).to_numpy()
    return pd.Series(values, index=uniq.index, dtype="float64")


def _amount_rules(uniq: pd.Series) -> pd.Series:
    """:func:`_amount_values` by the reading rules, cell by cell."""
    out = pd.Series(np.nan, index=uniq.index, dtype="float64")
    is_num = uniq.map(is_number).astype(bool)
    if is_num.any():
        out[is_num] = uniq[is_num].astype("float64")
    text = uniq[~is_num].astype(str)
    if len(text):
        fast = pd.to_numeric(text, errors="coerce")
        out[text.index] = fast
        text = text[fast.isna()]
    if len(text):
        t = text.str.translate(FULL_WIDTH).str.strip()
        neg = t.str.match(r"^\(.*\)$")
        t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.replace(CURRENCY, "", regex=True)
        grouped = t.str.match(THOUSANDS)
        t = t.where(~grouped, t.str.replace(",", "", regex=False))
        parsed = pd.to_numeric(t.where(t != "", "not a number"), errors="coerce")
        out[t.index] = parsed.where(~neg, -parsed.abs())
    return out


def _to_datetime(text: pd.Series, fmt: str) -> pd.Series:
    if fmt in FORMAT_GUARD:
        text = text.where(text.str.match(FORMAT_GUARD[fmt]))
    return pd.to_datetime(text, format=fmt, errors="coerce")


def _date_text(text: pd.Series, formats: Sequence[str]) -> pd.Series:
    """Parse text with whole-column formats, the best one on a sample first."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    todo = list(formats)
    while len(text) and todo:
        sample = text.iloc[:200]
        hits = {f: int(_to_datetime(sample, f).notna().sum()) for f in todo}
        best = max(todo, key=lambda f: hits[f])
        if hits[best] == 0:  # the sample is all bad: try every format on the rest
            order = todo
        else:
            order = [best]
        for fmt in order:
            parsed = _to_datetime(text, fmt)
            hit = parsed.notna()
            out[parsed[hit].index] = parsed[hit].astype("datetime64[ns]")
            text = text[~hit]
            todo.remove(fmt)
        if hits[best] == 0:
            break
    return out


def _date_values(uniq: pd.Series, date_format: str | None) -> pd.Series:
    """Parse distinct date cells (text, Excel serial numbers, datetime cells); NaT where impossible."""
    out = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[ns]")
    is_dt = uniq.map(lambda v: isinstance(v, (_dt.datetime, _dt.date))).astype(bool)
    if is_dt.any():
        out[is_dt] = pd.to_datetime(uniq[is_dt].map(pd.Timestamp)).astype("datetime64[ns]")
    is_num = uniq.map(is_number).astype(bool)
    text = uniq[~is_dt & ~is_num].astype(str)
    if is_num.any():  # Excel serials, or yyyymmdd typed as a number
        num = uniq[is_num].astype("float64")
        ymd = (num >= 19000101) & (num <= 22001231) & (num == np.floor(num))
        text = pd.concat([text, num[ymd].astype("int64").astype(str)])
        serial = num[~ymd & (num >= 10000) & (num < 100000)]
        out[serial.index] = (EXCEL_ORIGIN + pd.to_timedelta(serial, unit="D")).astype("datetime64[ns]")
    formats = (date_format,) if date_format is not None else DATE_FORMATS
    if len(text):
        parsed = _date_text(text, formats)
        out[parsed.index] = parsed
        text = text[parsed.isna()]
    if len(text):  # second chance: full-width digits, spaces, Excel serials written as text
        text = text.str.translate(FULL_WIDTH).str.strip()
        serial_text = text.str.match(EXCEL_SERIAL) if date_format is None else text.str.match("$^")
        days = text[serial_text].astype("float64")
        out[days.index] = (EXCEL_ORIGIN + pd.to_timedelta(days, unit="D")).astype("datetime64[ns]")
        text = text[~serial_text].str.replace(OFFSET, r"\1", regex=True)  # 2024-01-05T10:00+08:00
        if len(text):
            parsed = _date_text(text, formats)
            out[parsed.index] = parsed
    return out


def _parse_amount(
    values: pd.Series, labels: np.ndarray, col: Any, where: str, factorized: tuple[np.ndarray, pd.Series] | None = None
) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        out = values.to_numpy(dtype="float64")
        codes = np.zeros(len(out), dtype=np.intp)
    else:
        codes, uniq = _factorize(values) if factorized is None else factorized
        is_bool = uniq.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy(dtype=bool)
        parsed = _amount_values(uniq)
        parsed[is_bool] = np.nan  # an Excel TRUE/FALSE cell is not an amount
        out = _take(parsed, codes, np.nan)
    infinite = np.isinf(out)
    if infinite.any():
        raise _refused("infinite", infinite, labels, values, col, where)
    bad = (codes >= 0) & np.isnan(out)
    if bad.any():
        raise _refused("not_number", bad, labels, values, col, where)
    return out


def _parse_dates(
    values: pd.Series,
    labels: np.ndarray,
    col: Any,
    where: str,
    date_format: str | None,
    factorized: tuple[np.ndarray, pd.Series] | None = None,
) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        years = out.dt.year.to_numpy()
        outside = ~np.isnan(years.astype("float64")) & ((years < YEARS[0]) | (years > YEARS[1]))
        if outside.any():
            raise _refused("placeholder", outside, labels, out.dt.strftime("%Y-%m-%d"), col, where)
        return pd.Series(out.to_numpy(dtype="datetime64[ns]")).dt.normalize()
    codes, uniq = _factorize(values) if factorized is None else factorized
    placeholder_u = uniq.map(is_placeholder).to_numpy(dtype=bool)
    if placeholder_u.any():
        mask = (codes >= 0) & placeholder_u[np.where(codes < 0, 0, codes)]
        raise _refused("placeholder", mask, labels, values, col, where)
    out = _take(_date_values(uniq, date_format), codes, np.datetime64("NaT", "ns"))
    bad = (codes >= 0) & np.isnat(out)
    if bad.any():
        raise _refused("not_date", bad, labels, values, col, where, date_format)
    return pd.Series(out).dt.normalize()


def _clean_ids(values: pd.Series, found: dict[str, Any] | None = None) -> bool:
    """True when a text column of ids needs no cleaning: Arrow text, none missing, no surrounding spaces.

    Ids that are digits after a common prefix without spaces (``C000123``) are clean without a
    pattern search over every id.  ``found``: where to keep those digits for :func:`_id_codes`.
    """
    arrow = _arrow_text(values)
    return arrow is not None and _clean_id_text(arrow, found)


def _clean_id_text(arrow: Any, found: dict[str, Any] | None = None) -> bool:
    """:func:`_clean_ids` of a pyarrow array of ids."""
    if arrow.null_count:
        return False
    if found is None and _plain_ids(arrow):
        return True
    import pyarrow.compute as pc

    parts = ("", arrow) if _all_digits(arrow) else digit_parts(arrow)
    if found is not None:
        found.update(arrow=arrow, parts=parts)
    if parts is not None and not parts[0][:1].isspace():  # ends in a digit, starts with no space
        return True
    return not pc.any(pc.match_substring_regex(arrow, f"{EDGE_SPACE}|{NA_PATTERN}")).as_py()


def _id_codes(values: pd.Series, found: dict[str, Any] | None = None) -> np.ndarray | None:
    """Codes of the ids, equal for equal ids: digit ids (``C000123``) read from their numbers without
    hashing text, other text dictionary-encoded by Arrow once; None for ids not held by Arrow.

    The duplicate check mixes them into each row's hash, so that rows are compared in full only
    where customer, date and amount all repeat (with the numbers alone, most rows of a large file
    share a date and an amount with another row); the customer count reuses them.
    """
    arrow = _arrow_text(values)
    return _id_text_codes(arrow, found) if arrow is not None else None


def _id_text_codes(arrow: Any, found: dict[str, Any] | None = None) -> np.ndarray | None:
    """:func:`_id_codes` of a pyarrow array of ids."""
    if len(arrow) and not arrow.null_count:
        # the digits :func:`_clean_id_text` found in these very ids are not looked for again
        parts = found["parts"] if found and found.get("arrow") is arrow and found["parts"] is not None else None
        if parts is None and _all_digits(arrow):
            parts = ("", arrow)
        value = _digit_value(parts)
        if value is not None:
            if found is not None:
                found["parts"] = None  # the numbers become the codes in place
            lo, hi = int(value.min()), int(value.max())
            if hi - lo <= 4 * len(value) + 1000:  # the number less the smallest: no hashing, no sorting
                return np.subtract(value, lo, out=value)
            return pd.factorize(value)[0]
        coded = digit_codes(arrow, parts)
        if coded is not None:
            return coded[0]
        import pyarrow.compute as pc

        return pc.dictionary_encode(arrow).combine_chunks().indices.to_numpy()
    return None


#: First bytes of the texts that may mean "no value" (``NA_PATTERN`` without spaces: na, n/a, #n/a,
#: #na, none, null, nan, -, <na>, nil, in any case; each at most 4 bytes).
_NA_FIRST = np.frombuffer(b"nN#-<", dtype=np.uint8)


def _plain_ids(arrow: Any) -> bool:
    """Whether every id is clean by its first and last bytes alone: both printable ASCII other than a
    space (so no space of ``EDGE_SPACE`` at an end: the others are not ASCII), and no id of at most 4
    bytes starting as a "no value" text does (so none is one).  False says nothing: look closer (ids
    starting or ending with a non-ASCII character, Chinese ids for one, always are).

    Examples
    --------
    >>> import pyarrow as pa
    >>> _plain_ids(pa.chunked_array([["C001", "1", "Nora"]])), _plain_ids(pa.chunked_array([["C001", "n/a"]]))
    (False, False)
    >>> _plain_ids(pa.chunked_array([["C001", "1", "Noras"]])), _plain_ids(pa.chunked_array([["C001 "]]))
    (True, False)
    >>> _plain_ids(pa.chunked_array([["VIP 1", "C 2"]])), _plain_ids(pa.chunked_array([["C1", "客户1"]]))
    (True, False)
    """
    chunks = string_buffers(arrow)
    if chunks is None or arrow.null_count:
        return False
    for offsets, data in chunks:
        width = np.diff(offsets)
        shortest = int(width.min())
        if shortest < 1:
            return False
        raw = data[int(offsets[0]) : int(offsets[-1])]
        if int(raw.min()) < 0x21 or int(raw.max()) > 0x7E:  # a space or a non-ASCII byte somewhere: at an end?
            first, last = data[offsets[:-1]], data[offsets[1:] - 1]
            if min(int(first.min()), int(last.min())) < 0x21 or max(int(first.max()), int(last.max())) > 0x7E:
                return False
        if shortest <= 4:
            short = offsets[:-1][width <= 4]
            if np.isin(data[short], _NA_FIRST).any():
                return False
    return bool(chunks)


def _all_digits(arrow: Any) -> bool:
    """Whether every id is one or more ASCII digits (integers read as text), from Arrow's bytes as they lie."""
    chunks = string_buffers(arrow)
    if chunks is None or arrow.null_count:
        return False
    for offsets, data in chunks:
        if int(np.diff(offsets).min()) < 1:  # an empty id
            return False
        raw = data[int(offsets[0]) : int(offsets[-1])]
        if raw.min() < ord("0") or raw.max() > ord("9"):
            return False
    return bool(chunks)


def _digit_value(parts: Any) -> np.ndarray | None:
    """The ids as int64 numbers, one number per distinct id, from ``digit_parts``: ids of one width
    (the number read from the bytes), or digits with no leading zero (Arrow's cast); else None."""
    if parts is None:
        return None
    digits = parts[1]
    if isinstance(digits, np.ndarray):  # one prefix, one width: the number tells the ids apart
        return digits if digits.flags.writeable else digits.copy()
    import pyarrow as pa
    import pyarrow.compute as pc

    if _one_number_many_texts(digits):  # '007' and '7': two ids, one number
        return None
    # cast chunk by chunk into one array (a cast of the whole column, then its chunks joined, is two)
    value = np.empty(len(digits), dtype=np.int64)
    start = 0
    try:
        for chunk in digits.chunks if isinstance(digits, pa.ChunkedArray) else [digits]:
            value[start : start + len(chunk)] = pc.cast(chunk, pa.int64()).to_numpy()
            start += len(chunk)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # more digits than an int64 holds
        return None
    return value


def _one_number_many_texts(digits: Any) -> bool:
    """Whether two different digit strings may read as one number: one of two or more digits starts
    with 0, and not all have one width (found from Arrow's bytes as they lie)."""
    import pyarrow.compute as pc

    chunks = string_buffers(digits)
    if chunks is None:
        length = pc.binary_length(digits)
        lo, hi = (v.as_py() for v in pc.min_max(length).values())
        return lo != hi and bool(pc.any(pc.and_(pc.starts_with(digits, "0"), pc.greater(length, 1))).as_py())
    widths: set[int] = set()
    zero = False
    for offsets, data in chunks:
        width = np.diff(offsets)
        lo, hi = int(width.min()), int(width.max())
        widths.update((lo, hi))
        if not zero and hi > 1:
            zero = bool(((data[offsets[:-1]] == ord("0")) & (width > 1)).any())
        if zero and len(widths) > 1:
            return True
    return False


def _clean_id_codes(arrow: Any) -> np.ndarray | None:
    """The codes of :func:`_id_codes` when the ids are clean (:func:`_clean_ids`), else None.

    For the Arrow reader, which finds them beside the dates (in another thread) before the frame exists.
    """
    found: dict[str, Any] = {}
    return _id_text_codes(arrow, found) if _clean_id_text(arrow, found) else None


def _parse_customer(codes: np.ndarray, uniq: pd.Series, values: pd.Series | None = None) -> pd.Series:
    """Ids as text without surrounding spaces; 1001.0 from Excel becomes '1001'.

    ``values`` (the column the codes come from): when it is Arrow text that needs no cleaning,
    it is returned as it is instead of being rebuilt row by row.
    """

    def one(v: Any) -> str:
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v).strip()

    edged = _caught(uniq, EDGE_SPACE)  # text: only ids with a space at an end change
    if edged is None:
        clean = uniq.map(one).astype(object)
    else:
        cells = uniq.to_numpy(dtype=object, copy=True)
        for i in edged:
            cells[i] = cells[i].strip()
        clean = pd.Series(cells, index=uniq.index, dtype=object)
    if values is not None and _arrow_text(values) is not None and (codes >= 0).all():
        if clean.eq(uniq).all():
            return pd.Series(values.array, dtype=values.dtype)
        import pyarrow as pa

        return pd.Series(pd.array(pa.array(clean.tolist(), type=pa.large_string()).take(codes), dtype=values.dtype))
    return pd.Series(_take(clean, codes, None)).astype(str)


def _order_reasons(status: pd.Series, aftersales: pd.Series | None) -> tuple[np.ndarray, dict[str, int]]:
    """Each row's code in ``REASON_CODES`` (0: a sale) and the status values nobody listed, with their counts.

    The distinct values are judged by :func:`crm_lessons._reading.status.order_reasons`.
    """
    codes, uniq = _factorize(status)
    per_value = order_reasons(uniq)
    value_codes = np.array([REASON_CODES[r] for r in per_value] + [0], dtype=np.int8)
    out = value_codes[np.where(codes < 0, len(per_value), codes)]
    counts = np.bincount(codes[codes >= 0], minlength=len(uniq))
    unknown = {str(v): int(counts[i]) for i, (v, r) in enumerate(zip(uniq, per_value)) if r == "unknown"}
    if aftersales is not None:
        a_codes, a_uniq = _factorize(aftersales)
        a_reason = [aftersales_reason(v) for v in a_uniq]
        refunded = np.array([r == "refunded" for r in a_reason] + [False], dtype=bool)
        hit = refunded[np.where(a_codes < 0, len(a_reason), a_codes)] & ((out == 0) | (out == REASON_CODES["unknown"]))
        out[hit] = REASON_CODES["refunded"]
        a_counts = np.bincount(a_codes[a_codes >= 0], minlength=len(a_uniq))
        unknown.update({str(v): int(a_counts[i]) for i, (v, r) in enumerate(zip(a_uniq, a_reason)) if r == "unknown"})
    return out, unknown


def _refund_amounts(values: pd.Series) -> np.ndarray:
    """Amounts refunded on each row (0 where the cell is empty or not a number)."""
    codes, uniq = _factorize(values)
    parsed = _amount_values(uniq).fillna(0.0).abs()
    out = _take(parsed, codes, 0.0).astype("float64")
    out[~np.isfinite(out)] = 0.0
    return out
