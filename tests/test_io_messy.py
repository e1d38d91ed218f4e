"""Messy files read by Arrow (crm_lessons.io._arrow_messy) give what the pandas reader gives.

A platform export (``会员编号``, ``2024年01月05日``, ``"￥1,234.50"``, blank rows, GBK) is read by Arrow,
its blank rows left out and counted, its dates and amounts parsed once per distinct text.  Every file
here is read three ways: as it is, with the Arrow readers switched off (the pandas reader), and cell
by cell; the frame, the report and any refusal (row numbers included) must be identical.  Each case
also says whether the Arrow reader takes the file or leaves it to the pandas reader.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from io_helpers import cell_by_cell as _slow
from io_helpers import read as _read
from io_helpers import same as _same

from crm_lessons import io as cio
from crm_lessons._validation import DataError
from crm_lessons.io import _arrow_messy, _files

N = 400
HEADER = "会员编号,下单时间,实付金额,门店"


def _rows(n: int = N, seed: int = 0) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    return [
        [f"VIP{int(c):05d}", d.strftime("%Y年%m月%d日"), f'"￥{a:,.2f}"', s]
        for c, d, a, s in zip(rng.integers(1, 90, n), day, rng.gamma(2, 400, n), rng.choice(["北京", "上海"], n))
    ]


def _text(rows: list[list[str] | str], header: str = HEADER, end: str = "\n") -> str:
    """Rows joined by commas (a str row is a line as it is: '' is an empty line)."""
    return header + "\n" + "\n".join(r if isinstance(r, str) else ",".join(r) for r in rows) + end


def _with_blanks(rows: list[list[str]], every: int = 50, blank: str = "") -> list[list[str] | str]:
    out: list[list[str] | str] = []
    for i, r in enumerate(rows):
        out.append(r)
        if i % every == every - 1:
            out.append(blank)
    return out


def _set(rows: list[list[str]], row: int, col: int, value: str) -> list[list[str]]:
    rows = [list(r) for r in rows]
    rows[row][col] = value
    return rows


EXPORT = _text(_with_blanks(_rows()))
# case: (text, whether the Arrow reader takes it)
CASES: dict[str, tuple[str, bool]] = {
    "export": (EXPORT, True),
    "no blank rows": (_text(_rows()), True),
    "blank rows at the start": (_text(["", "", *_rows()]), True),
    "blank rows at the end": (_text(_rows(), end="\n\n\n\n"), True),
    "consecutive blank rows": (_text(_rows()[:100] + ["", "", "", ""] + _rows()[100:]), True),
    "blank rows of delimiters": (_text(_with_blanks(_rows(), blank=",,,")), True),
    "CRLF": (EXPORT.replace("\n", "\r\n"), True),
    "no final line break": (_text(_with_blanks(_rows()), end=""), True),
    "quoted store with a line break": (_text(_set(_with_blanks(_rows()), 30, 3, '"北京\n朝阳"')), True),
    "quoted id with a line break": (_text(_set(_rows(), 300, 0, '"VIP\n1"')), True),
    "quoted empty id": (_text(_set(_rows(), 300, 0, '""')), False),
    "unparseable date later": (_text(_set(_with_blanks(_rows()), 350, 1, "2024年13月01日")), False),
    "placeholder date later": (_text(_set(_with_blanks(_rows()), 350, 1, "9999年12月31日")), False),
    "ISO date among Chinese dates": (_text(_set(_with_blanks(_rows()), 350, 1, "2024-03-05")), True),
    "Excel serial date later": (_text(_set(_with_blanks(_rows()), 350, 1, "45293")), True),
    "date with time later": (_text(_set(_with_blanks(_rows()), 350, 1, "2024年03月05日 10:11")), True),
    "mixed amount formats": (
        _text(
            [
                _set([r], 0, 2, v)[0]
                for r, v in zip(
                    _rows(),
                    ["88 元", "(12.50)", "１２３", "-5", "¥1234", '"1,234,567.5"', "RMB 7", "0", "12.", "+3"] * 40,
                )
            ]
        ),
        True,
    ),
    "amount that is no number later": (_text(_set(_with_blanks(_rows()), 350, 2, '"1,23"')), False),
    "infinite amount later": (_text(_set(_with_blanks(_rows()), 350, 2, "inf")), False),
    "missing amount later": (_text(_set(_with_blanks(_rows()), 350, 2, "")), False),
    "missing date later": (_text(_set(_with_blanks(_rows()), 350, 1, "")), False),
    "missing id later": (_text(_set(_with_blanks(_rows()), 350, 0, "")), False),
    "NA id later": (_text(_set(_with_blanks(_rows()), 350, 0, "NA")), True),
    "-nan id later": (_text(_set(_with_blanks(_rows()), 350, 0, "-nan")), True),
    "id with spaces": (_text(_set(_with_blanks(_rows()), 350, 0, " VIP00007 ")), True),
    "id of an ideographic space": (_text(_set(_with_blanks(_rows()), 350, 0, "\u3000")), True),
    "row of no-value texts": (_text(_with_blanks(_rows(), blank="-,-,NA,")), False),
    "blank roles, store filled": (_text(_with_blanks(_rows(), blank=",,,北京")), False),
    "short row": (_text(_rows()[:300] + [["VIP1", "2024年01月01日"]] + _rows()[300:]), False),
    "long row": (_text(_rows()[:300] + [[*_rows()[0], "x"]] + _rows()[300:]), False),
    "only blank rows": (_text(["", "", ""]), False),
    "header only": (HEADER + "\n", False),
    "duplicate rows": (_text(_with_blanks(_rows()[:200] * 2)), True),
    "integer column with blank rows": (
        _text(_with_blanks([[*r, str(i % 7)] for i, r in enumerate(_rows())]), header=HEADER + ",数量"),
        True,
    ),
    "integer column, no blank rows": (
        _text([[*r, str(i % 7)] for i, r in enumerate(_rows())], header=HEADER + ",数量"),
        True,
    ),
    "big integers with blank rows": (
        _text(_with_blanks([[*r, str(2**60 + i)] for i, r in enumerate(_rows())]), header=HEADER + ",手机"),
        False,
    ),
    "float column with NA text": (
        _text([[*r, "NA" if i % 9 == 2 else f"{i / 7:.3f}"] for i, r in enumerate(_rows())], header=HEADER + ",w"),
        True,
    ),
    "text column with NA text": (
        _text(_with_blanks([[*r, "N/A" if i % 9 == 2 else f"n{i}"] for i, r in enumerate(_rows())]), HEADER + ",备注"),
        True,
    ),
    "boolean column": (
        _text(_with_blanks([[*r, "True" if i % 3 else "False"] for i, r in enumerate(_rows())]), HEADER + ",vip"),
        False,
    ),
    "time column": (
        _text(_with_blanks([[*r, f"10:{i % 60:02d}:00"] for i, r in enumerate(_rows())]), HEADER + ",时刻"),
        True,
    ),
    "empty column": (_text(_with_blanks([[*r, ""] for r in _rows()]), HEADER + ",备注"), False),
    "status column": (
        _text(
            _with_blanks([[*r, "交易成功" if i % 7 else "交易关闭"] for i, r in enumerate(_rows())]),
            HEADER + ",订单状态",
        ),
        True,
    ),
    "blank row with a status": (
        _text(_with_blanks([[*r, "交易成功"] for r in _rows()], blank=",,,,交易关闭"), HEADER + ",订单状态"),
        False,
    ),
    "byte-order mark": ("\ufeff" + EXPORT, True),
    "quote inside a cell": (_text(_set(_with_blanks(_rows()), 30, 3, '北"京')), True),
    "doubled quotes": (_text(_set(_with_blanks(_rows()), 30, 3, '"北""京"')), True),
    "text after a closing quote": (_text(_set(_with_blanks(_rows()), 30, 3, '"北"京')), True),
    "space before a quote": (_text(_set(_with_blanks(_rows()), 30, 3, ' "北京"')), True),
    "quoted id after a space": (_text(_set(_with_blanks(_rows()), 30, 0, ' "VIP00001"')), True),
    "ISO dates, plain amounts, integer ids": (
        _text(
            _with_blanks(
                [
                    [
                        r[0][3:],
                        r[1].replace("年", "-").replace("月", "-")[:10],
                        r[2].strip('"￥').replace(",", ""),
                        r[3],
                    ]
                    for r in _rows()
                ]
            )
        ),
        True,
    ),
    "ISO date-times, ids with leading zeros, semicolons": (
        _text(
            _with_blanks(
                [
                    [
                        "00" + r[0][3:],
                        r[1].replace("年", "-").replace("月", "-")[:10] + " 10:00:00",
                        r[2].replace(",", ""),
                        r[3],
                    ]
                    for r in _rows()
                ]
            )
        ).replace(",", ";"),
        True,
    ),
    "refund column": (
        _text(
            _with_blanks([[*r, '"￥1.50"' if i % 9 == 2 else ""] for i, r in enumerate(_rows())]), HEADER + ",退款金额"
        ),
        True,
    ),
    "tabs": (
        _text(_with_blanks([[c.strip('"').replace(",", "") for c in r] for r in _rows()])).replace(",", "\t"),
        True,
    ),
}


def _pandas(monkeypatch, raw: bytes, **kwargs):
    """The pandas reader alone."""
    with monkeypatch.context() as m:
        m.setattr(_files, "_arrow_frame", lambda *a, **k: None)
        return _read(raw, **kwargs)


def _taken(monkeypatch) -> list:
    """What the Arrow messy reader returns on each call, recorded."""
    taken: list = []
    real = _files.read_messy_csv
    monkeypatch.setattr(_files, "read_messy_csv", lambda *a, **k: taken.append(real(*a, **k)) or taken[-1])
    return taken


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8"])  # GB18030: '¥' is 4 bytes, the others GBK's 2
@pytest.mark.parametrize("case", list(CASES))
def test_messy_file_same_as_pandas(monkeypatch, case, encoding):
    text, accepted = CASES[case]
    raw = text.encode(encoding)
    with monkeypatch.context() as m:
        taken = _taken(m)
        fast = _read(raw)
    _same(fast, _pandas(monkeypatch, raw))
    _same(fast, _slow(monkeypatch, raw))
    assert any(t is not None for t in taken) == accepted, (taken, fast)


@pytest.mark.parametrize(
    "policy",
    [{"duplicates": "drop"}, {"duplicates": "error"}, {"returns": "drop"}, {"as_of": "2024-06-30", "future": "error"}],
)
def test_messy_file_policies(monkeypatch, policy):
    rows = _rows()
    rows[380] = list(rows[10])
    rows[390][2] = '"￥-3.00"'
    raw = _text(_with_blanks(rows)).encode("gbk")
    fast = _read(raw, **policy)
    _same(fast, _pandas(monkeypatch, raw, **policy))
    _same(fast, _slow(monkeypatch, raw, **policy))


def test_blank_rows_counted_and_numbered(monkeypatch):
    """Rows are numbered as in the file (header = row 1), the blank rows the reader left out included."""
    rows: list[list[str] | str] = ["", *_rows()[:9], "", "", *_rows()[9:]]
    rows[20] = _set([rows[20]], 0, 2, "abc")[0]  # the 20th data row after three blank rows: file row 22
    raw = _text(rows).encode("gbk")
    fast = _read(raw)
    assert isinstance(fast, DataError) and "row 22: 'abc'" in str(fast)
    _same(fast, _pandas(monkeypatch, raw))
    rows[20] = _rows()[17]
    raw = _text(rows).encode("gbk")
    fast = _read(raw, duplicates="error")
    _same(fast, _pandas(monkeypatch, raw, duplicates="error"))
    fast = _read(raw)
    assert fast[1].blank_rows == 3 and fast[1].rows_read == N + 3 and fast[1].rows_kept == N


def test_bad_byte_late(monkeypatch):
    """A byte that is not GB18030 far into the file: the pandas reader's refusal."""
    raw = EXPORT.encode("gbk") + b"\x81\x20,2024-01-01,1,x\n"
    fast = _read(raw)
    assert isinstance(fast, DataError)
    _same(fast, _pandas(monkeypatch, raw))


