"""Tests of crm_lessons.personalisation: hand-computed baskets, a simulation with known uplift, real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from crm_lessons import DataError
from crm_lessons import personalisation as P
from crm_lessons.churn import make_churn_pipeline
from crm_lessons.datasets import load_catalog_cross_sell, load_cosmetics, load_hair_care_promotion

# Ten baskets counted by hand: milk in 6, bread in 7, both in 4, eggs in 3 (all with bread).
HAND = pd.DataFrame(
    {
        "milk": [1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
        "bread": [1, 1, 1, 1, 0, 0, 1, 1, 1, 0],
        "eggs": [0, 0, 0, 0, 0, 0, 1, 1, 1, 0],
    }
)


# --------------------------------------------------------------------------- baskets


def test_rule_metrics_by_hand():
    m = P.rule_metrics(HAND, ["milk"], ["bread"])
    assert m["support"] == pytest.approx(4 / 10)
    assert m["confidence"] == pytest.approx(4 / 6)
    assert m["lift"] == pytest.approx((4 / 6) / (7 / 10))  # 0.952: confidence 67% yet lift below 1
    assert m["count"] == 4
    assert P.rule_metrics(HAND, ["eggs"], ["bread"])["lift"] == pytest.approx(1 / 0.7)


def test_rules_table_agrees_with_hand_counts():
    rules = P.association_rules_table(HAND, min_support=0.3).set_index(["antecedent", "consequent"])
    assert set(rules.index) == {("milk", "bread"), ("bread", "milk"), ("eggs", "bread"), ("bread", "eggs")}
    for a, c in rules.index:
        hand = P.rule_metrics(HAND, [a], [c])
        for key in ("support", "confidence", "lift", "count"):
            assert rules.loc[(a, c), key] == pytest.approx(hand[key])


def test_rules_table_filters_and_sorts():
    rules = P.association_rules_table(HAND, min_support=0.3, min_confidence=0.6, min_lift=1.0)
    assert rules[["antecedent", "consequent"]].values.tolist() == [["eggs", "bread"]]
    empty = P.association_rules_table(HAND, min_support=0.9)
    assert empty.empty and "lift" in empty.columns


def test_rules_on_cosmetics_match_direct_counts():
    b = P.to_baskets(load_cosmetics())
    rules = P.association_rules_table(b, min_support=0.1)
    assert rules["lift"].round(10).is_monotonic_decreasing
    for _, r in rules.head(5).iterrows():
        hand = P.rule_metrics(b, r["antecedent"].split(" + "), r["consequent"].split(" + "))
        assert r["confidence"] == pytest.approx(hand["confidence"]) and r["lift"] == pytest.approx(hand["lift"])
    # brushes are always bought with nail polish in this file (Shmueli et al. cosmetics case)
    top = rules.iloc[0]
    assert {top["antecedent"], top["consequent"]} == {"brushes", "nail_polish"}


def test_rules_order_does_not_depend_on_the_hash_seed():
    # mlxtend iterates over frozensets; a rule and its reverse have equal lift up to the last bit
    import os
    import subprocess
    import sys

    code = (
        "from crm_lessons import personalisation as P; from crm_lessons.datasets import load_cosmetics; "
        "r = P.association_rules_table(P.to_baskets(load_cosmetics()), min_support=0.1); "
        "print(list(zip(r['antecedent'], r['consequent'])))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outs) == 1


def test_to_baskets_drops_item_in_every_basket_and_rejects_bad_codes():
    cat = load_catalog_cross_sell()
    assert "health_products" not in P.to_baskets(cat).columns  # bought by all 4,998 (datacard)
    assert "customer_number" not in P.to_baskets(cat).columns
    with pytest.raises(DataError, match=r"to_baskets: item column 'b' should hold 0/1"):
        P.to_baskets(pd.DataFrame({"a": [1, 0], "b": [2, 0], "c": [0, 1]}))


def test_rule_metrics_errors():
    with pytest.raises(DataError, match="disjoint"):
        P.rule_metrics(HAND, ["milk"], ["milk"])
    with pytest.raises(DataError, match="no basket holds"):
        P.rule_metrics(HAND.assign(tea=0), ["tea"], ["milk"])


# --------------------------------------------------------------------------- recommendation


def test_item_similarity_is_cosine():
    sim = P.item_similarity(HAND)
    assert sim.loc["milk", "bread"] == pytest.approx(4 / np.sqrt(6 * 7))
    assert sim.loc["eggs", "milk"] == 0 and np.allclose(np.diag(sim), 0)
    assert np.allclose(sim, sim.T)


def test_hold_out_hides_owned_items_only():
    b = P.to_baskets(load_cosmetics())
    h = P.hold_out_baskets(b, test_size=0.3, n_hidden=1, random_state=3)
    assert len(h.train) == 700 and h.hidden.index.equals(h.visible.index)
    assert (h.hidden.sum(axis=1) == 1).all() and (h.visible.sum(axis=1) >= 1).all()
    original = b.loc[h.hidden.index]
    assert ((h.visible | h.hidden) == original).all().all()
    assert not (h.visible & h.hidden).any().any()
    assert not set(h.train.index) & set(h.hidden.index)


def test_item_based_recommender_finds_planted_pairs():
    # items come in pairs (a, b) and (c, d); popular item e is bought at random
    rng = np.random.default_rng(0)
    n = 600
    pair = rng.integers(0, 2, n)
    b = pd.DataFrame({"a": pair == 0, "b": pair == 0, "c": pair == 1, "d": pair == 1, "e": rng.random(n) < 0.8})
    res = P.compare_recommenders(b, ks=[1], random_state=1)
    assert res.loc[("item_based", 1), "hit_rate"] > 0.9
    # popularity can only find the hidden item when it is the popular e
    assert res.loc[("popularity", 1), "hit_rate"] < res.loc[("item_based", 1), "hit_rate"] - 0.3


def test_evaluate_top_k_counts():
    s = pd.DataFrame({"a": [3.0, 1.0], "b": [2.0, 2.0], "c": [1.0, 3.0]})
    h = pd.DataFrame({"a": [True, False], "b": [True, False], "c": [False, False]})
    out = P.evaluate_top_k(s, h, k=2)
    assert out == {"hit_rate": 0.5, "precision": 0.5, "recall": 0.5, "n_customers": 2}
    with pytest.raises(DataError, match="k=4"):
        P.evaluate_top_k(s, h, k=4)


# --------------------------------------------------------------------------- uplift


def test_qini_curve_by_hand():
    # sorted: (T, y=1), (C, y=0), (T, y=0), (C, y=1)
    q = P.qini_curve([1, 0, 0, 1], [1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1])
    assert q["qini"].tolist() == [0.0, 0.0, 1.0, 1.0, 0.0]
    assert q["uplift_curve"].tolist() == [0.0, 0.0, 2.0, 1.5, 0.0]
    assert q["random"].iloc[-1] == q["qini"].iloc[-1]
    # reversed order is worse than random
    assert P.qini_coefficient([1, 0, 0, 1], [1, 0, 1, 0], [0.1, 0.2, 0.8, 0.9]) < 0


def test_incremental_response_by_hand():
    y = [1, 1, 0, 0, 1, 0]
    t = [1, 1, 0, 0, 0, 1]
    out = P.incremental_response(y, t, [6, 5, 4, 3, 2, 1], share=4 / 6)
    assert out["n"] == 4 and out["incremental"] == pytest.approx((1.0 - 0.0) * 4)
    with pytest.raises(DataError, match="only one arm"):
        P.incremental_response(y, t, [6, 5, 4, 3, 2, 1], share=2 / 6)


def test_uplift_inputs_are_checked():
    with pytest.raises(DataError, match="both a treated and a control"):
        P.qini_curve([1, 0], [1, 1], [0.5, 0.2])
    with pytest.raises(DataError, match="not fitted yet"):
        P.TwoModelUplift().predict_uplift(pd.DataFrame({"x": [1.0]}))


@pytest.fixture(scope="module")
def simulated():
    sim = P.simulate_uplift(20_000, random_state=11)
    return sim.iloc[:10_000], sim.iloc[10_000:]


def test_simulator_truth(simulated):
    train, _ = simulated
    assert np.allclose(train["true_uplift"], train["p_treated"] - train["p_control"])
    assert 0.45 < train["treatment"].mean() < 0.55
    # the observed difference in purchase rates estimates the mean true uplift
    diff = train.groupby("treatment")["purchase"].mean().diff().iloc[-1]
    assert diff == pytest.approx(train["true_uplift"].mean(), abs=0.02)
    assert {"persuadable", "sleeping_dog", "lost_cause"} <= set(train["segment"])


@pytest.mark.parametrize("model", [P.TwoModelUplift, P.ClassTransformationUplift])
def test_uplift_model_finds_persuadables_better_than_response_model(simulated, model):
    train, test = simulated
    feats = ["x1", "x2", "x3", "x4"]
    uplift = model().fit(train[feats], train["treatment"], train["purchase"]).predict_uplift(test[feats])
    treated = train["treatment"] == 1
    response = make_churn_pipeline("logit").fit(train.loc[treated, feats], train.loc[treated, "purchase"])
    resp = response.predict_proba(test[feats])[:, 1]
    truth = test["true_uplift"].to_numpy()
    rho_u, rho_r = spearmanr(uplift, truth).statistic, spearmanr(resp, truth).statistic
    assert rho_u > 0.85 and rho_u > rho_r + 0.3
    k = 3000  # the top 30%: true extra buyers caught by each targeting order
    assert truth[np.argsort(-uplift)[:k]].sum() > 1.5 * truth[np.argsort(-resp)[:k]].sum()
    # and the observable Qini on the held-out experiment agrees
    assert P.qini_coefficient(test["purchase"], test["treatment"], uplift) > P.qini_coefficient(
        test["purchase"], test["treatment"], resp
    )


def test_class_transformation_corrects_unequal_arms():
    sim = P.simulate_uplift(30_000, treat_share=0.2, random_state=5)
    feats = ["x1", "x2", "x3", "x4"]
    u = P.ClassTransformationUplift().fit(sim[feats], sim["treatment"], sim["purchase"]).predict_uplift(sim[feats])
    assert u.mean() == pytest.approx(sim["true_uplift"].mean(), abs=0.03)


def test_two_model_on_hair_care_runs_on_the_case_partition():
    h = load_hair_care_promotion()
    feats = ["age", "hair_color", "region"]
    train, test = h[h["validation"] == 0], h[h["validation"] == 1]
    assert train["purchase"].sum() + test["purchase"].sum() == h["purchase"].sum()
    u = P.TwoModelUplift().fit(train[feats], train["promotion_ord"], train["purchase"]).predict_uplift(test[feats])
    assert u.shape == (len(test),) and np.isfinite(u).all()
    # promoted customers buy more on average (1.6% vs 0.6% in the whole file)
    assert P.incremental_response(test["purchase"], test["promotion_ord"], u, share=1.0)["incremental"] > 0


# --------------------------------------------------------------------------- figures


def test_plot_rules_marks_rules_below_min_lift():
    from crm_lessons.plotting.personalisation import plot_rules

    rules = P.association_rules_table(HAND, min_support=0.3)
    ax = plot_rules(rules, min_lift=1.0)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["提升度 lift ≥ 1", "提升度 lift < 1"]
    n_points = sum(len(c.get_offsets()) for c in ax.collections)
    assert n_points == len(rules)


def test_plot_qini_draws_one_line_per_model_plus_random():
    from crm_lessons.plotting.personalisation import plot_qini

    q = P.qini_curve([1, 0, 0, 1], [1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1])
    ax = plot_qini({"a": q, "b": q})
    assert [ln.get_label() for ln in ax.get_lines()][:3] == ["a", "b", "随机 random"]
    with pytest.raises(ValueError, match="at least one curve"):
        plot_qini({})
