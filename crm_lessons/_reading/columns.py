"""Which column of a file holds each role (customer, date, amount, order status).

The header synonyms of the common exports, the normalisation of a header, and
:func:`resolve_columns`, which maps each role to one column or refuses in one message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from crm_lessons._reading.values import FULL_WIDTH
from crm_lessons._validation import DataError, option, pass_option, quote

# Header synonyms in tiers of preference, compared after norm_header (lower case; no spaces,
# "_", "-", "."; a unit such as "(元)" dropped).  The first tier with a matching column wins, so a
# platform export with several amount columns (Taobao: 总金额, 买家应付货款, 买家实际支付金额)
# gives the amount actually paid; two columns matching the same tier are ambiguous.  The first
# tiers hold the headers of the common exports: Taobao/Tmall, JD, Pinduoduo, Douyin shop,
# Youzan, WeChat shop and generic ERP systems.
SYNONYMS: dict[str, tuple[tuple[str, ...], ...]] = {
    "customer_id": (
        (
            "买家会员名",
            "买家会员id",
            "买家账号",
            "买家帐号",
            "下单账号",
            "下单帐号",
            "下单用户",
            "下单人",
            "客户账号",
            "用户账号",
            "会员账号",
            "买家id",
            "用户id",
            "客户id",
            "会员id",
            "顾客id",
            "客户编号",
            "会员编号",
            "客户编码",
            "客户代码",
            "顾客编号",
            "会员卡号",
            "粉丝id",
            "openid",
            "customerid",
            "custid",
            "customerno",
            "customernumber",
            "custno",
            "memberid",
            "userid",
            "clientid",
            "buyerid",
        ),
        ("买家手机号", "会员手机号", "下单人手机号", "用户手机号"),
        (
            "客户号",
            "会员号",
            "用户编号",
            "客户",
            "顾客",
            "会员",
            "用户",
            "买家",
            "customer",
            "member",
            "user",
            "client",
            "buyer",
        ),
        (
            "买家昵称",
            "用户昵称",
            "粉丝昵称",
            "客户名称",
            "buyernick",
            "收货人手机号",
            "收件人手机号",
            "手机号",
            "手机号码",
            "手机",
        ),
        ("email", "customeremail", "billingemail", "邮箱", "电子邮箱", "买家邮箱"),
    ),
    "date": (
        (
            "订单创建时间",
            "订单提交时间",
            "下单时间",
            "下单日期",
            "订单日期",
            "订单时间",
            "交易时间",
            "交易日期",
            "购买日期",
            "购买时间",
            "消费日期",
            "消费时间",
            "单据日期",
            "业务日期",
            "orderdate",
            "invoicedate",
            "transactiondate",
            "purchasedate",
            "txndate",
            "saledate",
            "orderdatetime",
            "ordertime",
            "createtime",
            "createdtime",
            "createdat",
        ),
        (
            "订单成交时间",
            "成交时间",
            "订单付款时间",
            "付款时间",
            "支付时间",
            "日期",
            "时间",
            "date",
            "time",
            "paymenttime",
            "paidtime",
            "paidat",
        ),
    ),
    "amount": (
        (
            "买家实际支付金额",
            "实际支付金额",
            "实付金额",
            "订单实付金额",
            "用户实付金额",
            "实付款",
            "支付金额",
            "付款金额",
            "amountpaid",
            "paidamount",
            "paymentamount",
        ),
        ("商家实收金额", "实收金额", "实收款", "应付金额", "订单应付金额"),
        (
            "订单金额",
            "交易金额",
            "消费金额",
            "销售额",
            "销售金额",
            "价税合计",
            "金额",
            "总金额",
            "订单总金额",
            "amount",
            "sales",
            "revenue",
            "total",
            "totalamount",
            "orderamount",
            "salesamount",
            "value",
            "monetary",
            "spend",
            "ordertotal",
            "ordertotalamount",
        ),
        ("price",),
    ),
    "status": (
        ("订单状态", "交易状态", "orderstatus"),
        ("状态", "status"),
        ("financialstatus", "paymentstatus", "付款状态", "支付状态"),
    ),
}
#: Columns read when an export has them, found only by these names (never refused when absent or
#: ambiguous): the after-sales status (Pinduoduo, Douyin: 售后状态; not read beside an explicit
#: ``status_col``, which is used alone), and the amount refunded on an order that stands (Taobao:
#: 退款金额; Shopify: Refunded Amount).
OPTIONAL = {
    "aftersales": (("售后状态", "退款状态", "aftersalesstatus", "refundstatus"),),
    "refund": (("退款金额", "已退款金额", "退款总额", "refundamount", "refundedamount", "refundtotal"),),
}
#: Headers of an export with one row per line item (Shopify), the order's total on its first row only.
LINE_ITEM_HEADERS = frozenset({"lineitemname", "lineitemquantity", "lineitemprice", "lineitemsku"})
# Words that make a column a candidate for a role in the "not found" message.
HINT_WORDS = {
    "customer_id": (
        "客户",
        "顾客",
        "会员",
        "用户",
        "买家",
        "账号",
        "帐号",
        "昵称",
        "手机",
        "id",
        "name",
        "cust",
        "member",
        "user",
        "buyer",
        "client",
    ),
    "date": ("时间", "日期", "日", "date", "time", "day"),
    "amount": (
        "金额",
        "额",
        "价",
        "款",
        "付",
        "收",
        "合计",
        "amount",
        "price",
        "total",
        "sum",
        "pay",
        "sales",
        "revenue",
    ),
}
ROLE_ARG = {"customer_id": "customer_col", "date": "date_col", "amount": "amount_col", "status": "status_col"}
ROLE_WORD = {"customer_id": "customer", "date": "date", "amount": "amount", "status": "order status"}
ROLE_ZH = {"customer_id": "客户", "date": "日期", "amount": "金额", "status": "订单状态"}


def norm_header(name: Any) -> str:
    text = re.sub(r"[\s_\-.]+", "", str(name).translate(FULL_WIDTH)).lower()
    return re.sub(r"\((?:元|rmb|cny|¥|￥)\)$", "", text)


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def clean_header(columns: Sequence[Any]) -> list[Any]:
    return [str(c).lstrip("\ufeff").strip() if isinstance(c, str) else c for c in columns]


def columns_text(columns: Sequence[Any], limit: int = 30) -> str:
    """The file's column names for a message: at most ``limit`` of them, each cut short."""
    shown = [str(c) if len(str(c)) <= 40 else str(c)[:40] + "…" for c in columns[:limit]]
    more = f" … ({len(columns)} columns in all)" if len(columns) > limit else ""
    return f"{shown}{more}"


