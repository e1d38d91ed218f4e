"""Tests of crm_lessons.loyalty: hand-computed cases, real panels and simulations with known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crm_lessons import DataError
from crm_lessons.datasets import load_bath_soap, load_cdnow, load_east_west_airlines
from crm_lessons.loyalty import (
    LOYALTY_COURSE_LABELS,
    brand_loyalty_measures,
    classify_brand_loyal,
    compare_means,
    interpurchase_times,
    kmeans_by_silhouette,
    loyalty_drivers,
    loyalty_measures_table,
    loyalty_probability,
    loyalty_type,
    loyalty_type_table,
    relationship_bonds,
    relationship_duration,
    repeat_purchase_rate,
    repeat_rate_by_cohort,
    share_of_wallet,
    simulate_satisfaction_loyalty,
    suggest_bonds,
)


def _tx(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date"]).assign(date=lambda d: pd.to_datetime(d["date"]))


# --- four forms of loyalty ------------------------------------------------------------------------


def test_loyalty_type_edges_are_inclusive():
    got = loyalty_type([5, 5, 4.99, 4.99], [3, 2.99, 3, 2.99], intention_threshold=5, behaviour_threshold=3)
    assert got.tolist() == ["true loyalty", "latent loyalty", "spurious loyalty", "no loyalty"]


def test_loyalty_type_keeps_series_index():
    i = pd.Series([7, 1], index=["ann", "bo"])
    out = loyalty_type(i, pd.Series([0, 9], index=["ann", "bo"]), intention_threshold=4, behaviour_threshold=4)
    assert out.to_dict() == {"ann": "latent loyalty", "bo": "spurious loyalty"}


def test_loyalty_type_bad_input():
    with pytest.raises(DataError, match=r"intention has shape \(2,\) but behaviour \(3,\)"):
        loyalty_type([1, 2], [1, 2, 3], intention_threshold=1, behaviour_threshold=1)
    with pytest.raises(DataError, match=r"behaviour has missing values in row 1"):
        loyalty_type([1, 2], [1, np.nan], intention_threshold=1, behaviour_threshold=1)


def test_loyalty_type_table_covers_all_labels():
    table = loyalty_type_table()
    assert table.loc["true loyalty", "form_zh"] == "有意愿有行动"
    assert table.loc["latent loyalty", "form_zh"] == "有意愿无行动"
    assert table.loc["no loyalty", "form_zh"] == "无意愿无行动"
    assert len(table) == 4


def test_course_names_of_the_four_forms():
    # course materials 002_*: 有意愿有行动-现有的客户, 有意愿无行动-潜在的客户,
    # 无意愿有行动-正在失去的客户, 无意愿无行动-已经失去的客户
    table = loyalty_type_table().set_index("form_zh")["course_zh"]
    assert table.to_dict() == {
        "有意愿有行动": "现有的客户",
        "有意愿无行动": "潜在的客户",
        "无意愿有行动": "正在失去的客户",
        "无意愿无行动": "已经失去的客户",
    }
    assert set(LOYALTY_COURSE_LABELS) == set(loyalty_type_table().index)


def test_course_measures_and_drivers_of_loyalty():
    # exam review sheet 004_*: 客户忠诚的衡量方式: 时间维度、行为特征、情感特征;
    # 影响因素: 积极 (获得的利益, 情感因素), 消极 (沉没成本, 转移成本)
    assert loyalty_measures_table().index.tolist() == ["时间维度", "行为特征", "情感特征"]
    drivers = loyalty_drivers()
    by_kind = drivers.groupby("kind_zh")["factor_zh"].apply(list).to_dict()
    assert by_kind == {"积极因素": ["客户获得的利益", "客户的情感因素"], "消极因素": ["沉没成本", "转移成本"]}
    assert set(drivers.loc[drivers["kind"] == "negative", "factor"]) == {"sunk cost", "switching cost"}


# --- behavioural measures -------------------------------------------------------------------------


def test_repeat_rate_hand_computed():
    tx = _tx(
        [
            (1, "2024-01-01"),
            (1, "2024-01-01"),  # two rows, one day: not a repeat
            (2, "2024-01-01"),
            (2, "2024-01-03"),
            (3, "2024-02-01"),
            (3, "2024-03-01"),
            (3, "2024-04-01"),
            (4, "2024-02-02"),
        ]
    )
    assert repeat_purchase_rate(tx) == pytest.approx(2 / 4)


def test_interpurchase_times_hand_computed():
    tx = _tx(
        [
            (2, "2024-01-03"),
            (1, "2024-01-01"),
            (2, "2024-01-01"),
            (1, "2024-01-31"),
            (1, "2024-01-31"),
            (1, "2024-03-01"),
        ]
    )
    out = interpurchase_times(tx)
    assert out[["customer_id", "interval_days"]].values.tolist() == [[1, 30], [1, 30], [2, 2]]


def test_transactions_bad_dates():
    tx = pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"]})
    with pytest.raises(DataError, match=r"column 'date' should be datetime"):
        repeat_purchase_rate(tx)
    with pytest.raises(DataError, match=r"missing column 'order_date'.*pass date_col"):
        repeat_purchase_rate(tx, date_col="order_date")


def test_repeat_rate_by_cohort_hand_computed():
    tx = _tx(
        [
            (1, "2024-01-01"),
            (1, "2024-01-21"),  # Jan, repeat after 20 days
            (2, "2024-01-10"),
            (2, "2024-03-10"),  # Jan, repeat after 60 days: outside 30
            (3, "2024-02-01"),
            (3, "2024-02-02"),  # Feb, repeat after 1 day
            (4, "2024-02-05"),
            (5, "2024-02-07"),
            (5, "2024-06-30"),
        ]
    )
    out = repeat_rate_by_cohort(tx, horizon_days=30)
    assert out["customers"].tolist() == [2, 3]
    assert out["repeat_rate"].tolist() == pytest.approx([0.5, 1 / 3])
    assert out["median_days_to_second"].tolist() == [20, 1]
    with pytest.raises(DataError, match=r"horizon_days=200 reaches past the last date 2024-06-30"):
        repeat_rate_by_cohort(tx, horizon_days=200)


def test_cdnow_repeat_rates():
    # All 23,570 customers first bought in Jan-Mar 1997 (Fader, Hardie & Lee 2005; loader docstring),
    # so the three monthly cohorts must add up to them.
    tx = load_cdnow()
    out = repeat_rate_by_cohort(tx, horizon_days=365)
    assert [str(p) for p in out.index] == ["1997-01", "1997-02", "1997-03"]
    assert out["customers"].sum() == 23570
    overall = repeat_purchase_rate(tx)
    assert (out["repeat_rate"] <= overall + 1e-12).all()  # a window can only lose repeaters
    gaps = interpurchase_times(tx)["interval_days"]
    assert gaps.min() >= 1 and gaps.max() <= (pd.Timestamp("1998-06-30") - pd.Timestamp("1997-01-01")).days


def test_share_of_wallet():
    assert share_of_wallet(30, 120) == pytest.approx(0.25)
    s = share_of_wallet(pd.Series([0.0, 50.0], index=["a", "b"]), pd.Series([10.0, 200.0], index=["a", "b"]))
    assert s.to_dict() == {"a": 0.0, "b": 0.25}
    with pytest.raises(DataError, match=r"spend_with_us exceeds total_category_spend in row 1"):
        share_of_wallet([10, 60], [20, 50])
    with pytest.raises(DataError, match=r"total_category_spend should be > 0 but is not in row 0"):
        share_of_wallet([0, 1], [0, 5])


def test_relationship_duration_hand_computed():
    tx = _tx([(1, "2024-01-01"), (1, "2024-01-11"), (2, "2024-12-01")])
    out = relationship_duration(tx, as_of="2024-12-31")
    assert out["tenure_days"].tolist() == [365, 30]
    assert out["active_span_days"].tolist() == [10, 0]
    with pytest.raises(DataError, match=r"purchases after as_of=2024-06-30"):
        relationship_duration(tx, as_of="2024-06-30")


# --- bath soap ------------------------------------------------------------------------------------


def test_brand_measures_consistent_with_panel():
    panel = load_bath_soap()
    m = brand_loyalty_measures(panel)
    # the source's trans_brand_runs is transactions per brand run (rounded to 2 decimals)
    has_runs = panel["brand_runs"].to_numpy() > 0
    assert m["trans_per_run"].to_numpy()[has_runs] == pytest.approx(
        panel["trans_brand_runs"].to_numpy()[has_runs], abs=0.006
    )
    assert m["runs_per_trans"].between(0, 1).all()
    assert m["runs_per_trans"].to_numpy() == pytest.approx(panel["brand_runs"] / panel["no_of_trans"])
    # brand shares are volume shares; in the source they sum to 1 within 0.07 (two households deviate)
    shares = panel.filter(regex=r"^(br_cd_|others_999)").sum(axis=1).to_numpy()
    assert np.abs(shares - 1).max() < 0.07
    assert (m["max_brand_share"].to_numpy() + m["other_brands_share"].to_numpy() <= shares + 1e-9).all()


def test_brand_measures_do_not_mutate_and_bad_input():
    panel = load_bath_soap()
    before = panel.copy()
    brand_loyalty_measures(panel)
    pd.testing.assert_frame_equal(panel, before)
    with pytest.raises(DataError, match=r"missing column 'avg_price'"):
        brand_loyalty_measures(panel.drop(columns="avg_price"))


def test_classify_brand_loyal_edges():
    m = pd.DataFrame({"max_brand_share": [0.6, 0.59, 0.9], "no_of_brands": [3, 1, 4]})
    assert classify_brand_loyal(m, share_threshold=0.6, max_brands=3).tolist() == ["loyal", "switcher", "switcher"]
    with pytest.raises(DataError, match=r"share_threshold=1.5 should be in \(0, 1\]"):
        classify_brand_loyal(m, share_threshold=1.5, max_brands=3)


def test_kmeans_recovers_planted_segments():
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0], [6, 0], [0, 6]])
    truth = np.repeat([0, 1, 2], [200, 120, 80])
    x = centers[truth] + rng.standard_normal((400, 2))
    res = kmeans_by_silhouette(
        pd.DataFrame(x, columns=["a", "b"]), features=["a", "b"], k_values=[2, 3, 4, 5], random_state=1
    )
    assert res.k == 3
    # segments are numbered by size, so they match the planted order
    assert (res.labels.to_numpy() == truth).mean() > 0.98
    assert res.profile["size"].tolist() == sorted(res.profile["size"].tolist(), reverse=True)
    # a silhouette on a subsample of 150 rows picks the same k
    sub = kmeans_by_silhouette(
        pd.DataFrame(x, columns=["a", "b"]), features=["a", "b"], k_values=[2, 3, 4, 5], random_state=1, sample_size=150
    )
    assert sub.k == 3


def test_kmeans_bad_k():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match=r"k_values=\[1, 2\] should be integers >= 2"):
        kmeans_by_silhouette(df, features=["a"], k_values=[1, 2], random_state=0)


# --- satisfaction and loyalty under competition ----------------------------------------------------


def test_loyalty_probability_closed_form():
    # one rival ~ N(4, 1), no switching cost: P(stay | s) = Phi(s - 4)
    p = loyalty_probability(np.array([3.0, 4.0, 5.0]), competition=1, switching_cost=0)
    assert p == pytest.approx(stats.norm.cdf([-1, 0, 1]))
    assert loyalty_probability(1, competition=0, switching_cost=0) == 1.0


def test_simulation_converges_to_closed_form():
    sim = simulate_satisfaction_loyalty(100_000, competition=5, switching_cost=0.5, random_state=7)
    rates = sim.groupby("satisfaction")["loyal"].mean()
    expected = loyalty_probability(rates.index.to_numpy(dtype=float), competition=5, switching_cost=0.5)
    assert rates.to_numpy() == pytest.approx(expected, abs=0.015)


def test_jones_sasser_shapes():
    s = np.arange(1, 6, dtype=float)
    competitive = loyalty_probability(s, competition=5, switching_cost=0)
    monopoly = loyalty_probability(s, competition=1, switching_cost=4)
    # competitive: low until very satisfied, and the last step is the largest (convex)
    steps = np.diff(competitive)
    assert competitive[3] < 0.05 and competitive[4] > 0.4
    assert steps[-1] == steps.max() and (np.diff(steps) > 0).all()
    # high switching cost: loyal whatever the satisfaction (flat-high)
    assert monopoly.min() > 0.8 and monopoly.max() - monopoly.min() < 0.2


def test_sunk_cost_and_benefit_shift_the_curve_like_switching_cost():
    s = np.arange(1, 6, dtype=float)
    base = loyalty_probability(s + 1.5, competition=3, switching_cost=0)
    assert loyalty_probability(s, competition=3, switching_cost=0, sunk_cost=1.5) == pytest.approx(base)
    assert loyalty_probability(s, competition=3, switching_cost=0.5, benefit=1.0) == pytest.approx(base)


def test_locked_in_customers_are_the_ones_the_barriers_keep():
    free = simulate_satisfaction_loyalty(50_000, competition=3, switching_cost=0, random_state=2)
    assert not free["locked_in"].any()
    sim = simulate_satisfaction_loyalty(
        50_000, competition=3, switching_cost=1.0, sunk_cost=0.5, benefit=0.5, random_state=2
    )
    assert (sim["loyal"] | ~sim["locked_in"]).all()  # locked in implies staying
    # share locked in = P(stay | all barriers) - P(stay | benefit only), averaged over satisfaction 1..5
    s = np.arange(1, 6, dtype=float)
    with_barriers = loyalty_probability(s, competition=3, switching_cost=1.0, sunk_cost=0.5, benefit=0.5)
    benefit_only = loyalty_probability(s, competition=3, switching_cost=0, benefit=0.5)
    assert sim["locked_in"].mean() == pytest.approx((with_barriers - benefit_only).mean(), abs=0.01)


def test_compare_means_matches_welch_t_interval():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"g": ["a"] * 40 + ["b"] * 60, "x": np.r_[rng.normal(10, 2, 40), rng.normal(11, 4, 60)]})
    got = compare_means(df, group="g", columns=["x"], first="a", second="b", confidence=0.9).loc["x"]
    ci = stats.ttest_ind(df.loc[df.g == "a", "x"], df.loc[df.g == "b", "x"], equal_var=False).confidence_interval(0.9)
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert (got["n_first"], got["n_second"]) == (40, 60)
    with pytest.raises(DataError, match="group 'c' has 0 non-missing values of 'x'"):
        compare_means(df, group="g", columns=["x"], first="a", second="c")


def test_simulation_bad_input():
    with pytest.raises(DataError, match=r"competition=-1 should be a non-negative integer"):
        simulate_satisfaction_loyalty(10, competition=-1, switching_cost=0)
    with pytest.raises(DataError, match=r"switching_cost=-0.5 should be >= 0"):
        simulate_satisfaction_loyalty(10, competition=1, switching_cost=-0.5)
    with pytest.raises(DataError, match=r"sunk_cost=-1 should be >= 0"):
        simulate_satisfaction_loyalty(10, competition=1, switching_cost=0, sunk_cost=-1)


# --- frequent flyers and relationship bonds -------------------------------------------------------


def test_relationship_bonds_and_suggestions_on_airline():
    assert relationship_bonds()["bond"].tolist() == ["financial", "social", "structural"]
    air = load_east_west_airlines()
    feats = ["balance", "bonus_trans", "flight_trans_12", "cc1_miles"]
    res = kmeans_by_silhouette(
        air,
        features=feats,
        k_values=[2, 3, 4],
        random_state=0,
        log_features=["balance", "bonus_trans", "flight_trans_12"],
    )
    assert res.profile["size"].sum() == 3999
    bonds = suggest_bonds(res.profile)
    # the segment that flies most gets social bonds, the one that flies least financial or structural
    most = res.profile["flight_trans_12"].idxmax()
    least = res.profile["flight_trans_12"].idxmin()
    assert bonds[most] == "social" and bonds[least] != "social"
    with pytest.raises(DataError, match=r"missing column 'flight_trans_12'.*pass flight_col"):
        suggest_bonds(res.profile.drop(columns="flight_trans_12"))
