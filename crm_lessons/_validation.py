"""Input checks shared by every module.

One place validates required and unique columns so that every public function
reports a bad input in the same words: what was wrong, what was expected, and
how to fix it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DataError",
    "NotFittedError",
    "check_is_fitted",
    "option",
    "pass_option",
    "quote",
    "as_float_array",
    "check_scalar",
    "require_binary",
    "require_columns",
    "require_dataframe",
    "require_numeric",
    "require_non_negative",
    "require_no_missing",
    "require_probabilities",
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
    crm_lessons._validation.NotFittedError: This Model instance is not fitted yet; call 'fit' with appropriate data ...
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


def option(name: str, value: Any = "...") -> str:
    """``name='value'``: how a message names a keyword argument (the command line translates it to its flag).

    Examples
    --------
    >>> option("amount_col", "实付金额"), pass_option("amount_col", "实付金额")
    ("amount_col='实付金额'", "pass amount_col='实付金额'")
    """
    return f"{name}={value!r}"


def pass_option(name: str, value: Any = "...") -> str:
    """``pass name='value'``: the hint that ends a message (see :func:`option`)."""
    return "pass " + option(name, value)


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


def require_binary(data: pd.DataFrame, column: str, *, where: str) -> pd.Series:
    """``column`` as 0/1 int64, raising :class:`DataError` unless it holds booleans or 0/1 (an event: churned,
    responded).

    Examples
    --------
    >>> require_binary(pd.DataFrame({"churn": [True, False]}), "churn", where="churn_rate_by").tolist()
    [1, 0]
    """
    require_no_missing(data, column, where=where)
    s = data[column]
    if pd.api.types.is_bool_dtype(s):
        return s.astype("int64")
    if pd.api.types.is_numeric_dtype(s):
        bad = ~s.isin([0, 1]).to_numpy()
        if not bad.any():
            return s.astype("int64")
        raise DataError(
            f"{where}: column {column!r} should hold True/False or 0/1 but has other values in "
            f"{first_rows(bad, data.index)}; code churned customers as True"
        )
    raise DataError(
        f"{where}: column {column!r} should hold True/False or 0/1, got dtype {s.dtype}; "
        f"convert it, e.g. df[{column!r}] == 'Yes'"
    )


def as_float_array(values: Any, *, name: str, where: str) -> np.ndarray:
    """``values`` as a non-empty 1-d float64 array without missing values, else :class:`DataError`.

    Examples
    --------
    >>> as_float_array([1, 0], name="y_true", where="gains_table")
    array([1., 0.])
    """
    arr = np.asarray(values, dtype="float64")
    if arr.ndim != 1 or arr.size == 0:
        raise DataError(f"{where}: {name} should be a non-empty 1-d array, got shape {arr.shape}")
    if np.isnan(arr).any():
        raise DataError(f"{where}: {name} has missing values at positions {np.flatnonzero(np.isnan(arr))[:5].tolist()}")
    return arr


def require_probabilities(scores: Any, *, where: str) -> np.ndarray:
    """Model scores as a 1-d float64 array of probabilities in [0, 1], else :class:`DataError`.

    Examples
    --------
    >>> require_probabilities([0.2, 1.5], where="gains_table")
    Traceback (most recent call last):
    ...
    crm_lessons._validation.DataError: gains_table: scores should be probabilities in [0, 1]; positions [1] are outside; ...
    """
    p = as_float_array(scores, name="scores", where=where)
    bad = (p < 0) | (p > 1)
    if bad.any():
        raise DataError(
            f"{where}: scores should be probabilities in [0, 1]; positions "
            f"{np.flatnonzero(bad)[:5].tolist()} are outside; pass predict_proba(X)[:, 1]"
        )
    return p


def _interval(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high:g}"
    return ""


def check_scalar(
    value: Any,
    name: str,
    *,
    where: str,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    expected: str | None = None,
    verb: str = "should be",
) -> Any:
    """Check a scalar argument (a count, a rate, a probability) and return it as ``int`` or ``float``.

    The one check of scalar arguments in the package: booleans are refused, numbers must be finite,
    whole numbers of Python or numpy integer type, and within the bounds given.

    Parameters
    ----------
    value : object
        The argument.
    name : str
        Its parameter name, for the message.
    where : str
        Name of the calling function, for the message.
    integer : bool, default False
        Require a whole number (``int`` or a numpy integer) instead of a finite real number.
    low, high : float, optional
        Bounds; ``low_open`` / ``high_open`` exclude them.
    expected : str, optional
        What the value should be, in the message, instead of the generated text (``"a positive
        number"``, ``"an integer seed, e.g. random_state=42"``).
    verb : str, default "should be"
        The verb of the message (``"must be"`` where a module words its messages so).

    Returns
    -------
    int or float
        ``value`` as a Python ``int`` (``integer=True``) or ``float``.

    Raises
    ------
    DataError
        ``where: name=value should be ...``: the value beside the rule.

    Examples
    --------
    >>> check_scalar(0.2, "retention", where="customer_npv", low=0, high=1)
    0.2
    >>> check_scalar(0, "agents", where="erlang_c", integer=True, low=1)
    Traceback (most recent call last):
    ...
    crm_lessons._validation.DataError: erlang_c: agents=0 should be >= 1
    >>> check_scalar(-1.0, "traffic", where="erlang_c", low=0)
    Traceback (most recent call last):
    ...
    crm_lessons._validation.DataError: erlang_c: traffic=-1.0 should be a finite number >= 0
    """
    shown = value.item() if isinstance(value, np.generic) else value
    rule = _interval(low, high, low_open, high_open)
    if isinstance(value, (bool, np.bool_)):
        ok = False
    elif integer:
        ok = isinstance(value, (Integral, np.integer))
    else:
        ok = isinstance(value, (Real, np.integer, np.floating)) and math.isfinite(float(value))
    if not ok:
        what = expected or (f"a whole number (int), e.g. {name}=10" if integer else f"a finite number {rule}".rstrip())
        raise DataError(f"{where}: {name}={shown!r} {verb} {what}")
    x = int(value) if integer else float(value)
    too_low = low is not None and (x <= low if low_open else x < low)
    too_high = high is not None and (x >= high if high_open else x > high)
    if too_low or too_high:
        what = expected or (rule if integer else f"a finite number {rule}")
        raise DataError(f"{where}: {name}={shown!r} {verb} {what}")
    return x
