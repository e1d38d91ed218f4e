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
from io_helpers import cell_by_cell as _slow
from io_helpers import read as _read
from io_helpers import same as _same
from test_io_messy import CASES as MESSY_CASES

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


@pytest.mark.parametrize("min_rows", [1 << 17, 7])
def test_duplicated_in_threads_equals_pandas(monkeypatch, min_rows):
    """Rows hashed in slices and the hashes searched in two halves (forced here on small frames) give
    pandas' answer; with few repeated hashes, and with many (looked up through the table of top bits)."""
    from crm_lessons import _threads

    monkeypatch.setattr(_threads, "MIN_ROWS", min_rows)
    monkeypatch.setattr(_threads, "cores", lambda: 2)
    rng = np.random.default_rng(11)
    for n, distinct in ((3000, 10**9), (3000, 40), (50_000, 10**9)):
        frame = pd.DataFrame(
            {
                "customer_id": pd.Series([f"c{v}" for v in rng.integers(0, distinct, n)], dtype="str"),
                "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 3, n), unit="D"),
                "amount": rng.choice([1.0, -0.0, 0.0, np.nan, 2.5], n),
            }
        )
        frame.iloc[n // 2 :] = frame.iloc[: n - n // 2].to_numpy()  # every row of the second half repeats
        key = _parse._id_codes(frame["customer_id"])
        assert np.array_equal(_parse._duplicated(frame, key), frame.duplicated(keep="first").to_numpy())
    # text held by Arrow in several chunks (as a file read by Arrow is): candidates taken chunk by chunk
    pa = pytest.importorskip("pyarrow")
    n = 20_000
    words = [f"w{v}" for v in rng.integers(0, 30, n)]
    chunked = pa.chunked_array([words[i : i + 3000] for i in range(0, n, 3000)])
    frame = pd.DataFrame(
        {
            "note": pd.Series(pd.array(chunked, dtype="str")),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 3, n), unit="D"),
            "amount": rng.choice([1.0, 2.5], n),
        }
    )
    assert _parse._arrow_text(frame["note"]).num_chunks > 1
    assert np.array_equal(_parse._duplicated(frame), frame.duplicated(keep="first").to_numpy())
    hashes = rng.integers(0, 2**32, 100_000, dtype=np.uint64).astype(np.uint32)
    hashes[::1000] = hashes[1::1000]  # 100 repeated values: more than isin's few
    repeated = pd.Series(hashes).duplicated(keep=False).to_numpy()
    assert np.array_equal(_parse._repeated(hashes), repeated)


# ----------------------------------------------------------------------------- the Arrow path


def _no_arrow(monkeypatch, raw: bytes, **kwargs):
    """The pandas path alone (its own fast path on), as before the Arrow reader."""
    with monkeypatch.context() as m:
        m.setattr(_files, "_arrow_frame", lambda *a, **k: None)
        return _read(raw, **kwargs)


def _with_column(name: str, values: list[str], rows: list[list[str]] | None = None) -> bytes:
    rows = _clean_rows() if rows is None else rows
    return _csv([r + [v] for r, v in zip(rows, values)], header=f"customer_id,date,amount,store,{name}")


