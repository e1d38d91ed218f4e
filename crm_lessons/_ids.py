"""Customer ids -> integer codes in sorted id order, shared by the customer-level tables.

:func:`sorted_codes` is the one place where :func:`crm_lessons.rfm.rfm_table`
and :func:`crm_lessons.clv.customer_summary` turn a column of customer ids
into integer codes.  Its codes are *ranks*: code ``i`` is the ``i``-th id in
sorted order, so a table built by ``numpy.bincount`` over the codes comes out
sorted by customer without sorting the ids again.

How the codes are found, fastest first (each gives the same codes):

* dense integer ids (1..n, as in most systems): the id minus the smallest id,
  no hashing at all;
* a categorical column with sorted categories: its own codes;
* text ids that are digits after a common prefix (member codes such as
  ``C000123`` or ``VIP88``, phone numbers, integers read as text): parsed to
  an int64 key that sorts like the text (needs pyarrow-backed strings, the
  default of pandas 3 when pyarrow is installed); the ids are shown as
  written;
* sparse integers: hashed as int64 (slices of a long column on all cores),
  then only the distinct ids are sorted;
* floats: hashed, then only the distinct ids are sorted;
* other text: hashed with pyarrow (or pandas), distinct ids sorted in code
  point order;
* anything else (mixed types): ``pandas.factorize(sort=True)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons import _threads
from crm_lessons._arrow_text import string_buffers

__all__ = ["digit_codes", "digit_parts", "short_text_key", "sorted_codes"]

# Longest digit run (after the prefix) whose text order an int64 key can keep: value * 10**(W-L) * (W+1) + L.
_MAX_DIGITS = 17
_POWERS_OF_TEN = 10 ** np.arange(19, dtype=np.int64)
# Rows from which sparse keys are hashed bucket by bucket, one range of keys per core (:func:`_range_codes`).
_BUCKET_ROWS = 1 << 16
# Buckets of keys (by their high bits) per range: 64 tables of a few thousand keys each stay in the cache.
_BUCKET_BITS = 6
# Rows per distinct key (estimated from a sample) below which the keys are hashed bucket by bucket.
_BUCKET_ROWS_PER_KEY = 4


def _arrow_strings(ids: pd.Series):  # -> pyarrow.ChunkedArray | None
    """The pyarrow array behind a string column, or None (python strings, objects, no pyarrow)."""
    dtype = ids.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return getattr(ids.array, "_pa_array", None)
    if isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa

        arr = getattr(ids.array, "_pa_array", None)
        if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            return arr
    return None


def _text_order_key(value: np.ndarray, width: np.ndarray, widest: int) -> np.ndarray:
    """An int64 that sorts digit strings of unequal widths as text does ('10' < '9'), one per string.

    The digits padded on the right with zeros to ``widest``, times (widest + 1), plus the width: a
    shorter string that is a prefix of a longer one comes first.  Equal only for equal strings.
    """
    scale = 10 ** (widest - np.arange(widest + 1, dtype=np.int64))  # 10**(W-L) for L = 0..W
    return value * scale[width] * (widest + 1) + width


def _int_codes(
    key: np.ndarray, max_range: int, reorder: Callable[[np.ndarray], np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Codes of an int64 key in sorted key order and, for each distinct key in that order, one row holding it.

    ``reorder``: given the distinct keys in sorted order, the order in which they should be coded
    instead (argsort of another key); applied to the distinct keys before the codes of every row are
    looked up, so the rows are looked up once.
    """
    n = len(key)
    lo, hi = int(key.min()), int(key.max())
    if hi - lo <= max_range:  # dense: the key is its own slot, no hashing
        slot = np.subtract(key, lo, dtype=np.intp)
        row = np.full(hi - lo + 1, -1, dtype=np.intp)
        row[slot] = np.arange(n, dtype=np.intp)  # any row of a key will do: equal keys are equal ids
        present = row >= 0
        rank = np.cumsum(present, dtype=np.intp) - 1
        rows = row[present]
        if reorder is not None:
            order = reorder(np.flatnonzero(present) + lo)
            rank = _ranks(rank, order)  # slots of absent keys get some rank; no row looks it up
            rows = rows[order]
        return _take(rank, slot), rows
    if n < _BUCKET_ROWS:
        codes, uniq = _hash_codes(key)
        order = np.argsort(uniq, kind="stable")
        if reorder is not None:
            order = order[reorder(uniq[order])]
        row = np.empty(len(uniq), dtype=np.intp)
        row[codes] = np.arange(n, dtype=np.intp)
        return _ranks(codes.astype(np.intp, copy=False), order), row[order]
    # one range of keys per core, cut at keys of a sample: each range's distinct keys come after the previous
    # range's, so its codes are its own ranks plus the number of keys before it (no merge of distinct keys)
    ranges = len(_threads.row_slices(n))
    sample = np.sort(key[:: max(1, n // 4096)])
    s = len(sample)
    cuts = sorted({int(sample[s * i // ranges]) for i in range(1, ranges)} - {int(sample[0])})
    # the sample's repeated keys estimate the distinct keys (about s * s / (2 * repeats) when they are
    # spread evenly): buckets pay when each key has few rows (1M rows, 430,000 ids: 0.05 CPU-s against
    # 0.09), one hash table when it has many (10M rows, 250,000 ids: 0.29 against 0.42)
    repeats = int(np.count_nonzero(sample[1:] == sample[:-1]))
    bucketed = 2 * repeats * n < _BUCKET_ROWS_PER_KEY * s * s
    ends: list[int | None] = [None, *cuts, None]
    found = _threads.run([partial(_range_codes, key, lo, hi, bucketed) for lo, hi in zip(ends[:-1], ends[1:])])
    offsets = np.cumsum([0] + [len(rows) for _, _, _, rows in found])
    rows = np.concatenate([rows for _, _, _, rows in found])
    table = None
    if reorder is not None:
        order = reorder(np.concatenate([distinct for _, _, distinct, _ in found]))
        table = np.empty(len(order), dtype=np.intp)
        table[order] = np.arange(len(order), dtype=np.intp)
        rows = rows[order]
    if len(found) == 1:
        local = found[0][1]
        return (local if table is None else table[local]), rows
    codes = np.empty(n, dtype=np.intp)

    def put(taken: np.ndarray | None, local: np.ndarray, offset: int) -> None:
        if table is None:
            local += offset
        else:
            local = table[local + offset]
        codes[slice(None) if taken is None else taken] = local

    _threads.run([partial(put, taken, local, int(offset)) for (taken, local, _, _), offset in zip(found, offsets)])
    return codes, rows


def _range_codes(
    key: np.ndarray, lo: int | None, hi: int | None, bucketed: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray, np.ndarray]:
    """Of the keys in ``[lo, hi)`` (None: no bound): the rows holding them (row numbers; None for every row),
    their codes in sorted key order among them, their distinct keys sorted and one row of each.

    ``bucketed``: the keys are put into buckets by their high bits (a radix sort of small integers),
    then hashed one bucket at a time: each bucket's hash table and distinct keys stay in the CPU cache,
    and the buckets' distinct keys follow each other in key order (1M rows, 430,000 distinct 11-digit
    ids: 0.05 CPU-s instead of 0.09 for hashing every key at once and sorting the distinct ones).
    Otherwise one hash table (Arrow's), then the distinct keys sorted.
    """
    if lo is None and hi is None:
        taken = None
        part = key
    else:
        inside = key < hi if lo is None else key >= lo if hi is None else (key >= lo) & (key < hi)
        taken = np.flatnonzero(inside)  # row numbers: faster to gather and scatter with than a boolean mask
        del inside
        part = key[taken]
    m = len(part)
    empty = np.empty(0, dtype=np.intp)
    if m == 0:
        return taken, empty, key[:0], empty
    if not bucketed:  # one hash table, then the distinct keys sorted
        codes, uniq = _hash_codes(part)
        order = np.argsort(uniq, kind="stable")
        first = np.empty(len(uniq), dtype=np.intp)
        first[codes] = np.arange(m, dtype=np.intp)
        first = first[order]
        return taken, _ranks(codes, order), uniq[order], first if taken is None else taken[first]
    base = int(part.min())
    shift = max((int(part.max()) - base).bit_length() - _BUCKET_BITS, 0)
    # the difference to the smallest key, as uint64: exact even when it overflows an int64
    bucket = ((part - base).view(np.uint64) >> np.uint64(shift)).astype(np.uint8)
    order = np.argsort(bucket, kind="stable")  # a radix sort: the rows grouped by bucket, in key order
    grouped = part[order]
    local = np.empty(m, dtype=np.intp)
    distinct, rows = [], []
    start, seen = 0, 0
    for end in np.cumsum(np.bincount(bucket, minlength=1 << _BUCKET_BITS)).tolist():
        if end > start:
            codes, uniq = pd.factorize(grouped[start:end], sort=True)
            np.add(codes, seen, out=local[start:end], casting="unsafe")
            first = np.empty(len(uniq), dtype=np.intp)
            first[codes] = np.arange(start, end, dtype=np.intp)
            distinct.append(uniq)
            rows.append(first)
            seen += len(uniq)
        start = end
    del grouped
    codes = np.empty(m, dtype=np.intp)
    codes[order] = local
    row = order[np.concatenate(rows)]  # positions in ``part``
    if taken is not None:
        row = taken[row]
    return taken, codes, np.concatenate(distinct), row


def _hash_codes(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (intp) of an int64 array in order of first appearance and its distinct values, as
    ``pandas.factorize`` gives them, by Arrow's hash (``dictionary_encode``) when pyarrow is there:
    less CPU on long columns (500,000 distinct keys, best of 4 at load 6: 5M rows 0.26 vs 0.32 CPU-s,
    20M rows 0.93 vs 1.25; 1-3M rows about the same)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        codes, uniq = pd.factorize(key, sort=False)
        return codes.astype(np.intp, copy=False), uniq
    encoded = pc.dictionary_encode(pa.array(key))
    return encoded.indices.to_numpy().astype(np.intp), encoded.dictionary.to_numpy()


def _take(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index]``, looked up in slices on the cores for a long ``index``."""
    parts = _threads.row_slices(len(index))
    if len(parts) == 1:
        return table[index]
    out = np.empty(len(index), dtype=table.dtype)
    _threads.run([partial(np.take, table, index[part], out=out[part]) for part in parts])
    return out


def _fixed_width(arr: Any) -> list[np.ndarray] | None:
    """The bytes of each chunk as an (ids, width) uint8 array when every string has the same width in
    bytes (member codes and phone numbers usually do), else None.  No copy: views of Arrow's buffers."""
    chunks = string_buffers(arr)
    if chunks is None:
        return None
    out: list[np.ndarray] = []
    width = None
    for offsets, data in chunks:
        n = len(offsets) - 1
        start, total = int(offsets[0]), int(offsets[-1] - offsets[0])
        if width is None:
            width = total // n
        if width == 0 or total != width * n or not np.all(np.diff(offsets) == width):
            return None
        out.append(data[start : start + total].reshape(n, width))
    return out


def _fixed_digits(blocks: list[np.ndarray], prefix: bytes) -> np.ndarray | None:
    """The numbers after ``prefix`` in ids of one width (:func:`_fixed_width`), when every id is that
    prefix and ASCII digits and an int64 holds them (at most 18 digits); else None."""
    p = len(prefix)
    if not blocks or not 0 < blocks[0].shape[1] - p <= _MAX_DIGITS + 1:
        return None
    head = np.frombuffer(prefix, dtype=np.uint8)
    values = []
    for block in blocks:
        if p and not np.array_equal(block[:, :p], np.broadcast_to(head, (len(block), p))):
            return None
        digits = block[:, p:] - np.uint8(48)  # '0'..'9' -> 0..9; anything else wraps to 10 or more
        if digits.max() > 9:
            return None
        value = digits[:, 0].astype(np.int64)
        for j in range(1, digits.shape[1]):
            value *= 10
            value += digits[:, j]
        values.append(value)
    return np.concatenate(values) if len(values) > 1 else values[0]


def digit_parts(arr):  # arr: pyarrow.ChunkedArray of strings -> (str, pyarrow array or ndarray) | None
    """``(prefix, digits)`` when every id is ASCII digits after one common prefix of non-digits, else None.

    ``digits``: the digit strings as a pyarrow array or, when every id has the same width, their
    numbers as an int64 ndarray (read from Arrow's bytes without a copy of the strings).
    """
    import pyarrow as pa

    if len(arr) == 0 or arr.null_count:
        return None
    first = arr[0].as_py()
    prefix = re.match(r"\D*", first).group()
    if len(prefix) > 64 or prefix == first:
        return None
    # a quick look at a few ids first, so that text ids do not pay for a pass over every id
    form = re.compile(re.escape(prefix) + r"[0-9]+")
    for i in np.linspace(0, len(arr) - 1, num=min(len(arr), 64)).astype(int):
        if not form.fullmatch(arr[int(i)].as_py()):
            return None
    blocks = _fixed_width(arr)
    if blocks is not None:
        values = _fixed_digits(blocks, prefix.encode("utf-8"))
        if values is not None:
            return prefix, values
    # the digits after the prefix, checked and cut in slices of rows on the cores (Arrow releases the GIL)
    rests = _threads.run([partial(_digits_after, piece, prefix) for piece in _row_pieces(arr)])
    if any(rest is None for rest in rests):
        return None
    return prefix, pa.chunked_array([c for rest in rests for c in rest.chunks], type=rests[0].type)


def _row_pieces(arr: Any) -> list[Any]:
    """A chunked array cut into one slice of rows per core (zero-copy)."""
    return [arr.slice(part.start, part.stop - part.start) for part in _threads.row_slices(len(arr))]


def _digits_after(piece: Any, prefix: str) -> Any:
    """``piece`` without ``prefix``, when every id starts with it and the rest is ASCII digits; else None."""
    import pyarrow.compute as pc

    rest = piece
    if prefix:
        if not pc.all(pc.starts_with(piece, prefix)).as_py():
            return None
        rest = pc.utf8_slice_codeunits(piece, len(prefix))
    if not pc.all(pc.ascii_is_decimal(rest)).as_py():  # also False for an empty remainder
        return None
    return rest


def digit_codes(arr: Any, parts: Any = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes in text order and one row per distinct id, when every id is digits after one common
    prefix (``C000123``, ``VIP88``, ``13800138000``); else None.

    The digits are read as an int64.  Equal widths: the number sorts like the text.  Unequal widths
    without leading zeros: the number tells the ids apart and only the distinct ids are put in text
    order.  Otherwise a key that is unique to the text and sorts like it (:func:`_text_order_key`).
    Shared by :func:`sorted_codes` and the reader's duplicate check.

    Parameters
    ----------
    arr : pyarrow.ChunkedArray
        Customer ids as strings, without nulls.
    parts : tuple, optional
        ``digit_parts(arr)`` when the caller has it already (not None), so it is not found twice.

    Returns
    -------
    (codes, rows) or None
        ``codes[i]`` is the rank of id ``i`` among the distinct ids in text order; ``rows[c]`` is a row
        holding the id of code ``c``.  None when the ids are not all digits after one common prefix.

    Examples
    --------
    >>> import pyarrow as pa
    >>> codes, rows = digit_codes(pa.chunked_array([["C10", "C9", "C10"]]))
    >>> codes.tolist(), len(rows)
    ([0, 1, 0], 2)
    >>> digit_codes(pa.chunked_array([["C10", "X9"]])) is None
    True
    """
    import pyarrow as pa

    n = len(arr)
    if parts is None:
        parts = digit_parts(arr)
    if parts is None:
        return None
    rest = parts[1]
    if isinstance(rest, np.ndarray):  # ids of one width: the number sorts like the text
        return _int_codes(rest, 4 * n + 1000)
    pieces = rest.chunks if isinstance(rest, pa.ChunkedArray) else [rest]
    found = _threads.run([partial(_widths_and_values, piece) for piece in pieces if len(piece)])
    lo_len, hi_len = min(f[1] for f in found), max(f[2] for f in found)
    if hi_len > _MAX_DIGITS + (lo_len == hi_len):
        return None
    value = np.concatenate([f[3] for f in found]) if len(found) > 1 else found[0][3]
    if lo_len == hi_len:
        return _int_codes(value, 4 * n + 1000)
    width = np.concatenate([f[0] for f in found]) if len(found) > 1 else found[0][0]
    if np.any((width > 1) & (value < _POWERS_OF_TEN[width - 1])):  # a leading zero: '07' and '7' differ
        return _int_codes(_text_order_key(value, width, hi_len), 4 * n + 1000)
    del width

    def text_order(distinct: np.ndarray) -> np.ndarray:  # no leading zeros: the digits are the number's
        digits = np.maximum(np.searchsorted(_POWERS_OF_TEN, distinct, side="right"), 1)
        return np.argsort(_text_order_key(distinct, digits, hi_len), kind="stable")

    return _int_codes(value, 4 * n + 1000, text_order)  # numeric codes put in text order before the lookup


def _widths_and_values(digits: Any) -> tuple[np.ndarray, int, int, np.ndarray]:
    """Of an Arrow array of digit strings: each one's width (int64), the least and greatest width and, when
    an int64 holds them (at most 18 digits), their numbers (else an empty array)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    width = pc.binary_length(digits).to_numpy().astype(np.int64)
    lo, hi = int(width.min()), int(width.max())
    value = pc.cast(digits, pa.int64()).to_numpy() if hi <= _MAX_DIGITS + 1 else np.empty(0, dtype=np.int64)
    return width, lo, hi, value


def short_text_key(arr: Any) -> np.ndarray | None:
    """An int64 per id that sorts like the text and is equal only for equal ids, when every id is one
    common prefix followed by at most 7 bytes (names of two Chinese characters, short codes); else None.

    The key is the 7 bytes after the prefix (zeros after the end), then the number of bytes: what
    the text's byte order (UTF-8: code point order) compares, read as a number, so the ids are
    neither hashed nor compared as text.  Ids of one width are read from Arrow's bytes as they lie.

    Examples
    --------
    >>> import pyarrow as pa
    >>> key = short_text_key(pa.chunked_array([["客户b", "客户a", "客户", "客户b"]]))
    >>> np.argsort(key, kind="stable").tolist(), bool(key[0] == key[3])
    ([2, 1, 0, 3], True)
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(arr) == 0 or arr.null_count or arr.type not in (pa.string(), pa.large_string()):
        return None
    # the smallest and the largest id, of each slice of rows on its own thread (Arrow releases the GIL)
    ends = _threads.run([partial(pc.min_max, piece) for piece in _row_pieces(arr)])
    lo = min(end["min"].as_py() for end in ends)  # str order is code point order, as UTF-8 bytes compare
    hi = max(end["max"].as_py() for end in ends)
    first, last = lo.encode("utf-8"), hi.encode("utf-8")
    p = 0  # the prefix of the smallest and the largest id is every id's
    while p < min(len(first), len(last)) and first[p] == last[p]:
        p += 1
    blocks = _fixed_width(arr)
    if blocks is not None:
        if blocks[0].shape[1] - p > 7:
            return None
        pieces = [block[part, p:] for block in blocks for part in _threads.row_slices(len(block))]
        parts = _threads.run([partial(_key_of, piece, None) for piece in pieces])  # numpy releases the GIL
    else:
        lengths = pc.min_max(pc.binary_length(arr))
        if lengths["max"].as_py() - p > 7:
            return None
        parts = []
        for chunk in arr.chunks:
            if len(chunk) == 0:
                continue
            _, offsets_buffer, data = chunk.buffers()
            offsets = np.frombuffer(offsets_buffer, dtype=np.int64 if chunk.type == pa.large_string() else np.int32)
            offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1].astype(np.int64)
            raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(1, dtype=np.uint8)
            parts.append(_key_of(raw, (offsets[:-1] + p, offsets[1:] - offsets[:-1] - p)))
    key = np.concatenate(parts) if len(parts) > 1 else parts[0]
    return (key ^ np.uint64(1 << 63)).view(np.int64)  # the same order as a signed number


def _key_of(raw: np.ndarray, spans: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """uint64 keys: up to 7 bytes (big-endian, zeros after the end) then the length in the low byte.

    ``raw``: the bytes after the prefix as an (ids, width) array when ``spans`` is None, else the
    chunk's data with each id's (start, length)."""
    if spans is None:
        n, width = raw.shape
        key = np.full(n, width, dtype=np.uint64)
        for j in range(width):
            key |= raw[:, j].astype(np.uint64) << np.uint64(8 * (7 - j))
        return key
    start, length = spans
    key = length.astype(np.uint64)
    last = len(raw) - 1
    for j in range(int(length.max()) if len(length) else 0):
        byte = raw[np.minimum(start + j, last)].astype(np.uint64)
        byte[length <= j] = 0
        key |= byte << np.uint64(8 * (7 - j))
    return key


def _ranks(codes: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Replace codes by the rank of their unique in ``order`` (codes[i] -> position in sorted uniques)."""
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order), dtype=np.intp)
    return rank[codes]


def sorted_codes(ids: pd.Series) -> tuple[np.ndarray, pd.Index, bool]:
    """Integer codes of customer ids such that code ``i`` is the ``i``-th id in sorted order.

    Parameters
    ----------
    ids : Series
        Customer ids without missing values (the callers check that).

    Returns
    -------
    codes : ndarray of intp
        ``uniques[codes[j]] == ids[j]``.
    uniques : Index
        The distinct ids, sorted (dense integer ids: every integer from the
        smallest to the largest id, so some may not occur), in the dtype of
        ``ids`` (a categorical column gives a CategoricalIndex of its categories).
    dense : bool
        True when ``uniques`` may hold ids that do not occur.

    Examples
    --------
    >>> codes, uniques, dense = sorted_codes(pd.Series(["b", "a", "b10", "b"]))
    >>> codes.tolist(), uniques.tolist(), dense
    ([1, 0, 2, 1], ['a', 'b', 'b10'], False)
    >>> codes, uniques, dense = sorted_codes(pd.Series(["C10", "C9", "C10"]))
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, 0], ['C10', 'C9'])
    >>> codes, uniques, dense = sorted_codes(pd.Series([7, 3, 7]))
    >>> codes.tolist(), uniques.tolist(), dense
    ([4, 0, 4], [3, 4, 5, 6, 7], True)
    """
    n = len(ids)
    dtype = ids.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        if cats.is_monotonic_increasing and cats.is_unique:
            return np.asarray(ids.cat.codes, dtype=np.intp), pd.CategoricalIndex(cats, dtype=dtype), True
        codes, uniques = pd.factorize(ids, sort=True)
        return codes.astype(np.intp, copy=False), pd.Index(uniques), False
    values = ids.to_numpy() if pd.api.types.is_integer_dtype(dtype) else None
    if values is not None and values.dtype.kind in "iu" and n:
        lo, hi = int(values.min()), int(values.max())
        if hi - lo <= 4 * n + 1000:
            # dense integer ids (1..n, as in most files): the id itself is the code, no hashing
            if values.dtype == np.uint64:
                codes = (values - np.uint64(lo)).astype(np.intp)
            else:
                codes = (values.astype(np.int64) - lo).astype(np.intp)
            return codes, pd.Index(np.arange(lo, hi + 1, dtype=values.dtype)), True
        if hi < 2**63:  # sparse integers (phone numbers, ids of another system): hashed as int64
            codes, rows = _int_codes(values.astype(np.int64, copy=False), 4 * n + 1000)
            return codes, pd.Index(ids.array.take(rows)), False
    arrow = _arrow_strings(ids) if n else None
    if arrow is not None:
        found = digit_codes(arrow)
        if found is None:
            key = short_text_key(arrow)
            found = None if key is None else _int_codes(key, 4 * n + 1000)
        if found is not None:
            codes, rows = found
            return codes, pd.Index(ids.array.take(rows)), False
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(arrow).combine_chunks()
        order = pc.array_sort_indices(encoded.dictionary).to_numpy()  # UTF-8 byte order = code point order
        codes = encoded.indices.to_numpy().astype(np.intp, copy=False)
        row = np.empty(len(order), dtype=np.intp)
        row[codes] = np.arange(n, dtype=np.intp)
        return _ranks(codes, order), pd.Index(ids.array.take(row[order])), False
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "python":
        # hashing the underlying Python objects directly is ~1.4x faster; same codes
        codes, uniq = pd.factorize(ids.to_numpy(dtype=object))
        uniques = pd.Index(uniq, dtype=dtype)
    else:
        codes, uniq = pd.factorize(ids)
        uniques = pd.Index(uniq)
    if pd.api.types.is_numeric_dtype(uniques.dtype) and not pd.api.types.is_bool_dtype(uniques.dtype):
        order = np.argsort(uniques.to_numpy(), kind="stable")
    elif uniques.inferred_type == "string":
        order = np.argsort(np.asarray(uniques, dtype=str), kind="stable")
    else:  # mixed or other types: let pandas decide the order
        codes, uniq = pd.factorize(ids, sort=True)
        return codes.astype(np.intp, copy=False), pd.Index(uniq), False
    return _ranks(codes.astype(np.intp, copy=False), order), uniques[order], False
