"""The report explains its numbers right (issue 27 items 5-7): each note agrees with the table it explains,
the ABC classes are the course's, one definition of a repeat customer, what was left out is shown by reason,
and the key figures in <script type="application/json" id="report-figures"> match the page on every engine."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest

from crm_lessons import lifecycle
from crm_lessons import report as rp


def taobao_export(n=400, seed=5):
    rng = np.random.default_rng(seed)
    rows = ["订单编号,买家会员名,总金额,买家实际支付金额,订单状态,订单创建时间,订单付款时间,退款金额"]
    status = ["交易成功"] * 6 + ["卖家已发货，等待买家确认", "交易关闭", "等待买家付款", "交易成功"]
    for i in range(n):
        st = status[i % 10]
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 360)))
        paid = "" if st in ("交易关闭", "等待买家付款") else f"{day:%Y-%m-%d %H:%M:%S}"
        amount = 19.5 + i % 50
        refund = 0.0
        if st == "交易成功" and i % 10 == 9:
            refund = 5.0 if i % 20 == 9 else amount  # a partial refund, or all of it
        rows.append(
            f"{10000 + i},buyer{int(rng.integers(0, 60)):03d},{amount + 0.5:.2f},{amount:.2f},{st},"
            f"{day:%Y-%m-%d %H:%M:%S},{paid},{refund:.2f}"
        )
    return ("\n".join(rows) + "\n").encode("gbk")


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    path = tmp_path_factory.mktemp("taobao") / "ExportOrderList.csv"
    path.write_bytes(taobao_export())
    return path


def test_left_out_by_reason_and_partial_refunds(export):
    data = rp.prepare_data(export)
    q = data.quality
    assert q["left_out"] == {"unpaid": 40, "cancelled": 40, "refunded": 20}
    assert (q["partial_refunds"], q["partial_refund_amount"]) == (20, 100.0)
    table = rp.left_out_table(q, "zh").set_index("reason")["count"]
    assert table[["unpaid", "cancelled", "refunded"]].to_dict() == q["left_out"]
    assert table["partial_refunds"] == 20
    figures = rp.report_figures(q, transactions=len(data.transactions), customers=60, revenue=1.0)
    assert {k: figures["left_out"][k] for k in ("unpaid", "cancelled", "refunded")} == q["left_out"]
    assert figures["partial_refunds"] == 100.0


def test_stage_notes_count_what_the_stage_table_counts(export):
    data = rp.prepare_data(export)
    ct = rp.customer_tables(data)
    rules = lifecycle.LifecycleRules()
    stages = ct.stages(rules)
    dist = lifecycle.stage_distribution(stages[["stage"]])
    for lang in ("zh", "en"):
        by_rule = rp.stage_rules(stages, rules, lang)
        per_stage = by_rule.groupby("key", sort=False)["customers"].sum()
        assert per_stage.reindex(dist.index).tolist() == dist["customers"].tolist()
        assert set(by_rule["key"]) == set(lifecycle.STAGES)  # every stage has its rule written out
    # one-time buyers are not said to have bought for the first time within 90 days
    once_old = (stages["n_purchases"] == 1) & (stages["tenure_days"] > rules.new_days)
    rows = rp.stage_rules(stages, rules, "en").set_index("rule")["customers"]
    assert rows[[r for r in rows.index if "only one purchase" in r]].sum() == int(
        (once_old & (stages["stage"] == "acquisition")).sum()
    )
    definitions = " ".join(rp.stage_definitions(rules, "zh"))
    for name in ("潜在获取期", "客户成长期", "客户成熟期", "客户衰退期", "客户终止期"):
        assert name in definitions
    assert "考察期" not in definitions.replace("还在考察", "")


def test_repeat_customers_one_definition():
    """Two orders on one day are not a repeat customer: the glossary's 重复购买率 and the CLV frequency."""
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "date": pd.to_datetime(["2024-01-05", "2024-01-05", "2024-01-05", "2024-02-01"]),
        }
    )
    from crm_lessons.clv import customer_summary

    summary = customer_summary(tx.assign(amount=1.0), calibration_end="2024-03-01")
    assert rp.repeat_customers(summary) == rp.repeat_customers(None, tx) == (1, 2)


