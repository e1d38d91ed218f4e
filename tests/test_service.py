"""crm_lessons.service: Erlang C against exact identities and a simulation, A/B tests, complaints, PDCA, Bass."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crm_lessons import service as sv
from crm_lessons._validation import DataError
from crm_lessons.datasets import load_email_ab_test
from crm_lessons.widgets.service import describe_staffing


def _erlang_c_exact(traffic: Fraction, agents: int) -> Fraction:
    """Erlang's formula term by term in exact rational arithmetic (Cooper 1981, eq. 3.5-3.6)."""
    total, term = Fraction(0), Fraction(1)
    for k in range(agents):
        total += term
        term = term * traffic / (k + 1)
    top = term * agents / (agents - traffic)
    return top / (total + top)


# -- Erlang C: exact identities ---------------------------------------------------------


@pytest.mark.parametrize("rho", [0.1, 0.5, 0.93])
def test_single_agent_reduces_to_mm1(rho):
    # M/M/1: P(wait) = rho, ASA = rho / (1 - rho) x aht, P(W > t) = rho exp(-(1 - rho) t / aht)
    assert sv.erlang_c(rho, 1) == pytest.approx(rho, rel=1e-12)
    assert sv.average_speed_of_answer(rho, 1, aht=3.0) == pytest.approx(rho / (1 - rho) * 3.0, rel=1e-12)
    assert sv.service_level(rho, 1, aht=3.0, target_time=2.0) == pytest.approx(
        1 - rho * math.exp(-(1 - rho) * 2.0 / 3.0), rel=1e-12
    )


@pytest.mark.parametrize("traffic", [0.3, 1.0, 1.9])
def test_two_agents_closed_form(traffic):
    # N = 2: C = A^2 / (2 + A), from the definition by hand
    assert sv.erlang_c(traffic, 2) == pytest.approx(traffic**2 / (2 + traffic), rel=1e-12)


@pytest.mark.parametrize(
    "traffic, agents",
    [(Fraction(8), 10), (Fraction(37, 2), 25), (Fraction(95), 100), (Fraction(480), 500), (Fraction(4995, 10), 500)],
)
def test_erlang_c_matches_exact_rational_formula(traffic, agents):
    exact = float(_erlang_c_exact(traffic, agents))
    got = sv.erlang_c(float(traffic), agents)
    assert math.isfinite(got)
    assert got == pytest.approx(exact, rel=1e-10)


def test_erlang_c_halfin_whitt_limit_at_500_agents():
    # Halfin & Whitt (1981), Operations Research 29(3): with N = A + beta sqrt(A),
    # P(wait) -> 1 / (1 + beta Phi(beta) / phi(beta)) as N grows; at N = 500 within a few percent.
    beta = 1.0
    sqrt_a = (-1 + math.sqrt(1 + 4 * 500)) / 2
    limit = 1 / (1 + beta * stats.norm.cdf(beta) / stats.norm.pdf(beta))
    assert sv.erlang_c(sqrt_a**2, 500) == pytest.approx(limit, rel=0.05)


def test_erlang_c_large_systems_stay_finite_and_monotone():
    values = [sv.erlang_c(4000.0, n) for n in range(4001, 4200, 20)]
    assert all(math.isfinite(v) and 0 <= v <= 1 for v in values)
    assert all(a > b for a, b in zip(values, values[1:]))  # more agents, less waiting


def test_erlang_b_recursion_matches_definition():
    a, n = 7.5, 9
    terms = [a**k / math.factorial(k) for k in range(n + 1)]
    assert sv.erlang_b(a, n) == pytest.approx(terms[-1] / sum(terms), rel=1e-12)


@pytest.mark.parametrize("traffic, agents", [(10.0, 10), (12.5, 10)])
def test_overloaded_queue_raises(traffic, agents):
    with pytest.raises(DataError, match=r"traffic=.* >= agents=10.*grow without limit.*at least 1[13] agents"):
        sv.erlang_c(traffic, agents)
    with pytest.raises(DataError, match="grow without limit"):
        sv.service_level(traffic, agents, aht=3.0, target_time=0.3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"traffic": -1.0, "agents": 3}, "traffic=-1.0 should be a finite number >= 0"),
        ({"traffic": float("nan"), "agents": 3}, "traffic=nan"),
        ({"traffic": 1.0, "agents": 2.5}, "agents=2.5 should be a whole number"),
        ({"traffic": 1.0, "agents": True}, "agents=True should be a whole number"),
        ({"traffic": 1.0, "agents": 0}, "agents=0 should be >= 1"),
    ],
)
def test_bad_erlang_inputs(kwargs, message):
    with pytest.raises(DataError, match=message):
        sv.erlang_c(**kwargs)


