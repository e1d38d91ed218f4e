"""The relational CRM store: a small SQLite database and the queries a CRM system answers daily."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    first_rows,
    require_columns,
    require_dataframe,
    to_timestamp,
)

# --------------------------------------------------------------------------- #
# The database
# --------------------------------------------------------------------------- #
_DATE_GLOB = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"

#: DDL of the CRM database: four tables with keys, constraints and indexes.
SCHEMA = f"""
CREATE TABLE customers (
    customer_id       TEXT PRIMARY KEY,
    name              TEXT,
    gender            TEXT,
    birth_year        INTEGER CHECK (birth_year BETWEEN 1900 AND 2030),
    phone             TEXT,
    city              TEXT,
    province          TEXT,
    address           TEXT,
    signup_date       TEXT CHECK (signup_date GLOB {_DATE_GLOB}),
    consent_marketing INTEGER NOT NULL DEFAULT 0 CHECK (consent_marketing IN (0, 1)),
    last_updated      TEXT CHECK (last_updated GLOB {_DATE_GLOB})
);
CREATE TABLE orders (
    order_id    INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (customer_id),
    order_date  TEXT NOT NULL CHECK (order_date GLOB {_DATE_GLOB}),
    amount      REAL NOT NULL
);
CREATE TABLE contacts (
    contact_id   INTEGER PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers (customer_id),
    contact_date TEXT NOT NULL CHECK (contact_date GLOB {_DATE_GLOB}),
    channel      TEXT NOT NULL,
    outcome      TEXT
);
CREATE TABLE complaints (
    complaint_id   INTEGER PRIMARY KEY,
    customer_id    TEXT NOT NULL REFERENCES customers (customer_id),
    complaint_date TEXT NOT NULL CHECK (complaint_date GLOB {_DATE_GLOB}),
    category       TEXT NOT NULL,
    resolved       INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1))
);
CREATE INDEX orders_by_customer ON orders (customer_id, order_date);
CREATE INDEX contacts_by_customer ON contacts (customer_id, contact_date);
CREATE INDEX complaints_by_customer ON complaints (customer_id);
"""

_TABLE_COLUMNS = {
    "customers": [
        "customer_id",
        "name",
        "gender",
        "birth_year",
        "phone",
        "city",
        "province",
        "address",
        "signup_date",
        "consent_marketing",
        "last_updated",
    ],
    "contacts": ["customer_id", "contact_date", "channel", "outcome"],
    "complaints": ["customer_id", "complaint_date", "category", "resolved"],
}


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open an existing CRM database with foreign keys enforced.

    Use it as ``with closing(connect(path)) as con: ...`` (``contextlib.closing``)
    so that the file is released.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"connect: no database at {path}; create it with build_customer_database(folder, ...)")
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = ON")
    return con


def _insert(con: sqlite3.Connection, table: str, frame: pd.DataFrame, columns: Sequence[str]) -> None:
    rows = frame[list(columns)].astype(object).where(frame[list(columns)].notna(), None)
    marks = ", ".join("?" * len(columns))
    con.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows.itertuples(index=False, name=None)
    )


def build_customer_database(
    folder: str | os.PathLike[str],
    transactions: pd.DataFrame | str | os.PathLike[str],
    *,
    customers: pd.DataFrame | None = None,
    contacts: pd.DataFrame | None = None,
    complaints: pd.DataFrame | None = None,
    filename: str = "crm.sqlite",
    overwrite: bool = False,
) -> Path:
    """Create the SQLite CRM database ``folder/filename`` and load the data into it.

    Parameters
    ----------
    folder : path
        An existing folder (e.g. a ``tempfile.TemporaryDirectory``); nothing
        is written anywhere else.
    transactions : DataFrame or path
        Orders: ``customer_id``, datetime64 ``date``, numeric ``amount``, as
        returned by :func:`crm_lessons.io.read_transactions`.  A path is read
        with ``read_transactions`` (CSV in UTF-8 or GBK, Excel, Chinese headers).
    customers, contacts, complaints : DataFrame, optional
        Tables with the columns of :data:`SCHEMA` (see
        :func:`simulate_crm_records`).  Customers that appear only in the
        orders get a row with an id and nothing else.
    filename : str
        Name of the database file inside ``folder``.
    overwrite : bool, default False
        Replace an existing file of that name; otherwise refuse.

    Returns
    -------
    Path
        The database file.

    Raises
    ------
    DataError
        The folder does not exist, the file exists and ``overwrite`` is
        False, a column is missing, an order date is missing, or a contact or
        complaint names a customer that is not in the database.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [5.0, 6.0, 7.0],
    ...                    "date": pd.to_datetime(["2024-01-02", "2024-02-01", "2024-01-15"])})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = build_customer_database(tmp, tx)
    ...     with closing(connect(path)) as con:
    ...         print(table_counts(con))
    {'customers': 2, 'orders': 3, 'contacts': 0, 'complaints': 0}
    """
    where = "build_customer_database"
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(
            f"{where}: folder {str(folder)!r} does not exist; create it first "
            "(e.g. tempfile.TemporaryDirectory()) - the database is never written anywhere else"
        )
    if Path(filename).name != filename:
        raise DataError(f"{where}: filename={filename!r} must be a plain file name, not a path")
    path = folder / filename
    if path.exists():
        if not overwrite:
            raise DataError(f"{where}: {path} already exists; pass overwrite=True to replace it")
        path.unlink()
    if not isinstance(transactions, pd.DataFrame):
        from crm_lessons.io import read_transactions

        transactions = read_transactions(transactions)
    tx = require_dataframe(transactions, where=where)
    require_columns(tx, ["customer_id", "date", "amount"], where=where)
    bad = tx["date"].isna().to_numpy() | tx["customer_id"].isna().to_numpy()
    if bad.any():
        raise DataError(
            f"{where}: orders without a customer or date in {first_rows(bad, tx.index)}; "
            "fix or drop them (read_transactions reports them)"
        )
    orders = pd.DataFrame(
        {
            "customer_id": tx["customer_id"].astype(str).to_numpy(),
            "order_date": pd.to_datetime(tx["date"]).dt.strftime("%Y-%m-%d").to_numpy(),
            "amount": tx["amount"].astype(float).to_numpy(),
        }
    )
    master = customers if customers is not None else pd.DataFrame({"customer_id": []})
    require_columns(master, ["customer_id"], where=where)
    master = master.assign(customer_id=master["customer_id"].astype(str))
    missing_ids = np.setdiff1d(pd.unique(orders["customer_id"]), master["customer_id"].to_numpy())
    master = pd.concat([master, pd.DataFrame({"customer_id": missing_ids})], ignore_index=True)
    for col in _TABLE_COLUMNS["customers"]:
        if col not in master:
            master[col] = 0 if col == "consent_marketing" else None
    known = set(master["customer_id"])
    extra = {"contacts": contacts, "complaints": complaints}
    for name, frame in extra.items():
        if frame is None:
            continue
        require_columns(frame, _TABLE_COLUMNS[name], where=f"{where} ({name})")
        unknown = ~frame["customer_id"].astype(str).isin(known).to_numpy()
        if unknown.any():
            raise DataError(
                f"{where}: {name} name customers that are not in the database in "
                f"{first_rows(unknown, frame.index)}; add them to customers first"
            )
    with closing(sqlite3.connect(path)) as con:
        con.execute("PRAGMA foreign_keys = ON")
        con.executescript(SCHEMA)
        with con:  # one transaction: all or nothing
            _insert(con, "customers", master, _TABLE_COLUMNS["customers"])
            _insert(con, "orders", orders, ["customer_id", "order_date", "amount"])
            for name, frame in extra.items():
                if frame is not None:
                    _insert(con, name, frame.assign(customer_id=frame["customer_id"].astype(str)), _TABLE_COLUMNS[name])
    return path


def table_counts(con: sqlite3.Connection) -> dict[str, int]:
    """Rows per table of the CRM database."""
    return {
        t: int(con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
        for t in ("customers", "orders", "contacts", "complaints")
    }


def _as_of_text(as_of: Any, where: str) -> str:
    return to_timestamp(as_of, name="as_of", where=where).strftime("%Y-%m-%d")


#: The integrated customer view: master data + order, contact and complaint summaries.
_VIEW_SQL = """
WITH o AS (
    SELECT customer_id, COUNT(*) AS n_orders, SUM(amount) AS total_spend,
           MIN(order_date) AS first_order, MAX(order_date) AS last_order
    FROM orders WHERE order_date <= :as_of GROUP BY customer_id
), c AS (
    SELECT customer_id, COUNT(*) AS n_contacts, MAX(contact_date) AS last_contact
    FROM contacts WHERE contact_date <= :as_of GROUP BY customer_id
), k AS (
    SELECT customer_id, COUNT(*) AS n_complaints, SUM(1 - resolved) AS open_complaints
    FROM complaints WHERE complaint_date <= :as_of GROUP BY customer_id
)
SELECT cu.customer_id, cu.name, cu.city, cu.consent_marketing,
       COALESCE(o.n_orders, 0) AS n_orders, COALESCE(o.total_spend, 0.0) AS total_spend,
       o.first_order, o.last_order,
       CAST(ROUND(julianday(:as_of) - julianday(o.last_order)) AS INTEGER) AS days_since_last,
       COALESCE(c.n_contacts, 0) AS n_contacts, c.last_contact,
       COALESCE(k.n_complaints, 0) AS n_complaints, COALESCE(k.open_complaints, 0) AS open_complaints