def excel_column(position: int) -> str:
    """The letter Excel shows above a column (position from 0).

    Examples
    --------
    >>> excel_column(0), excel_column(4), excel_column(27)
    ('A', 'E', 'AB')
    """
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_written_once(present: list[Any], name: str, role: str, where: str) -> None:
    """Refuse a header name written more than once when it is the one a role would use."""
    at = [i for i, c in enumerate(present) if str(c) == name]
    if len(at) < 2:
        return
    letters = ", ".join(excel_column(i) for i in at[:-1]) + f" and {excel_column(at[-1])}"
    letters_zh = "、".join(excel_column(i) for i in at)
    other = f"{name}2"
    raise DataError(
        f"{where}: {len(at)} columns are named {quote(name)} (columns {letters}), so which one is the "
        f"{ROLE_WORD[role]} cannot be told; rename one of them in the file (e.g. to {quote(other)}) and read it "
        f"again: the one still named {quote(name)} is used, or {pass_option(ROLE_ARG[role], other)} to use the other",
        zh=f"{where}：有 {len(at)} 列都叫 {quote(name)}（第 {letters_zh} 列），无法判断哪一列是{ROLE_ZH[role]}；"
        f"请在文件中把其中一列改名（如改为 {quote(other)}）后重新读取：仍叫 {quote(name)} 的那一列会被使用，"
        f"或用 {option(ROLE_ARG[role], other)} 使用改名的那一列",
    )


