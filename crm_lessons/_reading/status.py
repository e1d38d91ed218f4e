"""Order statuses: which orders are sales and which are not (unpaid, cancelled, refunded), per platform.

A status value is matched exactly (after spaces, case, ``_`` and ``-`` are ignored) against the
values each platform's export writes, never by a part of it: Pinduoduo's normal after-sales value
``无售后或售后取消`` ("no after-sales case, or it was withdrawn") contains 取消 but is a sale.  A
value nobody listed is kept as a sale and listed in the report, not guessed.

The lists, from the platforms' order exports:

- Taobao/Tmall (订单状态): 交易成功, 买家已付款，等待卖家发货, 卖家已发货，等待买家确认 ...; 等待买家付款
  (unpaid); 交易关闭 (closed before payment or after a full refund: cancelled); partial refunds in
  the column 退款金额.
- JD (订单状态): 完成, 等待出库, 等待确认收货 ...; 等待付款; (已)取消; 已退款.
- Pinduoduo: 订单状态 (待发货, 已发货，待签收, 已签收, 已取消, 未发货，退款成功 ...) and 售后状态
  (无售后或售后取消 normal; 退款成功, 退货退款成功 refunded; a case still open is a sale until refunded).
- Douyin shop / Kuaishou shop (订单状态): 已完成, 已发货, 待发货, 备货中 ...; 待支付, 待付款; 已关闭,
  已取消; 售后状态 as Pinduoduo.
- Youzan (订单状态): 交易成功, 已发货, 待发货, 待成团 ...; 待付款; 交易关闭, 已关闭; 退款成功.
- Shopify (Financial Status): paid, partially_refunded (the amount refunded in Refunded Amount);
  pending, authorized, partially_paid, expired (unpaid); voided (cancelled); refunded.
- WooCommerce (Order Status): Completed, Processing; Pending payment, On hold, Failed, Draft
  (unpaid); Cancelled; Refunded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crm_lessons._reading.values import FULL_WIDTH
from crm_lessons._validation import DataError, option, pass_option, quote

#: Why an order is left out, in the order the report lists them.
REASONS = ("unpaid", "cancelled", "refunded")
#: Small codes of a row's status as the readers carry them (0: a sale).
REASON_CODES = {None: 0, "paid": 0, "unpaid": 1, "cancelled": 2, "refunded": 3, "unknown": 4}

_PAID = (
    # Taobao / Tmall, Youzan, Kuaishou
    "交易成功",
    "交易完成",
    "买家已付款，等待卖家发货",
    "卖家已发货，等待买家确认",
    "买家已付款",
    "卖家已发货",
    "等待卖家发货",
    "等待买家确认收货",
    "部分发货",
    "卖家部分发货",
    "已付款",
    "已支付",
    "支付成功",
    "付款成功",
    # JD
    "完成",
    "已完成",
    "订单完成",
    "等待出库",
    "等待发货",
    "等待确认收货",
    "等待收货",
    "已出库",
    "配送中",
    "已收货",
    # Pinduoduo, Douyin, Kuaishou, Youzan, WeChat shop
    "待发货",
    "已发货",
    "已发货，待签收",
    "待签收",
    "已签收",
    "已收货",
    "备货中",
    "待收货",
    "待成团",
    "已成团",
    "待自提",
    "已自提",
    "已核销",
    "待评价",
    "已评价",
    "交易完成",
    "已送达",
    # Shopify financial status; WooCommerce; generic English
    "paid",
    "partially_refunded",
    "completed",
    "complete",
    "processing",
    "shipped",
    "delivered",
    "fulfilled",
    "success",
    "succeeded",
    "settled",
    "captured",
    "wc-completed",
    "wc-processing",
)
_UNPAID = (
    "等待买家付款",
    "等待付款",
    "等待付款确认",
    "待付款",
    "待支付",
    "未付款",
    "未支付",
    "待买家付款",
    "付款中",
    "pending",
    "pending payment",
    "pending_payment",
    "on hold",
    "on-hold",
    "failed",
    "payment failed",
    "authorized",
    "partially_paid",
    "expired",
    "unpaid",
    "awaiting payment",
    "draft",
    "checkout-draft",
    "checkout draft",
    "wc-pending",
    "wc-on-hold",
    "wc-failed",
    "wc-checkout-draft",
)
_CANCELLED = (
    "交易关闭",
    "已关闭",
    "订单关闭",
    "关闭",
    "已取消",
    "取消",
    "订单取消",
    "已作废",
    "作废",
    "交易取消",
    "付款以前，卖家或买家主动关闭交易",
    "未付款，交易关闭",
    "cancelled",
    "canceled",
    "voided",
    "void",
    "closed",
    "wc-cancelled",
)
_REFUNDED = (
    "已退款",
    "退款成功",
    "全额退款",
    "退货退款成功",
    "仅退款成功",
    "退款完成",
    "售后完成，已退款",
    "已退货",
    "付款以后用户退款成功，交易自动关闭",
    "未发货，退款成功",
    "已发货，退款成功",
    "已签收，退款成功",
    "refunded",
    "wc-refunded",
    "returned",
)
#: After-sales (售后状态) values that mean the order stands as a sale: no case, withdrawn, declined, open.
_AFTERSALES_NORMAL = (
    "无售后或售后取消",
    "无售后",
    "售后取消",
    "售后关闭",
    "退款关闭",
    "退款取消",
    "买家撤销",
    "已撤销",
    "拒绝退款",
    "退款中",
    "退款申请中",
    "待商家处理",
    "待买家退货",
    "待商家收货",
    "买家申请退款，待商家处理",
    "-",
)


def norm_status(value: Any) -> str:
    """A status value as matched: no spaces, ``_``, ``-``; lower case; full-width punctuation as ASCII.

    Examples
    --------
    >>> norm_status(" Pending payment "), norm_status("卖家已发货，等待买家确认")
    ('pendingpayment', '卖家已发货,等待买家确认')
    """
    text = str(value).translate(FULL_WIDTH).strip().lower()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "_-")


def _table(**groups: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for reason, values in groups.items():
        for v in values:
            out.setdefault(norm_status(v), reason)
    return out


#: Status value (normalised) -> 'paid', 'unpaid', 'cancelled' or 'refunded'.
STATUS = _table(paid=_PAID + _AFTERSALES_NORMAL, unpaid=_UNPAID, cancelled=_CANCELLED, refunded=_REFUNDED)
#: After-sales value (normalised) -> 'paid' (the sale stands) or 'refunded'.
AFTERSALES = _table(paid=_AFTERSALES_NORMAL, refunded=_REFUNDED)


def status_reason(value: Any) -> str | None:
    """'paid', 'unpaid', 'cancelled', 'refunded', 'unknown' for a status value; None for an empty cell.

    Examples
    --------
    >>> [status_reason(v) for v in ("交易成功", "等待买家付款", "交易关闭", "退款成功", "Pending payment", "On hold")]
    ['paid', 'unpaid', 'cancelled', 'refunded', 'unpaid', 'unpaid']
    >>> status_reason("无售后或售后取消"), status_reason("已审核"), status_reason(None), status_reason(" - ")
    ('paid', 'unknown', None, None)
    """
    text = "" if value is None or (isinstance(value, float) and value != value) else norm_status(value)
    return STATUS.get(text, "unknown") if text else None


def aftersales_reason(value: Any) -> str | None:
    """'refunded' when an after-sales value (售后状态) says the money went back, 'unknown' for a value
    nobody listed, else None (no case, or one that leaves the sale standing).

    Examples
    --------
    >>> aftersales_reason("无售后或售后取消"), aftersales_reason("退款成功"), aftersales_reason("退款中")
    (None, 'refunded', None)
    """
    text = "" if value is None or (isinstance(value, float) and value != value) else norm_status(value)
    found = AFTERSALES.get(text, "unknown") if text else "paid"
    return None if found == "paid" else found


def order_reasons(statuses: Iterable[Any], aftersales: Iterable[Any] | None = None) -> list[str | None]:
    """Why each order is left out ('unpaid', 'cancelled', 'refunded'), 'unknown', or None (a sale).

    The order status decides first (an unpaid or cancelled order is that whatever its after-sales
    value); a paid order whose after-sales value says refunded is refunded.

    Examples
    --------
    >>> order_reasons(["已签收", "已签收", "待付款", "奇怪"], ["无售后或售后取消", "退款成功", "退款成功", None])
    [None, 'refunded', 'unpaid', 'unknown']
    """
    statuses = list(statuses)
    after = [None] * len(statuses) if aftersales is None else [aftersales_reason(v) for v in aftersales]
    out: list[str | None] = []
    for value, a in zip(statuses, after):
        reason = status_reason(value)
        if reason in REASONS:
            out.append(reason)
        elif a == "refunded":
            out.append("refunded")
        else:
            out.append("unknown" if reason == "unknown" else None)
    return out


def is_closed(value: Any) -> bool:
    """Whether one order-status value says unpaid, cancelled or refunded.

    Examples
    --------
    >>> is_closed("交易关闭"), is_closed("交易成功"), is_closed(None), is_closed("无售后或售后取消")
    (True, False, False, False)
    """
    return status_reason(value) in REASONS


def closed_refused(where: str, count: int, column: str, shown: str) -> DataError:
    """Closed orders refused by ``closed_orders='error'`` (``shown``: the rows or values, quoted)."""
    return DataError(
        f"{where}: {count} orders are unpaid, cancelled or refunded in column {quote(column)}: {shown}; "
        "closed_orders='error' was passed; pass closed_orders='drop' or 'keep'"
    )


def all_closed(where: str, column: str) -> DataError:
    """Every order is closed: nothing left to analyse."""
    return DataError(
        f"{where}: every order is unpaid, cancelled or refunded (column {quote(column)}); no sales are "
        f"left to analyse; if this column does not say whether an order was paid, {pass_option('status_col', '...')} "
        f"naming the one that does; to count them anyway {pass_option('closed_orders', 'keep')}",
        zh=f"{where}：所有订单都是未付款、已取消或已退款（列 {quote(column)}），没有可分析的销售；"
        f"如果这一列并不表示订单是否付款，请用 {option('status_col', '...')} 指定表示付款状态的列；"
        f"如仍要计入，请用 {option('closed_orders', 'keep')}",
    )


def closed_warning(left_out: dict[str, int], policy: str, column: str) -> str:
    """The report's note on orders that are not sales, by reason."""
    parts = ", ".join(f"{n} {reason}" for reason, n in left_out.items() if n)
    total = sum(left_out.values())
    return (
        f"{total} orders are not sales by their status in {quote(column)} ({parts}) "
        f"({'left out' if policy == 'drop' else 'kept'}, closed_orders={policy!r})"
    )


