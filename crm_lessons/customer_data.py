"""Customer data management: a relational CRM store, data quality, duplicates, CRM choice, privacy.

The course's steps of customer identification (define the information
needed, collect it, integrate and clean it, keep it up to date, keep it
secure) each get a tested function here:

* **store** - :func:`build_customer_database` writes a small SQLite CRM
  database (customers, orders, contacts, complaints; keys, constraints,
  indexes) into a folder the caller names; :func:`customer_view`,
  :func:`customer_history`, :func:`next_best_contacts` and :func:`rfm_sql`
  are the queries a CRM system answers daily.  ``rfm_sql`` returns the
  same table as :func:`crm_lessons.rfm.rfm_table`.
* **clean** - :func:`quality_profile` (completeness, validity, uniqueness,
  consistency, timeliness per column); :func:`messy_customer_list` (a
  seeded list with known duplicates), :func:`duplicate_candidates` (fuzzy
  matching of names, phones and addresses with RapidFuzz) and
  :func:`match_quality` (precision and recall against the truth).
* **choose a system** - :func:`crm_system_types`, :func:`weighted_scores`,
  :func:`weight_ranges` and :func:`winner_shares` (a weighted scoring
  matrix and how sensitive its ranking is to the weights).
* **keep it secure** - :func:`pipl_obligations` (China's Personal
  Information Protection Law, article numbers pinned by a test),
  :func:`pseudonymise` (keyed HMAC-SHA256), :func:`recover_by_enumeration`
  (why plain hashing of phone numbers is reversible), :func:`k_anonymity`
  and :func:`generalise_until_k`.

Nothing here uses the network, and nothing is written outside the folder the
caller passes to :func:`build_customer_database`.

References
----------
Wang, R. Y. & Strong, D. M. (1996). Beyond accuracy: what data quality means
to data consumers. *Journal of Management Information Systems* 12(4), 5-33.

Fellegi, I. P. & Sunter, A. B. (1969). A theory for record linkage.
*Journal of the American Statistical Association* 64(328), 1183-1210.

Sweeney, L. (2002). k-anonymity: a model for protecting privacy.
*International Journal of Uncertainty, Fuzziness and Knowledge-Based
Systems* 10(5), 557-570.

Krawczyk, H., Bellare, M. & Canetti, R. (1997). HMAC: keyed-hashing for
message authentication. RFC 2104.

中华人民共和国个人信息保护法 (Personal Information Protection Law of the
People's Republic of China), adopted 2021-08-20, in force 2021-11-01.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
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

__all__ = [
    "SCHEMA",
    "PIPL_ARTICLES",
    "KEY_ENV_VAR",
    "simulate_crm_records",
    "build_customer_database",
    "connect",
    "table_counts",
    "customer_view",
    "customer_history",
    "next_best_contacts",
    "rfm_sql",
    "normalise_phone",
    "normalise_name",
    "normalise_address",
    "mask_phone",
    "quality_profile",
    "messy_customer_list",
    "duplicate_candidates",
    "match_quality",
    "crm_system_types",
    "weighted_scores",
    "weight_ranges",
    "winner_shares",
    "pipl_obligations",
    "pseudonymise",
    "sha256_hex",
    "demo_key",
    "key_from_env",
    "EnumerationResult",
    "recover_by_enumeration",
    "k_anonymity",
    "band",
    "generalise_until_k",
]

# --------------------------------------------------------------------------- #
# Seeded customer master data (names, phones, addresses) for the bundled orders
# --------------------------------------------------------------------------- #
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超霞平刚华玲红飞鹏斌宇浩凯")
#: Characters that sound alike and are confused when a name is typed from speech.
_SOUND_ALIKE = {
    "伟": "玮",
    "静": "晶",
    "丽": "莉",
    "明": "铭",
    "华": "桦",
    "军": "君",
    "杰": "洁",
    "敏": "民",
    "涛": "韬",
    "娜": "那",
    "磊": "蕾",
    "霞": "侠",
    "玲": "琳",
    "红": "虹",
    "飞": "菲",
    "鹏": "朋",
    "斌": "彬",
    "宇": "雨",
    "浩": "皓",
    "凯": "铠",
    "芳": "方",
    "强": "蔷",
    "勇": "永",
    "艳": "燕",
    "超": "潮",
    "平": "萍",
    "刚": "钢",
    "洋": "阳",
}
_CITIES = [
    ("北京市", "北京"),
    ("上海市", "上海"),
    ("广州市", "广东"),
    ("深圳市", "广东"),
    ("杭州市", "浙江"),
    ("宁波市", "浙江"),
    ("南京市", "江苏"),
    ("苏州市", "江苏"),
    ("成都市", "四川"),
    ("武汉市", "湖北"),
]
_ROADS = ["人民路", "解放路", "中山路", "建设路", "和平路", "胜利路", "新华路", "文化路", "长江路", "青年路"]
_PHONE_PREFIXES = [
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "158",
    "159",
    "176",
    "177",
    "180",
    "186",
    "187",
    "188",
    "189",
]
_CHANNELS = ["电话 phone", "邮件 email", "短信 SMS", "门店 store", "微信 WeChat"]
_COMPLAINTS = ["产品质量 product", "配送 delivery", "服务态度 staff", "价格 price"]


def _random_people(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` seeded people: name, gender, birth year, phone, city, province, address."""
    surname = rng.choice(_SURNAMES, size=n)
    g1 = rng.choice(_GIVEN, size=n)
    g2 = rng.choice(_GIVEN, size=n)
    two = rng.random(n) < 0.6  # 60% of given names have two characters
    names = [s + a + (b if t else "") for s, a, b, t in zip(surname, g1, g2, two)]
    prefix = rng.choice(_PHONE_PREFIXES, size=n)
    rest = rng.integers(0, 10**8, size=n)
    phones = [f"{p}{r:08d}" for p, r in zip(prefix, rest)]
    city_idx = rng.integers(0, len(_CITIES), size=n)
    road = rng.choice(_ROADS, size=n)
    number = rng.integers(1, 300, size=n)
    building = rng.integers(1, 20, size=n)
    room = rng.integers(1, 30, size=n) * 100 + rng.integers(1, 5, size=n)
    address = [
        f"{_CITIES[c][1]}省{_CITIES[c][0]}{r}{k}号{b}栋{m}室"
        if _CITIES[c][1] != _CITIES[c][0][:2]
        else f"{_CITIES[c][0]}{r}{k}号{b}栋{m}室"
        for c, r, k, b, m in zip(city_idx, road, number, building, room)
    ]
    return pd.DataFrame(
        {
            "name": names,
            "gender": rng.choice(["女 F", "男 M"], size=n),
            "birth_year": rng.integers(1950, 2005, size=n),
            "phone": phones,
            "city": [_CITIES[c][0] for c in city_idx],
            "province": [_CITIES[c][1] for c in city_idx],
            "address": address,
        }
    )


