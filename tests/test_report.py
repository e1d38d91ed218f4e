"""``crm-lessons report``: the analyst's HTML report on their own transaction file.

The report runs its template in the command's own process (no kernel); full runs are
the bundled data through ``python -m crm_lessons``, a GBK CSV with Chinese headers
(also the HTML-escaping check), an Excel file in English, data too small for
the CLV models, a Taobao export, and the course build's sample report.  Broken files must fail before
the template runs: those tests replace ``execute_in_process`` with a function that fails the test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crm_lessons._fileio
import crm_lessons.course
import crm_lessons.report
import crm_lessons.runner
from crm_lessons.cli import main
from crm_lessons.datasets import load_cdnow
from crm_lessons.report import clv_table, prepare_data, segment_summary
from crm_lessons.rfm import rfm_scores, rfm_segments, rfm_table
from crm_lessons.simulate import simulate_bgnbd

EVIL = "<script>alert(1)</script>"
SECTIONS_ZH = [
    "1 · 数据质量",
    "2 · 关键指标",
    "3 · 客户价值分布：ABC 分类与客户金字塔",
    "4 · RFM 客户细分与建议行动",
    "5 · 客户生命周期阶段",
    "6 · 客户终身价值 (CLV) 与流失风险",
]
SECTIONS_EN = [
    "1 · Data quality",
    "2 · Key figures",
    "3 · Customer value: ABC classes and customer pyramid",
    "4 · RFM segments and recommended actions",
    "5 · Customer lifecycle stages",
    "6 · Customer lifetime value (CLV) and churn risk",
]


def _simulated(n: int = 300, seed: int = 1) -> pd.DataFrame:
    # CDNOW-like parameters (Fader, Hardie & Lee 2005, Marketing Science, p. 280) so that both models fit.
    sim = simulate_bgnbd(n, r=0.243, alpha=4.414, a=0.793, b=2.426, T=52, acquisition_period=12, random_state=seed)
    tx = sim.transactions.copy()
    tx["customer_id"] = tx["customer_id"].map("C{:04d}".format)
    return tx


def _assert_offline_report(page: str, sections: list[str]) -> None:
    for title in sections:
        assert title in page, f"section {title!r} missing"
    assert not re.search(r"<script[^>]*\bsrc=[\"']?(https?:)?//", page, re.I), "nothing loaded from the internet"
    assert 'class="jp-InputArea' not in page and "rp.prepare_data" not in page, "no code cells in the report"
    assert page.count("data:image/png;base64,") >= 3, "figures are embedded"
    for bad in ("Traceback", "Warning:", 'jp-RenderedText" data-mime-type="application/vnd.jupyter.stderr'):
        assert bad not in page


def _no_template(*args, **kwargs):
    raise AssertionError("bad input must be refused before the template runs")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ------------------------------------------------------------------ full runs


@pytest.mark.notebook
def test_bundled_data_through_python_m(tmp_path):
    out = tmp_path / "out" / "report.html"
    proc = subprocess.run(
        [sys.executable, "-m", "crm_lessons", "report", "--out", str(out)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "[1/4] 读取数据 ..." in proc.stdout and "[4/4] 写入" in proc.stdout, "progress in the report's language"
    assert proc.stderr == "", "nothing on stderr (no kernel warning about unencrypted TCP)"
    elapsed = float(re.search(r"完成，用时 ([0-9.]+) 秒", proc.stdout).group(1))
    assert elapsed > 0.5, "the time reported is the whole run, start-up included"
    page = out.read_text(encoding="utf-8")
    _assert_offline_report(page, SECTIONS_ZH)
    assert "截止日期 (as of)：1998-06-30" in page, "CDNOW default as_of"
    assert '<html lang="zh-CN">' in page
    # 23,570 customers and 69,659 rows: Fader, Hardie & Lee (2005), Marketing Science 24(2), p. 279 (CDNOW cohort)
    assert "69,659" in page and "US$" in page
    assert _leftovers(out.parent) == ["report.html"], "no temporary file left behind"


@pytest.mark.notebook
def test_gbk_csv_with_chinese_headers_escapes_user_text(tmp_path):
    tx = _simulated()
    big = pd.DataFrame(
        {"customer_id": EVIL, "date": pd.date_range("2024-01-01", periods=40, freq="9D"), "amount": 5000.0}
    )  # the best customer, so the id shows in the top-10 CLV table
    tx = pd.concat([tx, big], ignore_index=True)
    text = "客户编号,交易日期,实付金额\n" + "".join(
        f'{c},{d:%Y年%m月%d日},"￥{a:,.2f}"\n'
        for c, d, a in tx[["customer_id", "date", "amount"]].itertuples(index=False)
    )
    text += "C0001,2024年03月01日,-20\n"  # a return: counted, left out of the analysis
    data = tmp_path / "交易.csv"
    data.write_bytes(text.encode("gbk"))
    before = data.read_bytes()
    out_dir = tmp_path / "out"
    assert main(["report", "--data", str(data), "--out", str(out_dir / "r.html")]) == 0
    page = (out_dir / "r.html").read_text(encoding="utf-8")
    _assert_offline_report(page, SECTIONS_ZH)
    assert EVIL not in page, "user text must be escaped"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "￥" in page and "gb18030" in page
    assert f"截止日期 (as of)：{tx['date'].max():%Y-%m-%d}" in page, "as_of defaults to the last date in the file"
    assert data.read_bytes() == before, "the input is never changed"
    assert _leftovers(out_dir) == ["r.html"]


@pytest.mark.notebook
def test_excel_file_in_english_with_named_columns(tmp_path, capsys):
    tx = _simulated(seed=2).rename(columns={"customer_id": "who", "date": "when", "amount": "paid"})
    data = tmp_path / "sales.xlsx"
    tx.to_excel(data, index=False)
    out = tmp_path / "report_en.html"
    code = main(
        [
            "report",
            "--data",
            str(data),
            "--customer-col",
            "who",
            "--date-col",
            "when",
            "--amount-col",
            "paid",
            "--lang",
            "en",
            "--as-of",
            "2024-12-20",
            "--horizon",
            "6",
            "--discount-rate",
            "0.02",
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    _assert_offline_report(page, SECTIONS_EN)
    assert "CNY " in page and "￥" not in page, "English number format: CNY 1,234.50"
    assert "as of 2024-12-20" in page and "sum of 6-month CLV" in page and "2.00% a month" in page
    assert "who / when / paid" in page
    assert "数据质量" not in page


@pytest.mark.notebook
def test_too_little_data_for_clv_still_gives_a_report(tmp_path):
    data = tmp_path / "tiny.csv"
    rows = [
        "A,2024-01-05,10",
        "A,2024-02-05,12",
        "B,2024-01-07,30",
        "C,2024-03-01,5",
        "D,2024-02-11,7",
        "E,2024-01-20,9",
    ]
    data.write_text("customer,date,amount\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "tiny.html"
    assert main(["report", "--data", str(data), "--lang", "en", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    # one repeat buyer among five customers: BG/NBD is not identified (crm_lessons.clv raises ConvergenceError)
    assert (
        "Customer lifetime value cannot be estimated" in page
        and "The repeat purchases in this file do not show how many customers have stopped buying" in page
    )
    assert "simple estimate (not a model)" in page and "simple customer equity" in page
    for developer_text in ("parameter space", "{'r'", "BetaGeoFitter", "ConvergenceError", "DataError"):
        assert developer_text not in page
    assert "Top 10 customers by CLV" not in page


# ------------------------------------------------------------------ broken input: exit 2, no template run, no file


BROKEN = {
    "missing_column.csv": (
        "客户编号,日子,实付金额\nA,2024-01-05,3\n",
        r"no date column found; columns are \['客户编号', '日子', '实付金额'\]",
    ),
    "bad_dates.csv": (
        "customer,date,amount\nA,2024-01-05,3\nB,昨天,4\n",
        r"column 'date' has values that are not dates: row 3: '昨天'",
    ),
    "empty.csv": ("", r"empty\.csv: the file is empty"),
    "four_customers.csv": (
        "customer,date,amount\nA,2024-01-05,3\nB,2024-01-05,3\nC,2024-01-05,3\nD,2024-01-05,3\n",
        r"the report needs at least 5 customers .*, got 4; check the customer column 'customer'",
    ),
    "returns_only.csv": (
        "customer,date,amount\nA,2024-01-05,-3\nB,2024-01-06,-4\n",
        r"no purchases: all 2 rows have an amount <= 0 \(returns, refunds or zero\)",
    ),
    "infinite.csv": (
        "customer,date,amount\nA,2024-01-05,3\nB,2024-01-06,1e400\n",
        r"amounts too large to be real .*row 3: '1e400'",
    ),
    "placeholder_dates.csv": (
        "customer,date,amount\nA,2024-01-05,3\nB,9999-12-31,4\n",
        r"dates outside 1678-2261, placeholders .*row 3: '9999-12-31'",
    ),
    "text_named.xlsx": ("customer,date,amount\nA,2024-01-05,3\n", r"not a readable Excel workbook"),
    "zeros.csv": ("\x00" * 5000, r"this is not a text file"),
    "only_closed.csv": (
        "买家会员名,订单创建时间,买家实际支付金额,订单状态\nA,2024-01-05,3,交易关闭\nB,2024-01-06,4,已退款\n",
        r"every order is unpaid, cancelled or refunded .*use --keep-closed-orders",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_files_exit_2_before_the_template_runs(name, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(crm_lessons.runner, "execute_in_process", _no_template)
    text, message = BROKEN[name]
    data = tmp_path / name
    data.write_bytes(text.encode("gbk"))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert main(["report", "--data", str(data), "--lang", "en", "--out", str(out_dir / "report.html")]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert err.startswith("crm-lessons report: error: ") and err.count("\n") == 1, "one message, one line"
    assert "Traceback" not in err and "read_transactions" not in err, "the CLI names the file, not a function"
    assert _leftovers(out_dir) == [], "no output and no temporary file"
    # the same in Chinese (the default language), with the same one-line shape
    assert main(["report", "--data", str(data), "--out", str(out_dir / "report.html")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crm-lessons report：错误：") and err.count("\n") == 1
    assert re.search(r"[\u4e00-\u9fff]{4}", err.split("：错误：", 1)[1]), err
    assert "row " not in err and not re.search(r"(customer|date|amount)_col", err), "Chinese message with CLI flags"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "{data}", "--out", "{data}"], r"--out '.*tx\.csv' is the data file; choose another output name"),
        (["--data", "{tmp}/nope.csv"], r"--data '.*nope\.csv': file not found"),
        (
            ["--data", "{data}", "--as-of", "2023-01-01"],
            r"--as-of 2023-01-01 is before the first purchase \(2024-01-05\)",
        ),
        (["--data", "{data}", "--as-of", "someday"], r"--as-of someday is not a date"),
        (["--data", "{data}", "--horizon", "0"], r"--horizon 0 should be a whole number of months >= 1"),
        (
            ["--data", "{data}", "--discount-rate", "inf"],
            r"--discount-rate inf should be a monthly rate from 0 to below 1",
        ),
        (["--data", "{data}", "--discount-rate", "nan"], r"--discount-rate nan should be a monthly rate"),
        (
            ["--data", "{data}", "--out", "{data}/below/report.html"],
            r"cannot be written: '.*tx\.csv' is a file, not a folder",
        ),
    ],
)
def test_bad_options_exit_2(args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(crm_lessons.runner, "execute_in_process", _no_template)
    data = tmp_path / "tx.csv"
    data.write_text("customer,date,amount\n" + "".join(f"{c},2024-01-05,3\n" for c in "ABCDE"), encoding="utf-8")
    before = data.read_bytes()
    argv = ["report", "--lang", "en"] + [a.format(data=data, tmp=tmp_path) for a in args]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "report.html")]
    assert main(argv) == 2
    assert re.search(message, capsys.readouterr().err)
    assert _leftovers(tmp_path) == ["tx.csv"] and data.read_bytes() == before


def test_out_hard_linked_to_the_data_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(crm_lessons.runner, "execute_in_process", _no_template)
    data = tmp_path / "tx.csv"
    data.write_text("customer,date,amount\n" + "".join(f"{c},2024-01-05,3\n" for c in "ABCDE"), encoding="utf-8")
    (tmp_path / "link.html").hardlink_to(data)
    assert main(["report", "--data", str(data), "--lang", "en", "--out", str(tmp_path / "link.html")]) == 2
    assert "is the data file; choose another output name" in capsys.readouterr().err
    assert main(["report", "--data", str(data), "--out", str(tmp_path / "link.html")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("crm-lessons report：错误：--out") and "就是数据文件" in err


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    import nbformat

    monkeypatch.setattr(crm_lessons.runner, "execute_in_process", lambda *a, **k: nbformat.v4.new_notebook())

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(crm_lessons._fileio.os, "replace", broken_replace)  # every output goes through _fileio
    data = tmp_path / "in" / "tx.csv"
    data.parent.mkdir()
    data.write_text("customer,date,amount\n" + "".join(f"{c},2024-01-05,3\n" for c in "ABCDE"), encoding="utf-8")
    out = tmp_path / "out" / "report.html"
    with pytest.raises(OSError, match="disk full"):
        crm_lessons.report.render_report(data, out)
    assert _leftovers(out.parent) == []


def test_help_in_plain_words(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for words in ("--data FILE", "--as-of DATE", "--lang {zh,en}", "bundled CDNOW data", "exit code 2"):
        assert words in text


# ------------------------------------------------------------------ the helpers the template calls


def test_prepare_data_leaves_out_returns_zero_and_later_rows(tmp_path):
    data = tmp_path / "tx.csv"
    data.write_text(
        "customer,date,amount\nA,2024-01-05,3\nA,2024-01-06,-3\nB,2024-01-07,0\nB,2024-02-01,8\n"
        "C,2024-03-01,4\n" + "".join(f"{c},2024-01-09,1\n" for c in "DEF"),
        encoding="utf-8",
    )
    rd = prepare_data(data, as_of="2024-02-15")
    assert rd.transactions["amount"].tolist() == [3.0, 8.0, 1.0, 1.0, 1.0]
    assert (rd.quality["excluded_nonpositive"], rd.quality["excluded_after_as_of"]) == (2, 1)
    assert (rd.as_of, rd.currency, rd.source) == ("2024-02-15", "CNY", "tx.csv")
    assert prepare_data(data).as_of == "2024-03-01"


def test_segment_summary_matches_a_plain_groupby():
    tx = load_cdnow(sample=True)
    rfm = rfm_table(tx, as_of="1998-06-30")
    seg = rfm_segments(rfm_scores(rfm))
    got = segment_summary(rfm, seg)
    names = seg["segment"].astype(str)
    for name, row in got.iterrows():
        members = rfm[names == name]
        assert row["customers"] == len(members)
        assert row["revenue"] == pytest.approx(members["total_spend"].sum())
        assert row["revenue_share"] == pytest.approx(members["total_spend"].sum() / rfm["total_spend"].sum())
    assert got["customers"].sum() == len(rfm)
    assert got["action"].notna().all() and got["action_zh"].notna().all()


def test_clv_table_reproduces_the_published_cdnow_estimates():
    table, models = clv_table(load_cdnow(sample=True), as_of="1997-09-30", horizon=12, discount_rate=0.01)
    # BG/NBD: Fader, Hardie & Lee (2005), Marketing Science 24(2), p. 280: r=0.243, alpha=4.414, a=0.793, b=2.426.
    np.testing.assert_allclose(models["bgnbd"][["r", "alpha", "a", "b"]], [0.243, 4.414, 0.793, 2.426], rtol=0.01)
    # Gamma-Gamma: Fader & Hardie (2013), "The Gamma-Gamma model of monetary value", p. 4: p=6.25, q=3.74, gamma=15.44.
    np.testing.assert_allclose(models["gamma_gamma"][["p", "q", "gamma"]], [6.25, 3.74, 15.44], rtol=0.01)
    assert len(table) == 2357
    assert table["p_alive"].between(0, 1).all()
    one_timers = table["frequency"] == 0
    assert (table.loc[one_timers, "p_alive"] == 1).all(), (
        "BG/NBD: no repeat purchase -> P(alive) = 1 (FHL 2005, eq. 13)"
    )
    assert (table["clv"] >= 0).all() and (table["clv"] <= table["expected_purchases"] * table["expected_spend"]).all()


@pytest.mark.notebook
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_taobao_export_reads_end_to_end_in_one_language(lang, tmp_path, capsys):
    rng = np.random.default_rng(5)
    rows = ["订单编号,买家会员名,总金额,买家实际支付金额,订单状态,订单创建时间,订单付款时间"]
    status = ["交易成功"] * 8 + ["交易关闭", "已退款"]
    for i in range(400):
        st = status[i % 10]
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 360)))
        paid = "" if st == "交易关闭" else f"{day:%Y-%m-%d %H:%M:%S}"
        rows.append(
            f"{10000 + i},buyer{int(rng.integers(0, 60)):03d},{20 + i % 50}.00,{19 + i % 50}.50,{st},"
            f"{day:%Y-%m-%d %H:%M:%S},{paid}"
        )
    data = tmp_path / "ExportOrderList.csv"
    data.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    out = tmp_path / f"report_{lang}.html"
    assert main(["report", "--data", str(data), "--lang", lang, "--out", str(out)]) == 0, capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    assert "买家会员名 / 订单创建时间 / 买家实际支付金额" in page
    for developer_text in ("closed_orders", "returns=", "duplicates=", "keep'", "_col"):
        assert developer_text not in page, developer_text
    if lang == "en":
        assert "cancelled or closed orders" in page and "refunded orders" in page  # left out, by reason
        visible = re.sub(r"<[^>]+>|data:[^\"']+", " ", page)
        visible = visible.replace("买家会员名 / 订单创建时间 / 买家实际支付金额", "").replace("ExportOrderList", "")
        visible = visible.replace("订单状态", "")  # the file's status column, named as in the file
        assert not re.search(r"[\u4e00-\u9fff]", visible), re.findall(r".{20}[\u4e00-\u9fff]+.{20}", visible)[:3]
    else:
        assert "已取消或关闭的订单" in page and "已退款的订单" in page  # left out, by reason


def test_bad_options_fail_before_heavy_imports(tmp_path):
    code = (
        "import sys\nfrom crm_lessons.cli import main\n"
        f"rc = main(['report', '--data', {str(tmp_path / 'nope.csv')!r}, '--lang', 'en'])\n"
        "print(rc, 'papermill' in sys.modules, 'matplotlib' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.split() == ["2", "False", "False"], (proc.stdout, proc.stderr)
    assert proc.stderr.count("\n") == 1 and "file not found" in proc.stderr


@pytest.mark.notebook
@pytest.mark.parametrize("step", ["[2/4]", "[3/4]"])  # while the template's cells run / while the page renders
def test_sigterm_during_a_run_leaves_no_temporary_files(tmp_path, step):
    """Exit 130, no traceback, no report, nothing left in the temporary folder or beside the report, and no
    process of the run left running, wherever the signal lands."""
    import os
    import signal
    import time

    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    out_dir = tmp_path / "out"
    env = dict(os.environ, TMPDIR=str(private_tmp))
    proc = subprocess.Popen(
        [sys.executable, "-m", "crm_lessons", "report", "--out", str(out_dir / "r.html")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = ""
        end = time.monotonic() + 120
        while step not in line and time.monotonic() < end:
            line = proc.stdout.readline()
        assert step in line, f"the report did not reach step {step}"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and "已中断" in err and "Traceback" not in err, err
    assert list(private_tmp.iterdir()) == [], "no customer data or other files left behind"
    assert not out_dir.exists() or _leftovers(out_dir) == [], "no report and no partial file"
    processes = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert str(out_dir) not in processes, "no process of the run left running"


def test_the_command_line_skips_the_slow_optional_iri_grammar():
    """jsonschema imports rfc3987_syntax (installed with JupyterLab) only for "iri" formats; building its
    grammar cost ~1.1 s per command.  The CLI's process skips it, and nbformat still validates notebooks;
    importing crm_lessons as a library leaves the importing process alone."""
    code = (
        "import sys\n"
        "import crm_lessons, crm_lessons.report\n"
        "assert 'rfc3987_syntax' not in sys.modules or sys.modules['rfc3987_syntax'] is not None\n"
        "from crm_lessons import cli\n"
        "try:\n"
        "    cli.main(['report', '--lang', 'xx'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "import nbformat, papermill\n"
        "print(sys.modules['rfc3987_syntax'])\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\n"
        "nbformat.validate(nb)\n"
        "bad = nbformat.from_dict({**nb, 'cells': [{'cell_type': 'code'}]})\n"
        "try:\n"
        "    nbformat.validate(bad)\n"
        "except nbformat.ValidationError:\n"
        "    print('invalid notebook refused')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.split("\n")[:2] == ["None", "invalid notebook refused"], proc.stdout + proc.stderr
