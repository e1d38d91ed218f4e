"""The data-quality report every reader returns beside the transactions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd


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
        Orders that are not sales by their status (column ``column_map['status']``, with
        ``column_map['aftersales']`` and a full refund in ``column_map['refund']``), counted
        whatever the policy: the sum of ``left_out``.
    left_out : dict
        Those orders by reason: ``{'unpaid': n, 'cancelled': n, 'refunded': n}``
        (see :mod:`crm_lessons._reading.status`).
    unknown_statuses : dict
        Status values no platform list knows, with their counts; those orders are kept.
    partial_refunds, partial_refund_amount : int, float
        Orders that stand with part of their amount refunded (column ``column_map['refund']``),
        and the sum subtracted from their amounts.
    buyers_left_out : int
        Customers whose every order was left out by its status (they are in no table).
    line_items : int
        Further rows of an order in a line-item export (Shopify), skipped: one purchase per order.

    Examples
    --------
    >>> import io
    >>> from crm_lessons.io import read_transactions_with_report
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
    left_out: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("unpaid", "cancelled", "refunded"), 0))
    unknown_statuses: dict[str, int] = field(default_factory=dict)
    partial_refunds: int = 0
    partial_refund_amount: float = 0.0
    buyers_left_out: int = 0
    line_items: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain Python types only (JSON-serialisable).

        Examples
        --------
        >>> import io
        >>> from crm_lessons.io import read_transactions_with_report
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
        >>> from crm_lessons.io import read_transactions_with_report
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
        >>> from crm_lessons.io import read_transactions_with_report
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
