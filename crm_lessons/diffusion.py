"""Diffusion of a new product by word of mouth: the Bass model (Bass 1969).

* :func:`bass_cumulative`: share of the market that has adopted by time ``t``;
* :func:`bass_adoptions`: adopters per period;
* :func:`simulate_bass`: a noisy adoption series whose parameters are known;
* :func:`fit_bass`: innovation ``p``, imitation ``q`` and market size ``m`` from an adoption series.

Chapter 8 uses it for word of mouth; the functions are also importable from
:mod:`crm_lessons.service`, where the chapter calls them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_lessons._validation import DataError, check_scalar

__all__ = ["bass_adoptions", "bass_cumulative", "fit_bass", "simulate_bass"]

# -- word of mouth: the Bass diffusion model ----------------------------------------------


def bass_cumulative(t: float | Sequence[float] | np.ndarray, *, p: float, q: float) -> np.ndarray:
    """Bass model: share of the market potential that has adopted by time ``t``.

    Parameters
    ----------
    t : float or array
        Time since launch (``>= 0``).
    p : float
        Coefficient of innovation (external influence: advertising, media), > 0.
    q : float
        Coefficient of imitation (internal influence: word of mouth), >= 0.

    Returns
    -------
    ndarray
        ``F(t) = (1 - exp(-(p+q) t)) / (1 + (q/p) exp(-(p+q) t))``.

    Raises
    ------
    DataError
        For invalid parameters or negative times.

    Notes
    -----
    Solution of ``f(t) / (1 - F(t)) = p + q F(t)``: the chance of adopting now,
    for those who have not yet, rises with the share who already have.

    References
    ----------
    Bass, F. M. (1969). A new product growth for model consumer durables.
    *Management Science*, 15(5), 215-227, equations (3)-(8).

    Examples
    --------
    >>> float(bass_cumulative(0.0, p=0.03, q=0.38))
    0.0
    >>> bool(abs(bass_cumulative(5.0, p=0.03, q=0.0) - (1 - np.exp(-0.15))) < 1e-12)  # no imitation
    True
    """
    where = "bass_cumulative"
    pp = check_scalar(p, "p", where=where, low=0, low_open=True)
    qq = check_scalar(q, "q", where=where, low=0)
    tt = np.asarray(t, dtype=float)
    if np.isnan(tt).any() or (tt < 0).any():
        raise DataError(f"{where}: times should be >= 0")
    e = np.exp(-(pp + qq) * tt)
    return (1 - e) / (1 + (qq / pp) * e)


def bass_adoptions(n_periods: int, *, p: float, q: float, m: float) -> np.ndarray:
    """Expected new adopters in periods 1..n_periods: ``m (F(t) - F(t-1))``.

    Parameters
    ----------
    n_periods : int
    p, q : float
        Bass coefficients, see :func:`bass_cumulative`.
    m : float
        Market potential (everyone who will ever adopt).

    Returns
    -------
    ndarray of length ``n_periods``

    Raises
    ------
    DataError
        For invalid inputs.

    Examples
    --------
    >>> a = bass_adoptions(200, p=0.03, q=0.38, m=1000)
    >>> round(float(a.sum()), 3)
    1000.0
    """
    where = "bass_adoptions"
    n = check_scalar(n_periods, "n_periods", where=where, integer=True, low=1)
    mm = check_scalar(m, "m", where=where, low=0, low_open=True)
    return mm * np.diff(bass_cumulative(np.arange(n + 1), p=p, q=q))


def simulate_bass(
    m: int, *, p: float, q: float, n_periods: int, random_state: int | np.random.Generator | None = None
) -> pd.Series:
    """Adopters per period when each of ``m`` potential adopters follows the Bass model.

    Parameters
    ----------
    m : int
        Market potential (number of people who will eventually adopt).
    p, q : float
        Bass coefficients, see :func:`bass_cumulative`.
    n_periods : int
        Periods observed.
    random_state : int or Generator, optional

    Returns
    -------
    Series
        Indexed by ``period`` (1..n_periods): new adopters in the period
        (people adopting later are not observed).

    Raises
    ------
    DataError
        For invalid inputs.

    Notes
    -----
    Each person's adoption time is drawn by inverting ``F``:
    ``t = -ln((1 - u) / (1 + (q/p) u)) / (p + q)`` for ``u ~ U(0, 1)``.

    Examples
    --------
    >>> s = simulate_bass(10000, p=0.03, q=0.38, n_periods=15, random_state=0)
    >>> int(s.idxmax()) in range(5, 9)
    True
    """
    where = "simulate_bass"
    mm = check_scalar(m, "m", where=where, integer=True, low=1)
    n = check_scalar(n_periods, "n_periods", where=where, integer=True, low=1)
    pp = check_scalar(p, "p", where=where, low=0, low_open=True)
    qq = check_scalar(q, "q", where=where, low=0)
    rng = np.random.default_rng(random_state)
    u = rng.random(mm)
    t = -np.log((1 - u) / (1 + (qq / pp) * u)) / (pp + qq)
    counts = np.bincount(np.ceil(t[t <= n]).astype(int).clip(1), minlength=n + 1)[1 : n + 1]
    return pd.Series(counts, index=pd.RangeIndex(1, n + 1, name="period"), name="adopters")


def fit_bass(adoptions: Sequence[float] | pd.Series) -> pd.Series:
    """Fit the Bass model to adopters per period by nonlinear least squares.

    Parameters
    ----------
    adoptions : sequence of float
        New adopters (or first-purchase sales) in periods 1, 2, ..., T since launch.

    Returns
    -------
    Series
        ``p``, ``q``, ``m`` and their standard errors ``se_p``, ``se_q``,
        ``se_m``; ``peak_time`` (``ln(q/p) / (p+q)``, periods since launch),
        ``rmse`` and ``n_periods``.

    Raises
    ------
    DataError
        With fewer than 4 periods, negative values or no adoption at all.

    Notes
    -----
    Minimises ``sum_t (x_t - m (F(t) - F(t-1)))^2`` over ``log p``, ``log q``,
    ``log m`` (so all stay positive) with :func:`scipy.optimize.least_squares`,
    starting from Bass's (1969) regression
    ``x_t = a + b X_{t-1} + c X_{t-1}^2`` when it gives valid values.
    Standard errors come from the Jacobian (delta method).  Before the peak
    ``m`` is poorly determined: look at ``se_m``.

    References
    ----------
    Srinivasan, V., & Mason, C. H. (1986). Nonlinear least squares estimation
    of new product diffusion models. *Marketing Science*, 5(2), 169-178.

    Examples
    --------
    >>> fit = fit_bass(bass_adoptions(15, p=0.03, q=0.38, m=1000))
    >>> round(float(fit["p"]), 4), round(float(fit["q"]), 4), round(float(fit["m"]))
    (0.03, 0.38, 1000)
    """
    where = "fit_bass"
    x = np.asarray(adoptions, dtype=float)
    if x.ndim != 1 or len(x) < 4:
        raise DataError(f"{where}: give adopters for at least 4 periods since launch, got {x.size}")
    if not np.isfinite(x).all() or (x < 0).any():
        raise DataError(f"{where}: adoptions should be finite and >= 0")
    if x.sum() <= 0:
        raise DataError(f"{where}: no adoption in any period; nothing to fit")
    from scipy.optimize import least_squares

    n = len(x)
    t = np.arange(n + 1)

    def resid(theta: np.ndarray) -> np.ndarray:
        p, q, m = np.exp(theta)
        e = np.exp(-(p + q) * t)
        return m * np.diff((1 - e) / (1 + (q / p) * e)) - x

    cum = np.concatenate([[0.0], np.cumsum(x)[:-1]])
    start = np.log([0.01, 0.3, 1.5 * x.sum()])
    c, b, a = np.polyfit(cum, x, 2)
    disc = b * b - 4 * a * c
    if c < 0 and a > 0 and disc > 0:
        m0 = (-b - math.sqrt(disc)) / (2 * c)
        if m0 > x.sum():
            p0, q0 = a / m0, -c * m0
            if p0 > 0 and q0 > 0:
                start = np.log([p0, q0, m0])
    fit = least_squares(resid, start, method="lm", xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=5000)
    p, q, m = np.exp(fit.x)
    dof = max(n - 3, 1)
    s2 = float(fit.fun @ fit.fun) / dof
    try:
        cov_log = s2 * np.linalg.inv(fit.jac.T @ fit.jac)
        se = np.sqrt(np.clip(np.diag(cov_log), 0, None)) * np.array([p, q, m])
    except np.linalg.LinAlgError:
        se = np.full(3, np.nan)
    return pd.Series(
        {
            "p": float(p),
            "q": float(q),
            "m": float(m),
            "se_p": float(se[0]),
            "se_q": float(se[1]),
            "se_m": float(se[2]),
            "peak_time": float(math.log(q / p) / (p + q)) if q > p else 0.0,
            "rmse": float(math.sqrt(fit.fun @ fit.fun / n)),
            "n_periods": float(n),
        }
    )
