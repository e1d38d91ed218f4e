"""The report's explanations, each computed from the table it explains: what was left out and why,
the course's ABC classes, which lifecycle rule put each customer where, repeat customers, and the
key figures a script reads from the page (``<script type="application/json" id="report-figures">``).

Every number a note states comes from the same frame the page shows beside it, so the tests can
compare them (``tests/test_report_notes.py``).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

#: What each reason for leaving an order or a row out is called on the page.
_LEFT_OUT = {
    "unpaid": ("未付款的订单", "unpaid orders", "订单状态为待付款、未付款等：钱没有收到", "status says not paid yet"),
    "cancelled": (
        "已取消或关闭的订单",
        "cancelled or closed orders",
        "订单状态为已取消、交易关闭等",
        "status says cancelled or closed",
    ),
    "refunded": (
        "已退款的订单",
        "refunded orders",
        "订单状态或售后状态为退款成功，或退款金额等于实付金额",
        "order or after-sales status says refunded, or the whole amount was refunded",
    ),
    "returns": (
        "退货或零金额的行",
        "returns or zero amounts",
        "金额 <= 0：退货、退款或赠品",
        "amount <= 0: returns, refunds or free items",
    ),
    "after_as_of": ("晚于截止日期的行", "rows after the as-of date", "日期晚于截止日期", "dated after the as-of date"),
    "blank_rows": ("空行", "blank rows", "客户、日期、金额都为空", "customer, date and amount all empty"),
    "line_items": (
        "同一订单的其他商品行",
        "further line items of an order",
        "每个商品一行的导出：订单总额只在第一行，每个订单算一次购买",
        "one row per item in the export: each order counted once, from its first row",
    ),
}


def left_out_counts(quality: dict[str, Any]) -> dict[str, int]:
    """Orders and rows left out of the analysis, by reason (the keys of the page's ``left_out`` figures).

    ``unpaid``, ``cancelled``, ``refunded``: orders (0 when ``closed_orders='keep'`` kept them);
    ``returns``: rows with an amount <= 0; ``after_as_of``; ``blank_rows``; ``line_items``.

    Examples
    --------
    >>> left_out_counts({"left_out": {"unpaid": 2, "cancelled": 1, "refunded": 3}, "excluded_nonpositive": 4,
    ...                  "excluded_after_as_of": 0, "blank_rows": 1, "policy": {"closed_orders": "drop"}})
    {'unpaid': 2, 'cancelled': 1, 'refunded': 3, 'returns': 4, 'after_as_of': 0, 'blank_rows': 1, 'line_items': 0}
    """
    kept = (quality.get("policy") or {}).get("closed_orders") == "keep"
    by_status = quality.get("left_out") or {}
    out = {reason: 0 if kept else int(by_status.get(reason, 0)) for reason in ("unpaid", "cancelled", "refunded")}
    out["returns"] = int(quality.get("excluded_nonpositive") or 0)
    out["after_as_of"] = int(quality.get("excluded_after_as_of") or 0)
    out["blank_rows"] = int(quality.get("blank_rows") or 0)
    out["line_items"] = int(quality.get("line_items") or 0)
    return out


def left_out_table(quality: dict[str, Any], lang: str = "zh") -> pd.DataFrame:
    """One row per reason an order or row was left out (or changed), with its count and what it means.

    Columns ``reason`` (the key), ``what``, ``count`` (int), ``meaning``; rows with a count of 0 are
    dropped except the three order statuses.  Below them: buyers whose every order was left out,
    partial refunds (and the amount subtracted), status values nobody listed (kept as sales).

    Examples
    --------
    >>> q = {"left_out": {"unpaid": 2, "cancelled": 0, "refunded": 1}, "excluded_nonpositive": 0,
    ...      "excluded_after_as_of": 0, "blank_rows": 0, "buyers_left_out": 1, "partial_refunds": 1,
    ...      "partial_refund_amount": 50.0, "unknown_statuses": {"已审核": 4}, "policy": {}}
    >>> left_out_table(q, "en")[["reason", "count"]].values.tolist()
    [['unpaid', 2], ['cancelled', 0], ['refunded', 1], ['buyers_left_out', 1], ['partial_refunds', 1], ['unknown_statuses', 4]]
    """
    zh = lang == "zh"
    counts = left_out_counts(quality)
    kept = (quality.get("policy") or {}).get("closed_orders") == "keep"
    rows = []
    for reason, n in counts.items():
        if n or reason in ("unpaid", "cancelled", "refunded"):
            what_zh, what_en, mean_zh, mean_en = _LEFT_OUT[reason]
            if kept and reason in ("unpaid", "cancelled", "refunded"):
                n = int((quality.get("left_out") or {}).get(reason, 0))
                mean_zh, mean_en = mean_zh + "；按要求仍计入分析", mean_en + "; kept, as asked"
            rows.append((reason, what_zh if zh else what_en, n, mean_zh if zh else mean_en))
    buyers = int(quality.get("buyers_left_out") or 0)
    if buyers:
        rows.append(
            (
                "buyers_left_out",
                "只有被排除订单的买家" if zh else "buyers with only left-out orders",
                buyers,
                "他们的订单都未付款、已取消或已退款，不在任何客户表中"
                if zh
                else "every order they placed was unpaid, cancelled or refunded: they are in no customer table",
            )
        )
    partial = int(quality.get("partial_refunds") or 0)
    if partial:
        amount = float(quality.get("partial_refund_amount") or 0.0)
        column = (quality.get("column_map") or {}).get("refund", "")
        rows.append(
            (
                "partial_refunds",
                "部分退款的订单（保留）" if zh else "orders partly refunded (kept)",
                partial,
                f"退款合计 {amount:,.2f}（列 {column}）已从这些订单的金额中扣除"
                if zh
                else f"{amount:,.2f} refunded in all (column {column}), subtracted from their amounts",
            )
        )
    unknown = quality.get("unknown_statuses") or {}
    if unknown:
        shown = (
            "、".join(f"{v}（{n}）" for v, n in list(unknown.items())[:8])
            if zh
            else ", ".join(f"{v} ({n})" for v, n in list(unknown.items())[:8])
        )
        rows.append(
            (
                "unknown_statuses",
                "未识别的订单状态（保留）" if zh else "unrecognised order statuses (kept)",
                int(sum(unknown.values())),
                f"按销售计入，请核对：{shown}" if zh else f"counted as sales; please check: {shown}",
            )
        )
    return pd.DataFrame(rows, columns=["reason", "what", "count", "meaning"])


def repeat_customers(summary: pd.DataFrame | None, transactions: pd.DataFrame | None = None) -> tuple[int, int]:
    """(repeat customers, customers): a repeat customer (回头客) bought on at least two different days.

    The definition of the glossary (重复购买率) and of the CLV models: several purchases on one day
    count once.  From the Fader-Hardie summary (``frequency`` = purchase days after the first), or
    from the transactions when there is no summary.

    Examples
    --------
    >>> repeat_customers(pd.DataFrame({"frequency": [0, 2, 1, 0]}))
    (2, 4)
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "date": pd.to_datetime(["2024-01-05"] * 3)})
    >>> repeat_customers(None, tx)
    (0, 2)
    """
    if summary is not None:
        return int((summary["frequency"] > 0).sum()), len(summary)
    assert transactions is not None, "pass transactions or summary"
    days = transactions.groupby("customer_id", observed=True)["date"].nunique()
    return int((days > 1).sum()), len(days)


def stage_rules(stages: pd.DataFrame, rules: Any, lang: str = "zh") -> pd.DataFrame:
    """Which rule put each customer in their lifecycle stage, with the number of customers per rule.

    ``stages``: :func:`crm_lessons.lifecycle.stages_from_inputs` (the inputs and ``stage``).  The
    rules are tried in this order (the first that holds decides): termination; acquisition; growth;
    decline; maturity; growth again for a steady customer younger than ``rules.maturity_days``.

    Returns
    -------
    DataFrame
        Columns ``stage``, ``rule`` (the rule in words, with the thresholds), ``customers``; the
        counts of a stage add up to that stage's row of the stage table.

    Examples
    --------
    >>> from crm_lessons.lifecycle import LifecycleRules, stages_from_inputs
    >>> inputs = pd.DataFrame({"first_purchase": pd.to_datetime(["2023-01-01", "2024-01-20", "2023-03-01"]),
    ...     "last_purchase": pd.to_datetime(["2024-01-10", "2024-01-20", "2023-03-01"]),
    ...     "n_purchases": [6, 1, 1], "tenure_days": [395, 11, 335], "days_since_last": [21, 11, 335],
    ...     "recent_value": [50.0, 9.0, 0.0], "previous_value": [100.0, 0.0, 9.0]}, index=["a", "b", "c"])
    >>> stage_rules(stages_from_inputs(inputs, LifecycleRules()), LifecycleRules(), "en")["customers"].tolist()
    [1, 1, 0, 0, 0, 1, 0]
    """
    zh = lang == "zh"
    v1, v0 = stages["recent_value"].to_numpy(), stages["previous_value"].to_numpy()
    stage = stages["stage"].astype(str).to_numpy()
    young = stages["tenure_days"].to_numpy() <= rules.new_days
    up, down, w = rules.growth_ratio - 1, 1 - rules.decline_ratio, rules.window_days
    grew = (v1 >= rules.growth_ratio * v0) & (v1 > 0)
    names = _stage_names(zh)
    table = [
        (
            "termination",
            f"超过 {rules.termination_days} 天没有购买",
            f"no purchase for more than {rules.termination_days} days",
            stage == "termination",
        ),
        (
            "acquisition",
            f"首次购买在最近 {rules.new_days} 天内",
            f"first purchase within the last {rules.new_days} days",
            (stage == "acquisition") & young,
        ),
        (
            "acquisition",
            f"首次购买早于 {rules.new_days} 天，但至今只买过一次（尚未成为回头客）",
            f"first purchase more than {rules.new_days} days ago, but only one purchase so far (not yet a repeat customer)",
            (stage == "acquisition") & ~young,
        ),
        (
            "growth",
            f"近 {w} 天消费比前 {w} 天增加 {up:.0%} 以上",
            f"spend in the last {w} days up {up:.0%} or more on the {w} before",
            (stage == "growth") & grew,
        ),
        (
            "growth",
            f"消费平稳（增减都未达上面两个幅度），但成为客户不到 {rules.maturity_days} 天",
            f"steady spend (neither threshold crossed), but a customer for less than {rules.maturity_days} days",
            (stage == "growth") & ~grew,
        ),
        (
            "decline",
            f"近 {w} 天消费比前 {w} 天减少 {down:.0%} 以上",
            f"spend in the last {w} days down {down:.0%} or more on the {w} before",
            stage == "decline",
        ),
        (
            "maturity",
            f"消费平稳，且成为客户已满 {rules.maturity_days} 天",
            f"steady spend, and a customer for {rules.maturity_days} days or more",
            stage == "maturity",
        ),
    ]
    rows = [(names[s], rule_zh if zh else rule_en, int(np.count_nonzero(mask))) for s, rule_zh, rule_en, mask in table]
    # the order of the stage table (lifecycle order), rules within a stage in the order they are tried
    order = ["acquisition", "growth", "maturity", "decline", "termination"]
    keyed = sorted(zip([t[0] for t in table], range(len(table)), rows), key=lambda r: (order.index(r[0]), r[1]))
    out = pd.DataFrame([r for _, _, r in keyed], columns=["stage", "rule", "customers"])
    out.insert(0, "key", [k for k, _, _ in keyed])
    return out.reset_index(drop=True)


def _stage_names(zh: bool) -> dict[str, str]:
    from crm_lessons.lifecycle import STAGES, stage_distribution

    one_each = pd.DataFrame({"stage": pd.Categorical(list(STAGES), categories=list(STAGES), ordered=True)})
    names = stage_distribution(one_each)["stage_zh"]
    return {k: (names[k] if zh else k) for k in names.index}


def stage_definitions(rules: Any, lang: str = "zh") -> list[str]:
    """One sentence per stage: the course's name and the rule that defines it."""
    zh = lang == "zh"
    n = _stage_names(zh)
    up, down, w = rules.growth_ratio - 1, 1 - rules.decline_ratio, rules.window_days
    if zh:
        return [
            f"{n['acquisition']}：首次购买在最近 {rules.new_days} 天内，或至今只买过一次的客户（关系刚开始，还在考察）。",
            f"{n['growth']}：近 {w} 天消费比前 {w} 天增加 {up:.0%} 以上；或消费平稳、但成为客户不到 {rules.maturity_days} 天。",
            f"{n['maturity']}：消费平稳（近 {w} 天与前 {w} 天相比增减都不到上述幅度），且成为客户已满 {rules.maturity_days} 天。",
            f"{n['decline']}：近 {w} 天消费比前 {w} 天减少 {down:.0%} 以上。",
            f"{n['termination']}：超过 {rules.termination_days} 天没有购买。",
            "规则按 终止 → 获取 → 成长 → 衰退 → 成熟 的顺序判断，第一条成立的规则决定客户的阶段。",
        ]
    return [
        f"{n['acquisition']}: first purchase within the last {rules.new_days} days, or one purchase only "
        "so far (the relationship has just begun).",
        f"{n['growth']}: spend in the last {w} days up {up:.0%} or more on the {w} before; or steady "
        f"spend from a customer of less than {rules.maturity_days} days.",
        f"{n['maturity']}: steady spend (neither threshold crossed) from a customer of "
        f"{rules.maturity_days} days or more.",
        f"{n['decline']}: spend in the last {w} days down {down:.0%} or more on the {w} before.",
        f"{n['termination']}: no purchase for more than {rules.termination_days} days.",
        "The rules are tried in the order termination, acquisition, growth, decline, maturity; the first that "
        "holds decides.",
    ]


