"""Hostile files read the same way (or refused in the same words) by the pandas reader and DuckDB,
and every command-line flag a message suggests exists (issue 27 items 2-4)."""

from __future__ import annotations

import argparse
import re
import shlex

import pandas as pd
import pytest

from crm_lessons._validation import DataError
from crm_lessons.cli import REPORT_FLAGS, build_parser, command_line_error
from crm_lessons.io import read_transactions_with_report

HOSTILE = {
    "NA-like ids": "客户,日期,金额\nA,2024-01-05,3\nNA,2024-01-06,4\n-,2024-01-07,5\n#N/A,2024-01-07,5\nnull,2024-01-08,1\n",
    "None and nan ids": "客户,日期,金额\nA,2024-01-05,3\nNone,2024-01-06,4\nnan,2024-01-07,5\n",
    "NA-like amount": "客户,日期,金额\nA,2024-01-05,NA\nB,2024-01-06,4\n",
    "row of NA": "客户,日期,金额\nA,2024-01-05,3\nNA,NA,NA\nB,2024-01-06,4\n",
    "duplicate amount header": "客户,日期,金额,金额\nA,2024-01-05,2800,2550\n",
    "duplicate unused header": "客户,日期,实付金额,备注,备注\nA,2024-01-05,3,x,y\nB,2024-01-06,4,x,y\n",
    "ISO offsets": "客户,日期,金额\nA,2024-01-05T01:00:00+08:00,3\nB,2024-01-06 23:30:00Z,4\n"
    "C,2024-01-07T10:00:00.5-05:00,1\n",
    "Excel serial with time": "客户,日期,金额\nA,45293.5417,3\nB,45293,4\nC,45294.99,5\n",
    "placeholder date": "客户,日期,金额\nA,2024-01-05,3\nB,9999-12-31,4\n",
    "infinite amount": "客户,日期,金额\nA,2024-01-05,inf\nB,2024-01-06,4\n",
}


def _read(path, engine):
    try:
        if engine == "pandas":
            tx, rep = read_transactions_with_report(path)
        else:
            from crm_lessons.engines import execute, read_source

            table, rep = read_source(path, engine=engine)
            tx = execute(table)
    except DataError as exc:
        return "refused: " + re.sub(r"^read_(transactions|source): ", "", str(exc)).replace(str(path), "F")
    tx = tx.assign(date=pd.to_datetime(tx["date"]).dt.strftime("%Y-%m-%d"))
    return sorted(map(tuple, tx[["customer_id", "date", "amount"]].values.tolist()))


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_file_same_on_pandas_and_duckdb(tmp_path, case):
    pytest.importorskip("duckdb")
    pytest.importorskip("ibis")
    path = tmp_path / "orders.csv"
    path.write_text(HOSTILE[case], encoding="utf-8")
    on_pandas, on_duckdb = _read(path, "pandas"), _read(path, "duckdb")
    assert on_pandas == on_duckdb


def test_decisions():
    """What the shared rules decide: NA-like ids are empty cells (quoted), offsets keep the written day,
    serials with a time are dates, a duplicated role header is refused with how to choose."""
    import io

    def read(text):
        try:
            return read_transactions_with_report(io.StringIO(text))[0]
        except DataError as exc:
            return str(exc)

    msg = read(HOSTILE["NA-like ids"])
    assert "no customer id in rows 3, 4, 5, 6" in msg and "'NA', '-', '#N/A', 'null'" in msg
    assert read(HOSTILE["ISO offsets"])["date"].dt.day.tolist() == [5, 6, 7]
    assert read(HOSTILE["Excel serial with time"])["date"].astype(str).tolist() == [
        "2024-01-02",
        "2024-01-02",
        "2024-01-03",
    ]
    msg = read(HOSTILE["duplicate amount header"])
    assert "2 columns are named '金额' (columns C and D)" in msg and "rename one of them" in msg
    assert "amount_col='金额2'" in msg
    assert read(HOSTILE["row of NA"])["customer_id"].tolist() == ["A", "B"]


def _folders(tmp_path):
    same = tmp_path / "same"
    same.mkdir()
    (same / "a.csv").write_text("客户,日期,金额\nA,2024-01-05,3\nB,2024-01-06,4\n", encoding="utf-8")
    (same / "b.csv").write_text("客户,日期,金额\nC,2024年1月7日,5\nD,2024-01-08,6\n", encoding="utf-8")
    differ = tmp_path / "differ"
    differ.mkdir()
    (differ / "a.csv").write_text("客户,日期,金额\nA,2024-01-05,3\n", encoding="utf-8")
    (differ / "b.csv").write_text("客户,日期,实付金额\nC,2024-01-07,5\n", encoding="utf-8")
    return same, differ


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_folder_of_csv_files(tmp_path, engine):
    if engine == "duckdb":
        pytest.importorskip("duckdb")
    same, differ = _folders(tmp_path)
    assert _read(same, engine) == [
        ("A", "2024-01-05", 3.0),
        ("B", "2024-01-06", 4.0),
        ("C", "2024-01-07", 5.0),
        ("D", "2024-01-08", 6.0),
    ]
    assert _read(str(same / "*.csv"), engine) == _read(same, engine)
    refused = _read(differ, engine)
    assert refused.startswith("refused: ") and "\n" not in refused
    assert "'b.csv' has ['客户', '日期', '实付金额'], 'a.csv' has ['客户', '日期', '金额']" in refused


