"""Money: :func:`clv`, the discounted expected margin per customer."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
)
from crm_lessons.clv._bgnbd import BetaGeoFitter, bgnbd_conditional_expected_transactions
from crm_lessons.clv._fitting import _distinct_rows, _Fitter, _rft_arrays
from crm_lessons.clv._gamma_gamma import GammaGammaFitter, _gg_arrays, gamma_gamma_conditional_expected_spend
from crm_lessons.clv._pareto_nbd import ParetoNBDFitter, pareto_nbd_conditional_expected_transactions

# ---------------------------------------------------------------------------
# CLV
# ---------------------------------------------------------------------------


def clv(
    transaction_model: BetaGeoFitter | ParetoNBDFitter,
    spend_model: GammaGammaFitter,
    data: pd.DataFrame,
    *,
    horizon: int,
    discount_rate: float,
    period_length: float = 1.0,
    margin: float = 1.0,
) -> pd.Series:
    """Discounted expected margin of each customer over a finite horizon.

    Parameters
    ----------
    transaction_model : BetaGeoFitter or ParetoNBDFitter
        Fitted purchase model.
    spend_model : GammaGammaFitter
        Fitted spend model.
    data : DataFrame
        Columns ``frequency``, ``recency``, ``T``, ``monetary_value``.
    horizon : int
        Number of discounting periods (e.g. 12 months).
    discount_rate : float
        Discount rate per discounting period (e.g. 0.01 a month).
    period_length : float, default 1.0
        Length of a discounting period in the model's time unit (e.g. 52/12
        weeks for months when ``recency``/``T`` are in weeks).
    margin : float, default 1.0
        Profit margin as a share of revenue.

    Returns
    -------
    Series
        ``clv`` per customer, indexed like ``data``; customer equity is its sum.

    Raises
    ------
    DataError
        Invalid summary, ``horizon`` < 1, negative ``discount_rate`` or
        ``period_length`` <= 0.

    Notes
    -----
    Expected transactions in each period k = 1..H are increments of the
    conditional expectation, priced at the Gamma-Gamma expected spend and
    discounted at the end of the period:

    .. math::

        CLV = m \\, E[M\\mid m_x, x] \\sum_{k=1}^{H}
        \\frac{E[Y(k\\ell)\\mid x, t_x, T] - E[Y((k-1)\\ell)\\mid x, t_x, T]}{(1+d)^k}

    This is the discrete approximation used with the BG/NBD model, not the
    continuous-time DERT of Fader, Hardie & Lee (2005, JMR).

    References
    ----------
    Fader, Hardie & Lee (2005), "RFM and CLV: Using iso-value curves for
    customer base analysis", JMR 42(4), 415-430, section "From CLV to DERT";
    Fader & Hardie (2013), The Gamma-Gamma model of monetary value, section 4.

    Examples
    --------
    >>> from crm_lessons.clv import customer_summary
    >>> from crm_lessons.datasets import load_cdnow
    >>> s = customer_summary(load_cdnow(sample=True), calibration_end="1997-09-30")
    >>> bg, gg = BetaGeoFitter().fit(s), GammaGammaFitter().fit(s)
    >>> value = clv(bg, gg, s, horizon=12, discount_rate=0.01, period_length=52 / 12, margin=0.3)
    >>> round(float(value.sum()))
    21406
    """
    where = "clv"
    for m in (transaction_model, spend_model):
        if not isinstance(m, _Fitter):
            raise TypeError(f"{where}: expected fitted crm_lessons.clv models, got {type(m).__name__}")
        m._check_fitted()
    if isinstance(transaction_model, BetaGeoFitter):
        cond = bgnbd_conditional_expected_transactions
    elif isinstance(transaction_model, ParetoNBDFitter):
        cond = pareto_nbd_conditional_expected_transactions
    else:
        raise TypeError(f"{where}: transaction_model should be a BetaGeoFitter or ParetoNBDFitter")
    if int(horizon) != horizon or horizon < 1:
        raise DataError(f"{where}: horizon={horizon} should be a whole number >= 1")
    if not discount_rate >= 0:
        raise DataError(f"{where}: discount_rate={discount_rate} should be >= 0")
    if not period_length > 0:
        raise DataError(f"{where}: period_length={period_length} should be > 0")
    x, tx, T = _rft_arrays(data, where=where)
    x_m, m_x = _gg_arrays(data, where)
    spend = gamma_gamma_conditional_expected_spend(spend_model.params_, x_m, m_x)
    # customers with the same (x, t_x, T) have the same expected purchases: compute each history once
    (x, tx, T), inverse = _distinct_rows(x, tx, T)
    total = np.zeros(len(x))
    previous = np.zeros(len(x))
    for k in range(1, int(horizon) + 1):  # loop over periods, vectorised over distinct histories
        current = cond(transaction_model.params_, k * period_length, x, tx, T)
        total += (current - previous) / (1 + discount_rate) ** k
        previous = current
    return pd.Series(margin * spend * total[inverse], index=data.index, name="clv")
