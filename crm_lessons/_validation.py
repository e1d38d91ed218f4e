"""Input checks shared by every module.

One place validates required and unique columns so that every public function
reports a bad input in the same words: what was wrong, what was expected, and
how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DataError",
    "require_columns",
    "require_dataframe",
    "require_numeric",
    "require_non_negative",
    "require_no_missing",
    "first_rows",
    "to_timestamp",
]


class DataError(ValueError):
    """Raised when input data cannot be used as it is.

    The message names the source (function or file), the column, the first
    offending rows and what to do.  It subclasses ``ValueError`` so that code
    catching ``ValueError`` keeps working.
    """


def first_rows(mask: pd.Series | np.ndarray, index: Sequence[Any] | pd.Index, n: int = 5) -> str:
    """Describe the first ``n`` rows where ``mask`` is true, e.g. ``'rows 3, 17 (2 in all)'``."""
    mask = np.asarray(mask, dtype=bool)
    labels = [str(x) for x in np.asarray(index)[mask][:n]]
    total = int(mask.sum())
    more = f" ({total} in all)" if total > n or total > 1 else ""
    word = "row" if total == 1 else "rows"
    return f"{word} {', '.join(labels)}{more}"


def require_dataframe(data: Any, *, where: str) -> pd.DataFrame:
    """Check that ``data`` is a non-empty DataFrame."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"{where}: expected a pandas DataFrame, got {type(data).__name__}; "
            "load your file with crm_lessons.io.read_transactions(...) or pandas.read_csv(...)"
        )
    if len(data) == 0:
        raise DataError(f"{where}: the DataFrame has no rows; check the file or the filter that produced it")
    return data


def require_columns(
    data: pd.DataFrame,
    columns: dict[str, str] | Iterable[str],
    *,
    where: str,
) -> None:
    """Raise :class:`DataError` when a required column is missing.

    Parameters
    ----------
    data : DataFrame
    columns : dict or iterable of str
        Either column names, or a mapping ``{column name: argument name}`` so
        that the message can say which keyword argument to pass.
    where : str
        Name of the calling function, used in the message.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": [1], "date": ["2024-01-01"], "amount": [1.0]})
    >>> require_columns(df, {"order_date": "date_col"}, where="rfm_table")
    Traceback (most recent call last):
    ...
    crm_lessons._validation.DataError: rfm_table: missing column 'order_date'; columns are ['id', 'date', 'amount']; pass date_col='...'
    """
    mapping = columns if isinstance(columns, dict) else {c: "" for c in columns}
    present = list(data.columns)
    for col, arg in mapping.items():
        if col not in data.columns:
            hint = f"; pass {arg}='...'" if arg else ""
            raise DataError(f"{where}: missing column {col!r}; columns are {[str(c) for c in present]}{hint}")


def require_no_missing(data: pd.DataFrame, column: str, *, where: str) -> None:
    """Raise :class:`DataError` naming the first rows where ``column`` is missing."""
    missing = data[column].isna().to_numpy()
    if missing.any():
        raise DataError(
            f"{where}: column {column!r} has missing values in {first_rows(missing, data.index)}; "
            "fill or drop those rows first"
        )


def require_numeric(data: pd.DataFrame, column: str, *, where: str) -> None:
    """Raise :class:`DataError` when ``column`` is not numeric."""
    if not pd.api.types.is_numeric_dtype(data[column]) or pd.api.types.is_bool_dtype(data[column]):
        raise DataError(
            f"{where}: column {column!r} should be numeric, got dtype {data[column].dtype}; "
            "convert it with pandas.to_numeric or read the file with crm_lessons.io.read_transactions"
        )


def require_non_negative(data: pd.DataFrame, column: str, *, where: str) -> None:
    """Raise :class:`DataError` naming the first rows where ``column`` is negative."""
    neg = (data[column] < 0).to_numpy()
    if neg.any():
        raise DataError(
            f"{where}: column {column!r} should be >= 0 but is negative in {first_rows(neg, data.index)}"
        )


def to_timestamp(value: Any, *, name: str, where: str) -> pd.Timestamp:
    """Convert a date-like argument (``'1998-06-30'``, ``datetime``...) to a Timestamp."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: {name}={value!r} is not a date; use the form 'YYYY-MM-DD'") from exc
    if pd.isna(ts):
        raise DataError(f"{where}: {name} is missing; use the form 'YYYY-MM-DD'")
    return ts
