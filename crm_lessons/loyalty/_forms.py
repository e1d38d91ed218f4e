"""The forms of loyalty (intention x behaviour), the course's measures and its influences on loyalty, as tables."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    first_rows,
)

#: English names of the four forms of loyalty, keyed by (high intention, high behaviour).
LOYALTY_TYPES: dict[tuple[bool, bool], str] = {
    (True, True): "true loyalty",
    (True, False): "latent loyalty",
    (False, True): "spurious loyalty",
    (False, False): "no loyalty",
}

_LOYALTY_ZH = {
    "true loyalty": ("有意愿有行动", "真正忠诚"),
    "latent loyalty": ("有意愿无行动", "潜在忠诚"),
    "spurious loyalty": ("无意愿有行动", "虚假忠诚（惰性）"),
    "no loyalty": ("无意愿无行动", "不忠诚"),
}

#: The course's name of the customer in each form of loyalty, keyed like :data:`LOYALTY_TYPES` values.
LOYALTY_COURSE_LABELS: dict[str, str] = {
    "true loyalty": "现有的客户",
    "latent loyalty": "潜在的客户",
    "spurious loyalty": "正在失去的客户",
    "no loyalty": "已经失去的客户",
}

#: The course's three dimensions for measuring loyalty:
#: ``(dimension_zh, dimension_en, measures_zh, function in this module or elsewhere)``.
LOYALTY_MEASURES: tuple[tuple[str, str, str, str], ...] = (
    (
        "时间维度",
        "time",
        "关系持续时间、购买间隔 (relationship duration, inter-purchase time)",
        "relationship_duration, interpurchase_times",
    ),
    (
        "行为特征",
        "behaviour",
        "重复购买率、顾客份额、品牌购买份额 (repeat purchase rate, share of wallet, brand share)",
        "repeat_purchase_rate, repeat_rate_by_cohort, share_of_wallet, brand_loyalty_measures",
    ),
    (
        "情感特征",
        "emotion",
        "再购意愿、推荐意愿、偏好 (repurchase intention, willingness to recommend, preference)",
        "survey items, e.g. satisfaction.net_promoter_score",
    ),
)

#: The course's influences on loyalty: ``(factor_zh, factor_en, kind, kind_zh, how it keeps the customer)``.
LOYALTY_DRIVERS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "客户获得的利益",
        "customer benefit",
        "positive",
        "积极因素",
        "staying pays: rewards, better service, lower total cost",
    ),
    ("客户的情感因素", "emotion", "positive", "积极因素", "the customer likes and trusts the firm and wants to stay"),
    (
        "沉没成本",
        "sunk cost",
        "negative",
        "消极因素",
        "what the customer has already put in and would lose by leaving (points, fees, learning)",
    ),
    (
        "转移成本",
        "switching cost",
        "negative",
        "消极因素",
        "what moving to a rival would cost (time, money, risk, setting up again)",
    ),
)


def loyalty_type(
    intention: float | Sequence[float] | pd.Series,
    behaviour: float | Sequence[float] | pd.Series,
    *,
    intention_threshold: float,
    behaviour_threshold: float,
) -> str | np.ndarray | pd.Series:
    """Classify customers into the four forms of loyalty (intention x behaviour).

    Parameters
    ----------
    intention : float, array-like or Series
        Attitudinal loyalty, e.g. repurchase intention on a 1-7 scale or a
        0-100 score.
    behaviour : float, array-like or Series
        Behavioural loyalty, e.g. repeat-purchase count, share of wallet.
    intention_threshold, behaviour_threshold : float
        A value ``>=`` its threshold counts as high.  Required: the split
        decides every label.

    Returns
    -------
    str, ndarray of str or Series
        ``"true loyalty"`` (有意愿有行动), ``"latent loyalty"`` (有意愿无行动),
        ``"spurious loyalty"`` (无意愿有行动, inertia) or ``"no loyalty"``
        (无意愿无行动); a Series keeps the index of ``intention``.

    Raises
    ------
    DataError
        When a value is missing or the two inputs have different lengths.

    Notes
    -----
    ``type = T[intention >= t_I, behaviour >= t_B]`` with the 2 x 2 table of
    Dick & Basu (1994), whose rows are relative attitude and
    columns repeat patronage.

    References
    ----------
    Dick, A. S., & Basu, K. (1994). Customer loyalty: Toward an integrated
    conceptual framework. Journal of the Academy of Marketing Science, 22(2),
    99-113.

    Examples
    --------
    >>> loyalty_type(6, 5, intention_threshold=5, behaviour_threshold=5)
    'true loyalty'
    >>> loyalty_type([2, 6], [8, 1], intention_threshold=5, behaviour_threshold=3).tolist()
    ['spurious loyalty', 'latent loyalty']
    """
    where = "loyalty_type"
    i = np.asarray(intention, dtype=float)
    b = np.asarray(behaviour, dtype=float)
    if i.shape != b.shape:
        raise DataError(
            f"{where}: intention has shape {i.shape} but behaviour {b.shape}; pass one value of each per customer"
        )
    for name, arr in (("intention", i), ("behaviour", b)):
        bad = np.isnan(np.atleast_1d(arr))
        if bad.any():
            raise DataError(
                f"{where}: {name} has missing values in {first_rows(bad, np.arange(bad.size))}; fill or drop them first"
            )
    hi_i = np.atleast_1d(i >= intention_threshold)
    hi_b = np.atleast_1d(b >= behaviour_threshold)
    labels = np.array([LOYALTY_TYPES[(bool(x), bool(y))] for x, y in zip(hi_i, hi_b)], dtype=object)
    if isinstance(intention, pd.Series):
        return pd.Series(labels, index=intention.index, name="loyalty_type")
    if i.ndim == 0:
        return str(labels[0])
    return labels


def loyalty_type_table() -> pd.DataFrame:
    """The four forms of loyalty with their Chinese names and what to do about each.

    Returns
    -------
    DataFrame
        Indexed by the English label of :func:`loyalty_type`: ``intention``,
        ``behaviour`` (high/low), ``form_zh`` (e.g. 有意愿有行动), ``course_zh``
        (the course's name of such a customer, e.g. 现有的客户), ``name_zh``
        (Dick & Basu's form, e.g. 真正忠诚) and ``action`` (English).

    References
    ----------
    Dick, A. S., & Basu, K. (1994). Customer loyalty: Toward an integrated
    conceptual framework. Journal of the Academy of Marketing Science, 22(2),
    99-113.

    Examples
    --------
    >>> loyalty_type_table().loc["spurious loyalty", ["form_zh", "course_zh"]].tolist()
    ['无意愿有行动', '正在失去的客户']
    """
    actions = {
        "true loyalty": "reward and retain; ask for referrals",
        "latent loyalty": "remove the barriers to buying (distribution, price, access)",
        "spurious loyalty": "build attitude before a competitor breaks the habit",
        "no loyalty": "do not overspend; target only if profitable",
    }
    rows = []
    for (hi_i, hi_b), name in LOYALTY_TYPES.items():
        form_zh, name_zh = _LOYALTY_ZH[name]
        rows.append(
            (
                name,
                "high" if hi_i else "low",
                "high" if hi_b else "low",
                form_zh,
                LOYALTY_COURSE_LABELS[name],
                name_zh,
                actions[name],
            )
        )
    return pd.DataFrame(
        rows, columns=["type", "intention", "behaviour", "form_zh", "course_zh", "name_zh", "action"]
    ).set_index("type")


def loyalty_measures_table() -> pd.DataFrame:
    """The course's three dimensions of measuring loyalty with the literature's indicators.

    Returns
    -------
    DataFrame
        Indexed by ``dimension_zh`` (时间维度, 行为特征, 情感特征):
        ``dimension`` (English), ``indicators`` and ``functions`` (where the
        suite computes them).

    Notes
    -----
    The course measures loyalty along time, behaviour and emotion (客户忠诚的
    衡量方式).  The literature's split into behavioural and attitudinal
    loyalty (Dick & Basu 1994) puts time and behaviour on the behavioural side
    and emotion on the attitudinal side.

    Examples
    --------
    >>> loyalty_measures_table().index.tolist()
    ['时间维度', '行为特征', '情感特征']
    """
    return pd.DataFrame(
        list(LOYALTY_MEASURES), columns=["dimension_zh", "dimension", "indicators", "functions"]
    ).set_index("dimension_zh")


def loyalty_drivers() -> pd.DataFrame:
    """The course's positive and negative influences on loyalty.

    Returns
    -------
    DataFrame
        ``factor_zh``, ``factor``, ``kind`` (``"positive"``/``"negative"``),
        ``kind_zh`` (积极因素/消极因素) and ``how`` (English), one row per
        factor of :data:`LOYALTY_DRIVERS`.

    Notes
    -----
    Positive factors (the benefit the customer gets, emotion) make the
    customer *want* to stay; negative factors (sunk cost 沉没成本, switching
    cost 转移成本) make leaving costly, so the customer stays without wanting
    to: the loyalty lasts only as long as the barrier (Jones & Sasser 1995).
    Sunk costs are irrelevant to a rational choice but weigh on real ones
    (Arkes & Blumer 1985); Burnham, Frels & Mahajan (2003) classify switching
    costs into procedural, financial and relational ones.

    References
    ----------
    Arkes, H. R., & Blumer, C. (1985). The psychology of sunk cost.
    Organizational Behavior and Human Decision Processes, 35(1), 124-140.
    Burnham, T. A., Frels, J. K., & Mahajan, V. (2003). Consumer switching
    costs: A typology, antecedents, and consequences. Journal of the Academy
    of Marketing Science, 31(2), 109-126.

    Examples
    --------
    >>> loyalty_drivers().query("kind == 'negative'")["factor_zh"].tolist()
    ['沉没成本', '转移成本']
    """
    return pd.DataFrame(list(LOYALTY_DRIVERS), columns=["factor_zh", "factor", "kind", "kind_zh", "how"])
