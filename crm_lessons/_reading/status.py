"""Order statuses: which orders are revenue and which are not (unpaid, cancelled, refunded)."""

from __future__ import annotations

from typing import Any

from crm_lessons._reading.columns import norm_header
from crm_lessons._validation import DataError, option, pass_option, quote

# Order statuses that are not revenue (closed, refunded, cancelled, never paid), matched as
# substrings of the normalised status text.
CLOSED_STATUSES = (
    "交易关闭",
    "已关闭",
    "订单关闭",
    "关闭",
    "已退款",
    "退款成功",
    "全额退款",
    "已取消",
    "取消",
    "已作废",
    "作废",
    "等待买家付款",
    "待付款",
    "未付款",
    "cancel",
    "refunded",
    "closed",
    "void",
    "unpaid",
)


def is_closed(value: Any) -> bool:
    """Whether one order-status value says closed, refunded, cancelled or unpaid.

    Examples
    --------
    >>> is_closed("交易关闭"), is_closed("交易成功"), is_closed(None)
    (True, False, False)
    """
    text = norm_header(value) if isinstance(value, str) else ""
    return any(w in text for w in CLOSED_STATUSES)


def closed_refused(where: str, count: int, column: str, shown: str) -> DataError:
    """Closed orders refused by ``closed_orders='error'`` (``shown``: the rows or values, quoted)."""
    return DataError(
        f"{where}: {count} orders are closed, refunded, cancelled or unpaid in column {quote(column)}: {shown}; "
        "closed_orders='error' was passed; pass closed_orders='drop' or 'keep'"
    )


def all_closed(where: str, column: str) -> DataError:
    """Every order is closed: nothing left to analyse."""
    return DataError(
        f"{where}: every order is closed, refunded, cancelled or unpaid (column {quote(column)}); no sales are "
        f"left to analyse; to count them anyway {pass_option('closed_orders', 'keep')}",
        zh=f"{where}：所有订单都是已关闭、已退款、已取消或未付款（列 {quote(column)}），没有可分析的销售；"
        f"如仍要计入，请用 {option('closed_orders', 'keep')}",
    )


def closed_warning(count: int, policy: str) -> str:
    """The report's note on closed orders."""
    return (
        f"{count} orders are closed, refunded, cancelled or unpaid "
        f"({'left out' if policy == 'drop' else 'kept'}, closed_orders={policy!r})"
    )
