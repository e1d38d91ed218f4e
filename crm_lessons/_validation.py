"""Input checks shared by every module.

One place validates required and unique columns so that every public function
reports a bad input in the same words: what was wrong, what was expected, and
how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DataError",
    "NotFittedError",
    "check_is_fitted",
    "cli_messages",
    "option",
    "pass_option",
    "quote",
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

    Parameters
    ----------
    message : str
        The English message (the Python API's language: it names parameters).
    zh : str, optional
        The same message in Chinese, for the command line's Chinese output.

    Examples
    --------
    >>> err = DataError("x.csv: the file is empty", zh="x.csv：文件是空的")
    >>> str(err), err.zh
    ('x.csv: the file is empty', 'x.csv：文件是空的')
    """

    def __init__(self, message: str, *, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh

    def __reduce__(self):  # keep ``zh`` when the error crosses a process boundary
        return (_rebuild_data_error, (str(self), self.zh))


def _rebuild_data_error(message: str, zh: str | None) -> DataError:
    return DataError(message, zh=zh)


class NotFittedError(DataError, AttributeError):
    """Raised when a model is used before ``fit`` was called.

    The one "not fitted yet" error of the package, raised by :func:`check_is_fitted`. Like
    scikit-learn's own, it subclasses ``ValueError`` (through :class:`DataError`) and
    ``AttributeError``, so code catching either keeps working.

    Examples
    --------
    >>> issubclass(NotFittedError, ValueError) and issubclass(NotFittedError, AttributeError)
    True
    """

    def __reduce__(self):  # the class, not DataError, when the error crosses a process boundary
        return (type(self), (str(self),), {"zh": self.zh})


def check_is_fitted(
    estimator: Any,
    attributes: str | Sequence[str] | None = None,
    *,
    where: str | None = None,
    fit_call: str = "'fit' with appropriate data",
) -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has been fitted.

    Parameters
    ----------
    estimator : object
        The model.
    attributes : str or sequence of str, optional
        Attributes that ``fit`` sets (``"params_"``); all must be present. By default the estimator's
        ``__sklearn_is_fitted__()`` when it has one (a scikit-learn ``Pipeline``), else any attribute
        ending in ``_``.
    where : str, optional
        Name of the calling function, put before the message.
    fit_call : str, default "'fit' with appropriate data"
        How to fit it, for the message (``"fit(X, y)"``).

    Raises
    ------
    NotFittedError
        If the estimator is not fitted.

    Examples
    --------
    >>> class Model:
    ...     pass
    >>> check_is_fitted(Model(), "params_")
    Traceback (most recent call last):
    ...
    crm_lessons._validation.NotFittedError: This Model instance is not fitted yet; call 'fit' with appropriate data first
    >>> m = Model()
    >>> m.params_ = [1.0]
    >>> check_is_fitted(m, "params_")
    """
    if attributes is not None:
        names = [attributes] if isinstance(attributes, str) else list(attributes)
        fitted = all(hasattr(estimator, a) for a in names)
    elif hasattr(estimator, "__sklearn_is_fitted__"):
        fitted = bool(estimator.__sklearn_is_fitted__())
    else:
        fitted = any(k.endswith("_") and not k.startswith("__") for k in vars(estimator))
    if not fitted:
        start = f"{where}: this" if where else "This"
        raise NotFittedError(f"{start} {type(estimator).__name__} instance is not fitted yet; call {fit_call} first")


# Whether messages are read by a Python user (keyword arguments) or on the command line (flags).
_INTERFACE: ContextVar[str] = ContextVar("crm_lessons_interface", default="python")
#: Command-line flag of each keyword argument that a message may tell the user to pass.
CLI_FLAGS = {
    "customer_col": "--customer-col",
    "date_col": "--date-col",
    "amount_col": "--amount-col",
    "status_col": "--status-col",
    "sheet_name": "--sheet",
    "as_of": "--as-of",
    "encoding": "--encoding",
    "sep": "--sep",
    "date_format": "--date-format",
    "closed_orders": "--keep-closed-orders",
    "engine": "--engine",
}


@contextmanager
def cli_messages() -> Iterator[None]:
    """Within this block, hints in error messages name command-line flags instead of keyword arguments.

    Examples
    --------
    >>> pass_option("amount_col", "实付金额")
    "pass amount_col='实付金额'"
    >>> with cli_messages():
    ...     pass_option("amount_col", "实付金额")
    'use --amount-col 实付金额'
    """
    token = _INTERFACE.set("cli")
    try:
        yield
    finally:
        _INTERFACE.reset(token)


def option(name: str, value: Any = "...") -> str:
    """``name='value'`` for Python users, ``--flag value`` on the command line."""
    if _INTERFACE.get() == "cli" and name in CLI_FLAGS:
        shown = str(value)
        if not shown or any(c.isspace() for c in shown) or "'" in shown:
            shown = repr(shown)
        return f"{CLI_FLAGS[name]} {shown}" if value is not None else CLI_FLAGS[name]
    return f"{name}={value!r}"


def pass_option(name: str, value: Any = "...") -> str:
    """``pass name='value'`` for Python users, ``use --flag value`` on the command line."""
    return ("use " if _INTERFACE.get() == "cli" and name in CLI_FLAGS else "pass ") + option(name, value)


def quote(value: Any, limit: int = 60) -> str:
    """``repr`` of a value from the user's file, cut to ``limit`` characters so a message stays short.

    Examples
    --------
    >>> quote("x" * 100, limit=10)
    "'xxxxxxxxxx…' (100 characters)"
    >>> quote(3.5)
    '3.5'
    """
    if isinstance(value, np.generic):
        value = value.item()
    if hasattr(value, "isoformat") and hasattr(value, "year"):  # a date cell shows as the user sees it
        value = (
            value.isoformat(sep=" ")
            if getattr(value, "hour", 0) or getattr(value, "minute", 0)
            else value.strftime("%Y-%m-%d")
            if value.year >= 1000
            else value.isoformat()
        )
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}"[:-1] + f"…' ({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= limit + 2 else text[:limit] + "…"


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
        raise DataError(f"{where}: column {column!r} should be >= 0 but is negative in {first_rows(neg, data.index)}")


def to_timestamp(value: Any, *, name: str, where: str) -> pd.Timestamp:
    """Convert a date-like argument (``'1998-06-30'``, ``datetime``...) to a Timestamp."""
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: {name}={value!r} is not a date; use the form 'YYYY-MM-DD'") from exc
    if pd.isna(ts):
        raise DataError(f"{where}: {name} is missing; use the form 'YYYY-MM-DD'")
    return ts