_TIMES = [f"2024-02-{1 + i % 28:02d} 10:{i % 60:02d}:00" for i in range(N)]
ARROW_CASES = {
    "clean": CASES["clean"],
    "clean, date and time": CASES["clean, date and time"],
    "clean, integer-looking ids": CASES["clean, integer-looking ids"],
    "clean, ids with leading zeros": CASES["clean, ids with leading zeros"],
    "byte-order mark": b"\xef\xbb\xbf" + CASES["clean"],
    "CRLF": CASES["clean"].replace(b"\n", b"\r\n"),
    "semicolons": CASES["clean"].replace(b",", b";"),
    "tabs": CASES["clean"].replace(b",", b"\t"),
    "payment time column": _with_column("付款时间", _TIMES),
    "payment date column": _with_column("付款日期", [t[:10] for t in _TIMES]),
    "shipping time column": _with_column("shipped", _TIMES),
    "shipping date column": _with_column("shipped", [t[:10] for t in _TIMES]),
    "time column": _with_column("time", [t[11:] for t in _TIMES]),
    "boolean column": _with_column("vip", ["True" if i % 3 else "False" for i in range(N)]),
    "integer column": _with_column("qty", [str(i % 7) for i in range(N)]),
    "integer column with gaps": _with_column("qty", ["" if i % 50 == 3 else str(i % 7) for i in range(N)]),
    "integer column with NA text": _with_column("qty", ["NA" if i % 50 == 3 else str(i % 7) for i in range(N)]),
    "float column with None": _with_column("w", ["None" if i % 40 == 1 else f"{i / 7:.3f}" for i in range(N)]),
    "numbers with spaces": _with_column("qty", [f" {i % 7}" for i in range(N)]),
    "numbers then text late": _with_column("note", [str(i) if i < 350 else "x" for i in range(N)]),
    "text, numbers first": _with_column("note", [str(i) if i < 100 else f"n{i}" for i in range(N)]),
    "infinite float column": _with_column("w", ["inf" if i == 5 else "1.5" for i in range(N)]),
    "big integers": _with_column("phone", [str(2**62 + i) for i in range(N)]),
    "huge integers": _with_column("phone", [str(2**64 + i) for i in range(N)]),
    "empty column": _with_column("note", [""] * N),
    "quoted text with a newline": _with_column("note", ['"a\nb"' if i == 7 else "x" for i in range(N)]),
    "quoted delimiter": _with_column("note", ['"a,b"' if i == 7 else "x" for i in range(N)]),
    "repeated other header": _csv([r + ["1", "2"] for r in _clean_rows()], "customer_id,date,amount,store,x,x"),
    "empty header name": _csv([r + ["1"] for r in _clean_rows()], "customer_id,date,amount,store,"),
    "short row": _csv(_clean_rows()[:300] + [["C1", "2024-01-01"]] + _clean_rows()[300:]),
    "long row": _csv(_clean_rows()[:300] + [["C1", "2024-01-01", "1", "x", "y"]] + _clean_rows()[300:]),
    "not UTF-8 late": _csv(_clean_rows()[:300]) + "甲,2024-01-01,1,北京\n".encode("gbk"),
    "amount column named twice": _csv([r + [r[2]] for r in _clean_rows()], "customer_id,date,amount,store,金额"),
    "unnamed role": _csv(_clean_rows(), header="customer_id,date,price,store"),
    "status column": _with_column("订单状态", ["交易成功" if i % 7 else "交易关闭" for i in range(N)]),
    "quoted NA id": _with(350, 0, '"NA"'),
    "placeholder date later": CASES["placeholder date later"],
    "date with offset later": _with(350, 1, "2024-03-05T10:00:00+08:00"),
    "hour only date later": _with(350, 1, "2024-03-05 10"),
    "duplicate rows": _csv(_clean_rows()[:200] * 2),
    # dates Arrow reads as dates (ISO), then the reading rules' edges
    "date with spaces later": _with(350, 1, " 2024-03-05 "),
    "date with a tab later": _with(350, 1, "2024-03-05\t"),
    "leap day": _with(350, 1, "2024-02-29"),
    "no leap day later": _with(350, 1, "2023-02-29"),
    "first and last accepted years": _csv(
        [[r[0], "1678-01-01" if i % 2 else "2261-12-31", *r[2:]] for i, r in enumerate(_clean_rows())]
    ),
    "year 1677 later": _with(350, 1, "1677-12-31"),
    "year 2262 later": _with(350, 1, "2262-01-01"),
    "year 0 later": _with(350, 1, "0000-01-01"),
    # integer-looking ids coded from their numbers
    "integer-looking ids, a leading zero later": _with(350, 0, "007", ids="{}"),
    "integer-looking ids, a zero": _with(350, 0, "0", ids="{}"),
    "integer-looking ids, a sign later": _with(350, 0, "+17", ids="{}"),
    "phone numbers": _csv(_clean_rows(ids="1380013{:04d}")),
    "sparse integer-looking ids": _csv([[str(int(r[0][1:]) ** 5), *r[1:]] for r in _clean_rows()]),
    "20-digit ids": _csv(_clean_rows(ids="123456789012345{:05d}")),
    "member codes of several widths": _csv(_clean_rows(ids="C{}")),
    # ids judged clean by their first and last bytes, or looked at closer
    "id nil later": _with(350, 0, "nil"),
    "id none later": _with(350, 0, "none"),
    "id dash later": _with(350, 0, "-"),
    "id with a full-width space later": _with(350, 0, "C17\u3000"),
    "id with a no-break space later": _with(350, 0, "\u00a0C17"),
    "short ids starting with n": _csv(_clean_rows(ids="n{:02d}")),
    "Chinese ids": _csv(_clean_rows(ids="客户{}")),
    "GBK, clean": _csv(_clean_rows()).decode().encode("gbk"),
    "GBK export": (
        "会员编号,下单时间,实付金额,门店\n"
        + "".join(
            f'{r[0]},{r[1].replace("-", "年", 1).replace("-", "月")}日,"￥{r[2]}",{r[3]}\n' for r in _clean_rows()
        )
        + "\n"
    ).encode("gbk"),
    "GBK, bad byte late": _csv(_clean_rows()).decode().encode("gbk") + b"\x81\x20,2024-01-01,1,x\n",
    "UTF-16": b"\xff\xfe" + _csv(_clean_rows()).decode().encode("utf-16-le"),
}


