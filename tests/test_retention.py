"""crm_lessons.retention: customer NPV, retention uplift, customer-base models."""

from __future__ import annotations

import numpy as np
import pytest

from crm_lessons._validation import DataError
from crm_lessons.retention import (
    REICHHELD_SASSER_1990,
    customer_npv,
    project_customer_base,
    retention_uplift,
    steady_state,
)


def test_npv_closed_form_equals_long_finite_sum():
    kw = dict(
        margin=120, retention=0.85, discount_rate=0.12, margin_growth=0.04, retention_cost=15, acquisition_cost=80
    )
    assert customer_npv(**kw) == pytest.approx(customer_npv(**kw, horizon=2000), rel=1e-12)


def test_npv_by_hand_for_three_years():
    # 100 + 100*0.8/1.1 + 100*0.64/1.21, minus 10 per active year, minus 50 acquisition
    by_hand = sum((100 - 10) * 0.8**t / 1.1**t for t in range(3)) - 50
    assert customer_npv(
        margin=100, retention=0.8, discount_rate=0.1, retention_cost=10, acquisition_cost=50, horizon=3
    ) == pytest.approx(by_hand)


def test_npv_by_simulation():
    rng = np.random.default_rng(1)
    r, d = 0.75, 0.1
    lifetimes = rng.geometric(1 - r, size=200_000)  # years active, >= 1
    values = (1 - (1 / (1 + d)) ** lifetimes) / (1 - 1 / (1 + d)) * 100
    assert values.mean() == pytest.approx(customer_npv(margin=100, retention=r, discount_rate=d), rel=0.01)


def test_uplift_rises_with_base_retention_and_margin_growth_and_falls_with_discounting():
    ups = [retention_uplift(retention=r) for r in (0.6, 0.7, 0.8, 0.9)]
    assert ups == sorted(ups)
    assert retention_uplift(retention=0.8, margin_growth=0.05) > retention_uplift(retention=0.8)
    assert retention_uplift(retention=0.8, discount_rate=0.2) < retention_uplift(retention=0.8, discount_rate=0.05)


def test_the_published_range_is_reachable_with_plausible_assumptions():
    """Reichheld & Sasser (1990): 5 points less defection, 25%-85% more NPV per customer by industry."""
    assert min(REICHHELD_SASSER_1990.values()) == 0.30 and max(REICHHELD_SASSER_1990.values()) == 0.85
    low = retention_uplift(retention=0.80, points=0.05, discount_rate=0.1, margin_growth=0.05)
    high = retention_uplift(retention=0.90, points=0.05, discount_rate=0.1, margin_growth=0.09)
    assert 0.25 <= low <= 0.30 and 0.80 <= high <= 0.95


def test_uplift_is_zero_for_zero_points_and_scale_free_without_costs():
    assert retention_uplift(retention=0.7, points=0.0) == 0.0
    assert retention_uplift(retention=0.7, margin=1) == pytest.approx(retention_uplift(retention=0.7, margin=500))


def test_steady_state_needs_one_minus_retention_new_customers():
    s = steady_state(customers=5000, retention=0.9, margin=80, acquisition_cost=300, retention_cost=20)
    assert s["new_customers"] == pytest.approx(500)
    assert s["profit"] == pytest.approx(5000 * 80 - 500 * 300 - 5000 * 20)


def test_projection_tends_to_its_steady_state():
    df = project_customer_base(
        customers=0, retention=0.8, new_customers=200, margin=10, acquisition_cost=5, retention_cost=1, years=80
    )
    assert df["end"].iloc[-1] == pytest.approx(200 / 0.2, rel=1e-6)
    assert (df["end"] == df["retained"] + df["acquired"]).all()
    assert df["profit"].iloc[0] == pytest.approx(200 * 10 - 200 * 5)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: customer_npv(margin=1, retention=1.2, discount_rate=0.1), r"retention=1\.2 must be a probability"),
        (
            lambda: customer_npv(margin=1, retention=0.99, discount_rate=0.0, margin_growth=0.05),
            r"the sum has no limit; pass a finite horizon",
        ),
        (lambda: customer_npv(margin=1, retention=0.5, discount_rate=0.1, horizon=0), r"horizon=0 must be"),
        (lambda: customer_npv(margin=float("nan"), retention=0.5, discount_rate=0.1), r"margin=nan must be a finite"),
        (lambda: retention_uplift(retention=0.97, points=0.05), r"retention \+ points = 1\.020 must stay in \[0, 1\]"),
        (
            lambda: retention_uplift(retention=0.5, retention_cost=5),
            r"NPV at retention=0\.5 is -?[0-9.]+, not positive",
        ),
        (
            lambda: steady_state(customers=-1, retention=0.5, margin=1, acquisition_cost=1, retention_cost=1),
            r"customers=-1 must be >= 0",
        ),
        (
            lambda: project_customer_base(
                customers=1, retention=0.5, new_customers=1, margin=1, acquisition_cost=1, retention_cost=1, years=0
            ),
            r"years=0 must be a whole number",
        ),
    ],
)
def test_bad_inputs(call, match):
    with pytest.raises(DataError, match=match):
        call()


def test_widget_text_and_control():
    from crm_lessons.widgets.retention import describe_retention, retention_explorer

    text = describe_retention(0.9, 0.05, margin_growth=0.05)
    assert text.startswith("保留率 90% -> 95%") and "51.2%" in text
    box = retention_explorer(retention=0.85)
    sliders, label = box.children[:4], box.children[4]
    sliders[0].value = 0.7
    assert label.value == describe_retention(0.7, 0.05)
    sliders[0].value, sliders[2].value, sliders[3].value = 0.94, 0.0, 0.1
    assert label.value.startswith("无法计算")
