"""Tests of crm_lessons.satisfaction: hand-computed cases and simulations with known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_lessons import DataError
from crm_lessons.satisfaction import (
    COMPLAINT_STEPS,
    SATISFACTION_LEVELS,
    complaint_causes,
    complaint_handling_principles,
    complaint_handling_steps,
    composite_scores,
    cronbach_alpha,
    estimate_paths,
    importance_performance,
    net_promoter_score,
    satisfaction_index,
    satisfaction_level,
    satisfaction_ratio,
    satisfaction_trap,
    simulate_acsi_survey,
    simulate_attribute_ratings,
    simulate_service_recovery,
)

# --- definition C = b / a -------------------------------------------------------------------------


def test_ratio_hand_computed():
    assert satisfaction_ratio(6, 8) == pytest.approx(0.75)
    out = satisfaction_ratio(pd.Series([9.0, 4.0], index=["a", "b"]), pd.Series([6.0, 8.0], index=["a", "b"]))
    assert list(out.index) == ["a", "b"]
    assert out.tolist() == pytest.approx([1.5, 0.5])


def test_ratio_rejects_zero_expectation():
    with pytest.raises(DataError, match=r"expected should be > 0 .* row 1"):
        satisfaction_ratio([5, 5], [4, 0])


def test_levels_at_the_thresholds():
    # just below / exactly at each threshold: the lower bound is inclusive
    got = satisfaction_level([0.999, 1.0, 1.199, 1.2, 3.0]).tolist()
    assert got == ["不满意", "一般满意", "一般满意", "高度满意", "高度满意"]
    assert satisfaction_level(0.8, thresholds=(0.8, 0.9)) == SATISFACTION_LEVELS[1]


@pytest.mark.parametrize("thresholds", [(1.2, 1.0), (1.0, 1.0), (0.0, 1.0), (1.0,)])
def test_levels_thresholds_out_of_order(thresholds):
    with pytest.raises(DataError, match="thresholds should"):
        satisfaction_level(1.0, thresholds=thresholds)


# --- Cronbach's alpha -----------------------------------------------------------------------------


def test_alpha_hand_computed():
    # item variances 5/3, 4/3, 8/3 (sum 17/3); totals 4, 7, 10, 13 have variance 15
    # alpha = 3/2 * (1 - (17/3) / 15) = 0.93333...
    df = pd.DataFrame({"q1": [1, 2, 3, 4], "q2": [2, 2, 4, 4], "q3": [1, 3, 3, 5]})
    assert cronbach_alpha(df) == pytest.approx(1.5 * (1 - (17 / 3) / 15))


@pytest.mark.parametrize("k, rho", [(3, 0.5), (5, 0.3)])
def test_alpha_parallel_items_closed_form(k, rho):
    # k parallel items with correlation rho: alpha = k rho / (1 + (k - 1) rho) (Spearman-Brown)
    rng = np.random.default_rng(11)
    cov = np.full((k, k), rho) + (1 - rho) * np.eye(k)
    x = rng.multivariate_normal(np.zeros(k), cov, size=40_000)
    expected = k * rho / (1 + (k - 1) * rho)
    assert cronbach_alpha(pd.DataFrame(x)) == pytest.approx(expected, abs=0.01)


def test_alpha_bad_input():
    with pytest.raises(DataError, match="at least two item columns"):
        cronbach_alpha(pd.DataFrame({"q1": [1, 2, 3]}))
    with pytest.raises(DataError, match=r"column 'q2' has missing values in row 1"):
        cronbach_alpha(pd.DataFrame({"q1": [1, 2, 3], "q2": [1, None, 3]}))


# --- ACSI simulator and path recovery -------------------------------------------------------------


def test_simulator_shape_and_scale():
    s = simulate_acsi_survey(400, random_state=5, scale=(1, 7), n_items=2)
    assert s.items.shape == (400, 12)
    assert s.items.to_numpy().min() >= 1 and s.items.to_numpy().max() <= 7
    assert s.latent.std().to_numpy() == pytest.approx(np.ones(6), abs=0.12)
    again = simulate_acsi_survey(400, random_state=5, scale=(1, 7), n_items=2)
    pd.testing.assert_frame_equal(s.items, again.items)


def test_latent_paths_recovered_from_true_scores():
    # regressions on the true latent scores recover the paths up to sampling error only
    s = simulate_acsi_survey(20_000, random_state=2)
    est = estimate_paths(s.latent, s.true_paths)
    assert np.abs(est["estimate"] - s.true_paths["coef"]).max() < 0.03


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_paths_recovered_after_attenuation_correction(seed):
    # n = 3000, loading 0.85, three 1-10 items: composite alpha is about 0.88 and the
    # sampling sd of a path is about 0.02, so |est - true| < 0.08 is an honest 4-sd bound.
    s = simulate_acsi_survey(3000, random_state=seed)
    scores = composite_scores(s.items, s.constructs)
    rel = {c: cronbach_alpha(s.items[cols]) for c, cols in s.constructs.items()}
    assert min(rel.values()) > 0.8
    est = estimate_paths(scores, s.true_paths, reliability=rel)
    assert np.abs(est["estimate"] - s.true_paths["coef"]).max() < 0.08


def test_uncorrected_estimates_are_attenuated():
    s = simulate_acsi_survey(3000, random_state=4)
    scores = composite_scores(s.items, s.constructs)
    raw = estimate_paths(scores, s.true_paths).set_index(["source", "target"])["estimate"]
    # a single-predictor path shrinks by sqrt(rel_x rel_y) < 1
    assert raw[("expectations", "quality")] < 0.5 - 0.02
    assert raw[("satisfaction", "complaints")] > -0.4 + 0.02


def test_pca_composite_is_standardized_and_agrees_with_mean():
    s = simulate_acsi_survey(1000, random_state=8)
    pca = composite_scores(s.items, s.constructs, method="pca")
    mean = composite_scores(s.items, s.constructs)
    assert pca.std().to_numpy() == pytest.approx(np.ones(6))
    assert (pca.corrwith(mean) > 0.99).all()


def test_simulator_bad_paths():
    with pytest.raises(DataError, match="runs backwards"):
        simulate_acsi_survey(10, paths={("loyalty", "quality"): 0.3})
    with pytest.raises(DataError, match="explain .* of its variance"):
        simulate_acsi_survey(10, paths={("expectations", "quality"): 1.1})


# --- index, NPS, IPA ------------------------------------------------------------------------------


def test_satisfaction_index_hand_computed():
    df = pd.DataFrame({"s1": [1, 10, 4], "s2": [1, 10, 7], "s3": [1, 10, 10]})
    # third row: ((4-1) + (7-1) + (10-1)) / 9 / 3 * 100 = 18/27*100
    assert satisfaction_index(df, scale=(1, 10)).tolist() == pytest.approx([0, 100, 200 / 3])
    w = satisfaction_index(df, scale=(1, 10), weights=[2, 1, 1])
    assert w.iloc[2] == pytest.approx(100 * (0.5 * 3 + 0.25 * 6 + 0.25 * 9) / 9)


def test_satisfaction_index_out_of_range():
    df = pd.DataFrame({"s1": [1, 11, 4], "s2": [1, 10, 0]})
    with pytest.raises(DataError, match=r"column 's1' has answers outside the scale 1.0-10.0 in row 1"):
        satisfaction_index(df, scale=(1, 10))


def test_nps_hand_computed():
    # 20 answers: 8 promoters (9-10), 5 passives, 7 detractors (0-6)
    answers = [10] * 5 + [9] * 3 + [8] * 3 + [7] * 2 + [6] * 4 + [2] * 3
    r = net_promoter_score(answers)
    p_p, p_d = 8 / 20, 7 / 20
    se = np.sqrt((p_p + p_d - (p_p - p_d) ** 2) / 20)
    assert r["nps"] == pytest.approx(5.0)
    assert r["se"] == pytest.approx(100 * se)
    assert r["ci_low"] == pytest.approx(5.0 - 1.959964 * 100 * se, abs=1e-4)
    assert r["ci_high"] == pytest.approx(5.0 + 1.959964 * 100 * se, abs=1e-4)
    assert r["passives"] == pytest.approx(0.25)


def test_nps_interval_covers_truth_in_simulation():
    # coverage of the 95 % interval in 400 samples of n = 300 from a known multinomial
    rng = np.random.default_rng(21)
    probs = np.array([0.05] * 7 + [0.15, 0.15] + [0.2, 0.15])  # P(0..10)
    true_nps = 100 * (probs[9:].sum() - probs[:7].sum())
    hits = 0
    for _ in range(400):
        r = net_promoter_score(rng.choice(11, size=300, p=probs))
        hits += r["ci_low"] <= true_nps <= r["ci_high"]
    assert 0.92 <= hits / 400 <= 0.98


@pytest.mark.parametrize(
    "bad, msg",
    [
        ([5, 11, 3], r"integers 0-10 but are not in row 1"),
        ([5, 7.5, 3], r"integers 0-10 but are not in row 1"),
        ([5, np.nan, 3], r"missing values in row 1"),
    ],
)
def test_nps_bad_answers(bad, msg):
    with pytest.raises(DataError, match=msg):
        net_promoter_score(bad)


def test_ipa_quadrants_hand_computed():
    # overall = speed + noise-free; staff uncorrelated with overall; price negatively related
    df = pd.DataFrame(
        {
            "speed": [2, 4, 6, 8, 5],
            "staff": [9, 8, 9, 8, 7],
            "price": [9, 8, 3, 2, 6],
            "clean": [8, 6, 8, 9, 9],
            "overall": [2, 4, 6, 8, 5],
        }
    )
    out = importance_performance(df, attributes=["speed", "staff", "price", "clean"], overall="overall")
    corr = df.corr()["overall"]
    assert out["importance"].to_numpy() == pytest.approx(corr[["speed", "staff", "price", "clean"]].to_numpy())
    assert out["performance"].tolist() == pytest.approx([5.0, 8.2, 5.6, 8.0])
    # mean importance = mean of correlations; mean performance = 6.7
    imp_mean = corr[["speed", "staff", "price", "clean"]].mean()
    assert corr["speed"] > imp_mean and corr["clean"] > imp_mean
    assert out["quadrant"].to_dict() == {
        "speed": "重点改进",
        "staff": "过度投入",
        "price": "低优先",
        "clean": "继续保持",
    }


def test_ipa_regression_importance_recovers_coefficients():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5000, 3))
    y = 0.6 * x[:, 0] + 0.3 * x[:, 1] + 0.0 * x[:, 2] + 0.5 * rng.standard_normal(5000)
    df = pd.DataFrame(x, columns=["a", "b", "c"]).assign(overall=y)
    out = importance_performance(df, attributes=["a", "b", "c"], overall="overall", method="regression")
    sd_y = np.sqrt(0.36 + 0.09 + 0.25)
    assert out["importance"].to_numpy() == pytest.approx([0.6 / sd_y, 0.3 / sd_y, 0.0], abs=0.03)


def test_ipa_missing_column():
    df = pd.DataFrame({"a": [1, 2], "b": [2, 1], "overall": [1, 2]})
    with pytest.raises(DataError, match=r"missing column 'c'"):
        importance_performance(df, attributes=["a", "c"], overall="overall")


# --- trap, complaints, recovery -------------------------------------------------------------------


def test_satisfaction_trap_hand_computed():
    df = pd.DataFrame({"sat": [90, 80, 75, 40, 95, 70], "loy": [30, 90, 50, 10, 80, 20]})
    r = satisfaction_trap(df, satisfaction_col="sat", loyalty_col="loy", satisfied_threshold=75, loyal_threshold=60)
    # satisfied: 90, 80, 75, 95 -> not loyal among them: 90 (30), 75 (50)
    assert (r["n_satisfied"], r["n_satisfied_not_loyal"]) == (4, 2)
    assert r["trap_share"] == pytest.approx(0.5)
    with pytest.raises(DataError, match="no respondent has sat >= 99"):
        satisfaction_trap(df, satisfaction_col="sat", loyalty_col="loy", satisfied_threshold=99, loyal_threshold=60)


def test_complaint_steps_are_the_courses_in_order():
    # exam review sheet (course materials 004_*), 客户投诉处理步骤: 倾听; 记录, 判断; 解决办法; 跟踪
    steps = complaint_handling_steps()
    assert steps["step"].tolist() == [1, 2, 3, 4]
    text = "".join(steps["step_zh"])
    positions = [text.index(word) for word in ("倾听", "记录", "判断", "解决办法", "跟踪")]
    assert positions == sorted(positions)
    assert steps["keyword"].tolist() == [k for _, k, _ in COMPLAINT_STEPS]


def test_complaint_principles_and_causes_are_the_courses():
    principles = complaint_handling_principles()["principle_zh"].tolist()
    assert len(principles) == 5
    assert principles[0] == "先处理感情，后处理事件"
    for word in ("耐心倾听", "平息抱怨", "将心比心", "迅速采取行动"):
        assert sum(word in p for p in principles) == 1, word
    causes = complaint_causes()
    assert causes.groupby("side").size().to_dict() == {"customer": 2, "firm": 2}
    customer_side = "".join(causes.loc[causes["side"] == "customer", "cause_zh"])
    assert "使用不当" in customer_side and "期望值过高" in customer_side


def test_chapter_4_shows_the_course_steps_from_the_constant():
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).parents[1] / "notebooks" / "04_satisfaction.ipynb").read_text(encoding="utf-8"))
    cells = [
        c for c in nb["cells"] if c["cell_type"] == "code" and "complaint_handling_steps()" in "".join(c["source"])
    ]
    assert cells, "chapter 4 should show sat.complaint_handling_steps()"
    shown = "".join("".join(o.get("data", {}).get("text/plain", o.get("text", ""))) for o in cells[0]["outputs"])
    positions = [shown.index(step_zh) for step_zh, _, _ in COMPLAINT_STEPS]
    assert positions == sorted(positions)


def test_service_recovery_matches_tree_probabilities():
    r = simulate_service_recovery(200_000, p_failure=0.3, p_complain=0.5, p_recovery=0.6, random_state=1)
    expected_share = [0.7, 0.3 * 0.5, 0.3 * 0.5 * 0.4, 0.3 * 0.5 * 0.6]
    assert r["share"].tolist() == pytest.approx(expected_share, abs=0.005)
    assert r["repurchase_rate"].tolist() == pytest.approx([0.80, 0.45, 0.30, 0.85], abs=0.015)


def test_service_recovery_bad_probability():
    with pytest.raises(DataError, match=r"p_complain=1.5 should be a probability"):
        simulate_service_recovery(10, p_complain=1.5)
    with pytest.raises(DataError, match="missing the path 'failure, no complaint'"):
        simulate_service_recovery(10, repurchase={"no failure": 0.5})


# --- widget ---------------------------------------------------------------------------------------


def test_widget_shows_the_pure_functions_result():
    from crm_lessons.widgets.satisfaction import describe_satisfaction, satisfaction_explorer

    w = satisfaction_explorer(perceived=7.0, expected=7.0)
    expected_slider, perceived_slider, label = w.children
    perceived_slider.value = 5.0
    assert label.value == describe_satisfaction(5.0, 7.0)
    assert label.value.endswith(satisfaction_level(satisfaction_ratio(5.0, 7.0)))
    expected_slider.value = 4.0
    assert label.value.endswith("高度满意")  # 5 / 4 = 1.25 >= 1.2


def test_ipa_recovers_true_quadrants_from_simulated_ratings():
    weights = {"price": 0.6, "speed": 0.5, "staff": 0.1, "decor": 0.05}
    means = {"price": 5.0, "speed": 8.0, "staff": 8.5, "decor": 4.5}
    df = simulate_attribute_ratings(3000, weights=weights, means=means, random_state=12)
    out = importance_performance(df, attributes=list(weights), overall="overall")
    # clipping at 10 pulls the mean of an attribute rated 8.5 +/- 1.5 down by about 0.1
    assert out["performance"].to_numpy() == pytest.approx(list(means.values()), abs=0.2)
    # true quadrants: high weight = above mean weight (0.3125); high mean = above 6.5
    assert out["quadrant"].to_dict() == {
        "price": "重点改进",
        "speed": "继续保持",
        "staff": "过度投入",
        "decor": "低优先",
    }
    assert list(out["importance"].rank()) == [4.0, 3.0, 2.0, 1.0]


def test_attribute_simulator_bad_input():
    with pytest.raises(DataError, match="should name the same attributes"):
        simulate_attribute_ratings(10, weights={"a": 1.0}, means={"b": 5.0})
    with pytest.raises(DataError, match=r"mean of 'a' is 12; it should lie in the scale 1-10"):
        simulate_attribute_ratings(10, weights={"a": 1.0}, means={"a": 12})


def test_survey_center_shifts_answers():
    s = simulate_acsi_survey(2000, scale=(0, 10), center=7, random_state=3)
    assert s.items.to_numpy().mean() == pytest.approx(7, abs=0.25)
    with pytest.raises(DataError, match=r"center=10 should lie strictly inside the scale 0-10"):
        simulate_acsi_survey(10, scale=(0, 10), center=10)


def test_non_numeric_input_is_a_data_error():
    with pytest.raises(DataError, match="perceived should be numbers"):
        satisfaction_ratio(["good", "bad"], [5, 5])
    with pytest.raises(DataError, match="scores should be numbers"):
        net_promoter_score(["ten", "nine"])
    with pytest.raises(DataError, match=r"column 'q2' should be numeric"):
        cronbach_alpha(pd.DataFrame({"q1": [1, 2, 3], "q2": ["a", "b", "c"]}))
