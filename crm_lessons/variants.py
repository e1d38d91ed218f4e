"""Per-student exercise data: the same real data set, a different draw for each student id (issue 29).

A chapter's exercises can run on data drawn for one student: a sample of the
customers, another analysis date, another hold-out split.  The draw depends on
the student id alone, through SHA-256 (never Python's ``hash()``, which changes
between runs), and on nothing else of the machine: every choice is made by
hashing the id with the customer's own key, so a student at home, the
instructor and the grader get the same rows on any computer and any NumPy.
The empty id ``""`` gives the common data the worked examples use.

The chapter's notebook draws its exercise data in one cell::

    ex = variants.draw(2, STUDENT_ID, as_of=AS_OF, seed=SEED, holdout=HOLDOUT)

and its hidden tests draw again for the id the grader fixes (the roster
name), so a classmate's numbers do not match.  Worked examples stay on the
common data.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons._validation import DataError

__all__ = ["COMMON", "Draw", "chapters", "draw", "fingerprint", "normalise_id", "pick", "sample_keys", "student_seed"]

#: The id of the common data (the worked examples' data; everyone's exercises without variants).
COMMON = ""
_SALT = "crm-lessons/variants/v1"


def normalise_id(student_id: Any) -> str:
    """The id as the draw reads it: Unicode NFKC (full-width digits become ASCII), trimmed, case-folded.

    Examples
    --------
    >>> normalise_id("  S2023001 "), normalise_id("ｓ２０２３００１"), normalise_id(None)
    ('s2023001', 's2023001', '')
    """
    if student_id is None:
        return COMMON
    if not isinstance(student_id, (str, int)) or isinstance(student_id, bool):
        raise DataError(f"student_id must be text such as 's2023001', got {type(student_id).__name__}")
    return unicodedata.normalize("NFKC", str(student_id)).strip().casefold()


def _digest(*parts: Any) -> bytes:
    text = "\x1f".join([_SALT, *(str(p) for p in parts)])
    return hashlib.sha256(text.encode("utf-8")).digest()


def student_seed(student_id: Any) -> int:
    """A stable 32-bit seed for an id (SHA-256 of the normalised id; 0 for the common data).

    Examples
    --------
    >>> student_seed(""), student_seed("s01"), student_seed(" S01") == student_seed("s01")
    (0, 4035571313, True)
    """
    sid = normalise_id(student_id)
    return 0 if sid == COMMON else int.from_bytes(_digest("seed", sid)[:4], "big")


def pick(options: Iterable[Any], student_id: Any, *, salt: str) -> Any:
    """One of ``options`` for a student, by hash (the same on every machine).

    Examples
    --------
    >>> pick([3, 4, 5, 6], "s01", salt="months"), pick([3, 4, 5, 6], "s01", salt="months")
    (6, 6)
    """
    choices = list(options)
    if not choices:
        raise DataError("pick: no options to choose from")
    number = int.from_bytes(_digest("pick", salt, normalise_id(student_id))[:8], "big")
    return choices[number % len(choices)]


def _ranks(keys: Iterable[Any], student_id: str, salt: str) -> np.ndarray:
    return np.array(
        [int.from_bytes(_digest("rank", salt, student_id, k)[:8], "big") for k in keys],
        dtype=np.uint64,
    )


def sample_keys(keys: Iterable[Any], student_id: Any, *, n: int, salt: str) -> list[Any]:
    """``n`` of the distinct ``keys`` chosen for a student, in the keys' own sorted order.

    Each key is ranked by SHA-256 of (id, salt, key) and the ``n`` smallest
    ranks are kept: no random generator, so no NumPy version changes the draw.

    Examples
    --------
    >>> sample_keys(range(10), "s01", n=3, salt="demo")
    [2, 5, 9]
    >>> sample_keys(range(10), "s02", n=3, salt="demo")
    [5, 7, 8]
    """
    unique = sorted(set(keys))
    if not 0 < n <= len(unique):
        raise DataError(f"sample_keys: n={n} should be between 1 and the number of keys ({len(unique)})")
    ranks = _ranks(unique, normalise_id(student_id), salt)
    chosen = np.sort(np.argsort(ranks, kind="stable")[:n])
    return [unique[i] for i in chosen]


def fingerprint(*values: Any) -> str:
    """A short SHA-256 of data (frames, series, numbers, text), equal on every machine for the same values.

    Floats are written rounded to 10 significant digits, so the last bits of a
    sum do not change it.

    Examples
    --------
    >>> fingerprint(pd.Series([1.0, 2.5], index=[7, 8])) == fingerprint(pd.Series([1.0, 2.5], index=[7, 8]))
    True
    """
    h = hashlib.sha256()
    for value in values:
        h.update(_canonical_bytes(value))
    return h.hexdigest()[:16]


def _canonical_bytes(value: Any) -> bytes:
    def cell(x: Any) -> Any:
        if isinstance(x, (float, np.floating)):
            return None if np.isnan(x) else f"{float(x):.10g}"
        if isinstance(x, (np.integer, np.bool_)):
            return x.item()
        if isinstance(x, pd.Timestamp):
            return x.isoformat()
        return x if isinstance(x, (int, str, bool)) or x is None else str(x)

    data: Any
    if isinstance(value, pd.DataFrame):
        data = {
            "columns": [str(c) for c in value.columns],
            "index": [cell(i) for i in value.index],
            "data": [[cell(x) for x in value[c].tolist()] for c in value.columns],
        }
    elif isinstance(value, pd.Series):
        data = {"index": [cell(i) for i in value.index], "data": [cell(x) for x in value.tolist()]}
    elif isinstance(value, (list, tuple)):
        data = [cell(x) for x in value]
    else:
        data = cell(value)
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\x1e"


class Draw:
    """A chapter's exercise data for one student: its tables and settings as attributes.

    ``describe()`` says in one line what was drawn; ``fingerprint()`` is a short
    hash of the data (the same id gives the same fingerprint on every machine).
    """

    def __init__(self, chapter: int, student_id: str, description: str, **data: Any):
        self.chapter, self.student_id, self.description = chapter, student_id, description
        self.names = list(data)
        for name, value in data.items():
            setattr(self, name, value)

    @property
    def common(self) -> bool:
        """True for the common data (the empty id)."""
        return self.student_id == COMMON

    def describe(self) -> str:
        """One line: whose data and what was drawn (Chinese first)."""
        who = "全班共同的数据 common data" if self.common else f"学号 {self.student_id} 的练习数据 your own data"
        return f"{who}：{self.description}"

    def fingerprint(self) -> str:
        """A short hash of every table and setting of the draw."""
        return fingerprint(*(getattr(self, n) for n in self.names))

    def __repr__(self) -> str:
        return f"<Draw chapter {self.chapter}, {self.describe()}>"


def _ch02(sid: str, *, as_of: str, seed: int, holdout: float = 0.5, sample: bool = False) -> Draw:
    """Chapter 2: CDNOW purchases (a sample of 50-70% of the customers, an analysis date 0-3 months
    earlier, a look-ahead window of 3-6 months) and the Charles Book Club members split into calibration
    and hold-out parts (a split of one's own)."""
    from crm_lessons import rfm
    from crm_lessons.datasets import load_cdnow, load_charles_book_club

    tx = load_cdnow(sample=sample)
    cbc = load_charles_book_club()
    scores = rfm.cbc_rfm_scores(cbc).join(cbc["florence"])
    day, share, months = pd.Timestamp(as_of), 1.0, 6
    if sid == COMMON:
        is_holdout = rfm.holdout_split(scores, holdout=holdout, random_state=seed)
    else:
        customers = tx["customer_id"].unique()
        share = pick([0.5, 0.55, 0.6, 0.65, 0.7], sid, salt="ch02/share")
        keep = sample_keys(customers, sid, n=int(round(share * len(customers))), salt="ch02/cdnow")
        tx = tx[tx["customer_id"].isin(keep)]
        day = day - pd.DateOffset(months=pick([0, 1, 2, 3], sid, salt="ch02/as_of")) + pd.offsets.MonthEnd(0)
        months = pick([3, 4, 5, 6], sid, salt="ch02/months")
        chosen = sample_keys(scores.index, sid, n=int(round(holdout * len(scores))), salt="ch02/cbc")
        is_holdout = pd.Series(scores.index.isin(chosen), index=scores.index, name="holdout")
    tx = tx[tx["date"] <= day].reset_index(drop=True)
    calib, hold = scores[~is_holdout], scores[is_holdout]
    text = (
        f"CDNOW 中 {tx['customer_id'].nunique():,} 位客户（{share:.0%}）的 {len(tx):,} 次购买，"
        f"分析日期 ex.as_of = {day:%Y-%m-%d}，观察期 ex.months = {months} 个月；"
        f"读书会会员 {len(calib):,} 人作校准样本 ex.calib、{len(hold):,} 人作留出样本 ex.hold"
    )
    return Draw(2, sid, text, tx=tx, as_of=day, months=months, calib=calib, hold=hold)


def _sample_rows(
    df: pd.DataFrame, sid: str, *, key: str | None, shares: list[float], salt: str
) -> tuple[pd.DataFrame, float]:
    """A student's sample of a table's rows (by the column ``key``, or the index), its share picked from ``shares``."""
    share = pick(shares, sid, salt=salt + "/share")
    keys = df[key] if key else df.index
    n_keys = keys.nunique()
    chosen = sample_keys(keys, sid, n=int(round(share * n_keys)), salt=salt)
    return df[pd.Index(keys).isin(chosen)], share


def _ch01(sid: str) -> Draw:
    """Chapter 1: the wholesaler's clients (a sample of 70-90% of them) and the top share asked about (10-30%)."""
    from crm_lessons.datasets import load_wholesale_customers

    clients, share, top = load_wholesale_customers(), 1.0, 0.2
    if sid != COMMON:
        clients, share = _sample_rows(clients, sid, key=None, shares=[0.7, 0.75, 0.8, 0.85, 0.9], salt="ch01/clients")
        top = pick([0.1, 0.15, 0.2, 0.25, 0.3], sid, salt="ch01/top")
    text = f"批发商的 {len(clients)} 家客户（{share:.0%}），练习 1.5 问支出最高的 ex.top = {top:.0%} 客户"
    return Draw(1, sid, text, clients=clients, top=top)


def _ch07(sid: str, *, offer_cost: float) -> Draw:
    """Chapter 7: the Telco customers (a sample of 60-80% of them), and exercise 7.4's budget (100-250 customers
    one may contact; the common data: 200) and cost of an offer (1.2-2.2 times ``offer_cost``; the common data: 2
    times)."""
    from crm_lessons.datasets import load_telco

    telco, share, budget, factor = load_telco(), 1.0, 200, 2.0
    if sid != COMMON:
        telco, share = _sample_rows(
            telco, sid, key="customer_id", shares=[0.6, 0.65, 0.7, 0.75, 0.8], salt="ch07/telco"
        )
        budget = pick(range(100, 251, 10), sid, salt="ch07/budget")
        factor = pick([1.2, 1.4, 1.6, 1.8, 2.0, 2.2], sid, salt="ch07/offer_cost")
    telco = telco.reset_index(drop=True)
    cost = float(factor * offer_cost)
    text = (
        f"电信公司的 {len(telco):,} 位客户（{share:.0%}）ex.telco；"
        f"练习 7.4 的预算够联系 ex.budget = {budget} 人，每份优惠的成本 ex.offer_cost = {cost:g} 美元"
    )
    return Draw(7, sid, text, telco=telco, budget=int(budget), offer_cost=cost)


def _ch05(sid: str) -> Draw:
    """Chapter 5: CDNOW purchases (a sample of 50-70% of the customers), a first-purchase month of Q1 1997 and
    a window of 60-120 days for a repeat purchase."""
    from crm_lessons.datasets import load_cdnow

    tx, share, cohort, days = load_cdnow(), 1.0, "1997-02", 90
    if sid != COMMON:
        tx, share = _sample_rows(tx, sid, key="customer_id", shares=[0.5, 0.55, 0.6, 0.65, 0.7], salt="ch05/cdnow")
        cohort = pick(["1997-01", "1997-02", "1997-03"], sid, salt="ch05/cohort")
        days = pick([60, 75, 90, 105, 120], sid, salt="ch05/days")
    tx = tx.reset_index(drop=True)
    text = (
        f"CDNOW 中 {tx['customer_id'].nunique():,} 位客户（{share:.0%}）的 {len(tx):,} 次购买 ex.tx，"
        f"首购月份 ex.cohort = {cohort}，复购窗口 ex.days = {days} 天"
    )
    return Draw(5, sid, text, tx=tx, cohort=cohort, days=days)


def _ch06(sid: str, *, observation_end: str, termination_days: int) -> Draw:
    """Chapter 6: 2,357 CDNOW customers (the published 1/10 sample, or a 1/10 sample of one's own from the
    23,570) and the lifecycle rule's termination threshold (270-450 days)."""
    from crm_lessons.datasets import load_cdnow

    days = int(termination_days)
    if sid == COMMON:
        tx = load_cdnow(sample=True)
    else:
        master = load_cdnow()
        keep = sample_keys(master["customer_id"], sid, n=2357, salt="ch06/cdnow")
        tx = master[master["customer_id"].isin(keep)]
        days = pick([270, 300, 330, 365, 400, 450], sid, salt="ch06/days")
    tx = tx[tx["date"] <= pd.Timestamp(observation_end)].reset_index(drop=True)
    text = (
        f"CDNOW 中 {tx['customer_id'].nunique():,} 位客户的 {len(tx):,} 次购买 ex.tx，"
        f"终止期门槛 ex.termination_days = {days} 天"
    )
    return Draw(6, sid, text, tx=tx, termination_days=days)


def _ch03(sid: str) -> Draw:
    """Chapter 3: 2,357 CDNOW customers' orders (the published 1/10 sample, or a 1/10 sample of one's own from
    the 23,570) and the "sleeping big customer" rule's thresholds (spend USD 50-200, quiet 90-270 days)."""
    from crm_lessons.datasets import load_cdnow

    min_spend, quiet_days = 100, 180
    if sid == COMMON:
        tx = load_cdnow(sample=True)
    else:
        master = load_cdnow()
        tx = master[master["customer_id"].isin(sample_keys(master["customer_id"], sid, n=2357, salt="ch03/cdnow"))]
        min_spend = pick([50, 75, 100, 150, 200], sid, salt="ch03/spend")
        quiet_days = pick([90, 120, 180, 270], sid, salt="ch03/days")
    tx = tx[["customer_id", "date", "n_cds", "amount"]].reset_index(drop=True)
    text = (
        f"CDNOW 中 {tx['customer_id'].nunique():,} 位客户的 {len(tx):,} 笔订单 ex.tx，"
        f"沉睡大客户：累计消费不少于 ex.min_spend = {min_spend} 美元、超过 ex.quiet_days = {quiet_days} 天没有购买"
    )
    return Draw(3, sid, text, tx=tx, min_spend=min_spend, quiet_days=quiet_days)


def _ch04(sid: str, *, seed: int, n_respondents: int, loading: float) -> Draw:
    """Chapter 4: answers to "how likely are you to recommend us" (0-10): the exercise's ten answers for the
    common data, or 150-250 respondents of the chapter's survey (the same simulation, ``seed``) of one's own."""
    answers = [10, 9, 9, 8, 7, 6, 3, 10, 9, 5]
    if sid != COMMON:
        from crm_lessons import satisfaction

        survey = satisfaction.simulate_acsi_survey(
            n_respondents, loading=loading, scale=(0, 10), center=7, random_state=seed
        )
        loy = survey.items["loy_1"]
        n = pick(list(range(150, 251, 10)), sid, salt="ch04/n")
        chosen = sample_keys(loy.index, sid, n=min(n, len(loy)), salt="ch04/respondents")
        answers = [int(round(float(v))) for v in loy.loc[chosen]]
    text = f"门店调查的 {len(answers)} 个推荐可能性回答（0-10 分）ex.answers"
    return Draw(4, sid, text, answers=answers)


def _ch08(sid: str, *, seed: int) -> Draw:
    """Chapter 8: the e-mail test's members (a sample of 60-80% of them), the size of the next mailing list
    (1,200-3,200) and the power it should have (75-90%); a simulated Bass diffusion of its own (market
    6,000-12,000, p 0.006-0.02, q 0.5-0.75; the common data: 8,000, 0.01, 0.6)."""
    from crm_lessons.datasets import load_email_ab_test
    from crm_lessons.service import simulate_bass

    email, share, list_size, power = load_email_ab_test(), 1.0, 2000, 0.8
    m, p, q, state = 8000, 0.01, 0.6, seed + 5
    if sid != COMMON:
        email, share = _sample_rows(email, sid, key="customer", shares=[0.6, 0.65, 0.7, 0.75, 0.8], salt="ch08/email")
        list_size = pick(range(1200, 3201, 100), sid, salt="ch08/list")
        power = pick([0.75, 0.8, 0.85, 0.9], sid, salt="ch08/power")
        m = pick([6000, 7000, 8000, 9000, 10000, 12000], sid, salt="ch08/m")
        p = pick([0.006, 0.008, 0.01, 0.012, 0.015, 0.02], sid, salt="ch08/p")
        q = pick([0.5, 0.55, 0.6, 0.65, 0.7, 0.75], sid, salt="ch08/q")
        state = student_seed(sid)
    email = email.reset_index(drop=True)
    members = simulate_bass(m, p=p, q=q, n_periods=10, random_state=state)
    text = (
        f"邮件测试的 {len(email)} 位会员（{share:.0%}）ex.email，下一次测试的名单 ex.list_size = {list_size:,} 人、"
        f"检验力 ex.power = {power:.0%}；"
        f"另一项新服务前 10 期的新增会员 ex.members（模拟数据）"
    )
    return Draw(8, sid, text, email=email, list_size=list_size, power=power, members=members)


def _ch09(sid: str, *, loan_margin: float, contact_cost: float) -> Draw:
    """Chapter 9: the Cosmetics transactions (a sample of 60-80% of them) and a rule of one's own among 24
    (the common data: lipstick -> foundation); the bank's customers one manages (a sample of 60-80%), the loan
    mailing's margin (100-200% of ``loan_margin``) and contact cost (30-100% of ``contact_cost``), so that the
    break-even probability stays below the bank's response rate."""
    from crm_lessons.datasets import load_cosmetics, load_universal_bank
    from crm_lessons.personalisation import to_baskets

    raw, share, rule = load_cosmetics(), 1.0, ("lipstick", "foundation")
    bank_customers, bank_share = load_universal_bank().index.tolist(), 1.0
    if sid != COMMON:
        raw, share = _sample_rows(
            raw, sid, key="transaction", shares=[0.6, 0.65, 0.7, 0.75, 0.8], salt="ch09/cosmetics"
        )
        rule = (
            pick(["lipstick", "blush", "mascara", "eye_shadow", "lip_liner", "nail_polish"], sid, salt="ch09/if"),
            pick(["foundation", "concealer", "eyeliner", "lip_gloss"], sid, salt="ch09/then"),
        )
        bank_share = pick([0.6, 0.65, 0.7, 0.75, 0.8], sid, salt="ch09/bank/share")
        n_bank = int(round(bank_share * len(bank_customers)))
        bank_customers = sample_keys(bank_customers, sid, n=n_bank, salt="ch09/bank")
        loan_margin = loan_margin * pick([1.0, 1.25, 1.5, 2.0], sid, salt="ch09/margin")
        contact_cost = contact_cost * pick([0.3, 0.4, 0.5, 0.6, 0.75, 1.0], sid, salt="ch09/cost")
    baskets = to_baskets(raw.reset_index(drop=True))
    text = (
        f"Cosmetics 的 {len(baskets):,} 笔交易（{share:.0%}）ex.baskets，规则 ex.antecedent = {rule[0]!r} → "
        f"ex.consequent = {rule[1]!r}；你负责的 {len(bank_customers):,} 位银行客户（{bank_share:.0%}）ex.bank_customers，"
        f"贷款推广每笔利润 ex.loan_margin = {loan_margin:g} 美元、每封信成本 ex.contact_cost = {contact_cost:g} 美元"
    )
    return Draw(
        9,
        sid,
        text,
        baskets=baskets,
        antecedent=rule[0],
        consequent=rule[1],
        bank_customers=bank_customers,
        loan_margin=float(loan_margin),
        contact_cost=float(contact_cost),
    )


def _ch10(sid: str, *, as_of: str, churn_days: int, target_seconds: int, sample: bool = False) -> Draw:
    """Chapter 10: the CDNOW customers one manages (a sample of 50-70% of those who bought by ``as_of``), the
    churn rule's days (120-240), the cost of a phone contact (1.5-4 times an e-mail's) and the service-level
    target of one's own service team (answer within 20-120 seconds; the common data: ``target_seconds``)."""
    from crm_lessons.datasets import load_cdnow

    tx = load_cdnow(sample=sample)
    tx = tx[(tx["amount"] > 0) & (tx["date"] <= pd.Timestamp(as_of))]
    customers, share, factor = sorted(tx["customer_id"].unique().tolist()), 1.0, 3.0
    if sid != COMMON:
        share = pick([0.5, 0.55, 0.6, 0.65, 0.7], sid, salt="ch10/share")
        customers = sample_keys(customers, sid, n=int(round(share * len(customers))), salt="ch10/customers")
        churn_days = pick([120, 150, 180, 210, 240], sid, salt="ch10/churn_days")
        factor = pick([1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.5, 4.0], sid, salt="ch10/factor")
        target_seconds = pick([20, 30, 40, 60, 90, 120], sid, salt="ch10/target_seconds")
    text = (
        f"你负责的 {len(customers):,} 位客户（{share:.0%}）ex.customers，流失规则 ex.churn_days = {churn_days} 天，"
        f"电话接触的成本是邮件的 ex.cost_factor = {factor:g} 倍，"
        f"你的客服小组的接通目标 ex.target_seconds = {target_seconds} 秒"
    )
    return Draw(
        10,
        sid,
        text,
        customers=customers,
        churn_days=int(churn_days),
        cost_factor=float(factor),
        target_seconds=int(target_seconds),
    )


_CHAPTERS: dict[int, Callable[..., Draw]] = {
    1: _ch01,
    2: _ch02,
    3: _ch03,
    4: _ch04,
    5: _ch05,
    6: _ch06,
    7: _ch07,
    8: _ch08,
    9: _ch09,
    10: _ch10,
}


def chapters() -> list[int]:
    """The chapters whose exercises can be drawn per student.

    Examples
    --------
    >>> 2 in chapters()
    True
    """
    return sorted(_CHAPTERS)


def draw(chapter: int | str, student_id: Any = COMMON, **settings: Any) -> Draw:
    """A chapter's exercise data for one student (``""``: the common data of the worked examples).

    Parameters
    ----------
    chapter : int or str
        Chapter number (``2`` or ``"02"``); see :func:`chapters`.
    student_id : str
        The id as in the class list (the folder name of the student's submissions); trimmed and
        case-folded (:func:`normalise_id`).  ``""`` gives the common data.
    **settings
        The chapter's parameters the draw needs (e.g. ``as_of``, ``seed``, ``holdout``), passed by name.

    Returns
    -------
    Draw
        The tables and settings as attributes (chapter 2: ``tx``, ``as_of``, ``calib``, ``hold``).

    Raises
    ------
    DataError
        A chapter without per-student data, or an id that is not text.

    Examples
    --------
    >>> ex = draw(2, "s01", as_of="1998-06-30", seed=42, holdout=0.5)
    >>> ex.tx["customer_id"].nunique(), str(ex.as_of.date()), ex.months, len(ex.hold)
    (11785, '1998-04-30', 5, 2000)
    >>> draw(2, "", as_of="1998-06-30", seed=42).tx["customer_id"].nunique()
    23570
    """
    text = str(chapter).strip()
    number = int(text) if text.isdigit() else -1
    if number not in _CHAPTERS:
        raise DataError(f"draw: chapter {chapter!r} has no per-student exercise data; chapters with it: {chapters()}")
    return _CHAPTERS[number](normalise_id(student_id), **settings)
