"""Tests of crm_lessons.recommender_check: per-customer hits and the paired hit-rate difference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_lessons import personalisation as pers
from crm_lessons import recommender_check as rc
from crm_lessons.datasets import load_cosmetics


def test_top_k_hits_agrees_with_evaluate_top_k():
    s = pd.DataFrame({"a": [0.9, 0.1, 0.3], "b": [0.5, 0.8, 0.3], "c": [0.1, 0.2, 0.3]})
    h = pd.DataFrame({"a": [0, 0, 0], "b": [1, 0, 0], "c": [0, 1, 1]})
    for k in (1, 2, 3):
        hits = rc.top_k_hits(s, h, k=k)
        assert hits.mean() == pers.evaluate_top_k(s, h, k=k)["hit_rate"]
    assert rc.top_k_hits(s, h, k=1).tolist() == [False, False, False]  # ties broken by column order
    with pytest.raises(ValueError, match="k=4"):
        rc.top_k_hits(s, h, k=4)


def test_hit_rate_difference_matches_compare_recommenders():
    baskets = pers.to_baskets(load_cosmetics())
    res = rc.hit_rate_difference(baskets, ks=[1, 3], n_splits=3, random_state=42)
    ref = pers.compare_recommenders(baskets, ks=[1, 3], random_state=42)
    for k in (1, 3):
        assert res.loc[k, "item_based"] == pytest.approx(ref.loc[("item_based", k), "hit_rate"])
        assert res.loc[k, "popularity"] == pytest.approx(ref.loc[("popularity", k), "hit_rate"])
        assert res.loc[k, "ci_low"] < res.loc[k, "difference"] < res.loc[k, "ci_high"]
        assert res.loc[k, "split_min"] <= res.loc[k, "difference"] <= res.loc[k, "split_max"]
    assert np.isfinite(res["split_sd"]).all()
    with pytest.raises(ValueError, match="n_splits=0"):
        rc.hit_rate_difference(baskets, ks=[1], n_splits=0, random_state=0)