@pytest.mark.parametrize("case", list(ARROW_CASES))
def test_arrow_path_same_as_pandas(monkeypatch, case):
    """The Arrow reader gives the pandas reader's frame, report or refusal (or leaves the file to it)."""
    raw = ARROW_CASES[case]
    fast = _read(raw)
    _same(fast, _no_arrow(monkeypatch, raw))
    _same(fast, _slow(monkeypatch, raw))


@pytest.mark.parametrize("drop", [False, True])
def test_duplicates_found_beside_the_reader(monkeypatch, drop):
    """The rows the Arrow reader finds may repeat (searched in a thread of their own) give the duplicates
    the cell-by-cell path finds; a file whose refunds change amounts, or whose closed orders are left
    out, is searched again."""
    rows = _clean_rows()
    rows[380] = list(rows[10])  # an exact duplicate
    rows[390] = [rows[20][0], rows[20][1], f"{float(rows[20][2]) + 5:.2f}", rows[20][3]]  # row 20 but for a refund
    refund = ["5" if i == 390 else "0" for i in range(N)]
    status = ["交易关闭" if i == 7 else "交易成功" for i in range(N)]
    policy = {"duplicates": "drop"} if drop else {}
    real = io_read._duplicated
    taken: list[bool] = []
    monkeypatch.setattr(io_read, "_duplicated", lambda *a: taken.append(a[2] is not None) or real(*a))
    for raw in (
        _csv(rows),
        _with_column("退款金额", refund, rows),
        _with_column("订单状态", status, rows),
    ):
        taken.clear()
        fast = _read(raw, **policy)
        _same(fast, _slow(monkeypatch, raw, **policy))
        assert taken[:1] == [raw == _csv(rows)]
        assert fast[1].duplicates == 1


def test_frame_can_be_changed(tmp_path):
    """The frame is the caller's: its columns take new values (none is a read-only view of the reader's)."""
    path = tmp_path / "orders.csv"
    path.write_bytes(ARROW_CASES["clean"])
    for source in (path, io.BytesIO(ARROW_CASES["clean"]), io.BytesIO(ARROW_CASES["GBK export"])):
        tx = cio.read_transactions(source)
        tx.loc[0, "amount"] = 1.0
        tx.loc[0, "date"] = tx.loc[1, "date"]
        assert tx.loc[0, "amount"] == 1.0 and tx.loc[0, "date"] == tx.loc[1, "date"]


@pytest.mark.parametrize("case", [*ARROW_CASES, "empty file", "header only"])
def test_file_mapped_into_memory_same_as_read(monkeypatch, tmp_path, case):
    """A file named by its path is read by Arrow from its memory map: the frame, report or refusal
    are those of the same file read into memory first."""
    raw = {"empty file": b"", "header only": b"customer_id,date,amount\n"}.get(case, ARROW_CASES.get(case))
    path = tmp_path / "orders.csv"
    path.write_bytes(raw)
    taken = []
    real = _files._arrow_frame
    with monkeypatch.context() as m:
        m.setattr(_files, "_arrow_frame", lambda content, **k: taken.append(type(content)) or real(content, **k))
        fast = _read_path(path)
    with monkeypatch.context() as m:
        m.setattr(_files, "_arrow_file", lambda *a, **k: None)
        _same(fast, _read_path(path))
    if case in ("clean", "semicolons", "GBK, clean"):
        assert taken[0].__name__ == "mmap"


def _frame_alone(source, **kwargs):
    try:
        return cio.read_transactions(source, **kwargs)
    except DataError as exc:
        return exc


def _same_frame(alone, with_report) -> None:
    """``read_transactions``' result is the frame of ``read_transactions_with_report``'s, or its refusal."""
    if isinstance(with_report, DataError):
        assert isinstance(alone, DataError), alone
        assert (str(alone), alone.zh) == (str(with_report), with_report.zh)
        return
    assert not isinstance(alone, DataError), alone
    pd.testing.assert_frame_equal(alone, with_report[0])


