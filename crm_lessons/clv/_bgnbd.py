"""The BG/NBD model (Fader, Hardie & Lee 2005a): its mathematics and :class:`BetaGeoFitter`."""

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
# BG/NBD
# ---------------------------------------------------------------------------

_BG_NAMES = ("r", "alpha", "a", "b")


def _bgnbd_ll_grad(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    with_grad: bool,
    x_groups: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-customer log-likelihood and, optionally, its gradient (4 x n).

    ``x_groups = (unique x, inverse)`` lets the special functions of x be
    evaluated once per distinct frequency instead of once per customer.
    """
    ux, inv = x_groups if x_groups is not None else (x, None)

    def per_x(values: np.ndarray) -> np.ndarray:
        return values if inv is None else values[inv]

    pos = x > 0
    uxm1 = np.where(ux > 0, ux - 1, 0.0)
    lb = special.betaln(a, b)
    A = per_x(special.gammaln(r + ux) - special.gammaln(r)) + r * np.log(alpha)
    log_aT = np.log(alpha + T)
    log_atx = np.log(alpha + tx)
    t1 = per_x(special.betaln(a, b + ux) - lb) - (r + x) * log_aT
    t2 = np.where(pos, per_x(special.betaln(a + 1, b + uxm1) - lb) - (r + x) * log_atx, -np.inf)
    lse = np.logaddexp(t1, t2)
    ll = A + lse
    if not with_grad:
        return ll, None
    w1 = np.exp(t1 - lse)
    w2 = 1.0 - w1
    dg = special.digamma
    d_r = per_x(dg(r + ux)) - dg(r) + np.log(alpha) - w1 * log_aT - w2 * log_atx
    d_alpha = r / alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + tx))
    psi_ab = dg(a + b)
    psi_abx = per_x(dg(a + b + ux))
    d_a = psi_ab - psi_abx + w2 * (dg(a + 1) - dg(a))
    common_b = psi_ab - psi_abx - dg(b)
    d_b = common_b + w1 * per_x(dg(b + ux)) + w2 * per_x(dg(b + uxm1))
    return ll, np.vstack([d_r, d_alpha, d_a, d_b])


def bgnbd_log_likelihood(params: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """Log-likelihood of each customer's (x, t_x, T) under the BG/NBD model.

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha`` (gamma heterogeneity of the purchase rate) and
        ``a``, ``b`` (beta heterogeneity of the drop-out probability).
    frequency, recency, T : array-like
        Repeat transactions x, recency t_x and age T, as returned by
        :func:`customer_summary`.

    Returns
    -------
    ndarray
        One log-likelihood per customer; their sum is the model's LL.

    Notes
    -----
    .. math::

        L = \\frac{B(a, b+x)}{B(a, b)} \\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)(\\alpha+T)^{r+x}}
          + \\delta_{x>0} \\frac{B(a+1, b+x-1)}{B(a, b)}
            \\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)(\\alpha+t_x)^{r+x}}

    evaluated in the log domain with ``gammaln``, ``betaln`` and ``logaddexp``.

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), equation (6).

    Examples
    --------
    >>> ll = bgnbd_log_likelihood({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    ...                           [0, 2], [0.0, 30.43], [38.86, 38.86])
    >>> ll.round(4)
    array([-0.5547, -9.4586])
    """
    r, alpha, a, b = _positive_params(params, _BG_NAMES, "bgnbd_log_likelihood")
    x, tx, T = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    return _bgnbd_ll_grad(r, alpha, a, b, x, tx, T, with_grad=False)[0]


def bgnbd_expected_transactions(params: Any, t: Any) -> np.ndarray:
    """Expected number of repeat transactions E[X(t)] of a new customer in (0, t].

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha``, ``a``, ``b``.
    t : float or array-like
        Length of the period, in the model's time unit.

    Returns
    -------
    ndarray
        E[X(t)] for each ``t``.

    Notes
    -----
    .. math::

        E[X(t)] = \\frac{a+b-1}{a-1}\\left[1 - \\left(\\frac{\\alpha}{\\alpha+t}\\right)^r
        {}_2F_1\\left(r, b; a+b-1; \\frac{t}{\\alpha+t}\\right)\\right]

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), equation (7).

    Examples
    --------
    >>> p = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> bgnbd_expected_transactions(p, [39.0, 78.0]).round(3)
    array([1.197, 1.861])
    """
    r, alpha, a, b = _positive_params(params, _BG_NAMES, "bgnbd_expected_transactions")
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1, z))


def bgnbd_p_alive(params: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """Probability that a customer with history (x, t_x, T) is still alive at T (BG/NBD).

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha``, ``a``, ``b``.
    frequency, recency, T : array-like
        Customer history.

    Returns
    -------
    ndarray
        P(alive) per customer; 1 for customers with no repeat purchase.

    Notes
    -----
    .. math::

        P(\\text{alive}) = \\left[1 + \\delta_{x>0}\\frac{a}{b+x-1}
        \\left(\\frac{\\alpha+T}{\\alpha+t_x}\\right)^{r+x}\\right]^{-1}

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), appendix, equation (A.7)
    ("Computing P(alive) using the BG/NBD model", Fader-Hardie note 2008).

    Examples
    --------
    >>> p = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> bgnbd_p_alive(p, [0, 2, 2], [0.0, 30.0, 5.0], [38.0, 38.0, 38.0]).round(3)
    array([1.   , 0.73 , 0.129])
    """
    r, alpha, a, b = _positive_params(params, _BG_NAMES, "bgnbd_p_alive")
    x, tx, T = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    pos = x > 0
    log_odds = np.log(a) - np.log(np.where(pos, b + x - 1, 1.0)) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return np.where(pos, special.expit(-log_odds), 1.0)


def bgnbd_conditional_expected_transactions(params: Any, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """Expected repeat transactions in (T, T + t] of a customer with history (x, t_x, T) (BG/NBD).

    Parameters
    ----------
    params : mapping or sequence
        ``r``, ``alpha``, ``a``, ``b``.
    t : float or array-like
        Length of the future window (broadcast against the customers).
    frequency, recency, T : array-like
        Customer history.

    Returns
    -------
    ndarray
        E[Y(t) | x, t_x, T] per customer.

    Notes
    -----
    .. math::

        E[Y(t)\\mid x, t_x, T] = \\frac{a+b+x-1}{a-1}
        \\frac{1 - \\left(\\frac{\\alpha+T}{\\alpha+T+t}\\right)^{r+x}
        {}_2F_1\\left(r+x, b+x; a+b+x-1; \\frac{t}{\\alpha+T+t}\\right)}
        {1 + \\delta_{x>0}\\frac{a}{b+x-1}\\left(\\frac{\\alpha+T}{\\alpha+t_x}\\right)^{r+x}}

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), equation (10).

    Examples
    --------
    >>> p = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> bgnbd_conditional_expected_transactions(p, 39, [2], [30.43], [38.86]).round(3)
    array([1.226])
    """
    r, alpha, a, b = _positive_params(params, _BG_NAMES, "bgnbd_conditional_expected_transactions")
    x, tx, T = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
    t = np.asarray(t, dtype=np.float64)
    z = t / (alpha + T + t)
    num = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * num * bgnbd_p_alive((r, alpha, a, b), x, tx, T)


class BetaGeoFitter(_CountFitter):
    """BG/NBD model ("buy till you die") fitted by maximum likelihood.

    Parameters
    ----------
    initial_params : mapping, optional
        Starting values ``r``, ``alpha``, ``a``, ``b`` (default 1, mean
        inter-purchase time, 1, 1).

    Attributes
    ----------
    params_ : Series
        ``r``, ``alpha``, ``a``, ``b``.
    standard_errors_ : Series
        From the inverse numerical Hessian of the negative log-likelihood.
    log_likelihood_ : float
        Maximised log-likelihood.
    convergence_ : dict
        Optimiser report (``success``, ``message``, ``n_iterations``, ...).

    Notes
    -----
    Identical (x, t_x, T) rows are compressed into unique rows with weights;
    the optimiser (L-BFGS-B over log-parameters) uses the analytic gradient.
    See :func:`bgnbd_log_likelihood`.

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), 275-284.

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"frequency": [0, 1, 3, 0, 2, 5], "recency": [0, 4.0, 20.0, 0, 9.0, 30.0],
    ...                         "T": [30.0, 31.0, 32.0, 20.0, 25.0, 33.0]})
    >>> bg = BetaGeoFitter().fit(summary)
    >>> bg.convergence_["success"]
    True
    """

    _names = _BG_NAMES
    _expected = staticmethod(bgnbd_expected_transactions)
    _conditional = staticmethod(bgnbd_conditional_expected_transactions)
    _alive = staticmethod(bgnbd_p_alive)

    def _default_start(self, mean_rate: float, T: np.ndarray) -> tuple[float, ...]:
        return (1.0, 1.0 / mean_rate, 1.0, 1.0)

    def _objective(
        self, x: np.ndarray, tx: np.ndarray, T: np.ndarray, w: np.ndarray
    ) -> tuple[Callable[[np.ndarray], float], Callable[[np.ndarray], np.ndarray]]:
        groups = np.unique(x, return_inverse=True)
        cache: dict[str, Any] = {"z": None}

        def evaluate(z: np.ndarray) -> tuple[float, np.ndarray]:
            # L-BFGS-B asks for value and gradient at the same point: compute both once
            if cache["z"] is None or not np.array_equal(z, cache["z"]):
                p = np.exp(z)
                ll, g = _bgnbd_ll_grad(p[0], p[1], p[2], p[3], x, tx, T, True, groups)
                assert g is not None
                cache.update(z=z.copy(), value=-float(ll @ w), grad=-(g @ w) * p)
            return cache["value"], cache["grad"]

        def negll(z: np.ndarray) -> float:
            return evaluate(z)[0]

        def neg_grad(z: np.ndarray) -> np.ndarray:
            return evaluate(z)[1]

        return negll, neg_grad

    def fit(self, data: pd.DataFrame) -> BetaGeoFitter:
        """Estimate the parameters from a customer summary.

        Parameters
        ----------
        data : DataFrame
            Columns ``frequency``, ``recency``, ``T`` (see :func:`customer_summary`).

        Returns
        -------
        BetaGeoFitter
            ``self``, fitted.

        Raises
        ------
        DataError
            Missing columns, negative values, fractional frequency, recency > T,
            or frequency 0 with recency != 0.
        ConvergenceError
            When the likelihood cannot be maximised.
        """
        self._fit(data)
        return self