def test_file_by_path_and_folder(monkeypatch, tmp_path):
    """A file named by its path (GBK, and UTF-8 through its memory map) and a folder of exports: rows
    named 'file:row' in messages, blank rows counted across the files."""
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "a.csv").write_bytes(EXPORT.encode("gbk"))
    (tmp_path / "one" / "b.csv").write_bytes(_text(_set(_with_blanks(_rows(seed=1)), 200, 2, "x")).encode("gbk"))
    (tmp_path / "utf8.csv").write_bytes(EXPORT.encode("utf-8"))
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "a.csv").write_bytes(EXPORT.encode("gbk"))
    (tmp_path / "two" / "b.csv").write_bytes(_text(_rows(seed=1)).encode("gbk"))

    def read(source, **kwargs):
        try:
            return cio.read_transactions_with_report(source, **kwargs)
        except DataError as exc:
            return exc

    for source in (tmp_path / "one", tmp_path / "utf8.csv", tmp_path / "two", tmp_path / "two" / "a.csv"):
        fast = read(source)
        with monkeypatch.context() as m:
            m.setattr(_files, "_arrow_frame", lambda *a, **k: None)
            _same(fast, read(source))
    (tmp_path / "mixed").mkdir()  # a clean UTF-8 file (the clean Arrow reader), an export, ids to clean
    (tmp_path / "mixed" / "a.csv").write_bytes(
        _text([[r[0], r[1][:4] + "-01-02", "5.5", r[3]] for r in _rows()]).encode()
    )
    (tmp_path / "mixed" / "b.csv").write_bytes(EXPORT.encode("gbk"))
    (tmp_path / "mixed" / "c.csv").write_bytes(_text(_set(_with_blanks(_rows()), 120, 0, " V1 ")).encode())
    for kwargs in ({}, {"duplicates": "error"}, {"duplicates": "drop"}):
        fast = read(tmp_path / "mixed", **kwargs)
        with monkeypatch.context() as m:
            m.setattr(_files, "_arrow_frame", lambda *a, **k: None)
            _same(fast, read(tmp_path / "mixed", **kwargs))
    fast = read(tmp_path / "one")
    assert isinstance(fast, DataError) and "b.csv:" in str(fast)
    tx, rep = read(tmp_path / "two")
    assert rep.blank_rows == N // 50 and rep.rows_kept == 2 * N


