"""The shifted-beta-geometric model of contractual retention (Fader & Hardie 2007) and its fitter."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from crm_lessons._validation import (
    DataError,
)
from crm_lessons.clv._fitting import _Fitter, _maximise, _positive_params

# ---------------------------------------------------------------------------
# shifted-beta-geometric (contractual)
# ---------------------------------------------------------------------------

_SBG_NAMES = ("alpha", "beta")


def _survivors_array(survivors: Any, where: str) -> np.ndarray:
    n = np.asarray(survivors, dtype=np.float64).ravel()
    if n.size < 2:
        raise DataError(f"{where}: survivors should hold at least 2 counts (period 0 and 1), got {n.size}")
    if not np.all(np.isfinite(n)) or (n < 0).any():
        raise DataError(f"{where}: survivors should be non-negative counts, got {n.tolist()[:10]}")
    if (np.diff(n) > 0).any():
        i = int(np.flatnonzero(np.diff(n) > 0)[0]) + 1
        raise DataError(
            f"{where}: survivors should not increase, but period {i} has {n[i]:g} > {n[i - 1]:g}; "
            "pass the number of the original cohort still active at the start of each period"
        )
    if n[0] <= 0:
        raise DataError(f"{where}: the initial cohort survivors[0] should be > 0")
    return n


def sbg_survival(params: Any, t: Any) -> np.ndarray:
    """Survivor function S(t) of the shifted-beta-geometric model.

    Parameters
    ----------
    params : mapping or sequence
        ``alpha``, ``beta`` of the beta distribution of churn probabilities.
    t : int or array-like
        Period(s), 0, 1, 2, ...

    Returns
    -------
    ndarray
        Share of the original cohort still active after t periods.

    Notes
    -----
    .. math:: S(t) = \\frac{B(\\alpha, \\beta + t)}{B(\\alpha, \\beta)}

    References
    ----------
    Fader & Hardie (2007), How to project customer retention, J. Interactive
    Marketing 21(1), 76-90, equation (5).

    Examples
    --------
    >>> sbg_survival({"alpha": 0.704, "beta": 1.182}, [0, 1, 2]).round(3)
    array([1.   , 0.627, 0.474])
    """
    alpha, beta = _positive_params(params, _SBG_NAMES, "sbg_survival")
    t = np.asarray(t, dtype=np.float64)
    return np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))


def sbg_retention(params: Any, t: Any) -> np.ndarray:
    """Retention rate r(t) = S(t) / S(t-1) of the shifted-beta-geometric model.

    Parameters
    ----------
    params : mapping or sequence
        ``alpha``, ``beta``.
    t : int or array-like
        Period(s), 1, 2, ...

    Returns
    -------
    ndarray
        Probability that a customer active in period t-1 renews in period t.

    Notes
    -----
    .. math:: r(t) = \\frac{\\beta + t - 1}{\\alpha + \\beta + t - 1}

    It rises with t: the heterogeneous cohort is sorted by churn.

    References
    ----------
    Fader & Hardie (2007), J. Interactive Marketing 21(1), equation (6).

    Examples
    --------
    >>> sbg_retention({"alpha": 0.704, "beta": 1.182}, [1, 2, 10]).round(3)
    array([0.627, 0.756, 0.935])
    """
    alpha, beta = _positive_params(params, _SBG_NAMES, "sbg_retention")
    t = np.asarray(t, dtype=np.float64)
    return (beta + t - 1) / (alpha + beta + t - 1)


def sbg_log_likelihood(params: Any, survivors: Any) -> float:
    """Log-likelihood of a cohort's survivor counts under the sBG model.

    Parameters
    ----------
    params : mapping or sequence
        ``alpha``, ``beta``.
    survivors : array-like
        Customers of the original cohort still active at the start of periods
        0, 1, ..., n (``survivors[0]`` is the cohort size).

    Returns
    -------
    float
        :math:`\\sum_{t=1}^{n} (n_{t-1} - n_t) \\ln P(T=t) + n_n \\ln S(n)`.

    Notes
    -----
    :math:`P(T=t) = B(\\alpha+1, \\beta+t-1)/B(\\alpha, \\beta)`.

    References
    ----------
    Fader & Hardie (2007), J. Interactive Marketing 21(1), equations (3)-(5), (7).

    Examples
    --------
    >>> round(sbg_log_likelihood({"alpha": 1.0, "beta": 1.0}, [100, 50, 30]), 3)
    -103.451
    """
    alpha, beta = _positive_params(params, _SBG_NAMES, "sbg_log_likelihood")
    n = _survivors_array(survivors, "sbg_log_likelihood")
    return _sbg_ll(alpha, beta, n)


def _sbg_ll(alpha: float, beta: float, n: np.ndarray) -> float:
    t = np.arange(1, len(n), dtype=np.float64)
    lb = special.betaln(alpha, beta)
    log_pt = special.betaln(alpha + 1, beta + t - 1) - lb
    churned = n[:-1] - n[1:]
    log_s = special.betaln(alpha, beta + t[-1]) - lb
    return float(np.sum(churned * log_pt) + n[-1] * log_s)


def sbg_derl(params: Any, discount_rate: float, *, renewals: Any = 0) -> np.ndarray:
    """Discounted expected residual lifetime (DERL) of a customer under the sBG model.

    Multiply by the margin per period to get the residual value of a
    customer who has just made ``renewals`` renewals and is about to decide
    on the next one (the first payment of the future stream is received at
    the end of the coming period, so it is not discounted).

    Parameters
    ----------
    params : mapping or sequence
        ``alpha``, ``beta``.
    discount_rate : float
        Discount rate per period, >= 0 (e.g. 0.1).
    renewals : int or array-like, default 0
        Renewals already made, n - 1 (0 for a newly acquired customer).

    Returns
    -------
    ndarray
        DERL in periods.

    Notes
    -----
    .. math::

        DERL(d\\mid\\alpha,\\beta,n-1) = \\frac{\\beta+n-1}{\\alpha+\\beta+n-1}
        {}_2F_1\\left(1, \\beta+n; \\alpha+\\beta+n; \\frac{1}{1+d}\\right)

    which equals :math:`\\sum_{t\\ge n} S(t)/S(n-1)/(1+d)^{t-n}`.

    References
    ----------
    Fader, P. S., & Hardie, B. G. S. (2010). Customer-base valuation in a
    contractual setting: The perils of ignoring heterogeneity. Marketing
    Science, 29(1), 85-93, equation (6).

    Examples
    --------
    >>> sbg_derl({"alpha": 0.704, "beta": 1.182}, 0.1, renewals=[0, 4]).round(2)
    array([2.96, 5.89])
    """
    alpha, beta = _positive_params(params, _SBG_NAMES, "sbg_derl")
    if not (np.isfinite(discount_rate) and discount_rate > 0):
        raise DataError(f"sbg_derl: discount_rate={discount_rate} should be > 0")
    n = np.asarray(renewals, dtype=np.float64) + 1
    return (
        (beta + n - 1)
        / (alpha + beta + n - 1)
        * special.hyp2f1(1.0, beta + n, alpha + beta + n, 1 / (1 + discount_rate))
    )


class ShiftedBetaGeometricFitter(_Fitter):
    """Shifted-beta-geometric (sBG) model of contract renewals.

    Parameters
    ----------
    initial_params : mapping, optional
        Starting values ``alpha``, ``beta`` (default 1, 1).

    Attributes
    ----------
    params_, standard_errors_, log_likelihood_, convergence_
        As in :class:`BetaGeoFitter`; parameters ``alpha``, ``beta``.

    References
    ----------
    Fader & Hardie (2007), How to project customer retention, J. Interactive
    Marketing 21(1), 76-90.

    Examples
    --------
    >>> sbg = ShiftedBetaGeometricFitter().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> sbg.params_.round(3).to_dict()
    {'alpha': 0.704, 'beta': 1.182}
    >>> sbg.survival([8, 12]).round(3)
    array([0.22, 0.17])
    """

    _names = _SBG_NAMES

    def fit(self, survivors: Any) -> ShiftedBetaGeometricFitter:
        """Estimate alpha, beta from the survivor counts of one cohort.

        Parameters
        ----------
        survivors : array-like
            Active customers at the start of periods 0, 1, ..., n
            (``survivors[0]`` is the cohort size).

        Returns
        -------
        ShiftedBetaGeometricFitter
            ``self``, fitted.

        Raises
        ------
        DataError
            Fewer than 2 counts, negative or increasing counts.
        ConvergenceError
            When the likelihood cannot be maximised.
        """
        where = "ShiftedBetaGeometricFitter.fit"
        n = _survivors_array(survivors, where)
        start = self._start((1.0, 1.0))

        def negll(z: np.ndarray) -> float:
            alpha, beta = np.exp(z)
            v = -_sbg_ll(alpha, beta, n)
            return v if np.isfinite(v) else 1e300

        self._store(
            _maximise(
                negll,
                start,
                self._names,
                where,
                scale=float(n[0]),
                hint="e.g. (almost) nobody churned in the periods observed",
            ),
            len(n),
        )
        return self

    def survival(self, t: Any) -> np.ndarray:
        """S(t); see :func:`sbg_survival`."""
        self._check_fitted()
        return sbg_survival(self.params_, t)

    def retention(self, t: Any) -> np.ndarray:
        """r(t); see :func:`sbg_retention`."""
        self._check_fitted()
        return sbg_retention(self.params_, t)

    def derl(self, discount_rate: float, *, renewals: Any = 0) -> np.ndarray:
        """DERL; see :func:`sbg_derl`."""
        self._check_fitted()
        return sbg_derl(self.params_, discount_rate, renewals=renewals)
