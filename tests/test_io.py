"""Tests of crm_lessons.io.read_transactions on files like the ones students bring.

Every fixture file is written into ``tmp_path`` by the test itself: GBK CSV
with Chinese headers (as Excel on a Chinese Windows saves it), UTF-8 with a
byte-order mark, tab-separated text, ``.xlsx`` workbooks with real date
cells and Excel serial numbers, and each broken case.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_lessons import DataError
from crm_lessons.io import DataQualityReport, read_transactions, read_transactions_with_report

GBK_CSV = (
    "会员编号,下单时间,实付金额,门店\r\n"
    'C001,2024/1/5,"￥1,234.50",北京\r\n'
    "C002,2024年2月1日,88 元,上海\r\n"
    "C001,2024-03-02 13:45:00,(12.50),北京\r\n"
)


def write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------------ encodings and formats


def test_gbk_csv_with_chinese_headers(tmp_path):
    path = write(tmp_path / "订单.csv", GBK_CSV, "gbk")
    tx, rep = read_transactions_with_report(path)
    assert list(tx.columns) == ["customer_id", "date", "amount", "门店"]
    assert tx["customer_id"].tolist() == ["C001", "C002", "C001"]
    assert tx["date"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-02")]
    assert tx["amount"].tolist() == [1234.5, 88.0, -12.5]
    assert tx["门店"].tolist() == ["北京", "上海", "北京"]
    assert str(tx["date"].dtype) == "datetime64[ns]"
    assert tx["amount"].dtype == np.float64
    assert pd.api.types.is_string_dtype(tx["customer_id"])
    assert rep.encoding == "gb18030"
    assert rep.delimiter == ","
    assert rep.column_map == {"customer_id": "会员编号", "date": "下单时间", "amount": "实付金额"}
    assert (rep.rows_read, rep.rows_kept, rep.customers, rep.returns) == (3, 3, 2, 1)
    assert (rep.date_min, rep.date_max) == ("2024-01-05", "2024-03-02")


@pytest.mark.parametrize(
    ("encoding", "reported"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")]
)
def test_encodings_detected(tmp_path, encoding, reported):
    path = write(tmp_path / "tx.csv", GBK_CSV, encoding)
    tx, rep = read_transactions_with_report(path)
    assert rep.encoding == reported
    assert tx.columns[3] == "门店"  # no BOM left in a header
    assert tx["amount"].sum() == pytest.approx(1234.5 + 88 - 12.5)


def test_explicit_encoding_that_does_not_fit(tmp_path):
    path = write(tmp_path / "tx.csv", GBK_CSV, "gbk")
    with pytest.raises(DataError, match=r"tx\.csv: cannot decode the file as encoding='utf-8'.*leave the encoding out"):
        read_transactions(path, encoding="utf-8")


@pytest.mark.parametrize("where", ["start", "past the first megabyte"])
def test_bytes_neither_utf8_nor_gbk_refused_wherever_they_are(tmp_path, where):
    """GB18030 is decided on the file's start and the rest is decoded strictly while reading: a bad
    byte anywhere gets the same message (and a good file of the same size reads)."""
    rows = ["会员编号,日期,金额"] + [f"VIP{i:06d},2024-01-{1 + i % 28:02d},{i % 500 + 1}.50" for i in range(60_000)]
    good = ("\n".join(rows) + "\n").encode("gbk")
    assert len(good) > (1 << 20) + 1000
    at = 200 if where == "start" else len(good) - 500
    at = good.index(b"\n", at) + 1  # at the start of a row
    (tmp_path / "good.csv").write_bytes(good)
    assert len(read_transactions(tmp_path / "good.csv")) == 60_000
    (tmp_path / "bad.csv").write_bytes(good[:at] + b"\x81\x20" + good[at:])  # not a GB18030 sequence
    with pytest.raises(DataError, match=r"bad\.csv: the file is neither UTF-8 nor GBK/GB18030 text"):
        read_transactions(tmp_path / "bad.csv")


def test_tab_and_semicolon_delimiters_sniffed(tmp_path):
    tsv = write(tmp_path / "tx.tsv", "CustomerID\tInvoiceDate\tSales\n7\t2024-01-05\t12\n", "utf-8")
    tx, rep = read_transactions_with_report(tsv)
    assert rep.delimiter == "\t" and tx["amount"].tolist() == [12.0]
    txt = write(tmp_path / "tx.txt", "cust_id;order_date;revenue\n7;20240105;1,5\n", "utf-8")
    with pytest.raises(DataError, match="not numbers: row 2: '1,5'"):
        read_transactions(txt)  # a decimal comma is not guessed
    tx = read_transactions(write(tmp_path / "ok.txt", "cust_id;order_date;revenue\n7;20240105;15\n", "utf-8"))
    assert tx["date"].tolist() == [pd.Timestamp("2024-01-05")]
    assert read_transactions(tmp_path / "ok.txt", sep=";")["amount"].tolist() == [15.0]


def test_binary_and_text_file_objects_and_dataframe():
    raw = "customer,date,amount\nA,2024-01-05,1\n"
    a = read_transactions(io.BytesIO(raw.encode()))
    b = read_transactions(io.StringIO(raw))
    c = read_transactions(pd.DataFrame({"customer": ["A"], "date": ["2024-01-05"], "amount": [1]}))
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


def test_dataframe_input_not_mutated_and_rows_named_by_index():
    df = pd.DataFrame({"user_id": ["A", "B"], "date": ["2024-01-05", "bad"], "amount": ["¥5", "6"]}, index=[10, 11])
    before = df.copy()
    with pytest.raises(
        DataError, match=r"^read_transactions: column 'date' has values that are not dates: row 11: 'bad'"
    ):
        read_transactions(df)
    pd.testing.assert_frame_equal(df, before)
    tx = read_transactions(df.iloc[:1])
    pd.testing.assert_frame_equal(df, before)
    assert tx.index.tolist() == [0]


def test_xlsx_with_datetime_cells_and_serial_numbers(tmp_path):
    path = tmp_path / "orders.xlsx"
    frame = pd.DataFrame(
        {
            "客户ID": [1001, 1002, 1003, 1004],
            "订单日期": [dt.datetime(2024, 1, 5, 13, 45), 45296, "2024年1月7日", "20240108"],
            "金额": [10.5, "¥20", 30, "(4)"],
            "备注": ["a", "b", "c", "d"],
        }
    )
    frame.to_excel(path, index=False, engine="openpyxl")
    tx, rep = read_transactions_with_report(path)
    assert rep.file_format == "excel" and rep.encoding is None
    assert tx["customer_id"].tolist() == ["1001", "1002", "1003", "1004"]
    # 45296 days after 1899-12-30 is 2024-01-05 (Excel's serial date system)
    assert tx["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-05", "2024-01-05", "2024-01-07", "2024-01-08"]
    assert tx["amount"].tolist() == [10.5, 20.0, 30.0, -4.0]
    assert tx["备注"].tolist() == ["a", "b", "c", "d"]


def test_xlsx_sheet_name_and_bad_sheet(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="说明", index=False)
        pd.DataFrame({"customer_id": ["A"], "date": ["2024-01-05"], "amount": [3]}).to_excel(
            writer, sheet_name="交易", index=False
        )
    assert read_transactions(path, sheet_name="交易")["amount"].tolist() == [3.0]
    with pytest.raises(DataError, match=r"several visible worksheets hold data: \['说明', '交易'\]; pass sheet_name="):
        read_transactions(path)
    with pytest.raises(
        DataError,
        match=r"no customer column and no date column and no amount column found; "
        r"columns are \['x'\]; candidates for customer: none",
    ):
        read_transactions(path, sheet_name=0)
    with pytest.raises(
        DataError, match=r"the workbook has no sheet '不存在'; its sheets are \['说明', '交易'\]; pass sheet_name="
    ):
        read_transactions(path, sheet_name="不存在")


def test_old_xls_refused(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 60)
    with pytest.raises(DataError, match=r"old Excel \.xls files are not supported; .*save as \.xlsx or CSV"):
        read_transactions(path)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("¥1,234.50", 1234.5),
        ("￥88", 88.0),
        ("1,234", 1234.0),
        ("$12", 12.0),
        (" 88 元", 88.0),
        ("(12.50)", -12.5),
        ("-5", -5.0),
        ("¥-5", -5.0),
        ("-¥5", -5.0),
        ("１２３．５", 123.5),
        ("RMB 99", 99.0),
        ("0", 0.0),
        ("1e3", 1000.0),
        ("（7）", -7.0),
    ],
)
def test_amount_formats(text, value):
    df = pd.DataFrame({"customer_id": ["A"], "date": ["2024-01-05"], "amount": [text]})
    assert read_transactions(df)["amount"].tolist() == [value]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-05", "2024-01-05"),
        ("2024/1/5", "2024-01-05"),
        ("20240105", "2024-01-05"),
        ("2024年1月5日", "2024-01-05"),
        ("2024-01-05 13:45:00", "2024-01-05"),
        ("2024/01/05 23:59", "2024-01-05"),
        ("45296", "2024-01-05"),
        ("2024.1.5", "2024-01-05"),
        ("２０２４年１月５日", "2024-01-05"),
        ("2024-01-05T08:00:00", "2024-01-05"),
    ],
)
def test_date_formats(text, expected):
    df = pd.DataFrame({"customer_id": ["A"], "date": [text], "amount": [1]})
    assert str(read_transactions(df)["date"].iloc[0].date()) == expected


def test_mixed_date_formats_in_one_column_and_numbers():
    df = pd.DataFrame(
        {
            "customer_id": list("ABCDE"),
            "date": ["2024-01-05", "2024/2/6", "20240307", 45296, 20240408],
            "amount": [1, 2, 3, 4, 5],
        }
    )
    got = read_transactions(df)["date"].dt.strftime("%Y-%m-%d").tolist()
    assert got == ["2024-01-05", "2024-02-06", "2024-03-07", "2024-01-05", "2024-04-08"]


def test_datetime_column_normalised_and_tz_dropped():
    df = pd.DataFrame(
        {
            "customer_id": ["A"],
            "date": pd.to_datetime(["2024-01-05 13:45"]).tz_localize("Asia/Shanghai"),
            "amount": [1.0],
        }
    )
    tx = read_transactions(df)
    assert str(tx["date"].dtype) == "datetime64[ns]" and tx["date"].iloc[0] == pd.Timestamp("2024-01-05")


@pytest.mark.parametrize("value", ["2024115", "202415", 2024, 3.5, "2024-1-5x", "1/5"])
def test_malformed_dates_are_not_guessed(value):
    df = pd.DataFrame({"customer_id": ["A", "B"], "date": ["2024-01-05", value], "amount": [1, 2]})
    with pytest.raises(
        DataError, match=rf"column 'date' has values that are not dates: row 1: {re.escape(repr(value))};"
    ):
        read_transactions(df)


def test_us_dates_need_date_format():
    df = pd.DataFrame({"customer_id": ["A"], "date": ["12/1/2010 8:26"], "amount": [1]})
    with pytest.raises(DataError, match=r"row 0: '12/1/2010 8:26'.*pass date_format="):
        read_transactions(df)
    tx = read_transactions(df, date_format="%m/%d/%Y %H:%M")
    assert tx["date"].iloc[0] == pd.Timestamp("2010-12-01")
    with pytest.raises(DataError, match=r"they do not match date_format='%d\.%m\.%Y'"):
        read_transactions(df, date_format="%d.%m.%Y")


def test_customer_ids_keep_leading_zeros_and_are_stripped(tmp_path):
    path = write(tmp_path / "tx.csv", "customer_id,date,amount\n 00042 ,2024-01-05,1\n", "utf-8")
    assert read_transactions(path)["customer_id"].tolist() == ["00042"]


# ------------------------------------------------------------------ columns


@pytest.mark.parametrize(
    "header",
    [
        "Customer ID,Order Date,Amount",
        "CUSTOMER_ID,order_date,AMOUNT",
        "客户号,消费日期,消费金额",
        "member_id,transaction_date,revenue",
        "用户ID,购买日期,销售额",
        "cust_id,InvoiceDate,total",
    ],
)
def test_headers_mapped(header):
    tx = read_transactions(io.StringIO(header + "\nA,2024-01-05,3\n"))
    assert tx.columns.tolist() == ["customer_id", "date", "amount"]


def test_explicit_columns_win_and_extra_columns_keep_their_names():
    raw = "买家,时间,价格,数量,amount\nA,2024-01-05,3,2,6\n"
    tx = read_transactions(io.StringIO(raw), customer_col="买家", date_col="时间", amount_col="amount")
    assert tx.columns.tolist() == ["customer_id", "date", "amount", "价格", "数量"]
    assert tx["amount"].tolist() == [6.0]


def test_extra_column_with_a_canonical_name_is_renamed_and_reported():
    raw = "customer,order_date,amount,date\nA,2024-01-05,3,x\n"
    tx, rep = read_transactions_with_report(io.StringIO(raw), date_col="order_date")
    assert tx.columns.tolist() == ["customer_id", "date", "amount", "date_original"]
    assert rep.warnings == [
        "extra column 'date' is kept as 'date_original' (its name is taken by the canonical column)"
    ]


def test_preferred_column_wins_and_same_tier_is_ambiguous(tmp_path):
    # 实付金额 (amount actually paid) is preferred to 订单金额 (order value) ...
    path = write(tmp_path / "淘宝.csv", "买家ID,下单时间,实付金额,订单金额\nA,2024-01-05,3,4\n", "gbk")
    assert read_transactions(path)["amount"].tolist() == [3.0]
    assert read_transactions(path, amount_col="订单金额")["amount"].tolist() == [4.0]
    # ... but two columns of the same kind are ambiguous
    path = write(tmp_path / "两列.csv", "客户,日期,金额,销售额\nA,2024-01-05,3,4\n", "gbk")
    with pytest.raises(
        DataError,
        match=r"两列\.csv: ambiguous amount column: '金额' and '销售额' both look like amount; "
        r"pass amount_col='金额' \(or the other one\)",
    ):
        read_transactions(path)


def test_missing_column_lists_columns_candidates_and_argument(tmp_path):
    path = write(tmp_path / "tx.csv", "客户,日子,金额\nA,2024-01-05,3\n", "utf-8")
    with pytest.raises(
        DataError,
        match=r"^read_transactions: .*tx\.csv: no date column found; columns are \['客户', '日子', '金额'\]; "
        r"candidates for date: \['日子'\]; pass date_col='日子'$",
    ):
        read_transactions(path)
    with pytest.raises(DataError, match=r"amount_col='sum' is not a column; columns are \['客户', '日子', '金额'\]"):
        read_transactions(path, date_col="日子", amount_col="sum")


def test_same_column_for_two_roles():
    with pytest.raises(DataError, match="the same column is used for two roles"):
        read_transactions(io.StringIO("customer,date,amount\nA,2024-01-05,3\n"), customer_col="amount")


# ------------------------------------------------------------------ broken files


def test_unparseable_dates_name_file_rows_and_values(tmp_path):
    lines = ["customer_id,date,amount"] + [f"A,{d},1" for d in ["2024-01-05", "2024-02-30", "昨天", "2024-01-06"]]
    path = write(tmp_path / "tx.csv", "\n".join(lines) + "\n", "utf-8")
    with pytest.raises(
        DataError,
        match=r"tx\.csv: column 'date' has values that are not dates: row 3: '2024-02-30'; row 4: '昨天'; "
        r"expected dates such as 2024-01-05",
    ):
        read_transactions(path)


def test_unparseable_amounts_count_all_rows(tmp_path):
    lines = ["customer_id,date,amount"] + [f"A,2024-01-05,{v}" for v in ["1", "abc", "2", "x"] + ["n.a."] * 6]
    path = write(tmp_path / "tx.csv", "\n".join(lines) + "\n", "utf-8")
    with pytest.raises(
        DataError,
        match=r"column 'amount' has amounts that are not numbers: row 3: 'abc'; row 5: 'x'; row 6: 'n\.a\.'; "
        r"row 7: 'n\.a\.'; row 8: 'n\.a\.' \(8 rows in all\); expected numbers",
    ):
        read_transactions(path)


def test_missing_cells(tmp_path):
    path = write(
        tmp_path / "tx.csv", "customer_id,date,amount\nA,2024-01-05,1\n ,2024-01-06,2\n,2024-01-07,3\n", "utf-8"
    )
    with pytest.raises(
        DataError,
        match=r"column 'customer_id' has no customer id in rows 3, 4; fill in those cells or delete those rows",
    ):
        read_transactions(path)
    path = write(tmp_path / "tx2.csv", "customer_id,date,amount\nA,,1\n", "utf-8")
    with pytest.raises(DataError, match=r"column 'date' has no date in row 2;"):
        read_transactions(path)
    path = write(tmp_path / "tx3.csv", "customer_id,date,amount\nA,2024-01-05,\n", "utf-8")
    with pytest.raises(DataError, match=r"column 'amount' has no amount in row 2;"):
        read_transactions(path)


def test_blank_rows_are_skipped_and_counted_with_excel_row_numbers(tmp_path):
    text = "customer_id,date,amount\nA,2024-01-05,1\n\n,,\nB,2024-01-06,oops\n"
    path = write(tmp_path / "tx.csv", text, "utf-8")
    with pytest.raises(DataError, match=r"row 5: 'oops'"):  # rows 3 and 4 are blank; numbering unchanged
        read_transactions(path)
    path = write(tmp_path / "ok.csv", text.replace("oops", "2"), "utf-8")
    tx, rep = read_transactions_with_report(path)
    assert (rep.rows_read, rep.blank_rows, rep.rows_kept) == (4, 2, 2)
    assert "2 blank rows were skipped" in rep.warnings


def test_empty_files(tmp_path):
    with pytest.raises(DataError, match=r"empty\.csv: the file is empty"):
        read_transactions(write(tmp_path / "empty.csv", "", "utf-8"))
    with pytest.raises(DataError, match=r"blank\.csv: the file is empty"):
        read_transactions(write(tmp_path / "blank.csv", "\n \n", "utf-8"))
    with pytest.raises(DataError, match=r"header\.csv: the file has a header but no data rows; columns are \['客户ID'"):
        read_transactions(write(tmp_path / "header.csv", "客户ID,日期,金额\n", "gbk"))
    with pytest.raises(DataError, match=r"every row is blank in the customer, date and amount columns; no rows left"):
        read_transactions(write(tmp_path / "commas.csv", "客户ID,日期,金额\n,,\n,,\n", "utf-8"))


def test_file_not_found(tmp_path):
    with pytest.raises(DataError, match=r"file not found: '.*nope\.csv'; check the path"):
        read_transactions(tmp_path / "nope.csv")


def test_bad_source_type_and_policy():
    with pytest.raises(TypeError, match="source should be a path, an open file or a DataFrame, got int"):
        read_transactions(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"returns='ignore' should be one of \['keep', 'drop', 'error'\]"):
        read_transactions(io.StringIO("customer,date,amount\nA,2024-01-05,1\n"), returns="ignore")  # type: ignore[arg-type]


# ------------------------------------------------------------------ returns, duplicates, future dates

POLICY_CSV = (
    "customer_id,date,amount\n"
    "A,2024-01-05,10\n"
    "A,2024-01-05,10\n"  # exact duplicate of row 2
    "B,2024-01-06,-4\n"  # return
    "C,2024-03-01,7\n"  # after as_of=2024-02-01
    "D,2024-01-07,0\n"
)


def test_default_policy_keeps_everything_and_counts_it():
    tx, rep = read_transactions_with_report(io.StringIO(POLICY_CSV), as_of="2024-02-01")
    assert len(tx) == 5
    assert (rep.duplicates, rep.returns, rep.future, rep.zero_amounts) == (1, 1, 1, 1)
    assert rep.policy == {"returns": "keep", "duplicates": "keep", "future": "keep", "closed_orders": "drop"}
    assert rep.warnings == [
        "1 rows are exact duplicates of an earlier row (kept, duplicates='keep')",
        "1 rows have a negative amount (returns/refunds) (kept, returns='keep')",
        "1 rows are dated after as_of=2024-02-01 (kept, future='keep')",
        "1 rows have an amount of 0",
    ]


def test_no_future_check_without_as_of():
    _, rep = read_transactions_with_report(io.StringIO(POLICY_CSV))
    assert rep.future is None and rep.as_of is None


def test_drop_policies():
    tx, rep = read_transactions_with_report(
        io.StringIO(POLICY_CSV), as_of="2024-02-01", returns="drop", duplicates="drop", future="drop"
    )
    assert tx["customer_id"].tolist() == ["A", "D"]
    assert tx.index.tolist() == [0, 1]
    assert (rep.rows_read, rep.rows_kept, rep.customers) == (5, 2, 2)
    assert (rep.duplicates, rep.returns, rep.future) == (1, 1, 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"returns": "error"},
            r"1 rows have a negative amount \(returns/refunds\): row 4: -4.0; "
            r"returns='error' was passed; pass returns='keep' or returns='drop'",
        ),
        (
            {"duplicates": "error"},
            r"1 rows are exact duplicates of an earlier row: row 3: '2024-01-05'; duplicates='error'",
        ),
        ({"future": "error", "as_of": "2024-02-01"}, r"1 rows are dated after as_of=2024-02-01: row 5: '2024-03-01'"),
    ],
)
def test_error_policies(kwargs, message):
    with pytest.raises(DataError, match=message):
        read_transactions(io.StringIO(POLICY_CSV), **kwargs)


def test_no_rows_left_says_why(tmp_path):
    path = write(tmp_path / "refunds.csv", "客户ID,日期,金额\nA,2024-01-05,-1\nB,2024-01-06,(3)\n", "gbk")
    with pytest.raises(
        DataError,
        match=r"refunds\.csv: no rows left: all 2 rows were removed by returns='drop'; pass 'keep' instead",
    ):
        read_transactions(path, returns="drop")


def test_bad_as_of():
    with pytest.raises(DataError, match=r"as_of='soon' is not a date"):
        read_transactions(io.StringIO(POLICY_CSV), as_of="soon")


# ------------------------------------------------------------------ the file is only read


def test_input_file_unchanged(tmp_path):
    path = write(tmp_path / "订单.csv", GBK_CSV, "gbk")
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    read_transactions(path, returns="drop", duplicates="drop")
    xlsx = tmp_path / "b.xlsx"
    pd.DataFrame({"客户ID": ["A"], "日期": ["2024-01-05"], "金额": [1]}).to_excel(xlsx, index=False)
    os.utime(xlsx, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before_x = (xlsx.read_bytes(), xlsx.stat().st_mtime_ns)
    read_transactions(xlsx)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert (xlsx.read_bytes(), xlsx.stat().st_mtime_ns) == before_x
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.xlsx", "订单.csv"]


# ------------------------------------------------------------------ the report


def test_report_to_dict_frame_and_summary(tmp_path):
    path = write(tmp_path / "订单.csv", GBK_CSV, "gbk")
    _, rep = read_transactions_with_report(path, as_of="2024-12-31")
    assert isinstance(rep, DataQualityReport)
    d = rep.to_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d
    assert d["source"] == str(path) and d["future"] == 0
    frame = rep.to_frame()
    assert frame.index.name == "item" and frame.loc["encoding", "value"] == "gb18030"
    assert set(frame.index) == set(d)
    zh = rep.summary_lines("zh")
    en = rep.summary_lines("en")
    assert zh[0] == f"从 {path} 读取 3 行（格式 csv，编码 gb18030，分隔符 ','）。"
    assert zh[2] == "保留 3 行，2 位客户，日期范围 2024-01-05 至 2024-03-02。"
    assert zh[-1] == "晚于 as_of=2024-12-31 的行：0 行。"
    assert en[1] == "Columns: customer = '会员编号', date = '下单时间', amount = '实付金额'."
    assert en[3] == "Returns/negative amounts: 1 rows; exact duplicates: 0 rows; zero amounts: 0 rows."
    with pytest.raises(ValueError, match="lang='fr' should be 'zh' or 'en'"):
        rep.summary_lines("fr")


def test_large_file_matches_pandas(tmp_path):
    """Fast path and per-value path agree on a generated file with many repeated values."""
    rng = np.random.default_rng(7)
    n = 20_000
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    amount = rng.integers(-500, 500_000, n) / 100
    ids = pd.Series(rng.integers(1, 3000, n)).map("C{:05d}".format)
    text_dates = np.where(rng.random(n) < 0.5, days.strftime("%Y年%m月%d日"), days.strftime("%Y/%m/%d"))
    text_amounts = [f"￥{v:,.2f}" if i % 3 else f"{v}" for i, v in enumerate(amount)]
    frame = pd.DataFrame({"会员编号": ids, "下单时间": text_dates, "实付金额": text_amounts})
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    tx = read_transactions(path)
    assert tx["customer_id"].tolist() == ids.tolist()
    assert (tx["date"].to_numpy() == days.to_numpy()).all()
    np.testing.assert_allclose(tx["amount"].to_numpy(), amount)


def test_xlsx_blank_row_keeps_excel_numbering_and_empty_sheet(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户ID", "日期", "金额"])
    ws.append(["A", "2024-01-05", 1])
    ws.append([])
    ws.append(["B", "bad", 2])
    path = tmp_path / "gap.xlsx"
    wb.save(path)
    with pytest.raises(DataError, match=r"gap\.xlsx: column '日期' has values that are not dates: row 4: 'bad'"):
        read_transactions(path)
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    with pytest.raises(DataError, match=r"empty\.xlsx: no visible worksheet holds data"):
        read_transactions(empty)
    with pytest.raises(DataError, match=r"empty\.xlsx: the worksheet 'Sheet' is empty"):
        read_transactions(empty, sheet_name="Sheet")


def test_extra_columns_keep_their_pandas_types(tmp_path):
    text = "客户ID,日期,金额,数量,单价,备注\nA,2024-01-05,6,2,3.0,x\nB,2024-01-06,1,1,1.0,NA\n"
    tx = read_transactions(write(tmp_path / "tx.csv", text, "utf-8"))
    assert tx["数量"].dtype == np.int64 and tx["单价"].dtype == np.float64
    assert tx["备注"].tolist()[0] == "x" and pd.isna(tx["备注"].tolist()[1])


def test_future_policy_needs_as_of():
    with pytest.raises(ValueError, match=r"future='drop' needs as_of"):
        read_transactions(io.StringIO(POLICY_CSV), future="drop")


# ------------------------------------------------------------------ platform exports (issue: real exports)

# Header sets as the platforms' order exports write them (one row per order), with the columns
# the reader must pick for customer, date and amount.
EXPORTS = {
    "taobao": (
        "订单编号,买家会员名,买家支付宝账号,总金额,买家应付货款,买家实际支付金额,订单状态,订单创建时间,订单付款时间,退款金额",
        ("买家会员名", "订单创建时间", "买家实际支付金额", "订单状态"),
    ),
    "jd": ("订单号,下单帐号,下单时间,订单金额,应付金额,订单状态", ("下单帐号", "下单时间", "应付金额", "订单状态")),
    "pinduoduo": (
        "订单号,商品,订单状态,商家实收金额(元),用户实付金额(元),订单成交时间,收货人,手机",
        ("手机", "订单成交时间", "用户实付金额(元)", "订单状态"),
    ),
    "douyin": (
        "主订单编号,选购商品,买家昵称,订单提交时间,订单应付金额,订单状态,收件人",
        ("买家昵称", "订单提交时间", "订单应付金额", "订单状态"),
    ),
    "youzan": (
        "订单号,订单状态,订单创建时间,买家付款时间,订单实付金额,粉丝昵称,买家手机号",
        ("买家手机号", "订单创建时间", "订单实付金额", "订单状态"),
    ),
    "wechat_shop": ("订单号,下单时间,订单状态,实付金额,买家昵称", ("买家昵称", "下单时间", "实付金额", "订单状态")),
    "erp": ("单据编号,客户编码,客户名称,单据日期,价税合计,备注", ("客户编码", "单据日期", "价税合计", None)),
}


def _export_row(header: str, i: int, status: str) -> str:
    out = []
    for col in header.split(","):
        if "时间" in col or "日期" in col:
            out.append(f"2024-0{1 + i % 3}-1{i % 9} 10:2{i % 10}:00")
        elif col == "退款金额":  # nothing refunded on these orders
            out.append("0")
        elif "金额" in col or "货款" in col or col == "价税合计":
            out.append(f"{10 + i}.50")
        elif "状态" in col:
            out.append(status)
        else:
            out.append(f"{col[:2]}{i % 4}")
    return ",".join(out)


@pytest.mark.parametrize("platform", sorted(EXPORTS))
def test_platform_exports_are_recognised_and_closed_orders_left_out(platform, tmp_path):
    header, (cust, date, amount, status) = EXPORTS[platform]
    statuses = ["交易成功", "交易关闭", "已完成", "已退款", "已取消", "交易成功"]
    rows = [_export_row(header, i, statuses[i]) for i in range(6)]
    path = write(tmp_path / f"{platform}.csv", header + "\n" + "\n".join(rows) + "\n", "gbk")
    tx, rep = read_transactions_with_report(path)
    expected = {"customer_id": cust, "date": date, "amount": amount}
    if status:
        expected["status"] = status
    if "退款金额" in header:
        expected["refund"] = "退款金额"  # the amount refunded on an order that stands (issue 27)
    assert rep.column_map == expected
    if status:
        assert rep.closed_orders == 3 and len(tx) == 3, "closed, refunded and cancelled orders are not revenue"
        assert sorted(tx["amount"]) == [10.5, 12.5, 15.5]
        assert any("3 orders are not sales" in w for w in rep.warnings)
        assert rep.left_out == {"unpaid": 0, "cancelled": 2, "refunded": 1}
        kept = read_transactions(path, closed_orders="keep")
        assert len(kept) == 6 and status in kept.columns
    else:
        assert len(tx) == 6


def test_all_missing_roles_in_one_message_with_cli_flags():
    from crm_lessons.cli import command_line_error

    raw = "会员名称x,创建日期x,实付x,备注\nA,2024-01-05,3,x\n"
    with pytest.raises(DataError) as exc:
        read_transactions(io.StringIO(raw))
    msg = str(exc.value)
    assert "no customer column and no date column and no amount column found" in msg
    assert "candidates for customer: ['会员名称x']; for date: ['创建日期x']; for amount: ['实付x']" in msg
    assert "pass customer_col='会员名称x', date_col='创建日期x', amount_col='实付x'" in msg
    with pytest.raises(DataError) as exc:
        read_transactions(io.StringIO(raw))
    cli = command_line_error(exc.value)  # the command line's words for the same refusal
    assert "use --customer-col 会员名称x --date-col 创建日期x --amount-col 实付x" in str(cli)
    assert "customer_col" not in str(cli)
    assert "找不到客户列、日期列、金额列" in cli.zh and "--date-col 创建日期x" in cli.zh


@pytest.mark.parametrize("value", ["inf", "1e400", "-inf"])
def test_infinite_amounts_are_refused(value):
    with pytest.raises(DataError, match=r"amounts too large to be real .*row 3: '" + re.escape(value) + "'"):
        read_transactions(io.StringIO(f"customer,date,amount\nA,2024-01-05,3\nB,2024-01-06,{value}\n"))


@pytest.mark.parametrize("value", ["9999-12-31", "2300-01-01", "9999/12/31 00:00:00", "99991231"])
def test_placeholder_dates_in_text_are_refused(value):
    with pytest.raises(DataError, match=r"dates outside 1678-2261, placeholders .* row 3: '" + re.escape(value)):
        read_transactions(io.StringIO(f"customer,date,amount\nA,2024-01-05,3\nB,{value},4\n"))


def test_placeholder_date_cells_in_excel_are_refused(tmp_path):
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户", "日期", "金额"])
    ws.append(["A", dt.datetime(2024, 1, 5), 3])
    ws.append(["B", dt.datetime(9999, 12, 31), 4])
    wb.save(tmp_path / "erp.xlsx")
    with pytest.raises(DataError, match=r"dates outside 1678-2261.*row 3: '9999-12-31'"):
        read_transactions(tmp_path / "erp.xlsx")


def test_hidden_first_sheet_is_not_read(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "旧数据"
    hidden.append(["客户", "日期", "金额"])
    hidden.append(["OLD", "2020-01-01", 999])
    hidden.sheet_state = "hidden"
    data = wb.create_sheet("订单")
    data.append(["客户", "日期", "金额"])
    data.append(["A", "2024-01-05", 3])
    wb.active = 1
    wb.save(tmp_path / "book.xlsx")
    assert read_transactions(tmp_path / "book.xlsx")["customer_id"].tolist() == ["A"]
    assert read_transactions(tmp_path / "book.xlsx", sheet_name="旧数据")["customer_id"].tolist() == ["OLD"]


@pytest.mark.parametrize("content", [b"customer,date,amount\nA,2024-01-05,3\n", b"PK\x03\x04truncated", "zip"])
def test_files_named_xlsx_that_are_not_workbooks(content, tmp_path):
    import zipfile

    path = tmp_path / "fake.xlsx"
    if content == "zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("hello.txt", "not a workbook")
    else:
        path.write_bytes(content)
    with pytest.raises(DataError, match=r"fake\.xlsx: this is not a readable Excel workbook"):
        read_transactions(path)


def test_truncated_real_workbook(tmp_path):
    pd.DataFrame({"customer": ["A"], "date": ["2024-01-05"], "amount": [3]}).to_excel(tmp_path / "ok.xlsx", index=False)
    data = (tmp_path / "ok.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="not a readable Excel workbook"):
        read_transactions(tmp_path / "cut.xlsx")


def test_messages_quote_little_of_huge_values(tmp_path):
    long_value = "x" * 5_000_000
    with pytest.raises(DataError) as exc:
        read_transactions(io.StringIO(f"customer,date,amount\nA,{long_value},3\n"))
    assert len(str(exc.value)) < 1000 and "(5000000 characters)" in str(exc.value)
    header = ",".join(f"col{i}" for i in range(20_000))
    with pytest.raises(DataError) as exc:
        read_transactions(io.StringIO(header + "\n" + ",".join("1" * 20_000) + "\n"))
    assert len(str(exc.value)) < 2000 and "(20000 columns in all)" in str(exc.value)


def test_a_file_of_zero_bytes_is_not_text(tmp_path):
    path = tmp_path / "zeros.csv"
    path.write_bytes(b"\x00" * 1_000_000)
    with pytest.raises(DataError, match=r"zeros\.csv: this is not a text file") as exc:
        read_transactions(path)
    assert len(str(exc.value)) < 500


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_unicode_text_from_excel(encoding, tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes("客户\t日期\t金额\nA\t2024-01-05\t3\n".encode(encoding))
    tx, rep = read_transactions_with_report(path)
    assert tx["customer_id"].tolist() == ["A"] and rep.encoding.startswith("utf-16")


def test_excel_true_is_not_an_amount(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["客户", "日期", "金额"])
    ws.append(["A", "2024-01-05", 3])
    ws.append(["B", "2024-01-06", True])
    wb.save(tmp_path / "bool.xlsx")
    with pytest.raises(DataError, match=r"amounts that are not numbers: row 3: True"):
        read_transactions(tmp_path / "bool.xlsx")


def test_numeric_header_named_as_text():
    raw = "customer,date,2024\nA,2024-01-05,3\n"
    assert read_transactions(io.StringIO(raw), amount_col="2024")["amount"].tolist() == [3.0]


def test_ragged_row_error_is_one_line():
    with pytest.raises(DataError) as exc:
        read_transactions(io.StringIO("customer,date,amount\nA,2024-01-05,3\nB,2024-01-06,4,5,6\n"))
    assert "\n" not in str(exc.value) and "line 3" in str(exc.value)


def test_file_too_big_for_memory_is_refused_before_reading(tmp_path, monkeypatch):
    from crm_lessons.io import _memory as cio

    path = tmp_path / "big.csv"
    path.write_text("customer,date,amount\nA,2024-01-05,3\n", encoding="utf-8")
    monkeypatch.setattr(cio, "_available_memory", lambda: 100)
    size = path.stat().st_size
    with pytest.raises(DataError, match=rf"big\.csv: the file is {size} B and needs about {8 * size} B of memory"):
        read_transactions(path)
