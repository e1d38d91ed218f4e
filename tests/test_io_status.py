"""Order statuses per platform (issue 27 item 1): paid, unpaid, cancelled, refunded; partial refunds;
unknown values kept and listed; Shopify line items; the same answer on pandas and DuckDB.

The exports below are small hand-made files with the headers and status values of each platform.
"""

from __future__ import annotations

import pytest

from crm_lessons._validation import DataError
from crm_lessons.io import read_transactions_with_report

TAOBAO = (
    "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,退款金额\n"
    "1001,tb_a,100.00,交易成功,2024-01-05 10:00:00,0\n"
    "1002,tb_b,200.00,交易成功,2024-01-06 11:00:00,50.00\n"
    "1003,tb_c,80.00,等待买家付款,2024-01-07 12:00:00,0\n"
    "1004,tb_a,60.00,交易关闭,2024-01-08 09:00:00,60.00\n"
    "1005,tb_d,90.00,卖家已发货，等待买家确认,2024-01-09 09:00:00,0\n"
    "1006,tb_e,70.00,交易成功,2024-01-10 09:00:00,70.00\n"
)
PDD = (
    "订单号,商品,订单状态,售后状态,用户实付金额(元),订单成交时间,买家id\n"
    "P1,袜子,已签收,无售后或售后取消,39.9,2024-02-01 08:00:00,u1\n"
    "P2,袜子,已签收,退款成功,39.9,2024-02-02 08:00:00,u2\n"
    "P3,毛巾,已发货，待签收,无售后或售后取消,19.9,2024-02-03 08:00:00,u3\n"
    "P4,毛巾,已取消,无售后或售后取消,19.9,2024-02-04 08:00:00,u4\n"
    "P5,毛巾,已签收,退款中,19.9,2024-02-05 08:00:00,u1\n"
)
WOO = (
    "Order ID,Order Date,Order Status,Customer ID,Order Total\n"
    "1,2024-03-01 10:00,Completed,c1,100\n"
    "2,2024-03-02 10:00,Processing,c2,50\n"
    "3,2024-03-03 10:00,Failed,c3,70\n"
    "4,2024-03-04 10:00,Pending payment,c4,30\n"
    "5,2024-03-05 10:00,On hold,c5,20\n"
    "6,2024-03-06 10:00,Cancelled,c1,10\n"
    "7,2024-03-07 10:00,Refunded,c2,40\n"
    "8,2024-03-08 10:00,Awaiting pickup,c6,15\n"
)
SHOPIFY = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Total,Refunded Amount,Created at,Lineitem quantity,Lineitem name\n"
    "#1001,a@x.com,paid,2024-04-01 10:00:00 +0800,fulfilled,120.00,0.00,2024-04-01 09:59:00 +0800,1,Mug\n"
    "#1001,,,,,,,2024-04-01 09:59:00 +0800,2,Spoon\n"
    "#1002,b@x.com,partially_refunded,2024-04-02 10:00:00 +0800,fulfilled,80.00,30.00,2024-04-02 09:59:00 +0800,1,Tea\n"
    "#1003,c@x.com,pending,,,55.00,0.00,2024-04-03 09:59:00 +0800,1,Tea\n"
    "#1004,a@x.com,refunded,2024-04-04 10:00:00 +0800,,40.00,40.00,2024-04-04 09:59:00 +0800,1,Mug\n"
    "#1004,,,,,,,2024-04-04 09:59:00 +0800,1,Lid\n"
    "#1005,d@x.com,voided,,,25.00,0.00,2024-04-05 09:59:00 +0800,1,Tea\n"
)
SHOPIFY_REPEATED = (
    "Name,Email,Financial Status,Total,Created at,Lineitem quantity,Lineitem name\n"
    "#1001,a@x.com,paid,120.00,2024-04-01 09:59:00,1,Mug\n"
    "#1001,a@x.com,paid,120.00,2024-04-01 09:59:00,2,Spoon\n"
)
EXPORTS = {"taobao": TAOBAO, "pinduoduo": PDD, "woocommerce": WOO, "shopify": SHOPIFY}
ENGINES = ["pandas", "duckdb"]


def _read(tmp_path, text, engine, **kwargs):
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    if engine == "pandas":
        tx, rep = read_transactions_with_report(path, **kwargs)
    else:
        pytest.importorskip("duckdb")
        from crm_lessons.engines import execute, read_source

        table, rep = read_source(path, engine=engine, **kwargs)
        tx = execute(table)
    return sorted(zip(tx["customer_id"], tx["amount"].round(2))), rep


