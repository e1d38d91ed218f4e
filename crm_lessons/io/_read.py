"""read_transactions: a file (or DataFrame) into the canonical frame, with its data-quality report."""

from __future__ import annotations

from os import PathLike
from typing import IO, Any, Literal

import numpy as np
import pandas as pd

from crm_lessons._reading.columns import clean_header, columns_text, is_line_item_export, order_column, resolve_columns
from crm_lessons._reading.messages import (
    POLICY_ROWS,
    all_blank,
    check_policies,
    header_only,
    no_rows_left,
    policy_refused,
    policy_warning,
)
from crm_lessons._reading.quality import DataQualityReport
from crm_lessons._reading.status import (
    REASON_CODES,
    REASONS,
    all_closed,
    closed_refused,
    closed_warning,
    line_items_repeated,
    line_items_warning,
    partial_warning,
    unknown_warning,
)
from crm_lessons._validation import to_timestamp
from crm_lessons.io._files import _describe, _read_frame
from crm_lessons.io._parse import (
    _arrow_text,
    _blank,
    _clean_ids,
    _duplicated,
    _factorize,
    _id_codes,
    _offenders,
    _order_reasons,
    _parse_amount,
    _parse_customer,
    _parse_dates,
    _refund_amounts,
    _refused,
)

Policy = Literal["keep", "drop", "error"]
_WHERE = "read_transactions"


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
    frame, report = _read_transactions(
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
        report=True,
    )
    assert report is not None
    return frame, report


