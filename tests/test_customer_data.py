"""Tests for crm_lessons.customer_data: the SQL store against pandas, quality, matching, choice, privacy."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from contextlib import closing

import numpy as np
import pandas as pd
import pytest

from crm_lessons import DataError
from crm_lessons import customer_data as cd
from crm_lessons.datasets import load_cdnow
from crm_lessons.rfm import rfm_table

AS_OF = "1998-06-30"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow(sample=True)


@pytest.fixture(scope="module")
def records(cdnow) -> dict[str, pd.DataFrame]:
    return cd.simulate_crm_records(cdnow, as_of=AS_OF, random_state=3)


@pytest.fixture(scope="module")
def db(tmp_path_factory, cdnow, records):
    folder = tmp_path_factory.mktemp("crm")
    return cd.build_customer_database(folder, cdnow, **records)


# -- the database --------------------------------------------------------------


def test_database_is_written_only_in_the_named_folder(tmp_path, cdnow):
    folder = tmp_path / "here"
    folder.mkdir()
    path = cd.build_customer_database(folder, cdnow.head(50))
    assert path.parent == folder and [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["crm.sqlite"]
    with pytest.raises(DataError, match="already exists; pass overwrite=True"):
        cd.build_customer_database(folder, cdnow.head(50))
    cd.build_customer_database(folder, cdnow.head(10), overwrite=True)
    with closing(cd.connect(path)) as con:
        assert cd.table_counts(con)["orders"] == 10
    with pytest.raises(DataError, match="does not exist"):
        cd.build_customer_database(tmp_path / "missing", cdnow.head(5))
    with pytest.raises(DataError, match="plain file name"):
        cd.build_customer_database(folder, cdnow.head(5), filename="../x.sqlite")


def test_table_counts_match_the_inputs(db, cdnow, records):
    with closing(cd.connect(db)) as con:
        counts = cd.table_counts(con)
    assert counts == {
        "customers": cdnow["customer_id"].nunique(),
        "orders": len(cdnow),
        "contacts": len(records["contacts"]),
        "complaints": len(records["complaints"]),
    }


@pytest.mark.parametrize("as_of", [AS_OF, "1997-03-31", "1997-01-01"])
def test_rfm_in_sql_equals_rfm_table(db, cdnow, as_of):
    with closing(cd.connect(db)) as con:
        sql = cd.rfm_sql(con, as_of=as_of)
    ref = rfm_table(cdnow.assign(customer_id=cdnow["customer_id"].astype(str)), as_of=as_of)
    assert list(sql.columns) == list(ref.columns)
    pd.testing.assert_frame_equal(sql, ref, check_dtype=False, rtol=1e-12)


def test_customer_view_agrees_with_pandas(db, cdnow, records):
    with closing(cd.connect(db)) as con:
        view = cd.customer_view(con, as_of=AS_OF)
    spend = cdnow.groupby(cdnow["customer_id"].astype(str))["amount"].sum()
    assert np.allclose(view.loc[spend.index, "total_spend"], spend)
    contacts = records["contacts"].groupby("customer_id").size()
    assert (view.loc[contacts.index, "n_contacts"] == contacts).all()
    open_ = records["complaints"].assign(o=lambda d: 1 - d["resolved"]).groupby("customer_id")["o"].sum()
    assert (view.loc[open_.index, "open_complaints"] == open_).all()
    assert view["n_contacts"].sum() == len(records["contacts"])


def test_customer_history_is_in_date_order(db, cdnow):
    cid = str(cdnow["customer_id"].iloc[0])
    with closing(cd.connect(db)) as con:
        hist = cd.customer_history(con, cid)
        with pytest.raises(DataError, match="no customer"):
            cd.customer_history(con, "no-such-id")
    assert hist["date"].is_monotonic_increasing
    assert (hist["event"] == "order 订单").sum() == (cdnow["customer_id"].astype(str) == cid).sum()


def test_next_best_contacts_follow_the_rule(db):
    with closing(cd.connect(db)) as con:
        nbc = cd.next_best_contacts(con, as_of=AS_OF, lapsed_days=90, quiet_days=30, n=15)
        view = cd.customer_view(con, as_of=AS_OF)
    assert 0 < len(nbc) <= 15
    chosen = view.loc[nbc["customer_id"]]
    assert (chosen["consent_marketing"] == 1).all() and (chosen["days_since_last"] > 90).all()
    recent = pd.to_datetime(chosen["last_contact"]) > pd.Timestamp(AS_OF) - pd.Timedelta(days=30)
    assert not recent.any()
    open_first = (nbc["open_complaints"] > 0).astype(int)
    assert open_first.is_monotonic_decreasing


def test_constraints_are_enforced(db):
    with closing(cd.connect(db)) as con:
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            con.execute("INSERT INTO orders (customer_id, order_date, amount) VALUES ('nobody', '1998-01-01', 5)")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            con.execute("INSERT INTO orders (customer_id, order_date, amount) VALUES ('4', '1/1/1998', 5)")
        indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"orders_by_customer", "contacts_by_customer", "complaints_by_customer"} <= indexes


def test_users_file_goes_through_read_transactions(tmp_path):
    csv = tmp_path / "订单.csv"
    csv.write_bytes(
        "会员编号,下单时间,实付金额\nA1,2024年1月5日,￥1,200.50\nA1,2024/2/1,88\nB2,20240110,(12.50)\n".replace(
            ",￥1,200.50", ',"￥1,200.50"'
        ).encode("gbk")
    )
    path = cd.build_customer_database(tmp_path, csv)
    with closing(cd.connect(path)) as con:
        rfm = cd.rfm_sql(con, as_of="2024-02-29")
    assert rfm.loc["A1", "total_spend"] == pytest.approx(1288.5)
    assert rfm.loc["B2", "total_spend"] == pytest.approx(-12.5)


def test_unknown_customers_in_contacts_are_refused(tmp_path, cdnow):
    bad = pd.DataFrame({"customer_id": ["ghost"], "contact_date": ["1998-01-01"], "channel": ["x"], "outcome": [""]})
    with pytest.raises(DataError, match="not in the database"):
        cd.build_customer_database(tmp_path, cdnow.head(5), contacts=bad)
    assert not (tmp_path / "crm.sqlite").exists()


# -- data quality ----------------------------------------------------------------


def test_quality_profile_by_hand():
    df = pd.DataFrame(
        {
            "phone": ["13800138000", "+86 138 0013 8000", "1380013800", None],
            "seen": pd.to_datetime(["2024-01-01", "2023-01-01", "2024-06-01", None]),
        }
    )
    prof = cd.quality_profile(
        df,
        validators={"phone": r"1\d{10}"},
        normalisers={"phone": cd.normalise_phone},
        as_of="2024-06-30",
        max_age_days=365,
    )
    assert prof.loc["phone", "completeness"] == 0.75
    assert prof.loc["phone", "validity"] == pytest.approx(2 / 3)
    assert prof.loc["phone", "uniqueness"] == pytest.approx(2 / 3)
    assert prof.loc["phone", "consistency"] == pytest.approx(1 / 3)
    assert prof.loc["seen", "timeliness"] == pytest.approx(2 / 3)
    assert np.isnan(prof.loc["seen", "validity"])
    with pytest.raises(DataError, match="do not exist"):
        cd.quality_profile(df, validators={"mobile": r"\d+"})
    with pytest.raises(DataError, match="both as_of and max_age_days"):
        cd.quality_profile(df, as_of="2024-06-30")


def test_normalisers():
    phones = pd.Series(["+86 138-0013-8000", "008613800138000", "１３８００１３８０００", "2345", None])
    assert cd.normalise_phone(phones).tolist()[:3] == ["13800138000"] * 3
    assert cd.normalise_phone(phones).isna().tolist()[3:] == [True, True]
    assert cd.mask_phone(pd.Series(["13800138000"])).iloc[0] == "138****8000"
    assert cd.normalise_address(pd.Series(["人民路１２#3幢"])).iloc[0] == "人民路12号3栋"
    assert cd.normalise_name(pd.Series(["王 伟"])).iloc[0] == "王伟"


# -- duplicates -------------------------------------------------------------------


def test_messy_list_is_seeded_and_has_known_duplicates():
    a = cd.messy_customer_list(200, random_state=5)
    b = cd.messy_customer_list(200, random_state=5)
    pd.testing.assert_frame_equal(a, b)
    assert a["person_id"].nunique() < len(a)  # duplicates exist
    assert a["person_id"].value_counts().max() <= 3
    assert not a.equals(cd.messy_customer_list(200, random_state=6))


def test_matching_finds_most_duplicates_with_few_false_matches():
    messy = cd.messy_customer_list(300, random_state=11)
    cand = cd.duplicate_candidates(messy)
    q = cd.match_quality(cand, messy["person_id"], threshold=75)
    assert q["true_pairs"] > 30
    assert q["precision"] > 0.85 and q["recall"] > 0.85
    strict = cd.match_quality(cand, messy["person_id"], threshold=95)
    assert strict["precision"] >= q["precision"] and strict["recall"] <= q["recall"]


def test_match_quality_by_hand():
    cand = pd.DataFrame({"a": [0, 0, 1, 2], "b": [1, 2, 2, 3], "score": [99.0, 90.0, 60.0, 85.0]})
    q = cd.match_quality(cand, ["p", "p", "p", "q"], threshold=80)
    # true pairs (0,1), (0,2), (1,2); found (0,1), (0,2), (2,3) -> tp 2
    assert (q["true_pairs"], q["found_pairs"], q["true_positives"]) == (3, 3, 2)
    assert q["precision"] == pytest.approx(2 / 3) and q["recall"] == pytest.approx(2 / 3)
    with pytest.raises(DataError, match="one truth label per record"):
        cd.match_quality(cand, ["p", "p"], threshold=80)


def test_candidate_scores_ignore_missing_fields():
    df = pd.DataFrame({"name": ["李静", "李静"], "phone": ["13912345678", None], "address": ["A路1号", "A路1号"]})
    cand = cd.duplicate_candidates(df, min_score=0)
    assert np.isnan(cand.loc[0, "phone_sim"]) and cand.loc[0, "score"] == pytest.approx(100)
    with pytest.raises(DataError, match="weights"):
        cd.duplicate_candidates(df, weights={"name": 1.0})


# -- choosing a CRM system -----------------------------------------------------------


@pytest.fixture
def matrix() -> tuple[pd.DataFrame, dict[str, float]]:
    scores = pd.DataFrame({"fit": [5, 3, 4], "cost": [2, 5, 3], "support": [4, 2, 4]}, index=["A", "B", "C"])
    return scores, {"fit": 0.5, "cost": 0.3, "support": 0.2}


def test_weighted_scores_by_hand(matrix):
    scores, weights = matrix
    out = cd.weighted_scores(scores, weights)
    assert out.loc["A", "total"] == pytest.approx(0.5 * 5 + 0.3 * 2 + 0.2 * 4)
    assert list(out.index) == ["A", "C", "B"] and list(out["rank"]) == [1, 2, 3]
    doubled = cd.weighted_scores(scores, {k: 2 * v for k, v in weights.items()})
    pd.testing.assert_frame_equal(out, doubled)
    with pytest.raises(DataError, match="one weight per criterion"):
        cd.weighted_scores(scores, {"fit": 1.0})
    with pytest.raises(DataError, match="non-negative"):
        cd.weighted_scores(scores, {"fit": -1.0, "cost": 1.0, "support": 1.0})


def test_weight_ranges_are_where_the_winner_changes(matrix):
    scores, weights = matrix
    ranges = cd.weight_ranges(scores, weights)
    winner = cd.weighted_scores(scores, weights).index[0]
    for crit, row in ranges.iterrows():
        assert row["low"] <= row["weight"] <= row["high"]
        others = {c: w for c, w in weights.items() if c != crit}
        rest = sum(others.values())

        def top(t: float) -> str:
            w = {c: (1 - t) * v / rest for c, v in others.items()} | {crit: t}
            return cd.weighted_scores(scores, w).index[0]

        assert top((row["low"] + row["high"]) / 2) == winner
        assert row["high"] < 1 or row["low"] > 0 or crit == "support"  # the example has real limits
        if row["high"] < 1:
            assert top(min(row["high"] + 1e-6, 1.0)) == row["rival_high"]
        if row["low"] > 0:
            assert top(max(row["low"] - 1e-6, 0.0)) == row["rival_low"]


def test_winner_shares(matrix):
    scores, weights = matrix
    shares = cd.winner_shares(scores, weights, n_draws=500, random_state=0)
    assert shares.sum() == pytest.approx(1.0) and shares.index[0] == "A"
    tight = cd.winner_shares(scores, weights, n_draws=500, concentration=1e4, random_state=0)
    assert tight["A"] >= shares["A"]


def test_crm_system_types():
    types = cd.crm_system_types()
    assert list(types.index) == ["operational", "analytical", "collaborative"]
    assert list(types["type_zh"]) == ["操作型 CRM", "分析型 CRM", "协作型 CRM"]


# -- privacy and law ---------------------------------------------------------------


def test_pipl_articles_cited_are_pinned():
    # Each number and paraphrase was checked against the full text of the Personal
    # Information Protection Law (2021) as transcribed in RanKKI/LawRefBook
    # (法律法规/个人信息保护法.md); change this list only after checking again.
    assert cd.PIPL_ARTICLES == (4, 6, 13, 14, 19, 24, 28, 29, 38, 44, 45, 46, 47, 51, 73)
    table = cd.pipl_obligations()
    assert tuple(table.index) == cd.PIPL_ARTICLES
    assert table.notna().all().all()
    # what the law puts in these articles: 28 lists sensitive data, 29 requires separate
    # consent (written consent where laws or administrative regulations say so),
    # 24 forbids unreasonable price discrimination, 73(3)-(4) defines 去标识化 and 匿名化
    req = table["requirement_zh"]
    assert "单独同意" in req[29] and "书面同意" in req[29] and "行政法规" in req[29]
    assert all(w in req[28] for w in ("生物识别", "金融账户", "行踪轨迹", "十四周岁"))
    assert "差别待遇" in req[24]
    assert "去标识化" in req[73] and "匿名化" in req[73]


def test_plain_hashes_are_recovered_by_enumeration_and_keyed_ones_are_not():
    phones = ["13800131234", "13800139876", "13800130001"]
    plain = cd.sha256_hex(phones)
    res = cd.recover_by_enumeration(plain, prefix="1380013", n_unknown=4)
    assert res.recovered == dict(zip(plain, phones)) and res.n_tried == 10_000 and res.rate > 0
    key = cd.demo_key(42)
    keyed = cd.pseudonymise(phones, key)
    assert cd.recover_by_enumeration(keyed, prefix="1380013", n_unknown=4).recovered == {}
    guessed = cd.recover_by_enumeration(keyed, prefix="1380013", n_unknown=4, key=cd.demo_key(43))
    assert guessed.recovered == {}
    # only the holder of the key can link a number to its pseudonym
    holder = cd.recover_by_enumeration(keyed, prefix="1380013", n_unknown=4, key=key)
    assert holder.recovered == dict(zip(keyed, phones))


def test_pseudonymise_is_hmac_sha256_and_depends_on_the_key():
    key = b"k" * 32
    s = pd.Series(["13800138000", "13900139000"], index=[10, 11], name="phone")
    out = cd.pseudonymise(s, key)
    assert isinstance(out, pd.Series) and list(out.index) == [10, 11] and out.name == "phone"
    assert out.iloc[0] == hmac.new(key, b"13800138000", hashlib.sha256).hexdigest()
    assert out.iloc[0] != hashlib.sha256(b"13800138000").hexdigest()
    other = cd.pseudonymise(s, b"j" * 32)
    assert (out != other).all()
    assert cd.pseudonymise(["x"], "s" * 16) == cd.pseudonymise(["x"], b"s" * 16)
    with pytest.raises(DataError, match="at least 16"):
        cd.pseudonymise(["x"], b"short")
    with pytest.raises(DataError, match=r"missing values in row 11"):
        cd.pseudonymise(pd.Series(["a", None], index=[10, 11]), key)


def test_key_from_env(monkeypatch):
    monkeypatch.delenv(cd.KEY_ENV_VAR, raising=False)
    with pytest.raises(DataError, match="not set"):
        cd.key_from_env()
    monkeypatch.setenv(cd.KEY_ENV_VAR, "a" * 64)
    assert cd.key_from_env() == b"a" * 64
    assert cd.demo_key(1) == cd.demo_key(1) != cd.demo_key(2)


def test_k_anonymity_and_generalisation():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "birth_year": rng.integers(1950, 2005, 300),
            "city": rng.choice(["杭州市", "宁波市", "南京市", "苏州市"], 300),
            "gender": rng.choice(["F", "M"], 300),
        }
    )
    qis = ["birth_year", "city", "gender"]
    assert cd.k_anonymity(df, qis) < 5
    province = {"杭州市": "浙江", "宁波市": "浙江", "南京市": "江苏", "苏州市": "江苏"}
    out, log = cd.generalise_until_k(
        df, qis, k=5, hierarchies={"birth_year": [cd.band(5), cd.band(10), cd.band(20), "*"], "city": [province, "*"]}
    )
    assert cd.k_anonymity(out, qis) >= 5 and len(out) == len(df)
    assert log["k"].iloc[-1] >= 5 and log["rows_below_k"].iloc[-1] == 0
    # each row's generalised year band contains its true year
    lo = out["birth_year"].astype(str).str.slice(0, 4)
    assert ((lo == "*") | (lo.astype(str).str.isdigit())).all()
    with pytest.raises(DataError, match="cannot be reached"):
        cd.generalise_until_k(df, qis, k=400, hierarchies={"birth_year": ["*"]})
    with pytest.raises(DataError, match="k=1"):
        cd.generalise_until_k(df, qis, k=1, hierarchies={})


def test_suppression_stops_early():
    df = pd.DataFrame({"a": ["x"] * 10 + ["y"], "b": ["1"] * 11})
    out, log = cd.generalise_until_k(df, ["a", "b"], k=2, hierarchies={"a": ["*"]}, max_suppression=0.1)
    assert len(out) == 10 and log["column"].iloc[-1] == "(suppress rows)"