def test_tables_scroll_and_align():
    page = rp.html_table(
        pd.DataFrame({"细分": ["忠诚客户"], "收入": ["￥1,234.50"], "建议行动": ["会员升级、积分回馈，向上销售" * 2]})
    )
    assert page.startswith('<div class="crm-scroll">')
    assert '<td class="crm-text">忠诚客户</td>' in page and '<td class="crm-num">￥1,234.50</td>' in page
    assert 'class="crm-text crm-long"' in page
    assert "overflow-x:auto" in rp.REPORT_CSS and ".crm-text{text-align:left}" in rp.REPORT_CSS


def _tables(page: str) -> dict[str, list[list[list[str]]]]:
    """The tables of the page under each heading, in order: each table's rows as text cells."""
    out, heading = {}, None
    for m in re.finditer(r"<h[23][^>]*>(.*?)</h[23]>|<table class=\"crm-table\">(.*?)</table>", page, re.DOTALL):
        if m.group(1) is not None:
            heading = html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip().rstrip("¶").strip()
            continue
        rows = [
            [
                html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.DOTALL)
            ]
            for r in re.findall(r"<tr>(.*?)</tr>", m.group(2), re.DOTALL)
        ]
        out.setdefault(heading, []).append(rows)
    return out


def _number(text: str) -> float:
    return float(re.sub(r"[^\d.\-]", "", text))


@pytest.mark.notebook
def test_figures_json_matches_the_page_on_every_engine_and_language(export, tmp_path, capsys):
    pytest.importorskip("duckdb")
    from crm_lessons.cli import main

    found = {}
    for engine, lang in (("pandas", "zh"), ("duckdb", "en")):
        out = tmp_path / f"{engine}_{lang}.html"
        data = export
        if engine == "duckdb":  # the engines read UTF-8 text only
            data = tmp_path / "ExportOrderList-utf8.csv"
            data.write_text(export.read_bytes().decode("gb18030"), encoding="utf-8")
        code = main(["report", "--data", str(data), "--lang", lang, "--engine", engine, "--out", str(out)])
        assert code == 0, capsys.readouterr().err
        page = out.read_text(encoding="utf-8")
        m = re.search(r'<script type="application/json" id="report-figures">(.*?)</script>', page, re.DOTALL)
        assert m, "no key figures on the page"
        figures = json.loads(m.group(1))
        tables = _tables(page)
        zh = lang == "zh"
        quality = {r[0]: r[1] for r in tables["1 · 数据质量" if zh else "1 · Data quality"][0][1:]}
        assert figures["rows_read"] == _number(quality["读取行数" if zh else "rows read"])
        assert figures["transactions"] == _number(quality["纳入分析的交易" if zh else "transactions analysed"])
        assert figures["customers"] == _number(quality["客户数" if zh else "customers"])
        assert f"{figures['date_from']} – {figures['date_to']}" == quality["日期范围" if zh else "date range"]
        key = {r[0]: r[1] for r in tables["2 · 关键指标" if zh else "2 · Key figures"][0][1:]}
        assert figures["revenue"] == pytest.approx(_number(key["总收入" if zh else "total revenue"]), abs=0.01)
        left = {
            r[0]: r[1]
            for r in tables[
                "未纳入分析的订单和行（按原因）" if zh else "Orders and rows left out of the analysis, by reason"
            ][0][1:]
        }
        names = {
            "unpaid": ("未付款的订单", "unpaid orders"),
            "cancelled": ("已取消或关闭的订单", "cancelled or closed orders"),
            "refunded": ("已退款的订单", "refunded orders"),
        }
        for reason, (name_zh, name_en) in names.items():
            assert figures["left_out"][reason] == _number(left[name_zh if zh else name_en])
        assert figures["left_out"]["refunded"] == 20 and figures["partial_refunds"] == 100.0
        # the lifecycle rules table adds up to the stage table
        stage_table, rule_table = tables["5 · 客户生命周期阶段" if zh else "5 · Customer lifecycle stages"][:2]
        assert rule_table[0][:2] == (["阶段", "规则"] if zh else ["stage", "rule"])
        per_stage = {}
        for row in rule_table[1:]:
            per_stage[row[0]] = per_stage.get(row[0], 0) + _number(row[2])
        assert per_stage == {row[0]: _number(row[1]) for row in stage_table[1:]}
        found[(engine, lang)] = figures
    a, b = found.values()
    assert a.keys() == b.keys() and a["left_out"].keys() == b["left_out"].keys()
    assert {k: v for k, v in a.items() if k != "revenue"} == {k: v for k, v in b.items() if k != "revenue"}
    assert a["revenue"] == pytest.approx(b["revenue"], rel=1e-12)