def test_explicit_encoding_and_date_format(monkeypatch):
    raw = EXPORT.encode("gbk")
    for kwargs in ({"encoding": "gbk"}, {"encoding": "gb18030"}, {"date_format": "%Y年%m月%d日"}):
        _same(_read(raw, **kwargs), _pandas(monkeypatch, raw, **kwargs))
    bad = _text(_set(_with_blanks(_rows()), 350, 1, "2024-03-05")).encode("gbk")
    kwargs = {"date_format": "%Y年%m月%d日"}
    fast = _read(bad, **kwargs)
    assert isinstance(fast, DataError)
    _same(fast, _pandas(monkeypatch, bad, **kwargs))


@pytest.mark.parametrize("lead", ["\n", "\n\n", "\r\n", "\ufeff\n"])
def test_empty_lines_before_the_header(monkeypatch, lead):
    """Left to the pandas reader, which reads the header after them (it used to take the first empty
    line for the header and stop with a KeyError) and numbers the rows as in the file."""
    for text in (EXPORT, _text(_set(_with_blanks(_rows()), 20, 2, "abc"))):
        raw = (lead + text).encode("gbk" if "\ufeff" not in lead else "utf-8")
        with monkeypatch.context() as m:
            taken = _taken(m)
            fast = _read(raw)
        assert not any(t is not None for t in taken)
        _same(fast, _slow(monkeypatch, raw))
        plain = _read(text.encode("gbk"))
        if isinstance(plain, DataError):
            shift = lead.count("\n")
            assert isinstance(fast, DataError) and "row 22: 'abc'" in str(plain)
            assert f"row {22 + shift}: 'abc'" in str(fast)
        else:
            pd.testing.assert_frame_equal(fast[0], plain[0])
            assert fast[1].rows_read == plain[1].rows_read and fast[1].blank_rows == plain[1].blank_rows