def simulate_crm_records(
    transactions: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    random_state: int,
    customer_col: str = "customer_id",
    date_col: str = "date",
    consent_rate: float = 0.7,
    complaint_rate: float = 0.08,
) -> dict[str, pd.DataFrame]:
    """Seeded customer master data, contacts and complaints for the customers of a transaction log.

    Real order files (CDNOW) hold no names, phones, contacts or complaints;
    this fills them in so that a complete CRM database can be built.  Every
    value is invented from ``random_state``: the people do not exist.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase with ``customer_col`` and a datetime64 ``date_col``.
    as_of : date-like
        Contacts and complaints are dated on or before this day.
    random_state : int
        Seed.
    consent_rate, complaint_rate : float
        Share of customers who agreed to marketing contact, and who complained once.

    Returns
    -------
    dict of DataFrame
        ``"customers"``: customer_id (str), name, gender, birth_year, phone,
        city, province, address, signup_date, consent_marketing (0/1),
        last_updated; ``"contacts"``: customer_id, contact_date, channel,
        outcome; ``"complaints"``: customer_id, complaint_date, category, resolved (0/1).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "amount": [5.0, 6.0, 7.0],
    ...                    "date": pd.to_datetime(["2024-01-02", "2024-02-01", "2024-01-15"])})
    >>> rec = simulate_crm_records(tx, as_of="2024-03-01", random_state=0)
    >>> sorted(rec), list(rec["customers"]["customer_id"])
    (['complaints', 'contacts', 'customers'], ['1', '2'])
    """
    where = "simulate_crm_records"
    df = require_dataframe(transactions, where=where)
    require_columns(df, {customer_col: "customer_col", date_col: "date_col"}, where=where)
    as_of_ts = to_timestamp(as_of, name="as_of", where=where)
    rng = np.random.default_rng(random_state)
    first = df.groupby(customer_col)[date_col].min().sort_index()
    n = len(first)
    people = _random_people(n, rng)
    ids = first.index.astype(str)
    first_day = first.dt.normalize().to_numpy()
    signup = first_day - rng.integers(0, 30, size=n).astype("timedelta64[D]")
    span = (as_of_ts - first.dt.normalize()).dt.days.clip(lower=0).to_numpy()
    updated = first_day + (rng.random(n) * span).astype("int64").astype("timedelta64[D]")
    customers = people.assign(
        customer_id=ids,
        signup_date=pd.to_datetime(signup).strftime("%Y-%m-%d"),
        consent_marketing=(rng.random(n) < consent_rate).astype(int),
        last_updated=pd.to_datetime(updated).strftime("%Y-%m-%d"),
    )[
        [
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
        ]
    ]

    n_contacts = rng.poisson(1.5, size=n)
    who = np.repeat(np.arange(n), n_contacts)
    offset = (rng.random(len(who)) * span[who]).astype("int64").astype("timedelta64[D]")
    contacts = (
        pd.DataFrame(
            {
                "customer_id": ids[who],
                "contact_date": pd.to_datetime(first_day[who] + offset).strftime("%Y-%m-%d"),
                "channel": rng.choice(_CHANNELS, size=len(who)),
                "outcome": rng.choice(["已回应 responded", "无回应 no response"], size=len(who), p=[0.3, 0.7]),
            }
        )
        .sort_values(["customer_id", "contact_date"], kind="stable")
        .reset_index(drop=True)
    )

    complained = np.flatnonzero(rng.random(n) < complaint_rate)
    offset = (rng.random(len(complained)) * span[complained]).astype("int64").astype("timedelta64[D]")
    complaints = pd.DataFrame(
        {
            "customer_id": ids[complained],
            "complaint_date": pd.to_datetime(first_day[complained] + offset).strftime("%Y-%m-%d"),
            "category": rng.choice(_COMPLAINTS, size=len(complained)),
            "resolved": (rng.random(len(complained)) < 0.75).astype(int),
        }
    )
    return {"customers": customers, "contacts": contacts, "complaints": complaints}


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


# --------------------------------------------------------------------------- #
# Data quality
# --------------------------------------------------------------------------- #
def _text(values: pd.Series) -> pd.Series:
    """NFKC-normalised text (full-width digits and letters become ASCII); missing stays missing."""
    return values.map(lambda v: v if pd.isna(v) else unicodedata.normalize("NFKC", str(v)))


def normalise_phone(values: pd.Series) -> pd.Series:
    """Mainland mobile numbers in one form: 11 digits, no country code, no separators.

    ``'+86 138-0013-8000'``, ``'0086 13800138000'`` and ``'13800138000'`` all
    become ``'13800138000'``; anything that is not 11 digits after removing
    separators and the country code becomes missing.

    Examples
    --------
    >>> import pandas as pd
    >>> normalise_phone(pd.Series(["+86 138-0013-8000", "１３８００１３８０００", "12345", None])).tolist()
    ['13800138000', '13800138000', nan, nan]
    """
    digits = _text(values).map(lambda v: v if pd.isna(v) else re.sub(r"\D", "", v))
    digits = digits.map(lambda v: v if pd.isna(v) else re.sub(r"^(0086|86)(?=1\d{10}$)", "", v))
    return digits.where(digits.str.fullmatch(r"1\d{10}").fillna(False).astype(bool), np.nan)


def normalise_name(values: pd.Series) -> pd.Series:
    """Names without spaces or punctuation, NFKC-normalised (``'王 伟'`` -> ``'王伟'``)."""
    return _text(values).map(lambda v: v if pd.isna(v) else re.sub(r"[\s·.,，、]", "", v))


def normalise_address(values: pd.Series) -> pd.Series:
    """Addresses in one form: NFKC (ASCII digits), no spaces, ``#`` -> 号, 幢 -> 栋."""

    def one(v: Any) -> Any:
        if pd.isna(v):
            return v
        return re.sub(r"\s", "", str(v)).replace("#", "号").replace("幢", "栋")

    return _text(values).map(one)


def mask_phone(values: pd.Series) -> pd.Series:
    """Show only the first 3 and last 4 digits (``'138****8000'``), for screens and printouts."""
    p = normalise_phone(values)
    return p.map(lambda v: v if pd.isna(v) else f"{v[:3]}****{v[-4:]}")


