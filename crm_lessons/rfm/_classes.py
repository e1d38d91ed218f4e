"""Describing customers: the eight RFM classes, segment strategies and customer types."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
)
from crm_lessons.rfm._scores import _check_rfm_columns
from crm_lessons.rfm._table import _DIMENSIONS

# --------------------------------------------------------------------------- #
# Eight classes
# --------------------------------------------------------------------------- #
#: (R high, F high, M high) -> (中文, English), the scheme of Chinese CRM courses.
EIGHT_CLASSES: dict[tuple[bool, bool, bool], tuple[str, str]] = {
    (True, True, True): ("重要价值客户", "important value"),
    (True, False, True): ("重要发展客户", "important development"),
    (False, True, True): ("重要保持客户", "important retention"),
    (False, False, True): ("重要挽留客户", "important win-back"),
    (True, True, False): ("一般价值客户", "general value"),
    (True, False, False): ("一般发展客户", "general development"),
    (False, True, False): ("一般保持客户", "general retention"),
    (False, False, False): ("一般挽留客户", "general win-back"),
}


def rfm_eight_classes(
    rfm: pd.DataFrame,
    *,
    reference: Literal["mean", "median"] | Mapping[str, float] = "mean",
) -> pd.DataFrame:
    """The eight RFM classes (重要价值客户 ... 一般挽留客户) taught in Chinese CRM courses.

    Parameters
    ----------
    rfm : DataFrame
        Output of :func:`rfm_table` (``days_since_last``, ``n_purchases``,
        ``total_spend``).
    reference : {"mean", "median"} or dict
        The value each dimension is compared with: the mean or median over
        the customers in ``rfm``, or fixed cut points
        ``{"days_since_last": 90, "n_purchases": 2, "total_spend": 100}``.

    Returns
    -------
    DataFrame
        Same index as ``rfm``, columns ``r_high``, ``f_high``, ``m_high``
        (bool), ``rfm_class`` (Chinese, e.g. 重要价值客户) and
        ``rfm_class_en`` (e.g. "important value"), the last two categorical
        in the order of :data:`EIGHT_CLASSES`.

    Raises
    ------
    DataError
        Missing or non-numeric columns, missing values, unknown
        ``reference``, or a dict without the three keys.

    Notes
    -----
    R is high when ``days_since_last < reference`` (recent); F is high when
    ``n_purchases > reference``; M is high when ``total_spend > reference``.
    A value *equal* to the reference counts as low (the inequalities are
    strict), so with integer ``n_purchases`` and the median as reference a
    customer at the median is "F low".

    ======  ======  ======  ==============  =====================
    R       F       M       类别            class
    ======  ======  ======  ==============  =====================
    high    high    high    重要价值客户    important value
    high    low     high    重要发展客户    important development
    low     high    high    重要保持客户    important retention
    low     low     high    重要挽留客户    important win-back
    high    high    low     一般价值客户    general value
    high    low     low     一般发展客户    general development
    low     high    low     一般保持客户    general retention
    low     low     low     一般挽留客户    general win-back
    ======  ======  ======  ==============  =====================

    References
    ----------
    The scheme is the RFM model as taught in Chinese CRM courses and used
    in Chinese e-commerce practice (course slides, chapter 2), built on
    the RFM variables of Hughes (2012).

    Examples
    --------
    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"days_since_last": [10, 200, 30, 400],
    ...                     "n_purchases": [8, 6, 1, 1],
    ...                     "total_spend": [900.0, 700.0, 50.0, 10.0]})
    >>> rfm_eight_classes(rfm)[["rfm_class", "rfm_class_en"]]
      rfm_class     rfm_class_en
    0    重要价值客户  important value
    1    重要保持客户  important retention
    2    一般发展客户  general development
    3    一般挽留客户  general win-back
    """
    where = "rfm_eight_classes"
    columns = [col for col, _ in _DIMENSIONS.values()]
    _check_rfm_columns(rfm, columns, where=where)
    if isinstance(reference, str):
        if reference not in ("mean", "median"):
            raise DataError(f"{where}: reference={reference!r} should be 'mean', 'median' or a dict of cut points")
        ref = {col: float(getattr(rfm[col], reference)()) for col in columns}
    elif isinstance(reference, Mapping):
        missing = [c for c in columns if c not in reference]
        if missing:
            raise DataError(f"{where}: reference is missing the keys {missing}; it needs {columns}")
        ref = {col: float(reference[col]) for col in columns}
    else:
        raise DataError(f"{where}: reference should be 'mean', 'median' or a dict, got {type(reference).__name__}")

    r_high = rfm["days_since_last"].to_numpy() < ref["days_since_last"]
    f_high = rfm["n_purchases"].to_numpy() > ref["n_purchases"]
    m_high = rfm["total_spend"].to_numpy() > ref["total_spend"]
    keys = list(EIGHT_CLASSES)
    code = np.empty(len(rfm), dtype="int64")
    for i, (r, f, m) in enumerate(keys):
        code[(r_high == r) & (f_high == f) & (m_high == m)] = i
    return pd.DataFrame(
        {
            "r_high": r_high,
            "f_high": f_high,
            "m_high": m_high,
            "rfm_class": pd.Categorical.from_codes(code, categories=[EIGHT_CLASSES[k][0] for k in keys]),
            "rfm_class_en": pd.Categorical.from_codes(code, categories=[EIGHT_CLASSES[k][1] for k in keys]),
        },
        index=rfm.index,
    )


# --------------------------------------------------------------------------- #
# Strategy tables
# --------------------------------------------------------------------------- #
def segment_strategies() -> pd.DataFrame:
    """Relationship strategies for high-consumption, potential-value and low-consumption customers.

    Returns
    -------
    DataFrame
        Indexed by ``group`` (``high_consumption``, ``potential_value``,
        ``low_consumption``), columns ``group_zh``, ``who``, ``who_zh``,
        ``strategy``, ``strategy_zh``.

    Notes
    -----
    The course's three groups and its strategy for each, in our words:
    high-consumption customers are demanding and drawn to new products, so
    they are valuable but not automatically loyal (partner-like relationship,
    a dedicated contact who visits them, a plan for problems); potential-value
    customers buy little now but could grow (learn their needs, keep them
    informed, guide them); low-consumption customers are price-sensitive
    (keep the cost of serving them low; those who have left for a competitor
    need not be chased, but basic service stays).  In RFM terms the first
    group is roughly the ``champions``/``loyal`` segments and 重要价值/重要保持,
    the second ``potential_loyalist``/``promising`` and 重要发展/一般价值,
    the third the rest.

    References
    ----------
    Course materials, 客户细分及客户关系策略研究 (高消费、潜在价值、低消费客户
    关系策略); Zeithaml, Rust & Lemon (2001), The customer pyramid,
    *California Management Review* 43(4), 118-142 (serving each tier at a
    cost it can bear).

    Examples
    --------
    >>> segment_strategies().loc["potential_value", "group_zh"]
    '潜在价值客户'
    """
    rows = [
        (
            "high_consumption",
            "高消费客户",
            "able to spend much and demanding, quick to try new products; they bring most of the revenue, "
            "but because novelty attracts them their loyalty is not guaranteed",
            "消费能力强、要求高、乐于尝试新产品，贡献大部分收入；也正因为容易被新东西吸引，忠诚度并不牢靠",
            "focus on them: a partner-like relationship, a dedicated account manager who visits regularly, "
            "a prepared plan for problems, early access to new products; watch for signs of defection",
            "重点关注：建立伙伴式的合作关系，专人定期或不定期回访，预先准备处理问题的方案，新品优先体验；监测流失信号",
        ),
        (
            "potential_value",
            "潜在价值客户",
            "buy little now (ability or willingness not yet there, or only part of their needs bought from us) "
            "but could become loyal customers",
            "目前购买量和金额不大（购买能力或意愿尚未释放，或只把部分需求交给我们），但有成长为忠诚客户的潜力",
            "develop them: collect their data and learn their needs, make new offers easy to find, "
            "let account managers keep in touch and guide them; cross-sell to raise share of wallet",
            "重点培养：收集资料、了解需求并开发对口的产品，让他们方便地了解新产品，客户经理主动沟通引导；交叉销售，提高顾客份额",
        ),
        (
            "low_consumption",
            "低消费客户",
            "low spending power and very price-sensitive; many customers, little revenue, sometimes unprofitable",
            "消费能力低、对价格特别敏感，人数多但贡献少，甚至不盈利",
            "serve them at low cost (self-service, online channels, standard offers) so that prices stay "
            "acceptable; move promising ones up; those who have left for a competitor need not be chased, "
            "but basic service stays",
            "低成本服务：自助与线上渠道、标准化产品，降低成本让价格可以接受；培养有潜力者升级；已转向竞争对手的不必再投入，但保持基本服务",
        ),
    ]
    cols = ["group", "group_zh", "who", "who_zh", "strategy", "strategy_zh"]
    return pd.DataFrame(rows, columns=cols).set_index("group")


def customer_types() -> pd.DataFrame:
    """Customer types by value capability: lighthouse, follower, rational, profit-seeking.

    Returns
    -------
    DataFrame
        Indexed by ``type`` (``lighthouse``, ``follower``, ``rational``,
        ``profit_seeking``), columns ``type_zh`` (灯塔型, 跟随型, 理性型,
        逐利型), ``description``, ``description_zh``, ``action``,
        ``action_zh``.

    Notes
    -----
    The types describe *why* a customer buys (novelty, imitation, value for
    money, price) rather than how much; they complement the RFM classes,
    which describe behaviour.

    References
    ----------
    Course materials, 《客户关系管理》教学教案 第一章第二节 (根据客户提供价值的
    能力分: 灯塔型、跟随型、理性、逐利客户).

    Examples
    --------
    >>> customer_types()["type_zh"].tolist()
    ['灯塔型', '跟随型', '理性型', '逐利型']
    """
    rows = [
        (
            "lighthouse",
            "灯塔型",
            "sensitive to new products, try them first and influence others (opinion leaders); "
            "care about novelty more than price",
            "对新产品敏感，乐于率先尝试并影响他人（意见领袖）；更看重新颖而非价格",
            "invite them to trials and launches, ask for reviews and referrals",
            "邀请试用新品、参加发布活动，鼓励评价与推荐，发挥口碑示范作用",
        ),
        (
            "follower",
            "跟随型",
            "follow trends and the lighthouse customers; value brand image and what others buy",
            "追随潮流和灯塔型客户，看重品牌形象和他人的选择",
            "build brand image, show popular choices and testimonials",
            "塑造品牌形象，展示热销与口碑，利用示范效应",
        ),
        (
            "rational",
            "理性型",
            "compare quality, service and price carefully before buying; loyal to good value",
            "购买前仔细比较质量、服务和价格，忠于性价比",
            "give complete, honest information and proof of value; keep quality consistent",
            "提供完整、真实的信息和性价比证明，保持质量稳定",
        ),
        (
            "profit_seeking",
            "逐利型",
            "driven by discounts and promotions; switch to whoever is cheapest",
            "受折扣和促销驱动，哪里便宜去哪里",
            "use low-cost, time-limited promotions; do not invest heavily in the relationship",
            "使用低成本、限时的促销，不在关系上做大额投入",
        ),
    ]
    cols = ["type", "type_zh", "description", "description_zh", "action", "action_zh"]
    return pd.DataFrame(rows, columns=cols).set_index("type")