FROM customers AS cu
LEFT JOIN o ON o.customer_id = cu.customer_id
LEFT JOIN c ON c.customer_id = cu.customer_id
LEFT JOIN k ON k.customer_id = cu.customer_id
ORDER BY cu.customer_id
"""


def customer_view(con: sqlite3.Connection, *, as_of: Any) -> pd.DataFrame:
    """The integrated customer view (客户全貌): one row per customer from all four tables.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: name, city, consent_marketing, n_orders,
        total_spend, first_order, last_order, days_since_last, n_contacts,
        last_contact, n_complaints, open_complaints (all as of ``as_of``).
    """
    sql = _VIEW_SQL
    return pd.read_sql_query(sql, con, params={"as_of": _as_of_text(as_of, "customer_view")}).set_index("customer_id")


def customer_history(con: sqlite3.Connection, customer_id: Any) -> pd.DataFrame:
    """Everything the firm knows happened with one customer, in date order.

    Returns
    -------
    DataFrame
        Columns ``date``, ``event`` (order / contact / complaint), ``detail``.
    """
    sql = """
    SELECT order_date AS date, 'order 订单' AS event, printf('%.2f', amount) AS detail
      FROM orders WHERE customer_id = :id
    UNION ALL
    SELECT contact_date, 'contact 接触', channel || ' - ' || COALESCE(outcome, '')
      FROM contacts WHERE customer_id = :id
    UNION ALL
    SELECT complaint_date, 'complaint 投诉', category || CASE resolved WHEN 1 THEN ' (已解决 resolved)'
                                                       ELSE ' (未解决 open)' END
      FROM complaints WHERE customer_id = :id
    ORDER BY date, event
    """
    cid = str(customer_id)
    if con.execute("SELECT 1 FROM customers WHERE customer_id = ?", (cid,)).fetchone() is None:
        raise DataError(f"customer_history: no customer with customer_id={cid!r}")
    return pd.read_sql_query(sql, con, params={"id": cid})


def next_best_contacts(
    con: sqlite3.Connection,
    *,
    as_of: Any,
    lapsed_days: int = 90,
    quiet_days: int = 30,
    n: int = 10,
) -> pd.DataFrame:
    """Today's call list: valuable customers who stopped buying and may be contacted.

    A customer is listed when they agreed to marketing contact
    (``consent_marketing = 1``), their last order is more than
    ``lapsed_days`` before ``as_of``, and nobody contacted them in the last
    ``quiet_days``.  Customers with an open complaint come first (fix the
    problem before selling again), then by total spend.

    Returns
    -------
    DataFrame
        Up to ``n`` rows: customer_id, name, total_spend, days_since_last,
        last_contact, open_complaints, action_zh.
    """
    where = "next_best_contacts"
    if lapsed_days < 0 or quiet_days < 0 or n < 1:
        raise DataError(f"{where}: lapsed_days={lapsed_days} and quiet_days={quiet_days} must be >= 0, n={n} >= 1")
    sql = f"""
    SELECT * FROM ({_VIEW_SQL}) AS v
    WHERE v.consent_marketing = 1 AND v.n_orders > 0
      AND v.days_since_last > :lapsed
      AND (v.last_contact IS NULL OR julianday(:as_of) - julianday(v.last_contact) > :quiet)
    ORDER BY (v.open_complaints > 0) DESC, v.total_spend DESC, v.customer_id
    LIMIT :n
    """
    params = {"as_of": _as_of_text(as_of, where), "lapsed": lapsed_days, "quiet": quiet_days, "n": n}
    out = pd.read_sql_query(sql, con, params=params)
    out["action_zh"] = np.where(
        out["open_complaints"] > 0, "先解决投诉 resolve the complaint first", "唤醒联系 win-back contact"
    )
    return out[
        ["customer_id", "name", "total_spend", "days_since_last", "last_contact", "open_complaints", "action_zh"]
    ]


def rfm_sql(con: sqlite3.Connection, *, as_of: Any) -> pd.DataFrame:
    """The RFM table computed in SQL inside the database.

    Same rows, columns and values as :func:`crm_lessons.rfm.rfm_table` on the
    orders that were loaded (customer ids as text, sorted).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: days_since_last, n_purchases,
        total_spend, mean_spend, first_purchase, last_purchase, days_since_first.
    """
    sql = """
    SELECT customer_id,
           CAST(ROUND(julianday(:as_of) - julianday(MAX(order_date))) AS INTEGER) AS days_since_last,
           COUNT(*) AS n_purchases,
           SUM(amount) AS total_spend,
           SUM(amount) / COUNT(*) AS mean_spend,
           MIN(order_date) AS first_purchase,
           MAX(order_date) AS last_purchase,
           CAST(ROUND(julianday(:as_of) - julianday(MIN(order_date))) AS INTEGER) AS days_since_first
    FROM orders
    WHERE order_date <= :as_of
    GROUP BY customer_id
    ORDER BY customer_id
    """
    out = pd.read_sql_query(sql, con, params={"as_of": _as_of_text(as_of, "rfm_sql")})
    for col in ("first_purchase", "last_purchase"):
        out[col] = pd.to_datetime(out[col], format="%Y-%m-%d")
    return out.set_index("customer_id")
