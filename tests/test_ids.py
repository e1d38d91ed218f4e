"""crm_lessons._ids: customer ids -> codes in sorted id order, on every path (digit ids, text, integers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_lessons._ids import sorted_codes
from crm_lessons.clv import customer_summary
from crm_lessons.rfm import rfm_table

CASES = {
    "digits, one width": ["C0003", "C0001", "C0003", "C0200"],
    "digits, widths differ": ["C10", "C9", "C1", "C100", "C10", "C09", "C0", "C01"],
    "prefix of another id": ["7", "70", "700", "07", "0", "00", "7"],
    "phone numbers": ["13800138000", "13900001111", "13800138000"],
    "no prefix, 17 digits": ["12345678901234567", "9", "12345678901234567", "1234"],
    "18 digits, widths differ": ["123456789012345678", "9", "0"],  # too long for the key: hashed
    "prefix differs": ["C1", "D1", "C2"],
    "empty remainder": ["C", "C1", "C"],
    "Chinese prefix": ["会员12", "会员3", "会员12"],
    "full-width digits": ["C１", "C2", "C１"],
    "text": ["b", "a", "b10", "中", "Z", "é", "a"],
    "digits then text": ["1a", "1", "10"],
}


def _check(ids: pd.Series) -> None:
    codes, uniques, dense = sorted_codes(ids)
    assert not dense
    want = sorted(set(ids.tolist()))  # Python sorts str by code point
    assert uniques.tolist() == want
    assert uniques.dtype == ids.dtype
    assert [uniques[c] for c in codes] == ids.tolist()


@pytest.mark.parametrize("storage", ["pyarrow", "python"])
@pytest.mark.parametrize("case", list(CASES))
def test_sorted_codes_text_ids(case, storage):
    pytest.importorskip("pyarrow")
    _check(pd.Series(CASES[case], dtype=pd.StringDtype(storage, na_value=np.nan)))


def test_sorted_codes_random_digit_ids_match_python_sort():
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(3)
    raw = [("M" + str(v)[: rng.integers(1, 8)]) for v in rng.integers(0, 10**7, 3000)]
    raw += ["M0" + s[1:] for s in raw[:300]]  # leading zeros: other ids with the same number
    _check(pd.Series(raw, dtype="str"))
    fixed = pd.Series([f"VIP{v:08d}" for v in rng.integers(0, 10**8, 3000)], dtype="str")  # sparse
    _check(fixed)


def test_sorted_codes_integers_and_categorical():
    codes, uniques, dense = sorted_codes(pd.Series([10**12, 5, 10**12, -3]))
    assert (codes.tolist(), uniques.tolist(), dense) == ([2, 1, 2, 0], [-3, 5, 10**12], False)
    cat = pd.Series(pd.Categorical(["b", "a", "b"], categories=["a", "b", "c"]))
    codes, uniques, dense = sorted_codes(cat)
    assert (codes.tolist(), uniques.tolist(), dense) == ([1, 0, 1], ["a", "b", "c"], True)
    unsorted = pd.Series(pd.Categorical(["b", "a", "b"], categories=["b", "a"]))
    codes, uniques, _ = sorted_codes(unsorted)
    assert [uniques[c] for c in codes] == ["b", "a", "b"]


@pytest.mark.parametrize("case", ["digits, widths differ", "phone numbers", "text", "Chinese prefix"])
def test_tables_with_categorical_and_text_ids_agree(case):
    """rfm_table and customer_summary give the same numbers for text ids, digit ids and their categorical."""
    rng = np.random.default_rng(0)
    pool = CASES[case]
    n = 400
    df = pd.DataFrame(
        {
            "customer_id": pd.Series(np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)], dtype="str"),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D"),
            "amount": rng.integers(1, 100, n).astype(float),
        }
    )
    want = df.groupby("customer_id")["amount"].agg(["sum", "size"])
    got = rfm_table(df, as_of="2024-03-31")
    assert got.index.tolist() == want.index.tolist()
    assert got["total_spend"].tolist() == want["sum"].tolist()
    assert got["n_purchases"].tolist() == want["size"].tolist()
    ids = df["customer_id"]
    cat = df.assign(customer_id=pd.Categorical(ids, categories=pd.Index(ids.unique()).sort_values()))
    pd.testing.assert_frame_equal(rfm_table(cat, as_of="2024-03-31").set_axis(got.index), got)
    s = customer_summary(df, calibration_end="2024-02-29", observation_end="2024-03-31")
    assert s.index.is_monotonic_increasing and s.index.dtype == df["customer_id"].dtype
    pd.testing.assert_frame_equal(customer_summary(cat, calibration_end="2024-02-29", observation_end="2024-03-31"), s)
    obj = df.assign(customer_id=df["customer_id"].astype(object))
    pd.testing.assert_frame_equal(
        customer_summary(obj, calibration_end="2024-02-29", observation_end="2024-03-31"), s, check_index_type=False
    )
