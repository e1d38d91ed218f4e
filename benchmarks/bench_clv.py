"""Benchmark: crm_lessons.clv against the ``lifetimes`` library, measured side by side.

1. Model fits on the CDNOW sample (2,357 customers, calibration to
   1997-09-30): BG/NBD, Pareto/NBD and Gamma-Gamma.  Each package fits from
   its own summary columns; the script reports both log-likelihoods
   (evaluated with the same function) so the times compare fits that reach
   the same optimum.  Both fits include standard errors (lifetimes computes
   a Hessian with autograd, we a numerical one).
2. Transaction log -> (frequency, recency, T, monetary_value) summary on 1M
   and 5M synthetic transactions from :func:`crm_lessons.simulate.simulate_bgnbd`
   (rows shuffled, integer ids), with ``freq="D"`` in both packages; the
   script checks that the two summaries agree.

Best of ``--repeat`` timings (lifetimes' 5M summary once: it takes seconds).

``lifetimes`` is not a project dependency.  Create a separate venv for it:

    python3 -m venv .venv-bench
    .venv-bench/bin/pip install lifetimes "pandas>=2.2,<3" scipy
    PYTHONPATH=. .venv-bench/bin/python benchmarks/bench_clv.py

Without lifetimes the script prints our timings only.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons.clv import (
    BetaGeoFitter,
    GammaGammaFitter,
    ParetoNBDFitter,
    bgnbd_log_likelihood,
    customer_summary,
    gamma_gamma_log_likelihood,
    pareto_nbd_log_likelihood,
)
from crm_lessons.datasets import load_cdnow
from crm_lessons.simulate import simulate_bgnbd

try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes
        from lifetimes.utils import summary_data_from_transaction_data
    HAVE_LIFETIMES = True
except ImportError:  # pragma: no cover - depends on the venv
    HAVE_LIFETIMES = False


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def row(name: str, ours: float, theirs: float | None, note: str = "") -> None:
    if theirs is None:
        print(f"{name:<34} {ours * 1e3:>10.1f} ms {'-':>12} {'-':>8}  {note}")
    else:
        print(f"{name:<34} {ours * 1e3:>10.1f} ms {theirs * 1e3:>9.1f} ms {theirs / ours:>7.1f}x  {note}")


def bench_fits(repeat: int) -> None:
    s = customer_summary(load_cdnow(sample=True), calibration_end="1997-09-30")
    x, tx, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    rep = s[s["frequency"] > 0]
    print(f"\nModel fits on the CDNOW sample ({len(s)} customers; {len(rep)} with repeat purchases)")
    print(f"{'':<34} {'crm_lessons':>13} {'lifetimes':>12} {'ratio':>8}  log-likelihood ours / lifetimes")

    t_bg, bg = best_of(lambda: BetaGeoFitter().fit(s), repeat)
    t_pn, pn = best_of(lambda: ParetoNBDFitter().fit(s), repeat)
    t_gg, gg = best_of(lambda: GammaGammaFitter().fit(s), repeat)
    if not HAVE_LIFETIMES:
        row("BG/NBD fit", t_bg, None, f"{bg.log_likelihood_:.2f}")
        row("Pareto/NBD fit", t_pn, None, f"{pn.log_likelihood_:.2f}")
        row("Gamma-Gamma fit", t_gg, None, f"{gg.log_likelihood_:.2f}")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_lbg, lbg = best_of(lambda: lifetimes.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"]), repeat)
        t_lpn, lpn = best_of(lambda: lifetimes.ParetoNBDFitter().fit(s["frequency"], s["recency"], s["T"]), repeat)
        t_lgg, lgg = best_of(lambda: lifetimes.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"]), repeat)
    ll_lbg = bgnbd_log_likelihood(lbg.params_[["r", "alpha", "a", "b"]].to_numpy(), x, tx, T).sum()
    ll_lpn = pareto_nbd_log_likelihood(lpn.params_[["r", "alpha", "s", "beta"]].to_numpy(), x, tx, T).sum()
    ll_lgg = gamma_gamma_log_likelihood(
        lgg.params_[["p", "q", "v"]].to_numpy(), rep["frequency"], rep["monetary_value"]
    ).sum()
    row("BG/NBD fit", t_bg, t_lbg, f"{bg.log_likelihood_:.3f} / {ll_lbg:.3f}")
    row("Pareto/NBD fit", t_pn, t_lpn, f"{pn.log_likelihood_:.3f} / {ll_lpn:.3f}")
    row("Gamma-Gamma fit", t_gg, t_lgg, f"{gg.log_likelihood_:.3f} / {ll_lgg:.3f}")


def bench_summary(sizes: list[int], repeat: int) -> None:
    print("\nTransaction log -> customer summary (freq='D', shuffled rows, integer ids)")
    print(f"{'':<34} {'crm_lessons':>13} {'lifetimes':>12} {'ratio':>8}")
    for n in sizes:
        # these parameters give about 7.0 transactions per customer over the two years
        sim = simulate_bgnbd(int(n / 7.0), r=0.8, alpha=40.0, a=0.8, b=4.0, T=730, freq="D", random_state=1)
        tx = sim.transactions.sample(frac=1.0, random_state=2, ignore_index=True)
        end = "2025-12-30"
        t_ours, ours = best_of(lambda: customer_summary(tx, calibration_end=end, freq="D"), repeat)
        label = f"summary, {len(tx) / 1e6:.1f}M transactions"
        if not HAVE_LIFETIMES:
            row(label, t_ours, None)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_theirs, theirs = best_of(
                lambda: summary_data_from_transaction_data(
                    tx, "customer_id", "date", monetary_value_col="amount", observation_period_end=end, freq="D"
                ),
                1,
            )
        theirs = theirs.sort_index()
        same = (
            np.array_equal(ours["frequency"].to_numpy(), theirs["frequency"].to_numpy())
            and np.allclose(ours["recency"], theirs["recency"])
            and np.allclose(ours["T"], theirs["T"])
            and np.allclose(ours["monetary_value"], theirs["monetary_value"])
        )
        row(label, t_ours, t_theirs, "identical" if same else "DIFFERENT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if HAVE_LIFETIMES:
        print(f"lifetimes {lifetimes.__version__}, pandas {pd.__version__}, numpy {np.__version__}")
    else:
        print(
            "lifetimes is not importable: our timings only.  To compare, create the bench venv:\n"
            "  python3 -m venv .venv-bench && .venv-bench/bin/pip install lifetimes 'pandas>=2.2,<3' scipy\n"
            "  PYTHONPATH=. .venv-bench/bin/python benchmarks/bench_clv.py"
        )
    bench_fits(args.repeat)
    bench_summary(args.sizes, args.repeat)


if __name__ == "__main__":
    main()