def quality_profile(
    data: pd.DataFrame,
    *,
    validators: Mapping[str, str | Callable[[pd.Series], pd.Series]] | None = None,
    normalisers: Mapping[str, Callable[[pd.Series], pd.Series]] | None = None,
    as_of: Any = None,
    max_age_days: int | None = None,
) -> pd.DataFrame:
    """Data-quality profile: one row per column, five dimensions as shares between 0 and 1.

    Parameters
    ----------
    data : DataFrame
    validators : mapping, optional
        Column -> regular expression (the whole value must match) or a
        function returning a boolean Series.  Applied to the normalised value
        when the column has a normaliser.
    normalisers : mapping, optional
        Column -> function that puts values into their standard form
        (missing when impossible), e.g. :func:`normalise_phone`.
    as_of, max_age_days : optional
        Give both to measure timeliness of the date columns (see Notes).

    Returns
    -------
    DataFrame
        Indexed by column: ``completeness`` (non-missing share), ``validity``
        (share of non-missing values that pass the validator; NaN without
        one), ``uniqueness`` (distinct / non-missing, after normalising;
        1 = no value repeats),
        ``consistency`` (share of non-missing values already stored in the
        standard form; NaN without a normaliser), ``timeliness`` (date
        columns: share of non-missing dates at most ``max_age_days`` before
        ``as_of``; NaN otherwise).

    Notes
    -----
    The five dimensions follow the data-quality literature (Wang & Strong
    1996 group them as intrinsic, contextual, representational and
    accessibility quality).  A date column is a datetime64 column; a text
    column of ISO dates (``YYYY-MM-DD``) counts too.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"phone": ["13800138000", "138-0013-8000", "12345", None]})
    >>> quality_profile(df, validators={"phone": r"1\\d{10}"},
    ...                 normalisers={"phone": normalise_phone}).loc["phone"].round(3).to_dict()
    {'completeness': 0.75, 'validity': 0.667, 'uniqueness': 0.667, 'consistency': 0.333, 'timeliness': nan}
    """
    where = "quality_profile"
    df = require_dataframe(data, where=where)
    validators = dict(validators or {})
    normalisers = dict(normalisers or {})
    for name, mapping in (("validators", validators), ("normalisers", normalisers)):
        unknown = [c for c in mapping if c not in df.columns]
        if unknown:
            raise DataError(
                f"{where}: {name} name columns that do not exist: {unknown}; columns are {[str(c) for c in df.columns]}"
            )
    as_of_ts = to_timestamp(as_of, name="as_of", where=where) if as_of is not None else None
    if (as_of_ts is None) != (max_age_days is None):
        raise DataError(f"{where}: pass both as_of and max_age_days (for timeliness) or neither")
    rows = {}
    for col in df.columns:
        raw = df[col]
        present = raw.notna()
        n_present = int(present.sum())
        norm = normalisers[col](raw) if col in normalisers else raw
        values = norm[present]
        row = {
            "completeness": n_present / len(df),
            "validity": np.nan,
            "uniqueness": np.nan,
            "consistency": np.nan,
            "timeliness": np.nan,
        }
        if n_present:
            # a value that cannot be normalised still counts as itself
            row["uniqueness"] = values.fillna(raw[present]).nunique() / n_present
            if col in validators:
                rule = validators[col]
                if isinstance(rule, str):
                    ok = values.astype("string").str.fullmatch(rule).fillna(False).astype(bool)
                else:
                    ok = pd.Series(rule(values), index=values.index).fillna(False).astype(bool)
                row["validity"] = float(ok.mean())
            if col in normalisers:
                same = raw[present].astype(str).to_numpy() == values.astype(str).to_numpy()
                row["consistency"] = float(same.mean())
            if as_of_ts is not None:
                dates = None
                if pd.api.types.is_datetime64_any_dtype(raw):
                    dates = raw[present]
                elif raw[present].astype(str).str.fullmatch(r"\d{4}-\d{2}-\d{2}").all():
                    dates = pd.to_datetime(raw[present], format="%Y-%m-%d", errors="coerce")
                if dates is not None:
                    age = (as_of_ts - dates).dt.days
                    row["timeliness"] = float((age <= max_age_days).mean())
        rows[col] = row
    return pd.DataFrame.from_dict(rows, orient="index")


# --------------------------------------------------------------------------- #
# Duplicate customers
# --------------------------------------------------------------------------- #
def _typo_name(name: str, rng: np.random.Generator) -> str:
    chars = list(name)
    positions = [i for i, c in enumerate(chars) if i > 0 and c in _SOUND_ALIKE]
    kind = rng.integers(0, 3)
    if kind == 0 and positions:  # a sound-alike character
        i = positions[rng.integers(0, len(positions))]
        chars[i] = _SOUND_ALIKE[chars[i]]
        return "".join(chars)
    if kind == 1:  # a space typed between surname and given name
        return chars[0] + " " + "".join(chars[1:])
    return name  # unchanged


def _messy_phone(phone: str, rng: np.random.Generator) -> Any:
    kind = rng.integers(0, 6)
    if kind == 0:
        return f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
    if kind == 1:
        return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    if kind == 2:  # one digit mistyped
        i = int(rng.integers(3, 11))
        d = str((int(phone[i]) + int(rng.integers(1, 10))) % 10)
        return phone[:i] + d + phone[i + 1 :]
    if kind == 3:
        return np.nan  # not given this time
    if kind == 4 and rng.random() < 0.5:  # a digit dropped: no longer a valid number
        i = int(rng.integers(3, 11))
        return phone[:i] + phone[i + 1 :]
    return phone


def _messy_address(address: str, rng: np.random.Generator) -> str:
    kind = rng.integers(0, 4)
    if kind == 0:
        return re.sub(r"^[^省]{2,3}省", "", address)
    if kind == 1:
        return address.replace("号", "#").replace("栋", "幢")
    if kind == 2:
        return unicodedata.normalize("NFKC", address).translate(
            {ord(c): ord(c) + 0xFEE0 for c in "0123456789"}
        )  # full-width digits
    return address