@pytest.mark.parametrize("engine", ENGINES)
def test_taobao_unpaid_closed_and_refunds(tmp_path, engine):
    rows, rep = _read(tmp_path, TAOBAO, engine)
    assert rows == [("tb_a", 100.0), ("tb_b", 150.0), ("tb_d", 90.0)]  # 200 - 50 refunded on 交易成功
    assert rep.left_out == {"unpaid": 1, "cancelled": 1, "refunded": 1} and rep.closed_orders == 3
    assert (rep.partial_refunds, rep.partial_refund_amount) == (1, 50.0)
    assert rep.buyers_left_out == 2  # tb_c (unpaid only), tb_e (fully refunded only)
    assert rep.column_map["refund"] == "退款金额"
    assert any("part of their amount refunded (column '退款金额'): 50.00 in all, subtracted" in w for w in rep.warnings)


@pytest.mark.parametrize("engine", ENGINES)
def test_pinduoduo_aftersales(tmp_path, engine):
    rows, rep = _read(tmp_path, PDD, engine)
    assert rows == [("u1", 19.9), ("u1", 39.9), ("u3", 19.9)]  # 退款成功 in 售后状态 left out; 退款中 stands
    assert rep.left_out == {"unpaid": 0, "cancelled": 1, "refunded": 1}
    assert rep.column_map["aftersales"] == "售后状态"


@pytest.mark.parametrize("engine", ENGINES)
def test_explicit_status_col_is_used_alone(tmp_path, engine):
    """--status-col 售后状态: 无售后或售后取消 (it contains 取消) is the normal value, not a cancellation."""
    rows, rep = _read(tmp_path, PDD, engine, status_col="售后状态")
    assert rows == [("u1", 19.9), ("u1", 39.9), ("u3", 19.9), ("u4", 19.9)]
    assert rep.left_out == {"unpaid": 0, "cancelled": 0, "refunded": 1} and "aftersales" not in rep.column_map


@pytest.mark.parametrize("engine", ENGINES)
def test_woocommerce_unpaid_statuses_and_unknown_value(tmp_path, engine):
    rows, rep = _read(tmp_path, WOO, engine)
    assert sum(a for _, a in rows) == 165.0  # Completed, Processing and the unknown value; not 335
    assert rep.left_out == {"unpaid": 3, "cancelled": 1, "refunded": 1}
    assert rep.unknown_statuses == {"Awaiting pickup": 1}
    assert any("'Awaiting pickup' (1); they are kept as sales" in w for w in rep.warnings)


@pytest.mark.parametrize("engine", ENGINES)
def test_shopify_line_items_one_purchase_per_order(tmp_path, engine):
    rows, rep = _read(tmp_path, SHOPIFY, engine)
    assert rows == [("a@x.com", 120.0), ("b@x.com", 50.0)]
    assert rep.line_items == 2 and rep.blank_rows == 0
    assert rep.left_out == {"unpaid": 1, "cancelled": 1, "refunded": 1}
    assert rep.partial_refunds == 1 and rep.column_map["status"] == "Financial Status"


@pytest.mark.parametrize("engine", ENGINES)
def test_shopify_total_on_every_row_is_refused_in_one_line(tmp_path, engine):
    with pytest.raises(DataError) as err:
        _read(tmp_path, SHOPIFY_REPEATED, engine)
    text = str(err.value)
    assert "\n" not in text and "order '#1001' (column 'Name')" in text and "Plain CSV file" in text


@pytest.mark.parametrize("engine", ENGINES)
def test_keep_closed_orders_keeps_them_and_still_counts(tmp_path, engine):
    rows, rep = _read(tmp_path, WOO, engine, closed_orders="keep")
    assert len(rows) == 8 and rep.left_out == {"unpaid": 3, "cancelled": 1, "refunded": 1}


def test_status_values_matched_exactly_not_by_substring():
    from crm_lessons._reading.status import order_reasons, status_reason

    assert status_reason("无售后或售后取消") == "paid"
    assert status_reason("取消订单审核中") == "unknown"  # contains 取消: not guessed
    assert order_reasons(["Pending payment", "On hold", "Failed", "pending_payment", "wc-on-hold"]) == ["unpaid"] * 5
    assert order_reasons(["交易成功"], ["退款成功"]) == ["refunded"]
    assert order_reasons(["等待买家付款"], ["退款成功"]) == ["unpaid"]


def test_report_fields_on_every_engine_have_the_same_keys(tmp_path):
    pytest.importorskip("duckdb")
    _, on_pandas = _read(tmp_path, TAOBAO, "pandas")
    _, on_duckdb = _read(tmp_path, TAOBAO, "duckdb")
    assert on_pandas.to_dict().keys() == on_duckdb.to_dict().keys()
    for key in ("left_out", "partial_refunds", "partial_refund_amount", "buyers_left_out", "closed_orders"):
        assert on_pandas.to_dict()[key] == on_duckdb.to_dict()[key], key
