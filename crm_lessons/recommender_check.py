"""Is a recommender better than the popularity baseline? The difference in hit rate with its uncertainty.

A hit-rate table from one random hold-out split shows point estimates only; with a few hundred held-out
customers two methods can differ by several points by chance, and picking the list length ``k`` where the
gap looks best overstates it. :func:`hit_rate_difference` reports, for every ``k``, the paired difference
in hit rate with a confidence interval (the same customers judged by both methods) and how much the
difference moves between repeated random splits.

Examples
--------
>>> from crm_lessons.datasets import load_cosmetics
>>> from crm_lessons.personalisation import to_baskets
>>> res = hit_rate_difference(to_baskets(load_cosmetics()), ks=[1], n_splits=3, random_state=0)
>>> list(res.columns)
['item_based', 'popularity', 'difference', 'ci_low', 'ci_high', 'n_customers', 'split_sd', 'split_min', 'split_max']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from crm_lessons.personalisation import hold_out_baskets, item_based_scores, item_similarity, popularity_scores

__all__ = ["hit_rate_difference", "top_k_hits"]


def top_k_hits(scores: pd.DataFrame, hidden: pd.DataFrame, *, k: int) -> np.ndarray:
    """For each customer, whether a hidden purchase is among the ``k`` highest scores (ties: column order)."""
    if not scores.index.equals(hidden.index):
        raise ValueError("top_k_hits: scores and hidden should have the same customers (index)")
    if not 1 <= k <= scores.shape[1]:
        raise ValueError(f"top_k_hits: k={k} should be between 1 and the number of items ({scores.shape[1]})")
    top = np.argsort(-scores.to_numpy(dtype=float), axis=1, kind="stable")[:, :k]
    found = np.take_along_axis(hidden[scores.columns].astype(bool).to_numpy(), top, axis=1)
    return np.asarray(found.any(axis=1))


def hit_rate_difference(
    baskets: pd.DataFrame,
    *,
    ks: Sequence[int],
    test_size: float = 0.3,
    n_splits: int = 20,
    confidence: float = 0.95,
    random_state: int,
) -> pd.DataFrame:
    """Hit rate of the item-based recommender minus the popularity baseline, for each list length ``k``.

    Parameters
    ----------
    baskets : DataFrame
        0/1 item table, one row per customer.
    ks : sequence of int
        List lengths to compare.
    test_size : float, default 0.3
        Share of customers held out (one hidden purchase each).
    n_splits : int, default 20
        Random splits (seeds ``random_state``, ``random_state + 1``, ...) over which the difference is
        recomputed.
    confidence : float, default 0.95
        Level of the paired interval.
    random_state : int
        Seed of the first split, the one the point estimates and interval come from.

    Returns
    -------
    DataFrame
        Indexed by ``k``: ``item_based`` and ``popularity`` hit rates and their ``difference`` on the first
        split, the paired normal-approximation interval ``ci_low``, ``ci_high`` (mean +/- z sd / sqrt(n)
        of the per-customer differences), ``n_customers``, and the ``split_sd``, ``split_min`` and
        ``split_max`` of the difference over the ``n_splits`` splits.
    """
    if n_splits < 1:
        raise ValueError(f"hit_rate_difference: n_splits={n_splits} should be >= 1")
    if not 0 < confidence < 1:
        raise ValueError(f"hit_rate_difference: confidence={confidence} should be in (0, 1)")
    z = stats.norm.ppf(0.5 + confidence / 2)
    rows: dict[int, dict] = {}
    diffs: dict[int, list[float]] = {k: [] for k in ks}
    for i in range(n_splits):
        split = hold_out_baskets(baskets, test_size=test_size, random_state=random_state + i)
        item = item_based_scores(split.visible, item_similarity(split.train))
        pop = popularity_scores(split.train, split.visible)
        for k in ks:
            a, b = top_k_hits(item, split.hidden, k=k), top_k_hits(pop, split.hidden, k=k)
            d = a.astype(float) - b.astype(float)
            diffs[k].append(float(d.mean()))
            if i == 0:
                half = z * d.std(ddof=1) / np.sqrt(len(d))
                rows[k] = {
                    "item_based": float(a.mean()),
                    "popularity": float(b.mean()),
                    "difference": float(d.mean()),
                    "ci_low": float(d.mean() - half),
                    "ci_high": float(d.mean() + half),
                    "n_customers": len(d),
                }
    for k in ks:
        arr = np.asarray(diffs[k])
        rows[k].update(
            split_sd=float(arr.std(ddof=1)) if len(arr) > 1 else float("nan"),
            split_min=float(arr.min()),
            split_max=float(arr.max()),
        )
    out = pd.DataFrame(rows).T
    out.index.name = "k"
    return out.astype({"n_customers": "int64"})
