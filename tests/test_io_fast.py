"""read_transactions' fast path (a clean CSV read in one pass) gives what the cell-by-cell path gives.

Every file is read twice: as it is, and with the fast path switched off (each role column then goes
through the cell-by-cell checks).  The frame, the report and any error message must be identical,
including files whose first rows are clean and whose problem comes later, past the rows sampled.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from crm_lessons import io as cio
from crm_lessons._reading import values as reading_values
from crm_lessons._validation import DataError
from crm_lessons.io import _files, _parse
from crm_lessons.io import _read as io_read

N = 400  # more rows than the head sample (200), so later problems are not seen in it


def _clean_rows(n: int = N, *, ids: str = "C{:05d}", dates: str = "%Y-%m-%d") -> list[list[str]]:
    rng = np.random.default_rng(0)
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    return [
        [ids.format(int(c)), d.strftime(dates), f"{a:.2f}", s]
        for c, d, a, s in zip(rng.integers(1, 90, n), day, rng.gamma(2, 40, n), rng.choice(["北京", "上海"], n))
    ]


def _csv(rows: list[list[str]], header: str = "customer_id,date,amount,store") -> bytes:
    return (header + "\n" + "\n".join(",".join(r) for r in rows) + "\n").encode("utf-8")


def _read(raw: bytes, **kwargs):
    try:
        return cio.read_transactions_with_report(io.BytesIO(raw), **kwargs)
    except DataError as exc:
        return exc


def _slow(monkeypatch, raw: bytes, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(_files, "_head_date_format", lambda *a, **k: None)
        m.setattr(_files, "_head_frame", lambda *a, **k: None)
        m.setattr(_files, "_clean_dates", lambda values: None)
        m.setattr(_files, "_clean_amounts", lambda values: None)
        m.setattr(io_read, "_clean_ids", lambda values: False)
        return _read(raw, **kwargs)


def _same(fast, slow) -> None:
    if isinstance(slow, DataError):
        assert isinstance(fast, DataError), fast
        assert (str(fast), fast.zh) == (str(slow), slow.zh)
        return
    assert not isinstance(fast, DataError), fast
    pd.testing.assert_frame_equal(fast[0], slow[0])
    assert fast[1].to_dict() == slow[1].to_dict()


def _with(row: int, col: int, value: str, **fmt) -> bytes:
    rows = _clean_rows(**fmt)
    rows[row][col] = value
    return _csv(rows)


CASES = {
    "clean": _csv(_clean_rows()),
    "clean, date and time": _csv(_clean_rows(dates="%Y-%m-%d %H:%M:%S")),
    "clean, integer-looking ids": _csv(_clean_rows(ids="{}")),
    "clean, ids with leading zeros": _csv(_clean_rows(ids="{:08d}")),
    "integer-looking ids, text later": _with(350, 0, "C17", ids="{}"),
    "text ids, number later": _with(350, 0, "0017"),
    "text ids, boolean later": _with(350, 0, "True"),
    "boolean ids": _csv([["True" if i % 2 else "False"] + r[1:] for i, r in enumerate(_clean_rows())]),
    "text ids, NA later": _with(350, 0, "NA"),
    "clean, Chinese dates": _csv(_clean_rows(dates="%Y年%m月%d日")),
    "bad date later": _with(350, 1, "2024-13-01"),
    "placeholder date later": _with(350, 1, "9999-12-31"),
    "year 1600 later": _with(350, 1, "1600-01-01"),
    "other date form later": _with(350, 1, "2024/3/5"),
    "date with time later": _with(350, 1, "2024-03-05 10:11:12"),
    "missing date later": _with(350, 1, ""),
    "infinite amount later": _with(350, 2, "inf"),
    "amount text later": _with(350, 2, "￥1,234.50"),
    "missing amount later": _with(350, 2, ""),
    "boolean amounts": _csv([[r[0], r[1], "True" if i % 2 else "False", r[3]] for i, r in enumerate(_clean_rows())]),
    "refund later": _with(350, 2, "-12.5"),
    "spaces around an id": _with(350, 0, "  C00007 "),
    "id of spaces": _with(350, 0, "   "),
    "ideographic space": _with(350, 0, "C00007\u3000"),
    "missing id later": _with(350, 0, ""),
    "every id after a space": _csv(_clean_rows(ids=" C{:05d}")),
    "every id after an ideographic space": _csv(_clean_rows(ids="\u3000C{:05d}")),
    "not UTF-8": _csv(_clean_rows()).replace(b"customer_id", "客户".encode("gbk")),
    "blank line later": _csv(_clean_rows()[:300])
    + b"\n"
    + _csv(_clean_rows()[300:])[len(b"customer_id,date,amount,store\n") :],
}


@pytest.mark.parametrize("case", list(CASES))
def test_fast_path_same_as_cell_by_cell(monkeypatch, case):
    raw = CASES[case]
    _same(_read(raw), _slow(monkeypatch, raw))


def test_fast_path_blank_row_counted_and_numbered(monkeypatch):
    rows = _clean_rows()
    rows[350] = ["", "", "", ""]
    rows[360][2] = "abc"
    raw = _csv(rows)
    fast = _read(raw)
    assert isinstance(fast, DataError) and "row 362: 'abc'" in str(fast)
    rows[360][2] = "1"
    fast = _read(_csv(rows))
    _same(fast, _slow(monkeypatch, _csv(rows)))
    assert fast[1].blank_rows == 1 and fast[1].rows_kept == N - 1


@pytest.mark.parametrize(
    "policy", [{"duplicates": "drop"}, {"returns": "drop"}, {"as_of": "2024-06-30", "future": "drop"}]
)
def test_fast_path_policies(monkeypatch, policy):
    rows = _clean_rows()
    rows[380] = list(rows[10])
    rows[390][2] = "-3"
    raw = _csv(rows)
    fast = _read(raw, **policy)
    _same(fast, _slow(monkeypatch, raw, **policy))
    assert fast[1].customers == fast[0]["customer_id"].nunique()
    assert fast[1].duplicates == 1


def test_fast_path_status_column(monkeypatch):
    rows = [r + ["交易成功" if i % 7 else "交易关闭"] for i, r in enumerate(_clean_rows())]
    raw = _csv(rows, header="customer_id,date,amount,store,订单状态")
    fast = _read(raw)
    _same(fast, _slow(monkeypatch, raw))
    assert fast[1].closed_orders == (N + 6) // 7


def test_fast_path_amounts_equal_text_parse():
    """Amounts pandas reads as numbers equal those parsed from their text, to the last bit."""
    rng = np.random.default_rng(5)
    values = np.concatenate([rng.gamma(2, 50, 3000).round(2), rng.lognormal(5, 3, 3000), [0.1, 1e-300, 123456789.123]])
    text = [repr(float(v)) for v in values] + [f"{v:.2f}" for v in values]
    read = pd.read_csv(io.StringIO("a\n" + "\n".join(text)))["a"]
    assert read.dtype == np.float64
    parsed = _parse._amount_values(pd.Series(text, dtype=object))
    assert np.array_equal(read.to_numpy(), parsed.to_numpy())


def test_edge_space_pattern_matches_str_strip():
    """The Arrow check for spaces around an id finds exactly what Python's str.strip() removes."""
    pa = pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
    chars = [chr(c) for c in range(0x3100) if not 0xD800 <= c <= 0xDFFF]
    texts = [f"{c}a" for c in chars] + [f"a{c}" for c in chars]
    found = pc.match_substring_regex(pa.array(texts), reading_values.EDGE_SPACE).to_pylist()
    assert found == [t != t.strip() for t in texts]