def unknown_warning(values: dict[str, int], column: str) -> str:
    """The report's note on status values nobody listed (kept as sales)."""
    shown = ", ".join(f"{quote(v, 30)} ({n})" for v, n in list(values.items())[:8])
    more = f" and {len(values) - 8} more" if len(values) > 8 else ""
    return (
        f"{sum(values.values())} orders have a status in {quote(column)} that is not a known paid, unpaid, "
        f"cancelled or refunded value: {shown}{more}; they are kept as sales"
    )


def partial_warning(count: int, total: float, column: str) -> str:
    """The report's note on refunds of part of an order that stands."""
    return (
        f"{count} orders had part of their amount refunded (column {quote(column)}): {total:,.2f} in all, "
        "subtracted from their amounts"
    )


def line_items_warning(count: int) -> str:
    """The report's note on the further rows of a line-item export."""
    return (
        f"{count} rows are further line items of an order (the export has one row per item and the order's "
        "total on its first row): each order is read as one purchase"
    )


def line_items_repeated(where: str, column: str, order: Any) -> DataError:
    """A line-item export whose orders have a total on more than one row: it cannot be read as one purchase each."""
    return DataError(
        f"{where}: this export has one row per line item, and order {quote(order)} (column {quote(column)}) has an "
        "amount and a customer on more than one row, so its total would be counted once per item; export one row "
        "per order (Shopify: Orders > Export > 'Plain CSV file', which puts the total on each order's first row "
        "only), or keep only the first row of each order",
        zh=f"{where}：这是每个商品一行的导出，订单 {quote(order)}（列 {quote(column)}）在多行上都有金额和客户，"
        "会按商品数重复计算订单总额；请导出每个订单一行的文件（Shopify：订单 > 导出 >“纯 CSV 文件”，"
        "订单总额只在每个订单的第一行），或只保留每个订单的第一行",
    )
