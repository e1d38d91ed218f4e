"""Tests of the bundled data sets: loaders, the datacard and packaging.

Reference figures come from the publications named beside each test; the
rest are facts documented in ``datasets/README.md`` (the datacard), which
these tests hold to the data.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crm_lessons.datasets as ds
from crm_lessons import DataError

ROOT = Path(__file__).resolve().parent.parent
DATACARD = (ROOT / "datasets" / "README.md").read_text(encoding="utf-8")
MLBA = {
    "charles_book_club",
    "bath_soap",
    "east_west_airlines",
    "universal_bank",
    "cosmetics",
    "catalog_cross_sell",
    "hair_care_promotion",
    "email_ab_test",
    "tayko",
}

# name -> (loader, kwargs, shape, {column: dtype kind}) as documented in the datacard
INT, FLOAT, BOOL, STR, DATE = "int64", "float64", "bool", "str", "datetime"
LOADERS = {
    "cdnow_master": (ds.load_cdnow, {}, (69659, 4), {"customer_id": INT, "date": DATE, "n_cds": INT, "amount": FLOAT}),
    "cdnow_sample": (
        ds.load_cdnow,
        {"sample": True},
        (6919, 5),
        {"customer_id": INT, "date": DATE, "n_cds": INT, "amount": FLOAT, "sample_id": INT},
    ),
    "telco": (
        ds.load_telco,
        {},
        (7043, 21),
        {
            "customer_id": STR,
            "gender": STR,
            "senior_citizen": BOOL,
            "tenure": INT,
            "contract": STR,
            "monthly_charges": FLOAT,
            "total_charges": FLOAT,
            "churn": BOOL,
        },
    ),
    "wholesale_customers": (
        ds.load_wholesale_customers,
        {},
        (440, 8),
        {"channel": STR, "region": STR, "fresh": INT, "delicatessen": INT},
    ),
    "charles_book_club": (
        ds.load_charles_book_club,
        {},
        (4000, 22),
        {
            "customer_id": INT,
            "total_spend": INT,
            "months_since_last": INT,
            "n_purchases": INT,
            "florence": INT,
            "m_code": INT,
        },
    ),
    "bath_soap": (
        ds.load_bath_soap,
        {},
        (600, 46),
        {"member_id": INT, "sec": INT, "value": FLOAT, "br_cd_57_144": FLOAT, "prop_cat_15": FLOAT},
    ),
    "east_west_airlines": (
        ds.load_east_west_airlines,
        {},
        (3999, 12),
        {"id": INT, "balance": INT, "cc1_miles": INT, "award": INT},
    ),
    "universal_bank": (
        ds.load_universal_bank,
        {},
        (5000, 14),
        {"income": INT, "ccavg": FLOAT, "personal_loan": INT, "credit_card": INT},
    ),
    "cosmetics": (ds.load_cosmetics, {}, (1000, 15), {"transaction": INT, "bag": INT, "eyeliner": INT}),
    "catalog_cross_sell": (
        ds.load_catalog_cross_sell,
        {},
        (4998, 10),
        {"customer_number": INT, "clothing": INT, "jewelry": INT},
    ),
    "hair_care_promotion": (
        ds.load_hair_care_promotion,
        {},
        (10000, 8),
        {"purchase": INT, "hair_color": STR, "region": STR, "promotion_ord": INT},
    ),
    "email_ab_test": (ds.load_email_ab_test, {}, (426, 3), {"customer": INT, "message": STR, "opened": INT}),
    "amazon_reviews": (
        ds.load_amazon_reviews,
        {},
        (3708, 7),
        {"snippet_id": STR, "review_id": INT, "product": STR, "text": STR, "rating": FLOAT, "rating_sd": FLOAT},
    ),
    "amazon_review_ratings": (ds.load_amazon_reviews, {}, (3708, 7), {"sentence": INT}),
    "vader_lexicon": (ds.load_sentiment_lexicon, {}, (7520, 3), {"token": STR, "valence": FLOAT, "sd": FLOAT}),
    "tayko": (
        ds.load_tayko,
        {},
        (2000, 25),
        {"sequence_number": INT, "first_update_days_ago": INT, "male": INT, "spending": INT},
    ),
}


def _kind(series: pd.Series) -> str:
    if pd.api.types.is_datetime64_dtype(series):
        return DATE
    if pd.api.types.is_string_dtype(series) and not pd.api.types.is_object_dtype(series):
        return STR
    return str(series.dtype)


def test_every_data_set_has_a_test():
    assert set(LOADERS) == set(ds.DATASETS)


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_loader_shape_dtypes_and_snake_case(name):
    loader, kwargs, shape, dtypes = LOADERS[name]
    df = loader(**kwargs)
    assert df.shape == shape
    assert df.shape[0] == ds.DATASETS[name].rows
    assert {col: _kind(df[col]) for col in dtypes} == dtypes
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in df.columns), list(df.columns)
    assert df.columns.is_unique
    # every returned column is documented (by name) in the datacard
    undocumented = [c for c in df.columns if f"`{c}`" not in DATACARD and not _in_range(c)]
    assert undocumented == []


def _in_range(col: str) -> bool:
    """Columns documented as a range (``pr_cat_1`` .. ``pr_cat_4``, ``source_a`` ... ``source_w``)."""
    prefix = re.sub(r"_?[a-z0-9]+$", "", col)
    return bool(prefix) and re.search(rf"`{prefix}_\w+` \.\.\.? `{prefix}_\w+`", DATACARD) is not None


def test_loaders_return_fresh_frames():
    a = ds.load_email_ab_test()
    a.loc[0, "opened"] = 99
    assert ds.load_email_ab_test().loc[0, "opened"] != 99


# ------------------------------------------------------------------ CDNOW


def test_cdnow_master_facts():
    """Fader, Hardie & Lee (2005), Marketing Science 24(2), data description of the
    empirical analysis: 23,570 customers who first bought in Q1 1997, observed to the
    end of June 1998."""
    tx = ds.load_cdnow()
    assert tx["customer_id"].nunique() == 23570
    assert str(tx["date"].min().date()) == "1997-01-01"
    assert str(tx["date"].max().date()) == "1998-06-30"
    first = tx.groupby("customer_id")["date"].min()
    assert first.max() <= pd.Timestamp("1997-03-31")
    # quirks in the datacard
    assert int(tx.duplicated(["customer_id", "date"]).sum()) == 2068
    assert int(tx.duplicated().sum()) == 255
    assert int((tx["amount"] == 0).sum()) == 80


def test_cdnow_sample_facts():
    """Fader, Hardie & Lee (2005), empirical analysis: the 1/10 sample of 2,357 customers."""
    s = ds.load_cdnow(sample=True)
    assert s["customer_id"].nunique() == 2357
    assert len(s) == 6919
    assert sorted(s["sample_id"].unique()) == list(range(1, 2358))
    assert (s.groupby("customer_id")["sample_id"].nunique() == 1).all()
    assert str(s["date"].min().date()) == "1997-01-01" and str(s["date"].max().date()) == "1998-06-30"
    # the sample's rows are exactly the master's rows of those customers
    m = ds.load_cdnow()
    cols = ["customer_id", "date", "n_cds", "amount"]
    mine = m[m["customer_id"].isin(s["customer_id"])][cols].sort_values(cols).reset_index(drop=True)
    theirs = s[cols].sort_values(cols).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, theirs)


# ------------------------------------------------------------------ Telco and others


def test_telco_facts():
    """IBM Telco Customer Churn sample data: 7,043 customers, churn 26.5% (1,869)."""
    t = ds.load_telco()
    assert int(t["churn"].sum()) == 1869
    assert round(float(t["churn"].mean()), 3) == 0.265
    missing = t["total_charges"].isna()
    assert int(missing.sum()) == 11
    assert (t.loc[missing, "tenure"] == 0).all()
    assert int((t["tenure"] == 0).sum()) == 11
    assert t["customer_id"].is_unique
    assert set(t["internet_service"]) == {"DSL", "Fiber optic", "No"}


def test_wholesale_facts():
    """Cardoso (2014), UCI: 298 Horeca and 142 Retail clients; 77 Lisbon, 47 Oporto, 316 other."""
    w = ds.load_wholesale_customers()
    assert w["channel"].value_counts().to_dict() == {"horeca": 298, "retail": 142}
    assert w["region"].value_counts().to_dict() == {"other": 316, "lisbon": 77, "oporto": 47}


def test_charles_book_club_facts():
    cbc = ds.load_charles_book_club()
    assert int(cbc["florence"].sum()) == 338
    assert "yes_florence" not in cbc.columns and "no_florence" not in cbc.columns
    assert sorted(cbc["months_since_last"].unique()) == list(range(2, 37, 2))
    bins = cbc.groupby("m_code")["total_spend"].agg(["min", "max"]).to_numpy().tolist()
    assert bins == [[15, 25], [26, 50], [51, 100], [101, 200], [201, 479]]


def test_bath_soap_shares():
    b = ds.load_bath_soap()
    brands = [c for c in b.columns if c.startswith("br_cd_")] + ["others_999"]
    assert len(brands) == 9
    total = b[brands].sum(axis=1)
    off = b.loc[(total - 1).abs() > 1e-6, "member_id"].tolist()
    assert off == [1061080, 1061130]
    assert total[b["member_id"] == 1061080].round(3).tolist() == [0.934]
    for prefix in ("pr_cat_", "prop_cat_", "pur_vol_"):
        cols = [c for c in b.columns if c.startswith(prefix)]
        np.testing.assert_allclose(b[cols].sum(axis=1), 1.0, atol=1e-6)
    assert int((b["edu"] == 0).sum()) == 73 and int((b["sex"] == 0).sum()) == 68


def test_other_mlba_facts():
    assert int(ds.load_universal_bank()["personal_loan"].sum()) == 480
    assert int((ds.load_universal_bank()["experience"] < 0).sum()) == 52
    ew = ds.load_east_west_airlines()
    assert int(ew["award"].sum()) == 1481 and int(ew["id"].max()) == 4021
    assert set(ds.load_catalog_cross_sell()["health_products"]) == {1}
    h = ds.load_hair_care_promotion()
    assert int(h["promotion_ord"].sum()) == 4976 and int(h["validation"].sum()) == 3249
    e = ds.load_email_ab_test().groupby("message")["opened"].agg(["size", "sum"])
    assert e.to_dict("index") == {"A": {"size": 71, "sum": 13}, "B": {"size": 355, "sum": 47}}
    t = ds.load_tayko()
    assert int(t["purchase"].sum()) == 1000
    assert t.loc[(t["purchase"] == 0) & (t["spending"] > 0), "sequence_number"].tolist() == [711]


def test_amazon_reviews_facts():
    rv = ds.load_amazon_reviews()
    assert rv["snippet_id"].is_unique and rv["review_id"].nunique() == 300
    assert sorted(set(range(1, 310)) - set(rv["review_id"])) == [120, 121, 122, 123, 124, 290, 291, 293, 294]
    assert rv["rating"].between(-4, 4).all() and rv["rating_sd"].between(0, 4).all()
    assert int((rv["rating"] < 0).sum()) == 1482 and round(float(rv["rating"].mean()), 2) == 0.38
    assert rv["product"].notna().all()
    # Hu & Liu (2004) report 45 reviews of the Canon G3: the block spans 45 numbers, 5 of them absent
    canon = rv.loc[rv["product"] == "canon_g3_camera", "review_id"]
    assert (canon.min(), canon.max(), canon.nunique()) == (99, 143, 40)
    # every product block names its own product most often
    names = {
        "apex_dvd_player": r"\bapex\b|\bdvd\b",
        "canon_g3_camera": r"\bcanon\b|\bg3\b",
        "nikon_coolpix_4300_camera": r"\bnikon\b|\bcoolpix\b|\b4300\b",
        "nokia_6610_phone": r"\bnokia\b|\bphone\b",
        "creative_nomad_mp3_player": r"\bcreative\b|\bzen\b|\bnomad\b|\bmp3\b",
    }
    counts = pd.DataFrame({p: rv["text"].str.count(rx) for p, rx in names.items()}).groupby(rv["product"]).sum()
    assert (counts.idxmax(axis=1) == counts.index).all()
    # a sentence number appears once per review (in 18 reviews some numbers are absent)
    assert rv.groupby("review_id")["sentence"].apply(lambda s: s.is_unique).all()
    gaps = rv.groupby("review_id")["sentence"].apply(lambda s: sorted(s) != list(range(1, len(s) + 1)))
    assert int(gaps.sum()) == 18


def test_sentiment_lexicon_facts():
    lex = ds.load_sentiment_lexicon()
    assert lex["valence"].between(-4, 4).all() and (lex["valence"] != 0).all()
    assert int(lex["token"].duplicated().sum()) == 14
    last = lex.drop_duplicates("token", keep="last").set_index("token")["valence"]
    assert last[["good", "great", "horrible", "okay"]].tolist() == [1.9, 3.1, -2.5, 0.9]


# ------------------------------------------------------------------ the datacard matches the files


@pytest.mark.parametrize("name", sorted(ds.DATASETS))
def test_datacard_checksums_match_files(name):
    spec = ds.DATASETS[name]
    raw = (ROOT / "datasets" / spec.file).read_bytes()
    content_sha = hashlib.sha256(gzip.decompress(raw)).hexdigest()
    assert content_sha == spec.sha256
    row = next(line for line in DATACARD.splitlines() if line.startswith(f"| `{name}` |"))
    assert f"`{spec.file}`" in row and f"| {spec.rows:,} |" in row
    assert f"`{spec.sha256}`" in row
    gz_sha = hashlib.sha256(raw).hexdigest()
    if name in MLBA:  # copied byte for byte: the .gz is the published file
        assert f"`{gz_sha}`" in row
    else:  # gzip -n -9: no name, no time stamp, maximum compression
        assert raw[3] & 0x08 == 0 and raw[4:8] == b"\0\0\0\0" and raw[8] == 2


# ------------------------------------------------------------------ damage, working directory, wheel


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    shutil.copytree(ds._data_dir(), folder)
    monkeypatch.setattr(ds, "_data_dir", lambda: folder)
    return folder


def test_changed_content_raises_sha256(data_copy):
    path = data_copy / ds.DATASETS["telco"].file
    content = bytearray(gzip.decompress(path.read_bytes()))
    content[500] ^= 0x01
    path.write_bytes(gzip.compress(bytes(content)))
    with pytest.raises(DataError, match=r"telco_customer_churn\.csv\.gz: SHA-256 is [0-9a-f]{64}, expected a0ea74c4"):
        ds.load_telco()


def test_flipped_byte_in_gz_raises_data_error(data_copy):
    path = data_copy / ds.DATASETS["tayko"].file
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match=r"Tayko\.csv\.gz: the bundled file is damaged .*SHA-256"):
        ds.load_tayko()


def test_loaders_work_from_another_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert ds.load_telco().shape == (7043, 21)
    assert ds.load_cdnow(sample=True)["customer_id"].nunique() == 2357


def test_installed_wheel_ships_the_data(tmp_path):
    """Build the wheel, install it into a bare folder and load data (and the glossary) from there."""
    from crm_lessons.glossary import entries as glossary_entries

    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("crm_lessons-*.whl")
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        import crm_lessons, crm_lessons.datasets as ds
        site = Path({str(site)!r}).resolve()
        assert Path(crm_lessons.__file__).resolve().is_relative_to(site), crm_lessons.__file__
        assert ds._data_dir().resolve().is_relative_to(site), ds._data_dir()
        print(ds.load_telco().shape, sorted(p.name for p in ds._data_dir().glob("*.gz")) == sorted({sorted(d.file for d in ds.DATASETS.values())!r}))
        from crm_lessons.glossary import entries, lookup
        print(lookup("关系营销").chapter, len(entries()) == {len(glossary_entries())})
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(7043, 21) True\n1 True", "the wheel must ship the data and the glossary"
