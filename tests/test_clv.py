"""Tests of crm_lessons.clv against published estimates and simulations with known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from crm_lessons import DataError
from crm_lessons.clv import (
    BetaGeoFitter,
    GammaGammaFitter,
    NotFittedError,
    ParetoNBDFitter,
    ShiftedBetaGeometricFitter,
    bgnbd_conditional_expected_transactions,
    bgnbd_expected_transactions,
    bgnbd_log_likelihood,
    bgnbd_p_alive,
    clv,
    customer_summary,
    gamma_gamma_conditional_expected_spend,
    gamma_gamma_log_likelihood,
    pareto_nbd_conditional_expected_transactions,
    pareto_nbd_expected_transactions,
    pareto_nbd_log_likelihood,
    pareto_nbd_p_alive,
    sbg_derl,
    sbg_log_likelihood,
    sbg_retention,
    sbg_survival,
)
from crm_lessons.datasets import load_cdnow
from crm_lessons.simulate import simulate_bgnbd, simulate_pareto_nbd

BG_CDNOW = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PNBD_CDNOW = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
GG_CDNOW = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow_tx() -> pd.DataFrame:
    return load_cdnow(sample=True)


@pytest.fixture(scope="module")
def cdnow(cdnow_tx: pd.DataFrame) -> pd.DataFrame:
    return customer_summary(cdnow_tx, calibration_end="1997-09-30", observation_end="1998-06-30")


# ---------------------------------------------------------------------------
# customer_summary
# ---------------------------------------------------------------------------


def _tiny() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "a", "b", "c", "c"],
            "date": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-01",
                    "2024-01-08",
                    "2024-01-22",
                    "2024-02-05",
                    "2024-01-15",
                    "2024-02-01",
                    "2024-02-10",
                ]
            ),
            "amount": [10.0, 5.0, 20.0, 30.0, 8.0, 3.0, 1.0, 2.0],
        }
    )


def test_summary_hand_computed_weeks():
    # a: purchase days 0 (two orders, merged), 7, 21 in calibration (end = day 28); day 35 in hold-out.
    # b: one purchase on day 14. c: first purchase after calibration_end -> not in the summary.
    s = customer_summary(_tiny(), calibration_end="2024-01-29", observation_end="2024-02-12")
    assert list(s.index) == ["a", "b"]
    a = s.loc["a"]
    assert a["frequency"] == 2
    assert a["recency"] == pytest.approx(21 / 7)
    assert a["T"] == pytest.approx(28 / 7)
    assert a["monetary_value"] == pytest.approx((20 + 30) / 2)  # first purchase excluded
    assert a["frequency_holdout"] == 1
    assert a["monetary_value_holdout"] == pytest.approx(8.0)
    assert a["duration_holdout"] == pytest.approx(14 / 7)
    b = s.loc["b"]
    assert (b["frequency"], b["recency"], b["T"], b["monetary_value"]) == (0, 0.0, 2.0, 0.0)


def test_summary_days_and_no_holdout():
    s = customer_summary(_tiny(), calibration_end="2024-02-10", freq="D")
    assert list(s.columns) == ["frequency", "recency", "T", "monetary_value"]
    assert s.loc["a", "frequency"] == 3 and s.loc["a", "recency"] == 35 and s.loc["a", "T"] == 40
    assert s.loc["c", "frequency"] == 1 and s.loc["c", "recency"] == 9 and s.loc["c", "T"] == 9


def test_summary_ignores_order_and_does_not_mutate():
    tx = _tiny()
    shuffled = tx.sample(frac=1.0, random_state=3)
    before = shuffled.copy()
    a = customer_summary(tx, calibration_end="2024-01-29", observation_end="2024-02-12")
    b = customer_summary(shuffled, calibration_end="2024-01-29", observation_end="2024-02-12")
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(shuffled, before)


def test_summary_string_dates_accepted():
    tx = _tiny().assign(date=lambda d: d["date"].dt.strftime("%Y-%m-%d"))
    s = customer_summary(tx, calibration_end="2024-01-29")
    assert s.loc["a", "frequency"] == 2


def test_summary_cdnow_published_counts(cdnow):
    # Fader, Hardie & Lee (2005), Marketing Science 24(2), section 4: 2,357 customers in the
    # 1/10 sample; 39-week calibration (to 1997-09-30) and 39-week hold-out (to 1998-06-30).
    # 946 customers make at least one repeat purchase in calibration (Fader & Hardie 2013,
    # "The Gamma-Gamma model of monetary value", p. 2).
    assert len(cdnow) == 2357
    assert int((cdnow["frequency"] > 0).sum()) == 946
    assert cdnow["duration_holdout"].iloc[0] == pytest.approx(39.0)
    assert cdnow["T"].max() == pytest.approx(38.857142, abs=1e-5)  # first purchase 1997-01-01: 272 days
    assert cdnow["T"].min() == pytest.approx(27.0)  # first purchase 1997-03-31: 183 days
    # repeat transactions: FHL (2005) tracking plots report 2,457 in calibration, 1,882 in hold-out
    assert int(cdnow["frequency"].sum()) == 2457
    assert int(cdnow["frequency_holdout"].sum()) == 1882


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.drop(columns="amount"), r"missing column 'amount'.*pass amount_col="),
        (lambda d: d.assign(amount=[10.0, -5.0] + [1.0] * 6), r"'amount' should be >= 0 but is negative in row 1"),
        (lambda d: d.assign(amount=["x"] * 8), r"'amount' should be numeric"),
        (
            lambda d: d.assign(date=["2024-01-01", "not a date"] + ["2024-01-02"] * 6),
            r"'date' could not be read as dates",
        ),
        (lambda d: d.assign(date=[pd.NaT] + list(d["date"][1:])), r"'date' has missing dates in row 0"),
    ],
)
def test_summary_bad_input(change, match):
    with pytest.raises(DataError, match=match):
        customer_summary(change(_tiny()), calibration_end="2024-01-29")


def test_summary_bad_arguments():
    with pytest.raises(DataError, match=r"observation_end=2024-01-01 should be after calibration_end=2024-01-29"):
        customer_summary(_tiny(), calibration_end="2024-01-29", observation_end="2024-01-01")
    with pytest.raises(DataError, match=r"freq='M' is not supported"):
        customer_summary(_tiny(), calibration_end="2024-01-29", freq="M")
    with pytest.raises(DataError, match=r"no customer made a first purchase on or before calibration_end=2023-01-01"):
        customer_summary(_tiny(), calibration_end="2023-01-01")
    with pytest.raises(DataError, match=r"calibration_end='soon' is not a date"):
        customer_summary(_tiny(), calibration_end="soon")


# ---------------------------------------------------------------------------
# BG/NBD
# ---------------------------------------------------------------------------


def test_bgnbd_cdnow_published(cdnow):
    # Fader, Hardie & Lee (2005), Marketing Science 24(2), p. 279 (section 4):
    # r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4.
    bg = BetaGeoFitter().fit(cdnow)
    assert bg.params_.to_dict() == pytest.approx(BG_CDNOW, rel=2e-3)
    assert bg.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)
    assert bg.convergence_["success"] is True
    assert (bg.standard_errors_ > 0).all()
    summary = bg.summary()
    assert list(summary.columns) == ["estimate", "standard_error", "lower_95", "upper_95"]
    assert (summary["lower_95"] < summary["estimate"]).all()


def test_bgnbd_gradient_matches_finite_differences(cdnow):
    # the analytic gradient drives the optimiser; check it against central differences
    x, tx, T = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    from crm_lessons.clv import _bgnbd_ll_grad

    p = np.array([0.3, 5.0, 0.9, 2.0])
    _, g = _bgnbd_ll_grad(*p, x, tx, T, True)
    for i in range(4):
        h = np.zeros(4)
        h[i] = 1e-6
        num = (bgnbd_log_likelihood(p + h, x, tx, T).sum() - bgnbd_log_likelihood(p - h, x, tx, T).sum()) / 2e-6
        assert g[i].sum() == pytest.approx(num, rel=1e-5)


def _quantile_grid(dist_a, dist_b, n=1000):
    """Gauss-Legendre nodes in probability space: E[f(A, B)] = sum f(a_i, b_j) w_i w_j."""
    u, w = np.polynomial.legendre.leggauss(n)
    u, w = (u + 1) / 2, w / 2
    return dist_a.ppf(u)[:, None], dist_b.ppf(u)[None, :], w[:, None] * w[None, :]


def test_bgnbd_likelihood_equals_direct_integration():
    # L(x, t_x, T) = E over lambda ~ Gamma(r, alpha), p ~ Beta(a, b) of the individual likelihood
    # (1-p)^x lambda^x e^{-lambda T} + p (1-p)^(x-1) lambda^x e^{-lambda t_x}  (FHL 2005, eq. 3)
    r, alpha, a, b = BG_CDNOW.values()
    lam, p, w = _quantile_grid(stats.gamma(r, scale=1 / alpha), stats.beta(a, b))
    for x, tx, T in [(3, 12.5, 30.0), (1, 30.0, 31.0), (0, 0.0, 38.0)]:
        f = (1 - p) ** x * lam**x * np.exp(-lam * T)
        if x > 0:
            f = f + p * (1 - p) ** (x - 1) * lam**x * np.exp(-lam * tx)
        assert bgnbd_log_likelihood(BG_CDNOW, [x], [tx], [T])[0] == pytest.approx(np.log((f * w).sum()), abs=1e-6)


@pytest.fixture(scope="module")
def bg_world():
    # 40,000 customers, 52 weeks of calibration and 26 of hold-out, exact continuous times
    sim = simulate_bgnbd(40_000, r=0.4, alpha=5.0, a=0.9, b=3.0, T=78, acquisition_period=20, random_state=7)
    return sim


def test_bgnbd_expected_transactions_matches_simulation():
    sim = simulate_bgnbd(100_000, r=0.4, alpha=5.0, a=0.9, b=3.0, T=39, random_state=11)
    f = sim.customers["frequency"]
    expected = bgnbd_expected_transactions({"r": 0.4, "alpha": 5.0, "a": 0.9, "b": 3.0}, 39.0)
    assert abs(f.mean() - expected) < 4 * f.std() / np.sqrt(len(f))


def test_bgnbd_parameter_recovery(bg_world):
    # customers' exact (x, t_x, T) over the whole 78 weeks; 40,000 customers: within 4 standard errors
    truth = pd.Series({"r": 0.4, "alpha": 5.0, "a": 0.9, "b": 3.0})
    bg = BetaGeoFitter().fit(bg_world.customers)
    z = (bg.params_ - truth) / bg.standard_errors_
    assert (z.abs() < 4).all(), z


def test_bgnbd_conditional_expectation_is_calibrated(bg_world):
    # split the simulated log at week 52: predictions made at week 52 from the summary must match,
    # on average, the simulated hold-out purchases in weeks 52-78.
    s = customer_summary(bg_world.transactions, calibration_end="2024-12-29", observation_end="2025-06-29")
    bg = BetaGeoFitter().fit(s)
    pred = bg.predict(26.0, s)
    actual = s["frequency_holdout"]
    assert pred.sum() == pytest.approx(actual.sum(), rel=0.05)
    # the same by calibration frequency (FHL 2005, Figure 4 style), for well-populated groups
    by_freq = pd.DataFrame({"pred": pred, "actual": actual, "x": s["frequency"]}).groupby("x").agg(["mean", "size"])
    big = by_freq[("pred", "size")] >= 1000
    assert big.sum() >= 3
    np.testing.assert_allclose(by_freq.loc[big, ("pred", "mean")], by_freq.loc[big, ("actual", "mean")], rtol=0.15)


def test_bgnbd_p_alive_matches_simulated_truth():
    # with everyone observed over exactly 52 weeks, the truth "alive at T" is known per customer
    sim = simulate_bgnbd(60_000, r=0.4, alpha=5.0, a=0.9, b=3.0, T=52, random_state=5)
    c = sim.customers
    pa = bgnbd_p_alive({"r": 0.4, "alpha": 5.0, "a": 0.9, "b": 3.0}, c["frequency"], c["recency"], c["T"])
    assert pa.mean() == pytest.approx(c["alive"].mean(), abs=0.01)
    repeaters = c["frequency"] > 0
    assert pa[repeaters].mean() == pytest.approx(c.loc[repeaters, "alive"].mean(), abs=0.015)


def test_bgnbd_cdnow_holdout_prediction(cdnow):
    # FHL (2005), section 4: BG/NBD and Pareto/NBD forecasts of the 39-week hold-out are nearly
    # identical, and both track the observed repeat purchases closely (1,882 in the hold-out).
    bg = BetaGeoFitter().fit(cdnow)
    pn = ParetoNBDFitter().fit(cdnow)
    bg_total = bg.predict(39.0, cdnow).sum()
    assert bg_total == pytest.approx(pn.predict(39.0, cdnow).sum(), rel=0.02)
    assert bg_total == pytest.approx(1882, rel=0.15)
    # tracking of the calibration period: sum of E[X(T_i)] over customers vs 2,457 observed
    assert bg.expected_transactions(cdnow["T"]).sum() == pytest.approx(2457, rel=0.02)


def test_bgnbd_vectorised_for_many_customers():
    n = 1_000_000
    rng = np.random.default_rng(0)
    x = rng.integers(0, 20, n).astype(float)
    T = rng.uniform(20, 40, n)
    tx = np.where(x > 0, T * rng.uniform(0.01, 1, n), 0.0)
    pa = bgnbd_p_alive(BG_CDNOW, x, tx, T)
    ce = bgnbd_conditional_expected_transactions(BG_CDNOW, 10.0, x, tx, T)
    assert pa.shape == ce.shape == (n,)
    assert np.isfinite(ce).all() and (ce >= 0).all() and ((pa > 0) & (pa <= 1)).all()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.assign(recency=[5.0, 40.0, 0.0]), r"recency larger than T in row 1"),
        (lambda d: d.assign(frequency=[1.5, 2, 0]), r"'frequency' should hold whole numbers .* row 0"),
        (lambda d: d.assign(recency=[5.0, 10.0, 3.0]), r"recency should be 0 when frequency is 0 .* row 2"),
        (lambda d: d.assign(T=[30.0, -1.0, 20.0]), r"'T' should be >= 0 but is negative in row 1"),
        (lambda d: d.drop(columns="T"), r"missing column 'T'"),
        (lambda d: d.assign(recency=[0.0, 10.0, 0.0]), r"recency is 0 although frequency > 0 in row 0"),
    ],
)
def test_rft_validation(change, match):
    good = pd.DataFrame({"frequency": [1, 2, 0], "recency": [5.0, 10.0, 0.0], "T": [30.0, 31.0, 20.0]})
    with pytest.raises(DataError, match=match):
        BetaGeoFitter().fit(change(good))
    with pytest.raises(DataError, match=match):
        ParetoNBDFitter().fit(change(good))


def test_not_fitted_and_bad_params():
    with pytest.raises(NotFittedError, match=r"This BetaGeoFitter instance is not fitted yet; call 'fit'"):
        BetaGeoFitter().p_alive(pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [1.0]}))
    with pytest.raises(NotFittedError, match=r"GammaGammaFitter instance is not fitted"):
        GammaGammaFitter().summary()
    with pytest.raises(DataError, match=r"parameter alpha=-1.0 should be a positive number"):
        bgnbd_p_alive({"r": 1, "alpha": -1, "a": 1, "b": 1}, [0], [0], [1])
    with pytest.raises(DataError, match=r"parameters \['b'\] are missing"):
        bgnbd_p_alive({"r": 1, "alpha": 1, "a": 1}, [0], [0], [1])


def test_fit_returns_self_and_does_not_mutate(cdnow):
    before = cdnow.copy()
    bg = BetaGeoFitter()
    assert bg.fit(cdnow) is bg
    pd.testing.assert_frame_equal(cdnow, before)
    assert "BetaGeoFitter(r=0.243" in repr(bg)


# ---------------------------------------------------------------------------
# Pareto/NBD
# ---------------------------------------------------------------------------


def test_pareto_nbd_cdnow_published(cdnow):
    # Fader, Hardie & Lee (2005), Marketing Science 24(2), p. 279 and Fader & Hardie (2005),
    # "A note on deriving the Pareto/NBD model and related expressions" (CDNOW sample):
    # r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL = -9595.0.
    m = ParetoNBDFitter().fit(cdnow)
    assert m.params_.to_dict() == pytest.approx(PNBD_CDNOW, rel=3e-3)
    assert m.log_likelihood_ == pytest.approx(-9595.0, abs=0.1)
    assert m.convergence_["success"] is True


def test_pareto_nbd_likelihood_equals_direct_integration():
    # individual likelihood given lambda, mu (Fader & Hardie 2005 note, eq. 2):
    # lambda^x e^{-(lambda+mu)T} + lambda^x mu/(lambda+mu) (e^{-(lambda+mu)t_x} - e^{-(lambda+mu)T})
    r, alpha, s, beta = PNBD_CDNOW.values()
    lam, mu, w = _quantile_grid(stats.gamma(r, scale=1 / alpha), stats.gamma(s, scale=1 / beta))
    k = lam + mu
    for x, tx, T in [(2, 10.0, 30.0), (5, 29.0, 30.0), (0, 0.0, 25.0)]:
        f = lam**x * np.exp(-k * T) + lam**x * mu / k * (np.exp(-k * tx) - np.exp(-k * T))
        assert pareto_nbd_log_likelihood(PNBD_CDNOW, [x], [tx], [T])[0] == pytest.approx(
            np.log((f * w).sum()), abs=1e-6
        )
    # and with alpha < beta (the other A_0 branch)
    other = {"r": 0.553, "alpha": 5.0, "s": 0.606, "beta": 20.0}
    lam, mu, w = _quantile_grid(stats.gamma(0.553, scale=1 / 5.0), stats.gamma(0.606, scale=1 / 20.0))
    k = lam + mu
    f = lam**4 * np.exp(-k * 30.0) + lam**4 * mu / k * (np.exp(-k * 18.0) - np.exp(-k * 30.0))
    assert pareto_nbd_log_likelihood(other, [4], [18.0], [30.0])[0] == pytest.approx(np.log((f * w).sum()), abs=1e-6)


def test_pareto_nbd_alpha_below_beta_branch_is_continuous():
    # the two A_0 branches (alpha >= beta and alpha < beta) must agree as alpha crosses beta
    base = {"r": 0.5, "s": 0.7, "beta": 10.0}
    lo = pareto_nbd_log_likelihood({**base, "alpha": 10.0 - 1e-7}, [3], [20.0], [30.0])
    hi = pareto_nbd_log_likelihood({**base, "alpha": 10.0 + 1e-7}, [3], [20.0], [30.0])
    assert lo[0] == pytest.approx(hi[0], abs=1e-6)


def test_pareto_nbd_simulation_recovery_and_calibration():
    sim = simulate_pareto_nbd(30_000, r=0.55, alpha=10.6, s=0.61, beta=11.7, T=52, random_state=3)
    c = sim.customers
    truth = pd.Series({"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7})
    m = ParetoNBDFitter().fit(c)
    z = (m.params_ - truth) / m.standard_errors_
    assert (z.abs() < 4).all(), z
    pa = pareto_nbd_p_alive(truth, c["frequency"], c["recency"], c["T"])
    assert pa.mean() == pytest.approx(c["alive"].mean(), abs=0.01)
    e = pareto_nbd_expected_transactions(truth, 52.0)
    assert abs(c["frequency"].mean() - e) < 4 * c["frequency"].std() / np.sqrt(len(c))


def test_pareto_nbd_conditional_expectation_s_equal_one_limit():
    p1 = {"r": 0.5, "alpha": 8.0, "s": 1.0, "beta": 9.0}
    p2 = {"r": 0.5, "alpha": 8.0, "s": 1.0 + 1e-7, "beta": 9.0}
    a = pareto_nbd_conditional_expected_transactions(p1, 20.0, [2], [10.0], [30.0])
    b = pareto_nbd_conditional_expected_transactions(p2, 20.0, [2], [10.0], [30.0])
    assert a[0] == pytest.approx(b[0], rel=1e-5)


# ---------------------------------------------------------------------------
# Gamma-Gamma
# ---------------------------------------------------------------------------


def test_gamma_gamma_cdnow_published(cdnow):
    # Fader & Hardie (2013), "The Gamma-Gamma model of monetary value", p. 3: the 946 CDNOW
    # sample customers with repeat purchases, mean repeat spend: p = 6.25, q = 3.74, gamma = 15.44.
    gg = GammaGammaFitter().fit(cdnow)
    assert gg.n_observations_ == 946
    assert gg.params_.to_dict() == pytest.approx(GG_CDNOW, rel=3e-3)
    assert gg.convergence_["success"] is True


def test_gamma_gamma_density_equals_direct_integration():
    # m_x | nu ~ Gamma(px, rate x nu) (mean of x Gamma(p, nu) amounts), nu ~ Gamma(q, rate gamma)
    p, q, g = GG_CDNOW.values()
    for x, m in [(1, 20.0), (4, 35.5)]:
        value, _ = integrate.quad(
            lambda nu: stats.gamma.pdf(m, p * x, scale=1 / (x * nu)) * stats.gamma.pdf(nu, q, scale=1 / g),
            0,
            np.inf,
            epsabs=1e-14,
        )
        assert gamma_gamma_log_likelihood(GG_CDNOW, [x], [m])[0] == pytest.approx(np.log(value), abs=1e-7)


def test_gamma_gamma_expected_spend_is_shrinkage():
    pop = 6.25 * 15.44 / (3.74 - 1)
    e = gamma_gamma_conditional_expected_spend(GG_CDNOW, [0, 1, 100], [0.0, 60.0, 60.0])
    assert e[0] == pytest.approx(pop)
    assert pop < e[1] < e[2] < 60.0
    with pytest.raises(DataError, match=r"q=0.5 should be > 1"):
        gamma_gamma_conditional_expected_spend({"p": 1, "q": 0.5, "gamma": 1}, [1], [1.0])


def test_gamma_gamma_recovery_from_simulated_transactions():
    sim = simulate_bgnbd(30_000, r=0.8, alpha=4.0, a=0.5, b=4.0, T=52, spend=(4.0, 5.0, 40.0), random_state=9)
    s = customer_summary(sim.transactions, calibration_end="2024-12-29")
    gg = GammaGammaFitter().fit(s)
    truth = pd.Series({"p": 4.0, "q": 5.0, "gamma": 40.0})
    z = (gg.params_ - truth) / gg.standard_errors_
    assert (z.abs() < 4).all(), z


def test_gamma_gamma_bad_input():
    bad = pd.DataFrame({"frequency": [1, 2, 3], "monetary_value": [10.0, 0.0, 5.0]})
    with pytest.raises(
        DataError, match=r"monetary_value should be > 0 for customers with repeat purchases but is 0 in row 1"
    ):
        GammaGammaFitter().fit(bad)
    with pytest.raises(DataError, match=r"need at least 3 customers with frequency > 0, got 1"):
        GammaGammaFitter().fit(pd.DataFrame({"frequency": [1, 0], "monetary_value": [10.0, 0.0]}))


# ---------------------------------------------------------------------------
# sBG
# ---------------------------------------------------------------------------

# Fader & Hardie (2007), "How to project customer retention", J. Interactive Marketing 21(1),
# 76-90, Table 1 (survivors per 1,000 of each cohort, years 0-12) and p. 80 (estimates on years 0-7).
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


@pytest.mark.parametrize(
    ("survivors", "alpha", "beta", "ll"),
    [(REGULAR, 0.704, 1.182, -1680.3), (HIGH_END, 0.668, 3.806, -1611.2)],
)
def test_sbg_published(survivors, alpha, beta, ll):
    m = ShiftedBetaGeometricFitter().fit(survivors[:8])
    assert m.params_["alpha"] == pytest.approx(alpha, rel=0.01)
    assert m.params_["beta"] == pytest.approx(beta, rel=0.01)
    assert m.log_likelihood_ == pytest.approx(ll, abs=0.1)
    # the paper's point: the projection for years 8-12 tracks the actual survivors (Figure 3)
    projected = 1000 * m.survival(np.arange(8, 13))
    np.testing.assert_allclose(projected, survivors[8:], rtol=0.06)


def test_sbg_closed_forms_agree():
    p = {"alpha": 0.704, "beta": 1.182}
    t = np.arange(1, 30)
    np.testing.assert_allclose(sbg_retention(p, t), sbg_survival(p, t) / sbg_survival(p, t - 1))
    # survival is one minus the cumulative churn probabilities P(T=t) = S(t-1) - S(t)
    assert sbg_log_likelihood(p, [100, 60]) == pytest.approx(
        40 * np.log(1 - sbg_survival(p, 1)) + 60 * np.log(sbg_survival(p, 1))
    )


def test_sbg_derl_equals_discounted_sum():
    p = {"alpha": 0.704, "beta": 1.182}
    d = 0.1
    t = np.arange(0, 3000)
    for n_minus_1 in [0, 4]:
        n = n_minus_1 + 1
        direct = np.sum(sbg_survival(p, n + t) / sbg_survival(p, n - 1) / (1 + d) ** t)
        assert sbg_derl(p, d, renewals=n_minus_1) == pytest.approx(direct, rel=1e-6)


def test_sbg_recovery_from_simulation():
    rng = np.random.default_rng(4)
    churn_p = rng.beta(0.8, 2.5, 50_000)
    lifetime = rng.geometric(churn_p)  # period of churn, 1, 2, ...
    survivors = [int((lifetime > t).sum()) for t in range(0, 9)]
    m = ShiftedBetaGeometricFitter().fit(survivors)
    z = (m.params_ - pd.Series({"alpha": 0.8, "beta": 2.5})) / m.standard_errors_
    assert (z.abs() < 4).all(), z


def test_sbg_bad_input():
    with pytest.raises(DataError, match=r"survivors should not increase, but period 2 has 700 > 600"):
        ShiftedBetaGeometricFitter().fit([1000, 600, 700])
    with pytest.raises(DataError, match=r"at least 2 counts"):
        ShiftedBetaGeometricFitter().fit([1000])
    with pytest.raises(DataError, match=r"discount_rate=0 should be > 0"):
        sbg_derl({"alpha": 1, "beta": 1}, 0)


# ---------------------------------------------------------------------------
# CLV
# ---------------------------------------------------------------------------


def test_clv_equals_hand_discounting(cdnow):
    bg, gg = BetaGeoFitter().fit(cdnow), GammaGammaFitter().fit(cdnow)
    value = clv(bg, gg, cdnow, horizon=3, discount_rate=0.05, period_length=4.0, margin=0.2)
    c = cdnow.iloc[:5]
    x, tx, T, m = (c[k].to_numpy(float) for k in ("frequency", "recency", "T", "monetary_value"))
    e = [bgnbd_conditional_expected_transactions(bg.params_, 4.0 * k, x, tx, T) for k in range(4)]
    spend = gamma_gamma_conditional_expected_spend(gg.params_, x, m)
    hand = 0.2 * spend * sum((e[k] - e[k - 1]) / 1.05**k for k in (1, 2, 3))
    np.testing.assert_allclose(value.iloc[:5].to_numpy(), hand)
    assert value.name == "clv" and value.index.equals(cdnow.index)
    # more history of buying -> more value, all else equal; no discounting -> larger
    undiscounted = clv(bg, gg, cdnow, horizon=3, discount_rate=0.0, period_length=4.0, margin=0.2)
    assert (undiscounted >= value).all()


def test_clv_with_pareto_and_bad_arguments(cdnow):
    pn, gg = ParetoNBDFitter().fit(cdnow), GammaGammaFitter().fit(cdnow)
    v = clv(pn, gg, cdnow, horizon=2, discount_rate=0.01)
    assert (v >= 0).all()
    with pytest.raises(DataError, match=r"horizon=0 should be a whole number >= 1"):
        clv(pn, gg, cdnow, horizon=0, discount_rate=0.01)
    with pytest.raises(DataError, match=r"discount_rate=-0.1 should be >= 0"):
        clv(pn, gg, cdnow, horizon=2, discount_rate=-0.1)
    with pytest.raises(NotFittedError):
        clv(BetaGeoFitter(), gg, cdnow, horizon=2, discount_rate=0.01)


# ---------------------------------------------------------------------------
# data for the figures, and the figures
# ---------------------------------------------------------------------------


def test_tracking_data_totals(cdnow_tx, cdnow):
    from crm_lessons.clv import tracking_data

    bg = BetaGeoFitter().fit(cdnow)
    d = tracking_data(cdnow_tx, bg, calibration_end="1997-09-30", observation_end="1998-06-30")
    assert len(d) == 78 and d["calibration"].sum() == 39
    # cumulative actual at the end of calibration and of the hold-out equal the summary totals
    assert d.loc[39, "actual"] == cdnow["frequency"].sum()
    assert d.loc[78, "actual"] == cdnow["frequency"].sum() + cdnow["frequency_holdout"].sum()
    assert np.all(np.diff(d["expected"]) >= 0)
    # expected by week 78 = sum over customers of E[X(age at week 78)], computed directly
    first = cdnow_tx.groupby("customer_id")["date"].min()
    age = (pd.Timestamp("1998-06-30") - first).dt.days.to_numpy() / 7
    assert d.loc[78, "expected"] == pytest.approx(bg.expected_transactions(age).sum())


def test_holdout_by_frequency_and_p_alive_matrix(cdnow):
    from crm_lessons.clv import holdout_by_frequency, p_alive_matrix

    bg = BetaGeoFitter().fit(cdnow)
    t = holdout_by_frequency(bg, cdnow, max_frequency=7)
    assert list(t.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert t["customers"].sum() == 2357
    assert t.loc["0", "actual"] == pytest.approx(cdnow.loc[cdnow["frequency"] == 0, "frequency_holdout"].mean())
    m = p_alive_matrix(bg, T=39.0, max_frequency=10, n_recency=13)
    assert m.shape == (11, 13) and (m.loc[0] == 1.0).all()
    assert (m.diff(axis=1).iloc[1:, 1:] > 0).all().all()  # later last purchase -> more likely alive
    with pytest.raises(DataError, match=r"T=0 should be > 0"):
        p_alive_matrix(bg, T=0)


def test_figures_draw_on_given_axes(cdnow_tx, cdnow):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from crm_lessons.clv import holdout_by_frequency, p_alive_matrix, tracking_data
    from crm_lessons.lifecycle import cohort_matrix, lifecycle_stage, stage_distribution
    from crm_lessons.plotting import clv as pc

    bg = BetaGeoFitter().fit(cdnow)
    fig, axes = plt.subplots(2, 3)
    try:
        drawn = [
            pc.plot_tracking(
                tracking_data(cdnow_tx, bg, calibration_end="1997-09-30", observation_end="1998-06-30"), ax=axes[0, 0]
            ),
            pc.plot_holdout_by_frequency(holdout_by_frequency(bg, cdnow), ax=axes[0, 1]),
            pc.plot_p_alive_matrix(p_alive_matrix(bg, T=39.0), ax=axes[0, 2]),
            pc.plot_survival(
                pd.DataFrame(
                    {
                        "actual": np.array(REGULAR[:8]) / 1000,
                        "sBG": sbg_survival({"alpha": 0.704, "beta": 1.182}, np.arange(8)),
                    }
                ),
                ax=axes[1, 0],
            ),
            pc.plot_cohort_heatmap(cohort_matrix(cdnow_tx, freq="M"), ax=axes[1, 1]),
            pc.plot_stage_distribution(
                stage_distribution(lifecycle_stage(cdnow_tx, as_of="1998-06-30")), ax=axes[1, 2]
            ),
        ]
        assert all(a is b for a, b in zip(drawn, axes.ravel()))
        assert len(axes[0, 0].get_lines()) == 3  # actual, model, calibration end
        with pytest.raises(DataError, match=r"plot_cohort_heatmap: missing column 'cohort_size'"):
            pc.plot_cohort_heatmap(pd.DataFrame({0: [1.0]}))
    finally:
        plt.close(fig)


def test_summary_same_for_integer_and_string_ids(cdnow_tx, cdnow):
    # integer ids are used as codes directly, other ids are factorised: both paths must agree
    as_str = cdnow_tx.assign(customer_id="C" + cdnow_tx["customer_id"].astype(str))
    s = customer_summary(as_str, calibration_end="1997-09-30", observation_end="1998-06-30")
    s.index = s.index.str[1:].astype("int64")
    pd.testing.assert_frame_equal(s.sort_index(), cdnow, check_index_type=False)
    sparse = cdnow_tx.assign(customer_id=cdnow_tx["customer_id"] * 10**9)  # too sparse to be codes
    s2 = customer_summary(sparse, calibration_end="1997-09-30", observation_end="1998-06-30")
    np.testing.assert_array_equal(s2.index.to_numpy() // 10**9, cdnow.index.to_numpy())
    np.testing.assert_array_equal(s2.to_numpy(), cdnow.to_numpy())


def test_unidentified_models_report_clearly():
    from crm_lessons.clv import ConvergenceError

    none_repeat = pd.DataFrame({"frequency": [0, 0, 0], "recency": [0.0, 0.0, 0.0], "T": [10.0, 20.0, 30.0]})
    for fitter in (BetaGeoFitter, ParetoNBDFitter):
        with pytest.raises(DataError, match=r"no customer has a repeat purchase"):
            fitter().fit(none_repeat)
    # nobody churns: the churn probabilities' beta distribution runs to the boundary
    with pytest.raises(ConvergenceError, match=r"edge of the parameter space .* nobody churned"):
        ShiftedBetaGeometricFitter().fit([100, 100, 100])


def test_convergence_report(cdnow):
    for fitter in (BetaGeoFitter, ParetoNBDFitter, GammaGammaFitter):
        c = fitter().fit(cdnow).convergence_
        assert c["success"] is True and c["at_bound"] is False and c["method"] == "L-BFGS-B"
        assert c["max_abs_gradient_log_params"] < 0.05  # gradient of the total LL over log-parameters
        assert c["n_iterations"] > 0


def _naive_summary(tx: pd.DataFrame, cal: str, obs: str) -> pd.DataFrame:
    """customer_summary by pandas groupby, in days, for the comparison below."""
    d = tx.assign(day=tx["date"].dt.floor("D"))
    d = d[d["day"] <= pd.Timestamp(obs)].groupby(["customer_id", "day"])["amount"].sum().reset_index()
    cal_ts = pd.Timestamp(cal)
    first = d.groupby("customer_id")["day"].min()
    d = d[d["customer_id"].map(first) <= cal_ts]
    c, h = d[d["day"] <= cal_ts].groupby("customer_id"), d[d["day"] > cal_ts].groupby("customer_id")
    n, n_hold = c.size(), h.size().reindex(first.index, fill_value=0)
    out = pd.DataFrame({"frequency": n - 1, "recency": (c["day"].max() - c["day"].min()).dt.days.astype(float)})
    out["T"] = (cal_ts - c["day"].min()).dt.days.astype(float)
    repeat = c["amount"].sum() - c["amount"].first()
    out["monetary_value"] = np.where(n > 1, repeat / (n - 1).clip(lower=1), 0.0)
    out["frequency_holdout"] = n_hold.reindex(out.index)
    hold = h["amount"].sum().reindex(out.index, fill_value=0.0)
    out["monetary_value_holdout"] = np.where(
        out["frequency_holdout"] > 0, hold / out["frequency_holdout"].clip(lower=1), 0.0
    )
    return out


@pytest.mark.parametrize("cores", [1, 2])
def test_summary_day_bitmap_and_sort_agree(monkeypatch, cores):
    """Purchase days counted with a bitmap or by sorting the (customer, day) pairs: the same table to
    the last bit, equal to a pandas groupby; calibration ends on a 64-day word boundary or inside a
    word; rows after observation_end, customers only in the hold-out, several purchases a day;
    numpy without bitwise_count counts the bits by table."""
    from crm_lessons import _threads
    from crm_lessons.clv import _summary

    monkeypatch.setattr(_threads, "cores", lambda: cores)
    monkeypatch.setattr(_threads, "MIN_ROWS", 64)
    rng = np.random.default_rng(21)
    n = 6000
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 900, n) * 7,
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300 * 24, n), unit="h"),
            "amount": rng.integers(1, 10_000, n) / 100,
        }
    )
    for cal in ("2024-03-04", "2024-03-05", "2024-06-30"):  # day0 + 63 (bits 0-63: one whole word), + 64, later
        obs = "2024-09-30"
        kw = {"calibration_end": cal, "observation_end": obs, "freq": "D"}
        by_bits = customer_summary(tx, **kw)
        with monkeypatch.context() as m:
            m.setattr(_summary, "_BITMAP_BYTES_PER_ROW", 0)
            m.setattr(_summary, "_BITMAP_BYTES", 0)
            by_sort = customer_summary(tx, **kw)
        pd.testing.assert_frame_equal(by_bits, by_sort, check_exact=True)
        with monkeypatch.context() as m:
            m.delattr(np, "bitwise_count", raising=False)
            pd.testing.assert_frame_equal(customer_summary(tx, **kw), by_bits, check_exact=True)
        want = _naive_summary(tx, cal, obs)
        assert by_bits.index.tolist() == want.index.tolist(), cal
        for col in ("frequency", "recency", "T", "frequency_holdout"):
            np.testing.assert_array_equal(by_bits[col].to_numpy(), want[col].to_numpy(), err_msg=col)
        for col in ("monetary_value", "monetary_value_holdout"):
            np.testing.assert_allclose(by_bits[col].to_numpy(), want[col].to_numpy(), rtol=1e-12, err_msg=col)
