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
    _check(pd.Series([f"M{v}" for v in rng.integers(0, 10**12, 3000)], dtype="str"))  # sparse, widths differ
    _check(pd.Series([f"M{v}" for v in rng.integers(0, 10**4, 3000)], dtype="str"))  # dense, widths differ


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


@pytest.mark.parametrize("kind", ["string", "large_string"])
def test_digit_codes_fixed_width_bytes_equal_arrow_path(monkeypatch, kind):
    """Ids of one width are read from Arrow's bytes; the codes equal those of the Arrow string kernels,
    across chunks, sliced chunks and for every way the ids can fail to be digits."""
    pa = pytest.importorskip("pyarrow")
    from crm_lessons import _ids

    rng = np.random.default_rng(4)
    ids = [f"VIP{v:06d}" for v in rng.integers(0, 10**6, 2000)]
    typ = getattr(pa, kind)()

    def chunked(values: list[str]):
        whole = pa.array(["x"] + values + ["y"], type=typ)  # sliced below: chunks with an offset
        cut = len(values) // 3
        return pa.chunked_array([whole.slice(1, cut), whole.slice(1 + cut, len(values) - cut)], type=typ)

    cases = {
        "fixed": ids,
        "Chinese prefix": [f"会员{v:04d}" for v in rng.integers(0, 10**4, 500)],
        "no prefix": [f"{v:011d}" for v in rng.integers(0, 10**11, 500)],
        "18 digits": [f"{v:018d}" for v in rng.integers(0, 10**18, 50)],
        "19 digits": [f"{v:019d}" for v in rng.integers(0, 10**18, 50)],
        "letter in a later chunk": ids[:1500] + ["VIP00A001"] + ids[1501:],
        "prefix differs later": ids[:1500] + ["VIQ000001"] + ids[1501:],
        "width differs later": ids[:1500] + ["VIP0000001"] + ids[1501:],
        "space in the digits": ids[:1500] + ["VIP 00001"] + ids[1501:],
    }
    assert _ids._fixed_width(chunked(ids)) is not None
    for name, values in cases.items():
        arr = chunked(values)
        fast = _ids.digit_codes(arr)
        with monkeypatch.context() as m:
            m.setattr(_ids, "_fixed_width", lambda arr: None)
            slow = _ids.digit_codes(arr)
        assert (fast is None) == (slow is None), name
        if fast is not None:
            assert np.array_equal(fast[0], slow[0]) and np.array_equal(fast[1], slow[1]), name
            want = sorted(set(values))
            assert [want[c] for c in fast[0]] == values, name


@pytest.mark.parametrize("kind", ["string", "large_string"])
def test_short_text_key_orders_like_the_text(kind):
    """Ids of a common prefix and at most 7 more bytes get keys in the text's order, equal only for
    equal ids: random short texts with multi-byte characters, NUL bytes and prefixes of each other,
    across sliced chunks; longer ids get no key."""
    pa = pytest.importorskip("pyarrow")
    from crm_lessons._ids import short_text_key

    rng = np.random.default_rng(8)
    alphabet = list("ab\x00Zé中\U0001f600")
    for prefix, longest in (("客户", 4), ("", 3), ("VIP-", 7)):
        words = ["".join(rng.choice(alphabet, rng.integers(0, longest + 1))) for _ in range(3000)]
        words = [w for w in words if len((prefix + w).encode()) - len(prefix.encode()) <= 7]
        ids = [prefix + w for w in words]
        typ = getattr(pa, kind)()
        whole = pa.array(["zzz"] + ids, type=typ)
        arr = pa.chunked_array([whole.slice(1, 1000), whole.slice(1001)], type=typ)
        key = short_text_key(arr)
        assert key is not None
        order = sorted(set(ids))
        rank = {v: i for i, v in enumerate(order)}
        want = np.array([rank[v] for v in ids])
        assert np.array_equal(np.unique(key, return_inverse=True)[1].ravel(), want), prefix
        fixed = pa.chunked_array([[prefix + f"{v:03d}" for v in rng.integers(0, 1000, 500)]], type=typ)
        fixed_key = short_text_key(fixed)
        assert np.array_equal(np.argsort(fixed_key, kind="stable"), np.argsort(fixed.to_numpy(), kind="stable"))
    assert short_text_key(pa.chunked_array([["客户abcdefgh", "客户b"]], type=getattr(pa, kind)())) is None


