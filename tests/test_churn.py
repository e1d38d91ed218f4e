"""Tests of crm_lessons.churn: hand-computed tiny cases, a simulation with known truth, real data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from crm_lessons import DataError
from crm_lessons import churn as C
from crm_lessons.datasets import load_cdnow, load_telco


@pytest.fixture(scope="module")
def telco() -> pd.DataFrame:
    return load_telco()


@pytest.fixture(scope="module")
def models(telco):
    X, y = C.prepare_telco_features(telco)
    return C.compare_models(X, y, random_state=42)


# --------------------------------------------------------------------------- exploration


def test_churn_rate_by_matches_wilson_formula():
    df = pd.DataFrame({"g": ["a"] * 3 + ["b"] * 5, "churn": [1, 1, 0, 0, 0, 0, 0, 1]})
    out = C.churn_rate_by(df, "g")
    z = norm.ppf(0.975)
    for name, x, n in [("a", 2, 3), ("b", 1, 5)]:
        p = x / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
        assert out.loc[name, "n_customers"] == n and out.loc[name, "n_churned"] == x
        assert out.loc[name, "churn_rate"] == pytest.approx(p)
        assert out.loc[name, "ci_lower"] == pytest.approx(centre - half)
        assert out.loc[name, "ci_upper"] == pytest.approx(centre + half)


def test_churn_rate_by_telco_contract(telco):
    out = C.churn_rate_by(telco, "contract")
    assert out["n_customers"].sum() == 7043
    assert out["n_churned"].sum() == 1869  # 26.5% of 7,043 (IBM sample data datacard)
    assert out["churn_rate"].is_monotonic_decreasing  # month-to-month > one year > two year


def test_churn_rate_by_rejects_text_target():
    df = pd.DataFrame({"g": ["a"], "churn": ["Yes"]})
    with pytest.raises(DataError, match=r"churn_rate_by: column 'churn' should hold True/False or 0/1"):
        C.churn_rate_by(df, "g")


def test_churn_rate_by_rejects_missing_column():
    df = pd.DataFrame({"g": ["a"], "left": [True]})
    with pytest.raises(DataError, match=r"churn_rate_by: missing column 'churn'"):
        C.churn_rate_by(df, "g")


def test_churn_by_tenure_bands_and_outside_bins():
    df = pd.DataFrame({"tenure": [0, 6, 7, 12], "churn": [True, False, True, True]})
    out = C.churn_by_tenure(df, bins=(0, 6, 12))
    assert out.index.tolist() == ["0-6", "6-12"]
    assert out["n_customers"].tolist() == [2, 2]
    assert out["churn_rate"].tolist() == [0.5, 1.0]
    with pytest.raises(DataError, match=r"lies outside bins \[0, 6\] in row 2"):
        C.churn_by_tenure(df.iloc[:3], bins=(0, 6))


# --------------------------------------------------------------------------- survival

_KM = pd.DataFrame(
    {
        "tenure": [1, 2, 2, 3, 4, 5],
        "churn": [True, True, False, True, False, True],
        "g": ["a", "a", "a", "b", "b", "b"],
    }
)


def test_km_matches_hand_computation():
    # By hand: t=1: 6 at risk, 1 event -> 5/6; t=2: 5 at risk, 1 event -> 5/6*4/5 = 2/3;
    # t=3: 3 at risk (one left censored at 2) -> 2/3*2/3 = 4/9; t=5: 1 at risk -> 0.
    km = C.km_curves(_KM)
    assert km["time"].tolist() == [1.0, 2.0, 3.0, 5.0]
    np.testing.assert_allclose(km["survival"], [5 / 6, 2 / 3, 4 / 9, 0.0])
    assert km["at_risk"].tolist() == [6, 5, 3, 1]
    # log(-log) band at t=1 from Greenwood's variance S^2 * d / (n (n - d)) = S^2 / 30
    s = 5 / 6
    sigma = s * math.sqrt(1 / 30) / (s * abs(math.log(s)))
    z = norm.ppf(0.975)
    assert km.loc[0, "ci_lower"] == pytest.approx(s ** math.exp(z * sigma))
    assert km.loc[0, "ci_upper"] == pytest.approx(s ** math.exp(-z * sigma))
    assert np.isnan(km.loc[3, "ci_lower"])  # S = 0: band undefined


def test_km_by_group_and_median():
    km = C.km_curves(_KM, group_col="g")
    assert sorted(km["group"].unique()) == ["a", "b"]
    # group b: t=3 (3 at risk) -> 2/3; t=5 (1 at risk) -> 0
    np.testing.assert_allclose(km.loc[km["group"] == "b", "survival"], [2 / 3, 0.0])
    med = C.median_survival(_KM)
    assert med.loc["all", "median"] == 3.0  # first t with S(t) <= 0.5 is 3 (S = 4/9)
    med_g = C.median_survival(_KM, group_col="g")
    assert med_g.loc["a", "median"] == 2.0  # group a: S(1)=2/3, S(2)=1/3


def test_logrank_matches_hand_computation():
    # Group a: O = 2. E and V by event time (n, n_a, d):
    # t=1 (6, 3, 1): E = 0.5, V = 3*3*1*5/(36*5) = 0.25; t=2 (5, 2, 1): E = 0.4, V = 2*3*1*4/(25*4) = 0.24;
    # t=3, t=5: no one of group a at risk.  chi2 = (2 - 0.9)^2 / 0.49.
    out = C.logrank_test(_KM, group_col="g")
    assert out["chi2"] == pytest.approx(1.1**2 / 0.49)
    assert out["p_value"] == pytest.approx(2 * (1 - norm.cdf(1.1 / 0.7)))


def test_logrank_needs_two_groups():
    with pytest.raises(DataError, match=r"logrank_test: column 'g' has 1 group"):
        C.logrank_test(_KM.assign(g="x"), group_col="g")


def test_km_rejects_negative_tenure():
    with pytest.raises(DataError, match=r"km_curves: column 'tenure' should be >= 0 but is negative in row 0"):
        C.km_curves(_KM.assign(tenure=[-1, 2, 2, 3, 4, 5]))


def test_km_telco_contract(telco):
    med = C.median_survival(telco, group_col="contract")
    assert med.loc["Month-to-month", "median"] > 0
    assert np.isnan(med.loc["Two year", "median"])  # fewer than half of two-year customers leave in 72 months
    assert C.logrank_test(telco, group_col="contract")["p_value"] < 1e-10


# --------------------------------------------------------------------------- features


def test_fill_total_charges_only_for_tenure_zero(telco):
    out = C.fill_total_charges(telco)
    blank = telco["total_charges"].isna()
    assert blank.sum() == 11  # loader datacard: 11 blank TotalCharges, all tenure 0
    assert (out.loc[blank, "total_charges"] == 0).all()
    # both candidate rules agree for them: monthly_charges * tenure = 0
    assert (telco.loc[blank, "monthly_charges"] * telco.loc[blank, "tenure"] == 0).all()
    pd.testing.assert_series_equal(out.loc[~blank, "total_charges"], telco.loc[~blank, "total_charges"])
    assert telco["total_charges"].isna().sum() == 11  # caller's frame untouched


def test_fill_total_charges_rejects_blank_for_billed_customer():
    df = pd.DataFrame({"tenure": [0, 3], "total_charges": [np.nan, np.nan]})
    with pytest.raises(DataError, match=r"'total_charges' is blank for customers with tenure > 0 in row 1"):
        C.fill_total_charges(df)


def test_prepare_features_shape_and_no_blank(telco):
    X, y = C.prepare_telco_features(telco)
    assert "churn" not in X and "customer_id" not in X
    assert X.index.name == "customer_id" and y.index.equals(X.index)
    assert not X.isna().any().any()
    assert set(X["online_security"]) == {"Yes", "No"}  # "No internet service" collapsed
    assert set(X["partner"]) == {"Yes", "No"}
    assert y.sum() == 1869


@pytest.mark.parametrize("leak", ["churn", "customer_id"])
def test_prepare_features_leakage_guard(telco, leak):
    with pytest.raises(DataError, match=rf"features include \['{leak}'\].*leakage"):
        C.prepare_telco_features(telco, features=["tenure", leak])


def test_prepare_features_rejects_duplicate_ids(telco):
    dup = pd.concat([telco.iloc[:3], telco.iloc[:1]], ignore_index=True)
    with pytest.raises(DataError, match=r"column 'customer_id' has duplicated ids in row 3"):
        C.prepare_telco_features(dup)


def test_make_pipeline_unknown_kind():
    with pytest.raises(DataError, match=r"kind='tree' is unknown; use 'logit' or 'gbm'"):
        C.make_churn_pipeline("tree")


# --------------------------------------------------------------------------- models


def test_logit_odds_ratio_recovers_simulated_truth():
    # Known truth: odds ratio of plan "b" vs "a" is 3, of +1 SD of x is exp(0.5).
    rng = np.random.default_rng(7)
    n = 20000
    plan = rng.choice(["a", "b"], size=n)
    x = rng.normal(size=n)
    logit = -1.0 + np.log(3.0) * (plan == "b") + 0.5 * x
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int))
    X = pd.DataFrame({"plan": plan, "x": x})
    pipe = C.make_churn_pipeline("logit").fit(X, y)
    o = C.odds_ratios(pipe).set_index("feature")
    assert o.loc["plan", "odds_ratio"] == pytest.approx(3.0, rel=0.1)
    assert o.loc["plan", "reference"] == "a"
    assert o.loc["x", "odds_ratio"] == pytest.approx(math.exp(0.5 * x.std(ddof=0)), rel=0.1)
    assert "3." in o.loc["plan", "label"] or "2.9" in o.loc["plan", "label"]


def test_odds_ratios_require_fitted_logit():
    with pytest.raises(DataError, match=r"not fitted yet; call fit\(X, y\) first"):
        C.odds_ratios(C.make_churn_pipeline("logit"))
    with pytest.raises(DataError, match=r"model is HistGradientBoostingClassifier"):
        C.odds_ratios(C.make_churn_pipeline("gbm", random_state=0))


def test_reason_contributions_sum_to_log_odds_difference(models):
    pipe = models.pipelines["logit"]
    X = models.X_test
    c = C.reason_contributions(pipe, X)
    assert list(c.columns) == list(X.columns)
    Z = pipe.named_steps["pre"].transform(X)
    model = pipe.named_steps["model"]
    log_odds = Z @ model.coef_.ravel() + model.intercept_[0]
    at_mean = Z.mean(axis=0) @ model.coef_.ravel() + model.intercept_[0]
    np.testing.assert_allclose(c.sum(axis=1), log_odds - at_mean, atol=1e-10)


def test_heldout_auc_reaches_published_baseline(models):
    # Reference: published baselines on the IBM Telco Customer Churn sample data
    # (WA_Fn-UseC_-Telco-Customer-Churn.csv) without leakage - logistic regression or
    # gradient boosting on the customer attributes - reach a held-out ROC AUC of about
    # 0.84-0.85; this is the chapter's acceptance bar.  The hold-out figure moves by about
    # +-0.01 with the split (seed 42: logit 0.847, gbm 0.843), so the cross-validated
    # mean on the training part is checked as well.
    h = models.holdout
    assert h["test_roc_auc"].max() >= 0.84
    assert h["cv_roc_auc"].max() >= 0.84
    assert h.loc[models.best, "test_roc_auc"] == h["test_roc_auc"].max()
    # honest split: disjoint customers, stratified churn share, CV on training part only
    assert not set(models.X_train.index) & set(models.X_test.index)
    assert abs(models.y_test.mean() - models.y_train.mean()) < 0.005
    assert (h["test_pr_auc"] > h["base_rate"] * 2).all()
    assert len(models.cv) == 10 and set(models.cv["model"]) == {"logit", "gbm"}


def test_calibration_table_logit_close_to_diagonal(models):
    cal = C.calibration_table(models.y_test, models.test_scores["logit"])
    assert len(cal) == 10
    assert (cal["observed_rate"] - cal["mean_predicted"]).abs().max() < 0.08


# --------------------------------------------------------------------------- gains


def test_gains_table_hand_computed():
    y = [1, 1, 0, 0, 1, 0]
    s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    g = C.gains_table(y, s, n_bins=3)
    # groups [1,1], [0,0], [1,0]; overall rate 1/2
    assert g["positives"].tolist() == [2, 0, 1]
    np.testing.assert_allclose(g["rate"], [1.0, 0.0, 0.5])
    np.testing.assert_allclose(g["gain"], [2 / 3, 2 / 3, 1.0])
    np.testing.assert_allclose(g["lift"], [2.0, 0.0, 1.0])
    np.testing.assert_allclose(g["cum_lift"], [2.0, 1.0, 1.0])
    np.testing.assert_allclose(g["cum_share"], [1 / 3, 2 / 3, 1.0])


def test_gains_table_sorts_scores_and_uneven_bins():
    # scores given in shuffled order; 5 customers in 2 bins -> sizes 3 and 2
    g = C.gains_table([0, 1, 0, 1, 1], [0.1, 0.9, 0.3, 0.8, 0.2], n_bins=2)
    # sorted: 0.9(1), 0.8(1), 0.3(0) | 0.2(1), 0.1(0)
    assert g["n"].tolist() == [3, 2]
    assert g["positives"].tolist() == [2, 1]
    np.testing.assert_allclose(g["cum_lift"], [(2 / 3) / (3 / 5), 1.0])


def test_gains_table_bad_inputs():
    with pytest.raises(DataError, match=r"gains_table: y_true has no positives"):
        C.gains_table([0, 0], [0.1, 0.2], n_bins=2)
    with pytest.raises(DataError, match=r"gains_table: y_true has 2 values but scores has 3"):
        C.gains_table([0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(DataError, match=r"n_bins=5 should be between 1 and the number of customers \(2\)"):
        C.gains_table([0, 1], [0.1, 0.2], n_bins=5)


def test_gains_table_real_model_captures_more_than_random(models):
    g = C.gains_table(models.y_test, models.test_scores["logit"])
    assert g["gain"].iloc[-1] == 1.0
    assert g["gain"].iloc[2] > 0.5  # top 30% of scores hold more than half the churners


# --------------------------------------------------------------------------- targeting


def test_targeting_curve_hand_computed():
    t = C.targeting_curve([0.2, 0.8, 0.5], value_saved=200, offer_cost=20, acceptance_rate=0.5)
    # sorted 0.8, 0.5, 0.2; per customer p*0.5*200 - 20 = 60, 30, 0
    np.testing.assert_allclose(t.curve["profit"], [0, 60, 90, 90])
    np.testing.assert_allclose(t.curve["expected_saved"], [0, 0.4, 0.65, 0.75])
    np.testing.assert_allclose(t.curve["cost"], [0, 20, 40, 60])
    assert t.optimal_k == 2  # tie at k=2 and k=3: the smaller k
    assert t.optimal_profit == pytest.approx(90)
    assert t.break_even_score == pytest.approx(0.2)
    assert np.isnan(t.curve["score"].iloc[0]) and t.curve["score"].iloc[1] == 0.8


def test_targeting_curve_contact_nobody_when_offer_too_expensive():
    t = C.targeting_curve([0.1, 0.3], value_saved=100, offer_cost=50, acceptance_rate=0.5)
    assert t.optimal_k == 0 and t.optimal_profit == 0.0


def test_targeting_optimum_equals_break_even_rule(models):
    p = models.test_scores["logit"].to_numpy()
    t = C.targeting_curve(p, value_saved=500, offer_cost=50, acceptance_rate=0.3)
    assert t.optimal_k == int((p > t.break_even_score).sum())


def test_targeting_curve_bad_inputs():
    with pytest.raises(DataError, match=r"scores should be probabilities in \[0, 1\]; positions \[1\]"):
        C.targeting_curve([0.2, 1.5], value_saved=1, offer_cost=1, acceptance_rate=0.5)
    with pytest.raises(DataError, match=r"acceptance_rate=1.5 should be at most 1"):
        C.targeting_curve([0.2], value_saved=1, offer_cost=1, acceptance_rate=1.5)
    with pytest.raises(DataError, match=r"offer_cost=-1 should be a number >= 0"):
        C.targeting_curve([0.2], value_saved=1, offer_cost=-1, acceptance_rate=0.5)


# --------------------------------------------------------------------------- warning list


def test_warning_list_threshold_bands_and_reasons(models):
    pipe = models.pipelines["logit"]
    X = models.X_test
    p = models.test_scores["logit"].to_numpy()
    wl = C.warning_list(X, p, pipeline=pipe, threshold=0.3, bands=(0.6, 0.4))
    assert len(wl) == int((p >= 0.3).sum())
    assert wl["risk_score"].is_monotonic_decreasing
    expected_band = np.where(wl["risk_score"] >= 0.6, "高", np.where(wl["risk_score"] >= 0.4, "中", "低"))
    assert (wl["risk_band"].to_numpy() == expected_band).all()
    assert set(wl["risk_band"]) == {"高", "中", "低"}
    # the first reason is the largest positive contribution of that customer
    c = C.reason_contributions(pipe, X)
    first = wl.iloc[0]
    top_col = c.loc[first["customer_id"]].idxmax()
    assert first["reasons"].startswith(f"{C.TELCO_LABELS[top_col]}={X.loc[first['customer_id'], top_col]}")
    assert first["suggested_action"] == C.DEFAULT_ACTIONS.get(top_col, "客户经理电话回访 (account manager call)")


def test_warning_list_needs_one_selection_rule(models):
    p = models.test_scores["logit"].to_numpy()
    with pytest.raises(DataError, match=r"give exactly one of top_n=... or threshold=..."):
        C.warning_list(models.X_test, p, pipeline=models.pipelines["logit"])
    with pytest.raises(DataError, match=r"X has 1761 rows but scores has 3"):
        C.warning_list(models.X_test, p[:3], pipeline=models.pipelines["logit"], top_n=2)


# --------------------------------------------------------------------------- non-contractual churn

_TX = pd.DataFrame(
    {
        "customer_id": [1, 1, 2, 3, 3, 4],
        "date": pd.to_datetime(["2020-01-01", "2020-03-22", "2020-01-01", "2020-02-20", "2020-05-01", "2020-04-15"]),
    }
)


def test_inactivity_labels_hand_computed():
    lab = C.inactivity_churn_labels(_TX, as_of="2020-03-31", threshold_days=40)
    # customer 4 first buys after as_of: left out; customer 3's May purchase is ignored
    assert lab.index.tolist() == [1, 2, 3]
    assert lab["days_since_last"].tolist() == [9, 90, 40]
    assert lab["churned"].tolist() == [False, True, False]  # 40 days is not > 40


def test_churn_rate_by_threshold_hand_computed():
    r = C.churn_rate_by_threshold(_TX, as_of="2020-03-31", thresholds=[5, 39, 100], until="2020-06-30")
    np.testing.assert_allclose(r["churn_rate"], [1.0, 2 / 3, 0.0])
    # bought again in (as_of, until]: customer 3 only
    np.testing.assert_allclose(r["returned_if_churned"], [1 / 3, 1 / 2, np.nan])
    np.testing.assert_allclose(r["returned_if_active"], [np.nan, 0.0, 1 / 3])


def test_inactivity_bad_inputs():
    with pytest.raises(DataError, match=r"threshold_days=0 should be > 0"):
        C.inactivity_churn_labels(_TX, as_of="2020-03-31", threshold_days=0)
    with pytest.raises(DataError, match=r"no purchase on or before as_of=2019-01-01"):
        C.inactivity_churn_labels(_TX, as_of="2019-01-01", threshold_days=30)
    with pytest.raises(DataError, match=r"column 'date' should hold dates"):
        C.inactivity_churn_labels(_TX.assign(date="2020-01-01"), as_of="2020-03-31", threshold_days=30)
    with pytest.raises(DataError, match=r"as_of='soon' is not a date"):
        C.inactivity_churn_labels(_TX, as_of="soon", threshold_days=30)
    with pytest.raises(DataError, match=r"until=2020-03-01 should be after as_of=2020-03-31"):
        C.churn_rate_by_threshold(_TX, as_of="2020-03-31", thresholds=[30], until="2020-03-01")


def test_cdnow_churn_rate_falls_with_threshold():
    r = C.churn_rate_by_threshold(load_cdnow(sample=True), as_of="1997-12-31", thresholds=[30, 90, 180])
    assert r["n_customers"].eq(2357).all()  # the whole Q1-1997 cohort has bought by then
    assert r["churn_rate"].is_monotonic_decreasing


# --------------------------------------------------------------------------- widget


def test_targeting_summary_matches_curve_optimum(models):
    from crm_lessons.widgets.churn import targeting_summary

    p = models.test_scores["logit"].to_numpy()
    s = targeting_summary(p, value_saved=500, offer_cost=50, acceptance_rate=0.3)
    t = C.targeting_curve(p, value_saved=500, offer_cost=50, acceptance_rate=0.3)
    assert s["optimal_k"] == t.optimal_k and s["expected_profit"] == t.optimal_profit
    assert s["cost"] == 50 * t.optimal_k


def test_targeting_explorer_builds_and_updates():
    from crm_lessons.widgets.churn import targeting_explorer

    box = targeting_explorer(np.array([0.9, 0.5, 0.1]), value_saved=100, offer_cost=10, acceptance_rate=0.5)
    sliders = box.children[:3]
    assert [s.value for s in sliders] == [100, 10, 0.5]
    sliders[1].value = 60  # triggers a redraw; must not raise


# --------------------------------------------------------------------------- plots


def test_plots_render_with_course_theme(models, tmp_path):
    # drawn and saved with the course theme; a missing Chinese glyph warns, and warnings are errors
    import matplotlib
    import matplotlib.pyplot as plt

    from crm_lessons.plotting import churn as cplot
    from crm_lessons.plotting import set_theme

    p = models.test_scores["logit"]
    with matplotlib.rc_context():
        set_theme()
        fig, axes = plt.subplots(2, 4, figsize=(16, 7))
        try:
            cplot.plot_km(C.km_curves(_KM, group_col="g"), ax=axes[0, 0])
            cplot.plot_roc(models.y_test, models.test_scores, ax=axes[0, 1])
            cplot.plot_pr(models.y_test, models.test_scores, ax=axes[0, 2])
            cplot.plot_calibration({"logit": C.calibration_table(models.y_test, p)}, ax=axes[0, 3])
            ax = cplot.plot_gains(C.gains_table(models.y_test, p), ax=axes[1, 0])
            t = C.targeting_curve(p, value_saved=500, offer_cost=50, acceptance_rate=0.3)
            cplot.plot_profit(t, ax=axes[1, 1])
            r = C.churn_rate_by_threshold(_TX, as_of="2020-03-31", thresholds=[5, 39], until="2020-06-30")
            cplot.plot_threshold_churn(r, ax=axes[1, 2])
            fig.savefig(tmp_path / "churn.png")
            assert ax is axes[1, 0]
            assert axes[1, 1].get_legend().get_texts()[0].get_text().startswith(f"最优 k = {t.optimal_k}")
        finally:
            plt.close(fig)


def test_import_changes_no_global_state():
    # statsmodels and scikit-learn add warning filters when imported, so the chapter 7 modules import
    # them inside the functions; importing the modules must leave filters, rcParams and the RNG alone.
    import subprocess
    import sys

    code = (
        "import matplotlib, pandas, warnings, numpy as np\n"
        "before = (dict(matplotlib.rcParams), list(warnings.filters), np.random.get_state()[1][:5].tolist())\n"
        "import crm_lessons.churn, crm_lessons.plotting.churn, crm_lessons.widgets.churn\n"
        "after = (dict(matplotlib.rcParams), list(warnings.filters), np.random.get_state()[1][:5].tolist())\n"
        "assert before == after, 'importing the churn modules changed global state'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- reading and acting -------------------------------------------------------------------------------


def test_variance_inflation_matches_statsmodels(telco):
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    X, _ = C.prepare_telco_features(telco)
    cols = ["tenure", "monthly_charges", "total_charges"]
    got = C.variance_inflation(X, cols)
    exog = np.column_stack([np.ones(len(X)), X[cols].to_numpy(dtype=float)])
    want = [variance_inflation_factor(exog, j + 1) for j in range(len(cols))]
    np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-9)
    assert got["total_charges"] > 5  # the warning level: its odds ratio cannot be read alone


def test_variance_inflation_exact_collinearity_and_bad_input():
    df = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.0, 0, 1, 0], "c": [2.0, 2, 4, 4]})
    assert math.isinf(C.variance_inflation(df, ["a", "b", "c"])["c"])
    with pytest.raises(DataError, match=r"need at least two columns"):
        C.variance_inflation(df, ["a"])
    with pytest.raises(DataError, match=r"\['k'\] are constant"):
        C.variance_inflation(df.assign(k=1.0), ["a", "k"])


def test_odds_ratios_with_numeric_features_only(telco):
    X, y = C.prepare_telco_features(telco, features=["tenure", "monthly_charges"])
    odds = C.odds_ratios(C.make_churn_pipeline("logit").fit(X, y))
    assert set(odds["feature"]) == {"tenure", "monthly_charges"} and (odds["level"] == "+1 SD").all()


def test_winback_priority_tiers_by_hand():
    v = pd.Series([500.0, 40, 120, -10, 80, 300, 60, 20, 90, 0.0], index=list("abcdefghij"))
    out = C.winback_priority(v, shares=(0.25, 0.25))
    # 8 customers worth it (value > 0): top 2 try hardest, next 2 try, the other 4 when cheap
    assert out["tier"].astype(str).to_dict() == {
        "a": "极力挽回",
        "f": "极力挽回",
        "c": "尽力挽回",
        "i": "尽力挽回",
        "e": "见机行事",
        "g": "见机行事",
        "b": "见机行事",
        "h": "见机行事",
        "d": "彻底放弃",
        "j": "彻底放弃",
    }
    assert out.loc["a", "rank"] == 1 and out.loc["d", "rank"] == 10
    assert list(out["tier"].cat.categories) == list(C.WINBACK_TIERS)
    # tiers follow value: nobody in a higher-effort tier is worth less than someone in a lower one
    codes = out["tier"].cat.codes
    for t in range(3):
        assert out.loc[codes == t, "value"].min() >= out.loc[codes == t + 1, "value"].max()
    assert (C.winback_priority(v, floor=100.0)["tier"] == "彻底放弃").sum() == 7


@pytest.mark.parametrize(
    "value, kw, match",
    [
        ([1.0, 2.0], {}, r"should be a pandas Series"),
        (pd.Series(["a", "b"]), {}, r"should be numeric"),
        (pd.Series([1.0, None], index=["x", "y"]), {}, r"missing for customers \['y'\]"),
        (pd.Series([1.0, 2.0]), {"shares": (0.6, 0.5)}, r"summing to at most 1"),
    ],
)
def test_winback_priority_bad_input(value, kw, match):
    with pytest.raises(DataError, match=match):
        C.winback_priority(value, **kw)