def resolve_columns(columns: Sequence[Any], explicit: dict[str, Any], where: str) -> dict[str, Any]:
    """Map each role to a column: the explicit argument, else the best tier of header synonyms.

    Every role that cannot be found is reported in one message, with the columns that look like
    candidates for it.  The order-status column is optional.  ``columns``: the header as written in
    the file; a name written twice cannot be chosen for a role (pandas and DuckDB would each pick
    one of them their own way), and is refused with how to rename it.

    Examples
    --------
    >>> resolve_columns(["会员编号", "下单时间", "实付金额", "备注"], dict.fromkeys(ROLE_ARG), "t.csv")
    {'customer_id': '会员编号', 'date': '下单时间', 'amount': '实付金额'}
    >>> resolve_columns(["客户", "日期", "金额", "金额"], dict.fromkeys(ROLE_ARG), "t.csv")
    Traceback (most recent call last):
    ...
    crm_lessons._validation.DataError: t.csv: 2 columns are named '金额' (columns C and D), so which one is the amount cannot be told; ...
    """
    present = list(columns)
    by_text = {str(c): c for c in present}
    mapping: dict[str, Any] = {}
    missing: list[str] = []
    for role, given in explicit.items():
        arg = ROLE_ARG[role]
        if given is not None:
            if given in by_text or str(given) in by_text:  # a numeric header such as 2024 matches '2024'
                mapping[role] = by_text[str(given)]
                _check_written_once(present, str(given), role, where)
                continue
            raise DataError(
                f"{where}: {option(arg, given)} is not a column; columns are {columns_text(present)}",
                zh=f"{where}：{option(arg, given)} 不是文件中的列；文件的列为 {columns_text(present)}",
            )
        for tier in SYNONYMS[role]:
            found = [c for c in present if norm_header(c) in tier]  # in file order
            for name in dict.fromkeys(map(str, found)):
                _check_written_once(present, name, role, where)
            if len(found) > 1:
                listed = ", ".join(quote(str(c)) for c in found[:-1]) + f" and {quote(str(found[-1]))}"
                both = "both" if len(found) == 2 else "all"
                raise DataError(
                    f"{where}: ambiguous {ROLE_WORD[role]} column: {listed} {both} look like "
                    f"{ROLE_WORD[role]}; {pass_option(arg, str(found[0]))} (or the other one)",
                    zh=f"{where}：{ROLE_ZH[role]}列不明确：{listed} 都像{ROLE_ZH[role]}列；"
                    f"请用 {option(arg, str(found[0]))}（或另一列）指定",
                )
            if found:
                mapping[role] = found[0]
                break
        else:
            if role != "status":
                missing.append(role)
    if missing:
        used = set(map(str, mapping.values()))
        parts_en, parts_zh, hints = [], [], []
        for role in missing:
            cands = [
                str(c) for c in present if str(c) not in used and any(w in norm_header(c) for w in HINT_WORDS[role])
            ][:8]
            parts_en.append(f"for {ROLE_WORD[role]}: {[quote(c, 40)[1:-1] for c in cands] if cands else 'none'}")
            parts_zh.append(f"{ROLE_ZH[role]}：{[quote(c, 40)[1:-1] for c in cands] if cands else '无'}")
            hints.append(option(ROLE_ARG[role], cands[0] if len(cands) == 1 else "..."))
        roles_en = " and ".join(f"no {ROLE_WORD[r]} column" for r in missing)
        roles_zh = "、".join(f"{ROLE_ZH[r]}列" for r in missing)
        raise DataError(
            f"{where}: {roles_en} found; columns are {columns_text(present)}; "
            f"candidates {'; '.join(parts_en)}; pass {', '.join(hints)}",
            zh=f"{where}：找不到{roles_zh}；文件的列为 {columns_text(present)}；"
            f"可能的列 {'；'.join(parts_zh)}；请用 {' '.join(hints)} 指定",
        )
    assigned = list(mapping.values())
    if len(set(map(str, assigned))) < len(assigned):
        raise DataError(
            f"{where}: the same column is used for two roles: "
            f"{ {ROLE_ARG[r]: str(c) for r, c in mapping.items()} }; give each role its own column",
            zh=f"{where}：同一列被用于两个角色：{ {ROLE_ARG[r]: str(c) for r, c in mapping.items()} }；请为每个角色指定不同的列",
        )
    for role, tiers in OPTIONAL.items():
        if role == "aftersales" and (explicit.get("status") is not None or "status" not in mapping):
            continue
        taken = set(map(str, mapping.values()))
        for tier in tiers:
            found = [c for c in present if norm_header(c) in tier and str(c) not in taken]
            if len(found) == 1 and sum(str(c) == str(found[0]) for c in present) == 1:
                mapping[role] = found[0]
                break
    return mapping


#: Headers of the order number in a line-item export (Shopify: Name, '#1001').
ORDER_HEADERS = ("name", "ordername", "ordernumber", "orderid", "orderno", "订单号", "订单编号")


def order_column(columns: Sequence[Any]) -> Any:
    """The order-number column of a line-item export, or None.

    Examples
    --------
    >>> order_column(["Name", "Email", "Lineitem name"])
    'Name'
    """
    for header in ORDER_HEADERS:
        for c in columns:
            if norm_header(c) == header:
                return c
    return None


def is_line_item_export(columns: Sequence[Any]) -> bool:
    """Whether the header is that of an export with one row per line item (Shopify's orders export).

    Examples
    --------
    >>> is_line_item_export(["Name", "Email", "Total", "Created at", "Lineitem quantity", "Lineitem name"])
    True
    """
    return any(norm_header(c) in LINE_ITEM_HEADERS for c in columns)
