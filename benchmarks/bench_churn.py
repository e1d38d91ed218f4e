"""Time the chapter 7 early-warning evaluation (compare_models) with 1 OpenMP thread and with the default.

Run: .venv/bin/python benchmarks/bench_churn.py
Prints, measured in the same run, the seconds of compare_models on the IBM
Telco data (logit + gradient boosting, 5-fold CV on the training part, hold-out
scoring) with ``n_threads=1`` (the default) and ``n_threads=None`` (all cores),
and checks that both give the same hold-out ROC AUC (met / NOT MET; exit 1 when not).  The times
are for reference (no target): on the shared 2-core machine all cores were up to 15x slower
(OpenMP threads competing with other work), which is why the default is one thread.
"""

from __future__ import annotations

import sys
import time

from crm_lessons.churn import compare_models, prepare_telco_features
from crm_lessons.datasets import load_telco


def main() -> int:
    X, y = prepare_telco_features(load_telco())
    results = {}
    for n_threads in (1, None):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            res = compare_models(X, y, random_state=42, n_threads=n_threads)
            best = min(best, time.perf_counter() - start)
        results[n_threads] = (best, res.holdout["test_roc_auc"].round(4).to_dict())
    for n_threads, (seconds, auc) in results.items():
        print(f"n_threads={n_threads!s:>4}: best of 3 {seconds:6.2f} s   hold-out ROC AUC {auc}")
    same = results[1][1] == results[None][1]
    print(f"same hold-out ROC AUC with 1 thread and all cores: {'met' if same else 'NOT MET'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