def report_figures(
    quality: dict[str, Any],
    *,
    transactions: int,
    customers: int,
    revenue: float,
    repeat: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """The key figures a script reads from the page, the same keys in every language and on every engine.

    Examples
    --------
    >>> q = {"rows_read": 10, "date_min": "2024-01-05", "date_max": "2024-02-01", "duplicates": 1,
    ...      "left_out": {"unpaid": 1, "cancelled": 0, "refunded": 2}, "excluded_nonpositive": 1,
    ...      "excluded_after_as_of": 0, "blank_rows": 0, "policy": {"duplicates": "keep"}}
    >>> figures = report_figures(q, transactions=6, customers=3, revenue=120.5)
    >>> sorted(figures), figures["left_out"]["refunded"]
    (['buyers_left_out', 'customers', 'date_from', 'date_to', 'duplicates_kept', 'left_out', 'partial_refunds', 'repeat_customers', 'revenue', 'rows_read', 'transactions', 'unknown_statuses'], 2)
    """
    policy = quality.get("policy") or {}
    return {
        "rows_read": int(quality["rows_read"]),
        "transactions": int(transactions),
        "customers": int(customers),
        "revenue": round(float(revenue), 2),
        "date_from": str(quality["date_min"])[:10],
        "date_to": str(quality["date_max"])[:10],
        "duplicates_kept": int(quality.get("duplicates") or 0) if policy.get("duplicates", "keep") == "keep" else 0,
        "partial_refunds": round(float(quality.get("partial_refund_amount") or 0.0), 2),
        "left_out": left_out_counts(quality),
        "buyers_left_out": int(quality.get("buyers_left_out") or 0),
        "unknown_statuses": int(sum((quality.get("unknown_statuses") or {}).values())),
        "repeat_customers": None if repeat is None else int(repeat[0]),
    }


#: The opening tag of the key figures on the page.
FIGURES_TAG = '<script type="application/json" id="report-figures">'


def figures_script(figures: dict[str, Any]) -> str:
    """``<script type="application/json" id="report-figures">`` holding ``figures`` (safe inside HTML).

    Examples
    --------
    >>> figures_script({"a": "</script>"})
    '<script type="application/json" id="report-figures">{"a": "<\\\\/script>"}</script>'
    """
    text = json.dumps(figures, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    return f"{FIGURES_TAG}{text}</script>"
