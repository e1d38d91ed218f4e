"""The lifetimes side of ``bench_clv.py``, run in ``.venv-bench`` (lifetimes is archived and needs pandas < 3).

Run by ``bench_clv.py`` as ``.venv-bench/bin/python benchmarks/clv_peer.py IN.npz OUT.npz REPEAT``; it does not
import crm_lessons.  ``IN.npz`` holds the CDNOW calibration summary (``frequency``, ``recency``, ``T``,
``monetary_value``) and, per log ``k``, ``k_customer_id``, ``k_date`` (datetime64[ns]), ``k_amount`` and
``k_end``.  ``OUT.npz`` gets the best-of-``REPEAT`` seconds and fitted parameters of lifetimes' BG/NBD,
Pareto/NBD and Gamma-Gamma fits, and per log the seconds (one run: seconds each) and the four summary columns
sorted by customer, so that ``bench_clv.py`` checks them against ours.  When pymc-marketing is installed in
the same venv, its three fits too (``pymc_*`` keys; see :func:`pymc_fits`).
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd
from _timing import best_of


def main(src: str, dst: str, repeat: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes
        from lifetimes.utils import summary_data_from_transaction_data

    data = np.load(src, allow_pickle=False)
    s = pd.DataFrame({c: data[c] for c in ("frequency", "recency", "T", "monetary_value")})
    rep = s[s["frequency"] > 0]
    out: dict[str, np.ndarray] = {"version": np.array(lifetimes.__version__), "pandas": np.array(pd.__version__)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = {
            "bgnbd": (lambda: lifetimes.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"]), "r alpha a b"),
            "paretonbd": (
                lambda: lifetimes.ParetoNBDFitter().fit(s["frequency"], s["recency"], s["T"]),
                "r alpha s beta",
            ),
            "gammagamma": (
                lambda: lifetimes.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"]),
                "p q v",
            ),
        }
        for name, (fit, params) in fits.items():
            seconds, model = best_of(fit, repeat)
            out[f"{name}_seconds"] = np.array(seconds)
            out[f"{name}_params"] = model.params_[params.split()].to_numpy(float)
        for key in sorted(k[: -len("_end")] for k in data.files if k.endswith("_end")):
            tx = pd.DataFrame(
                {
                    "customer_id": data[f"{key}_customer_id"],
                    "date": data[f"{key}_date"],
                    "amount": data[f"{key}_amount"],
                }
            )
            end = str(data[f"{key}_end"])
            seconds, summary = best_of(
                lambda: summary_data_from_transaction_data(
                    tx, "customer_id", "date", monetary_value_col="amount", observation_period_end=end, freq="D"
                ),
                1,
            )
            summary = summary.sort_index()
            out[f"{key}_seconds"] = np.array(seconds)
            for col in ("frequency", "recency", "T", "monetary_value"):
                out[f"{key}_{col}"] = summary[col].to_numpy(float)
    pymc_fits(s, rep, repeat, out)
    np.savez(dst, **out)


def pymc_fits(s: pd.DataFrame, rep: pd.DataFrame, repeat: int, out: dict[str, np.ndarray]) -> None:
    """pymc-marketing's BG/NBD, Pareto/NBD and Gamma-Gamma fitted by maximum a posteriori with flat priors.

    With ``HalfFlat`` priors on every parameter the MAP estimate is the maximum-likelihood one, which
    lifetimes and we compute (pymc-marketing's documented way to reproduce lifetimes); each fit is the
    user's call, ``Model(data, model_config=...).fit(method="map")`` (building the model and compiling
    its functions included; PyTensor's compiled code is cached on disk after the first fit), best of 2.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pymc_marketing
            from pymc_extras.prior import Prior
            from pymc_marketing.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel
    except ImportError:
        return
    import logging

    for name in ("pymc", "pytensor", "pymc_marketing", "pymc.stats.convergence"):
        logging.getLogger(name).setLevel(logging.ERROR)
    flat = Prior("HalfFlat")
    data = s.assign(customer_id=np.arange(len(s)))
    repeat_data = rep.assign(customer_id=np.arange(len(rep)))
    fits = {
        "bgnbd": (BetaGeoModel, data, "r alpha a b"),
        "paretonbd": (ParetoNBDModel, data, "r alpha s beta"),
        "gammagamma": (GammaGammaModel, repeat_data, "p q v"),
    }
    out["pymc_version"] = np.array(pymc_marketing.__version__)
    for name, (model_class, frame, params) in fits.items():
        config = {p: flat for p in params.split()}

        def fit(model_class=model_class, frame=frame, config=config):
            model = model_class(frame, model_config=config)
            model.fit(method="map", progressbar=False)
            return model

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seconds, model = best_of(fit, min(repeat, 2))  # seconds each: best of 2
        posterior = model.fit_result  # the posterior (one draw: the MAP estimate)
        out[f"pymc_{name}_seconds"] = np.array(seconds)
        out[f"pymc_{name}_params"] = np.array([float(posterior[p].values.squeeze()) for p in params.split()])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
