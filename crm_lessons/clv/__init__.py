"""Customer lifetime value (客户终身价值, CLV) with probability models.

From a transaction log to a customer-by-customer forecast, in the notation of
Fader and Hardie:

* :func:`customer_summary` turns a purchase log into one row per customer
  with ``frequency``, ``recency``, ``T`` and ``monetary_value`` (calibration
  period) and, given ``observation_end``, the hold-out columns.
* Non-contractual purchasing ("buy till you die"): the BG/NBD model
  (:class:`BetaGeoFitter`, Fader, Hardie & Lee 2005a) and the Pareto/NBD
  model (:class:`ParetoNBDFitter`, Schmittlein, Morrison & Colombo 1987).
* Spend per transaction: the Gamma-Gamma model (:class:`GammaGammaFitter`).
* Contractual retention: the shifted-beta-geometric model
  (:class:`ShiftedBetaGeometricFitter`, Fader & Hardie 2007).
* Money: :func:`clv` (discounted expected margin per customer) and
  :func:`sbg_derl` (discounted expected residual lifetime).

The mathematics sits in module-level functions (log-likelihoods and
expectations) that a chapter can call directly; each fitter is a thin
scikit-learn-style wrapper that maximises the likelihood over
log-parameters, reports ``params_``, ``standard_errors_`` (inverse Hessian),
``log_likelihood_`` and ``convergence_``.

Examples
--------
>>> from crm_lessons.datasets import load_cdnow
>>> from crm_lessons.clv import customer_summary, BetaGeoFitter
>>> summary = customer_summary(load_cdnow(sample=True), calibration_end="1997-09-30")
>>> bg = BetaGeoFitter().fit(summary)
>>> bg.params_.round(3).to_dict()
{'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
"""

from __future__ import annotations

from crm_lessons._validation import NotFittedError
from crm_lessons.clv._bgnbd import (
    BetaGeoFitter,
    bgnbd_conditional_expected_transactions,
    bgnbd_expected_transactions,
    bgnbd_log_likelihood,
    bgnbd_p_alive,
)
from crm_lessons.clv._bgnbd import _bgnbd_ll_grad as _bgnbd_ll_grad  # private: tests/test_clv.py imports it
from crm_lessons.clv._diagnostics import (
    holdout_by_frequency,
    p_alive_matrix,
    tracking_data,
)
from crm_lessons.clv._fitting import (
    ConvergenceError,
)
from crm_lessons.clv._gamma_gamma import (
    GammaGammaFitter,
    gamma_gamma_conditional_expected_spend,
    gamma_gamma_log_likelihood,
)
from crm_lessons.clv._money import (
    clv,
)
from crm_lessons.clv._pareto_nbd import (
    ParetoNBDFitter,
    pareto_nbd_conditional_expected_transactions,
    pareto_nbd_expected_transactions,
    pareto_nbd_log_likelihood,
    pareto_nbd_p_alive,
)
from crm_lessons.clv._sbg import (
    ShiftedBetaGeometricFitter,
    sbg_derl,
    sbg_log_likelihood,
    sbg_retention,
    sbg_survival,
)
from crm_lessons.clv._summary import (
    UNIT_DAYS,
    customer_summary,
    summary_from_codes,
    summary_index,
)

__all__ = [
    "ConvergenceError",
    "NotFittedError",
    "customer_summary",
    "summary_from_codes",
    "summary_index",
    "UNIT_DAYS",
    "bgnbd_log_likelihood",
    "bgnbd_expected_transactions",
    "bgnbd_conditional_expected_transactions",
    "bgnbd_p_alive",
    "pareto_nbd_log_likelihood",
    "pareto_nbd_expected_transactions",
    "pareto_nbd_conditional_expected_transactions",
    "pareto_nbd_p_alive",
    "gamma_gamma_log_likelihood",
    "gamma_gamma_conditional_expected_spend",
    "sbg_log_likelihood",
    "sbg_survival",
    "sbg_retention",
    "sbg_derl",
    "clv",
    "tracking_data",
    "holdout_by_frequency",
    "p_alive_matrix",
    "BetaGeoFitter",
    "ParetoNBDFitter",
    "GammaGammaFitter",
    "ShiftedBetaGeometricFitter",
]