def test_staffing_measures_are_consistent():
    table = sv.staffing_table(2.0, aht=4.0, target_time=1 / 3, agents=range(6, 16))
    assert table.index[0] == 9  # 6, 7, 8 agents cannot carry 8 Erlangs and are skipped
    assert table["service_level"].is_monotonic_increasing and table["asa"].is_monotonic_decreasing
    assert np.allclose(table["occupancy"], 8.0 / table.index)
    # service level at t = 0 is 1 - P(wait)
    assert sv.service_level(8.0, 10, aht=4.0, target_time=0) == pytest.approx(1 - sv.erlang_c(8.0, 10))


def test_agents_required_is_the_smallest_level_meeting_the_target():
    n = sv.agents_required(8.0, aht=4.0, target_time=1 / 3, target_level=0.8)
    assert sv.service_level(8.0, n, aht=4.0, target_time=1 / 3) >= 0.8
    assert sv.service_level(8.0, n - 1, aht=4.0, target_time=1 / 3) < 0.8
    capped = sv.agents_required(8.0, aht=4.0, target_time=1 / 3, target_level=0.8, max_occupancy=0.65)
    assert capped == math.ceil(8.0 / 0.65) and capped > n
    # a large centre: finite and economical (square-root staffing)
    big = sv.agents_required(450.0, aht=4.0, target_time=1 / 3, target_level=0.8)
    assert 450 < big < 450 + 3 * math.sqrt(450)


def test_rostered_staff_shrinkage():
    assert sv.rostered_staff(11, shrinkage=0.3) == 16  # 11 / 0.7 = 15.7
    assert sv.rostered_staff(7, shrinkage=0.3) == 10  # exactly 10, no rounding up by float noise
    assert sv.rostered_staff(11, shrinkage=0.0) == 11
    with pytest.raises(DataError, match="shrinkage=1.0 should be below 1"):
        sv.rostered_staff(11, shrinkage=1.0)


def test_pooling_effect():
    p = sv.pooling_effect(2.0, aht=4.0, agents=10, target_time=1 / 3)
    assert p.loc["pooled", "occupancy"] == p.loc["separate", "occupancy"]
    assert p.loc["pooled", "p_wait"] < p.loc["separate", "p_wait"]
    assert p.loc["pooled", "service_level"] > p.loc["separate", "service_level"]
    assert p.loc["separate", "p_wait"] == pytest.approx(sv.erlang_c(4.0, 5))
    with pytest.raises(DataError, match="cannot be split evenly"):
        sv.pooling_effect(2.0, aht=4.0, agents=11, target_time=1 / 3)


# -- Erlang C against a discrete-event simulation -----------------------------------------


@pytest.mark.parametrize("arrival_rate, aht, agents", [(1.6, 5.0, 10), (0.7, 1.0, 1), (9.0, 3.0, 30)])
def test_erlang_c_agrees_with_simulation(arrival_rate, aht, agents):
    """Within 3 standard errors over 20 independent replications of an M/M/N queue."""
    target = 0.1 * aht
    reps = pd.DataFrame(
        [
            sv.queue_summary(
                sv.simulate_queue(arrival_rate, aht=aht, agents=agents, n_customers=4000, random_state=seed),
                target_time=target,
                warmup=0.1,
            )
            for seed in range(20)
        ]
    )
    mean, se = reps.mean(), reps.std(ddof=1) / math.sqrt(len(reps))
    a = arrival_rate * aht
    truth = {
        "p_wait": sv.erlang_c(a, agents),
        "mean_wait": sv.average_speed_of_answer(a, agents, aht=aht),
        "service_level": sv.service_level(a, agents, aht=aht, target_time=target),
    }
    for key, value in truth.items():
        assert abs(mean[key] - value) < 3 * se[key], (key, mean[key], value, se[key])