@pytest.mark.parametrize("case", ["clean", "clean, date and time", "clean, integer-looking ids"])
def test_clean_file_takes_the_fast_path(monkeypatch, case):
    """A clean file is not looked at cell by cell (the check of this file is that it reads at all)."""

    def refuse(values):
        raise AssertionError("cell-by-cell path taken")

    monkeypatch.setattr(io_read, "_factorize", refuse)
    monkeypatch.setattr(_parse, "_factorize", refuse)
    tx, rep = cio.read_transactions_with_report(io.BytesIO(CASES[case]))
    assert len(tx) == N and rep.customers == tx["customer_id"].nunique()


def test_duplicated_equals_pandas():
    rng = np.random.default_rng(9)
    n = 5000
    frame = pd.DataFrame(
        {
            "customer_id": pd.Series(rng.choice(["a", "b", "c", None], n), dtype="str"),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 5, n), unit="D"),
            "amount": rng.choice([1.0, 2.5, -0.0, 0.0, np.nan], n),
            "flag": rng.choice([True, False], n),
            "qty": rng.integers(0, 3, n),
            "note": rng.choice(["x", "y"], n).astype(object),
        }
    )
    assert np.array_equal(_parse._duplicated(frame), frame.duplicated(keep="first").to_numpy())
    assert np.array_equal(
        _parse._duplicated(frame[["customer_id", "note"]]),
        frame[["customer_id", "note"]].duplicated(keep="first").to_numpy(),
    )
    assert not _parse._duplicated(frame.iloc[:1]).any()
