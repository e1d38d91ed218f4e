"""How dates, amounts and ids are written in the files people bring: the rules both readers apply."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import numpy as np
import pandas as pd

# Date formats tried in order on the values still unparsed (fast, vectorised).
DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y年%m月%d日",
    "%Y.%m.%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
)
# Formats pandas parses in C; a whole column in one of these is parsed while the file is read.
ISO_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
)
# Formats that would also read malformed text ('2024115' as 2024-11-05) only see text of this shape.
FORMAT_GUARD = {"%Y%m%d": r"^\d{8}$"}
# Excel stores dates as days since 1899-12-30; five digits cover 1927-05-18 .. 2173-10-14.
# A time of day (45293.5417 is 2024-01-02 13:00) is dropped as it is for any date.
EXCEL_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
EXCEL_SERIAL_SQL = r"^[0-9]{5}(\.[0-9]+)?$"  # the same, for DuckDB (RE2) and Spark (Java)
EXCEL_ORIGIN = pd.Timestamp("1899-12-30")
#: A timestamp with a UTC offset or 'Z' (2024-01-05T10:00:00+08:00): its date is the one written,
#: the shop's own calendar day (an order at 01:00 Beijing time is not moved to the day before by
#: turning it into UTC).  Group 1 is the timestamp without the offset.
OFFSET = r"^([0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?) ?(?:Z|[+-][0-9]{2}:?[0-9]{2})$"
#: Cell texts that mean "no value" (compared after stripping spaces, ignoring case): read as an
#: empty cell on every engine (pandas calls most of them missing; DuckDB would read 'NA' as an id).
NA_TEXT = frozenset({"na", "n/a", "#n/a", "#na", "none", "null", "nan", "-", "<na>", "nil"})
#: ``NA_TEXT`` as a pattern (Python, RE2 and Java alike) for a whole cell, any case, spaces around.
NA_PATTERN = r"^\s*(?i:na|n/a|#n/a|#na|none|null|nan|-|<na>|nil)\s*$"

FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９．，－（）＋　",
    "0123456789.,-()+ ",
)
CURRENCY = re.compile(r"(?i)rmb|cny|usd|元|[¥￥$€£\s]")
# thousands separators only where they group digits by three: '1,234.5' yes, '1,5' no (decimal comma?)
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


_YEAR = re.compile(r"^\s*(\d{4,})\s*(?:[-/年.]|\d{4}$)")
#: Years a date can have (pandas' nanosecond range); ERP systems write 9999-12-31 or 2999-01-01
#: for "no date", which must not be read as a purchase.
YEARS = (1678, 2261)


def is_missing(v: Any) -> bool:
    """Whether a cell is empty: missing, spaces only, or a text of ``NA_TEXT`` ('NA', '-', '#N/A', ...).

    Examples
    --------
    >>> [is_missing(v) for v in (None, float("nan"), " ", " NA ", "#N/A", "-", "N/A ", "0", "Nancy")]
    [True, True, True, True, True, True, True, False, False]
    """
    if isinstance(v, str):
        text = v.strip()
        return not text or text.lower() in NA_TEXT
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def is_placeholder(v: Any) -> bool:
    """Whether a date cell is a placeholder such as 9999-12-31 (a year outside ``YEARS``).

    Examples
    --------
    >>> is_placeholder("9999-12-31"), is_placeholder("2024-01-05"), is_placeholder("45293.5417")
    (True, False, False)
    """
    if isinstance(v, str) and EXCEL_SERIAL.match(v.strip()):
        return False
    if isinstance(v, (_dt.date, _dt.datetime)):
        return not YEARS[0] <= v.year <= YEARS[1]
    if isinstance(v, str):
        m = _YEAR.match(v.translate(FULL_WIDTH))
        return m is not None and not YEARS[0] <= int(m.group(1)[:4]) <= YEARS[1]
    if is_number(v) and 10_000_000 <= v < 100_000_000:  # yyyymmdd typed as a number
        return not YEARS[0] <= int(v) // 10_000 <= YEARS[1]
    return False


# Characters Python's str.strip() removes (str.isspace): ASCII and Unicode spaces, separators, \x1c-\x1f, \x85.
SPACE = r"[\s\x0b\x1c-\x1f\x85\p{Z}]"
#: A text with a ``SPACE`` at either end (RE2, for Arrow).
EDGE_SPACE = rf"^{SPACE}|{SPACE}$"


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