def test_utf16_export(monkeypatch):
    raw = b"\xff\xfe" + EXPORT.encode("utf-16-le")
    with monkeypatch.context() as m:
        taken = _taken(m)
        fast = _read(raw)
    assert taken and taken[-1] is not None
    _same(fast, _pandas(monkeypatch, raw))


@pytest.mark.filterwarnings("ignore::pandas.errors.DtypeWarning")
def test_pandas_blocks_with_blank_rows(monkeypatch):
    """pandas infers each block of rows on its own, blank rows included: a text column one of whose
    blocks holds only numbers and blank rows comes out of pandas mixed, so the Arrow reader declines."""
    from crm_lessons.io import _arrow

    block = _arrow._pandas_block_rows(5)
    rows = _rows(block + 500)
    notes = [f"t{i}" if i < block - 2000 else str(i) for i in range(len(rows))]  # pandas' 2nd block: numbers
    raw = _text(_with_blanks([[*r, v] for r, v in zip(rows, notes)], every=400), HEADER + ",备注").encode("gbk")
    with monkeypatch.context() as m:
        taken = _taken(m)
        fast = _read(raw)
    assert taken == [None]
    _same(fast, _pandas(monkeypatch, raw))
    assert {type(v) for v in fast[0]["备注"]} == {str, float}


