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

from crm_lessons._reading.quality import DataQualityReport
from crm_lessons.io._memory import MEMORY_FACTOR, check_memory, duckdb_installed, fits_in_memory
from crm_lessons.io._read import Policy, read_transactions, read_transactions_with_report

__all__ = [
    "MEMORY_FACTOR",
    "DataQualityReport",
    "Policy",
    "check_memory",
    "duckdb_installed",
    "fits_in_memory",
    "read_transactions",
    "read_transactions_with_report",
]
