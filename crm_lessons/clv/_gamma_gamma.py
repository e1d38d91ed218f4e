"""The Gamma-Gamma spend model (Fader, Hardie & Lee 2005b): its mathematics and :class:`GammaGammaFitter`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from crm_lessons._validation import (
    DataError,
    first_rows,
)
from crm_lessons.clv._fitting import _compress, _Fitter, _maximise, _positive_params, _rft_arrays

# ---------------------------------------------------------------------------
# Gamma-Gamma spend model
# ---------------------------------------------------------------------------

_GG_NAMES = ("p", "q", "gamma")


def gamma_gamma_log_likelihood(params: Any, frequency: Any, monetary_value: Any) -> np.ndarray:
    """Log-likelihood of each customer's mean spend under the Gamma-Gamma model.

    Parameters
    ----------
    params : mapping or sequence
        ``p`` (shape of spend per transaction), ``q`` and ``gamma``
        (gamma heterogeneity of the scale across customers).
    frequency : array-like
        Number of transactions x averaged over (must be > 0).
    monetary_value : array-like
        Mean spend per transaction m_x (must be > 0).

    Returns
    -------
    ndarray
        One log-likelihood per customer.

    Notes
    -----
    .. math::

        f(m_x\\mid p, q, \\gamma; x) = \\frac{\\Gamma(px+q)}{\\Gamma(px)\\Gamma(q)}
        \\frac{\\gamma^q m_x^{px-1} x^{px}}{(\\gamma + m_x x)^{px+q}}

    References
    ----------
    Fader, P. S., & Hardie, B. G. S. (2013). The Gamma-Gamma model of
    monetary value, equation (4); Fader, Hardie & Lee (2005), "RFM and CLV:
    Using iso-value curves for customer base analysis", JMR 42(4), 415-430.

    Examples
    --------
    >>> gamma_gamma_log_likelihood({"p": 6.25, "q": 3.74, "gamma": 15.44}, [1, 3], [20.0, 40.0]).round(4)
    array([-3.5942, -4.3336])
    """
    p, q, g = _positive_params(params, _GG_NAMES, "gamma_gamma_log_likelihood")
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary_value, dtype=np.float64)
    return _gg_ll(p, q, g, x, m)


def _gg_ll(p: float, q: float, g: float, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    px = p * x
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(g)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(g + m * x)
    )


def gamma_gamma_conditional_expected_spend(params: Any, frequency: Any, monetary_value: Any) -> np.ndarray:
    """Expected spend per transaction of a customer with x transactions of mean m_x.

    Parameters
    ----------
    params : mapping or sequence
        ``p``, ``q``, ``gamma`` (requires ``q > 1``).
    frequency, monetary_value : array-like
        Number of repeat transactions and their mean; customers with
        ``frequency`` 0 get the population mean :math:`p\\gamma/(q-1)`.

    Returns
    -------
    ndarray
        E[M | p, q, gamma, m_x, x] per customer.

    Notes
    -----
    .. math::

        E[M\\mid m_x, x] = \\frac{p(\\gamma + x m_x)}{px + q - 1}
        = \\frac{q-1}{px+q-1}\\frac{p\\gamma}{q-1} + \\frac{px}{px+q-1} m_x

    a weighted average of the population mean and the customer's own mean.

    References
    ----------
    Fader & Hardie (2013), The Gamma-Gamma model of monetary value, equation (5).

    Examples
    --------
    >>> gamma_gamma_conditional_expected_spend({"p": 6.25, "q": 3.74, "gamma": 15.44}, [0, 1, 10], [0.0, 60.0, 60.0]).round(2)
    array([35.22, 52.45, 58.96])
    """
    p, q, g = _positive_params(params, _GG_NAMES, "gamma_gamma_conditional_expected_spend")
    if q <= 1:
        raise DataError(f"gamma_gamma_conditional_expected_spend: q={q} should be > 1 for the mean spend to exist")
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary_value, dtype=np.float64)
    return p * (g + x * m) / (p * x + q - 1)


def _gg_arrays(data: pd.DataFrame, where: str) -> tuple[np.ndarray, np.ndarray]:
    x, m = _rft_arrays(data, where=where, columns=("frequency", "monetary_value"))
    bad = (x > 0) & (m <= 0)
    if bad.any():
        raise DataError(
            f"{where}: monetary_value should be > 0 for customers with repeat purchases but is 0 in "
            f"{first_rows(bad, data.index)}; drop zero-value transactions or these customers"
        )
    return x, m


class GammaGammaFitter(_Fitter):
    """Gamma-Gamma model of spend per transaction, fitted by maximum likelihood.

    Parameters
    ----------
    initial_params : mapping, optional
        Starting values ``p``, ``q``, ``gamma``.

    Attributes
    ----------
    params_, standard_errors_, log_likelihood_, convergence_
        As in :class:`BetaGeoFitter`; parameters ``p``, ``q``, ``gamma``.

    Notes
    -----
    Only customers with ``frequency > 0`` enter the fit; the model assumes
    spend is independent of the transaction process (check the correlation
    of ``frequency`` and ``monetary_value``). See :func:`gamma_gamma_log_likelihood`.

    References
    ----------
    Fader & Hardie (2013), The Gamma-Gamma model of monetary value;
    Fader, Hardie & Lee (2005), JMR 42(4), 415-430.

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"frequency": [1, 2, 3, 1, 4, 2, 0],
    ...                         "monetary_value": [20.0, 35.0, 28.0, 15.0, 40.0, 22.0, 0.0]})
    >>> GammaGammaFitter().fit(summary).convergence_["success"]
    True
    """

    _names = _GG_NAMES

    def fit(self, data: pd.DataFrame) -> GammaGammaFitter:
        """Estimate p, q, gamma from ``frequency`` and ``monetary_value``.

        Returns
        -------
        GammaGammaFitter
            ``self``, fitted.

        Raises
        ------
        DataError
            Missing columns, negative or fractional values, zero spend with
            repeat purchases, or fewer than 3 customers with repeat purchases.
        ConvergenceError
            When the likelihood cannot be maximised.
        """
        where = "GammaGammaFitter.fit"
        x, m = _gg_arrays(data, where)
        keep = x > 0
        if keep.sum() < 3:
            raise DataError(f"{where}: need at least 3 customers with frequency > 0, got {int(keep.sum())}")
        (x, m), w = _compress(x[keep], m[keep])
        mean_m = float(np.sum(w * m) / np.sum(w))
        start = self._start((1.0, 2.0, mean_m))

        log_m, log_x = np.log(m), np.log(x)
        ux, inv = np.unique(x, return_inverse=True)  # special functions once per distinct frequency
        cache: dict[str, Any] = {"z": None}

        def evaluate(z: np.ndarray) -> tuple[float, np.ndarray]:
            if cache["z"] is None or not np.array_equal(z, cache["z"]):
                p, q, g = np.exp(z)
                px = p * x
                log_gmx = np.log(g + m * x)
                upx = p * ux
                psi_pxq = special.digamma(upx + q)[inv]
                lg = (special.gammaln(upx + q) - special.gammaln(upx))[inv]
                ll = lg - special.gammaln(q) + q * np.log(g) + (px - 1) * log_m + px * log_x - (px + q) * log_gmx
                d_p = x * (psi_pxq - special.digamma(upx)[inv] + log_m + log_x - log_gmx)
                d_q = psi_pxq - special.digamma(q) + np.log(g) - log_gmx
                d_g = q / g - (px + q) / (g + m * x)
                v = -float(ll @ w)
                cache.update(
                    z=z.copy(),
                    value=v if np.isfinite(v) else 1e300,
                    grad=-np.array([d_p @ w * p, d_q @ w * q, d_g @ w * g]),
                )
            return cache["value"], cache["grad"]

        def negll(z: np.ndarray) -> float:
            return evaluate(z)[0]

        def neg_grad(z: np.ndarray) -> np.ndarray:
            return evaluate(z)[1]

        self._store(_maximise(negll, start, self._names, where, neg_grad, scale=float(w.sum())), int(keep.sum()))
        return self

    def conditional_expected_spend(self, data: pd.DataFrame) -> pd.Series:
        """Expected spend per transaction per customer.

        Returns
        -------
        Series
            ``expected_spend``, indexed like ``data``; see
            :func:`gamma_gamma_conditional_expected_spend`.
        """
        self._check_fitted()
        x, m = _gg_arrays(data, "GammaGammaFitter.conditional_expected_spend")
        values = gamma_gamma_conditional_expected_spend(self.params_, x, m)
        return pd.Series(values, index=data.index, name="expected_spend")
