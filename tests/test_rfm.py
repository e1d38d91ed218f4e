"""Tests for crm_lessons.rfm: hand-computed cases, properties, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from crm_lessons import DataError
from crm_lessons.datasets import load_charles_book_club
from crm_lessons.rfm import (
    EIGHT_CLASSES,
    RFM_COLUMNS,
    cbc_rfm_scores,
    customer_types,
    response_by_group,
    rfm_eight_classes,
    rfm_scores,
    rfm_segments,
    rfm_table,
    segment_map,
    segment_strategies,
)


@pytest.fixture
def tx() -> pd.DataFrame:
    """Four customers; one purchase after as_of, one customer only after as_of."""
    return pd.DataFrame(
        {
            "customer_id": ["b", "a", "a", "b", "c", "a", "d"],
            "date": pd.to_datetime(
                [
                    "2024-01-10 18:30",  # b
                    "2024-01-01 09:00",  # a
                    "2024-01-20 23:59",  # a
                    "2024-01-31 10:00",  # b, on as_of: included
                    "2023-12-01",  # c
                    "2024-02-01 00:00",  # a, after as_of: excluded
                    "2024-02-15",  # d, only after as_of: absent
                ],
                format="ISO8601",
            ),
            "amount": [10.0, 5.0, 15.0, 30.0, 7.5, 1000.0, 3.0],
            "order": [1, 2, 2, 3, 4, 5, 6],
        }
    )


def _naive_rfm(df: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """Straightforward pandas version used as the reference."""
    as_of_ts = pd.Timestamp(as_of)
    d = df.assign(day=df["date"].dt.floor("D"))
    d = d[d["day"] <= as_of_ts]
    g = d.groupby("customer_id").agg(
        last=("day", "max"), first=("day", "min"), n=("day", "size"), spend=("amount", "sum")
    )
    return pd.DataFrame(
        {
            "days_since_last": (as_of_ts - g["last"]).dt.days,
            "n_purchases": g["n"],
            "total_spend": g["spend"],
            "days_since_first": (as_of_ts - g["first"]).dt.days,
        }
    )


# --------------------------------------------------------------------------- #
# rfm_table
# --------------------------------------------------------------------------- #
def test_rfm_table_hand_computed(tx):
    rfm = rfm_table(tx, as_of="2024-01-31")
    assert list(rfm.columns) == RFM_COLUMNS
    assert list(rfm.index) == ["a", "b", "c"]
    assert rfm.index.name == "customer_id"
    assert rfm.index.dtype == tx["customer_id"].dtype
    # a: 2024-01-01, 2024-01-20 -> last 11 days ago, first 30 days ago
    assert rfm.loc["a", "days_since_last"] == 11
    assert rfm.loc["a", "days_since_first"] == 30
    assert rfm.loc["a", "n_purchases"] == 2
    assert rfm.loc["a", "total_spend"] == 20.0
    assert rfm.loc["a", "mean_spend"] == 10.0
    # b bought on as_of itself
    assert rfm.loc["b", "days_since_last"] == 0
    assert rfm.loc["b", "days_since_first"] == 21
    assert rfm.loc["b", "total_spend"] == 40.0
    # c: 2023-12-01 -> 61 days
    assert rfm.loc["c", "days_since_last"] == 61
    assert rfm.loc["c", "first_purchase"] == pd.Timestamp("2023-12-01")
    assert rfm.loc["a", "last_purchase"] == pd.Timestamp("2024-01-20")  # time of day dropped
    assert rfm["days_since_last"].dtype == np.int64
    assert rfm["n_purchases"].dtype == np.int64
    assert rfm["last_purchase"].dtype == tx["date"].dtype


def test_rfm_table_order_col_counts_distinct_orders(tx):
    rfm = rfm_table(tx, as_of="2024-01-31", order_col="order")
    # a's two lines on 2024-01-01 and 2024-01-20 belong to order 2
    assert rfm.loc["a", "n_purchases"] == 1
    assert rfm.loc["a", "mean_spend"] == 20.0
    assert rfm.loc["b", "n_purchases"] == 2


def test_rfm_table_as_of_with_time_uses_calendar_day(tx):
    a = rfm_table(tx, as_of="2024-01-31")
    b = rfm_table(tx, as_of=pd.Timestamp("2024-01-31 06:00"))
    pd.testing.assert_frame_equal(a, b)


def test_rfm_table_before_1970():
    df = pd.DataFrame(
        {
            "customer_id": [1, 1],
            "date": pd.to_datetime(["1969-12-31 23:00", "1969-12-30"], format="ISO8601"),
            "amount": [1, 2],
        }
    )
    rfm = rfm_table(df, as_of="1970-01-02")
    assert rfm.loc[1, "days_since_last"] == 2
    assert rfm.loc[1, "days_since_first"] == 3
    assert rfm.loc[1, "total_spend"] == 3.0


@pytest.mark.parametrize("n", [5000, 300_000])  # 300,000: above _threads.MIN_ROWS, the paths on two threads
@pytest.mark.parametrize("ids", ["int", "str"])
def test_rfm_table_agrees_with_pandas_groupby(ids, n):
    rng = np.random.default_rng(7)
    cust = rng.integers(0, 600 if n < 10_000 else 50_000, n)
    df = pd.DataFrame(
        {
            "customer_id": cust if ids == "int" else np.char.add("c", cust.astype(str)),
            "date": pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 730 * 24, n), unit="h"),
            "amount": rng.lognormal(3, 1, n).round(2),
        }
    )
    as_of = "2023-06-30"
    got = rfm_table(df, as_of=as_of)
    want = _naive_rfm(df, as_of)
    cols = ["days_since_last", "n_purchases", "days_since_first"]
    pd.testing.assert_frame_equal(got[cols], want[cols], check_index_type=False)
    np.testing.assert_allclose(got["total_spend"], want["total_spend"], rtol=1e-12)
    assert got.index.equals(want.index)


def test_rfm_table_does_not_mutate(tx):
    before = tx.copy()
    rfm_table(tx, as_of="2024-01-31", order_col="order")
    pd.testing.assert_frame_equal(tx, before)


def test_rfm_table_missing_column(tx):
    with pytest.raises(DataError, match=r"rfm_table: missing column 'order_date'.*pass date_col="):
        rfm_table(tx, as_of="2024-01-31", date_col="order_date")


def test_rfm_table_string_dates(tx):
    bad = tx.assign(date=tx["date"].dt.strftime("%Y-%m-%d"))
    with pytest.raises(DataError, match=r"column 'date' should hold dates \(datetime64\).*pandas.to_datetime"):
        rfm_table(bad, as_of="2024-01-31")


def test_rfm_table_tz_aware(tx):
    bad = tx.assign(date=tx["date"].dt.tz_localize("UTC"))
    with pytest.raises(DataError, match=r"time-zone aware dates.*tz_localize\(None\)"):
        rfm_table(bad, as_of="2024-01-31")


def test_rfm_table_missing_values(tx):
    bad = tx.copy()
    bad.loc[3, "amount"] = np.nan
    with pytest.raises(DataError, match=r"column 'amount' has missing values in row 3"):
        rfm_table(bad, as_of="2024-01-31")


def test_rfm_table_non_numeric_amount(tx):
    bad = tx.assign(amount=tx["amount"].astype(str))
    with pytest.raises(DataError, match=r"column 'amount' should be numeric"):
        rfm_table(bad, as_of="2024-01-31")


def test_rfm_table_nothing_before_as_of(tx):
    with pytest.raises(DataError, match=r"no transaction is dated on or before as_of=2020-01-01; the earliest date"):
        rfm_table(tx, as_of="2020-01-01")


def test_rfm_table_bad_as_of(tx):
    with pytest.raises(DataError, match=r"as_of='yesterday' is not a date"):
        rfm_table(tx, as_of="yesterday")


def test_rfm_table_empty(tx):
    with pytest.raises(DataError, match="no rows"):
        rfm_table(tx.iloc[:0], as_of="2024-01-31")


# --------------------------------------------------------------------------- #
# rfm_scores
# --------------------------------------------------------------------------- #
@pytest.fixture
def rfm_random() -> pd.DataFrame:
    """1,000 customers with many ties (most bought once, as in CDNOW)."""
    rng = np.random.default_rng(3)
    n = 1000
    return pd.DataFrame(
        {
            "days_since_last": rng.integers(0, 60, n) * 7,
            "n_purchases": rng.geometric(0.6, n),
            "total_spend": rng.lognormal(3, 1, n).round(0),
        },
        index=pd.Index(np.arange(n) + 100, name="customer_id"),
    )


@pytest.mark.parametrize("bins", [2, 3, 5, 9])
def test_quantile_scores_are_equal_sized_and_in_range(rfm_random, bins):
    s = rfm_scores(rfm_random, bins=bins)
    for col in ["r_score", "f_score", "m_score"]:
        assert s[col].between(1, bins).all()
        counts = s[col].value_counts()
        assert len(counts) == bins
        # qcut on ranks: group sizes differ by at most one
        assert counts.max() - counts.min() <= 1
    assert (s["rfm_score"] == s["r_score"] + s["f_score"] + s["m_score"]).all()
    assert s.index.equals(rfm_random.index)


def test_quantile_scores_are_monotone(rfm_random):
    """A strictly better value never gets a lower score (ties may differ)."""
    s = rfm_scores(rfm_random)
    for col, score, better_high in [
        ("days_since_last", "r_score", False),
        ("n_purchases", "f_score", True),
        ("total_spend", "m_score", True),
    ]:
        by_value = s[score].groupby(rfm_random[col]).agg(["min", "max"]).sort_index(ascending=better_high)
        # walking from worst to best value, each value's lowest score >= every earlier value's highest
        assert (by_value["min"].to_numpy()[1:] >= by_value["max"].cummax().to_numpy()[:-1]).all()


def test_random_ties_equal_sized_monotone_and_seeded(rfm_random):
    a = rfm_scores(rfm_random, ties="random", random_state=1)
    b = rfm_scores(rfm_random, ties="random", random_state=1)
    pd.testing.assert_frame_equal(a, b)
    assert a["f_score"].value_counts().tolist() == [200] * 5
    # a value shared by many customers is spread over scores, but a strictly larger value never scores lower
    by_value = a["f_score"].groupby(rfm_random["n_purchases"]).agg(["min", "max"]).sort_index()
    assert (by_value["min"].to_numpy()[1:] >= by_value["max"].cummax().to_numpy()[:-1]).all()
    # without ties the tie rule changes nothing
    c = rfm_scores(
        rfm_random.assign(total_spend=np.arange(len(rfm_random), dtype=float)), ties="random", random_state=3
    )
    d = rfm_scores(rfm_random.assign(total_spend=np.arange(len(rfm_random), dtype=float)))
    assert (c["m_score"] == d["m_score"]).all()


def test_random_ties_remove_row_order_artefact():
    """All customers tie on R and F: 'first' puts the same rows in the bottom scores of both."""
    rfm = pd.DataFrame({"days_since_last": [100] * 500, "n_purchases": [1] * 500, "total_spend": np.arange(500.0)})
    first = rfm_scores(rfm)
    assert np.corrcoef(first["r_score"], first["f_score"])[0, 1] == pytest.approx(1.0)
    rand = rfm_scores(rfm, ties="random", random_state=0)
    assert abs(np.corrcoef(rand["r_score"], rand["f_score"])[0, 1]) < 0.2


def test_scores_hand_computed_bins3():
    rfm = pd.DataFrame(
        {"days_since_last": [1, 2, 3, 4, 5, 6], "n_purchases": [1, 1, 1, 1, 2, 2], "total_spend": [6, 5, 4, 3, 2, 1]}
    )
    s = rfm_scores(rfm, bins=3)
    assert s["r_score"].tolist() == [3, 3, 2, 2, 1, 1]
    # ties in n_purchases are ranked by row order
    assert s["f_score"].tolist() == [1, 1, 2, 2, 3, 3]
    assert s["m_score"].tolist() == [3, 3, 2, 2, 1, 1]
    assert s["rfm_cell"].tolist() == ["313", "313", "222", "222", "131", "131"]


def test_cut_scores_boundaries_are_right_closed():
    rfm = pd.DataFrame(
        {"days_since_last": [0, 30, 31, 365], "n_purchases": [1, 2, 3, 10], "total_spend": [10, 50, 51, 1e6]}
    )
    cuts = {"days_since_last": [30, 90], "n_purchases": [1, 2, 5], "total_spend": [50]}
    s = rfm_scores(rfm, method="cuts", cuts=cuts)
    assert s["r_score"].tolist() == [3, 3, 2, 1]
    assert s["f_score"].tolist() == [1, 2, 3, 4]
    assert s["m_score"].tolist() == [1, 1, 2, 2]


def test_cut_scores_more_than_nine_levels_use_separator():
    rfm = pd.DataFrame({"days_since_last": [0], "n_purchases": [100], "total_spend": [1.0]})
    cuts = {"days_since_last": [1, 2], "n_purchases": list(range(1, 11)), "total_spend": [5]}
    s = rfm_scores(rfm, method="cuts", cuts=cuts)
    assert s.loc[0, "rfm_cell"] == "3-11-1"


def test_scores_bad_input(rfm_random):
    with pytest.raises(DataError, match=r"bins=10 should be an integer from 2 to 9"):
        rfm_scores(rfm_random, bins=10)
    with pytest.raises(DataError, match=r"n_customers=3 should be >= bins=5"):
        rfm_scores(rfm_random.head(3))
    with pytest.raises(DataError, match=r"method='kmeans' should be 'quantile' or 'cuts'"):
        rfm_scores(rfm_random, method="kmeans")
    with pytest.raises(DataError, match=r"method='cuts' needs cuts="):
        rfm_scores(rfm_random, method="cuts")
    with pytest.raises(DataError, match=r"missing \['total_spend'\]"):
        rfm_scores(rfm_random, method="cuts", cuts={"days_since_last": [1], "n_purchases": [1]})
    with pytest.raises(DataError, match=r"cuts\['n_purchases'\]=\[3, 1\] should be .* strictly increasing"):
        rfm_scores(rfm_random, method="cuts", cuts={"days_since_last": [1], "n_purchases": [3, 1], "total_spend": [5]})
    with pytest.raises(DataError, match=r"missing column 'n_purchases'"):
        rfm_scores(rfm_random.drop(columns="n_purchases"))
    with pytest.raises(DataError, match=r"ties='random' needs an integer random_state, got None"):
        rfm_scores(rfm_random, ties="random")
    with pytest.raises(DataError, match=r"ties='dense' should be 'first' or 'random'"):
        rfm_scores(rfm_random, ties="dense")


def test_scores_do_not_mutate(rfm_random):
    before = rfm_random.copy()
    rfm_scores(rfm_random)
    pd.testing.assert_frame_equal(rfm_random, before)


# --------------------------------------------------------------------------- #
# segments
# --------------------------------------------------------------------------- #
def test_segment_map_partitions_all_125_cells():
    rules = segment_map()
    for r, f, m in itertools.product(range(1, 6), repeat=3):
        hits = (
            rules["r_min"].le(r)
            & rules["r_max"].ge(r)
            & rules["f_min"].le(f)
            & rules["f_max"].ge(f)
            & rules["m_min"].le(m)
            & rules["m_max"].ge(m)
        )
        assert hits.sum() == 1, (r, f, m, list(rules.index[hits]))


def test_rfm_segments_every_cell_named():
    cells = pd.DataFrame(list(itertools.product(range(1, 6), repeat=3)), columns=["r_score", "f_score", "m_score"])
    seg = rfm_segments(cells)
    assert seg["segment"].notna().all() and seg["segment_zh"].notna().all()
    assert set(seg["segment"]) == set(segment_map().index)
    # each segment's Chinese label matches the map
    rules = segment_map()
    assert (
        seg["segment_zh"].astype(str).to_numpy() == rules.loc[seg["segment"].astype(str), "segment_zh"].to_numpy()
    ).all()


def test_rfm_segments_hand_cases():
    s = pd.DataFrame(
        {"r_score": [5, 5, 4, 2, 1, 1, 3], "f_score": [1, 4, 3, 1, 5, 4, 1], "m_score": [1, 5, 3, 3, 5, 1, 5]}
    )
    assert rfm_segments(s)["segment"].tolist() == [
        "new",
        "champions",
        "potential_loyalist",
        "hibernating",
        "cannot_lose",
        "at_risk",
        "about_to_sleep",
    ]


def test_rfm_segments_bad_scores():
    s = pd.DataFrame({"r_score": [5, 6], "f_score": [1, 1], "m_score": [1, 1]})
    with pytest.raises(DataError, match=r"'r_score' should hold scores 1..5 but not in row 1"):
        rfm_segments(s)
    with pytest.raises(DataError, match=r"scheme='fancy' is unknown"):
        rfm_segments(s.iloc[:1], scheme="fancy")


# --------------------------------------------------------------------------- #
# eight classes
# --------------------------------------------------------------------------- #
def test_eight_classes_all_combinations_hand():
    # reference = 10 for every dimension; days 5 is "R high"
    rows = list(itertools.product([True, False], repeat=3))
    rfm = pd.DataFrame(
        {
            "days_since_last": [5 if r else 15 for r, _, _ in rows],
            "n_purchases": [15 if f else 5 for _, f, _ in rows],
            "total_spend": [15.0 if m else 5.0 for _, _, m in rows],
        }
    )
    out = rfm_eight_classes(rfm, reference={"days_since_last": 10, "n_purchases": 10, "total_spend": 10})
    assert out["rfm_class"].astype(str).tolist() == [EIGHT_CLASSES[k][0] for k in rows]
    assert out["rfm_class_en"].astype(str).tolist() == [EIGHT_CLASSES[k][1] for k in rows]
    assert out.loc[0, "rfm_class"] == "重要价值客户"
    assert out.loc[7, "rfm_class"] == "一般挽留客户"


def test_eight_classes_named_as_in_course():
    assert EIGHT_CLASSES[(True, False, True)][0] == "重要发展客户"
    assert EIGHT_CLASSES[(False, True, True)][0] == "重要保持客户"
    assert EIGHT_CLASSES[(False, False, True)][0] == "重要挽留客户"
    assert EIGHT_CLASSES[(True, True, False)][0] == "一般价值客户"
    assert EIGHT_CLASSES[(True, False, False)][0] == "一般发展客户"
    assert EIGHT_CLASSES[(False, True, False)][0] == "一般保持客户"


def test_eight_classes_ties_count_as_low():
    # median of each column equals the middle customer's value
    rfm = pd.DataFrame({"days_since_last": [1, 5, 9], "n_purchases": [1, 2, 3], "total_spend": [1.0, 2.0, 3.0]})
    out = rfm_eight_classes(rfm, reference="median")
    assert out["r_high"].tolist() == [True, False, False]
    assert out["f_high"].tolist() == [False, False, True]
    assert out["m_high"].tolist() == [False, False, True]


def test_eight_classes_mean_reference():
    rfm = pd.DataFrame(
        {"days_since_last": [0, 0, 0, 40], "n_purchases": [1, 1, 1, 5], "total_spend": [1.0, 1.0, 1.0, 9.0]}
    )
    out = rfm_eight_classes(rfm)  # means 10, 2, 3
    assert out["rfm_class_en"].astype(str).tolist() == ["general development"] * 3 + ["important retention"]


def test_eight_classes_bad_reference():
    rfm = pd.DataFrame({"days_since_last": [1], "n_purchases": [1], "total_spend": [1.0]})
    with pytest.raises(DataError, match=r"reference is missing the keys \['total_spend'\]"):
        rfm_eight_classes(rfm, reference={"days_since_last": 1, "n_purchases": 1})
    with pytest.raises(DataError, match=r"reference='mode' should be 'mean', 'median' or a dict"):
        rfm_eight_classes(rfm, reference="mode")


# --------------------------------------------------------------------------- #
# response by group, Charles Book Club
# --------------------------------------------------------------------------- #
def _wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson (1927) score interval written out from the formula."""
    p = x / n
    centre = p + z * z / (2 * n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def test_response_by_group_hand():
    d = pd.DataFrame({"g": ["b", "a", "a", "a", "b", "b", "b", "b"], "y": [1, 0, 1, 0, 0, 0, 1, 1]})
    out = response_by_group(d, group_col="g", response_col="y")
    assert out.index.tolist() == ["a", "b"]
    assert out["n"].tolist() == [3, 5]
    assert out["responders"].tolist() == [1, 3]
    np.testing.assert_allclose(out["response_rate"], [1 / 3, 3 / 5])
    np.testing.assert_allclose(out["lift"], [(1 / 3) / 0.5, (3 / 5) / 0.5])
    for g, x, n in [("a", 1, 3), ("b", 3, 5)]:
        lo, hi = _wilson(x, n)
        assert out.loc[g, "ci_low"] == pytest.approx(lo, rel=1e-9)
        assert out.loc[g, "ci_high"] == pytest.approx(hi, rel=1e-9)


def test_response_by_group_bad_response():
    d = pd.DataFrame({"g": [1, 2], "y": [1, 2]})
    with pytest.raises(DataError, match=r"column 'y' should be 0/1 but is not in row 1"):
        response_by_group(d, group_col="g", response_col="y")
    with pytest.raises(DataError, match=r"missing column 'resp'.*pass response_col="):
        response_by_group(d, group_col="g", response_col="resp")


def test_cbc_response_by_rfm():
    cbc = load_charles_book_club()
    before = cbc.copy()
    scores = cbc_rfm_scores(cbc)
    pd.testing.assert_frame_equal(cbc, before)
    assert scores["r_score"].value_counts().tolist() == [800] * 5
    # most recent members have the smallest months_since_last
    best = cbc.loc[scores["r_score"] == 5, "months_since_last"]
    worst = cbc.loc[scores["r_score"] == 1, "months_since_last"]
    assert best.max() <= worst.min()
    out = response_by_group(cbc.join(scores), group_col="r_score", response_col="florence")
    # 338 of 4,000 members bought the Florence book (Shmueli et al., CBC case)
    assert out["responders"].sum() == 338 and out["n"].sum() == 4000
    weighted_lift = (out["lift"] * out["n"]).sum() / out["n"].sum()
    assert weighted_lift == pytest.approx(1.0)
    by_code = response_by_group(cbc, group_col="r_code", response_col="florence")
    assert by_code.index.tolist() == [1, 2, 3, 4]


def test_inputs_not_mutated(rfm_random):
    scores = rfm_scores(rfm_random)
    frames = {"rfm": rfm_random, "scores": scores}
    before = {k: v.copy() for k, v in frames.items()}
    rfm_segments(scores)
    rfm_eight_classes(rfm_random, reference="median")
    joined = scores.join(rfm_random).assign(y=(rfm_random["n_purchases"] > 1).astype(int))
    joined_before = joined.copy()
    response_by_group(joined, group_col="rfm_score", response_col="y")
    for k, v in frames.items():
        pd.testing.assert_frame_equal(v, before[k])
    pd.testing.assert_frame_equal(joined, joined_before)


# --------------------------------------------------------------------------- #
# strategy tables
# --------------------------------------------------------------------------- #
def test_strategy_tables():
    s = segment_strategies()
    assert s["group_zh"].tolist() == ["高消费客户", "潜在价值客户", "低消费客户"]
    assert s.notna().all().all()
    t = customer_types()
    assert t.index.tolist() == ["lighthouse", "follower", "rational", "profit_seeking"]
    assert t.notna().all().all()


# --------------------------------------------------------------------------- #
# rfm_grid and plots (drawn with the course theme: a missing glyph would fail)
# --------------------------------------------------------------------------- #
def test_rfm_grid_hand():
    from crm_lessons.rfm import rfm_grid

    d = pd.DataFrame(
        {"r_score": [1, 1, 2, 2, 2], "f_score": [1, 2, 2, 2, 1], "total_spend": [5.0, 7.0, 10.0, 20.0, 1.0]}
    )
    mean = rfm_grid(d)
    assert mean.index.tolist() == [2, 1] and mean.columns.tolist() == [1, 2]
    assert mean.loc[2, 2] == 15.0 and mean.loc[1, 1] == 5.0
    count = rfm_grid(d, agg="count")
    assert count.to_numpy().sum() == 5 and count.loc[2, 2] == 2
    with pytest.raises(DataError, match=r"agg='max' should be 'mean', 'median', 'sum' or 'count'"):
        rfm_grid(d, agg="max")


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


def test_plot_rfm_heatmap(rfm_random, themed_ax):
    from crm_lessons.plotting.rfm import plot_rfm_heatmap

    data = rfm_scores(rfm_random).join(rfm_random)
    ax = plot_rfm_heatmap(data, agg="count", ax=themed_ax)
    cells = [int(t.get_text()) for t in ax.texts]
    assert sum(cells) == len(rfm_random) and len(cells) == 25
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5", "4", "3", "2", "1"]


def test_plot_response_rate(themed_ax):
    from crm_lessons.plotting.rfm import plot_response_rate

    cbc = load_charles_book_club()
    resp = response_by_group(cbc_rfm_scores(cbc).join(cbc["florence"]), group_col="r_score", response_col="florence")
    ax = plot_response_rate(resp, break_even=0.065, ax=themed_ax)
    np.testing.assert_allclose([p.get_height() for p in ax.patches], resp["response_rate"])
    ys = sorted(line.get_ydata()[0] for line in ax.lines if len(line.get_ydata()) == 2)
    assert ys == pytest.approx(sorted([0.065, 338 / 4000]))


def test_plot_segment_profiles_and_choose_k(themed_ax):
    from crm_lessons.plotting.rfm import plot_choose_k, plot_segment_profiles

    prof = pd.DataFrame({"customer_share": [0.3, 0.7], "revenue_share": [0.8, 0.2]})
    ax = plot_segment_profiles(prof, ax=themed_ax)
    assert [p.get_height() for p in ax.patches] == [0.3, 0.7, 0.8, 0.2]
    t = pd.DataFrame({"k": [2, 3, 4], "inertia": [9.0, 4.0, 3.5], "silhouette": [0.5, 0.7, 0.6]})
    import matplotlib.pyplot as plt

    ax2 = plot_choose_k(t)
    vline = [line for line in ax2.lines if "best" in line.get_label()][0]
    assert vline.get_xdata()[0] == 3
    plt.close(ax2.figure)
    with pytest.raises(DataError, match=r"plot_choose_k: missing column 'silhouette'"):
        plot_choose_k(t.drop(columns="silhouette"), ax=themed_ax)


@pytest.mark.parametrize(
    "ids",
    [
        ["b", "a", "c", "a", "b10", "b2"],
        pd.Categorical(["b", "a", "c", "a", "b10", "b2"]),
        [3.5, 1.0, 2.0, 1.0, -4.0, 10.0],
        ["中", "a", "Z", "a", "é", "b"],
    ],
    ids=["str", "categorical", "float", "unicode"],
)
def test_rfm_table_index_sorted_like_groupby(ids):
    df = pd.DataFrame(
        {"customer_id": ids, "date": pd.to_datetime(["2024-01-01"] * 6), "amount": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}
    )
    got = rfm_table(df, as_of="2024-01-31")
    want = df.groupby("customer_id", observed=True)["amount"].sum()
    assert got.index.tolist() == want.index.tolist()
    assert got["total_spend"].tolist() == want.tolist()


@pytest.mark.parametrize("dtype", ["int64", "uint32", "uint64", "Int64", "int8"])
@pytest.mark.parametrize("spread", [1, 10**9], ids=["dense", "sparse"])
def test_rfm_table_integer_ids_dense_and_sparse(dtype, spread):
    if dtype == "int8":
        ids = np.array([100, -120, 100, 0, -120, 127])  # range 247 overflows int8 arithmetic
    else:
        ids = np.array([7, 3, 7, 5, 3, 9]) * (spread if dtype != "uint32" else 1)
    df = pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype=dtype),
            "date": pd.to_datetime(["2024-01-01"] * 6),
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    got = rfm_table(df, as_of="2024-01-31")
    want = df.groupby("customer_id")["amount"].agg(["sum", "size"])
    assert got.index.tolist() == want.index.tolist()  # ids 4, 6, 8 never occur: not in the table
    assert got["total_spend"].tolist() == want["sum"].tolist()
    assert got["n_purchases"].tolist() == want["size"].tolist()


