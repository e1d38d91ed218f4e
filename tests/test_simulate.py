"""Tests of crm_lessons.simulate: structure, reproducibility and the simulated distributions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_lessons import DataError
from crm_lessons.clv import customer_summary
from crm_lessons.simulate import simulate_bgnbd, simulate_pareto_nbd


def test_bgnbd_structure_and_consistency():
    sim = simulate_bgnbd(2000, r=0.5, alpha=3.0, a=1.0, b=3.0, T=52, acquisition_period=10, random_state=0)
    tx, c = sim.transactions, sim.customers
    assert list(tx.columns) == ["customer_id", "date", "amount"]
    assert pd.api.types.is_datetime64_any_dtype(tx["date"])
    assert len(c) == 2000 and c.index.name == "customer_id"
    # one first purchase per customer plus the repeat purchases
    assert len(tx) == 2000 + c["frequency"].sum()
    assert tx.groupby("customer_id").size().sub(1).equals(c["frequency"].rename(None).rename_axis("customer_id"))
    assert (c["recency"] <= c["T"]).all() and ((c["frequency"] == 0) == (c["recency"] == 0)).all()
    assert ((c["T"] > 42) & (c["T"] <= 52)).all()
    # log sorted by customer then date; first purchase date as stated
    assert tx.equals(tx.sort_values(["customer_id", "date"], kind="stable"))
    assert (tx.groupby("customer_id")["date"].min() == c["first_purchase"]).all()
    assert tx["date"].max() < pd.Timestamp("2024-01-01") + pd.Timedelta(days=52 * 7)
    assert (tx["amount"] > 0).all()
    assert sim.params == {
        "r": 0.5,
        "alpha": 3.0,
        "a": 1.0,
        "b": 3.0,
        "T": 52,
        "freq": "W",
        "p": 6.25,
        "q": 3.74,
        "gamma": 15.44,
    }


def test_summary_of_simulated_log_matches_truth_up_to_day_rounding():
    sim = simulate_bgnbd(3000, r=0.3, alpha=4.0, a=1.0, b=3.0, T=52, random_state=1)
    s = customer_summary(sim.transactions, calibration_end="2024-12-29")
    c = sim.customers.loc[s.index]
    # calibration_end is the last day (day 363); T counts days from the first purchase to it
    np.testing.assert_allclose(s["T"], 363 / 7)
    # same-day purchases merge in the summary, so its frequency can only be lower
    assert (s["frequency"] <= c["frequency"]).all()
    assert (s["frequency"] == c["frequency"]).mean() > 0.95
    same = s["frequency"] == c["frequency"]
    np.testing.assert_allclose(s.loc[same, "recency"], c.loc[same, "recency"], atol=1 / 7)


def test_reproducible_and_seed_sensitive():
    kw = dict(r=0.5, alpha=3.0, a=1.0, b=3.0, T=20)
    a = simulate_bgnbd(500, **kw, random_state=3)
    b = simulate_bgnbd(500, **kw, random_state=3)
    c = simulate_bgnbd(500, **kw, random_state=4)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    assert not a.customers["lambda_"].equals(c.customers["lambda_"])


def test_latent_distributions_match_parameters():
    sim = simulate_bgnbd(100_000, r=2.0, alpha=4.0, a=2.0, b=6.0, T=10, random_state=2)
    c = sim.customers
    # Gamma(r, rate alpha): mean r/alpha; Beta(a, b): mean a/(a+b); nu ~ Gamma(q, rate gamma): mean q/gamma
    assert c["lambda_"].mean() == pytest.approx(0.5, rel=0.01)
    assert c["p"].mean() == pytest.approx(0.25, rel=0.01)
    assert c["nu"].mean() == pytest.approx(3.74 / 15.44, rel=0.01)
    # without drop-out (b huge) the repeat count is negative binomial: mean r T / alpha
    nd = simulate_bgnbd(100_000, r=2.0, alpha=4.0, a=1.0, b=1e8, T=10, random_state=2).customers
    assert nd["frequency"].mean() == pytest.approx(5.0, rel=0.01)
    assert nd["frequency"].var() == pytest.approx(5.0 + 2.0 * (10 / 4.0) ** 2, rel=0.03)


def test_purchase_times_are_uniform_given_count():
    # for a Poisson process, purchase times given the count are uniform on (0, T)
    nd = simulate_bgnbd(20_000, r=5.0, alpha=5.0, a=1.0, b=1e8, T=10, freq="D", random_state=6, spend=None)
    tx = nd.transactions
    days = (tx["date"] - pd.Timestamp("2024-01-01")).dt.days
    repeat = days[tx.duplicated("customer_id")]  # all but each customer's first row
    counts = np.bincount(repeat, minlength=10)
    assert counts.size == 10
    assert counts.min() / counts.max() > 0.93
    assert (tx["amount"] == 1.0).all()


def test_pareto_structure_and_drop_out():
    sim = simulate_pareto_nbd(50_000, r=1.0, alpha=2.0, s=1.0, beta=10.0, T=20, random_state=8)
    c = sim.customers
    assert list(c.columns) == ["first_purchase", "lambda_", "mu", "nu", "frequency", "recency", "T", "alive"]
    # P(alive at T) = E[exp(-mu T)] = (beta / (beta + T))^s
    assert c["alive"].mean() == pytest.approx(10 / 30, abs=0.01)
    assert len(sim.transactions) == 50_000 + c["frequency"].sum()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(r=-1.0), r"simulate_bgnbd: r=-1.0 should be a positive number"),
        (dict(T=0), r"T=0 should be a positive number"),
        (dict(acquisition_period=52), r"acquisition_period=52 should be >= 0 and < T=52"),
        (dict(freq="M"), r"freq='M' is not supported"),
        (dict(spend=(1.0, 2.0)), r"spend should be \(p, q, gamma\)"),
        (dict(start="yesterday-ish"), r"start='yesterday-ish' is not a date"),
    ],
)
def test_bad_arguments(kwargs, match):
    base = dict(r=0.5, alpha=3.0, a=1.0, b=3.0, T=52)
    with pytest.raises(DataError, match=match):
        simulate_bgnbd(10, **{**base, **kwargs})
    with pytest.raises(DataError, match=r"n_customers=0 should be a whole number >= 1"):
        simulate_bgnbd(0, **base)
