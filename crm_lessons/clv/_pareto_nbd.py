"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): its mathematics and :class:`ParetoNBDFitter`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from crm_lessons.clv._fitting import (
    _CountFitter,
    _positive_params,
)

# ---------------------------------------------------------------------------
# Pareto/NBD
# ---------------------------------------------------------------------------

_PNBD_NAMES = ("r", "alpha", "s", "beta")


def _log1mexp(v: np.ndarray) -> np.ndarray:
    """log(1 - exp(v)) for v <= 0, accurate near 0 and for large negative v."""
    v = np.asarray(v, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(v > -0.6931471805599453, np.log(-np.expm1(v)), np.log1p(-np.exp(v)))


def _pnbd_log_a0(
    r: float, alpha: float, s: float, beta: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """log A_0 of Fader & Hardie (2005) note, equations (19)-(20)."""
    rsx = r + s + x
    b_par: float | np.ndarray
    if alpha >= beta:
        b_par, big = s + 1.0, alpha
    else:
        b_par, big = r + x, beta
    diff = abs(alpha - beta)

    def log_term(t: np.ndarray) -> np.ndarray:
        return np.log(special.hyp2f1(rsx, b_par, rsx + 1, diff / (big + t))) - rsx * np.log(big + t)

    l_tx = log_term(tx)
    l_T = log_term(T)
    with np.errstate(invalid="ignore"):
        return l_tx + _log1mexp(np.minimum(l_T - l_tx, 0.0))


def pareto_nbd_log_likelihood(params: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """Log-likelihood of each customer's (x, t_x, T) under the Pareto/NBD model.

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha`` (gamma heterogeneity of the purchase rate) and
        ``s``, ``beta`` (gamma heterogeneity of the drop-out rate).
    frequency, recency, T : array-like
        Customer history.

    Returns
    -------
    ndarray
        One log-likelihood per customer.

    Notes
    -----
    .. math::

        L = \\frac{\\Gamma(r+x)\\alpha^r\\beta^s}{\\Gamma(r)}
        \\left\\{\\frac{1}{(\\alpha+T)^{r+x}(\\beta+T)^s} + \\frac{s}{r+s+x} A_0\\right\\}

    with, for :math:`\\alpha \\ge \\beta`,

    .. math::

        A_0 = \\frac{{}_2F_1(r+s+x, s+1; r+s+x+1; \\frac{\\alpha-\\beta}{\\alpha+t_x})}{(\\alpha+t_x)^{r+s+x}}
            - \\frac{{}_2F_1(r+s+x, s+1; r+s+x+1; \\frac{\\alpha-\\beta}{\\alpha+T})}{(\\alpha+T)^{r+s+x}}

    and, for :math:`\\alpha < \\beta`, the same with :math:`\\alpha \\leftrightarrow \\beta`
    in the denominators and second argument :math:`r+x`.  Both terms and the
    difference are computed in the log domain.

    References
    ----------
    Fader, P. S., & Hardie, B. G. S. (2005). A note on deriving the
    Pareto/NBD model and related expressions, equations (19)-(20).
    Schmittlein, Morrison & Colombo (1987), Management Science 33(1).

    Examples
    --------
    >>> p = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    >>> pareto_nbd_log_likelihood(p, [0, 2], [0.0, 30.43], [38.86, 38.86]).round(4)
    array([-0.521 , -9.5543])
    """
    r, alpha, s, beta = _positive_params(params, _PNBD_NAMES, "pareto_nbd_log_likelihood")
    x, tx, T = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    return _pnbd_ll(r, alpha, s, beta, x, tx, T)


def _pnbd_ll(r: float, alpha: float, s: float, beta: float, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    dead = np.log(s) - np.log(r + s + x) + _pnbd_log_a0(r, alpha, s, beta, x, tx, T)
    return head + np.logaddexp(alive, dead)


def pareto_nbd_p_alive(params: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """Probability that a customer with history (x, t_x, T) is alive at T (Pareto/NBD).

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha``, ``s``, ``beta``.
    frequency, recency, T : array-like
        Customer history.

    Returns
    -------
    ndarray
        P(alive) per customer.

    Notes
    -----
    .. math::

        P(\\text{alive}) = \\left[1 + \\frac{s}{r+s+x}(\\alpha+T)^{r+x}(\\beta+T)^s A_0\\right]^{-1}

    References
    ----------
    Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and
    related expressions", equation (21).

    Examples
    --------
    >>> p = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    >>> pareto_nbd_p_alive(p, [0, 2], [0.0, 5.0], [38.0, 38.0]).round(3)
    array([0.3  , 0.137])
    """
    r, alpha, s, beta = _positive_params(params, _PNBD_NAMES, "pareto_nbd_p_alive")
    x, tx, T = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    log_ratio = (
        np.log(s)
        - np.log(r + s + x)
        + (r + x) * np.log(alpha + T)
        + s * np.log(beta + T)
        + _pnbd_log_a0(r, alpha, s, beta, x, tx, T)
    )
    return special.expit(-log_ratio)


def pareto_nbd_expected_transactions(params: Any, t: Any) -> np.ndarray:
    """Expected number of repeat transactions E[X(t)] of a new customer (Pareto/NBD).

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha``, ``s``, ``beta``.
    t : float or array-like
        Length of the period.

    Returns
    -------
    ndarray
        E[X(t)].

    Notes
    -----
    .. math::

        E[X(t)] = \\frac{r\\beta}{\\alpha(s-1)}\\left[1 - \\left(\\frac{\\beta}{\\beta+t}\\right)^{s-1}\\right]

    (for :math:`s = 1` the limit :math:`\\frac{r\\beta}{\\alpha}\\ln\\frac{\\beta+t}{\\beta}`).

    References
    ----------
    Schmittlein, Morrison & Colombo (1987), equation (17);
    Fader & Hardie (2005) note, equation (22).

    Examples
    --------
    >>> p = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    >>> pareto_nbd_expected_transactions(p, [39.0, 78.0]).round(3)
    array([1.213, 1.909])
    """
    r, alpha, s, beta = _positive_params(params, _PNBD_NAMES, "pareto_nbd_expected_transactions")
    t = np.asarray(t, dtype=np.float64)
    return r * beta / alpha * _log_growth(s - 1.0, beta, t)


def _log_growth(k: float, beta: Any, t: Any) -> np.ndarray:
    """[1 - (beta/(beta+t))^k] / k, with its limit ln((beta+t)/beta) at k = 0."""
    beta = np.asarray(beta, dtype=np.float64)
    lr = np.log1p(t / beta)
    if abs(k) < 1e-10:
        return lr
    return -np.expm1(-k * lr) / k


def pareto_nbd_conditional_expected_transactions(
    params: Any, t: Any, frequency: Any, recency: Any, T: Any
) -> np.ndarray:
    """Expected repeat transactions in (T, T + t] given the history (Pareto/NBD).

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha``, ``s``, ``beta``.
    t : float or array-like
        Length of the future window.
    frequency, recency, T : array-like
        Customer history.

    Returns
    -------
    ndarray
        E[Y(t) | x, t_x, T] per customer.

    Notes
    -----
    .. math::

        E[Y(t)\\mid x, t_x, T] = \\frac{(r+x)(\\beta+T)}{(\\alpha+T)(s-1)}
        \\left[1 - \\left(\\frac{\\beta+T}{\\beta+T+t}\\right)^{s-1}\\right] P(\\text{alive})

    References
    ----------
    Schmittlein, Morrison & Colombo (1987), equation (22);
    Fader & Hardie (2005) note, equation (23).

    Examples
    --------
    >>> p = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    >>> pareto_nbd_conditional_expected_transactions(p, 39, [2], [30.43], [38.86]).round(3)
    array([1.455])
    """
    r, alpha, s, beta = _positive_params(params, _PNBD_NAMES, "pareto_nbd_conditional_expected_transactions")
    x, tx, T = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    t = np.asarray(t, dtype=np.float64)
    growth = (beta + T) * _log_growth(s - 1.0, beta + T, t)
    return (r + x) / (alpha + T) * growth * pareto_nbd_p_alive((r, alpha, s, beta), x, tx, T)


class ParetoNBDFitter(_CountFitter):
    """Pareto/NBD model fitted by maximum likelihood.

    Parameters
    ----------
    initial_params : mapping, optional
        Starting values ``r``, ``alpha``, ``s``, ``beta``.

    Attributes
    ----------
    params_, standard_errors_, log_likelihood_, convergence_
        As in :class:`BetaGeoFitter`; parameters ``r``, ``alpha``, ``s``, ``beta``.

    Notes
    -----
    The likelihood uses the Gaussian hypergeometric form with the
    :math:`\\alpha \\ge \\beta` / :math:`\\alpha < \\beta` branches, in the log
    domain (:func:`pareto_nbd_log_likelihood`); the gradient is numerical.

    References
    ----------
    Schmittlein, Morrison & Colombo (1987), Management Science 33(1), 1-24;
    Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and
    related expressions".

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"frequency": [0, 1, 3, 0, 2, 5], "recency": [0, 4.0, 20.0, 0, 9.0, 30.0],
    ...                         "T": [30.0, 31.0, 32.0, 20.0, 25.0, 33.0]})
    >>> ParetoNBDFitter().fit(summary).convergence_["success"]
    True
    """

    _names = _PNBD_NAMES
    _expected = staticmethod(pareto_nbd_expected_transactions)
    _conditional = staticmethod(pareto_nbd_conditional_expected_transactions)
    _alive = staticmethod(pareto_nbd_p_alive)

    def _default_start(self, mean_rate: float, T: np.ndarray) -> tuple[float, ...]:
        return (1.0, 1.0 / mean_rate, 1.0, float(np.mean(T)) or 1.0)

    def _objective(
        self, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray
    ) -> tuple[Callable[[np.ndarray], float], None]:
        def negll(z: np.ndarray) -> float:
            r, al, s, be = np.exp(z)
            v = -float(np.sum(w * _pnbd_ll(r, al, s, be, x, tx, T)))
            return v if np.isfinite(v) else 1e300

        return negll, None

    def fit(self, data: pd.DataFrame) -> ParetoNBDFitter:
        """Estimate the parameters from a customer summary (``frequency``, ``recency``, ``T``).

        Returns
        -------
        ParetoNBDFitter
            ``self``, fitted.

        Raises
        ------
        DataError
            Invalid summary (see :meth:`BetaGeoFitter.fit`).
        ConvergenceError
            When the likelihood cannot be maximised.
        """
        self._fit(data)
        return self