def messy_customer_list(
    n_customers: int = 400,
    *,
    duplicate_rate: float = 0.25,
    household_rate: float = 0.05,
    random_state: int,
) -> pd.DataFrame:
    """A seeded customer list with known duplicates, the way registrations pile up in practice.

    Each of ``n_customers`` people registers once; a share ``duplicate_rate``
    register again (one or two extra records) through another channel, with a
    sound-alike character in the name, a space, another phone format, a
    mistyped digit, a missing phone or another address form.  A share
    ``household_rate`` has a family member registered at the same address
    (a different person: a hard non-duplicate).  Common Chinese names make
    some different people share a name, as in reality.

    Returns
    -------
    DataFrame
        ``record_id`` (0..n-1), ``name``, ``phone``, ``address``, ``channel``,
        ``last_updated`` (ISO date text within the three years up to
        2024-12-31), and the truth ``person_id``: records
        with the same ``person_id`` are the same person.

    Examples
    --------
    >>> df = messy_customer_list(50, random_state=1)
    >>> df["person_id"].nunique() < len(df)
    True
    """
    where = "messy_customer_list"
    if n_customers < 2:
        raise DataError(f"{where}: n_customers={n_customers} should be >= 2")
    for name, rate in (("duplicate_rate", duplicate_rate), ("household_rate", household_rate)):
        if not 0 <= rate <= 1:
            raise DataError(f"{where}: {name}={rate} should be between 0 and 1")
    rng = np.random.default_rng(random_state)
    people = _random_people(n_customers, rng).assign(person_id=np.arange(n_customers))
    records = [people[["name", "phone", "address", "person_id"]].assign(channel="门店 store")]
    dup = people[rng.random(n_customers) < duplicate_rate]
    for copy in range(2):
        take = dup if copy == 0 else dup[rng.random(len(dup)) < 0.3]
        records.append(
            pd.DataFrame(
                {
                    "name": [_typo_name(v, rng) for v in take["name"]],
                    "phone": [_messy_phone(v, rng) for v in take["phone"]],
                    "address": [_messy_address(v, rng) for v in take["address"]],
                    "person_id": take["person_id"].to_numpy(),
                    "channel": rng.choice(["网店 online", "电话 phone", "微信 WeChat"], size=len(take)),
                }
            )
        )
    house = people[rng.random(n_customers) < household_rate]
    family = _random_people(len(house), rng)
    records.append(
        pd.DataFrame(
            {
                "name": [s[0] + f[1:] for s, f in zip(house["name"], family["name"])],  # same surname
                "phone": family["phone"].to_numpy(),
                "address": house["address"].to_numpy(),
                "person_id": np.arange(n_customers, n_customers + len(house)),
                "channel": "网店 online",
            }
        )
    )
    out = pd.concat(records, ignore_index=True)
    out = out.iloc[rng.permutation(len(out))].reset_index(drop=True)
    days = rng.integers(0, 3 * 365, size=len(out)).astype("timedelta64[D]")
    out["last_updated"] = pd.to_datetime(np.datetime64("2024-12-31") - days).strftime("%Y-%m-%d")
    out.insert(0, "record_id", np.arange(len(out)))
    return out[["record_id", "name", "phone", "address", "channel", "last_updated", "person_id"]]


