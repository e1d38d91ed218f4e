"""crm_lessons.concepts: Kotler's levels-of-relationship table."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_lessons._validation import DataError
from crm_lessons.concepts import RELATIONSHIP_TYPES, market_and_wallet_share, relationship_table, relationship_type

# The nine cells of Kotler's table as the issue states them (Kotler, Marketing Management).
NINE = {
    ("many", "high"): "负责型",
    ("many", "medium"): "被动型",
    ("many", "low"): "基本型或被动型",
    ("medium", "high"): "主动型",
    ("medium", "medium"): "负责型",
    ("medium", "low"): "被动型",
    ("few", "high"): "伙伴型",
    ("few", "medium"): "主动型",
    ("few", "low"): "负责型",
}
DEPTH = {"基本型": 0, "基本型或被动型": 0.5, "被动型": 1, "负责型": 2, "主动型": 3, "伙伴型": 4}


@pytest.mark.parametrize("cell, label", NINE.items())
def test_nine_cells(cell, label):
    assert relationship_type(*cell) == label


def test_chinese_labels_and_spacing_agree_with_english():
    zh_c = {"many": "多", "medium": "中", "few": "少"}
    zh_m = {"high": "高", "medium": "中", "low": "低"}
    for (c, m), label in NINE.items():
        assert relationship_type(zh_c[c], zh_m[m]) == label
        assert relationship_type(f" {c.upper()} ", m.title()) == label


def test_the_course_corners():
    assert relationship_type("few", "high") == "伙伴型"
    assert relationship_type("many", "low").startswith("基本型")


def test_fewer_customers_or_higher_margin_never_means_a_shallower_relationship():
    counts, margins = ["many", "medium", "few"], ["low", "medium", "high"]
    for m in margins:
        depths = [DEPTH[relationship_type(c, m)] for c in counts]
        assert depths == sorted(depths)
    for c in counts:
        depths = [DEPTH[relationship_type(c, m)] for m in margins]
        assert depths == sorted(depths)
    assert {relationship_type(c, m) for c in counts for m in margins} - {"基本型或被动型"} <= set(RELATIONSHIP_TYPES)


@pytest.mark.parametrize(
    "args, match",
    [
        (("lots", "high"), r"customers='lots' is not a known label; use one of \['few', 'many', 'medium'\]"),
        (("few", "很高"), r"margin='很高' is not a known label"),
        ((3, "high"), r"customers=3 is not a known label"),
    ],
)
def test_unknown_labels_raise(args, match):
    with pytest.raises(DataError, match=match):
        relationship_type(*args)


def test_table_shape_and_corner():
    t = relationship_table()
    assert t.shape == (3, 3)
    assert t.iloc[0, 2] == "伙伴型" and t.iloc[2, 0] == "基本型或被动型"


def test_market_and_wallet_share_by_hand():
    spend = pd.DataFrame({"A": [60, 30, 0], "B": [40, 0, 10]}, index=["x", "y", "z"])
    got = market_and_wallet_share(spend)
    assert got.loc["A", "market_share"] == pytest.approx(90 / 140)
    assert got.loc["A", "share_of_wallet"] == pytest.approx((0.6 + 1.0) / 2)
    assert got.loc["B", "share_of_wallet"] == pytest.approx((0.4 + 1.0) / 2)
    assert got["market_share"].sum() == pytest.approx(1.0)
    assert got["buyers"].tolist() == [2.0, 2.0]


def test_high_market_share_can_go_with_low_share_of_wallet():
    # A sells a little to every customer, B most of what one customer buys
    spend = pd.DataFrame({"A": [10, 10, 10, 10], "B": [0, 0, 0, 25], "C": [90, 90, 90, 0]})
    got = market_and_wallet_share(spend)
    assert got.loc["A", "market_share"] > got.loc["B", "market_share"]
    assert got.loc["A", "share_of_wallet"] < got.loc["B", "share_of_wallet"]


@pytest.mark.parametrize(
    "spend, match",
    [
        (pd.DataFrame({"A": [1, -1]}, index=["x", "y"]), r"non-negative numbers; check customers \['y'\]"),
        (pd.DataFrame({"A": [1, 0], "B": [1, 0]}, index=["x", "y"]), r"customers \['y'\] spend nothing"),
    ],
)
def test_market_and_wallet_share_bad_input(spend, match):
    with pytest.raises(DataError, match=match):
        market_and_wallet_share(spend)
