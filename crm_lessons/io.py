"""Read users' own transaction files into the canonical frame every chapter uses.

Students and analysts bring CSV files exported by Excel on Windows (often in
GBK/GB18030), UTF-8 files with or without a byte-order mark, ``.xlsx``
workbooks and tab-separated text, with Chinese or English headers, amounts
written as ``¥1,234.50`` and dates written as ``2024年1月5日``.
:func:`read_transactions` turns any of them into three typed columns
(``customer_id``, ``date``, ``amount``) and reports what it found in a
:class:`DataQualityReport`; a problem that stops the analysis raises
:class:`crm_lessons.DataError` naming the file, the column, the first
offending rows (as numbered in Excel: the header is row 1) and what to do.

The input file is only read, never written.

Examples
--------
>>> import io
>>> from crm_lessons.io import read_transactions
>>> csv = "会员编号,下单时间,实付金额\\nA01,2024/1/5,\\"￥1,234.50\\"\\nA02,2024年2月1日,88 元\\n"
>>> read_transactions(io.BytesIO(csv.encode("gbk")))
  customer_id       date   amount
0         A01 2024-01-05  1234.50
1         A02 2024-02-01    88.00
"""

from __future__ import annotations

import codecs
import datetime as _dt
import io as _io
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from os import PathLike
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import pandas as pd

from crm_lessons._ids import _digit_codes, digit_parts
from crm_lessons._validation import _INTERFACE, DataError, option, pass_option, quote, to_timestamp

__all__ = ["DataQualityReport", "read_transactions", "read_transactions_with_report"]

Policy = Literal["keep", "drop", "error"]
_POLICIES = ("keep", "drop", "error")
_WHERE = "read_transactions"

# Header synonyms in tiers of preference, compared after _norm_header (lower case; no spaces,
# "_", "-", "."; a unit such as "(元)" dropped).  The first tier with a matching column wins, so a
# platform export with several amount columns (Taobao: 总金额, 买家应付货款, 买家实际支付金额)
# gives the amount actually paid; two columns matching the same tier are ambiguous.  The first
# tiers hold the headers of the common exports: Taobao/Tmall, JD, Pinduoduo, Douyin shop,
# Youzan, WeChat shop and generic ERP systems.
_SYNONYMS: dict[str, tuple[tuple[str, ...], ...]] = {
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
        ),
        ("price",),
    ),
    "status": (
        ("订单状态", "交易状态", "orderstatus"),
        ("状态", "status"),
    ),
}
# Words that make a column a candidate for a role in the "not found" message.
_HINT_WORDS = {
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
# Order statuses that are not revenue (closed, refunded, cancelled, never paid), matched as
# substrings of the normalised status text.
_CLOSED_STATUSES = (
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
_ROLE_ARG = {"customer_id": "customer_col", "date": "date_col", "amount": "amount_col", "status": "status_col"}
_ROLE_WORD = {"customer_id": "customer", "date": "date", "amount": "amount", "status": "order status"}
_ROLE_ZH = {"customer_id": "客户", "date": "日期", "amount": "金额", "status": "订单状态"}

# Date formats tried in order on the values still unparsed (fast, vectorised).
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y年%m月%d日",
    "%Y.%m.%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
)
# Formats pandas parses in C; a whole column in one of these is parsed while the file is read.
_ISO_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")
# Formats that would also read malformed text ('2024115' as 2024-11-05) only see text of this shape.
_FORMAT_GUARD = {"%Y%m%d": r"^\d{8}$"}
# Excel stores dates as days since 1899-12-30; five digits cover 1927-05-18 .. 2173-10-14.
_EXCEL_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
_EXCEL_ORIGIN = pd.Timestamp("1899-12-30")

_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９．，－（）＋　",
    "0123456789.,-()+ ",
)
_CURRENCY = re.compile(r"(?i)rmb|cny|usd|元|[¥￥$€£\s]")
# thousands separators only where they group digits by three: '1,234.5' yes, '1,5' no (decimal comma?)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


