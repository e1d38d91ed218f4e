"""The engines compute the same per-customer tables as the pandas functions, and read with the same policies.

Every table is computed on pandas, DuckDB and (marker ``spark``, selected by ``.ci/run``)
Spark local, and compared: integers and dates exactly, floats to a relative 1e-12.  Data:
the CDNOW purchase log (Fader, Hardie & Lee 2005) and a generated log with string ids,
refunds, several purchases per day and times of day.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ibis", reason="the duckdb extra is part of the test extra")

from crm_lessons import classification, clv, lifecycle, rfm  # noqa: E402
from crm_lessons._validation import DataError  # noqa: E402
from crm_lessons.datasets import load_cdnow  # noqa: E402
from crm_lessons.engines import read_source, tables  # noqa: E402
from crm_lessons.engines.synthetic import synthetic_log  # noqa: E402
from crm_lessons.io import read_transactions, read_transactions_with_report  # noqa: E402

# py4j leaves sockets to the JVM for the garbage collector to close
_SPARK_MARKS = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
ENGINES = ["duckdb", pytest.param("spark", marks=_SPARK_MARKS)]


def assert_same(expected: pd.DataFrame | pd.Series, got: pd.DataFrame | pd.Series) -> None:
    """Same index, columns and dtypes; integers and dates equal, floats to rtol 1e-12."""
    if isinstance(expected, pd.Series):
        expected, got = expected.to_frame(), got.to_frame()
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_index_equal(got.index, expected.index, exact=False)
    assert got.index.name == expected.index.name
    for col in expected.columns:
        x, y = expected[col].to_numpy(), got[col].to_numpy()
        if isinstance(expected[col].dtype, pd.CategoricalDtype):
            x, y = expected[col].astype(str).to_numpy(), got[col].astype(str).to_numpy()
        assert x.dtype.kind == y.dtype.kind, (col, x.dtype, y.dtype)
        if x.dtype.kind == "f":
            np.testing.assert_allclose(y, x, rtol=1e-12, atol=0, err_msg=col)
        elif x.dtype.kind == "M":
            np.testing.assert_array_equal(y.astype("datetime64[D]"), x.astype("datetime64[D]"), err_msg=col)
        else:
            np.testing.assert_array_equal(y, x, err_msg=col)


@pytest.fixture(scope="session")
def spark_session():
    """One local[2] Spark session for the whole test run (started only when a spark test runs)."""
    pytest.importorskip("pyspark", reason='pip install "crm-lessons[spark]"')
    from crm_lessons.engines import spark_session as make

    session = make("local[2]", config={"spark.ui.showConsoleProgress": "false"})
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def logs(tmp_path_factory):
    """The two logs as the pandas reader gives them, and as Parquet files for the engines."""
    folder = tmp_path_factory.mktemp("engine-logs")
    cdnow = load_cdnow()[["customer_id", "date", "amount"]]
    gen = synthetic_log(40_000, n_customers=4_000, random_state=7)
    out = {}
    for name, frame in (("cdnow", cdnow), ("generated", gen)):
        path = folder / f"{name}.parquet"
        # microsecond timestamps: Spark refuses pandas' default nanoseconds in Parquet
        frame.to_parquet(path, index=False, coerce_timestamps="us")
        out[name] = (path, read_transactions(frame))
    return out


def _connection(engine, request):
    if engine == "spark":
        from crm_lessons.engines import spark_connect

        return spark_connect(request.getfixturevalue("spark_session"))
    from crm_lessons.engines import duckdb_connect

    return duckdb_connect(memory_limit="512MB")


@pytest.fixture(scope="module")
def duckdb_con():
    from crm_lessons.engines import duckdb_connect

    return duckdb_connect(memory_limit="512MB")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "name,as_ofs,cal,obs",
    [
        ("cdnow", ("1998-06-30", "1997-09-30"), "1997-09-30", "1998-06-30"),
        ("generated", ("2023-12-31", "2023-03-15"), "2023-06-30", "2023-12-31"),
    ],
)
def test_tables_agree(engine, name, as_ofs, cal, obs, logs, request):
    con = _connection(engine, request)
    path, tx = logs[name]
    table, report = read_source(path, connection=con)
    _, expected_report = read_transactions_with_report(pd.read_parquet(path))
    for key in ("rows_read", "rows_kept", "customers", "returns", "zero_amounts", "duplicates", "date_min", "date_max"):
        assert getattr(report, key) == getattr(expected_report, key), key
    # RFM with refunds and at two dates
    for as_of in as_ofs:
        assert_same(rfm.rfm_table(tx, as_of=as_of), tables.rfm_table(table, as_of=as_of))
    assert_same(classification.customer_value(tx), tables.customer_value(table))
    # the models' tables on purchases (amount > 0), as the report uses them
    buys = tx[tx["amount"] > 0]
    pos = table.filter(table.amount > 0)
    for freq in ("W", "D"):
        assert_same(
            clv.customer_summary(buys, calibration_end=cal, observation_end=obs, freq=freq),
            tables.customer_summary(pos, calibration_end=cal, observation_end=obs, freq=freq),
        )
        assert_same(
            clv.customer_summary(buys, calibration_end=obs, freq=freq),
            tables.customer_summary(pos, calibration_end=obs, freq=freq),
        )
    assert_same(lifecycle.lifecycle_stage(buys, as_of=obs), tables.lifecycle_stage(pos, as_of=obs))
    rules = lifecycle.LifecycleRules(window_days=90, measure="purchases")
    assert_same(
        lifecycle.lifecycle_stage(buys, as_of=cal, rules=rules), tables.lifecycle_stage(pos, as_of=cal, rules=rules)
    )
    for freq in ("M", "Q", "W"):
        assert_same(lifecycle.cohort_matrix(buys, freq=freq), tables.cohort_matrix(pos, freq=freq))
    assert_same(
        lifecycle.cohort_matrix(buys, freq="M", as_of=cal, value="customers"),
        tables.cohort_matrix(pos, freq="M", as_of=cal, value="customers"),
    )


@pytest.mark.parametrize("duplicates", ["keep", "drop"])
def test_rows_kept_in_memory_read_as_the_source(duplicates, tmp_path):
    """read_source(keep_rows=...) on DuckDB: the same report and tables as streaming the file."""
    from crm_lessons.engines import duckdb_connect

    log = synthetic_log(20_000, n_customers=2_000, random_state=3)
    log = pd.concat([log, log.iloc[:150]], ignore_index=True)  # exact duplicates
    path = tmp_path / "log.parquet"
    log.to_parquet(path, index=False, coerce_timestamps="us")
    got = {}
    for keep in (0, 10**9):
        con = duckdb_connect(memory_limit="512MB")
        table, rep = read_source(path, connection=con, keep_rows=keep, duplicates=duplicates)
        kept_tables = [t for (t,) in con.raw_sql("SELECT table_name FROM duckdb_tables()").fetchall()]
        assert sum("crm_rows" in t for t in kept_tables) == (1 if keep else 0)
        got[keep] = (
            rep,
            tables.rfm_table(table, as_of=rep.date_max),
            tables.customer_summary(table.filter(table.amount > 0), calibration_end=rep.date_max),
        )
        con.disconnect()
    (rep0, rfm0, sum0), (rep1, rfm1, sum1) = got[0], got[10**9]
    assert rep1.to_dict() == rep0.to_dict()
    assert rep0.duplicates >= 150
    assert_same(rfm0, rfm1)
    assert_same(sum0, sum1)


def test_generated_log_has_what_the_test_needs(logs):
    _, tx = logs["generated"]
    assert tx["customer_id"].map(type).eq(str).all()
    assert (tx["amount"] < 0).sum() > 500  # refunds
    per_day = tx.groupby(["customer_id", tx["date"].dt.normalize()]).size()
    assert (per_day > 1).sum() > 1000  # several purchases on one day


# ---------------------------------------------------------------- reading policies (DuckDB)


def _csv(tmp_path: Path, text: str, name: str = "t.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _canonical(table) -> pd.DataFrame:
    frame = tables.execute(table)
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


POLICY_CSV = (
    "会员编号,下单时间,实付金额,订单状态,门店\n"
    '007,2024/1/5,"￥1,234.50",交易成功,BJ\n'
    "007,2024年1月5日 10:30:00,88 元,交易成功,BJ\n"
    "A02,20240201,(12.50),交易成功,SH\n"
    "A02,20240201,(12.50),交易成功,SH\n"
    ",,,,\n"
    "A03,2024-02-03,10,交易关闭,SH\n"
    "A03,2024-03-03 08:00,0,交易成功,SH\n"
    " A04 ,2024-12-31,5.5,已发货,GZ\n"
)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"returns": "drop", "duplicates": "drop"},
        {"closed_orders": "keep"},
        {"as_of": "2024-06-30", "future": "drop"},
    ],
)
def test_reader_policies_match_pandas(tmp_path, engine, kwargs, request):
    """A CSV with text amounts and dates in several forms: the same rows and the same report as pandas."""
    path = _csv(tmp_path, POLICY_CSV)
    expected, expected_rep = read_transactions_with_report(path, **kwargs)
    table, rep = read_source(path, connection=_connection(engine, request), **kwargs)
    got = _canonical(table)
    want = expected[["customer_id", "date", "amount"]].sort_values(["customer_id", "date", "amount"])
    assert_same(want.reset_index(drop=True), got)
    for key in (
        "rows_read",
        "blank_rows",
        "rows_kept",
        "customers",
        "returns",
        "zero_amounts",
        "duplicates",
        "future",
        "closed_orders",
        "date_min",
        "date_max",
        "column_map",
        "policy",
        "encoding",
        "delimiter",
    ):
        assert getattr(rep, key) == getattr(expected_rep, key), key
    assert rep.warnings == expected_rep.warnings


@pytest.mark.parametrize(
    "text,match",
    [
        ("customer,date,amount\n1,9999-12-31,5\n", "placeholders such as 9999-12-31"),
        ("customer,date,amount\n1,2024-01-05,inf\n", "infinite"),
        ("customer,date,amount\n1,2024-01-05,abc\n2,2024-01-05,3\n", "not numbers: row 2: 'abc'"),
        ("customer,date,amount\n1,2024-13-45,3\n", "not dates: row 2: '2024-13-45'"),
        ("customer,date,amount\n,2024-01-05,3\n", "has no customer id in row 2;"),
        ("customer,date,amount\n1,2024-01-05,-3\n", "returns='error' was passed"),
        ("customer,date,amount,status\n1,2024-01-05,3,已取消\n", "every order is unpaid, cancelled or refunded"),
        ("customer,date\n1,2024-01-05\n", "no amount column found"),
    ],
)
def test_reader_errors(tmp_path, duckdb_con, text, match):
    path = _csv(tmp_path, text)
    kwargs = {"returns": "error"} if "returns=" in match else {}
    with pytest.raises(DataError, match=match.replace("(", r"\(")) as engine_err:
        read_source(path, connection=duckdb_con, **kwargs)
    with pytest.raises(DataError) as pandas_err:  # the pandas reader refuses the same file
        read_transactions(path, **kwargs)
    assert engine_err.value.zh is None or engine_err.value.zh
    assert pandas_err.value


# Files each reader refuses, one per kind of refused cell.  Around the offending rows: a blank
# row (skipped, still numbered), a closed order, an empty line (which the engines skip and Excel
# counts) and a quoted value over two lines.
REFUSED = {
    "placeholder dates": "customer,date,amount\nA,2024-01-05,3\n,,\nB,9999-12-31,4\n" + "C,2999-01-01,4\n" * 6,
    "not dates": "customer,date,amount\nA,2024-01-05,3\n\nB,昨天,4\nC,2024-13-45,3\n",
    "not dates after a value over two lines": 'customer,date,amount\nA,2024-01-05,3\n"B\nB",2024-01-05,3\n\nB,昨天,4\n',
    "not dates in the given format": "customer,date,amount\nA,05.01.2024,3\nB,2024-01-05,4\n",
    "infinite amounts": "customer,date,amount,status\nA,2024-01-05,inf,已取消\nB,2024-01-06,1e400,\nC,2024-01-06,-inf,\n",
    "amounts not numbers": "customer,date,amount\nA,2024-01-05," + "x" * 100 + "\nB,2024-01-06,abc\nC,2024-01-06,(1)\n",
    "no customer id": "客户,日期,金额\n,2024-01-05,3\n  ,2024-01-06,4\nC,2024-01-06,5\n",
    "no date": "customer,date,amount\nA,,3\nB, ,4\n" + "C,,5\n" * 5,
    "no amount": "customer,date,amount\nA,2024-01-05,\n",
}


def _refusal(read, *, cli: bool) -> DataError:
    from crm_lessons.cli import command_line_error

    with pytest.raises(DataError) as err:
        read()
    return command_line_error(err.value) if cli else err.value


@pytest.mark.parametrize(
    "case,engine",
    [(case, "duckdb") for case in sorted(REFUSED)]
    + [pytest.param(case, "spark", marks=_SPARK_MARKS) for case in sorted(REFUSED)],
)
def test_refused_cells_get_the_pandas_readers_message(tmp_path, engine, case, request):
    """For the same file, the engine's message is the pandas reader's, word for word, in English and Chinese."""
    path = _csv(tmp_path, REFUSED[case])
    kwargs = {"date_format": "%d.%m.%Y"} if "format" in case else {}
    con = _connection(engine, request)
    for cli in (False, True):
        want = _refusal(lambda: read_transactions(path, **kwargs), cli=cli)
        got = _refusal(lambda: read_source(path, connection=con, **kwargs), cli=cli)
        if cli:  # the command line names the file alone
            assert str(got) == str(want) and got.zh == want.zh
            assert str(got).startswith(str(path)) and "date_col" not in str(got) and "date_format" not in str(got)
        else:
            assert str(got) == str(want).replace("read_transactions: ", "read_source: ", 1)
            assert got.zh == want.zh.replace("read_transactions: ", "read_source: ", 1)
        assert "row" in str(got) and "行" in got.zh and "row " not in got.zh


def test_refused_cells_named_by_excel_row_far_into_a_file(tmp_path, duckdb_con):
    """Rows are numbered as in Excel far into a file, before and after an empty line."""
    lines = [f"C{i},2024-01-05,{i % 90 + 1}" for i in range(40_000)]
    for i in (15_000, 39_990, 39_998):
        lines[i] = f"C{i},2024-01-05,abc{i}"
    lines.insert(20_000, "")
    path = _csv(tmp_path, "customer,date,amount\n" + "\n".join(lines) + "\n")
    got = _refusal(lambda: read_source(path, connection=duckdb_con), cli=False)
    assert "row 15002: 'abc15000'; row 39993: 'abc39990'; row 40001: 'abc39998'" in str(got)
    assert str(got) == str(_refusal(lambda: read_transactions(path), cli=False)).replace(
        "read_transactions: ", "read_source: ", 1
    )


@pytest.mark.parametrize("quoted", [False, True])
@pytest.mark.spark
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_refused_cells_named_by_excel_row_across_spark_splits(tmp_path, spark_session, quoted):
    """Spark splits a CSV without quotes into several tasks (with a quote, a value may span lines:
    one task per file); either way rows are named as in Excel, after an empty line too."""
    from crm_lessons.engines import spark_connect

    lines = [f"C{i},2024-01-05,{i % 90 + 1}" for i in range(20_000)]
    for i in (7_000, 19_990):
        lines[i] = f"C{i},2024-01-05,abc{i}"
    lines.insert(10_000, "")
    if quoted:
        lines[3] = 'C3,2024-01-05,"1,000"'
    path = _csv(tmp_path, "customer,date,amount\n" + "\n".join(lines) + "\n")
    before = spark_session.conf.get("spark.sql.files.maxPartitionBytes")
    spark_session.conf.set("spark.sql.files.maxPartitionBytes", str(64 << 10))
    try:
        con = spark_connect(spark_session)
        got = _refusal(lambda: read_source(path, connection=con), cli=False)
        parts = spark_session.read.csv(str(path), header=True, multiLine=quoted).rdd.getNumPartitions()
    finally:
        spark_session.conf.set("spark.sql.files.maxPartitionBytes", before)
    assert parts == 1 if quoted else parts > 2
    assert "row 7002: 'abc7000'; row 19993: 'abc19990'" in str(got)
    assert str(got) == str(_refusal(lambda: read_transactions(path), cli=False)).replace(
        "read_transactions: ", "read_source: ", 1
    )


def test_refused_cells_in_parquet_quote_values_without_row_numbers(tmp_path, duckdb_con):
    frame = pd.DataFrame(
        {
            "customer": list("ABCDEFG"),
            "date": ["2024-01-05"] * 6 + [None],
            "amount": ["1", "abc", "2", "inf", "x", "n.a.", "3"],
        }
    )
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    with pytest.raises(DataError) as err:
        read_source(tmp_path / "t.parquet", connection=duckdb_con)
    assert "column 'date' has no date in 1 row; fill in those cells" in str(err.value)
    assert "列 'date' 有 1 行为空" in err.value.zh
    frame.loc[6, "date"] = "2024-01-06"
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    with pytest.raises(DataError) as err:
        read_source(tmp_path / "t.parquet", connection=duckdb_con)
    assert "has amounts too large to be real (infinite, e.g. 'inf' or 1e400): 1 row, such as 'inf'; " in str(err.value)
    frame["amount"] = frame["amount"].replace("inf", "4")
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    with pytest.raises(DataError) as err:
        read_source(tmp_path / "t.parquet", connection=duckdb_con)
    shown = re.search(
        r"has amounts that are not numbers: 3 rows, such as ('.*'), ('.*'), ('.*'); expected", str(err.value)
    )
    assert shown and sorted(shown.groups()) == ["'abc'", "'n.a.'", "'x'"], str(err.value)
    assert "共 3 行，例如 " in err.value.zh and "第" not in err.value.zh
    import pyarrow as pa
    import pyarrow.parquet as pq

    days = pa.array(
        [dt.datetime(2024, 1, 5), dt.datetime(9999, 12, 31), dt.datetime(2999, 1, 1, 12)], pa.timestamp("us")
    )
    pq.write_table(
        pa.table({"customer": ["A", "B", "C"], "date": days, "amount": [1.0, 2.0, 3.0]}), tmp_path / "erp.parquet"
    )
    with pytest.raises(DataError) as err:  # typed dates quoted as the pandas reader quotes a date column
        read_source(tmp_path / "erp.parquet", connection=duckdb_con)
    shown = re.search(r"not purchases: 2 rows, such as ('.*'), ('.*'); delete those rows", str(err.value))
    assert shown and sorted(shown.groups()) == ["'2999-01-01'", "'9999-12-31'"], str(err.value)


def test_rows_are_numbered_in_file_order_across_parallel_chunks(tmp_path):
    """The row number that names refused rows follows the file when DuckDB reads many buffers on 4 threads."""
    from crm_lessons.engines import duckdb_connect
    from crm_lessons.engines._source import _numbered

    path = _csv(tmp_path, "n,text\n" + "".join(f"{i},{'x' * (i % 50)}\n" for i in range(200_000)))
    con = duckdb_connect(memory_limit="256MB", threads=4)
    numbered = _numbered(con.read_csv(path, header=True, buffer_size=1 << 16), "duckdb")
    assert tables.execute(numbered.filter(numbered.n != numbered._row).count().name("k")).iloc[0, 0] == 0


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda p: _csv(p, "客户,日期,金额\nA,2024-01-05,3\n", encoding="gbk"), "not UTF-8 text"),
        (lambda p: _csv(p, "客户,日期,金额\nA,2024-01-05,3\n", encoding="utf-16"), "UTF-16"),
        (
            lambda p: Path(
                pd.DataFrame({"customer": ["A"], "date": ["2024-01-05"], "amount": [3]}).to_excel(
                    p / "t.xlsx", index=False
                )
                or p / "t.xlsx"
            ),
            "Excel workbook",
        ),
    ],
)
def test_engine_refuses_gbk_and_excel_with_a_conversion_hint(tmp_path, duckdb_con, make, match):
    path = make(tmp_path)
    with pytest.raises(DataError, match=match) as err:
        read_source(path, connection=duckdb_con)
    assert "to_parquet" in str(err.value) and "CSV UTF-8" in str(err.value)
    assert "CSV UTF-8" in err.value.zh


def test_sources_folder_glob_and_ibis_table(tmp_path, duckdb_con):
    log = synthetic_log(3_000, random_state=2)
    folder = tmp_path / "lake"
    folder.mkdir()
    for i in range(3):
        log.iloc[i * 1000 : (i + 1) * 1000].to_parquet(folder / f"part-{i}.parquet", index=False)
    expected = rfm.rfm_table(read_transactions(log), as_of="2023-12-31")
    for source in (folder, str(folder / "*.parquet")):
        table, rep = read_source(source, connection=duckdb_con)
        assert rep.rows_read == len(log) and rep.file_format == "parquet"
        assert_same(expected, tables.rfm_table(table, as_of="2023-12-31"))
    # an Ibis table on the user's own connection, with other column names
    import pyarrow as pa

    own = duckdb_con.create_table(
        "own_sales",
        pa.Table.from_pandas(log.rename(columns={"customer_id": "cust", "amount": "paid"}), preserve_index=False),
    )
    table, rep = read_source(own, customer_col="cust", amount_col="paid")
    assert rep.column_map == {"customer_id": "cust", "date": "date", "amount": "paid"}
    assert_same(expected, tables.rfm_table(table, as_of="2023-12-31"))


def test_missing_source_and_unknown_engine(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_source(tmp_path / "nope.parquet")
    with pytest.raises(DataError, match="no file matches"):
        read_source(str(tmp_path / "*.parquet"))
    with pytest.raises(DataError, match="is not one of"):
        read_source(tmp_path / "x.csv", engine="polars")


def test_duckdb_memory_limit_and_spill_folder(tmp_path):
    from crm_lessons.engines import duckdb_connect

    con = duckdb_connect(memory_limit="256MB", temp_directory=tmp_path / "spill", threads=1)
    settings = con.raw_sql(
        "SELECT current_setting('memory_limit'), current_setting('temp_directory'), current_setting('threads')"
    ).fetchone()
    assert settings[0].startswith("244") and settings[1] == str(tmp_path / "spill") and settings[2] == 1


def test_io_check_memory_points_to_duckdb(monkeypatch):
    from crm_lessons.io import _memory as cio

    with pytest.raises(DataError, match="engine='duckdb'") as err:
        cio.check_memory(4 * 2**30, available=2**30)
    assert "Large data" in str(err.value) and "DuckDB" in err.value.zh
    monkeypatch.setattr(cio, "duckdb_installed", lambda: False)
    with pytest.raises(DataError, match=r'pip install "crm-lessons\[duckdb\]"'):
        cio.check_memory(4 * 2**30, available=2**30)


def test_parquet_with_typed_columns(tmp_path, duckdb_con):
    """Integer ids and dates stored as timestamps or yyyymmdd integers read as the pandas reader reads them."""
    frame = pd.DataFrame({"cust": [1001, 1001, 7], "day": [20240105, 20240106, 20240107], "paid": [1.5, 2, 3]})
    path = tmp_path / "typed.parquet"
    frame.to_parquet(path, index=False)
    table, _ = read_source(path, connection=duckdb_con, customer_col="cust", date_col="day", amount_col="paid")
    expected = read_transactions(frame, customer_col="cust", date_col="day", amount_col="paid")
    assert_same(
        expected[["customer_id", "date", "amount"]].sort_values(["customer_id", "date"]).reset_index(drop=True),
        _canonical(table),
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_text_cells_read_as_pandas_reads_them(tmp_path, engine, request):
    """Ids and amounts with the letters f and v at an end (Spark once trimmed them as whitespace),
    padded cells, a quoted value over two lines (CRLF too) and RFC 4180 doubled quotes."""
    path = _csv(
        tmp_path,
        'customer,date,amount,note\r\nJeff,2024-01-05,3,"He said ""hi"""\r\n'
        'Je,2024-01-05, 4 ,"two\r\nlines"\r\nf,2024-01-06,5,\r\n \t v \t,2024-01-06,6,"a ""b\nc"" d"\r\n'
        'vf7,2024-01-07,7,back\\"slash\r\n',
    )
    table, rep = read_source(path, connection=_connection(engine, request))
    expected, expected_rep = read_transactions_with_report(path)
    assert (rep.rows_read, rep.customers) == (expected_rep.rows_read, expected_rep.customers) == (5, 5)
    assert_same(
        expected[["customer_id", "date", "amount"]].sort_values("customer_id").reset_index(drop=True), _canonical(table)
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_typed_infinite_amounts_are_refused(tmp_path, engine, request):
    """Infinite float amounts in Parquet are refused as the pandas reader refuses them."""
    frame = pd.DataFrame({"customer": ["A", "B", "C"], "date": ["2024-01-05"] * 3, "amount": [1.0, np.inf, -np.inf]})
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    # the value as the engine writes a float: 'inf' on DuckDB, 'Infinity' on Spark
    with pytest.raises(DataError, match=r"has amounts too large to be real .*: 2 rows, such as '-?(inf|Infinity)', "):
        read_source(tmp_path / "t.parquet", connection=_connection(engine, request))
    with pytest.raises(DataError, match="has amounts too large to be real"):
        read_transactions(frame)


@pytest.mark.parametrize("engine", ENGINES)
def test_amount_parse_computes_each_step_once(tmp_path, engine, request):
    """The amounts' full-width translation appears once in the compiled SQL (it was 37 times: Ibis
    repeats a reused expression), with many other columns too (Ibis merges selects by size);
    source columns named like the parse's helper columns are kept (two rows differ only there)."""
    import ibis

    extras = [f"x{i}" for i in range(12)] + ["_amount", "_amount_text", "_amount_negative"]
    rows = [
        ["A", "2024-01-05", '"¥1,234.50"'] + ["u"] * 12 + ["1", "2", "3"],
        ["A", "2024-01-05", '"¥1,234.50"'] + ["u"] * 12 + ["1", "9", "3"],
        ["B", "2024-01-06", "(１２.５)"] + ["u"] * 12 + ["1", "2", "3"],
        ["B", "2024-01-06", "(１２.５)"] + ["u"] * 12 + ["1", "2", "3"],
    ]
    path = _csv(tmp_path, "\n".join(",".join(r) for r in [["customer", "date", "amount", *extras], *rows]) + "\n")
    table, rep = read_source(path, connection=_connection(engine, request), amount_col="amount")
    sql = ibis.to_sql(table)
    assert sql.count("０１２３４５６７８９．，－（）＋") == 1, sql
    expected, expected_rep = read_transactions_with_report(path, amount_col="amount")
    assert rep.duplicates == expected_rep.duplicates == 1
    assert_same(
        expected[["customer_id", "date", "amount"]].sort_values(["customer_id", "amount"]).reset_index(drop=True),
        _canonical(table),
    )
    assert sorted(_canonical(table)["amount"]) == [-12.5, -12.5, 1234.5, 1234.5]


def test_utf8_csv_with_bom_and_tabs(tmp_path, duckdb_con):
    path = _csv(tmp_path, "客户ID\t日期\t金额\nA\t2024-01-05\t3\nB\t2024-01-06\t4\n", encoding="utf-8-sig")
    table, rep = read_source(path, connection=duckdb_con)
    expected, expected_rep = read_transactions_with_report(path)
    assert (rep.delimiter, rep.encoding, rep.column_map) == (
        expected_rep.delimiter,
        expected_rep.encoding,
        expected_rep.column_map,
    )
    assert_same(expected[["customer_id", "date", "amount"]], _canonical(table))


# ---------------------------------------------------------------- the report on an engine


def _report_tables(data, horizon=12):
    from crm_lessons import report

    ct = report.customer_tables(data, horizon=horizon)
    rules = lifecycle.LifecycleRules()
    return {
        "revenue": ct.revenue,
        "rfm": ct.rfm,
        "summary": ct.summary,
        "stages": ct.stages(rules),
        "naive_clv": ct.naive_clv.sort_index(),
        "n": ct.n_transactions,
    }


@pytest.mark.parametrize("engine", ENGINES)
def test_report_tables_on_the_engine_equal_pandas(engine, logs, request):
    """prepare_data on an engine: the same checks and counts, and every per-customer table of the report."""
    from crm_lessons import report

    path, _ = logs["generated"]
    kwargs = {"connection": _connection(engine, request)}
    on_engine = report.prepare_data(path, engine=engine, as_of="2023-10-31", horizon=6, **kwargs)
    in_memory = report.prepare_data(path, engine="pandas", as_of="2023-10-31", horizon=6)
    assert on_engine.tables is not None and on_engine.transactions.empty and in_memory.tables is None
    assert on_engine.quality.pop("engine") == engine
    for key in (
        "rows_read",
        "rows_kept",
        "customers",
        "returns",
        "duplicates",
        "excluded_nonpositive",
        "excluded_after_as_of",
        "date_min",
        "date_max",
        "warnings",
    ):
        assert on_engine.quality[key] == in_memory.quality[key], key
    got, want = _report_tables(on_engine, 6), _report_tables(in_memory, 6)
    assert got.pop("n") == want.pop("n")
    for name in want:
        assert_same(want[name], got[name])
    table, models = report.clv_table(on_engine.transactions, as_of=on_engine.as_of, summary=lambda: got["summary"])
    expected, expected_models = report.clv_table(in_memory.transactions, as_of=in_memory.as_of)
    assert_same(expected, table)
    pd.testing.assert_series_equal(models["bgnbd"], expected_models["bgnbd"], rtol=1e-12)


def test_report_engine_choice_and_checks(tmp_path, logs, duckdb_con):
    from crm_lessons import report

    path, _ = logs["generated"]
    assert report.choose_engine(path) == "duckdb" and report.choose_engine(path.parent) == "duckdb"
    csv = tmp_path / "small.csv"
    csv.write_text("customer,date,amount\n1,2024-01-05,3\n", encoding="utf-8")
    assert report.choose_engine(csv) == "pandas" and report.choose_engine(csv, "duckdb") == "duckdb"
    with pytest.raises(DataError, match="is before the first purchase"):
        report.prepare_data(path, engine="duckdb", as_of="2020-01-01", connection=duckdb_con)
    few = tmp_path / "few.parquet"
    pd.DataFrame(
        {"customer_id": ["a", "b"], "date": pd.to_datetime(["2024-01-01", "2024-01-02"]), "amount": [1.0, 2.0]}
    ).to_parquet(few)
    with pytest.raises(DataError, match="at least 5 customers"):
        report.prepare_data(few, engine="duckdb", connection=duckdb_con)
    import pyarrow as pa

    refunds = duckdb_con.create_table(
        "refunds",
        pa.Table.from_pandas(
            pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2024-01-01"]), "amount": [-1.0]}),
            preserve_index=False,
        ),
    )
    with pytest.raises(DataError, match="no purchases"):
        report.prepare_data(refunds)  # an Ibis table stays on its own connection


def test_cli_report_on_parquet_with_duckdb(tmp_path, logs, capsys):
    """`crm-lessons report --data x.parquet` runs on DuckDB by default and writes the report."""
    from crm_lessons.cli import main

    path, _ = logs["generated"]
    out = tmp_path / "report.html"
    assert main(["report", "--data", str(path), "--out", str(out), "--lang", "en", "--memory-limit", "256MB"]) == 0
    printed = capsys.readouterr().out
    assert "engine duckdb" in printed and out.is_file()
    page = out.read_text(encoding="utf-8")
    assert "RFM segments" in page and "lifetime value" in page


def test_cli_engine_checks_before_heavy_imports(tmp_path, capsys, monkeypatch):
    from crm_lessons import cli

    assert (
        cli.main(["report", "--data", str(tmp_path / "none" / "*.parquet"), "--engine", "duckdb", "--lang", "en"]) == 2
    )
    assert "file not found" in capsys.readouterr().err
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None if name == "pyspark" else object())
    csv = tmp_path / "x.csv"
    csv.write_text("customer,date,amount\n", encoding="utf-8")
    assert cli.main(["report", "--data", str(csv), "--engine", "spark", "--lang", "en"]) == 2
    assert 'pip install "crm-lessons[spark]"' in capsys.readouterr().err
