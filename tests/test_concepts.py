"""crm_lessons.concepts: Kotler's levels-of-relationship table."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from crm_lessons import glossary
from crm_lessons._validation import DataError
from crm_lessons.concepts import RELATIONSHIP_TYPES, market_and_wallet_share, relationship_table, relationship_type

#: The course materials (../shared/course-materials/, outside the repository), quoted:
#: the exam review sheet (004_*.txt) lists the five kinds of relationship, shallowest first:
#: "五种不同的企业、客户关系:基本;被动式;负责式;主动式;伙伴式"
COURSE_LEVELS = ["基本", "被动", "负责", "主动", "伙伴"]
#: and the relationship-marketing slides (002_*.txt) give the rule's two corners: "(1)少量客户,且提供的产品或
#: 服务边际利润水平相当高——伙伴型" and "(2)客户数量庞大,产品或服务边际利润水平低——基本型".
COURSE_CORNERS = {("few", "high"): "伙伴型", ("many", "low"): "基本型"}

COUNTS, MARGINS = ("many", "medium", "few"), ("low", "medium", "high")  # shallowest first along each axis
LEVELS = list(RELATIONSHIP_TYPES)  # the module's order
EITHER = "基本型或被动型"  # many customers, low margin: Kotler's "basic or reactive"


def test_the_levels_are_the_courses_five_in_the_courses_order():
    assert [level.removesuffix("型") for level in LEVELS] == COURSE_LEVELS


def test_the_glossary_names_the_same_levels_and_corners():
    text = glossary.lookup("客户关系类型").definition
    assert sorted(LEVELS, key=text.index) == LEVELS, "the glossary lists the levels shallowest first, as the module"
    assert re.search(r"客户少而利润率高时用伙伴型", text) and re.search(r"客户多而利润率低时用基本型", text)


@pytest.mark.parametrize("cell, label", COURSE_CORNERS.items())
def test_the_course_corners(cell, label):
    assert relationship_type(*cell).startswith(label)


def _kotler(customers: str, margin: str) -> str:
    """Kotler's table from its rule: each step to fewer customers or to a higher margin deepens the relationship
    by one level, starting from 'basic or reactive' at many customers and a low margin."""
    steps = COUNTS.index(customers) + MARGINS.index(margin)
    return EITHER if steps == 0 else LEVELS[steps]


@pytest.mark.parametrize("customers", COUNTS)
@pytest.mark.parametrize("margin", MARGINS)
def test_every_cell_follows_kotlers_rule(customers, margin):
    assert relationship_type(customers, margin) == _kotler(customers, margin)


def test_chinese_labels_and_spacing_agree_with_english():
    zh_c = {"many": "多", "medium": "中", "few": "少"}
    zh_m = {"high": "高", "medium": "中", "low": "低"}
    for c in COUNTS:
        for m in MARGINS:
            assert relationship_type(zh_c[c], zh_m[m]) == relationship_type(c, m)
            assert relationship_type(f" {c.upper()} ", m.title()) == relationship_type(c, m)


def test_fewer_customers_or_higher_margin_never_means_a_shallower_relationship():
    depth = {label: i for i, label in enumerate(LEVELS)} | {EITHER: 0.5}
    for m in MARGINS:
        depths = [depth[relationship_type(c, m)] for c in COUNTS]
        assert depths == sorted(depths)
    for c in COUNTS:
        depths = [depth[relationship_type(c, m)] for m in MARGINS]
        assert depths == sorted(depths)
    assert {relationship_type(c, m) for c in COUNTS for m in MARGINS} - {EITHER} <= set(LEVELS)


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
