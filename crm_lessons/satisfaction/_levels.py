"""Satisfaction as a ratio of perception to expectation, and the course's three satisfaction levels."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    first_rows,
)

#: The three satisfaction levels of the course, lowest first.
SATISFACTION_LEVELS: tuple[str, str, str] = ("不满意", "一般满意", "高度满意")


def _as_float_array(values: object, *, name: str, where: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: {name} should be numbers; convert it with pandas.to_numeric first") from exc
    if np.isnan(arr).any():
        bad = np.isnan(np.atleast_1d(arr))
        raise DataError(
            f"{where}: {name} has missing values in {first_rows(bad, np.arange(bad.size))}; fill or drop them first"
        )
    return arr


def satisfaction_ratio(
    perceived: float | Sequence[float] | pd.Series, expected: float | Sequence[float] | pd.Series
) -> float | np.ndarray | pd.Series:
    """Satisfaction as perceived performance over expectation, ``C = b / a``.

    Parameters
    ----------
    perceived : float, array-like or Series
        Perceived performance ``b`` (any positive scale, e.g. 1-10).
    expected : float, array-like or Series
        Expected performance ``a`` on the same scale; must be > 0.

    Returns
    -------
    float, ndarray or Series
        ``C``; a Series keeps the index of ``perceived`` when it is one.

    Raises
    ------
    DataError
        When a value is missing or negative, or an expectation is not > 0.

    Notes
    -----
    ``C = b / a``: ``C < 1`` performance fell short of expectation, ``C = 1``
    it met it, ``C > 1`` it exceeded it (Oliver 1980, expectancy
    disconfirmation, written as a ratio).

    References
    ----------
    Oliver, R. L. (1980). A cognitive model of the antecedents and consequences
    of satisfaction decisions. Journal of Marketing Research, 17(4), 460-469.

    Examples
    --------
    >>> satisfaction_ratio(9, 7.5)
    1.2
    >>> satisfaction_ratio([6, 8], [8, 8]).tolist()
    [0.75, 1.0]
    """
    where = "satisfaction_ratio"
    b = _as_float_array(perceived, name="perceived", where=where)
    a = _as_float_array(expected, name="expected", where=where)
    if (np.atleast_1d(b) < 0).any():
        bad = np.atleast_1d(b) < 0
        raise DataError(f"{where}: perceived should be >= 0 but is negative in {first_rows(bad, np.arange(bad.size))}")
    if (np.atleast_1d(a) <= 0).any():
        bad = np.broadcast_to(np.atleast_1d(a) <= 0, np.atleast_1d(a).shape)
        raise DataError(
            f"{where}: expected should be > 0 (it divides) but is <= 0 in {first_rows(bad, np.arange(bad.size))}"
        )
    c = b / a
    if isinstance(perceived, pd.Series):
        return pd.Series(c, index=perceived.index, name="satisfaction_ratio")
    if c.ndim == 0:
        return float(c)
    return c


def _check_thresholds(thresholds: Sequence[float], *, where: str) -> tuple[float, float]:
    if len(thresholds) != 2:
        raise DataError(f"{where}: thresholds should be two numbers (low, high), got {tuple(thresholds)!r}")
    low, high = (float(t) for t in thresholds)
    if not (0 < low < high):
        raise DataError(
            f"{where}: thresholds should satisfy 0 < low < high, got low={low}, high={high}; "
            "pass them in increasing order, e.g. thresholds=(1.0, 1.2)"
        )
    return low, high


def satisfaction_level(
    ratio: float | Sequence[float] | pd.Series, *, thresholds: Sequence[float] = (1.0, 1.2)
) -> str | np.ndarray | pd.Series:
    """Map the satisfaction ratio ``C`` to the course's three levels.

    Parameters
    ----------
    ratio : float, array-like or Series
        ``C = b / a`` from :func:`satisfaction_ratio`.
    thresholds : (float, float), default (1.0, 1.2)
        ``(low, high)``: ``C < low`` is 不满意 (dissatisfied),
        ``low <= C < high`` 一般满意 (satisfied), ``C >= high`` 高度满意
        (highly satisfied).  The defaults read "meets expectation" as the
        start of satisfaction and "exceeds it by 20 %" as delight; the
        course gives the three levels but no numbers, so change them if your
        textbook does.

    Returns
    -------
    str, ndarray of str or Series
        One of :data:`SATISFACTION_LEVELS` per value.

    Raises
    ------
    DataError
        When thresholds are not two increasing positive numbers, or a ratio is
        missing or negative.

    Notes
    -----
    Piecewise rule: ``level = 0 if C < low; 1 if low <= C < high; 2 otherwise``.

    References
    ----------
    Kotler, P., & Keller, K. L. (2016). Marketing Management (15th ed.),
    ch. 5: satisfaction as performance relative to expectations.

    Examples
    --------
    >>> satisfaction_level(0.99), satisfaction_level(1.0), satisfaction_level(1.2)
    ('不满意', '一般满意', '高度满意')
    >>> satisfaction_level([0.5, 1.1], thresholds=(0.9, 1.05)).tolist()
    ['不满意', '高度满意']
    """
    where = "satisfaction_level"
    low, high = _check_thresholds(thresholds, where=where)
    c = _as_float_array(ratio, name="ratio", where=where)
    if (np.atleast_1d(c) < 0).any():
        bad = np.atleast_1d(c) < 0
        raise DataError(f"{where}: ratio should be >= 0 but is negative in {first_rows(bad, np.arange(bad.size))}")
    codes = (c >= low).astype(int) + (c >= high).astype(int)
    labels = np.asarray(SATISFACTION_LEVELS, dtype=object)[codes]
    if isinstance(ratio, pd.Series):
        return pd.Series(labels, index=ratio.index, name="satisfaction_level")
    if np.ndim(labels) == 0:
        return str(labels)
    return labels