# --------------------------------------------------------------------------- #
# Hold-out split and the mailing decision (chapter 2, exercise 2.4)
# --------------------------------------------------------------------------- #
def test_holdout_split_size_seed_and_index():
    from crm_lessons.rfm import holdout_split

    d = pd.DataFrame({"x": range(101)}, index=pd.Index(range(1000, 1101), name="member"))
    m = holdout_split(d, holdout=0.4, random_state=3)
    assert m.index.equals(d.index) and m.dtype == bool and m.name == "holdout"
    assert int(m.sum()) == 40
    assert m.equals(holdout_split(d, holdout=0.4, random_state=3))
    assert not m.equals(holdout_split(d, holdout=0.4, random_state=4))
    with pytest.raises(DataError, match=r"holdout=1.0 should be a share of rows in \(0, 1\)"):
        holdout_split(d, holdout=1.0, random_state=3)
    with pytest.raises(DataError, match=r"random_state=None should be an int seed"):
        holdout_split(d, random_state=None)


def test_mailing_profit_hand_and_break_even():
    from crm_lessons.rfm import mailing_profit

    d = pd.DataFrame({"s": [3, 1, 2, 3, 1, 2, 2], "y": [1, 0, 0, 1, 1, 0, 1]})
    out = mailing_profit(d, score_col="s", response_col="y", mail_cost=1.0, profit_per_sale=4.0)
    assert out.index.tolist() == [1, 2, 3]
    assert out["mailed"].tolist() == [7, 5, 2]
    assert out["responders"].tolist() == [4, 3, 2]
    # profit = 4 * responders - 1 * mailed
    assert out["profit"].tolist() == [9.0, 7.0, 6.0]
    np.testing.assert_allclose(out["profit_per_customer"], [9 / 7, 1.0, 6 / 7])
    # a group is worth mailing exactly when its response rate beats mail_cost / profit_per_sale
    rates = d.groupby("s")["y"].mean()
    gains = out["profit"].diff(-1).dropna()  # profit lost by dropping group s from the mailing
    np.testing.assert_allclose(gains.to_numpy(), (4.0 * rates - 1.0).loc[[1, 2]] * d["s"].value_counts().loc[[1, 2]])
    with pytest.raises(DataError, match=r"mail_cost=0 should be a positive amount"):
        mailing_profit(d, score_col="s", response_col="y", mail_cost=0, profit_per_sale=4.0)
    with pytest.raises(DataError, match=r"column 'y' should be 0/1"):
        mailing_profit(d.assign(y=2), score_col="s", response_col="y", mail_cost=1.0, profit_per_sale=4.0)


@pytest.mark.parametrize("method", ["quantile", "cuts"])
def test_rfm_cell_text_is_the_three_scores(method):
    """rfm_cell is made once per distinct cell; it must equal the scores written out row by row."""
    rng = np.random.default_rng(11)
    n = 2000
    rfm = pd.DataFrame(
        {
            "days_since_last": rng.integers(0, 400, n),
            "n_purchases": rng.integers(1, 30, n),
            "total_spend": rng.gamma(2, 50, n),
        },
        index=pd.Index([f"c{i}" for i in range(n)]),
    )
    cuts = {
        "days_since_last": list(range(30, 400, 30)),
        "n_purchases": [2, 5, 10],
        "total_spend": list(range(10, 400, 40)),
    }
    scores = rfm_scores(rfm, method=method, **({"cuts": cuts} if method == "cuts" else {}))
    sep = "" if scores[["r_score", "f_score", "m_score"]].to_numpy().max() <= 9 else "-"
    assert method == "quantile" or sep == "-"
    want = [f"{r}{sep}{f}{sep}{m}" for r, f, m in scores[["r_score", "f_score", "m_score"]].itertuples(index=False)]
    assert scores["rfm_cell"].tolist() == want
    assert scores["rfm_cell"].dtype == "str"