def duplicate_candidates(
    customers: pd.DataFrame,
    *,
    name_col: str = "name",
    phone_col: str = "phone",
    address_col: str = "address",
    weights: Mapping[str, float] | None = None,
    min_score: float = 50.0,
) -> pd.DataFrame:
    """Score every pair of records for being the same customer (fuzzy matching).

    Each field is normalised (:func:`normalise_name`, :func:`normalise_phone`,
    :func:`normalise_address`) and compared with RapidFuzz's normalised
    Indel similarity ``fuzz.ratio`` (0-100; for addresses
    ``fuzz.partial_ratio``, which tolerates a missing prefix).  The pair
    score is the weighted mean of the fields present in both records.

    Parameters
    ----------
    customers : DataFrame
        One row per record; the index labels identify the records.
    name_col, phone_col, address_col : str
        Columns compared.
    weights : mapping, optional
        ``{"name": w, "phone": w, "address": w}``; default 0.4, 0.4, 0.2.
    min_score : float
        Pairs scoring below this are left out (to keep the result small).

    Returns
    -------
    DataFrame
        One row per pair ``a < b`` (positions in ``customers``) with
        ``score >= min_score``: ``a``, ``b``, ``label_a``, ``label_b``,
        ``name_sim``, ``phone_sim``, ``address_sim`` (NaN when a value is
        missing), ``score``; sorted by score, highest first.

    Notes
    -----
    All n(n-1)/2 pairs are scored (``rapidfuzz.process.cdist``, compiled
    code), which is fine for thousands of records; for millions a firm first
    blocks (compares only records sharing e.g. a city or a phone suffix).
    The weighted score is the simplest form of the Fellegi-Sunter (1969)
    idea of adding field-by-field evidence.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"name": ["王伟", "王玮", "李静"],
    ...                    "phone": ["13800138000", "+86 138 0013 8000", "13912345678"],
    ...                    "address": ["浙江省杭州市人民路1号", "杭州市人民路1号", "南京市中山路8号"]})
    >>> duplicate_candidates(df, min_score=80)[["a", "b", "score"]].round(1)
       a  b  score
    0  0  1   80.0
    """
    from rapidfuzz import fuzz
    from rapidfuzz.process import cdist

    where = "duplicate_candidates"
    df = require_dataframe(customers, where=where)
    cols = {"name": name_col, "phone": phone_col, "address": address_col}
    require_columns(df, {v: f"{k}_col" for k, v in cols.items()}, where=where)
    w = {"name": 0.4, "phone": 0.4, "address": 0.2} if weights is None else dict(weights)
    if set(w) != set(cols) or any(not np.isfinite(v) or v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise DataError(
            f"{where}: weights={w} should give a non-negative weight to each of "
            "'name', 'phone', 'address' (not all zero)"
        )
    norm = {"name": normalise_name, "phone": normalise_phone, "address": normalise_address}
    scorer = {"name": fuzz.ratio, "phone": fuzz.ratio, "address": fuzz.partial_ratio}
    n = len(df)
    total = np.zeros((n, n))
    weight_sum = np.zeros((n, n))
    sims = {}
    for field, col in cols.items():
        values = norm[field](df[col])
        present = values.notna().to_numpy()
        text = values.fillna("").astype(str).tolist()
        sim = cdist(text, text, scorer=scorer[field], dtype=np.float32, workers=1).astype(float)
        both = present[:, None] & present[None, :]
        sim[~both] = np.nan
        sims[field] = sim
        total += np.where(both, sim * w[field], 0.0)
        weight_sum += np.where(both, w[field], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = total / weight_sum
    a, b = np.triu_indices(n, k=1)
    s = score[a, b]
    keep = np.nan_to_num(s, nan=-1.0) >= min_score
    a, b, s = a[keep], b[keep], s[keep]
    labels = np.asarray(df.index)
    out = pd.DataFrame(
        {
            "a": a,
            "b": b,
            "label_a": labels[a],
            "label_b": labels[b],
            "name_sim": sims["name"][a, b],
            "phone_sim": sims["phone"][a, b],
            "address_sim": sims["address"][a, b],
            "score": s,
        }
    )
    return out.sort_values(["score", "a", "b"], ascending=[False, True, True], kind="stable").reset_index(drop=True)


def match_quality(candidates: pd.DataFrame, truth: Sequence[Any] | pd.Series, *, threshold: float) -> dict[str, float]:
    """Precision and recall of "same customer when score >= threshold" against the known truth.

    Parameters
    ----------
    candidates : DataFrame
        Result of :func:`duplicate_candidates` (columns ``a``, ``b``, ``score``).
    truth : sequence
        The true person of each record, by position (e.g. ``person_id``).
    threshold : float

    Returns
    -------
    dict
        ``threshold``, ``true_pairs``, ``found_pairs``, ``true_positives``,
        ``precision`` (share of found pairs that are real duplicates; NaN when
        nothing is found), ``recall`` (share of real duplicate pairs found), ``f1``.

    Examples
    --------
    >>> import pandas as pd
    >>> cand = pd.DataFrame({"a": [0, 0, 1], "b": [1, 2, 2], "score": [95.0, 70.0, 90.0]})
    >>> match_quality(cand, [7, 7, 8], threshold=80)["precision"]
    0.5
    """
    where = "match_quality"
    require_columns(candidates, ["a", "b", "score"], where=where)
    truth = np.asarray(truth)
    if len(candidates) and int(max(candidates["a"].max(), candidates["b"].max())) >= len(truth):
        raise DataError(
            f"{where}: truth has {len(truth)} entries but the candidates name record positions up to "
            f"{int(max(candidates['a'].max(), candidates['b'].max()))}; pass one truth label per record"
        )
    _, counts = np.unique(truth, return_counts=True)
    true_pairs = int((counts * (counts - 1) // 2).sum())
    found = candidates[candidates["score"] >= threshold]
    tp = int((truth[found["a"].to_numpy()] == truth[found["b"].to_numpy()]).sum())
    precision = tp / len(found) if len(found) else float("nan")
    recall = tp / true_pairs if true_pairs else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if len(found) and (precision + recall) > 0 else float("nan")
    return {
        "threshold": float(threshold),
        "true_pairs": true_pairs,
        "found_pairs": int(len(found)),
        "true_positives": tp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


# --------------------------------------------------------------------------- #
# CRM systems and how to choose one
# --------------------------------------------------------------------------- #
def crm_system_types() -> pd.DataFrame:
    """The three kinds of CRM system (operational, analytical, collaborative).

    Returns
    -------
    DataFrame
        Indexed by ``type`` (operational / analytical / collaborative):
        ``type_zh``, ``purpose_zh``, ``examples_zh``, ``users_zh``.
    """
    rows = [
        (
            "operational",
            "操作型 CRM",
            "让面向客户的日常业务自动化、有记录：销售、营销、服务",
            "销售自动化 (SFA)、营销活动管理、客服工单与呼叫中心、客户档案查询",
            "销售、客服、市场一线人员",
        ),
        (
            "analytical",
            "分析型 CRM",
            "从积累的客户数据中提炼客户知识，支持决策",
            "数据仓库、RFM 与客户价值分析、流失预警、细分与响应模型",
            "分析师、市场与管理层",
        ),
        (
            "collaborative",
            "协作型 CRM",
            "让各部门、各渠道（及合作伙伴）共享同一份客户信息、协同服务客户",
            "全渠道联络中心、客户门户与自助服务、部门间共享的客户视图、与经销商共享线索",
            "跨部门团队、渠道与合作伙伴",
        ),
    ]
    return pd.DataFrame(rows, columns=["type", "type_zh", "purpose_zh", "examples_zh", "users_zh"]).set_index("type")


def _check_matrix(scores: pd.DataFrame, weights: Mapping[str, float], where: str) -> tuple[pd.DataFrame, pd.Series]:
    scores = require_dataframe(scores, where=where)
    w = pd.Series(dict(weights), dtype=float)
    if set(w.index) != set(scores.columns):
        raise DataError(
            f"{where}: weights name {sorted(w.index)} but the score columns (criteria) are "
            f"{sorted(map(str, scores.columns))}; give one weight per criterion"
        )
    if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
        raise DataError(f"{where}: weights should be non-negative numbers, not all zero; got {w.to_dict()}")
    vals = scores.apply(pd.to_numeric, errors="coerce")
    bad = vals.isna().any(axis=1).to_numpy()
    if bad.any():
        raise DataError(f"{where}: scores should be numbers; missing or non-numeric in {first_rows(bad, scores.index)}")
    return vals, w.reindex(scores.columns) / w.sum()


def weighted_scores(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Weighted scoring decision matrix: total score and rank of each option.

    Parameters
    ----------
    scores : DataFrame
        Options (rows) by criteria (columns); higher is better on every
        criterion (score cost as "cheapness").
    weights : mapping
        Criterion -> importance; rescaled to sum to 1.

    Returns
    -------
    DataFrame
        ``scores`` with ``total`` (sum of weight x score) and ``rank`` (1 = best),
        sorted by rank.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"fit": [5, 3], "cost": [2, 5]}, index=["A", "B"])
    >>> weighted_scores(s, {"fit": 0.7, "cost": 0.3})["total"].round(2).to_dict()
    {'A': 4.1, 'B': 3.6}
    """
    vals, w = _check_matrix(scores, weights, "weighted_scores")
    total = vals.to_numpy() @ w.to_numpy()
    out = vals.assign(total=total)
    out["rank"] = out["total"].rank(ascending=False, method="min").astype(int)
    return out.sort_values(["rank"], kind="stable")


def weight_ranges(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """How far each weight can move before the winner changes (one weight at a time).

    Criterion ``c``'s weight is set to ``t`` and the other weights are scaled
    by ``(1 - t) / (1 - w_c)`` so that they keep their proportions.  Totals
    are linear in ``t``, so the range of ``t`` over which today's winner
    stays first is found exactly from where the lines cross.

    Returns
    -------
    DataFrame
        Indexed by criterion: ``weight`` (rescaled to sum 1), ``low``,
        ``high`` (the winner stays first for ``low <= t <= high``),
        ``rival_low``, ``rival_high`` (the option that overtakes beyond each
        end; empty when none does).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"fit": [5, 3], "cost": [2, 5]}, index=["A", "B"])
    >>> weight_ranges(s, {"fit": 0.7, "cost": 0.3})[["weight", "low", "high"]].round(3)
          weight  low  high
    fit      0.7  0.6   1.0
    cost     0.3  0.0   0.4
    """
    vals, w = _check_matrix(scores, weights, "weight_ranges")
    s = vals.to_numpy(dtype=float)
    totals = s @ w.to_numpy()
    win = int(np.argmax(totals))
    rows = {}
    for j, crit in enumerate(vals.columns):
        wj = w.iloc[j]
        others = w.to_numpy().copy()
        others[j] = 0.0
        rest = others.sum()
        base = s @ (others / rest) if rest > 0 else np.zeros(len(s))  # total when t = 0
        # total_i(t) = t * s[i, j] + (1 - t) * base[i]; winner minus rival: d0 + t * (d1 - d0)
        lo, hi, r_lo, r_hi = 0.0, 1.0, "", ""
        for i in range(len(s)):
            if i == win:
                continue
            d0 = base[win] - base[i]
            d1 = s[win, j] - s[i, j]
            if d1 == d0:
                continue
            t_cross = d0 / (d0 - d1)
            if t_cross < wj and d1 > d0 and t_cross > lo:  # rival ahead for small t
                lo, r_lo = t_cross, str(vals.index[i])
            if t_cross > wj and d1 < d0 and t_cross < hi:  # rival ahead for large t
                hi, r_hi = t_cross, str(vals.index[i])
        rows[crit] = {"weight": wj, "low": max(lo, 0.0), "high": min(hi, 1.0), "rival_low": r_lo, "rival_high": r_hi}
    return pd.DataFrame.from_dict(rows, orient="index")


def winner_shares(
    scores: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    n_draws: int = 2000,
    concentration: float = 50.0,
    random_state: int,
) -> pd.Series:
    """Share of random weight sets around ``weights`` under which each option ranks first.

    Weight sets are drawn from a Dirichlet distribution with mean
    ``weights`` and parameters ``concentration x weights`` (larger =
    closer to the given weights): a simple probabilistic sensitivity analysis.

    Returns
    -------
    Series
        Indexed by option, name ``winner_share``, summing to 1, sorted descending.
    """
    vals, w = _check_matrix(scores, weights, "winner_shares")
    if n_draws < 1 or concentration <= 0:
        raise DataError(f"winner_shares: n_draws={n_draws} should be >= 1 and concentration={concentration} > 0")
    rng = np.random.default_rng(random_state)
    alpha = np.maximum(concentration * w.to_numpy(), 1e-3)
    draws = rng.dirichlet(alpha, size=n_draws)
    best = np.argmax(draws @ vals.to_numpy(dtype=float).T, axis=1)
    share = np.bincount(best, minlength=len(vals)) / n_draws
    return pd.Series(share, index=vals.index, name="winner_share").sort_values(ascending=False, kind="stable")


# --------------------------------------------------------------------------- #
# Privacy and law
# --------------------------------------------------------------------------- #
#: Articles of the Personal Information Protection Law (2021) that the chapter cites.
#: Numbers and paraphrases checked against the full text as transcribed in the public
#: repository RanKKI/LawRefBook (法律法规/个人信息保护法.md); tests pin this list.
PIPL_ARTICLES = (4, 6, 13, 14, 19, 24, 28, 29, 38, 44, 45, 46, 47, 51, 73)

_PIPL = [
    (
        4,
        "个人信息的范围",
        "personal information",
        "与已识别或可识别的自然人有关、以任何方式记录的信息都是个人信息；匿名化处理后的信息不算。",
        "姓名、手机号、地址、订单记录都属于个人信息；假名化（去标识化）后的数据仍然是。",
    ),
    (
        6,
        "目的明确、最小必要",
        "purpose limitation, minimisation",
        "处理要有明确、合理的目的，与目的直接相关；收集限于实现目的的最小范围，不得过度收集。",
        "先定义需要哪些信息（客户识别第一步），不用的字段不收。",
    ),
    (
        13,
        "合法性基础",
        "lawful basis",
        "处理须有法定依据之一，例如取得本人同意，或为订立、履行本人为一方的合同所必需。",
        "送货需要地址（履行合同）；营销短信需要同意：数据库里记录 consent_marketing。",
    ),
    (
        14,
        "有效同意与重新同意",
        "valid consent, re-consent",
        "同意须在充分知情的前提下自愿、明确作出；目的、方式或信息种类变更时要重新取得同意。",
        "把订单数据改用于画像营销前，先重新征得同意。",
    ),
    (
        19,
        "保存期限",
        "retention",
        "除法律、行政法规另有规定外，保存期限应为实现处理目的所必要的最短时间。",
        "为每张表定保存期，到期删除或匿名化。",
    ),
    (
        24,
        "自动化决策",
        "automated decision-making",
        "自动化决策要透明、结果公平，不得在交易价格等条件上实行不合理的差别待遇；个性化推送须提供不针对个人特征的选项或便捷的拒绝方式。",
        "RFM/流失模型驱动的营销要能一键退出；不得“大数据杀熟”。",
    ),
    (
        28,
        "敏感个人信息",
        "sensitive personal information",
        "泄露或非法使用易损害人格尊严或人身、财产安全的信息，如生物识别、宗教信仰、特定身份、医疗健康、金融账户、行踪轨迹，以及不满十四周岁未成年人的信息；仅在特定目的、充分必要并严格保护时方可处理。",
        "CRM 一般不需要这些字段：银行卡号、定位轨迹、儿童信息要么不收，要么单独严格管理。",
    ),
    (
        29,
        "敏感信息的单独同意",
        "separate consent for sensitive data",
        "处理敏感个人信息应取得个人的单独同意；法律、行政法规规定须取得书面同意的，从其规定。",
        "不能把敏感信息的同意混在一揽子隐私政策里。",
    ),
    (
        38,
        "向境外提供",
        "cross-border transfer",
        "确需向境外提供个人信息的，须具备法定条件之一：通过网信部门组织的安全评估、经专业机构认证、按标准合同与境外接收方订立合同，或其他法定条件。",
        "选用境外 SaaS CRM 时，客户数据出境要先满足这些条件。",
    ),
    (
        44,
        "知情权、决定权",
        "right to know and decide",
        "个人对其信息的处理享有知情权、决定权，可以限制或拒绝他人处理（法律、行政法规另有规定的除外）。",
        "客户可以拒绝营销：名单生成时必须过滤。",
    ),
    (
        45,
        "查阅、复制与转移",
        "access, copy, portability",
        "个人有权查阅、复制其个人信息，处理者应及时提供；符合条件时可请求转移至其指定的处理者。",
        "customer_history 这样的查询就是响应查阅请求的基础。",
    ),
    (
        46,
        "更正、补充",
        "correction",
        "个人发现信息不准确或不完整，有权请求更正、补充，处理者应核实并及时处理。",
        "客户信息更新（客户识别第四步）既是数据质量要求，也是法律义务。",
    ),
    (
        47,
        "删除",
        "deletion",
        "目的已实现或不再必要、停止提供服务或保存期届满、撤回同意、违法处理等情形下，处理者应主动删除，个人也有权请求删除。",
        "删除要覆盖所有表与备份中的该客户记录。",
    ),
    (
        51,
        "安全保护措施",
        "security measures",
        "处理者应采取内部管理制度、分类管理、加密和去标识化等技术措施、权限管理与培训、应急预案等措施。",
        "手机号用带密钥的假名化，屏幕上掩码显示，按岗位授权访问。",
    ),
    (
        73,
        "用语含义：去标识化与匿名化",
        "definitions: de-identification, anonymisation",
        "去标识化：不借助额外信息就无法识别特定自然人；匿名化：无法识别且不能复原。",
        "假名化（HMAC）属于去标识化，不是匿名化：持有密钥即可复原对应关系。",
    ),
]


def pipl_obligations() -> pd.DataFrame:
    """What China's Personal Information Protection Law (2021) requires of a CRM database.

    The requirements are paraphrased (not quoted); read the official text for
    the exact wording.  The law was adopted on 2021-08-20 and has been in
    force since 2021-11-01 (Article 74).

    Returns
    -------
    DataFrame
        Indexed by ``article`` (the numbers in :data:`PIPL_ARTICLES`):
        ``topic_zh``, ``topic_en``, ``requirement_zh``, ``crm_practice_zh``.

    References
    ----------
    中华人民共和国个人信息保护法 (2021), articles 4, 6, 13, 14, 19, 24, 28, 29,
    38, 44-47, 51, 73 and 74; numbers and content checked against the full text
    transcribed in the public repository RanKKI/LawRefBook
    (法律法规/个人信息保护法.md); the official text is published by the NPC.

    Examples
    --------
    >>> pipl_obligations().loc[28, "topic_en"]
    'sensitive personal information'
    """
    return pd.DataFrame(
        _PIPL, columns=["article", "topic_zh", "topic_en", "requirement_zh", "crm_practice_zh"]
    ).set_index("article")


#: Environment variable from which real use reads the pseudonymisation key.
KEY_ENV_VAR = "CRM_PSEUDONYM_KEY"


def _key_bytes(key: bytes | str, where: str) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"{where}: key should be bytes or str, got {type(key).__name__}")
    if len(key) < 16:
        raise DataError(
            f"{where}: the key has {len(key)} bytes; use at least 16 random bytes, "
            "e.g. secrets.token_hex(32) stored outside the code"
        )
    return bytes(key)


def _values_list(values: Iterable[Any] | pd.Series, where: str) -> tuple[list[str], pd.Series | None]:
    series = values if isinstance(values, pd.Series) else None
    seq = list(values)
    missing = np.array([v is None or (not isinstance(v, str) and pd.isna(v)) for v in seq], dtype=bool)
    if missing.any():
        index = series.index if series is not None else pd.RangeIndex(len(seq))
        raise DataError(
            f"{where}: missing values in {first_rows(missing, index)}; "
            "drop them or decide what a missing identifier should map to first"
        )
    return [str(v) for v in seq], series


def pseudonymise(values: Iterable[Any] | pd.Series, key: bytes | str) -> pd.Series | list[str]:
    """Keyed pseudonyms: HMAC-SHA256 of each value under a secret key, as hexadecimal text.

    The same value and key always give the same pseudonym (so tables can
    still be joined); without the key nobody can compute the pseudonym of a
    guessed value, so enumeration does not work (unlike plain hashing, see
    :func:`recover_by_enumeration`).  Normalise identifiers first (e.g.
    :func:`normalise_phone`) so that two spellings get one pseudonym.

    Parameters
    ----------
    values : Series or iterable
        Identifiers; each is converted with ``str``.  Missing values raise.
    key : bytes or str
        Secret key, at least 16 bytes.  Read it from the environment
        (:func:`key_from_env`), never write it in a notebook.

    Returns
    -------
    Series or list of str
        64 hex characters per value; a Series (same index and name) when
        ``values`` is a Series, else a list.

    References
    ----------
    RFC 2104 (HMAC); PIPL Article 73(3) (去标识化 de-identification).

    Examples
    --------
    >>> key = b"0123456789abcdef-demo-only"
    >>> p = pseudonymise(["13800138000", "13800138000"], key)
    >>> p[0] == p[1], len(p[0]), p[0] == pseudonymise(["13800138000"], key + b"x")[0]
    (True, 64, False)
    """
    where = "pseudonymise"
    k = _key_bytes(key, where)
    texts, series = _values_list(values, where)
    out = [hmac.new(k, t.encode("utf-8"), hashlib.sha256).hexdigest() for t in texts]
    if series is not None:
        return pd.Series(out, index=series.index, name=series.name, dtype=object)
    return out


def sha256_hex(values: Iterable[Any] | pd.Series) -> pd.Series | list[str]:
    """Plain (unkeyed) SHA-256 of each value as hex text - shown to explain why it is NOT enough."""
    texts, series = _values_list(values, "sha256_hex")
    out = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    if series is not None:
        return pd.Series(out, index=series.index, name=series.name, dtype=object)
    return out


def demo_key(seed: int) -> bytes:
    """A DEMONSTRATION key derived from a public seed: anyone can recompute it, so it protects nothing.

    Notebooks use it so that they run anywhere; real use reads a random
    secret key with :func:`key_from_env`.
    """
    return hashlib.sha256(f"crm-lessons DEMO key (public, not secret), seed={int(seed)}".encode()).digest()


def key_from_env(name: str = KEY_ENV_VAR) -> bytes:
    """Read the pseudonymisation key from the environment variable ``name``.

    Create one once with ``python -c "import secrets; print(secrets.token_hex(32))"``
    and keep it in a secrets manager or the shell environment, never in code or a notebook.
    """
    value = os.environ.get(name)
    if not value:
        raise DataError(
            f"key_from_env: environment variable {name} is not set; create a key with "
            "secrets.token_hex(32) and set it outside the notebook"
        )
    return _key_bytes(value, "key_from_env")


@dataclass(frozen=True)
class EnumerationResult:
    """Outcome of :func:`recover_by_enumeration`."""

    recovered: dict[str, str]
    n_tried: int
    seconds: float

    @property
    def rate(self) -> float:
        """Candidates hashed per second."""
        return self.n_tried / self.seconds if self.seconds > 0 else float("inf")


def recover_by_enumeration(
    hashes: Iterable[str],
    *,
    prefix: str,
    n_unknown: int,
    key: bytes | str | None = None,
) -> EnumerationResult:
    """Try every number ``prefix + d...d`` and keep those whose hash is in ``hashes``.

    This is what an attacker does with a leaked table of SHA-256-hashed phone
    numbers: the space of mobile numbers is small, so hashing every candidate
    recovers the numbers.  With ``key`` the candidates are HMAC-ed with that
    key instead: an attacker who does not know the real key recovers nothing.

    Parameters
    ----------
    hashes : iterable of str
        Hex digests to reverse.
    prefix : str
        Digits known (e.g. the first 6-7 of an 11-digit number).
    n_unknown : int
        Number of unknown trailing digits (1-8); ``10 ** n_unknown`` candidates.
    key : bytes or str, optional
        Key the attacker uses (HMAC); None = plain SHA-256.

    Returns
    -------
    EnumerationResult
        ``recovered`` (hash -> number), ``n_tried``, ``seconds`` and ``rate``
        (candidates per second, to extrapolate the cost of the full space).

    Examples
    --------
    >>> h = sha256_hex(["13800138000"])
    >>> recover_by_enumeration(h, prefix="1380013", n_unknown=4).recovered == {h[0]: "13800138000"}
    True
    """
    where = "recover_by_enumeration"
    if not (isinstance(n_unknown, (int, np.integer)) and 1 <= n_unknown <= 8):
        raise DataError(f"{where}: n_unknown={n_unknown!r} should be an integer from 1 to 8")
    if not prefix.isdigit():
        raise DataError(f"{where}: prefix={prefix!r} should contain digits only")
    targets = set(hashes)
    k = _key_bytes(key, where) if key is not None else None
    head = prefix.encode()
    recovered: dict[str, str] = {}
    fmt = f"%0{int(n_unknown)}d".encode()
    start = time.perf_counter()
    if k is None:
        sha = hashlib.sha256
        for i in range(10 ** int(n_unknown)):
            cand = head + fmt % i
            h = sha(cand).hexdigest()
            if h in targets:
                recovered[h] = cand.decode()
    else:
        base = hmac.new(k, digestmod=hashlib.sha256)
        for i in range(10 ** int(n_unknown)):
            cand = head + fmt % i
            m = base.copy()
            m.update(cand)
            h = m.hexdigest()
            if h in targets:
                recovered[h] = cand.decode()
    seconds = time.perf_counter() - start
    return EnumerationResult(recovered=recovered, n_tried=10 ** int(n_unknown), seconds=seconds)


# --------------------------------------------------------------------------- #
# k-anonymity
# --------------------------------------------------------------------------- #
def k_anonymity(data: pd.DataFrame, quasi_identifiers: Sequence[str]) -> int:
    """The k of a table: the size of the smallest group of rows sharing all quasi-identifier values.

    A table is k-anonymous when every combination of quasi-identifiers
    (e.g. gender, birth year, city) that occurs, occurs at least k times, so
    no row can be singled out by them.  Missing values count as a value.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"gender": ["F", "F", "M", "M", "M"], "city": ["A", "A", "B", "B", "C"]})
    >>> k_anonymity(df, ["gender", "city"]), k_anonymity(df, ["gender"])
    (1, 2)
    """
    where = "k_anonymity"
    df = require_dataframe(data, where=where)
    qis = list(quasi_identifiers)
    if not qis:
        raise DataError(f"{where}: name at least one quasi-identifier column")
    require_columns(df, qis, where=where)
    return int(df.groupby(qis, dropna=False, observed=True).size().min())


def band(width: int) -> Callable[[pd.Series], pd.Series]:
    """A generaliser: numbers -> bands of ``width`` as text, e.g. 1987 -> ``'1985-1989'``.

    Examples
    --------
    >>> import pandas as pd
    >>> band(10)(pd.Series([1987, 1990])).tolist()
    ['1980-1989', '1990-1999']
    """
    if width < 1:
        raise DataError(f"band: width={width} should be >= 1")

    def generalise(values: pd.Series) -> pd.Series:
        low = (pd.to_numeric(values) // width * width).astype("Int64")
        return low.map(lambda v: "*" if pd.isna(v) else f"{v}-{v + width - 1}").astype(object)

    return generalise


def generalise_until_k(
    data: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    *,
    k: int,
    hierarchies: Mapping[str, Sequence[Callable[[pd.Series], pd.Series] | Mapping[Any, Any] | str]],
    max_suppression: float = 0.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generalise quasi-identifiers step by step until the table is k-anonymous.

    Each quasi-identifier has a hierarchy: a list of generalisation levels
    applied to the *original* column, from fine to coarse.  A level is a
    function (``band(5)``), a mapping (city -> province), or ``"*"``
    (suppress the column).  At each step the column whose next level leaves
    the fewest rows in groups smaller than ``k`` is generalised one level
    (ties: the column listed first in ``quasi_identifiers`` - list first
    the one you would rather coarsen).
    When the rows still in groups smaller than ``k`` are at most
    ``max_suppression`` of the table, they are removed and the search stops.

    Parameters
    ----------
    data : DataFrame
    quasi_identifiers : sequence of str
    k : int
        Required group size (>= 2).
    hierarchies : mapping
        Column -> list of levels; columns not listed cannot be generalised.
    max_suppression : float, default 0
        Largest share of rows that may be removed.

    Returns
    -------
    (DataFrame, DataFrame)
        The generalised table (rows possibly removed) and the log of steps:
        ``step``, ``column``, ``level``, ``k``, ``rows_below_k``.

    Raises
    ------
    DataError
        k cannot be reached even with every column fully generalised and the
        allowed suppression.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"birth_year": [1981, 1983, 1986, 1988], "sex": ["F", "F", "F", "F"]})
    >>> out, log = generalise_until_k(df, ["birth_year", "sex"], k=2, hierarchies={"birth_year": [band(5), band(10)]})
    >>> out["birth_year"].tolist(), k_anonymity(out, ["birth_year", "sex"])
    (['1980-1984', '1980-1984', '1985-1989', '1985-1989'], 2)
    """
    where = "generalise_until_k"
    df = require_dataframe(data, where=where)
    qis = list(quasi_identifiers)
    require_columns(df, qis, where=where)
    if k < 2:
        raise DataError(f"{where}: k={k} should be >= 2 (every table is 1-anonymous)")
    if not 0 <= max_suppression < 1:
        raise DataError(f"{where}: max_suppression={max_suppression} should be in [0, 1)")
    unknown = [c for c in hierarchies if c not in qis]
    if unknown:
        raise DataError(f"{where}: hierarchies name columns that are not quasi-identifiers: {unknown}")

    def apply(col: str, level: int) -> pd.Series:
        rule = hierarchies[col][level - 1]
        if isinstance(rule, str):
            return pd.Series(rule, index=df.index, dtype=object)
        if isinstance(rule, Mapping):
            mapped = df[col].map(rule)
            missing = mapped.isna() & df[col].notna()
            if missing.any():
                raise DataError(
                    f"{where}: the level-{level} mapping of {col!r} has no entry for "
                    f"{sorted(map(str, df.loc[missing, col].unique()))[:5]}"
                )
            return mapped.astype(object)
        return pd.Series(rule(df[col]), index=df.index).astype(object)

    levels = {c: 0 for c in qis}
    current = df.copy()

    def sizes(frame: pd.DataFrame) -> pd.Series:
        return frame.groupby(qis, dropna=False, observed=True)[qis[0]].transform("size")

    log = []
    step = 0
    while True:
        size = sizes(current)
        below = int((size < k).sum())
        log.append(
            {
                "step": step,
                "column": "" if step == 0 else chosen,
                "level": 0 if step == 0 else levels[chosen],
                "k": int(size.min()),
                "rows_below_k": below,
            }
        )
        if below == 0:
            return current, pd.DataFrame(log)
        if below <= max_suppression * len(current):
            out = current[(size >= k).to_numpy()]
            log.append(
                {
                    "step": step + 1,
                    "column": "(suppress rows)",
                    "level": 0,
                    "k": int(sizes(out).min()),
                    "rows_below_k": 0,
                }
            )
            return out, pd.DataFrame(log)
        best, best_key = None, None
        for col in qis:
            if col not in hierarchies or levels[col] >= len(hierarchies[col]):
                continue
            trial = current.assign(**{col: apply(col, levels[col] + 1)})
            trial_sizes = sizes(trial)
            key = int((trial_sizes < k).sum())
            if best_key is None or key < best_key:
                best, best_key = col, key
        if best is None:
            raise DataError(
                f"{where}: k={k} cannot be reached: with every hierarchy used up, {below} rows "
                f"({below / len(current):.1%}) are still in groups smaller than k; allow more "
                "suppression (max_suppression), add coarser levels, or drop a quasi-identifier"
            )
        chosen = best
        levels[best] += 1
        current = current.assign(**{best: apply(best, levels[best])})
        step += 1
