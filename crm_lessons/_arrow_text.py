"""The bytes of a pyarrow text column as numpy views (no copy), for byte-level checks of ids.

Shared by the reader (:mod:`crm_lessons.io._parse`) and the customer ids (:mod:`crm_lessons._ids`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["string_buffers"]


def string_buffers(arr: Any) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Each non-empty chunk of a pyarrow ``string`` or ``large_string`` array as ``(offsets, data)``:
    its ``n + 1`` offsets (int32 or int64) and its whole data buffer as uint8, which the offsets index
    (string ``i`` is ``data[offsets[i]:offsets[i + 1]]``); views of Arrow's buffers.  None for another type.

    ``arr``: a pyarrow Array or ChunkedArray.  A missing string has an empty span.

    Examples
    --------
    >>> import pyarrow as pa
    >>> [(o.tolist(), d.tobytes()) for o, d in string_buffers(pa.chunked_array([["ab", "c"], [], ["d"]]))]
    [([0, 2, 3], b'abc'), ([0, 1], b'd')]
    >>> string_buffers(pa.array([1, 2])) is None
    True
    """
    import pyarrow as pa

    offset_type = {pa.string(): np.int32, pa.large_string(): np.int64}.get(arr.type)
    if offset_type is None:
        return None
    out = []
    for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
        n = len(chunk)
        if n == 0:
            continue
        _, offsets_buffer, data = chunk.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[chunk.offset : chunk.offset + n + 1]
        out.append((offsets, np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)))
    return out