def _read_transactions(
    source: str | PathLike[str] | IO[bytes] | IO[str] | pd.DataFrame,
    *,
    customer_col: str | None,
    date_col: str | None,
    amount_col: str | None,
    encoding: str | None,
    sep: str | None,
    sheet_name: str | int | None,
    date_format: str | None,
    as_of: Any,
    returns: Policy,
    duplicates: Policy,
    future: Policy,
    status_col: str | None,
    closed_orders: Policy,
    report: bool,
) -> tuple[pd.DataFrame, DataQualityReport | None]:
    """:func:`read_transactions_with_report`, or the frame alone (``report=False``: None for the report).

    Without the report, what only the report shows is not computed: the duplicate check runs when
    ``duplicates`` drops or refuses rows, the returns and future checks when theirs do, and the
    customer count and the first and last date not at all.  Every frame and refusal is the same.
    """
    check_policies(returns=returns, duplicates=duplicates, future=future, closed_orders=closed_orders, as_of=as_of)
    label = _describe(source)
    where = f"{_WHERE}: {label}" if label != "<DataFrame>" else _WHERE
    explicit = {"customer_id": customer_col, "date": date_col, "amount": amount_col, "status": status_col}
    if isinstance(source, pd.DataFrame):
        raw = source.copy()
        raw.columns = clean_header(raw.columns)
        info: dict[str, Any] = {"encoding": None, "delimiter": None, "file_format": "dataframe"}
        labels = np.asarray(raw.index)
        mapping = resolve_columns(raw.columns, explicit, where)
    else:
        raw, info, mapping = _read_frame(
            source,
            encoding=encoding,
            sep=sep,
            sheet_name=sheet_name,
            explicit=explicit,
            where=where,
            date_format=date_format,
            find_repeats=report or duplicates != "keep",
        )
        labels = info.pop("labels", None)  # several files: 'b.csv:5'; blank rows the reader left out: skipped
        if labels is None:
            labels = pd.RangeIndex(2, len(raw) + 2)  # Excel numbering: header is row 1 (a range: no array)
    left_blank = info.pop("blank_rows", 0)  # blank rows the reader left out (counted as the ones found below)
    parsed: dict[str, Any] = info.pop("parsed", {})  # role columns the reader found clean
    # rows that may be duplicates, searched for by the Arrow reader beside its last steps (a Future);
    # valid while every row read is kept with its amount
    repeated = parsed.pop("_repeated", None)
    ids_clean = parsed.pop("_ids_clean", False)  # ids the Arrow reader found clean without coding them
    rows_read = len(raw) + left_blank
    if rows_read == 0:
        raise header_only(where, columns_text(list(raw.columns)))
    # Unpaid, cancelled and refunded orders are not sales: set aside first (their payment date or
    # amount may be blank), counted by reason in the report.  Status values nobody listed are kept.
    closed = np.zeros(len(raw), bool)
    reasons = np.zeros(len(raw), np.int8)
    unknown: dict[str, int] = {}
    if "status" in mapping:
        status = raw[mapping["status"]]
        reasons, unknown = _order_reasons(status, raw[mapping["aftersales"]] if "aftersales" in mapping else None)
        closed = (reasons >= 1) & (reasons <= 3)
        if closed.any() and closed_orders == "error":
            raise closed_refused(where, int(closed.sum()), str(mapping["status"]), _offenders(closed, labels, status))
    any_closed = bool(closed.any())
    left_out = {r: int(np.count_nonzero(reasons == REASON_CODES[r])) if any_closed else 0 for r in REASONS}
    if "refund" in mapping:
        parsed["_refund"] = _refund_amounts(raw[mapping["refund"]])
        repeated = None  # refunds change amounts or leave rows out
    closed_ids = set()
    if closed.any() and closed_orders == "drop":
        if closed.all():
            raise all_closed(where, str(mapping["status"]))
        closed_ids = set(raw[mapping["customer_id"]][closed].dropna().astype(str).str.strip().unique())
        raw, labels = raw.loc[~closed], labels[~closed]
        parsed = {role: values[~closed] for role, values in parsed.items()}
        repeated = None
    line_items = is_line_item_export(info.get("header", list(raw.columns)))
    columns = [raw[mapping[r]] for r in ("customer_id", "date", "amount")]
    # columns read clean need no cell-by-cell look: no blanks, values final
    id_digits: dict[str, Any] = {}  # what _clean_ids found in the ids, reused by _id_codes
    # ids the Arrow reader found clean come with their codes ('_id_codes', filtered with the rows)
    clean = [
        "_id_codes" in parsed or ids_clean or _clean_ids(columns[0], id_digits),
        "date" in parsed,
        "amount" in parsed,
    ]
    # a clean column's codes (only filtered with the rows when a blank row goes: none when all are clean)
    no_codes = (np.zeros(0 if all(clean) else len(raw), dtype=np.intp), pd.Series([], dtype=object))
    factorized = [no_codes if ok else _factorize(c) for ok, c in zip(clean, columns)]
    if all(clean):  # no blank cell in a role column, so no blank row (the masks are never written to)
        b_c = b_d = b_a = blank = further_items = np.zeros(len(raw), bool)
    else:
        b_c, b_d, b_a = (
            np.zeros(len(raw), bool) if ok else _blank(codes, uniq) for ok, (codes, uniq) in zip(clean, factorized)
        )
        blank = b_c & b_d & b_a
        further_items = b_c & b_a & ~b_d if line_items else np.zeros(len(raw), bool)  # Shopify: 2nd.. items
        blank |= further_items
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
        repeated = None
    if len(raw) == 0:
        raise all_blank(where)
    if line_items:  # one purchase per order: an order's total on its first row only
        order_col = order_column(list(raw.columns))
        if order_col is not None and raw[order_col].duplicated().any():
            repeated = raw[order_col][raw[order_col].duplicated()].iloc[0]
            raise line_items_repeated(where, str(order_col), repeated)
    if b_c.any():
        raise _refused("missing_customer", b_c, labels, columns[0], mapping["customer_id"], where)
    if b_d.any():
        raise _refused("missing_date", b_d, labels, columns[1], mapping["date"], where)
    if b_a.any():
        raise _refused("missing_amount", b_a, labels, columns[2], mapping["amount"], where)

    customer = columns[0] if clean[0] else _parse_customer(factorized[0][0], factorized[0][1], columns[0])
    # the codes found for the blank check are reused (text columns are not encoded twice)
    date = (
        parsed["date"]  # the array itself: a Series of it would be a copy
        if clean[1]
        else _parse_dates(columns[1], labels, mapping["date"], where, date_format, factorized[1]).to_numpy(
            dtype="datetime64[ns]"
        )
    )
    amount = (
        parsed["amount"] if clean[2] else _parse_amount(columns[2], labels, mapping["amount"], where, factorized[2])
    )

    # the frame is the caller's to change: an array pandas lent read-only (a view of the frame it read) is copied
    date, amount = (a if a.flags.writeable else a.copy() for a in (date, amount))
    out = pd.DataFrame(  # the parsed arrays themselves, not copies (copy-on-write keeps them safe)
        {"customer_id": customer.array, "date": date, "amount": amount},
        copy=False,
    )
    if out["customer_id"].dtype != "str":  # (astype costs 0.5 ms even when it has nothing to do)
        out = out.astype({"customer_id": "str"})
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
    refund = parsed.get("_refund")
    id_codes = parsed.get("_id_codes")
    # the file's columns as read are not needed any more: large files keep only the result in memory
    del raw, columns, parsed, customer, date, amount, factorized
    partial = np.zeros(len(out), bool)
    if refund is not None:  # refunds on orders that stand: part of the amount, or all of it
        paid = out["amount"].to_numpy()
        full = (refund > 0) & (paid > 0) & (refund >= paid)
        partial = (refund > 0) & (paid > 0) & (refund < paid)
        if partial.any():
            out["amount"] = paid - np.where(partial, refund, 0.0)
        if full.any():
            left_out["refunded"] += int(full.sum())
            if closed_orders == "error":
                raise closed_refused(
                    where, int(full.sum()), str(mapping["refund"]), _offenders(full, labels, out["amount"])
                )
            if closed_orders == "drop":
                if full.all():
                    raise all_closed(where, str(mapping["refund"]))
                closed_ids |= set(out["customer_id"][full].unique())
                out, labels, partial = out.loc[~full].reset_index(drop=True), labels[~full], partial[~full]
                id_codes = None if id_codes is None else id_codes[~full]
                refund = refund[~full]

    # customers whose every order was left out by its status: in no table of the analysis
    buyers_left_out = (
        int(np.count_nonzero(~pd.Series(sorted(closed_ids), dtype=object).isin(out["customer_id"])))
        if closed_ids
        else 0
    )
    ts_as_of = to_timestamp(as_of, name="as_of", where=_WHERE).normalize() if as_of is not None else None
    # without the report, a check whose policy is 'keep' changes nothing: its rows are not looked for
    none = np.zeros(len(out), bool)  # (never written to)
    if report or duplicates != "keep":
        if id_codes is None:  # digit ids: coded once, for duplicates and the customer count
            id_codes = _id_codes(out["customer_id"], id_digits)
        is_dup = _duplicated(out, id_codes, None if repeated is None else repeated.result())
    else:
        is_dup = none
    amounts = out["amount"].to_numpy()
    is_ret = amounts < 0 if report or returns != "keep" else none
    is_zero = amounts == 0 if report else none
    is_future = (out["date"] > ts_as_of).to_numpy() if ts_as_of is not None and (report or future != "keep") else none
    drop = np.zeros(len(out), bool)
    as_of_text = None if ts_as_of is None else str(ts_as_of.date())
    checks = (
        ("duplicates", duplicates, is_dup, POLICY_ROWS["duplicates"]),
        ("returns", returns, is_ret, POLICY_ROWS["returns"]),
        ("future", future, is_future, POLICY_ROWS["future"].format(as_of_text)),
    )
    for name, policy, mask, what in checks:
        if not mask.any():
            continue
        if policy == "error":
            shown = _offenders(mask, labels, out["amount"] if name == "returns" else out["date"].dt.date.astype(str))
            raise policy_refused(where, name, int(mask.sum()), what, shown)
        if policy == "drop":
            drop |= mask
        warnings.append(policy_warning(name, policy, int(np.count_nonzero(mask)), what))
    if is_zero.any():
        warnings.append(f"{int(np.count_nonzero(is_zero))} rows have an amount of 0")
    n_blank = (int(np.count_nonzero(blank & ~further_items)) if blank.any() else 0) + left_blank
    if n_blank:
        warnings.append(f"{n_blank} blank rows were skipped")
    if sum(left_out.values()):
        warnings.append(closed_warning(left_out, closed_orders, str(mapping.get("status", mapping.get("refund")))))
    if unknown:
        warnings.append(unknown_warning(unknown, str(mapping["status"])))
    if refund is not None and partial.any():
        warnings.append(partial_warning(int(partial.sum()), float(refund[partial].sum()), str(mapping["refund"])))
    if further_items.any():
        warnings.append(line_items_warning(int(further_items.sum())))
    if drop.all():
        why = ", ".join(f"{n}={p!r}" for n, p, m, _ in checks if p == "drop" and m.any())
        raise no_rows_left(where, len(out), why)
    if drop.any():
        out = out.loc[~drop].reset_index(drop=True)
    if not report:
        return out, None
    # every date is valid (no NaT): the first and last are the least and greatest nanosecond counts
    ns = out["date"].to_numpy().view(np.int64)
    quality = DataQualityReport(
        source=label,
        file_format=info["file_format"],
        encoding=info["encoding"],
        delimiter=info["delimiter"],
        column_map={role: str(col) for role, col in mapping.items()},
        rows_read=rows_read,
        blank_rows=n_blank,
        rows_kept=len(out),
        customers=(
            int(out["customer_id"].nunique())
            if id_codes is None
            else int(np.count_nonzero(np.bincount(id_codes if not drop.any() else id_codes[~drop])))
        ),
        returns=int(np.count_nonzero(is_ret)),
        zero_amounts=int(np.count_nonzero(is_zero)),
        duplicates=int(np.count_nonzero(is_dup)),
        future=int(np.count_nonzero(is_future)) if ts_as_of is not None else None,
        date_min=str(pd.Timestamp(int(ns.min()), unit="ns").date()),
        date_max=str(pd.Timestamp(int(ns.max()), unit="ns").date()),
        as_of=str(ts_as_of.date()) if ts_as_of is not None else None,
        policy={"returns": returns, "duplicates": duplicates, "future": future, "closed_orders": closed_orders},
        warnings=warnings,
        closed_orders=sum(left_out.values()),
        left_out=left_out,
        unknown_statuses=unknown,
        partial_refunds=int(np.count_nonzero(partial)),
        partial_refund_amount=float(refund[partial].sum()) if refund is not None and partial.any() else 0.0,
        buyers_left_out=buyers_left_out,
        line_items=int(np.count_nonzero(further_items)),
    )
    return out, quality


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
    :func:`read_transactions_with_report`; without it, rows that a policy
    keeps (duplicates, returns, future-dated rows) are not looked for, since
    nothing would show them, and the frame is the same.

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
    frame, _ = _read_transactions(
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
        report=False,
    )
    return frame
