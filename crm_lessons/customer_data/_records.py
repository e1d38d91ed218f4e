"""Seeded customer master data (names, phones, addresses, contacts, complaints) for the bundled orders."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    require_columns,
    require_dataframe,
    to_timestamp,
)
from crm_lessons.customer_data._store import _TABLE_COLUMNS

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
    )[_TABLE_COLUMNS["customers"]]  # the columns of the store's customers table, in its order

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