@pytest.mark.parametrize("case", list({**CASES, **ARROW_CASES}))
def test_frame_alone_same_as_with_report(case):
    """Without the report (the checks whose policy is 'keep' not run, the ids not coded) the frame or
    the refusal is the same."""
    raw = {**CASES, **ARROW_CASES}[case]
    _same_frame(_frame_alone(io.BytesIO(raw)), _read(raw))


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8"])
@pytest.mark.parametrize("case", list(MESSY_CASES))
def test_messy_frame_alone_same_as_with_report(tmp_path, case, encoding):
    """The messy reader's frame or refusal without the report (ids only checked), from bytes and from a path."""
    raw = MESSY_CASES[case][0].encode(encoding)
    _same_frame(_frame_alone(io.BytesIO(raw)), _read(raw))
    path = tmp_path / "export.csv"
    path.write_bytes(raw)
    try:
        from_path = cio.read_transactions_with_report(path)
    except DataError as exc:
        from_path = exc
    _same_frame(_frame_alone(path), from_path)


@pytest.mark.parametrize(
    "policy",
    [
        {},
        {"duplicates": "drop"},
        {"duplicates": "error"},
        {"returns": "drop"},
        {"returns": "error"},
        {"as_of": "2024-06-30", "future": "drop"},
        {"as_of": "2024-06-30", "future": "error"},
        {"as_of": "2024-06-30", "duplicates": "drop", "returns": "drop", "future": "drop"},
    ],
)
def test_frame_alone_policies(tmp_path, policy):
    """Each policy drops or refuses the same rows with the report or without it, from bytes or a file."""
    rows = _clean_rows()
    rows[380] = list(rows[10])
    rows[390][2] = "-3"
    for rows_ in (rows, [r for r in rows if r[1] <= "2024-06-30" and not r[2].startswith("-")]):
        raw = _csv(rows_)
        path = tmp_path / "orders.csv"
        path.write_bytes(raw)
        _same_frame(_frame_alone(io.BytesIO(raw), **policy), _read(raw, **policy))
        try:
            from_path = cio.read_transactions_with_report(path, **policy)
        except DataError as exc:
            from_path = exc
        _same_frame(_frame_alone(path, **policy), from_path)


def _read_path(path):
    try:
        return cio.read_transactions_with_report(path)
    except DataError as exc:
        return exc


@pytest.mark.parametrize("case", ["clean", "byte-order mark", "CRLF", "tabs", "shipping time column", "integer column"])
def test_clean_file_takes_the_arrow_path(monkeypatch, case):
    taken = []
    real = _files.read_clean_csv
    monkeypatch.setattr(_files, "read_clean_csv", lambda *a, **k: taken.append(real(*a, **k)) or taken[-1])
    tx, rep = cio.read_transactions_with_report(io.BytesIO(ARROW_CASES[case]))
    assert taken and taken[0] is not None
    assert rep.encoding == ("utf-8-sig" if case == "byte-order mark" else "utf-8")


@pytest.mark.filterwarnings("ignore::pandas.errors.DtypeWarning")
def test_arrow_path_respects_pandas_blocks(monkeypatch):
    """pandas infers each block of rows on its own: a text column whose second block holds only
    numbers comes out of pandas as mixed text and integers, so the Arrow path must decline."""
    from crm_lessons.io import _arrow

    block = _arrow._pandas_block_rows(5)
    rows = _clean_rows(block + 500)
    raw = _with_column("note", [f"t{i}" if i < block else str(i) for i in range(len(rows))], rows)
    fast = _read(raw)
    _same(fast, _no_arrow(monkeypatch, raw))
    assert {type(v) for v in fast[0]["note"]} == {str, int}


def test_arrow_amounts_equal_text_parse():
    """Amounts Arrow reads as numbers equal those parsed from their text, to the last bit."""
    pa = pytest.importorskip("pyarrow")
    pcsv = pytest.importorskip("pyarrow.csv")
    rng = np.random.default_rng(5)
    values = np.concatenate([rng.gamma(2, 50, 3000).round(2), rng.lognormal(5, 3, 3000), [0.1, 1e-300, 123456789.123]])
    text = [repr(float(v)) for v in values] + [f"{v:.2f}" for v in values] + [f"{v:.12g}" for v in values]
    read = pcsv.read_csv(pa.BufferReader(("a\n" + "\n".join(text)).encode()))["a"].to_numpy()
    parsed = _parse._amount_values(pd.Series(text, dtype=object))
    assert np.array_equal(read, parsed.to_numpy())