def test_folder_of_csv_rows_named_by_file(tmp_path):
    same, _ = _folders(tmp_path)
    (same / "b.csv").write_text("客户,日期,金额\nC,2024-01-07,5\nD,2024-01-08,x\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"row b\.csv:3: 'x'"):
        read_transactions_with_report(same)


def test_report_reads_csv_folder_as_csv_on_pandas(tmp_path):
    """--engine pandas does not read a folder of CSV files as Parquet."""
    from crm_lessons.report import prepare_data

    folder = tmp_path / "orders"
    folder.mkdir()
    for part in range(2):
        rows = "".join(f"C{i:03d},2024-0{1 + part}-{1 + i % 28:02d},{10 + i}\n" for i in range(30))
        (folder / f"part{part}.csv").write_text("客户,日期,金额\n" + rows, encoding="utf-8")
    data = prepare_data(folder, engine="pandas")
    assert data.quality["rows_read"] == 60 and data.quality["file_format"] == "csv"


# ---------------------------------------------------------------- flags


def _report_options() -> dict[str, argparse.Action]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return {opt: action for action in sub.choices["report"]._actions for opt in action.option_strings}


def test_every_flag_of_a_keyword_exists():
    options = _report_options()
    for name, flag in REPORT_FLAGS.items():
        assert flag in options, f"{name} -> {flag} is not an option of crm-lessons report"


def _cli_messages(tmp_path) -> list[str]:
    """Refusals of the pandas reader on the command line, English and Chinese."""
    files = {
        "undecodable.csv": "客户,日期,金额\nA,2024-01-05,3\n".encode("utf-16-le")[2:] + b"\xff\xfe\x00\xd8",
        "not-utf8.csv": b"a,b,c\n\xff\xfe\xfd,\x81\x30,3\n" * 3,
        "ragged.csv": b"customer,date,amount\nA,2024-01-05,3\nB,2024-01-06,4,5,6\n",
        "dmy.csv": b"customer,date,amount\nA,25/01/2024,3\n",
        "offset-bad.csv": b"customer,date,amount\nA,2024-13-05T01:00:00+08:00,3\n",
        "missing.csv": b"x,y,z\n1,2,3\n",
        "ambiguous.csv": "客户,日期,金额,订单金额,销售额\nA,2024-01-05,3,3,3\n".encode(),
        "dup.csv": HOSTILE["duplicate amount header"].encode(),
        "closed.csv": "客户,日期,金额,订单状态\nA,2024-01-05,3,交易关闭\n".encode(),
        "amount.csv": "客户,日期,金额\nA,2024-01-05,abc\n".encode(),
        "wrong-col.csv": "客户,日期,金额\nA,2024-01-05,3\n".encode(),
    }
    out = []
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        kwargs = {"amount_col": "nope"} if name == "wrong-col.csv" else {}
        if name == "not-utf8.csv":
            kwargs = {"encoding": "utf-8"}
        try:
            read_transactions_with_report(path, **kwargs)
        except DataError as exc:
            exc = command_line_error(exc)
            out += [str(exc), exc.zh or ""]
    return out


def test_every_flag_a_message_suggests_exists_and_parses(tmp_path):
    options = _report_options()
    messages = _cli_messages(tmp_path)
    assert len(messages) >= 18
    seen = set()
    for text in messages:
        assert "\n" not in text
        for match in re.finditer(r"(--[a-z][a-z-]+)((?: (?:'[^']*'|[^\s;，；（）]+))?)", text):
            flag, value = match.group(1), match.group(2).strip()
            assert flag in options, f"{flag!r} suggested in {text!r} is not an option"
            action = options[flag]
            argv = ["report", flag] + ([] if action.nargs == 0 else shlex.split(value or "x"))
            if action.nargs == 0:
                assert not value or value.startswith("--") or not value[0].isalnum(), f"{flag} takes no value: {text!r}"
            build_parser().parse_args(argv)  # exits (SystemExit) on an unrecognised argument
            seen.add(flag)
    assert {"--encoding", "--sep", "--date-format", "--amount-col", "--keep-closed-orders"} <= seen, seen
