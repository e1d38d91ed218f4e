"""The messages of every refusal, worded alike by every reader (pandas, DuckDB, Spark), and the policies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crm_lessons._reading.values import YEARS
from crm_lessons._validation import DataError, option, pass_option, quote

#: Offending rows (and their values) an error message names at most.
SHOWN = 5
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


def bad_values_message(
    kind: str,
    column: Any,
    where: str,
    *,
    count: int,
    rows: Sequence[Any] | None = None,
    examples: Sequence[Any] | None = None,
    date_format: str | None = None,
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
        The first offending rows (at most ``SHOWN`` are named) as the user numbers them: in Excel
        (header = row 1) for a file, the index labels for a DataFrame.  None where a reader
        cannot number them (a Parquet file, several files, a database table): the message then
        says how many rows and quotes some of their values.
    examples : sequence, optional
        The values of those rows (of ``rows``, when given), each quoted short (:func:`quote`).
        For ``'missing_*'``: the cells as written, quoted when they hold a text that means no value
        (``'NA'``, ``'-'``; see :data:`~crm_lessons._reading.values.NA_TEXT`).
    date_format : str, optional
        The ``date_format`` the reader was given (for ``'not_date'``).

    Returns
    -------
    DataError
        English message (naming keyword arguments; the command line translates them to flags) and ``zh``.

    Examples
    --------
    >>> err = bad_values_message("not_date", "日期", "t.csv", count=7, rows=[3, 9], examples=["昨天", "2024-13-01"])
    >>> print(err)
    t.csv: column '日期' has values that are not dates: row 3: '昨天'; row 9: '2024-13-01' (7 rows in all); expected dates such as 2024-01-05, 2024/1/5, 20240105, 2024年1月5日 or 2024-01-05 13:45:00; for another form pass date_format='%d.%m.%Y' (say)
    >>> print(err.zh)
    t.csv：列 '日期' 中有不是日期的值：第 3 行：'昨天'；第 9 行：'2024-13-01'（共 7 行）；日期应像 2024-01-05、2024/1/5、20240105、2024年1月5日 或 2024-01-05 13:45:00；其他写法请用 date_format='%d.%m.%Y' 之类指定
    >>> print(bad_values_message("missing_amount", "金额", "t.csv", count=2, rows=[4, 6]))
    t.csv: column '金额' has no amount in rows 4, 6; fill in those cells or delete those rows, then read the file again
    >>> print(bad_values_message("infinite", "amount", "x.parquet", count=12, examples=["inf", "1e400"]).zh)
    x.parquet：列 'amount' 中有大得不真实的金额（无穷大，如 'inf' 或 1e400）：共 12 行，例如 'inf'、'1e400'；请改正这些单元格
    """
    col = repr(str(column))
    what, what_zh = _BAD_KINDS[kind]
    what, what_zh = what.format(*YEARS), what_zh.format(*YEARS)
    shown_rows = None if rows is None else [str(r) for r in list(rows)[:SHOWN]]
    values = None if examples is None else [quote(v) for v in list(examples)[:SHOWN]]
    more = f" ({count} rows in all)" if shown_rows is not None and count > len(shown_rows) else ""
    more_zh = f"（共 {count} 行）" if more else ""
    if kind.startswith("missing_"):
        if shown_rows is not None:
            en = f"in row{'s' if count > 1 else ''} {', '.join(shown_rows)}{more}"
            zh = f"在第 {', '.join(shown_rows)} 行为空{more_zh}"
        else:
            en, zh = f"in {count} row{'s' if count > 1 else ''}", f"有 {count} 行为空"
        # cells that are not empty but mean "no value" ('NA', '-'), quoted as they are written
        written = list(dict.fromkeys(quote(v) for v in examples or [] if isinstance(v, str) and v.strip()))
        if written:
            en += f" (written {', '.join(written)}: no value)"
            zh += f"（写作 {'、'.join(written)}，表示没有值）"
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
    return DataError(
        f"{where}: column {col} has {what}: {cells}; {hint}",
        zh=f"{where}：列 {col} 中有{what_zh}：{cells_zh}；{hint_zh}",
    )


# ---------------------------------------------------------------- policies

#: What may be done with rows a policy covers.
POLICIES = ("keep", "drop", "error")
#: How the rows each policy covers are described in a message ("{n} rows ...").
POLICY_ROWS = {
    "duplicates": "are exact duplicates of an earlier row",
    "returns": "have a negative amount (returns/refunds)",
    "future": "are dated after as_of={}",
}


def check_policies(**policies: str) -> None:
    """Refuse a policy that is not one of ``POLICIES``, and ``future`` other than 'keep' without ``as_of``.

    ``as_of`` is passed among the keyword arguments when ``future`` is.

    Examples
    --------
    >>> check_policies(returns="keep", duplicates="drop")
    >>> check_policies(returns="maybe")
    Traceback (most recent call last):
    ...
    ValueError: returns='maybe' should be one of ['keep', 'drop', 'error']
    """
    as_of = policies.pop("as_of", None)
    for name, value in policies.items():
        if value not in POLICIES:
            raise ValueError(f"{name}={value!r} should be one of {list(POLICIES)}")
    future = policies.get("future", "keep")
    if future != "keep" and as_of is None:
        raise ValueError(f"future={future!r} needs as_of (the end of the observation period), e.g. as_of='2024-12-31'")


def policy_refused(where: str, name: str, count: int, what: str, examples: str) -> DataError:
    """Rows refused by a policy set to 'error' (``examples``: the rows or values already quoted)."""
    shown = f": {examples}" if examples else ""
    return DataError(
        f"{where}: {count} rows {what}{shown}; {name}='error' was passed; pass {name}='keep' or "
        f"{name}='drop' to continue"
    )


def policy_warning(name: str, policy: str, count: int, what: str) -> str:
    """The report's note on rows a policy covered."""
    return f"{count} rows {what} ({'dropped' if policy == 'drop' else 'kept'}, {name}={policy!r})"


def no_rows_left(where: str, count: int, why: str) -> DataError:
    """Every row was removed by the policies named in ``why``."""
    return DataError(f"{where}: no rows left: all {count} rows were removed by {why}; pass 'keep' instead to keep them")


def all_blank(where: str) -> DataError:
    """Every row is blank in the three role columns."""
    return DataError(
        f"{where}: every row is blank in the customer, date and amount columns; no rows left",
        zh=f"{where}：所有行的客户、日期、金额列都是空的，没有可用的行",
    )


def header_only(where: str, columns: str | None = None) -> DataError:
    """A file with a header and no data rows (``columns``: the header, already written out)."""
    more = f"; columns are {columns}" if columns else ""
    return DataError(
        f"{where}: the file has a header but no data rows{more}",
        zh=f"{where}：文件只有表头，没有数据行",
    )
