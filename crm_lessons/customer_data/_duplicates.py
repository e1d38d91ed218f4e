"""Duplicates: a seeded messy customer list with known duplicates, fuzzy candidate pairs, match quality."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    require_columns,
    require_dataframe,
)
from crm_lessons.customer_data._quality import normalise_address, normalise_name, normalise_phone
from crm_lessons.customer_data._records import _SOUND_ALIKE, _random_people


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
