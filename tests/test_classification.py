"""Tests for crm_lessons.classification: hand-computed cases, properties, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_lessons import DataError
from crm_lessons.classification import (
    ABC_CLASSES_ZH,
    DEFAULT_TIER_LABELS_ZH,
    DEFAULT_TIERS,
    abc_classes,
    abc_summary,
    customer_profitability,
    customer_pyramid,
    customer_value,
    customers_for_share,
    gini,
    importance_classes,
    importance_summary,
    lorenz_curve,
    pyramid_summary,
    pyramid_tiers,
    top_share,
    zrl_tiers,
)


@pytest.fixture
def values() -> pd.Series:
    rng = np.random.default_rng(11)
    return pd.Series(
        rng.lognormal(3, 1.2, 1000).round(2), index=pd.Index(np.arange(1000) * 3, name="customer_id"), name="revenue"
    )


# --------------------------------------------------------------------------- #
# customer_value
# --------------------------------------------------------------------------- #
def test_customer_value_hand():
    tx = pd.DataFrame({"cust": ["b", "a", "b", "c"], "spend": [1, 2, 3, 4]})
    before = tx.copy()
    v = customer_value(tx, customer_col="cust", amount_col="spend")
    assert v.name == "revenue" and v.index.name == "cust"
    assert v.to_dict() == {"a": 2.0, "b": 4.0, "c": 4.0}
    pd.testing.assert_frame_equal(tx, before)


def test_customer_value_bad_input():
    tx = pd.DataFrame({"customer_id": [1, 2], "amount": [1.0, np.nan]})
    with pytest.raises(DataError, match=r"customer_value: column 'amount' has missing values in row 1"):
        customer_value(tx)
    with pytest.raises(DataError, match=r"missing column 'value'.*pass amount_col="):
        customer_value(tx, amount_col="value")


# --------------------------------------------------------------------------- #
# Lorenz, Gini, top share
# --------------------------------------------------------------------------- #
def test_lorenz_hand():
    c = lorenz_curve(pd.Series([6.0, 1.0, 3.0]))
    np.testing.assert_allclose(c["customer_share"], [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(c["value_share"], [0, 0.1, 0.4, 1.0])


def test_lorenz_properties(values):
    c = lorenz_curve(values)
    assert c.iloc[0].tolist() == [0.0, 0.0]
    assert c.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
    assert (np.diff(c["value_share"]) >= 0).all()  # monotone
    assert (np.diff(c["value_share"], 2) >= -1e-15).all()  # convex
    assert (c["value_share"] <= c["customer_share"] + 1e-12).all()  # below the diagonal


def test_gini_equal_values_is_zero():
    assert gini([5, 5, 5, 5, 5]) == 0.0


@pytest.mark.parametrize("n", [2, 3, 5, 10])
def test_gini_one_customer_has_all(n):
    x = np.zeros(n)
    x[n // 2] = 7.0
    assert gini(x) == pytest.approx((n - 1) / n)


def test_gini_hand():
    # x = (1, 2, 3): 2 * (1 + 4 + 9) / (3 * 6) - 4/3 = 28/18 - 24/18 = 2/9
    assert gini([3, 1, 2]) == pytest.approx(2 / 9)


def test_gini_is_twice_area_between_diagonal_and_lorenz(values):
    c = lorenz_curve(values)
    area = np.trapezoid(c["value_share"], c["customer_share"])
    assert gini(values) == pytest.approx(1 - 2 * area, rel=1e-12)
    assert gini(values * 10) == pytest.approx(gini(values), rel=1e-12)


def test_top_share_hand():
    v = [1, 1, 2, 6, 10]
    assert top_share(v, 0.2) == pytest.approx(10 / 20)
    assert top_share(v, 0.4) == pytest.approx(16 / 20)
    assert top_share(v, 1.0) == pytest.approx(1.0)


def test_top_share_interpolates_between_customers():
    # n = 12, 20 % = 2.4 customers: 12 + 11 + 0.4 * 10 out of 78
    v = np.arange(1, 13)
    assert top_share(v, 0.2) == pytest.approx((12 + 11 + 0.4 * 10) / 78)


def test_top_share_ties_do_not_matter():
    assert top_share([5, 5, 5, 5, 1], 0.2) == pytest.approx(5 / 21)


@pytest.mark.parametrize(
    ("bad", "msg"),
    [
        ([1.0, -2.0, 3.0], r"gini: values should be >= 0 but is negative in row 1"),
        ([1.0, np.nan], r"gini: values has missing values in row 1"),
        ([0.0, 0.0], r"gini: values sum to 0"),
        (["a", "b"], r"gini: values should be numeric"),
        ([], r"non-empty"),
    ],
)
def test_gini_bad_values(bad, msg):
    with pytest.raises(DataError, match=msg):
        gini(pd.Series(bad, dtype=object if bad and isinstance(bad[0], str) else "float64"))


def test_top_share_bad_share():
    with pytest.raises(DataError, match=r"share=1.5 should be a fraction of customers in \(0, 1\]"):
        top_share([1, 2], 1.5)


def test_values_dataframe_rejected():
    with pytest.raises(DataError, match="select a column"):
        lorenz_curve(pd.DataFrame({"a": [1.0]}))


# --------------------------------------------------------------------------- #
# ABC
# --------------------------------------------------------------------------- #
def test_abc_hand():
    v = pd.Series([4.0, 30.0, 6.0, 50.0, 10.0], index=list("edcab"))
    out = abc_classes(v)
    assert out.index.tolist() == ["a", "d", "b", "c", "e"]
    assert out["rank"].tolist() == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(out["cum_share"], [0.5, 0.8, 0.9, 0.96, 1.0])
    # d reaches exactly 80 % -> A; c crosses 95 % -> B
    assert out["abc_class"].tolist() == ["A", "A", "B", "B", "C"]


def test_abc_customer_crossing_cutoff_is_in_a():
    out = abc_classes(pd.Series([70.0, 26.0, 4.0]))
    # 70 % above the second customer < 80 % -> second customer in A although it ends at 96 %;
    # 96 % above the third >= 95 % -> C
    assert out["abc_class"].tolist() == ["A", "A", "C"]
    assert abc_classes(pd.Series([70.0, 20.0, 10.0]))["abc_class"].tolist() == ["A", "A", "B"]


def test_abc_summary_shares_sum_to_one(values):
    summ = abc_summary(abc_classes(values, cutoffs=(0.7, 0.9)))
    assert summ.index.tolist() == ["A", "B", "C"]
    assert summ["customers"].sum() == len(values)
    assert summ["customer_share"].sum() == pytest.approx(1.0)
    assert summ["value_share"].sum() == pytest.approx(1.0)
    # A is the smallest top group reaching 70 %
    assert summ.loc["A", "value_share"] >= 0.7
    top = np.sort(values.to_numpy())[::-1]
    assert top[: summ.loc["A", "customers"] - 1].sum() / top.sum() < 0.7


def test_abc_bad_cutoffs():
    with pytest.raises(DataError, match=r"cutoffs=\(0.95, 0.8\) should be two shares with 0 < a < b < 1"):
        abc_classes([1.0, 2.0], cutoffs=(0.95, 0.8))


# --------------------------------------------------------------------------- #
# Pyramid
# --------------------------------------------------------------------------- #
def test_course_abc_is_curry_pyramid_with_four_course_names():
    # The course's ABC method (exam sheet 004: 高端客户、大客户、中等客户、小客户) uses
    # Curry & Curry (2000)'s shares of customers: top 1 %, big 4 %, medium 15 %, small 80 %.
    assert ABC_CLASSES_ZH == ("高端客户", "大客户", "中等客户", "小客户")
    assert DEFAULT_TIERS == {"top": 0.01, "big": 0.04, "medium": 0.15, "small": 0.80}
    v = pd.Series(np.arange(100, 0, -1, dtype=float))
    p = customer_pyramid(v)
    counts = p["tier_zh"].value_counts(sort=False)
    assert counts.to_dict() == {"高端客户": 1, "大客户": 4, "中等客户": 15, "小客户": 80}
    assert p.loc[0, "tier"] == "top" and p.loc[0, "tier_zh"] == DEFAULT_TIER_LABELS_ZH["top"] == "高端客户"
    assert p.loc[99, "tier_zh"] == "小客户"
    assert pyramid_tiers(v)["tier_zh"].tolist() == list(ABC_CLASSES_ZH)


def test_course_abc_names_are_not_the_importance_names():
    # 贵宾型/重要型/普通型 is the course's separate importance split, not the ABC classes.
    assert not set(ABC_CLASSES_ZH) & {"贵宾型客户", "重要型客户", "普通型客户"}


def test_pyramid_chinese_labels_follow_tier_names():
    s = pyramid_tiers(np.arange(1.0, 101.0), tiers={"top": 0.02, "big": 0.08, "medium": 0.3, "small": 0.6})
    assert s["tier_zh"].tolist() == ["高端客户", "大客户", "中等客户", "小客户"]
    t = pyramid_tiers(np.arange(1.0, 101.0), tiers={"big": 0.5, "other": 0.5})
    assert t["tier_zh"].tolist() == ["大客户", "other"]


def test_pyramid_rounds_cumulative_counts():
    # n = 10, cumulative shares 0.01, 0.05, 0.20: 0.1 -> 0, 0.5 -> 1 (half up), 2.0 -> 2
    p = customer_pyramid(pd.Series(np.arange(10.0)))
    assert p["tier"].value_counts(sort=False).tolist() == [0, 1, 1, 8]
    # n = 30, tiers 1/6, 1/3, 1/2: cumulative counts 5, 15 (float 14.999...), 30
    q = customer_pyramid(pd.Series(np.arange(30.0)), tiers={"a": 1 / 6, "b": 1 / 3, "c": 1 / 2})
    assert q["tier"].value_counts(sort=False).tolist() == [5, 10, 15]


def test_pyramid_summary_hand():
    v = pd.Series([5.0, 100.0, 20.0, 1.0, 4.0, 70.0], index=list("abcdef"))
    tiers = {"vip": 1 / 3, "mid": 1 / 3, "small": 1 / 3}
    p = customer_pyramid(v, tiers=tiers, labels_zh={"vip": "贵宾", "mid": "中", "small": "小"})
    assert p.index.tolist() == ["b", "f", "c", "a", "e", "d"]
    s = pyramid_summary(p)
    assert s.index.tolist() == ["vip", "mid", "small"]
    assert s["tier_zh"].tolist() == ["贵宾", "中", "小"]
    assert s["customers"].tolist() == [2, 2, 2]
    assert s["revenue"].tolist() == [170.0, 25.0, 5.0]
    np.testing.assert_allclose(s["revenue_share"], [0.85, 0.125, 0.025])
    np.testing.assert_allclose(s["mean_revenue"], [85.0, 12.5, 2.5])


@pytest.mark.parametrize(
    "tiers",
    [None, {"top": 0.05, "big": 0.15, "medium": 0.3, "small": 0.5}, {"a": 0.2, "b": 0.8}, {"x": 0.001, "y": 0.999}],
)
def test_pyramid_tiers_equals_summary_of_pyramid(values, tiers):
    fast = pyramid_tiers(values, tiers=tiers)
    slow = pyramid_summary(customer_pyramid(values, tiers=tiers))
    pd.testing.assert_frame_equal(fast, slow, check_dtype=False, check_index_type=False)
    assert fast["customer_share"].sum() == pytest.approx(1.0)
    assert fast["revenue_share"].sum() == pytest.approx(1.0)
    assert fast["customers"].sum() == len(values)


def test_pyramid_empty_tier_has_nan_mean():
    s = pyramid_tiers([1.0, 2.0, 3.0], tiers={"top": 0.1, "rest": 0.9})
    assert s["customers"].tolist() == [0, 3]
    assert np.isnan(s.loc["top", "mean_revenue"])


@pytest.mark.parametrize(
    ("tiers", "msg"),
    [
        ({"a": 0.5, "b": 0.4}, r"tier shares should sum to 1 but sum to 0.9"),
        ({"a": 1.2, "b": -0.2}, r"every tier share should be > 0; got b=-0.2"),
        ({"a": 1.0}, r"at least two tiers"),
    ],
)
def test_pyramid_bad_tiers(tiers, msg):
    with pytest.raises(DataError, match=msg):
        customer_pyramid([1.0, 2.0], tiers=tiers)
    with pytest.raises(DataError, match=msg):
        pyramid_tiers([1.0, 2.0], tiers=tiers)


def test_pyramid_missing_label():
    with pytest.raises(DataError, match=r"labels_zh has no label for tiers \['b'\]"):
        customer_pyramid([1.0, 2.0], tiers={"a": 0.5, "b": 0.5}, labels_zh={"a": "甲"})


def test_inputs_not_mutated(values):
    before = values.copy()
    abc_classes(values)
    customer_pyramid(values)
    pyramid_tiers(values)
    lorenz_curve(values)
    customer_profitability(values, margin=0.3, cost_to_serve=5.0)
    pd.testing.assert_series_equal(values, before)


# --------------------------------------------------------------------------- #
# The course's importance split (贵宾型 + 重要型 ≈ 20 % of customers) and ZRL tiers
# --------------------------------------------------------------------------- #
def test_importance_classes_course_split_on_100_customers():
    profit = pd.Series(np.arange(100, 0, -1, dtype=float) - 10.0)  # 90 .. -9: some lose money
    c = importance_classes(profit)
    counts = c["importance_zh"].value_counts(sort=False).to_dict()
    # 贵宾型 + 重要型 together are the top 20 % of customers by profit; 普通型 the rest
    assert counts == {"贵宾型客户": 5, "重要型客户": 15, "普通型客户": 80}
    assert c["rank"].tolist() == list(range(1, 101))
    assert c.loc[c["importance"] != "ordinary", "profit"].min() >= c.loc[c["importance"] == "ordinary", "profit"].max()
    s = importance_summary(c)
    assert s.index.tolist() == ["vip", "key", "ordinary"]
    assert s["customer_share"].tolist() == pytest.approx([0.05, 0.15, 0.80])
    assert s["profit_share"].sum() == pytest.approx(1.0)
    # the share of profit is measured, not assumed: sum(90..71) / sum(90..-9)
    assert s.loc[["vip", "key"], "profit_share"].sum() == pytest.approx(sum(range(71, 91)) / sum(range(-9, 91)))


def test_importance_profit_share_follows_the_data_not_the_rule():
    # equal profit: the important 20 % bring 20 %, not 80 %
    s = importance_summary(importance_classes(np.ones(50)))
    assert s.loc[["vip", "key"], "profit_share"].sum() == pytest.approx(0.2)
    # when some customers lose money the top 20 % can bring more than all the profit
    s = importance_summary(importance_classes(np.r_[np.full(20, 10.0), np.full(80, -1.0)]))
    assert s.loc[["vip", "key"], "profit_share"].sum() == pytest.approx(200 / 120)


def test_importance_bad_shares():
    with pytest.raises(DataError, match=r"0 < vip_share < key_share < 1"):
        importance_classes([1.0, 2.0], vip_share=0.3, key_share=0.2)
    with pytest.raises(DataError, match=r"profit sum to 0"):
        importance_classes([1.0, -1.0])


def test_zrl_tiers_have_no_fixed_shares():
    p = pd.Series([500.0, 80.0, 40.0, 10.0, 0.0, -20.0], index=list("abcdef"))
    t = zrl_tiers(p, gold_min=50.0, platinum_min=200.0)
    assert t["tier"].astype(str).tolist() == ["platinum", "gold", "iron", "iron", "iron", "lead"]
    assert t["tier_zh"].astype(str).tolist() == ["铂金层", "黄金层", "铁层", "铁层", "铁层", "铅层"]
    # the shares move with the cut-offs chosen by the firm
    shares = zrl_tiers(p, gold_min=5.0, platinum_min=60.0)["tier"].value_counts(sort=False, normalize=True)
    assert shares.tolist() == pytest.approx([2 / 6, 2 / 6, 1 / 6, 1 / 6])
    with pytest.raises(DataError, match=r"0 <= gold_min < platinum_min"):
        zrl_tiers(p, gold_min=100.0, platinum_min=50.0)


def test_customers_for_share_matches_abc_class_a(values):
    for share in (0.5, 0.8, 0.95):
        a = abc_summary(abc_classes(values, cutoffs=(share, min(share + 0.04, 0.99))))
        assert customers_for_share(values, share) == pytest.approx(a.loc["A", "customer_share"])
    assert customers_for_share([50.0, 30.0, 10.0, 6.0, 4.0]) == pytest.approx(0.4)
    assert customers_for_share(np.ones(10)) == pytest.approx(0.8)  # no concentration
    with pytest.raises(DataError, match=r"share=0 should be a share of value"):
        customers_for_share([1.0], 0)


# --------------------------------------------------------------------------- #
# Profitability
# --------------------------------------------------------------------------- #
def test_profitability_hand_series_cost():
    r = pd.Series([1000.0, 200.0, 50.0, 400.0], index=list("abcd"))
    cost = pd.Series({"d": 20.0, "c": 5.0, "b": 100.0, "a": 0.0, "z": 1.0})
    out = customer_profitability(r, margin=0.25, cost_to_serve=cost)
    np.testing.assert_allclose(out["profit"], [250.0, -50.0, 7.5, 80.0])
    # median profit of profitable customers (250, 7.5, 80) = 80 -> d is high
    assert out["profit_class"].astype(str).tolist() == ["high", "negative", "low", "high"]
    assert out["profit_class_zh"].astype(str).tolist() == ["高价值", "负价值", "低价值", "高价值"]


def test_profitability_mean_threshold():
    r = pd.Series([100.0, 10.0, 1.0])
    out = customer_profitability(r, margin=1.0, cost_to_serve=0.0, threshold="mean")  # mean 37
    assert out["profit_class"].astype(str).tolist() == ["high", "low", "low"]


def test_profitability_bad_input():
    r = pd.Series([100.0, 10.0], index=["a", "b"])
    with pytest.raises(DataError, match=r"cost_to_serve has no value for customers row b"):
        customer_profitability(r, margin=0.3, cost_to_serve=pd.Series({"a": 1.0}))
    with pytest.raises(DataError, match=r"margin=30 should be a fraction of revenue in \[0, 1\]"):
        customer_profitability(r, margin=30, cost_to_serve=1.0)
    with pytest.raises(DataError, match=r"threshold='max' should be a number, 'median' or 'mean'"):
        customer_profitability(r, margin=0.3, cost_to_serve=1.0, threshold="max")
    with pytest.raises(DataError, match=r"revenue should be a Series"):
        customer_profitability([1.0], margin=0.3, cost_to_serve=1.0)


# --------------------------------------------------------------------------- #
# Plots (drawn with the course theme: a missing Chinese glyph would warn -> fail)
# --------------------------------------------------------------------------- #
@pytest.fixture
def themed_ax():
    import matplotlib
    import matplotlib.pyplot as plt

    from crm_lessons.plotting import set_theme

    with matplotlib.rc_context():
        set_theme()
        fig, ax = plt.subplots()
        yield ax
        fig.canvas.draw()
        plt.close(fig)


def test_plot_lorenz_marks_top_share(values, themed_ax):
    from crm_lessons.plotting.classification import plot_lorenz

    ax = plot_lorenz(lorenz_curve(values), top_share=0.2, ax=themed_ax)
    assert ax is themed_ax
    point = [line for line in ax.lines if line.get_marker() == "o"][0]
    x, y = point.get_xdata()[0], point.get_ydata()[0]
    assert x == pytest.approx(0.8)
    assert 1 - y == pytest.approx(top_share(values, 0.2))
    assert f"{top_share(values, 0.2):.1%}" in ax.texts[0].get_text()
    assert "洛伦兹曲线" in ax.get_title()


def test_plot_pyramid_bar_lengths(values, themed_ax):
    from crm_lessons.plotting.classification import plot_pyramid

    summ = pyramid_tiers(values)
    ax = plot_pyramid(summ, ax=themed_ax)
    widths = [p.get_width() for p in ax.patches]
    np.testing.assert_allclose(widths[:4], -summ["customer_share"].to_numpy())
    np.testing.assert_allclose(widths[4:], summ["revenue_share"].to_numpy())
    # top tier drawn highest
    assert ax.patches[0].get_y() > ax.patches[3].get_y()


def test_plot_abc_and_bad_input(values, themed_ax):
    from crm_lessons.plotting.classification import plot_abc, plot_lorenz

    summ = abc_summary(abc_classes(values))
    ax = plot_abc(summ, ax=themed_ax)
    np.testing.assert_allclose([p.get_height() for p in ax.patches[3:]], summ["value_share"])
    with pytest.raises(DataError, match=r"plot_lorenz: missing column 'value_share'"):
        plot_lorenz(pd.DataFrame({"customer_share": [0.0, 1.0]}), ax=themed_ax)