@dataclass
class DataQualityReport:
    """What :func:`read_transactions_with_report` found in a file.

    Attributes
    ----------
    source : str
        File name (or ``'<DataFrame>'``, ``'<file object>'``).
    file_format : str
        ``'csv'``, ``'excel'`` or ``'dataframe'``.
    encoding : str or None
        Text encoding used (``'utf-8'``, ``'utf-8-sig'`` when a byte-order
        mark was present, ``'gb18030'``, or the one passed); None for Excel
        and DataFrames.
    delimiter : str or None
        Field separator of a text file.
    column_map : dict
        Canonical name -> column in the file, e.g. ``{'customer_id': '会员编号'}``.
    rows_read : int
        Data rows in the file (header excluded), blank rows included.
    blank_rows : int
        Rows whose customer, date and amount cells were all empty (skipped).
    rows_kept : int
        Rows in the returned frame.
    customers : int
        Distinct customers in the returned frame.
    returns : int
        Rows with a negative amount (returns, refunds) among the non-blank rows.
    zero_amounts : int
        Rows with an amount of exactly 0.
    duplicates : int
        Rows identical to an earlier row in every column (after parsing).
    future : int or None
        Rows dated after ``as_of``; None when no ``as_of`` was given.
    date_min, date_max : str or None
        First and last date in the returned frame (``YYYY-MM-DD``).
    as_of : str or None
        The ``as_of`` used for the future-date check.
    policy : dict
        ``{'returns': ..., 'duplicates': ..., 'future': ...}`` as passed.
    warnings : list of str
        Plain-language notes (English) on everything above that deserves a look;
        :func:`crm_lessons.report.reading_notes` says what a report did with
        these rows in Chinese or English, without parameter names.
    closed_orders : int
        Orders whose status (column ``column_map['status']``) says closed,
        refunded, cancelled or unpaid, counted whatever the policy.

    Examples
    --------
    >>> import io
    >>> _, rep = read_transactions_with_report(io.StringIO("customer,date,amount\\n1,2024-01-05,-3\\n"))
    >>> rep.returns, rep.rows_kept
    (1, 1)
    >>> rep.summary_lines("en")[0]
    "Read 1 rows from <file object> (format csv, delimiter ',')."
    """

    source: str
    file_format: str
    encoding: str | None
    delimiter: str | None
    column_map: dict[str, str]
    rows_read: int
    blank_rows: int
    rows_kept: int
    customers: int
    returns: int
    zero_amounts: int
    duplicates: int
    future: int | None
    date_min: str | None
    date_max: str | None
    as_of: str | None
    policy: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    closed_orders: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain Python types only (JSON-serialisable).

        Examples
        --------
        >>> import io
        >>> _, rep = read_transactions_with_report(io.StringIO("customer,date,amount\\n1,2024-01-05,3\\n"))
        >>> rep.to_dict()["column_map"]
        {'customer_id': 'customer', 'date': 'date', 'amount': 'amount'}
        """
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        """One row per item, column ``value`` (lists and dicts shown as text).

        Examples
        --------
        >>> import io
        >>> _, rep = read_transactions_with_report(io.StringIO("customer,date,amount\\n1,2024-01-05,3\\n"))
        >>> rep.to_frame().loc["rows_kept", "value"]
        '1'
        """
        items = {}
        for key, value in self.to_dict().items():
            if isinstance(value, list):
                value = "; ".join(value)
            elif isinstance(value, dict):
                value = ", ".join(f"{k}={v}" for k, v in value.items())
            items[key] = "" if value is None else str(value)
        frame = pd.DataFrame({"value": pd.Series(items, dtype=object)})
        frame.index.name = "item"
        return frame

    def summary_lines(self, lang: str = "zh") -> list[str]:
        """A short data-quality summary, one sentence per line.

        Parameters
        ----------
        lang : {'zh', 'en'}
            Chinese (default) or English.

        Examples
        --------
        >>> import io
        >>> _, rep = read_transactions_with_report(io.StringIO("customer,date,amount\\n1,2024-01-05,3\\n"))
        >>> print("\\n".join(rep.summary_lines("zh")))
        从 <file object> 读取 1 行（格式 csv，分隔符 ','）。
        列对应：客户 = 'customer'，日期 = 'date'，金额 = 'amount'。
        保留 1 行，1 位客户，日期范围 2024-01-05 至 2024-01-05。
        退货/负金额 0 行，完全重复 0 行，零金额 0 行。
        """
        if lang not in ("zh", "en"):
            raise ValueError(f"lang={lang!r} should be 'zh' or 'en'")
        zh = lang == "zh"
        fmt = f"format {self.file_format}" if not zh else f"格式 {self.file_format}"
        if self.encoding:
            fmt += f", encoding {self.encoding}" if not zh else f"，编码 {self.encoding}"
        if self.delimiter:
            fmt += f", delimiter {self.delimiter!r}" if not zh else f"，分隔符 {self.delimiter!r}"
        cm = self.column_map
        if zh:
            lines = [
                f"从 {self.source} 读取 {self.rows_read} 行（{fmt}）。",
                f"列对应：客户 = {cm['customer_id']!r}，日期 = {cm['date']!r}，金额 = {cm['amount']!r}。",
                f"保留 {self.rows_kept} 行，{self.customers} 位客户，日期范围 {self.date_min} 至 {self.date_max}。",
                f"退货/负金额 {self.returns} 行，完全重复 {self.duplicates} 行，零金额 {self.zero_amounts} 行。",
            ]
            if self.blank_rows:
                lines.append(f"跳过空行 {self.blank_rows} 行。")
            if self.future is not None:
                lines.append(f"晚于 as_of={self.as_of} 的行：{self.future} 行。")
        else:
            lines = [
                f"Read {self.rows_read} rows from {self.source} ({fmt}).",
                f"Columns: customer = {cm['customer_id']!r}, date = {cm['date']!r}, amount = {cm['amount']!r}.",
                f"Kept {self.rows_kept} rows, {self.customers} customers, dates {self.date_min} to {self.date_max}.",
                f"Returns/negative amounts: {self.returns} rows; exact duplicates: {self.duplicates} rows; "
                f"zero amounts: {self.zero_amounts} rows.",
            ]
            if self.blank_rows:
                lines.append(f"Skipped {self.blank_rows} blank rows.")
            if self.future is not None:
                lines.append(f"Rows dated after as_of={self.as_of}: {self.future}.")
        return lines


# ---------------------------------------------------------------- reading


#: Memory that reading a text file into pandas takes, as a multiple of its size on disk: the raw
#: bytes, the parsed text columns and the typed result (a 2 GiB CSV took 14.8 GB, about 7.4x).
MEMORY_FACTOR = 8


def _available_memory() -> int | None:
    """Bytes of memory available to this process now, or None where it cannot be told."""
    import os

    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    if os.name == "nt":  # pragma: no cover - Windows only
        import ctypes

        class _Status(ctypes.Structure):
            _fields_ = [
                ("dwLength", ctypes.c_ulong),
                ("dwMemoryLoad", ctypes.c_ulong),
                ("ullTotalPhys", ctypes.c_ulonglong),
                ("ullAvailPhys", ctypes.c_ulonglong),
                ("ullTotalPageFile", ctypes.c_ulonglong),
                ("ullAvailPageFile", ctypes.c_ulonglong),
                ("ullTotalVirtual", ctypes.c_ulonglong),
                ("ullAvailVirtual", ctypes.c_ulonglong),
                ("ullAvailExtendedVirtual", ctypes.c_ulonglong),
            ]

        status = _Status()
        status.dwLength = ctypes.sizeof(_Status)
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            return int(status.ullAvailPhys)
        return None
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _size(nbytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} GB"  # pragma: no cover


def check_memory(nbytes: int, *, where: str = _WHERE, available: int | None = None) -> None:
    """Refuse, before reading, a file that would not fit in memory.

    Parameters
    ----------
    nbytes : int
        Size of the file on disk.
    where : str
        Prefix of the message.
    available : int, optional
        Bytes of memory available (default: asked of the operating system).

    Raises
    ------
    DataError
        ``nbytes * MEMORY_FACTOR`` exceeds the memory available.

    Examples
    --------
    >>> check_memory(10_000_000, available=8 * 2**30)
    >>> check_memory(2 * 2**30, where="big.csv", available=8 * 2**30)
    Traceback (most recent call last):
    ...
    crm_lessons._validation.DataError: big.csv: the file is 2.0 GB and needs about 16.0 GB of memory to read, ...
    """
    available = _available_memory() if available is None else available
    need = nbytes * MEMORY_FACTOR
    if available is not None and need > available:
        if duckdb_installed():
            how = (
                f"read it with DuckDB, which works out of memory: {option('engine', 'duckdb')} "
                "(crm_lessons.engines.read_source; see 'Large data' in the README)"
            )
            how_zh = (
                f"请改用可在内存之外计算的 DuckDB：{option('engine', 'duckdb')}"
                "（crm_lessons.engines.read_source；见 README 的 “Large data”）"
            )
        else:
            how = (
                'install the DuckDB engine, which works out of memory, with pip install "crm-lessons[duckdb]" '
                f"and use {option('engine', 'duckdb')} (see 'Large data' in the README)"
            )
            how_zh = (
                '请用 pip install "crm-lessons[duckdb]" 安装可在内存之外计算的 DuckDB 引擎，'
                f"再用 {option('engine', 'duckdb')}（见 README 的 “Large data”）"
            )
        raise DataError(
            f"{where}: the file is {_size(nbytes)} and needs about {_size(need)} of memory to read, but only "
            f"{_size(available)} is available; {how}, or split the file by date and read the parts",
            zh=f"{where}：文件大小 {_size(nbytes)}，读入约需 {_size(need)} 内存，而当前只有 {_size(available)} 可用；"
            f"{how_zh}，或按日期拆分文件后分别读取",
        )


def fits_in_memory(nbytes: int, *, available: int | None = None) -> bool:
    """Whether a text file of ``nbytes`` can be read into pandas (see :func:`check_memory`).

    Examples
    --------
    >>> fits_in_memory(10_000_000, available=8 * 2**30), fits_in_memory(2 * 2**30, available=8 * 2**30)
    (True, False)
    """
    available = _available_memory() if available is None else available
    return available is None or nbytes * MEMORY_FACTOR <= available


def duckdb_installed() -> bool:
    """Whether the optional DuckDB engine (``pip install "crm-lessons[duckdb]"``) is installed; imports nothing.

    Examples
    --------
    >>> isinstance(duckdb_installed(), bool)
    True
    """
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in ("ibis", "duckdb", "pyarrow"))


def _norm_header(name: Any) -> str:
    text = re.sub(r"[\s_\-.]+", "", str(name).translate(_FULL_WIDTH)).lower()
    return re.sub(r"\((?:元|rmb|cny|¥|￥)\)$", "", text)


def _describe(source: Any) -> str:
    if isinstance(source, (str, PathLike)):
        return str(source)
    if isinstance(source, pd.DataFrame):
        return "<DataFrame>"
    name = getattr(source, "name", None)
    return str(name) if isinstance(name, str) else "<file object>"


def _raw_content(source: Any, where: str) -> tuple[bytes | str, str]:
    """Bytes (or text, for a text file object) of the source and its file suffix."""
    if isinstance(source, (str, PathLike)):
        path = Path(source)
        if not path.is_file():
            raise DataError(
                f"{where}: file not found: {str(path)!r}; check the path and the working directory",
                zh=f"{where}：找不到文件 {str(path)!r}；请检查路径和当前文件夹",
            )
        check_memory(path.stat().st_size, where=where)
        return path.read_bytes(), path.suffix.lower()
    if hasattr(source, "read"):
        content = source.read()
        if not isinstance(content, (bytes, str)):
            raise TypeError(f"{where}: the file object returned {type(content).__name__}, expected bytes or str")
        name = getattr(source, "name", "")
        return content, Path(name).suffix.lower() if isinstance(name, str) else ""
    raise TypeError(
        f"read_transactions: source should be a path, an open file or a DataFrame, got {type(source).__name__}"
    )


def _utf16(data: bytes) -> str | None:
    """'utf-16' for a byte-order mark, 'utf-16-le'/'utf-16-be' for BOM-less UTF-16 text, else None.

    Excel's "Unicode text" export is UTF-16 with a byte-order mark; without one, ASCII
    characters show as a zero byte beside every character.
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = data[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _decode_check(data: bytes, encoding: str | None, where: str) -> str:
    """Return the encoding to use; UTF-16 when it is that, else UTF-8 strictly, then GB18030."""
    if encoding is not None:
        try:
            data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(
                f"{where}: cannot decode the file as {option('encoding', encoding)} ({exc}); "
                "leave the encoding out to detect UTF-8 or GBK/GB18030 automatically",
                zh=f"{where}：无法按编码 {encoding!r} 解码文件；不指定编码即可自动识别 UTF-8 或 GBK/GB18030",
            ) from exc
        return encoding
    utf16 = _utf16(data)
    if utf16 is not None:
        try:
            data.decode(utf16)
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{where}: the file looks like UTF-16 text but does not decode as {utf16}; save it "
                "from Excel as 'CSV UTF-8'",
                zh=f"{where}：文件像 UTF-16 文本，但无法按 {utf16} 解码；请在 Excel 中另存为“CSV UTF-8”",
            ) from exc
        return utf16
    if b"\x00" in data[:65536]:
        raise DataError(
            f"{where}: this is not a text file (it holds zero bytes); export the data as CSV "
            "(UTF-8 or GBK) or as an .xlsx workbook",
            zh=f"{where}：这不是文本文件（含有零字节）；请导出为 CSV（UTF-8 或 GBK）或 .xlsx 工作簿",
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    # the start decides; a bad byte further on stops pandas' strict decoding while reading (_read_frame),
    # with the same message, so a GBK file is decoded once instead of twice
    try:
        codecs.getincrementaldecoder("gb18030")().decode(data[:_GB18030_CHECK], final=len(data) <= _GB18030_CHECK)
    except UnicodeDecodeError as exc:
        raise _not_utf8_or_gbk(where) from exc
    return "gb18030"


#: Bytes at the start of a non-UTF-8 file decoded to decide that it is GB18030.
_GB18030_CHECK = 1 << 20


def _not_utf8_or_gbk(where: str) -> DataError:
    return DataError(
        f"{where}: the file is neither UTF-8 nor GBK/GB18030 text; save it from Excel as "
        f"'CSV UTF-8' or {pass_option('encoding')}",
        zh=f"{where}：文件既不是 UTF-8 也不是 GBK/GB18030 文本；请在 Excel 中另存为“CSV UTF-8”，或用 {option('encoding')} 指定编码",
    )


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _clean_header(columns: Sequence[Any]) -> list[Any]:
    return [str(c).lstrip("\ufeff").strip() if isinstance(c, str) else c for c in columns]


def _read_workbook(content: bytes, sheet_name: str | int | None, where: str) -> tuple[pd.DataFrame, str]:
    """The data sheet of a workbook: ``sheet_name`` if given, else the one visible sheet with data.

    A hidden sheet is never read unless named; when several visible sheets hold data the
    user is asked to choose, with their names listed.
    """
    import zipfile

    from openpyxl import load_workbook

    not_workbook = DataError(
        f"{where}: this is not a readable Excel workbook (damaged, truncated, or another file renamed to "
        ".xlsx); open it in Excel and save it again as .xlsx or as CSV UTF-8",
        zh=f"{where}：这不是可读取的 Excel 工作簿（已损坏、不完整，或是改了扩展名的其他文件）；"
        "请在 Excel 中打开后重新另存为 .xlsx 或“CSV UTF-8”",
    )
    if not zipfile.is_zipfile(_io.BytesIO(content)):
        raise not_workbook
    try:
        book = load_workbook(_io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, BadZipFile, InvalidFileException, ...
        raise not_workbook from exc
    try:
        sheets = [(ws.title, ws.sheet_state, ws) for ws in book.worksheets]
        if sheet_name is not None:
            names = [n for n, _, _ in sheets]
            if isinstance(sheet_name, int) and not isinstance(sheet_name, bool) and 0 <= sheet_name < len(names):
                chosen = names[sheet_name]
            elif str(sheet_name) in names:
                chosen = str(sheet_name)
            else:
                raise DataError(
                    f"{where}: the workbook has no sheet {sheet_name!r}; its sheets are {names}; "
                    f"{pass_option('sheet_name')}",
                    zh=f"{where}：工作簿中没有工作表 {sheet_name!r}；工作表有 {names}；请用 {option('sheet_name')} 指定",
                )
        else:

            def has_data(ws: Any) -> bool:
                return (
                    any(any(v is not None for v in row) for _, row in zip(range(2), ws.iter_rows(values_only=True)))
                    and (ws.max_row or 0) >= 2
                )

            visible = [n for n, state, ws in sheets if state == "visible" and has_data(ws)]
            if not visible:
                raise DataError(
                    f"{where}: no visible worksheet holds data (a header row and data rows); "
                    f"sheets are {[n for n, _, _ in sheets]}; {pass_option('sheet_name')} to read a hidden one",
                    zh=f"{where}：没有可见的工作表含有数据（表头和数据行）；工作表有 {[n for n, _, _ in sheets]}；"
                    f"要读取隐藏的工作表请用 {option('sheet_name')} 指定",
                )
            if len(visible) > 1:
                raise DataError(
                    f"{where}: several visible worksheets hold data: {visible}; {pass_option('sheet_name', visible[0])} "
                    "(or another one)",
                    zh=f"{where}：有多个可见工作表含有数据：{visible}；请用 {option('sheet_name', visible[0])}（或另一个）指定",
                )
            chosen = visible[0]
    finally:
        book.close()
    try:
        # cells keep their own Python types (an Excel TRUE stays a bool, not 1); columns
        # that are not inspected cell by cell get pandas' inferred types back afterwards
        frame = pd.read_excel(_io.BytesIO(content), sheet_name=chosen, engine="openpyxl", dtype=object)
    except Exception as exc:
        raise not_workbook from exc
    if frame.shape[1] == 0:
        raise DataError(
            f"{where}: the worksheet {chosen!r} is empty; put a header row and data rows in it "
            f"or {pass_option('sheet_name')}",
            zh=f"{where}：工作表 {chosen!r} 是空的；请放入表头和数据行，或用 {option('sheet_name')} 指定其他工作表",
        )
    return frame, chosen


def _read_frame(
    source: Any,
    *,
    encoding: str | None,
    sep: str | None,
    sheet_name: str | int | None,
    explicit: dict[str, str | None],
    where: str,
    date_format: str | None = None,
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """Read the source: the role columns as text (or clean values), the others with pandas' own types.

    Excel cells keep their own types (numbers, datetimes, text).  Returns the
    frame (header names cleaned), facts for the report, and the column mapping.

    A CSV file is read in one pass with the customer column as text, the amount
    column as pandas infers it and the date column parsed with the one ISO 8601
    format that reads the first rows (when one does; else as text, whose
    distinct values are parsed later).  A date or amount column whose
    values all come out clean (no missing value, no infinite amount, no year
    outside 1678-2261) is final and is put in ``info["parsed"]``; any other is
    read again as text and goes through the cell-by-cell checks, so a clean file
    costs about what ``pandas.read_csv`` does, and a messy one gets every check.
    """
    info: dict[str, Any] = {"encoding": None, "delimiter": None}
    content, suffix = _raw_content(source, where)
    if isinstance(content, bytes) and (suffix in (".xlsx", ".xlsm") or content[:4] == b"PK\x03\x04"):
        info["file_format"] = "excel"
        frame, info["sheet"] = _read_workbook(content, sheet_name, where)
        frame.columns = _clean_header(frame.columns)
        mapping = _resolve_columns(frame, explicit, where)
        roles = {mapping[r] for r in ("customer_id", "date", "amount")}
        for col in frame.columns:
            if col not in roles:
                frame[col] = frame[col].infer_objects()
        return frame, info, mapping
    if suffix == ".xls" or (isinstance(content, bytes) and content[:4] == b"\xd0\xcf\x11\xe0"):
        raise DataError(
            f"{where}: old Excel .xls files are not supported; open it in Excel and save as .xlsx or CSV",
            zh=f"{where}：不支持旧版 Excel .xls 文件；请在 Excel 中打开并另存为 .xlsx 或 CSV",
        )
    info["file_format"] = "csv"
    if isinstance(content, bytes):
        enc = _decode_check(content, encoding, where)
        text_head = content[:65536].decode(enc, errors="ignore")
        info["encoding"] = enc
    else:
        enc = None
        text_head = content[:65536]
    if not text_head.strip():
        raise DataError(
            f"{where}: the file is empty; export the data again with a header row and data rows",
            zh=f"{where}：文件是空的；请重新导出，包含表头和数据行",
        )
    first_line = text_head.lstrip("\ufeff").lstrip("\r\n").split("\n", 1)[0]
    delimiter = sep if sep is not None else _sniff_delimiter(first_line)
    info["delimiter"] = delimiter
    buffer: IO[Any] = _io.BytesIO(content) if isinstance(content, bytes) else _io.StringIO(content)
    try:
        header = pd.read_csv(buffer, sep=delimiter, nrows=0, encoding=enc, engine="c")
        raw_names = dict(zip(_clean_header(header.columns), header.columns))
        header.columns = list(raw_names)
        mapping = _resolve_columns(header, explicit, where)
        csv_options = {"sep": delimiter, "skip_blank_lines": False, "encoding": enc, "engine": "c"}
        raw_date, raw_amount = raw_names[mapping["date"]], raw_names[mapping["amount"]]
        raw_customer = raw_names[mapping["customer_id"]]
        head = _head_frame(text_head, csv_options, [raw_customer, raw_date])
        fmt = _head_date_format(head, raw_date, date_format)
        # ids that pandas reads as text anyway (C000123) are not forced to text, which costs more;
        # integer-looking ids are, so that 007 stays 007
        ids_text = head is not None and isinstance(head[raw_customer].dtype, pd.StringDtype)
        buffer.seek(0)
        frame = pd.read_csv(
            buffer,
            dtype={} if ids_text else {raw_customer: str},
            **({"parse_dates": [raw_date], "date_format": fmt} if fmt else {}),
            **csv_options,
        )
        if not isinstance(frame[raw_customer].dtype, pd.StringDtype):  # numbers after the first rows
            buffer.seek(0)
            frame[raw_customer] = pd.read_csv(buffer, usecols=[raw_customer], dtype={raw_customer: str}, **csv_options)[
                raw_customer
            ]
        parsed = {}
        for role, raw_col, clean in (("date", raw_date, _clean_dates), ("amount", raw_amount, _clean_amounts)):
            values = clean(frame[raw_col])
            if values is not None:
                parsed[role] = values
            elif not isinstance(frame[raw_col].dtype, pd.StringDtype):  # e.g. numbers with a gap: read as text
                buffer.seek(0)
                frame[raw_col] = pd.read_csv(buffer, usecols=[raw_col], dtype={raw_col: str}, **csv_options)[raw_col]
        info["parsed"] = parsed
    except UnicodeDecodeError as exc:  # past the start that _decode_check looked at (GB18030 guessed)
        raise _not_utf8_or_gbk(where) from exc
    except pd.errors.ParserError as exc:
        detail = " ".join(str(exc).split())[:200]
        m = re.search(r"line (\d+), saw (\d+)", detail)
        zh_detail = f"第 {m.group(1)} 行有 {m.group(2)} 个字段" if m else detail
        raise DataError(
            f"{where}: cannot split the rows into columns with delimiter {delimiter!r} ({detail}); "
            f"check that row in the file (a stray delimiter or quote) or {pass_option('sep')}",
            zh=f"{where}：无法用分隔符 {delimiter!r} 把各行分成列（{zh_detail}，与表头不符）；"
            f"请检查文件中的那一行（多余的分隔符或引号），或用 {option('sep')} 指定分隔符",
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(
            f"{where}: the file is empty; export the data again with a header row and data rows",
            zh=f"{where}：文件是空的；请重新导出，包含表头和数据行",
        ) from exc
    frame.columns = _clean_header(frame.columns)
    return frame, info, mapping


def _head_frame(text_head: str, csv_options: dict[str, Any], columns: list[Any]) -> pd.DataFrame | None:
    """The first (up to 200) rows of ``columns``, read as pandas infers them; None if they cannot be read."""
    lines = text_head.lstrip("\ufeff").splitlines()
    if len(lines) < 3:
        return None
    head = "\n".join(lines[:201]) if len(lines) > 201 else "\n".join(lines[:-1])  # the last line may be cut
    try:
        frame = pd.read_csv(
            _io.StringIO(head),
            usecols=list(dict.fromkeys(columns)),
            **{k: v for k, v in csv_options.items() if k != "encoding"},
        )
    except (ValueError, pd.errors.ParserError):
        return None
    return frame if len(frame) else None


def _head_date_format(head: pd.DataFrame | None, raw_date: Any, date_format: str | None) -> str | None:
    """The date format that reads every date in the first rows of the file, or None.

    Formats are tried in the order of ``_DATE_FORMATS`` (``date_format`` alone when given); the
    formats are exclusive, so the one that reads all of these dates is the one the cell-by-cell
    parser would choose.  A guarded format (``%Y%m%d``) is left to the cell-by-cell parser.
    """
    if head is None or not isinstance(head[raw_date].dtype, pd.StringDtype):
        return None
    sample = head[raw_date]
    if sample.isna().any():
        return None
    for fmt in (date_format,) if date_format is not None else _DATE_FORMATS:
        if fmt in _FORMAT_GUARD:
            continue
        if _to_datetime(sample, fmt).notna().all():
            # pandas parses ISO 8601 forms in C; others row by row, slower than parsing the distinct values
            return fmt if fmt in _ISO_FORMATS else None
    return None


def _clean_dates(values: pd.Series) -> np.ndarray | None:
    """datetime64[ns] at midnight when the column was parsed whole and every date is plausible, else None."""
    if not pd.api.types.is_datetime64_dtype(values.dtype) or values.isna().any():
        return None
    years = values.dt.year
    if len(values) and (years.min() < _YEARS[0] or years.max() > _YEARS[1]):  # placeholders: checked as text
        return None
    return values.dt.normalize().to_numpy(dtype="datetime64[ns]")


def _clean_amounts(values: pd.Series) -> np.ndarray | None:
    """float64 amounts when the column was read as numbers, none missing or infinite, else None."""
    if values.dtype.kind not in "iuf":
        return None
    out = values.to_numpy(dtype="float64")
    return out if np.isfinite(out).all() else None


# ---------------------------------------------------------------- columns


def _columns_text(columns: Sequence[Any], limit: int = 30) -> str:
    """The file's column names for a message: at most ``limit`` of them, each cut short."""
    shown = [str(c) if len(str(c)) <= 40 else str(c)[:40] + "…" for c in columns[:limit]]
    more = f" … ({len(columns)} columns in all)" if len(columns) > limit else ""
    return f"{shown}{more}"


def _resolve_columns(frame: pd.DataFrame, explicit: dict[str, Any], where: str) -> dict[str, Any]:
    """Map each role to a column: the explicit argument, else the best tier of header synonyms.

    Every role that cannot be found is reported in one message, with the columns that look like
    candidates for it.  The order-status column is optional.
    """
    present = list(frame.columns)
    by_text = {str(c): c for c in present}
    mapping: dict[str, Any] = {}
    missing: list[str] = []
    for role, given in explicit.items():
        arg = _ROLE_ARG[role]
        if given is not None:
            if given in by_text or str(given) in by_text:  # a numeric header such as 2024 matches '2024'
                mapping[role] = by_text[str(given)]
                continue
            raise DataError(
                f"{where}: {option(arg, given)} is not a column; columns are {_columns_text(present)}",
                zh=f"{where}：{option(arg, given)} 不是文件中的列；文件的列为 {_columns_text(present)}",
            )
        for tier in _SYNONYMS[role]:
            found = [c for c in present if _norm_header(c) in tier]  # in file order
            if len(found) > 1:
                listed = ", ".join(quote(str(c)) for c in found[:-1]) + f" and {quote(str(found[-1]))}"
                both = "both" if len(found) == 2 else "all"
                raise DataError(
                    f"{where}: ambiguous {_ROLE_WORD[role]} column: {listed} {both} look like "
                    f"{_ROLE_WORD[role]}; {pass_option(arg, str(found[0]))} (or the other one)",
                    zh=f"{where}：{_ROLE_ZH[role]}列不明确：{listed} 都像{_ROLE_ZH[role]}列；"
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
                str(c) for c in present if str(c) not in used and any(w in _norm_header(c) for w in _HINT_WORDS[role])
            ][:8]
            parts_en.append(f"for {_ROLE_WORD[role]}: {[quote(c, 40)[1:-1] for c in cands] if cands else 'none'}")
            parts_zh.append(f"{_ROLE_ZH[role]}：{[quote(c, 40)[1:-1] for c in cands] if cands else '无'}")
            hints.append(option(_ROLE_ARG[role], cands[0] if len(cands) == 1 else "..."))
        roles_en = " and ".join(f"no {_ROLE_WORD[r]} column" for r in missing)
        roles_zh = "、".join(f"{_ROLE_ZH[r]}列" for r in missing)
        verb = "use" if _INTERFACE.get() == "cli" else "pass"
        raise DataError(
            f"{where}: {roles_en} found; columns are {_columns_text(present)}; "
            f"candidates {'; '.join(parts_en)}; {verb} {' '.join(hints) if verb == 'use' else ', '.join(hints)}",
            zh=f"{where}：找不到{roles_zh}；文件的列为 {_columns_text(present)}；"
            f"可能的列 {'；'.join(parts_zh)}；请用 {' '.join(hints)} 指定",
        )
    used = [c for r, c in mapping.items()]
    if len(set(map(str, used))) < len(used):
        raise DataError(
            f"{where}: the same column is used for two roles: "
            f"{ {_ROLE_ARG[r]: str(c) for r, c in mapping.items()} }; give each role its own column",
            zh=f"{where}：同一列被用于两个角色：{ {_ROLE_ARG[r]: str(c) for r, c in mapping.items()} }；请为每个角色指定不同的列",
        )
    return mapping


# ---------------------------------------------------------------- parsing


def _offenders(mask: np.ndarray, labels: np.ndarray, values: pd.Series, n: int = 5) -> str:
    idx = np.flatnonzero(mask)
    shown = [values.iloc[i] for i in idx[:n]]
    parts = [f"row {labels[i]}: {quote(v)}" for i, v in zip(idx, shown)]
    more = f" ({len(idx)} rows in all)" if len(idx) > n else ""
    return "; ".join(parts) + more


#: Offending rows (and their values) an error message names at most.
_SHOWN = 5
# What each kind of refused cell is called, in English and Chinese ("missing_*": an empty cell).
_BAD_KINDS = {
    "missing_customer": ("customer id", "客户编号"),
    "missing_date": ("date", "日期"),
    "missing_amount": ("amount", "金额"),
    "placeholder": (
        "dates outside {}-{}, placeholders such as 9999-12-31 that systems write for 'no date', not purchases",
        " {}-{} 年以外的日期，这是系统表示“无日期”的占位值（如 9999-12-31），不是真实的购买",
    ),
    "not_date": ("values that are not dates", "不是日期的值"),
    "infinite": (
        "amounts too large to be real (infinite, e.g. 'inf' or 1e400)",
        "大得不真实的金额（无穷大，如 'inf' 或 1e400）",
    ),
    "not_number": ("amounts that are not numbers", "不是数字的金额"),
}


def _bad_values_message(
    kind: str,
    column: Any,
    where: str,
    *,
    count: int,
    rows: Sequence[Any] | None = None,
    examples: Sequence[Any] | None = None,
    date_format: str | None = None,
    serial_note: bool = False,
) -> DataError:
    """The error for cells a reader refuses, worded alike by every reader (pandas, DuckDB, Spark).

    Parameters
    ----------
    kind : {'missing_customer', 'missing_date', 'missing_amount', 'placeholder', 'not_date', 'infinite', 'not_number'}
        Empty customer, date or amount cells; dates outside 1678-2261; values that are not
        dates; infinite amounts; amounts that are not numbers.
    column : str
        The column in the user's file.
    where : str
        Prefix of the message (function and file, or the file alone on the command line).
    count : int
        Offending rows in all.
    rows : sequence, optional
        The first offending rows (at most ``_SHOWN`` are named) as the user numbers them: in Excel
        (header = row 1) for a file, the index labels for a DataFrame.  None where a reader
        cannot number them (a Parquet file, several files, a database table): the message then
        says how many rows and quotes some of their values.
    examples : sequence, optional
        The values of those rows (of ``rows``, when given), each quoted short (:func:`quote`).
    date_format : str, optional
        The ``date_format`` the reader was given (for ``'not_date'``).
    serial_note : bool
        Add that Excel date numbers are read by the pandas engine only (a DuckDB or Spark reader
        whose offending dates are such numbers).

    Returns
    -------
    DataError
        English message (keyword arguments, or flags within :func:`cli_messages`) and ``zh``.

    Examples
    --------
    >>> err = _bad_values_message("not_date", "日期", "t.csv", count=7, rows=[3, 9], examples=["昨天", "2024-13-01"])
    >>> print(err)
    t.csv: column '日期' has values that are not dates: row 3: '昨天'; row 9: '2024-13-01' (7 rows in all); expected dates such as 2024-01-05, 2024/1/5, 20240105, 2024年1月5日 or 2024-01-05 13:45:00; for another form pass date_format='%d.%m.%Y' (say)
    >>> print(err.zh)
    t.csv：列 '日期' 中有不是日期的值：第 3 行：'昨天'；第 9 行：'2024-13-01'（共 7 行）；日期应像 2024-01-05、2024/1/5、20240105、2024年1月5日 或 2024-01-05 13:45:00；其他写法请用 date_format='%d.%m.%Y' 之类指定
    >>> print(_bad_values_message("missing_amount", "金额", "t.csv", count=2, rows=[4, 6]))
    t.csv: column '金额' has no amount in rows 4, 6; fill in those cells or delete those rows, then read the file again
    >>> print(_bad_values_message("infinite", "amount", "x.parquet", count=12, examples=["inf", "1e400"]).zh)
    x.parquet：列 'amount' 中有大得不真实的金额（无穷大，如 'inf' 或 1e400）：共 12 行，例如 'inf'、'1e400'；请改正这些单元格
    """
    col = repr(str(column))
    what, what_zh = _BAD_KINDS[kind]
    what, what_zh = what.format(*_YEARS), what_zh.format(*_YEARS)
    shown_rows = None if rows is None else [str(r) for r in list(rows)[:_SHOWN]]
    values = None if examples is None else [quote(v) for v in list(examples)[:_SHOWN]]
    more = f" ({count} rows in all)" if shown_rows is not None and count > len(shown_rows) else ""
    more_zh = f"（共 {count} 行）" if more else ""
    if kind.startswith("missing_"):
        if shown_rows is not None:
            en = f"in row{'s' if count > 1 else ''} {', '.join(shown_rows)}{more}"
            zh = f"在第 {', '.join(shown_rows)} 行为空{more_zh}"
        else:
            en, zh = f"in {count} row{'s' if count > 1 else ''}", f"有 {count} 行为空"
        return DataError(
            f"{where}: column {col} has no {what} {en}; "
            "fill in those cells or delete those rows, then read the file again",
            zh=f"{where}：列 {col} {zh}；请填写这些单元格或删除这些行，然后重新读取",
        )
    if shown_rows is not None and values is not None:
        cells = "; ".join(f"row {r}: {v}" for r, v in zip(shown_rows, values)) + more
        cells_zh = "；".join(f"第 {r} 行：{v}" for r, v in zip(shown_rows, values)) + more_zh
    else:  # no row numbers: how many rows, and some of their values
        cells = f"{count} row{'s' if count > 1 else ''}, such as {', '.join(values or [])}"
        cells_zh = f"共 {count} 行，例如 {'、'.join(values or [])}"
    if kind == "placeholder":
        hint, hint_zh = "delete those rows or fill in the real dates", "请删除这些行或填入真实日期"
    elif kind == "not_date" and date_format is not None:
        hint = f"they do not match {option('date_format', date_format)}"
        hint_zh = f"它们不符合 {option('date_format', date_format)}"
    elif kind == "not_date":
        hint = (
            "expected dates such as 2024-01-05, 2024/1/5, 20240105, 2024年1月5日 or 2024-01-05 13:45:00; "
            f"for another form {pass_option('date_format', '%d.%m.%Y')} (say)"
        )
        hint_zh = (
            "日期应像 2024-01-05、2024/1/5、20240105、2024年1月5日 或 2024-01-05 13:45:00；"
            f"其他写法请用 {option('date_format', '%d.%m.%Y')} 之类指定"
        )
    elif kind == "infinite":
        hint, hint_zh = "correct those cells", "请改正这些单元格"
    else:
        hint = (
            "expected numbers such as 1234.5, '¥1,234.50' or '(12.50)' for a refund; correct those cells or "
            f"{pass_option('amount_col')} if this is the wrong column"
        )
        hint_zh = (
            "金额应像 1234.5、'¥1,234.50' 或表示退款的 '(12.50)'；请改正这些单元格，"
            f"如果选错了列，请用 {option('amount_col')} 指定"
        )
    if serial_note:
        hint += f"; Excel date numbers (such as 45296) are read only with {option('engine', 'pandas')}"
        hint_zh += f"；Excel 日期数字（如 45296）只有 {option('engine', 'pandas')} 能读取"
    return DataError(
        f"{where}: column {col} has {what}: {cells}; {hint}",
        zh=f"{where}：列 {col} 中有{what_zh}：{cells_zh}；{hint_zh}",
    )


def _refused(
    kind: str,
    mask: np.ndarray,
    labels: np.ndarray,
    values: pd.Series | None,
    col: Any,
    where: str,
    date_format: str | None = None,
) -> DataError:
    """:func:`_bad_values_message` for the rows of ``mask`` (row labels from ``labels``, values from ``values``)."""
    idx = np.flatnonzero(mask)[:_SHOWN]
    examples = None if values is None else [values.iloc[i] for i in idx]
    return _bad_values_message(
        kind,
        col,
        where,
        count=int(np.count_nonzero(mask)),
        rows=[labels[i] for i in idx],
        examples=examples,
        date_format=date_format,
    )


def _arrow_text(values: pd.Series):  # -> pyarrow.ChunkedArray | None
    """The Arrow array behind a text column (pandas' ``str`` dtype with pyarrow), else None."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return getattr(values.array, "_pa_array", None)
    return None


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes (-1 for missing) and the distinct values, so each distinct text is parsed once.

    Text held by Arrow is dictionary-encoded by Arrow (no Python string per row); the distinct
    values come in order of first appearance either way.
    """
    arrow = _arrow_text(values)
    if arrow is not None:
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(arrow).combine_chunks()
        codes = pc.fill_null(encoded.indices, -1).to_numpy().astype(np.intp, copy=False)
        return codes, pd.Series(encoded.dictionary.to_pylist(), dtype=object)
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    return codes, pd.Series(np.asarray(uniques, dtype=object), dtype=object)


def _row_codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a column, equal for equal values (-1 for every missing value)."""
    arrow = _arrow_text(values)
    if arrow is not None:
        import pyarrow.compute as pc

        return pc.fill_null(pc.dictionary_encode(arrow).combine_chunks().indices, -1).to_numpy()
    return pd.factorize(values, use_na_sentinel=True)[0]


def _duplicated(frame: pd.DataFrame, key: np.ndarray | None = None) -> np.ndarray:
    """``frame.duplicated(keep="first")``, cheaply: rows are compared in full only where their numbers
    and dates (hashed fast) repeat, and text columns are coded by Arrow.

    ``key``: integer codes of one of the columns (equal values, equal codes), hashed with the numbers.
    """
    out = np.zeros(len(frame), bool)
    if frame.shape[1] == 0 or len(frame) < 2:
        return out
    numeric = [i for i in range(frame.shape[1]) if frame.iloc[:, i].dtype.kind in "biufmM"]
    rows = np.arange(len(frame))
    if numeric or key is not None:
        # identical rows have the same numbers and dates, so the same hash of them: only rows whose
        # hash repeats can be duplicates (a shared hash alone proves nothing; they are compared below)
        mixed = np.zeros(len(frame), dtype=np.uint64)
        for i in numeric + ([-1] if key is not None else []):
            values = key if i == -1 else frame.iloc[:, i].to_numpy()
            if values.dtype.kind == "f":
                values = values + 0.0  # -0.0 as 0.0
                values[np.isnan(values)] = np.nan  # one NaN
            bits = np.ascontiguousarray(values).view(f"u{values.dtype.itemsize}").astype(np.uint64, copy=False)
            np.bitwise_xor(mixed, bits, out=mixed)  # in place: arrays of every row are the large ones
            np.multiply(mixed, np.uint64(0x9E3779B97F4A7C15), out=mixed)
            del values, bits
        # the hashes that occur more than once, found by sorting a copy (less memory than a hash table)
        ordered = np.sort(mixed)
        same = ordered[1:] == ordered[:-1]
        if not same.any():
            return out
        repeat = np.isin(mixed, ordered[1:][same])
        del ordered, same, mixed
        rows = np.flatnonzero(repeat)
        frame = frame.iloc[rows]
    codes = pd.DataFrame({i: _row_codes(frame.iloc[:, i]) for i in range(frame.shape[1])})
    out[rows] = codes.duplicated(keep="first").to_numpy()
    return out


def _take(parsed: pd.Series, codes: np.ndarray, missing: Any) -> np.ndarray:
    arr = parsed.to_numpy()
    out = arr[np.where(codes < 0, 0, codes)] if len(arr) else np.full(len(codes), missing, dtype=arr.dtype)
    out[codes < 0] = missing
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _blank(codes: np.ndarray, uniques: pd.Series) -> np.ndarray:
    """Empty cells: missing, or text made only of spaces."""
    blank_u = np.array([isinstance(v, str) and not v.strip() for v in uniques], dtype=bool)
    return (codes < 0) | (blank_u[np.where(codes < 0, 0, codes)] if len(blank_u) else False)


def _amount_values(uniq: pd.Series) -> pd.Series:
    """Parse distinct amount cells; NaN where a cell is not a number.

    Accepts numbers, and text such as '¥1,234.50', '￥88', '88 元', '(12.50)' (negative), '－5'.
    """
    out = pd.Series(np.nan, index=uniq.index, dtype="float64")
    is_num = uniq.map(_is_number).astype(bool)
    if is_num.any():
        out[is_num] = uniq[is_num].astype("float64")
    text = uniq[~is_num].astype(str)
    if len(text):
        fast = pd.to_numeric(text, errors="coerce")
        out[text.index] = fast
        text = text[fast.isna()]
    if len(text):
        t = text.str.translate(_FULL_WIDTH).str.strip()
        neg = t.str.match(r"^\(.*\)$")
        t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.replace(_CURRENCY, "", regex=True)
        grouped = t.str.match(_THOUSANDS)
        t = t.where(~grouped, t.str.replace(",", "", regex=False))
        parsed = pd.to_numeric(t.where(t != "", "not a number"), errors="coerce")
        out[t.index] = parsed.where(~neg, -parsed.abs())
    return out


def _to_datetime(text: pd.Series, fmt: str) -> pd.Series:
    if fmt in _FORMAT_GUARD:
        text = text.where(text.str.match(_FORMAT_GUARD[fmt]))
    return pd.to_datetime(text, format=fmt, errors="coerce")


def _date_text(text: pd.Series, formats: Sequence[str]) -> pd.Series:
    """Parse text with whole-column formats, the best one on a sample first."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    todo = list(formats)
    while len(text) and todo:
        sample = text.iloc[:200]
        hits = {f: int(_to_datetime(sample, f).notna().sum()) for f in todo}
        best = max(todo, key=lambda f: hits[f])
        if hits[best] == 0:  # the sample is all bad: try every format on the rest
            order = todo
        else:
            order = [best]
        for fmt in order:
            parsed = _to_datetime(text, fmt)
            hit = parsed.notna()
            out[parsed[hit].index] = parsed[hit].astype("datetime64[ns]")
            text = text[~hit]
            todo.remove(fmt)
        if hits[best] == 0:
            break
    return out


def _date_values(uniq: pd.Series, date_format: str | None) -> pd.Series:
    """Parse distinct date cells (text, Excel serial numbers, datetime cells); NaT where impossible."""
    out = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[ns]")
    is_dt = uniq.map(lambda v: isinstance(v, (_dt.datetime, _dt.date))).astype(bool)
    if is_dt.any():
        out[is_dt] = pd.to_datetime(uniq[is_dt].map(pd.Timestamp)).astype("datetime64[ns]")
    is_num = uniq.map(_is_number).astype(bool)
    text = uniq[~is_dt & ~is_num].astype(str)
    if is_num.any():  # Excel serials, or yyyymmdd typed as a number
        num = uniq[is_num].astype("float64")
        ymd = (num >= 19000101) & (num <= 22001231) & (num == np.floor(num))
        text = pd.concat([text, num[ymd].astype("int64").astype(str)])
        serial = num[~ymd & (num >= 10000) & (num < 100000)]
        out[serial.index] = (_EXCEL_ORIGIN + pd.to_timedelta(serial, unit="D")).astype("datetime64[ns]")
    formats = (date_format,) if date_format is not None else _DATE_FORMATS
    if len(text):
        parsed = _date_text(text, formats)
        out[parsed.index] = parsed
        text = text[parsed.isna()]
    if len(text):  # second chance: full-width digits, spaces, Excel serials written as text
        text = text.str.translate(_FULL_WIDTH).str.strip()
        serial_text = text.str.match(_EXCEL_SERIAL) if date_format is None else text.str.match("$^")
        days = text[serial_text].astype("float64")
        out[days.index] = (_EXCEL_ORIGIN + pd.to_timedelta(days, unit="D")).astype("datetime64[ns]")
        text = text[~serial_text]
        if len(text):
            parsed = _date_text(text, formats)
            out[parsed.index] = parsed
    return out


def _parse_amount(
    values: pd.Series, labels: np.ndarray, col: Any, where: str, factorized: tuple[np.ndarray, pd.Series] | None = None
) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        out = values.to_numpy(dtype="float64")
        codes = np.zeros(len(out), dtype=np.intp)
    else:
        codes, uniq = _factorize(values) if factorized is None else factorized
        is_bool = uniq.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy(dtype=bool)
        parsed = _amount_values(uniq)
        parsed[is_bool] = np.nan  # an Excel TRUE/FALSE cell is not an amount
        out = _take(parsed, codes, np.nan)
    infinite = np.isinf(out)
    if infinite.any():
        raise _refused("infinite", infinite, labels, values, col, where)
    bad = (codes >= 0) & np.isnan(out)
    if bad.any():
        raise _refused("not_number", bad, labels, values, col, where)
    return out


_YEAR = re.compile(r"^\s*(\d{4,})\s*(?:[-/年.]|\d{4}$)")
#: Years a date can have (pandas' nanosecond range); ERP systems write 9999-12-31 or 2999-01-01
#: for "no date", which must not be read as a purchase.
_YEARS = (1678, 2261)


def _placeholder(v: Any) -> bool:
    if isinstance(v, (_dt.date, _dt.datetime)):
        return not _YEARS[0] <= v.year <= _YEARS[1]
    if isinstance(v, str):
        m = _YEAR.match(v.translate(_FULL_WIDTH))
        return bool(m) and not _YEARS[0] <= int(m.group(1)[:4]) <= _YEARS[1]
    if _is_number(v) and 10_000_000 <= v < 100_000_000:  # yyyymmdd typed as a number
        return not _YEARS[0] <= int(v) // 10_000 <= _YEARS[1]
    return False


def _parse_dates(
    values: pd.Series,
    labels: np.ndarray,
    col: Any,
    where: str,
    date_format: str | None,
    factorized: tuple[np.ndarray, pd.Series] | None = None,
) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        out = values
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        years = out.dt.year.to_numpy()
        outside = ~np.isnan(years.astype("float64")) & ((years < _YEARS[0]) | (years > _YEARS[1]))
        if outside.any():
            raise _refused("placeholder", outside, labels, out.dt.strftime("%Y-%m-%d"), col, where)
        return pd.Series(out.to_numpy(dtype="datetime64[ns]")).dt.normalize()
    codes, uniq = _factorize(values) if factorized is None else factorized
    placeholder_u = uniq.map(_placeholder).to_numpy(dtype=bool)
    if placeholder_u.any():
        mask = (codes >= 0) & placeholder_u[np.where(codes < 0, 0, codes)]
        raise _refused("placeholder", mask, labels, values, col, where)
    out = _take(_date_values(uniq, date_format), codes, np.datetime64("NaT", "ns"))
    bad = (codes >= 0) & np.isnat(out)
    if bad.any():
        raise _refused("not_date", bad, labels, values, col, where, date_format)
    return pd.Series(out).dt.normalize()


# Characters Python's str.strip() removes (str.isspace): ASCII and Unicode spaces, separators, \x1c-\x1f, \x85.
_EDGE_SPACE = r"^[\s\x0b\x1c-\x1f\x85\p{Z}]|[\s\x0b\x1c-\x1f\x85\p{Z}]$"


def _clean_ids(values: pd.Series) -> bool:
    """True when a text column of ids needs no cleaning: Arrow text, none missing, no surrounding spaces.

    Ids that are digits after a common prefix without spaces (``C000123``) are clean without a
    pattern search over every id.
    """
    arrow = _arrow_text(values)
    if arrow is None or arrow.null_count:
        return False
    import pyarrow.compute as pc

    parts = digit_parts(arrow)
    if parts is not None and not parts[0][:1].isspace():  # ends in a digit, starts with no space
        return True
    return not pc.any(pc.match_substring_regex(arrow, _EDGE_SPACE)).as_py()


def _id_codes(values: pd.Series) -> np.ndarray | None:
    """Codes of the ids, equal for equal ids: digit ids (``C000123``) read from their numbers without
    hashing text, other text dictionary-encoded by Arrow once; None for ids not held by Arrow.

    The duplicate check mixes them into each row's hash, so that rows are compared in full only
    where customer, date and amount all repeat (with the numbers alone, most rows of a large file
    share a date and an amount with another row); the customer count reuses them.
    """
    arrow = _arrow_text(values)
    if arrow is not None and len(arrow) and not arrow.null_count:
        found = _digit_codes(arrow)
        if found is not None:
            return found[0]
        import pyarrow.compute as pc

        return pc.dictionary_encode(arrow).combine_chunks().indices.to_numpy()
    return None


def _parse_customer(codes: np.ndarray, uniq: pd.Series, values: pd.Series | None = None) -> pd.Series:
    """Ids as text without surrounding spaces; 1001.0 from Excel becomes '1001'.

    ``values`` (the column the codes come from): when it is Arrow text that needs no cleaning,
    it is returned as it is instead of being rebuilt row by row.
    """

    def one(v: Any) -> str:
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v).strip()

    clean = uniq.map(one).astype(object)
    if values is not None and _arrow_text(values) is not None and (codes >= 0).all():
        if clean.eq(uniq).all():
            return pd.Series(values.array, dtype=values.dtype)
        import pyarrow as pa

        return pd.Series(pd.array(pa.array(clean.tolist(), type=pa.large_string()).take(codes), dtype=values.dtype))
    return pd.Series(_take(clean, codes, None)).astype(str)


# ---------------------------------------------------------------- main


def _closed_mask(status: pd.Series) -> np.ndarray:
    """Rows whose order status says closed, refunded, cancelled or unpaid (see ``_CLOSED_STATUSES``)."""
    codes, uniq = _factorize(status)
    norm = uniq.map(lambda v: _norm_header(v) if isinstance(v, str) else "")
    closed_u = norm.map(lambda s: any(w in s for w in _CLOSED_STATUSES)).to_numpy(dtype=bool)
    return (codes >= 0) & (closed_u[np.where(codes < 0, 0, codes)] if len(closed_u) else False)


def _check_policy(name: str, value: str) -> None:
    if value not in _POLICIES:
        raise ValueError(f"{name}={value!r} should be one of {list(_POLICIES)}")


def read_transactions_with_report(
    source: str | PathLike[str] | IO[bytes] | IO[str] | pd.DataFrame,
    *,
    customer_col: str | None = None,
    date_col: str | None = None,
    amount_col: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    sheet_name: str | int | None = None,
    date_format: str | None = None,
    as_of: Any = None,
    returns: Policy = "keep",
    duplicates: Policy = "keep",
    future: Policy = "keep",
    status_col: str | None = None,
    closed_orders: Policy = "drop",
) -> tuple[pd.DataFrame, DataQualityReport]:
    """Read a transaction file and also return a :class:`DataQualityReport`.

    Takes the same arguments as :func:`read_transactions` (see there).

    Returns
    -------
    frame : DataFrame
        As :func:`read_transactions`.
    report : DataQualityReport
        Counts of rows read, kept, blank, returns, zero amounts, duplicates,
        future-dated rows, the column mapping, encoding and plain warnings.

    Examples
    --------
    >>> import io
    >>> raw = "客户ID,日期,金额\\nA,2024-01-05,10\\nA,2024-01-05,10\\nB,2024-01-06,(5)\\n"
    >>> tx, rep = read_transactions_with_report(io.BytesIO(raw.encode("utf-8-sig")), duplicates="drop")
    >>> tx
      customer_id       date  amount
    0           A 2024-01-05    10.0
    1           B 2024-01-06    -5.0
    >>> rep.encoding, rep.duplicates, rep.returns, rep.rows_kept
    ('utf-8-sig', 1, 1, 2)
    >>> for w in rep.warnings: print(w)
    1 rows are exact duplicates of an earlier row (dropped, duplicates='drop')
    1 rows have a negative amount (returns/refunds) (kept, returns='keep')
    """
    for name, value in (
        ("returns", returns),
        ("duplicates", duplicates),
        ("future", future),
        ("closed_orders", closed_orders),
    ):
        _check_policy(name, value)
    label = _describe(source)
    if _INTERFACE.get() == "cli":  # the command line names the file, not the Python function
        where = label
    else:
        where = f"{_WHERE}: {label}" if label != "<DataFrame>" else _WHERE
    if future != "keep" and as_of is None:
        raise ValueError(f"future={future!r} needs as_of (the end of the observation period), e.g. as_of='2024-12-31'")
    explicit = {"customer_id": customer_col, "date": date_col, "amount": amount_col, "status": status_col}
    if isinstance(source, pd.DataFrame):
        raw = source.copy()
        raw.columns = _clean_header(raw.columns)
        info: dict[str, Any] = {"encoding": None, "delimiter": None, "file_format": "dataframe"}
        labels = np.asarray(raw.index)
        mapping = _resolve_columns(raw, explicit, where)
    else:
        raw, info, mapping = _read_frame(
            source,
            encoding=encoding,
            sep=sep,
            sheet_name=sheet_name,
            explicit=explicit,
            where=where,
            date_format=date_format,
        )
        labels = np.arange(len(raw)) + 2  # Excel numbering: header is row 1
    parsed: dict[str, np.ndarray] = info.pop("parsed", {})  # role columns the reader found clean
    rows_read = len(raw)
    if rows_read == 0:
        raise DataError(
            f"{where}: the file has a header but no data rows; columns are {_columns_text(list(raw.columns))}",
            zh=f"{where}：文件只有表头，没有数据行",
        )
    # Closed, refunded, cancelled or unpaid orders are not revenue: set aside first (their
    # payment date or amount may be blank), counted in the report.
    closed = np.zeros(len(raw), bool)
    if "status" in mapping:
        closed = _closed_mask(raw[mapping["status"]])
        if closed.any() and closed_orders == "error":
            raise DataError(
                f"{where}: {int(closed.sum())} orders are closed, refunded, cancelled or unpaid in column "
                f"{quote(str(mapping['status']))}: {_offenders(closed, labels, raw[mapping['status']])}; "
                f"closed_orders='error' was passed; pass closed_orders='drop' or 'keep'"
            )
        if closed.any() and closed_orders == "drop":
            if closed.all():
                raise DataError(
                    f"{where}: every order is closed, refunded, cancelled or unpaid (column "
                    f"{quote(str(mapping['status']))}); no sales are left to analyse; to count them anyway "
                    f"{pass_option('closed_orders', 'keep')}",
                    zh=f"{where}：所有订单都是已关闭、已退款、已取消或未付款（列 {quote(str(mapping['status']))}），"
                    f"没有可分析的销售；如仍要计入，请用 {option('closed_orders', 'keep')}",
                )
            raw, labels = raw.loc[~closed], labels[~closed]
            parsed = {role: values[~closed] for role, values in parsed.items()}
    columns = [raw[mapping[r]] for r in ("customer_id", "date", "amount")]
    # columns read clean need no cell-by-cell look: no blanks, values final
    clean = [_clean_ids(columns[0]), "date" in parsed, "amount" in parsed]
    no_codes = (np.zeros(len(raw), dtype=np.intp), pd.Series([], dtype=object))
    factorized = [no_codes if ok else _factorize(c) for ok, c in zip(clean, columns)]
    b_c, b_d, b_a = (
        np.zeros(len(raw), bool) if ok else _blank(codes, uniq) for ok, (codes, uniq) in zip(clean, factorized)
    )
    blank = b_c & b_d & b_a
    if blank.any():
        keep = ~blank
        # date and amount text held by Arrow is parsed from its codes: rebuilt from them (for the
        # messages) instead of being filtered row by row with the other columns
        coded = [
            r != "customer_id" and not ok and _arrow_text(c) is not None and not raw.columns.duplicated().any()
            for r, ok, c in zip(("customer_id", "date", "amount"), clean, columns)
        ]
        skip = {mapping[r] for r, c in zip(("customer_id", "date", "amount"), coded) if c}
        raw, labels = raw.loc[keep, [c for c in raw.columns if c not in skip]], labels[keep]
        b_c, b_d, b_a = b_c[keep], b_d[keep], b_a[keep]
        factorized = [(codes[keep], uniq) for codes, uniq in factorized]
        columns = [
            pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(uniq, dtype=object)))
            if c
            else raw[mapping[r]]
            for r, c, (codes, uniq) in zip(("customer_id", "date", "amount"), coded, factorized)
        ]
        parsed = {role: values[keep] for role, values in parsed.items()}
    if len(raw) == 0:
        raise DataError(
            f"{where}: every row is blank in the customer, date and amount columns; no rows left",
            zh=f"{where}：所有行的客户、日期、金额列都是空的，没有可用的行",
        )
    if b_c.any():
        raise _refused("missing_customer", b_c, labels, None, mapping["customer_id"], where)
    if b_d.any():
        raise _refused("missing_date", b_d, labels, None, mapping["date"], where)
    if b_a.any():
        raise _refused("missing_amount", b_a, labels, None, mapping["amount"], where)

    customer = columns[0] if clean[0] else _parse_customer(*factorized[0], columns[0])
    # the codes found for the blank check are reused (text columns are not encoded twice)
    date = (
        pd.Series(parsed["date"])
        if clean[1]
        else _parse_dates(columns[1], labels, mapping["date"], where, date_format, factorized[1])
    )
    amount = (
        parsed["amount"] if clean[2] else _parse_amount(columns[2], labels, mapping["amount"], where, factorized[2])
    )

    out = pd.DataFrame(  # the parsed arrays themselves, not copies (copy-on-write keeps them safe)
        {"customer_id": customer.array, "date": date.to_numpy(dtype="datetime64[ns]"), "amount": amount},
        copy=False,
    ).astype({"customer_id": "str"})
    warnings: list[str] = []
    used = {mapping[r] for r in ("customer_id", "date", "amount")}  # the status column stays as an extra column
    for col in raw.columns:
        if col in used:
            continue
        name = col
        if name in out.columns:
            name = f"{col}_original"
            warnings.append(f"extra column {col!r} is kept as {name!r} (its name is taken by the canonical column)")
        out[name] = raw[col].reset_index(drop=True)
    # the file's columns as read are not needed any more: large files keep only the result in memory
    del raw, columns, parsed, customer, date, amount, factorized

    ts_as_of = to_timestamp(as_of, name="as_of", where=_WHERE).normalize() if as_of is not None else None
    id_codes = _id_codes(out["customer_id"])  # digit ids: coded once, for duplicates and the customer count
    is_dup = _duplicated(out, id_codes)
    is_ret = (out["amount"] < 0).to_numpy()
    is_zero = (out["amount"] == 0).to_numpy()
    is_future = (out["date"] > ts_as_of).to_numpy() if ts_as_of is not None else np.zeros(len(out), bool)
    drop = np.zeros(len(out), bool)
    checks = (
        ("duplicates", duplicates, is_dup, "are exact duplicates of an earlier row"),
        ("returns", returns, is_ret, "have a negative amount (returns/refunds)"),
        ("future", future, is_future, f"are dated after as_of={None if ts_as_of is None else str(ts_as_of.date())}"),
    )
    for name, policy, mask, what in checks:
        if not mask.any():
            continue
        if policy == "error":
            raise DataError(
                f"{where}: {int(mask.sum())} rows {what}: "
                f"{_offenders(mask, labels, out['amount'] if name == 'returns' else out['date'].dt.date.astype(str))}; "
                f"{name}='error' was passed; pass {name}='keep' or {name}='drop' to continue"
            )
        if policy == "drop":
            drop |= mask
        warnings.append(
            f"{int(mask.sum())} rows {what} ({'dropped' if policy == 'drop' else 'kept'}, {name}={policy!r})"
        )
    if is_zero.any():
        warnings.append(f"{int(is_zero.sum())} rows have an amount of 0")
    if blank.any():
        warnings.append(f"{int(blank.sum())} blank rows were skipped")
    if closed.any():
        warnings.append(
            f"{int(closed.sum())} orders are closed, refunded, cancelled or unpaid "
            f"({'left out' if closed_orders == 'drop' else 'kept'}, closed_orders={closed_orders!r})"
        )
    if drop.all():
        why = ", ".join(f"{n}={p!r}" for n, p, m, _ in checks if p == "drop" and m.any())
        raise DataError(
            f"{where}: no rows left: all {len(out)} rows were removed by {why}; pass 'keep' instead to keep them"
        )
    if drop.any():
        out = out.loc[~drop].reset_index(drop=True)
    report = DataQualityReport(
        source=label,
        file_format=info["file_format"],
        encoding=info["encoding"],
        delimiter=info["delimiter"],
        column_map={role: str(col) for role, col in mapping.items()},
        rows_read=rows_read,
        blank_rows=int(blank.sum()),
        rows_kept=len(out),
        customers=(
            int(out["customer_id"].nunique())
            if id_codes is None
            else int(np.count_nonzero(np.bincount(id_codes if not drop.any() else id_codes[~drop])))
        ),
        returns=int(is_ret.sum()),
        zero_amounts=int(is_zero.sum()),
        duplicates=int(is_dup.sum()),
        future=int(is_future.sum()) if ts_as_of is not None else None,
        date_min=str(out["date"].min().date()),
        date_max=str(out["date"].max().date()),
        as_of=str(ts_as_of.date()) if ts_as_of is not None else None,
        policy={"returns": returns, "duplicates": duplicates, "future": future, "closed_orders": closed_orders},
        warnings=warnings,
        closed_orders=int(closed.sum()),
    )
    return out, report


def read_transactions(
    source: str | PathLike[str] | IO[bytes] | IO[str] | pd.DataFrame,
    *,
    customer_col: str | None = None,
    date_col: str | None = None,
    amount_col: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    sheet_name: str | int | None = None,
    date_format: str | None = None,
    as_of: Any = None,
    returns: Policy = "keep",
    duplicates: Policy = "keep",
    future: Policy = "keep",
    status_col: str | None = None,
    closed_orders: Policy = "drop",
) -> pd.DataFrame:
    """Read a transaction file (CSV, text or Excel) into the canonical frame.

    Parameters
    ----------
    source : path, open file or DataFrame
        A ``.csv``/``.txt``/``.tsv``/``.xlsx`` path, an open binary (or text)
        file object, or a DataFrame already in memory (copied, never changed).
    customer_col, date_col, amount_col : str, optional
        Column holding each role.  When omitted, the column is found from its
        header (Chinese or English, ignoring case, spaces and underscores):
        e.g. 客户ID/会员编号/customer_id, 日期/下单时间/InvoiceDate,
        金额/实付金额/amount.  An explicit argument always wins.
    encoding : str, optional
        Text encoding.  Default: UTF-8 (with or without byte-order mark),
        tried strictly, then GB18030 (a superset of GBK, Excel's Chinese CSV).
    sep : str, optional
        Field delimiter of a text file; default: the most frequent of
        ``,``, tab, ``;`` and ``|`` in the header line.
    sheet_name : str or int, optional
        Worksheet of an Excel file (name, or position from 0).  Default: the one
        visible worksheet that holds data; a hidden sheet is read only when
        named, and a workbook with several visible data sheets needs this.
    date_format : str, optional
        ``strftime`` format used instead of the built-in list (e.g.
        ``'%m/%d/%Y %H:%M'`` for US-style dates, which are never guessed).
    as_of : date-like, optional
        End of the observation period.  Rows dated after it are counted as
        future-dated and handled by ``future``.  Default None: no check.  The
        default is deliberately not today, so that the result never depends
        on the day the code is run.
    returns, duplicates, future : {'keep', 'drop', 'error'}, default 'keep'
        What to do with rows whose amount is negative (returns, refunds),
        rows identical to an earlier row in every column after parsing, and
        rows dated after ``as_of`` (``future`` other than 'keep' needs
        ``as_of``).  Each is counted in the report either way; nothing is
        dropped unless asked.
    status_col : str, optional
        Order-status column (default: recognised from headers such as 订单状态,
        交易状态, status).  Optional: a file without one is read as it is.
    closed_orders : {'drop', 'keep', 'error'}, default 'drop'
        Orders whose status says closed, refunded, cancelled or unpaid
        (交易关闭, 已退款, 退款成功, 已取消, 等待买家付款, cancelled, ...) are not
        revenue, so they are left out by default and counted in the report;
        'keep' keeps them (command line: ``--keep-closed-orders``).

    Returns
    -------
    DataFrame
        ``customer_id`` (str, surrounding spaces removed), ``date``
        (datetime64[ns] at midnight: time of day is dropped), ``amount``
        (float64, negative for returns), then every other column of the
        source with its name unchanged and the type pandas infers for it, in
        file order (a column whose name is one of the three canonical names
        is kept as ``<name>_original``); a fresh RangeIndex.

    Raises
    ------
    DataError
        Empty file; missing or ambiguous columns; empty customer, date or
        amount cells; values that are not dates or amounts; rows refused by a
        policy set to ``'error'``; no rows left.  The message names the file,
        the column and the first offending rows with their values, numbered as
        in Excel (header = row 1, first data row = row 2; for a DataFrame, the
        index labels).

    Notes
    -----
    Dates are parsed by trying whole-column formats in order: ``%Y-%m-%d``,
    ``%Y/%m/%d``, ``%Y%m%d``, ``%Y年%m月%d日``, ``%Y.%m.%d``, the same with a
    time of day; five-digit numbers are Excel serial dates (days since
    1899-12-30).  Amounts lose currency signs (¥ ￥ $ € £, 元, RMB, CNY),
    thousands separators and spaces; ``(12.50)`` is ``-12.50``; full-width
    digits are accepted.  The full data-quality report comes from
    :func:`read_transactions_with_report`.

    Examples
    --------
    >>> import io
    >>> raw = b"CustomerID\\tInvoiceDate\\tSales\\tStore\\n 7 \\t20240105\\t$12\\tBJ\\n8\\t45296\\t1,000\\tSH\\n"
    >>> tx = read_transactions(io.BytesIO(raw))
    >>> tx
      customer_id       date  amount Store
    0           7 2024-01-05    12.0    BJ
    1           8 2024-01-05  1000.0    SH
    >>> tx.dtypes.astype(str).to_dict()
    {'customer_id': 'str', 'date': 'datetime64[ns]', 'amount': 'float64', 'Store': 'str'}
    >>> read_transactions(io.StringIO("customer,date,amount\\n1,2024-13-01,5\\n"))
    Traceback (most recent call last):
    ...
    crm_lessons._validation.DataError: read_transactions: <file object>: column 'date' has values that are not dates: row 2: '2024-13-01'; ...
    """
    frame, _ = read_transactions_with_report(
        source,
        customer_col=customer_col,
        date_col=date_col,
        amount_col=amount_col,
        encoding=encoding,
        sep=sep,
        sheet_name=sheet_name,
        date_format=date_format,
        as_of=as_of,
        returns=returns,
        duplicates=duplicates,
        future=future,
        status_col=status_col,
        closed_orders=closed_orders,
    )
    return frame