def test_simulation_variability_and_bookkeeping():
    kw = {"aht": 5.0, "agents": 10, "n_customers": 5000}
    regular = sv.simulate_queue(1.6, arrival_cv=0.0, service_cv=0.0, random_state=1, **kw)
    poisson = sv.simulate_queue(1.6, random_state=1, **kw)
    bursty = sv.simulate_queue(1.6, arrival_cv=2.0, random_state=1, **kw)
    waits = [sv.queue_summary(s, target_time=0.5)["mean_wait"] for s in (regular, poisson, bursty)]
    assert waits[0] == 0 and waits[0] < waits[1] < waits[2]  # same load, more variability, longer waits
    for s in (poisson, bursty):
        assert np.allclose(s["departure"], s["arrival"] + s["wait"] + s["service"])
        assert s["arrival"].is_monotonic_increasing and (s["wait"] >= 0).all()
        # whoever finds a free agent does not wait
        assert (s.loc[s["in_system"] < 10, "wait"] == 0).all()


def test_announced_wait_is_unbiased_in_mmn():
    # errors of successive callers are correlated: judge the bias across independent replications
    biases, gains = [], []
    for seed in range(12):
        sim = sv.simulate_queue(1.8, aht=5.0, agents=10, n_customers=5000, random_state=seed).iloc[500:]
        delayed = sim[sim["in_system"] >= 10]
        err = delayed["wait"].to_numpy() - sv.announced_wait(delayed["in_system"], agents=10, aht=5.0)
        biases.append(err.mean())
        gains.append(np.mean(np.abs(err)) / np.mean(np.abs(delayed["wait"] - delayed["wait"].mean())))
    assert abs(np.mean(biases)) < 3 * np.std(biases, ddof=1) / math.sqrt(len(biases))
    assert max(gains) < 1  # knowing the queue predicts better than the overall average


def test_queue_summary_errors():
    with pytest.raises(DataError, match="missing column 'wait'"):
        sv.queue_summary(pd.DataFrame({"w": [1.0]}), target_time=1)
    with pytest.raises(DataError, match="negative or missing"):
        sv.queue_summary(pd.DataFrame({"wait": [1.0, -1.0]}), target_time=1, warmup=0)


def test_waiting_principles_follow_the_course():
    w = sv.waiting_principles()
    assert len(w) == 10 and (w["source"].iloc[:8] == "Maister (1985)").all()
    assert w["principle"].tolist() == list(range(1, 11))


# -- A/B test of an interaction -------------------------------------------------------------