def test_amounts_parsed_from_distinct_texts_equal_the_rules():
    """The Arrow reader's amounts (plain ones by Arrow, the others by the rules) equal the rules' own."""
    pa = pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
    from crm_lessons.io._parse import _amount_rules

    rng = np.random.default_rng(3)
    values = np.concatenate([rng.gamma(2, 50, 500), rng.lognormal(8, 4, 500)])
    cells = [f"￥{v:,.2f}" for v in values] + [f"{v:.3f} 元" for v in values] + ["(1.5)", "－5", "0.1", "1e3"]
    encoded = pc.dictionary_encode(pa.chunked_array([cells + cells[::3]])).combine_chunks()
    got = _arrow_messy._amounts(encoded, None)
    want = _amount_rules(pd.Series(cells + cells[::3], dtype=object)).to_numpy()
    assert np.array_equal(got, want)


def test_gbk_file_read_from_its_memory_map(monkeypatch, tmp_path):
    """A GBK file named by its path is decoded by Arrow from the file's map (not read into memory first);
    one with a bad byte late is then read the usual way, with its refusal."""
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(EXPORT.encode("gbk"))
    big = _text(_with_blanks(_rows(40_000))).encode("gbk")  # past the first MB, which decides the encoding
    bad.write_bytes(big + b"\x81\x20,2024-01-01,1,x\n")
    seen: list = []
    real = _files.read_messy_csv
    for path in (good, bad):
        seen.clear()
        with monkeypatch.context() as m:
            m.setattr(_files, "read_messy_csv", lambda content, **k: seen.append(type(content)) or real(content, **k))
            try:
                fast = cio.read_transactions_with_report(path)
            except DataError as exc:
                fast = exc
        assert seen[-1].__name__ == "mmap" and len(seen) == 1
        with monkeypatch.context() as m:
            m.setattr(_files, "_arrow_frame", lambda *a, **k: None)
            try:
                slow = cio.read_transactions_with_report(path)
            except DataError as exc:
                slow = exc
        _same(fast, slow)
    assert isinstance(fast, DataError)


def test_year_net_catches_no_placeholder():
    """Texts the Arrow net spares from is_placeholder (a year in 1678-2261 and a date separator first)
    are never placeholders; every year and separator tried, with the edges of the range."""
    pa = pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
    from crm_lessons._reading.values import is_placeholder

    texts = [f"{y:04d}{s}01{s}05" for y in range(10000) for s in "-/."] + [f"{y:04d}年01月05日" for y in range(10000)]
    texts += [f"{y}-01-05 10:00:00" for y in range(1600, 2300)] + [" 2024-01-01", "２０２４-01-01", "20240105", "45293"]
    caught = np.asarray(pc.match_substring_regex(pa.array(texts), _arrow_messy._IN_YEARS).to_pylist())
    assert not any(is_placeholder(t) for t in np.asarray(texts, dtype=object)[caught])
    assert caught.sum() == (2261 - 1678 + 1) * 5  # every year of the range, in each of the five forms


def test_date_times_of_a_platform_export(monkeypatch):
    """A date-time per row (as platform exports write them): the same dates as the pandas path,
    placeholders and bad dates refused alike."""
    rows = _rows()
    times = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(N) * 7919, unit="s")
    for form in ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y年%m月%d日 %H:%M:%S"):
        dated = [[r[0], t.strftime(form), r[2], r[3]] for r, t in zip(rows, times)]
        for late in (None, "9999-12-31 00:00:00", "2024-02-30 10:00:00", "1677-12-31 10:00:00", "２０２４-01-05"):
            text = _text(_with_blanks(dated if late is None else _set(dated, 350, 1, late)))
            raw = text.encode("gb18030")
            _same(_read(raw), _pandas(monkeypatch, raw))
