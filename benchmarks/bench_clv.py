"""Benchmark: crm_lessons.clv against the ``lifetimes`` library, measured side by side.

1. Model fits on the CDNOW sample (2,357 customers, calibration to
   1997-09-30): BG/NBD, Pareto/NBD and Gamma-Gamma, against lifetimes and
   pymc-marketing (maximum a posteriori with flat priors: the same
   maximum-likelihood estimate; btyd, the third peer issue 30 names,
   installs on Python < 3.10 only).  Each package fits from
   the same summary columns; the script reports both log-likelihoods
   (evaluated with the same function) so the times compare fits that reach
   the same optimum.  Both fits include standard errors (lifetimes computes
   a Hessian with autograd, we a numerical one).
2. Transaction log -> (frequency, recency, T, monetary_value) summary on 1M
   and 5M synthetic transactions from :func:`crm_lessons.simulate.simulate_bgnbd`
   (rows shuffled, integer ids), with ``freq="D"`` in both packages; the
   script checks that the two summaries agree.

Best of ``--repeat`` timings (lifetimes' summaries once and pymc-marketing's fits best of 2: they take
seconds).
Issue 30 target 4 (keep the CLV fits' lead): every ratio (lifetimes / ours)
above 1, our log-likelihood at least lifetimes' (less 1e-3) and the summaries
identical; each line prints met / NOT MET and the script exits 1 on a miss.

``lifetimes`` is archived and needs pandas < 3, so it runs in its own venv,
``.venv-bench`` (``make benchmarks`` makes it from
``benchmarks/requirements-bench-peer.txt``): this script, run with the
project's ``.venv/bin/python``, hands the inputs to ``benchmarks/clv_peer.py``
in that venv (NumPy ``.npz`` files) and times ours in its own process, as a
user runs it.  Without ``.venv-bench`` it prints our timings only and exits 1.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _timing import best_of

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

ROOT = Path(__file__).resolve().parent.parent
PEER_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
PEER_SCRIPT = ROOT / "benchmarks" / "clv_peer.py"
LL_TOLERANCE = 1e-3  # our optimum may not be worse than lifetimes' by more than this (log-likelihood units)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def row(name: str, ours: float, theirs: float | None, note: str = "", ok: bool | None = None) -> None:
    if theirs is None:
        print(f"{name:<34} {ours * 1e3:>10.1f} ms {'-':>12} {'-':>8}  {note}")
    else:
        target = f"  target > 1: {verdict(bool(ok))}" if ok is not None else ""
        print(f"{name:<34} {ours * 1e3:>10.1f} ms {theirs * 1e3:>9.1f} ms {theirs / ours:>7.1f}x  {note}{target}")


def peer_available() -> bool:
    if not PEER_PYTHON.exists():
        return False
    return subprocess.run([str(PEER_PYTHON), "-c", "import lifetimes"], capture_output=True).returncode == 0


def compare_fit(label: str, t: float, model: Any, loglik: Callable[[Any], float], peer: dict, key: str) -> bool:
    """Print our fit against the peer's (``peer[key + "_seconds"]``, ``peer[key + "_params"]``); True when
    ours is faster and its log-likelihood no lower (within :data:`LL_TOLERANCE`)."""
    theirs_t, theirs_ll = float(peer[f"{key}_seconds"]), float(loglik(peer[f"{key}_params"]))
    same = model.log_likelihood_ >= theirs_ll - LL_TOLERANCE
    ok = theirs_t / t > 1 and same
    note = f"{model.log_likelihood_:.3f} / {theirs_ll:.3f}{'' if same else ' (our optimum lower)'}"
    row(label, t, theirs_t, note, ok)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    have_peer = peer_available()
    print(f"pandas {pd.__version__}, numpy {np.__version__}; best of {args.repeat}")
    if not have_peer:
        print(
            f"no {PEER_PYTHON} with lifetimes: our timings only (make benchmarks makes it from"
            " benchmarks/requirements-bench-peer.txt)"
        )

    # our side, in this process; the inputs for lifetimes' side collected on the way
    s = customer_summary(load_cdnow(sample=True), calibration_end="1997-09-30")
    x, tx_, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    rep = s[s["frequency"] > 0]
    t_bg, bg = best_of(lambda: BetaGeoFitter().fit(s), args.repeat)
    t_pn, pn = best_of(lambda: ParetoNBDFitter().fit(s), args.repeat)
    t_gg, gg = best_of(lambda: GammaGammaFitter().fit(s), args.repeat)
    peer_in: dict[str, np.ndarray] = {c: s[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value")}
    summaries = []
    for k, n in enumerate(args.sizes):
        # these parameters give about 7.0 transactions per customer over the two years
        sim = simulate_bgnbd(int(n / 7.0), r=0.8, alpha=40.0, a=0.8, b=4.0, T=730, freq="D", random_state=1)
        tx = sim.transactions.sample(frac=1.0, random_state=2, ignore_index=True)
        end = "2025-12-30"
        t_ours, ours = best_of(lambda: customer_summary(tx, calibration_end=end, freq="D"), args.repeat)
        summaries.append((f"log{k}", len(tx), t_ours, ours))
        peer_in[f"log{k}_customer_id"] = tx["customer_id"].to_numpy()
        peer_in[f"log{k}_date"] = tx["date"].to_numpy("datetime64[ns]")
        peer_in[f"log{k}_amount"] = tx["amount"].to_numpy(float)
        peer_in[f"log{k}_end"] = np.array(end)

    peer: Any = None
    if have_peer:
        with tempfile.TemporaryDirectory(prefix="bench-clv-") as tmp:
            src, dst = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
            np.savez(src, **peer_in)
            del peer_in
            subprocess.run([str(PEER_PYTHON), str(PEER_SCRIPT), str(src), str(dst), str(args.repeat)], check=True)
            with np.load(dst) as f:
                peer = {k: f[k] for k in f.files}
        print(f"lifetimes {peer['version']} (pandas {peer['pandas']}, in {PEER_PYTHON.parent.parent.name})")

    missed: list[str] = []
    print(f"\nModel fits on the CDNOW sample ({len(s)} customers; {len(rep)} with repeat purchases)")
    print(f"{'':<34} {'crm_lessons':>13} {'lifetimes':>12} {'ratio':>8}  log-likelihood ours / lifetimes")
    fits = [
        ("BG/NBD fit", "bgnbd", t_bg, bg, lambda p: bgnbd_log_likelihood(p, x, tx_, T).sum()),
        ("Pareto/NBD fit", "paretonbd", t_pn, pn, lambda p: pareto_nbd_log_likelihood(p, x, tx_, T).sum()),
        (
            "Gamma-Gamma fit",
            "gammagamma",
            t_gg,
            gg,
            lambda p: gamma_gamma_log_likelihood(p, rep["frequency"], rep["monetary_value"]).sum(),
        ),
    ]
    for label, key, t, model, loglik in fits:
        if peer is None:
            row(label, t, None, f"{model.log_likelihood_:.3f}")
            continue
        if not compare_fit(label, t, model, loglik, peer, key):
            missed.append(label)
    if peer is not None and "pymc_version" in peer:
        print(
            f"\nThe same fits against pymc-marketing {peer['pymc_version']} (maximum a posteriori with flat priors,"
            " the maximum-likelihood estimate; model built and compiled in each fit; best of 2)"
        )
        print(f"{'':<34} {'crm_lessons':>13} {'pymc-mkt':>12} {'ratio':>8}  log-likelihood ours / pymc-marketing")
        for label, key, t, model, loglik in fits:
            if not compare_fit(label, t, model, loglik, peer, f"pymc_{key}"):
                missed.append(f"{label} (pymc-marketing)")
    elif peer is not None:
        print("\npymc-marketing is not installed in .venv-bench: NOT MET (not measured)")
        missed.append("pymc-marketing fits (not measured)")

    print("\nTransaction log -> customer summary (freq='D', shuffled rows, integer ids)")
    print(f"{'':<34} {'crm_lessons':>13} {'lifetimes':>12} {'ratio':>8}")
    for key, n_rows, t_ours, ours in summaries:
        label = f"summary, {n_rows / 1e6:.1f}M transactions"
        if peer is None:
            row(label, t_ours, None)
            continue
        theirs_t = float(peer[f"{key}_seconds"])
        same = (
            np.array_equal(ours["frequency"].to_numpy(float), peer[f"{key}_frequency"])
            and np.allclose(ours["recency"], peer[f"{key}_recency"])
            and np.allclose(ours["T"], peer[f"{key}_T"])
            and np.allclose(ours["monetary_value"], peer[f"{key}_monetary_value"])
        )
        ok = theirs_t / t_ours > 1 and same
        row(label, t_ours, theirs_t, "identical" if same else "DIFFERENT", ok)
        if not ok:
            missed.append(label)
    if peer is None:
        print("NOT MET: the lead over lifetimes was not measured (no .venv-bench)")
        return 1
    if missed:
        print(f"missed: {', '.join(missed)}")
        return 1
    print("every CLV ratio above 1 (the lead over lifetimes and pymc-marketing kept): met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