def test_email_ab_test_by_hand():
    df = load_email_ab_test()
    r = sv.ab_test(df, group_col="message", response_col="opened", control="A", treatment="B", method="wald")
    x0, n0, x1, n1 = 13, 71, 47, 355  # datasets/README.md
    d = x1 / n1 - x0 / n0
    se = math.sqrt(x0 / n0 * (1 - x0 / n0) / n0 + x1 / n1 * (1 - x1 / n1) / n1)
    assert r["difference"] == pytest.approx(d)
    assert r["ci_low"] == pytest.approx(d - 1.959964 * se, rel=1e-5)
    pooled = (x0 + x1) / (n0 + n1)
    z = d / math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    assert r["z"] == pytest.approx(z) and r["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)))
    # the pooled z test is the chi-square test of the 2x2 table without continuity correction
    chi2 = stats.chi2_contingency([[x0, n0 - x0], [x1, n1 - x1]], correction=False)
    assert r["p_value"] == pytest.approx(chi2.pvalue, rel=1e-8)
    newcomb = sv.ab_test(df, group_col="message", response_col="opened", control="A", treatment="B")
    assert newcomb["ci_low"] < d < newcomb["ci_high"] and newcomb["p_value"] > 0.05


def test_ab_test_errors():
    df = pd.DataFrame({"v": ["A", "B", "B"], "y": [1, 0, 2]})
    with pytest.raises(DataError, match="should hold 0/1 responses.*row 2"):
        sv.ab_test(df, group_col="v", response_col="y", control="A", treatment="B")
    with pytest.raises(DataError, match=r"no rows with v == 'C'"):
        sv.ab_test(df.iloc[:2], group_col="v", response_col="y", control="A", treatment="C")


def test_sample_size_and_power_agree_with_cohen():
    # Cohen (1988), chapter 6: n per group = ((z_{1-a/2} + z_{power}) / h)^2 x 2 for equal groups
    h = 2 * math.asin(math.sqrt(0.15)) - 2 * math.asin(math.sqrt(0.10))
    n = sv.ab_sample_size(0.10, 0.15, alpha=0.05, power=0.8)
    by_hand = 2 * ((stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) / h) ** 2
    assert n["n_control"] == math.ceil(by_hand) == n["n_treatment"]
    power = sv.ab_power(0.10, 0.15, n_control=int(n["n_control"]), n_treatment=int(n["n_treatment"]))
    assert 0.8 <= power < 0.802
    unequal = sv.ab_sample_size(0.10, 0.15, ratio=5)
    assert unequal["n_treatment"] >= 5 * unequal["n_control"] - 5
    assert sv.ab_power(0.10, 0.15, n_control=int(unequal["n_control"]), n_treatment=int(unequal["n_treatment"])) >= 0.8
    with pytest.raises(DataError, match="are equal"):
        sv.ab_sample_size(0.1, 0.1)


def test_power_simulation_matches_formula():
    rng = np.random.default_rng(0)
    n0, n1, reps = 400, 400, 2000
    x0 = rng.binomial(n0, 0.10, reps)
    x1 = rng.binomial(n1, 0.16, reps)
    pooled = (x0 + x1) / (n0 + n1)
    z = (x1 / n1 - x0 / n0) / np.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    simulated = np.mean(np.abs(z) > stats.norm.ppf(0.975))
    formula = sv.ab_power(0.10, 0.16, n_control=n0, n_treatment=n1)
    assert abs(simulated - formula) < 3 * math.sqrt(formula * (1 - formula) / reps)


# -- complaints ---------------------------------------------------------------------------------


def test_complaint_metrics_recover_known_rates():
    means = {"phone": 1.0, "email": 12.0, "web": 4.0, "social": 2.0}
    log = sv.simulate_complaint_log(
        20000, mean_first_response_hours=means, mean_resolution_hours=48, reopen_rate=0.1, random_state=5
    )
    by = sv.complaint_metrics(log, sla_first_response_hours=4, sla_resolution_hours=72, by="channel")
    for ch, mean in means.items():
        truth = 1 - math.exp(-4 / mean)
        n = by.loc[ch, "complaints"]
        assert abs(by.loc[ch, "first_response_within_sla"] - truth) < 3.5 * math.sqrt(truth * (1 - truth) / n) + 0.005
        assert by.loc[ch, "median_first_response_h"] == pytest.approx(mean * math.log(2), rel=0.1)
    overall = sv.complaint_metrics(log, sla_first_response_hours=4, sla_resolution_hours=72)
    assert overall["reopen_rate"] == pytest.approx(0.1, abs=3 * math.sqrt(0.09 / 20000))
    assert overall["complaints"] == by["complaints"].sum() == 20000


def test_complaint_metrics_errors():
    log = sv.simulate_complaint_log(10, random_state=0)
    bad = log.copy()
    bad.loc[3, "first_response_at"] = bad.loc[3, "opened_at"] - pd.Timedelta(hours=1)
    with pytest.raises(DataError, match="'first_response_at' is before 'opened_at' in row 3"):
        sv.complaint_metrics(bad, sla_first_response_hours=4, sla_resolution_hours=72)
    with pytest.raises(DataError, match="missing column 'closed'.*resolved_col="):
        sv.complaint_metrics(log, sla_first_response_hours=4, sla_resolution_hours=72, resolved_col="closed")
    still_open = log.copy()
    still_open.loc[0, "resolved_at"] = pd.NaT
    m = sv.complaint_metrics(still_open, sla_first_response_hours=4, sla_resolution_hours=1e6)
    assert m["resolution_within_sla"] == pytest.approx(0.9)  # the open one is not resolved in time


# -- PDCA -------------------------------------------------------------------------------------


def test_compare_periods_detects_a_real_change_and_not_noise():
    kw = {"arrival_rate": 1.6, "agents": 10, "hours": 4, "target_time": 0.5}
    before = sv.simulate_daily_service(25, aht=5.0, random_state=1, **kw)
    after = sv.simulate_daily_service(25, aht=4.0, random_state=2, **kw)
    same = sv.simulate_daily_service(25, aht=5.0, random_state=3, **kw)
    real = sv.compare_periods(before["service_level"], after["service_level"])
    assert real["change"] > 0 and real["ci_low"] > 0 and real["p_value"] < 0.01
    null = sv.compare_periods(before["service_level"], same["service_level"])
    assert null["ci_low"] < 0 < null["ci_high"]
    welch = stats.ttest_ind(after["service_level"], before["service_level"], equal_var=False)
    assert real["p_value"] == pytest.approx(welch.pvalue)
    with pytest.raises(DataError, match="at least two finite"):
        sv.compare_periods([0.7], [0.8, 0.9])


# -- Bass diffusion ------------------------------------------------------------------------------


def test_bass_cumulative_properties():
    t = np.linspace(0, 60, 601)
    f = sv.bass_cumulative(t, p=0.03, q=0.38)
    assert f[0] == 0 and np.all(np.diff(f) > 0) and f[-1] == pytest.approx(1, abs=1e-6)
    # hazard f / (1 - F) = p + q F (Bass 1969, eq. 1), checked numerically
    dens = np.gradient(f, t)
    hazard = dens[100:400] / (1 - f[100:400])
    assert np.allclose(hazard, 0.03 + 0.38 * f[100:400], rtol=1e-3)
    # peak of the adoption rate at ln(q/p)/(p+q)
    assert t[np.argmax(dens)] == pytest.approx(math.log(0.38 / 0.03) / 0.41, abs=0.1)


@pytest.mark.parametrize("p, q, m, seed", [(0.02, 0.4, 50_000, 0), (0.01, 0.6, 20_000, 1), (0.05, 0.2, 100_000, 2)])
def test_fit_bass_recovers_simulated_parameters(p, q, m, seed):
    adopters = sv.simulate_bass(m, p=p, q=q, n_periods=20, random_state=seed)
    fit = sv.fit_bass(adopters)
    for name, truth in [("p", p), ("q", q), ("m", m)]:
        assert abs(fit[name] - truth) < 3 * fit[f"se_{name}"] + 0.02 * truth, (name, fit[name], truth)


def test_fit_bass_exact_on_noise_free_data_and_errors():
    fit = sv.fit_bass(sv.bass_adoptions(12, p=0.03, q=0.38, m=1000))
    assert fit[["p", "q", "m"]].tolist() == pytest.approx([0.03, 0.38, 1000], rel=1e-6)
    with pytest.raises(DataError, match="at least 4 periods"):
        sv.fit_bass([1, 2, 3])
    with pytest.raises(DataError, match="finite and >= 0"):
        sv.fit_bass([1, 2, -3, 4])


# -- widget's pure function ------------------------------------------------------------------------


def test_describe_staffing_quotes_the_erlang_values():
    text = describe_staffing(11, arrival_rate=2.0, aht=4.0, target_time=1 / 3)
    sl = sv.service_level(8.0, 11, aht=4.0, target_time=1 / 3)
    assert text.startswith("11 名坐席") and f"{sl:.1%}" in text and "占用率 73%" in text
    assert "无限增长" in describe_staffing(7, arrival_rate=2.0, aht=4.0, target_time=1 / 3)


def test_plots_return_axes():
    import matplotlib.pyplot as plt

    from crm_lessons.plotting import service as splot

    try:
        ax = splot.plot_staffing(sv.staffing_table(2.0, aht=4.0, target_time=1 / 3), target_level=0.8)
        assert len(ax.lines) == 3
        sims = {"a": sv.simulate_queue(1.0, aht=0.8, agents=1, n_customers=100, random_state=0)}
        assert splot.plot_waits(sims).get_legend() is not None
        x = sv.simulate_bass(5000, p=0.03, q=0.4, n_periods=10, random_state=0)
        assert len(splot.plot_bass_fit(x, sv.fit_bass(x), horizon=15).patches) == 10
    finally:
        plt.close("all")
