"""Customer loyalty (客户忠诚): its forms, behavioural measures and how satisfaction turns into it.

The course defines loyalty as repeat purchase grounded in preference and
dependence, and measures it along time, behaviour and emotion.  This module
classifies the four combinations of intention and behaviour (with the
course's names beside Dick & Basu's), computes the measures (repeat-purchase
rate, inter-purchase times, share of wallet 顾客份额, relationship
duration), lists the course's positive and negative influences on loyalty,
measures brand loyalty on the bath-soap household panel, simulates the
satisfaction-loyalty relationship under competition, benefits, switching and
sunk costs (after Jones & Sasser 1995) and segments the members
of a frequent-flyer programme to match them with the three levels of
relationship bonds (Berry & Parasuraman 1991).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from crm_lessons._validation import (
    DataError,
    first_rows,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_non_negative,
    require_numeric,
)

__all__ = [
    "LOYALTY_TYPES",
    "LOYALTY_COURSE_LABELS",
    "LOYALTY_MEASURES",
    "LOYALTY_DRIVERS",
    "loyalty_type",
    "loyalty_type_table",
    "loyalty_measures_table",
    "loyalty_drivers",
    "repeat_purchase_rate",
    "interpurchase_times",
    "repeat_rate_by_cohort",
    "share_of_wallet",
    "relationship_duration",
    "brand_loyalty_measures",
    "classify_brand_loyal",
    "compare_means",
    "ClusterResult",
    "kmeans_by_silhouette",
    "loyalty_probability",
    "simulate_satisfaction_loyalty",
    "relationship_bonds",
    "suggest_bonds",
]

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


def _check_transactions(transactions: pd.DataFrame, *, customer_col: str, date_col: str, where: str) -> pd.DataFrame:
    require_dataframe(transactions, where=where)
    require_columns(transactions, {customer_col: "customer_col", date_col: "date_col"}, where=where)
    for col in (customer_col, date_col):
        require_no_missing(transactions, col, where=where)
    if not pd.api.types.is_datetime64_any_dtype(transactions[date_col]):
        raise DataError(
            f"{where}: column {date_col!r} should be datetime, got {transactions[date_col].dtype}; "
            "convert it with pandas.to_datetime"
        )
    days = transactions[[customer_col, date_col]].copy()
    days[date_col] = days[date_col].dt.normalize()
    return days.drop_duplicates().sort_values([customer_col, date_col], kind="stable")


def repeat_purchase_rate(
    transactions: pd.DataFrame, *, customer_col: str = "customer_id", date_col: str = "date"
) -> float:
    """Share of customers who bought on at least two different days.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    customer_col, date_col : str
        Customer id and purchase date (datetime) columns.

    Returns
    -------
    float
        Repeat-purchase rate in [0, 1].

    Raises
    ------
    DataError
        When a column is missing, has missing values or dates are not datetime.

    Notes
    -----
    ``repeat rate = #{customers with >= 2 purchase days} / #{customers}``.
    Several purchases on one day count once, as in the CDNOW studies
    (Fader, Hardie & Lee 2005).

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). Marketing Science,
    24(2), 275-284.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-05",
    ...                                            "2024-01-09", "2024-01-09"])})
    >>> round(repeat_purchase_rate(tx), 4)
    0.3333
    """
    days = _check_transactions(transactions, customer_col=customer_col, date_col=date_col, where="repeat_purchase_rate")
    counts = days.groupby(customer_col).size()
    return float((counts >= 2).mean())


def interpurchase_times(
    transactions: pd.DataFrame, *, customer_col: str = "customer_id", date_col: str = "date"
) -> pd.DataFrame:
    """Days between consecutive purchase days of each customer.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    customer_col, date_col : str
        Customer id and purchase date (datetime) columns.

    Returns
    -------
    DataFrame
        One row per repeat purchase day: ``customer_col``, ``date_col`` and
        ``interval_days`` (days since the customer's previous purchase day).

    Raises
    ------
    DataError
        When a column is missing, has missing values or dates are not datetime.

    Notes
    -----
    ``interval_k = t_k - t_{k-1}`` over the sorted distinct purchase days.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-03-01", "2024-01-05"])})
    >>> interpurchase_times(tx)["interval_days"].tolist()
    [10, 50]
    """
    days = _check_transactions(transactions, customer_col=customer_col, date_col=date_col, where="interpurchase_times")
    gap = days.groupby(customer_col)[date_col].diff().dt.days
    out = days.assign(interval_days=gap)
    out = out[out["interval_days"].notna()].copy()
    out["interval_days"] = out["interval_days"].astype("int64")
    return out.reset_index(drop=True)


def repeat_rate_by_cohort(
    transactions: pd.DataFrame,
    *,
    horizon_days: int,
    customer_col: str = "customer_id",
    date_col: str = "date",
    freq: str = "M",
) -> pd.DataFrame:
    """Repeat-purchase rate of each acquisition cohort within a fixed window.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    horizon_days : int
        A customer counts as a repeater when a second purchase day falls within
        ``horizon_days`` after the first.  Required: the same window for every
        cohort keeps early and late cohorts comparable.
    customer_col, date_col : str
        Customer id and purchase date (datetime) columns.
    freq : str, default "M"
        Cohort period of the first purchase (a pandas period alias: "M", "W", "Q").

    Returns
    -------
    DataFrame
        Indexed by ``cohort`` (Period): ``customers``, ``repeaters``,
        ``repeat_rate`` and ``median_days_to_second`` (among repeaters).

    Raises
    ------
    DataError
        When a column is missing or the window reaches past the last date in
        the data for the latest cohort.

    Notes
    -----
    ``rate_c = #{i in c: t_i2 - t_i1 <= H} / #{i in c}`` with ``t_i1`` the first
    and ``t_i2`` the second distinct purchase day.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3, 4, 4],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-01-05", "2024-02-03",
    ...                                            "2024-04-30", "2024-02-10", "2024-05-30"])})
    >>> repeat_rate_by_cohort(tx, horizon_days=30)["repeat_rate"].tolist()
    [0.5, 0.0]
    """
    where = "repeat_rate_by_cohort"
    if int(horizon_days) != horizon_days or horizon_days < 1:
        raise DataError(f"{where}: horizon_days={horizon_days!r} should be a positive integer")
    days = _check_transactions(transactions, customer_col=customer_col, date_col=date_col, where=where)
    first = days.groupby(customer_col)[date_col].min()
    second = days[days.groupby(customer_col).cumcount() == 1].set_index(customer_col)[date_col]
    last_date = days[date_col].max()
    late = first + pd.Timedelta(days=int(horizon_days)) > last_date
    if late.any():
        raise DataError(
            f"{where}: horizon_days={horizon_days} reaches past the last date {last_date.date()} for "
            f"customers first buying from {first[late].min().date()}; shorten horizon_days or "
            "drop the late cohorts"
        )
    gap = (second.reindex(first.index) - first).dt.days
    frame = pd.DataFrame({"cohort": first.dt.to_period(freq), "gap": gap})
    frame["repeat"] = frame["gap"] <= horizon_days
    grouped = frame.groupby("cohort")
    out = pd.DataFrame(
        {
            "customers": grouped.size(),
            "repeaters": grouped["repeat"].sum().astype("int64"),
        }
    )
    out["repeat_rate"] = out["repeaters"] / out["customers"]
    out["median_days_to_second"] = frame[frame["repeat"]].groupby("cohort")["gap"].median().reindex(out.index)
    return out


def share_of_wallet(
    spend_with_us: float | Sequence[float] | pd.Series, total_category_spend: float | Sequence[float] | pd.Series
) -> float | np.ndarray | pd.Series:
    """Share of wallet (顾客份额): our part of the customer's spend in the category.

    Parameters
    ----------
    spend_with_us : float, array-like or Series
        What the customer spends with us.
    total_category_spend : float, array-like or Series
        What the customer spends in the category with all suppliers (> 0).

    Returns
    -------
    float, ndarray or Series
        Share in [0, 1]; a Series keeps the index of ``spend_with_us``.

    Raises
    ------
    DataError
        When a value is missing or negative, a total is 0, or our spend
        exceeds the total.

    Notes
    -----
    ``SOW_i = s_i / S_i`` (Keiningham, Perkins-Munn & Evans 2003).

    References
    ----------
    Keiningham, T. L., Perkins-Munn, T., & Evans, H. (2003). The impact of
    customer satisfaction on share-of-wallet in a business-to-business
    environment. Journal of Service Research, 6(1), 37-50.

    Examples
    --------
    >>> share_of_wallet(300, 1200)
    0.25
    >>> share_of_wallet([0, 50], [100, 50]).tolist()
    [0.0, 1.0]
    """
    where = "share_of_wallet"
    s = np.asarray(spend_with_us, dtype=float)
    t = np.asarray(total_category_spend, dtype=float)
    s1, t1 = np.broadcast_arrays(np.atleast_1d(s), np.atleast_1d(t))
    idx = np.arange(s1.size)
    for name, arr in (("spend_with_us", s1), ("total_category_spend", t1)):
        if np.isnan(arr).any():
            raise DataError(f"{where}: {name} has missing values in {first_rows(np.isnan(arr), idx)}")
    if (s1 < 0).any():
        raise DataError(f"{where}: spend_with_us should be >= 0 but is negative in {first_rows(s1 < 0, idx)}")
    if (t1 <= 0).any():
        raise DataError(f"{where}: total_category_spend should be > 0 but is not in {first_rows(t1 <= 0, idx)}")
    if (s1 > t1).any():
        raise DataError(
            f"{where}: spend_with_us exceeds total_category_spend in {first_rows(s1 > t1, idx)}; "
            "the total must include the spend with us"
        )
    sow = s / t
    if isinstance(spend_with_us, pd.Series):
        return pd.Series(sow, index=spend_with_us.index, name="share_of_wallet")
    if np.ndim(sow) == 0:
        return float(sow)
    return sow


def relationship_duration(
    transactions: pd.DataFrame, *, as_of: str | pd.Timestamp, customer_col: str = "customer_id", date_col: str = "date"
) -> pd.DataFrame:
    """Time dimension of loyalty: how long each customer has been with us.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    as_of : date-like
        End of the observation period; required (it changes every value).
    customer_col, date_col : str
        Customer id and purchase date (datetime) columns.

    Returns
    -------
    DataFrame
        Indexed by customer: ``first_purchase``, ``last_purchase``,
        ``tenure_days`` (as_of - first) and ``active_span_days`` (last - first).

    Raises
    ------
    DataError
        When a column is missing or a purchase falls after ``as_of``.

    Notes
    -----
    ``tenure_i = as_of - t_i1``; ``span_i = t_in - t_i1``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-06-01"])})
    >>> relationship_duration(tx, as_of="2024-12-31")["tenure_days"].tolist()
    [365, 213]
    """
    from crm_lessons._validation import to_timestamp

    where = "relationship_duration"
    end = to_timestamp(as_of, name="as_of", where=where)
    days = _check_transactions(transactions, customer_col=customer_col, date_col=date_col, where=where)
    after = (days[date_col] > end).to_numpy()
    if after.any():
        raise DataError(
            f"{where}: purchases after as_of={end.date()} in {first_rows(after, days.index)}; "
            "filter them out or use a later as_of"
        )
    g = days.groupby(customer_col)[date_col]
    out = pd.DataFrame({"first_purchase": g.min(), "last_purchase": g.max()})
    out["tenure_days"] = (end - out["first_purchase"]).dt.days
    out["active_span_days"] = (out["last_purchase"] - out["first_purchase"]).dt.days
    return out


_BRAND_COLS = ("br_cd_57_144", "br_cd_55", "br_cd_272", "br_cd_286", "br_cd_24", "br_cd_481", "br_cd_352", "br_cd_5")


def brand_loyalty_measures(panel: pd.DataFrame, *, id_col: str = "member_id") -> pd.DataFrame:
    """Behavioural brand-loyalty measures per household of the bath-soap panel.

    Parameters
    ----------
    panel : DataFrame
        :func:`crm_lessons.datasets.load_bath_soap` (or the same columns).
    id_col : str, default "member_id"
        Household id column.

    Returns
    -------
    DataFrame
        Indexed by household: ``max_brand_share`` (largest volume share to one
        named brand), ``other_brands_share`` (``others_999``),
        ``no_of_brands``, ``trans_per_run`` (transactions per brand run;
        higher = longer stays with a brand), ``runs_per_trans``,
        ``promo_share`` (1 - ``pur_vol_no_promo_pct``) and ``avg_price``.

    Raises
    ------
    DataError
        When a column is missing, has missing values, or a household has no
        transactions.

    Notes
    -----
    ``max_brand_share = max_b share_b`` over the eight named brand codes;
    ``others_999`` pools many small brands, so it is kept separate rather than
    counted as one brand.  ``runs_per_trans = brand_runs / no_of_trans``: 1/n
    means one brand throughout, 1 means a switch at every purchase.

    References
    ----------
    Shmueli, G., Bruce, P. C., et al. (2018). Data Mining for Business
    Analytics, case "Segmenting consumers of bath soap" (CRISA panel).

    Examples
    --------
    >>> from crm_lessons.datasets import load_bath_soap
    >>> m = brand_loyalty_measures(load_bath_soap())
    >>> m.shape
    (600, 7)
    >>> bool(m["max_brand_share"].between(0, 1).all())
    True
    """
    where = "brand_loyalty_measures"
    require_dataframe(panel, where=where)
    needed = [
        id_col,
        *_BRAND_COLS,
        "others_999",
        "no_of_brands",
        "brand_runs",
        "no_of_trans",
        "pur_vol_no_promo_pct",
        "avg_price",
    ]
    require_columns(panel, needed, where=where)
    for col in needed[1:]:
        require_no_missing(panel, col, where=where)
        require_numeric(panel, col, where=where)
        require_non_negative(panel, col, where=where)
    zero = (panel["no_of_trans"] == 0).to_numpy()
    if zero.any():
        raise DataError(
            f"{where}: no_of_trans is 0 in {first_rows(zero, panel.index)}; drop households without purchases"
        )
    runs = panel["brand_runs"].to_numpy(dtype=float)
    trans = panel["no_of_trans"].to_numpy(dtype=float)
    out = pd.DataFrame(
        {
            "max_brand_share": panel[list(_BRAND_COLS)].max(axis=1).to_numpy(),
            "other_brands_share": panel["others_999"].to_numpy(dtype=float),
            "no_of_brands": panel["no_of_brands"].to_numpy(),
            "trans_per_run": trans / np.maximum(runs, 1),
            "runs_per_trans": runs / trans,
            "promo_share": 1 - panel["pur_vol_no_promo_pct"].to_numpy(dtype=float),
            "avg_price": panel["avg_price"].to_numpy(dtype=float),
        },
        index=pd.Index(panel[id_col].to_numpy(), name=id_col),
    )
    return out


def classify_brand_loyal(measures: pd.DataFrame, *, share_threshold: float, max_brands: int) -> pd.Series:
    """Rule-based split of households into brand-loyal and switchers.

    Parameters
    ----------
    measures : DataFrame
        :func:`brand_loyalty_measures`.
    share_threshold : float
        Minimum ``max_brand_share`` of a loyal household (e.g. 0.6).
    max_brands : int
        Maximum ``no_of_brands`` of a loyal household (e.g. 3).

    Returns
    -------
    Series
        ``"loyal"`` or ``"switcher"`` per household, named ``brand_loyalty``.

    Raises
    ------
    DataError
        When a column is missing or ``share_threshold`` is outside (0, 1].

    Notes
    -----
    ``loyal = (max_brand_share >= s*) & (no_of_brands <= b*)``: a share rule
    alone would call a household loyal that buys one brand at 60 % and
    five others now and then.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"max_brand_share": [0.9, 0.7, 0.3], "no_of_brands": [1, 5, 2]})
    >>> classify_brand_loyal(m, share_threshold=0.6, max_brands=3).tolist()
    ['loyal', 'switcher', 'switcher']
    """
    where = "classify_brand_loyal"
    if not 0 < share_threshold <= 1:
        raise DataError(f"{where}: share_threshold={share_threshold!r} should be in (0, 1]")
    require_dataframe(measures, where=where)
    require_columns(measures, ["max_brand_share", "no_of_brands"], where=where)
    loyal = (measures["max_brand_share"] >= share_threshold) & (measures["no_of_brands"] <= max_brands)
    return pd.Series(np.where(loyal, "loyal", "switcher"), index=measures.index, name="brand_loyalty")


def compare_means(
    data: pd.DataFrame,
    *,
    group: pd.Series | str,
    columns: Sequence[str],
    first: str,
    second: str,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Difference of two groups' means with a Welch confidence interval, per column.

    Parameters
    ----------
    data : DataFrame
        One row per unit (e.g. household).
    group : Series or str
        Group label per row (aligned on the index), or the name of a column of ``data``.
    columns : sequence of str
        Numeric columns to compare.
    first, second : str
        The two group labels; the difference is ``mean(first) - mean(second)``.
    confidence : float, default 0.95
        Level of the confidence interval.

    Returns
    -------
    DataFrame
        Indexed by column: ``n_first``, ``n_second``, ``mean_first``,
        ``mean_second``, ``difference``, ``ci_low``, ``ci_high``.

    Raises
    ------
    DataError
        When a column is missing or not numeric, a group has fewer than two
        rows, or ``confidence`` is not in (0, 1).

    Notes
    -----
    Welch's interval: ``d +- t_{q, nu} sqrt(s1^2/n1 + s2^2/n2)`` with the
    Welch-Satterthwaite degrees of freedom ``nu``.  It measures sampling
    error only: a difference between groups that differ in other ways too
    (income, brand) is a comparison, not an effect.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"g": ["a", "a", "a", "b", "b", "b"], "x": [1.0, 2.0, 3.0, 5.0, 6.0, 7.0]})
    >>> r = compare_means(df, group="g", columns=["x"], first="a", second="b")
    >>> float(r.loc["x", "difference"]), round(float(r.loc["x", "ci_low"]), 2)
    (-4.0, -6.27)
    """
    where = "compare_means"
    require_dataframe(data, where=where)
    if not 0 < confidence < 1:
        raise DataError(f"{where}: confidence={confidence!r} should be between 0 and 1")
    labels = data[group] if isinstance(group, str) else pd.Series(group).reindex(data.index)
    require_columns(data, list(columns), where=where)
    for col in columns:
        require_numeric(data, col, where=where)
    rows = {}
    for col in columns:
        a = data.loc[labels == first, col].dropna().to_numpy(dtype=float)
        b = data.loc[labels == second, col].dropna().to_numpy(dtype=float)
        for name, x in ((first, a), (second, b)):
            if len(x) < 2:
                raise DataError(f"{where}: group {name!r} has {len(x)} non-missing values of {col!r}; need at least 2")
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        se = float(np.sqrt(va + vb))
        nu = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
        half = float(stats.t.ppf(0.5 + confidence / 2, nu)) * se
        d = float(a.mean() - b.mean())
        rows[col] = {
            "n_first": len(a),
            "n_second": len(b),
            "mean_first": float(a.mean()),
            "mean_second": float(b.mean()),
            "difference": d,
            "ci_low": d - half,
            "ci_high": d + half,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


@dataclass(frozen=True)
class ClusterResult:
    """Result of :func:`kmeans_by_silhouette`.

    Attributes
    ----------
    labels : Series
        Segment 0..k-1 per row (segment 0 is the largest).
    k : int
        Chosen number of segments.
    silhouette : DataFrame
        ``k``, ``silhouette`` for every k tried.
    profile : DataFrame
        Mean of every feature per segment (original units) plus ``size`` and ``share``.
    """

    labels: pd.Series
    k: int
    silhouette: pd.DataFrame
    profile: pd.DataFrame


def kmeans_by_silhouette(
    data: pd.DataFrame,
    *,
    features: Sequence[str],
    k_values: Sequence[int],
    random_state: int,
    log_features: Sequence[str] = (),
    sample_size: int | None = None,
    n_threads: int | None = 1,
) -> ClusterResult:
    """Standardise, run k-means for each k and keep the k with the best silhouette.

    Parameters
    ----------
    data : DataFrame
        One row per customer.
    features : list of str
        Numeric columns to cluster on.
    k_values : sequence of int
        Candidate numbers of segments (each >= 2).
    random_state : int
        Seed of :class:`sklearn.cluster.KMeans`.
    log_features : list of str, optional
        Subset of ``features`` transformed with ``log1p`` before
        standardising (for skewed counts such as miles); must be >= 0.
    sample_size : int, optional
        Compute each silhouette on a random subsample of this many rows
        (drawn with ``random_state``) instead of all rows; the silhouette
        costs O(n^2), k-means itself always uses every row.
    n_threads : int or None, default 1
        Threads for k-means and the distances (``None``: all cores).  One
        thread, as in :func:`crm_lessons.segmentation.choose_k`: on a few
        thousand rows extra threads mostly wait for each other (on a busy
        2-core machine the bath-soap segmentation took 14 s with all threads
        and 0.2 s with one).

    Returns
    -------
    ClusterResult
        ``labels`` (index of ``data``), ``k``, ``silhouette`` table and
        ``profile`` (feature means per segment, ``size``, ``share``).

    Raises
    ------
    DataError
        When a feature is missing, non-numeric or has missing values, or a k is
        < 2 or >= the number of rows.

    Notes
    -----
    Silhouette of point i: ``s_i = (b_i - a_i) / max(a_i, b_i)``; the chosen k
    maximises its mean (Rousseeuw 1987).  Segments are renumbered by
    size so that labels do not depend on k-means' arbitrary order.

    References
    ----------
    Rousseeuw, P. J. (1987). Silhouettes. Journal of Computational and Applied
    Mathematics, 20, 53-65.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [0, 0.1, 0.2, 5, 5.1, 5.2], "y": [0, 0.2, 0.1, 5, 5.2, 5.1]})
    >>> res = kmeans_by_silhouette(df, features=["x", "y"], k_values=[2, 3], random_state=0)
    >>> res.k, res.labels.tolist()
    (2, [0, 0, 0, 1, 1, 1])
    """
    where = "kmeans_by_silhouette"
    require_dataframe(data, where=where)
    features = list(features)
    require_columns(data, features, where=where)
    for col in features:
        require_no_missing(data, col, where=where)
        require_numeric(data, col, where=where)
    for col in log_features:
        if col not in features:
            raise DataError(f"{where}: log feature {col!r} is not among features {features}")
        require_non_negative(data, col, where=where)
    ks = [int(k) for k in k_values]
    if not ks or min(ks) < 2 or max(ks) >= len(data):
        raise DataError(f"{where}: k_values={ks} should be integers >= 2 and < the {len(data)} rows")
    x = data[features].astype(float).copy()
    for col in log_features:
        x[col] = np.log1p(x[col])
    z = StandardScaler().fit_transform(x.to_numpy())
    if n_threads is not None and (int(n_threads) != n_threads or n_threads < 1):
        raise DataError(f"{where}: n_threads={n_threads!r} should be a positive integer or None (all cores)")
    scores, fits = [], {}
    with threadpool_limits(limits=n_threads):
        for k in ks:
            km = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit(z)
            fits[k] = km.labels_
            size = None if sample_size is None or sample_size >= len(z) else int(sample_size)
            scores.append(silhouette_score(z, km.labels_, sample_size=size, random_state=random_state))
    best = ks[int(np.argmax(scores))]
    raw = fits[best]
    order = pd.Series(raw).value_counts().index  # largest first; ties in value_counts order
    relabel = {int(old): new for new, old in enumerate(order)}
    labels = pd.Series([relabel[int(v)] for v in raw], index=data.index, name="segment")
    profile = data[features].groupby(labels).mean()
    profile["size"] = labels.value_counts().sort_index()
    profile["share"] = profile["size"] / len(data)
    return ClusterResult(
        labels=labels, k=best, silhouette=pd.DataFrame({"k": ks, "silhouette": scores}), profile=profile
    )


def loyalty_probability(
    satisfaction: float | Sequence[float] | np.ndarray,
    *,
    competition: int,
    switching_cost: float,
    sunk_cost: float = 0.0,
    benefit: float = 0.0,
    alternative_mean: float = 4.0,
    alternative_sd: float = 1.0,
) -> np.ndarray | float:
    """Probability of staying for a given satisfaction, number of rivals and switching cost.

    Parameters
    ----------
    satisfaction : float or array-like
        Satisfaction with the current supplier on a 1-5 scale (the utility of
        staying).
    competition : int
        Number of competing alternatives the customer considers (0 =
        monopoly).
    switching_cost : float
        Utility lost by switching, in satisfaction points (>= 0): 转移成本.
    sunk_cost : float, default 0
        What the customer has already invested and would lose by leaving
        (unredeemed points, a paid membership), in satisfaction points (>= 0):
        沉没成本.  Irrelevant to a rational choice, but it weighs on real ones.
    benefit : float, default 0
        Extra benefit of staying (rewards, recognition), in satisfaction
        points (>= 0): 客户获得的利益.
    alternative_mean, alternative_sd : float, default 4.0, 1.0
        Each rival's offer is valued ``Normal(alternative_mean, alternative_sd)``.

    Returns
    -------
    float or ndarray
        ``P(stay)`` in [0, 1].

    Raises
    ------
    DataError
        When ``competition`` is negative or not an integer, or
        ``switching_cost`` / ``alternative_sd`` is invalid.

    Notes
    -----
    The customer stays when ``s + b + c + k >= max_j U_j`` (``b`` benefit,
    ``c`` switching cost, ``k`` sunk cost) with ``U_j`` iid normal,
    so ``P(stay) = Phi((s + b + c + k - mu) / sigma) ** m``.  In this model
    the four act alike on ``P(stay)``; they differ in *why* the customer
    stays (see :func:`simulate_satisfaction_loyalty`, column ``locked_in``).  For large ``m`` the
    maximum of the rivals is high and the curve is convex: only the "completely
    satisfied" stay, as in the highly competitive curve of Jones & Sasser's
    (1995) satisfaction-loyalty exhibit.  With ``m = 0`` or a high ``c`` loyalty is high whatever
    the satisfaction (their noncompetitive zone).  This is a stated-assumption
    model that reproduces the shape, not their data.

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    Harvard Business Review, 73(6), 88-99.

    Examples
    --------
    >>> loyalty_probability(3, competition=0, switching_cost=0)
    1.0
    >>> [round(float(p), 3) for p in loyalty_probability([4, 5], competition=1, switching_cost=0)]
    [0.5, 0.841]
    """
    where = "loyalty_probability"
    if int(competition) != competition or competition < 0:
        raise DataError(f"{where}: competition={competition!r} should be a non-negative integer (number of rivals)")
    for name, value in (("switching_cost", switching_cost), ("sunk_cost", sunk_cost), ("benefit", benefit)):
        if value < 0:
            raise DataError(f"{where}: {name}={value!r} should be >= 0")
    if alternative_sd <= 0:
        raise DataError(f"{where}: alternative_sd={alternative_sd!r} should be > 0")
    s = np.asarray(satisfaction, dtype=float)
    keep = s + benefit + switching_cost + sunk_cost
    p = stats.norm.cdf((keep - alternative_mean) / alternative_sd) ** int(competition)
    return float(p) if np.ndim(p) == 0 else p


def simulate_satisfaction_loyalty(
    n: int,
    *,
    competition: int,
    switching_cost: float,
    sunk_cost: float = 0.0,
    benefit: float = 0.0,
    alternative_mean: float = 4.0,
    alternative_sd: float = 1.0,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Simulate customers' satisfaction (1-5) and whether they stay, under competition.

    Parameters
    ----------
    n : int
        Number of customers.
    competition : int
        Number of rival offers each customer sees (0 = monopoly).
    switching_cost : float
        Utility lost by switching, in satisfaction points (>= 0): 转移成本.
    sunk_cost : float, default 0
        Investment lost by leaving, in satisfaction points (>= 0): 沉没成本.
    benefit : float, default 0
        Extra benefit of staying, in satisfaction points (>= 0): 客户获得的利益.
    alternative_mean, alternative_sd : float, default 4.0, 1.0
        Distribution of the value of each rival offer.
    random_state : int or Generator, optional
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    DataFrame
        One row per customer: ``satisfaction`` (int 1-5, uniform), ``best_rival``
        (value of the best rival offer, NaN without rivals), ``loyal``
        (bool, stays) and ``locked_in`` (bool, stays only because of the
        switching and sunk costs: without them the customer would leave).

    Raises
    ------
    DataError
        As :func:`loyalty_probability`, or when ``n`` < 1.

    Notes
    -----
    Draws ``U_1..U_m ~ Normal(mu, sigma)`` per customer and sets
    ``loyal = s + b + c + k >= max_j U_j`` and
    ``locked_in = loyal & (s + b < max_j U_j)``; the share loyal at each
    satisfaction level converges to :func:`loyalty_probability`.  Benefit
    and satisfaction are reasons to want to stay (积极因素); switching and
    sunk costs are reasons unable to leave (消极因素), hence ``locked_in``.

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    Harvard Business Review, 73(6), 88-99.

    Examples
    --------
    >>> sim = simulate_satisfaction_loyalty(5000, competition=8, switching_cost=0.5, random_state=1)
    >>> rates = sim.groupby("satisfaction")["loyal"].mean()
    >>> bool(rates[5] - rates[4] > rates[2] - rates[1])
    True
    """
    where = "simulate_satisfaction_loyalty"
    if int(n) != n or n < 1:
        raise DataError(f"{where}: n={n!r} should be a positive integer")
    loyalty_probability(
        1.0,
        competition=competition,
        switching_cost=switching_cost,
        sunk_cost=sunk_cost,
        benefit=benefit,
        alternative_mean=alternative_mean,
        alternative_sd=alternative_sd,
    )  # validates
    rng = np.random.default_rng(random_state)
    sat = rng.integers(1, 6, size=int(n))
    m = int(competition)
    if m == 0:
        best = np.full(int(n), np.nan)
        loyal = np.ones(int(n), dtype=bool)
        locked = np.zeros(int(n), dtype=bool)
    else:
        best = rng.normal(alternative_mean, alternative_sd, size=(int(n), m)).max(axis=1)
        wants = sat + benefit >= best
        loyal = sat + benefit + switching_cost + sunk_cost >= best
        locked = loyal & ~wants
    return pd.DataFrame({"satisfaction": sat, "best_rival": best, "loyal": loyal, "locked_in": locked})


def relationship_bonds() -> pd.DataFrame:
    """The three levels of relationship marketing (financial, social, structural bonds).

    Returns
    -------
    DataFrame
        Indexed by ``level`` (1-3): ``bond`` (English), ``bond_zh``,
        ``example`` and ``imitability`` (how easily a competitor copies it).

    References
    ----------
    Berry, L. L., & Parasuraman, A. (1991). Marketing Services: Competing
    Through Quality, ch. 8 (three levels of relationship marketing).

    Examples
    --------
    >>> relationship_bonds()["bond_zh"].tolist()
    ['财务层次（财务联系）', '社交层次（社会联系）', '结构层次（结构联系）']
    """
    rows = [
        (1, "financial", "财务层次（财务联系）", "price incentives, bonus miles, discounts for volume", "easy"),
        (2, "social", "社交层次（社会联系）", "personal recognition, tier service, member events", "harder"),
        (
            3,
            "structural",
            "结构层次（结构联系）",
            "co-branded card, integrated booking, value-adding systems",
            "hardest",
        ),
    ]
    return pd.DataFrame(rows, columns=["level", "bond", "bond_zh", "example", "imitability"]).set_index("level")


def suggest_bonds(
    profile: pd.DataFrame,
    *,
    flight_col: str = "flight_trans_12",
    card_col: str = "cc1_miles",
    bonus_col: str = "bonus_trans",
) -> pd.Series:
    """Suggest a relationship bond for each frequent-flyer segment from its profile.

    Parameters
    ----------
    profile : DataFrame
        Segment means, e.g. ``kmeans_by_silhouette(...).profile`` on
        :func:`crm_lessons.datasets.load_east_west_airlines`.
    flight_col, card_col, bonus_col : str
        Columns measuring flying activity, credit-card mile band and non-flight
        bonus transactions.

    Returns
    -------
    Series
        ``"structural"``, ``"social"`` or ``"financial"`` per segment,
        named ``bond``.

    Raises
    ------
    DataError
        When a column is missing.

    Notes
    -----
    Stated rule, relative to the mean over segments: frequent flyers
    (``flight`` above mean) get social bonds (recognition, tiers); members who
    earn through the partner card and other partners (``card`` and ``bonus``
    above mean) but fly little get structural bonds (co-branded card,
    integration); everyone else gets financial bonds (price and mile offers),
    the cheapest and easiest to copy.

    References
    ----------
    Berry, L. L. (1995). Relationship marketing of services - growing interest,
    emerging perspectives. Journal of the Academy of Marketing Science, 23(4),
    236-245.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"flight_trans_12": [0.2, 8.0, 0.5], "cc1_miles": [1.2, 2.5, 3.8],
    ...                   "bonus_trans": [5, 20, 22]})
    >>> suggest_bonds(p).tolist()
    ['financial', 'social', 'structural']
    """
    where = "suggest_bonds"
    require_dataframe(profile, where=where)
    require_columns(profile, {flight_col: "flight_col", card_col: "card_col", bonus_col: "bonus_col"}, where=where)
    flies = profile[flight_col] > profile[flight_col].mean()
    partner = (profile[card_col] > profile[card_col].mean()) & (profile[bonus_col] > profile[bonus_col].mean())
    bond = np.where(flies, "social", np.where(partner, "structural", "financial"))
    return pd.Series(bond, index=profile.index, name="bond")