def test_threaded_paths_equal_one_thread(monkeypatch):
    """The work split over threads (hashed ranges of ids, the summary's three parts) gives the codes
    and tables of one thread, for sparse, text and member-code ids."""
    pytest.importorskip("pyarrow")
    from crm_lessons import _ids, _threads

    rng = np.random.default_rng(11)
    n = 5000
    pool = rng.integers(13_000_000_000, 20_000_000_000, 700)
    logs = {
        "sparse": pd.Series(pool[rng.integers(0, len(pool), n)]),
        "text": pd.Series(
            ["客户" + chr(97 + v % 26) + chr(97 + v // 26 % 26) for v in rng.integers(0, 600, n)], dtype="str"
        ),
        "member codes": pd.Series(["C" + str(v) for v in rng.integers(0, 900, n)], dtype="str"),
        "sparse member codes": pd.Series(
            ["C" + str(v // 10 ** (v % 5)) for v in pool[rng.integers(0, len(pool), n)]], dtype="str"
        ),
        "leading zeros": pd.Series([f"C{v:0{1 + v % 4}d}" for v in rng.integers(0, 900, n)], dtype="str"),
    }
    results = {}
    for cores in (1, 2, 3):
        monkeypatch.setattr(_threads, "cores", lambda cores=cores: cores)
        monkeypatch.setattr(_threads, "MIN_ROWS", 64)
        monkeypatch.setattr(_ids, "_BUCKET_ROWS", 64)
        assert len(_threads.row_slices(n)) == cores
        got = {}
        for kind, ids in logs.items():
            df = (
                pd.DataFrame(
                    {
                        "customer_id": ids,
                        "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D"),
                        "amount": rng.integers(1, 10_000, n) / 100,
                    }
                )
                if cores == 1
                else results[1][kind][3]
            )
            got[kind] = (
                _ids.sorted_codes(ids),
                rfm_table(df, as_of="2024-03-15"),
                customer_summary(df, calibration_end="2024-02-29", observation_end="2024-03-31", freq="D"),
                df,
            )
        results[cores] = got
    for cores in (2, 3):
        for kind in logs:
            (c1, u1, _), rfm1, s1, _ = results[1][kind]
            (c2, u2, _), rfm2, s2, _ = results[cores][kind]
            assert np.array_equal(c1, c2) and u1.equals(u2), kind
            pd.testing.assert_frame_equal(rfm1, rfm2, check_exact=True)
            pd.testing.assert_frame_equal(s1, s2, check_exact=True)


@pytest.mark.parametrize("bucketed", [True, False])
@pytest.mark.parametrize("cores", [1, 2, 3])
def test_bucketed_int_codes_equal_a_sort(monkeypatch, cores, bucketed):
    """Sparse keys hashed bucket by bucket or in one table, one range of keys per thread: the codes are the ranks of a
    sort of every key, the rows hold the keys in order, also for keys spanning the whole int64 range
    (differences that overflow), a few distinct keys, one key, and a reordering of the distinct keys."""
    from crm_lessons import _ids, _threads

    monkeypatch.setattr(_threads, "cores", lambda: cores)
    monkeypatch.setattr(_threads, "MIN_ROWS", 64)
    monkeypatch.setattr(_ids, "_BUCKET_ROWS", 64)
    monkeypatch.setattr(_ids, "_BUCKET_ROWS_PER_KEY", 10**9 if bucketed else 0)  # always / never by buckets
    rng = np.random.default_rng(12)
    n = 20_000
    keys = {
        "phone numbers": rng.integers(13_000_000_000, 20_000_000_000, 3000)[rng.integers(0, 3000, n)],
        "whole int64 range": rng.integers(-(2**63), 2**63 - 1, 3000, dtype=np.int64)[rng.integers(0, 3000, n)],
        "ends and middle": rng.choice(np.array([-(2**63), 2**63 - 1, 0, 5, 6]), n),
        "one key": np.full(n, 10**15),
        "clustered": np.concatenate([rng.integers(0, 50, n // 2), rng.integers(10**17, 10**17 + 50, n // 2)]),
    }
    for name, key in keys.items():
        want, inverse = np.unique(key, return_inverse=True)
        codes, rows = _ids._int_codes(key, 0)
        assert np.array_equal(codes, inverse.ravel()) and np.array_equal(key[rows], want), name
        backwards = _ids._int_codes(key, 0, lambda distinct: np.arange(len(distinct))[::-1])
        assert np.array_equal(backwards[0], len(want) - 1 - inverse.ravel()), name
        assert np.array_equal(key[backwards[1]], want[::-1]), name


def test_buckets_chosen_for_keys_with_few_rows(monkeypatch):
    """Keys with about 2 rows each are hashed by buckets, keys with about 40 rows each in one table."""
    from crm_lessons import _ids

    chosen = []
    real = _ids._range_codes

    def spy(key, lo, hi, bucketed=True):
        chosen.append(bucketed)
        return real(key, lo, hi, bucketed)

    monkeypatch.setattr(_ids, "_range_codes", spy)
    rng = np.random.default_rng(5)
    n = 400_000
    for per_key, want in ((2, True), (40, False)):
        chosen.clear()
        key = rng.integers(13_000_000_000, 20_000_000_000, n // per_key)[rng.integers(0, n // per_key, n)]
        codes, rows = _ids._int_codes(key, 0)
        assert chosen and set(chosen) == {want}, per_key
        assert np.array_equal(codes, np.unique(key, return_inverse=True)[1].ravel())