def test_number_like_catches_what_pandas_reads_as_numbers():
    """Every cell pandas reads as a number or a boolean matches the Arrow path's net."""
    import re

    from crm_lessons.io import _arrow

    cells = ["1", " 1", "1 ", "+1", "-1", "1.", ".5", "1e5", "1E+05", "1e", "inf", "-Infinity", "+inf", "True"]
    cells += ["TRUE", "true", "false", "0x10", "1_000", "1,000", "１２", "12abc", "١٢", "1.5.2", "e5", "--1", "+-1"]
    cells += ["1d5", " 1.5e-3 ", "\t7", "7\t", "00", "-0", "1e-400", "9" * 30, "0.1e", "INF", "Inf", "yes", "on"]
    for cell in cells:
        raw = f'a,b\n"{cell}",x\n"{cell}",y\n'.encode()
        dtype = pd.read_csv(io.BytesIO(raw))["a"].dtype
        if dtype.kind in "biuf":
            assert re.search(_arrow._NUMBER_LIKE, cell), (cell, dtype)


def test_text_nets_catch_every_space_and_missing_cell():
    """The Arrow patterns that spare Python most cells miss none it would act on: every character
    str.strip() removes is in the space class (every code point tried), and every cell is_missing
    calls empty is caught by the net, whatever spaces surround it."""
    pa = pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
    import sys

    from crm_lessons._reading.values import EDGE_SPACE, NA_TEXT, SPACE, is_missing

    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    spaces = [c for c in chars if c.isspace()]
    assert pc.all(pc.match_substring_regex(pa.array(spaces), rf"^{SPACE}$")).as_py()
    assert pc.all(pc.match_substring_regex(pa.array(spaces), EDGE_SPACE)).as_py()
    # no character but ASCII lower-cases to a single character of a "no value" text
    letters = set("".join(NA_TEXT))
    assert all(c.isascii() for c in chars if len(c.lower()) == 1 and c.lower() in letters)
    cells = [
        a + w + b
        for w in [*NA_TEXT, "", "NA", "N/A", "None", "NULL", "NaN", "Nil"]
        for a in spaces[:6] + [""]
        for b in spaces[-6:] + [""]
    ]
    cells += ["Nancy", "0", "NAN!", "null0", "\u3000NA\u3000", "K", "nİl"]
    caught = set(_parse._caught(pd.Series(cells, dtype=object), _parse._MAYBE_MISSING).tolist())
    assert all(i in caught for i, c in enumerate(cells) if is_missing(c))
    codes = np.arange(len(cells))
    assert np.array_equal(
        _parse._blank(codes, pd.Series(cells, dtype=object)), np.array([is_missing(c) for c in cells])
    )
    ids = pd.Series([" a", "b ", "c", "\u3000d", "e\x1f", "f"], dtype=object)
    got = _parse._parse_customer(np.arange(len(ids)), ids)
    assert got.tolist() == [v.strip() for v in ids]


def test_plain_amounts_parsed_by_arrow_as_by_the_rules():
    """Amounts written plainly ('￥1,234.50', '88', '¥1234') are parsed by Arrow to the same float the
    rules give, to the last bit; other cells of the same column still go through the rules."""
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(12)
    values = np.concatenate([rng.gamma(2, 50, 2000), rng.lognormal(8, 4, 2000), [0, 1e14, 999999999999999]])
    cells = [f"￥{v:,.2f}" for v in values] + [f"{v:.{rng.integers(0, 9)}f}" for v in values]
    cells += [f"¥{v:.3f}" for v in values] + [f"{v:,.0f}" for v in values[:500]]
    cells += ["￥1,234,567,890,123.5", "1,234,567,890,123,456", "1234567890123456.5", "0.1234567890123456"]
    cells += ["(12.50)", "-3", "88 元", "1,23", "12.", "", "abc", "１２", "￥ 5", "1,234.5,6"]
    uniq = pd.Series(cells, dtype=object)
    fast = _parse._amount_values(uniq).to_numpy()
    rules = _parse._amount_rules(uniq).to_numpy()
    assert np.array_equal(fast, rules, equal_nan=True)
    assert np.isnan(rules).sum() < 10 and (_parse._caught(uniq, _parse._PLAIN_AMOUNT).size > 7000)


def test_memory_map_closed_unless_held(tmp_path):
    """The reader's memory map is closed after the read, or left to its last holder (no BufferError)."""
    import mmap

    path = tmp_path / "orders.csv"
    path.write_bytes(ARROW_CASES["clean"])
    with open(path, "rb") as f:
        view = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    held = memoryview(view)
    _files._unmap(view)
    assert not view.closed
    held.release()
    _files._unmap(view)
    assert view.closed
