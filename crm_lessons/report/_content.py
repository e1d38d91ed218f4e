"""The report's content: number formats, the tables and notes of its sections, its headings."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from crm_lessons._validation import to_timestamp
from crm_lessons.report._data import _SYMBOL_ZH

# ---------------------------------------------------------------- formats


def format_money(value: float, *, currency: str = "CNY", lang: str = "zh", decimals: int = 2) -> str:
    """A money amount in the report's language.

    Parameters
    ----------
    value : float
        The amount.
    currency : str, default 'CNY'
        ISO code (case ignored).
    lang : {'zh', 'en'}
        Chinese uses the symbol (``￥1,234.50``; the fullwidth ￥ because the
        bundled font has no U+00A5 ¥) or, for codes without a symbol,
        ``1,234.50 JPY``; English the code (``CNY 1,234.50``).
    decimals : int, default 2

    Returns
    -------
    str

    Examples
    --------
    >>> format_money(1234.5, lang="zh"), format_money(1234.5, lang="en")
    ('￥1,234.50', 'CNY 1,234.50')
    >>> format_money(-3, currency="usd", lang="zh", decimals=0)
    '-US$3'
    """
    code = currency.upper()
    sign, number = ("-" if value < 0 else ""), f"{abs(value):,.{decimals}f}"
    if lang == "zh":
        symbol = _SYMBOL_ZH.get(code)
        return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {code}"
    return f"{sign}{code} {number}"


def format_count(value: float) -> str:
    """A whole number with thousands separators.

    Parameters
    ----------
    value : float
        Rounded to the nearest whole number.

    Returns
    -------
    str

    Examples
    --------
    >>> format_count(1234567)
    '1,234,567'
    """
    return f"{int(round(value)):,}"


def format_pct(value: float, decimals: int = 1) -> str:
    """A share as a percentage.

    Parameters
    ----------
    value : float
        A share (0.1234 is 12.3%).
    decimals : int, default 1

    Returns
    -------
    str

    Examples
    --------
    >>> format_pct(0.1234)
    '12.3%'
    """
    return f"{100 * value:.{decimals}f}%"


def html_table(frame: pd.DataFrame, *, index: bool = False) -> str:
    """An HTML table with every cell and header escaped (user data is never trusted), in a box that
    scrolls sideways on a narrow screen instead of squeezing the columns.

    A column of text (Chinese or words) is left-aligned, a column of figures right-aligned; a
    column of long text (recommended actions) may wrap, the others stay on one line.

    Parameters
    ----------
    frame : DataFrame
        Values already formatted for display.
    index : bool, default False
        Show the index.

    Returns
    -------
    str
        ``<div class="crm-scroll"><table class="crm-table">...</table></div>``.

    Examples
    --------
    >>> html_table(pd.DataFrame({"id": ["<b>x</b>"], "n": ["1,234"]}))
    '<div class="crm-scroll"><table class="crm-table"><thead><tr><th class="crm-text">id</th><th class="crm-num">n</th></tr></thead><tbody><tr><td class="crm-text">&lt;b&gt;x&lt;/b&gt;</td><td class="crm-num">1,234</td></tr></tbody></table></div>'
    """
    import html as _html

    if index:
        frame = frame.reset_index()
    kinds = [_column_kind(frame.iloc[:, i]) for i in range(frame.shape[1])]
    head = "".join(f'<th class="{k}">{_html.escape(str(c))}</th>' for c, k in zip(frame.columns, kinds))
    body = "".join(
        "<tr>" + "".join(f'<td class="{k}">{_html.escape(str(v))}</td>' for v, k in zip(row, kinds)) + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    return (
        f'<div class="crm-scroll"><table class="crm-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


_NUMBER = re.compile(r"^[+\-−]?(?:[A-Z]{0,3}[$¥￥€£]?\s?)?[-−]?[\d.,]+\s*(?:%|万|亿)?$|^$|^[-–—]$")


def _column_kind(values: pd.Series) -> str:
    """'crm-num' (figures: right), 'crm-text' (left, one line) or 'crm-text crm-long' (left, may wrap)."""
    text = [str(v) for v in values]
    if all(_NUMBER.match(v.strip()) for v in text):
        return "crm-num"
    return "crm-text crm-long" if text and max(map(len, text)) > 24 else "crm-text"


#: The page's own styles: tables scroll sideways on a phone, text left and figures right, images fit.
REPORT_CSS = (
    "<style>"
    ".crm-scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;max-width:100%;margin:0.5em 0 1em}"
    ".jp-RenderedHTMLCommon table.crm-table{border-collapse:collapse;table-layout:auto;width:auto;margin:0}"
    ".jp-RenderedHTMLCommon table.crm-table th,.jp-RenderedHTMLCommon table.crm-table td"
    "{white-space:nowrap;padding:0.35em 0.7em;vertical-align:top;max-width:none}"
    ".jp-RenderedHTMLCommon table.crm-table .crm-text{text-align:left}"
    ".jp-RenderedHTMLCommon table.crm-table .crm-num{text-align:right;font-variant-numeric:tabular-nums}"
    ".jp-RenderedHTMLCommon table.crm-table td.crm-long{white-space:normal;min-width:14em}"
    ".jp-RenderedHTMLCommon img{max-width:100%;height:auto}"
    "</style>"
)


# ---------------------------------------------------------------- analysis helpers

_SEGMENT_ACTIONS = {
    # segment: (action_zh, action_en); after Hughes (2012) ch. 11 and the course's strategies
    "champions": (
        "VIP 特权与专属服务，新品优先体验，邀请推荐",
        "VIP privileges and personal service, early access, referral invitations",
    ),
    "loyal": ("会员升级、积分回馈，向上销售", "loyalty-tier upgrades, points rewards, up-selling"),
    "potential_loyalist": ("交叉销售、组合优惠，培养购买习惯", "cross-selling and bundles to build the habit"),
    "new": (
        "欢迎礼包，首单后跟进，引导第二次购买",
        "welcome offer, post-purchase follow-up, nudge to a second purchase",
    ),
    "promising": ("限时优惠，提高购买频率", "time-limited offers to raise purchase frequency"),
    "need_attention": ("个性化推荐与回访，了解需求变化", "personalised recommendations and check-in calls"),
    "about_to_sleep": ("唤醒提醒与小额优惠", "reactivation reminders with a small incentive"),
    "at_risk": ("流失预警，满意度回访，定向挽留优惠", "churn alert, satisfaction call, targeted retention offer"),
    "cannot_lose": ("高层或专人联系，优先赢回", "personal contact by a senior manager, win them back first"),
    "hibernating": (
        "低成本唤醒（邮件/短信），评估是否值得投入",
        "low-cost reactivation (e-mail/SMS); judge whether worth the effort",
    ),
    "lost": ("低成本赢回或放弃，调研流失原因", "cheap win-back or let go; exit survey"),
}


def segment_actions() -> pd.DataFrame:
    """Recommended action for each RFM segment of :func:`crm_lessons.rfm.segment_map`.

    Returns
    -------
    DataFrame
        Indexed by ``segment``: ``segment_zh``, ``action_zh``, ``action``.

    References
    ----------
    Hughes (2012), *Strategic Database Marketing*, ch. 11; course slides,
    chapter 2 (see :func:`crm_lessons.rfm.segment_strategies`).

    Examples
    --------
    >>> segment_actions().loc["cannot_lose", "action"]
    'personal contact by a senior manager, win them back first'
    """
    from crm_lessons.rfm import segment_map

    seg = segment_map()
    out = pd.DataFrame({"segment_zh": seg["segment_zh"]}, index=seg.index)
    out["action_zh"] = [_SEGMENT_ACTIONS[s][0] for s in seg.index]
    out["action"] = [_SEGMENT_ACTIONS[s][1] for s in seg.index]
    return out


def segment_summary(rfm: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Size, value and recommended action of each RFM segment.

    Parameters
    ----------
    rfm : DataFrame
        :func:`crm_lessons.rfm.rfm_table` (``total_spend``, ``n_purchases``, ``days_since_last``).
    segments : DataFrame
        :func:`crm_lessons.rfm.rfm_segments` on the same customers.

    Returns
    -------
    DataFrame
        Indexed by ``segment`` (map order, empty segments dropped):
        ``segment_zh``, ``customers``, ``customer_share``, ``revenue``,
        ``revenue_share``, ``mean_revenue``, ``mean_days_since_last``,
        ``action_zh``, ``action``.

    Examples
    --------
    >>> rfm = pd.DataFrame({"total_spend": [10.0, 30.0], "n_purchases": [1, 3], "days_since_last": [5, 50]})
    >>> seg = pd.DataFrame({"segment": ["new", "lost"]})
    >>> segment_summary(rfm, seg)[["customers", "revenue_share"]]
             customers  revenue_share
    segment
    new              1           0.25
    lost             1           0.75
    """
    actions = segment_actions()
    segment = segments["segment"]
    if not isinstance(segment.dtype, pd.CategoricalDtype):  # rfm_segments gives codes: recoded without text
        segment = segment.astype(str).to_numpy()
    key = pd.Categorical(segment, categories=list(actions.index))
    g = rfm.reset_index(drop=True).groupby(key, observed=True)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "revenue": g["total_spend"].sum(),
            "mean_days_since_last": g["days_since_last"].mean(),
        }
    )
    out.index = pd.Index(out.index.astype(str), name="segment")
    out.insert(1, "customer_share", out["customers"] / out["customers"].sum())
    out.insert(3, "revenue_share", out["revenue"] / out["revenue"].sum())
    out.insert(4, "mean_revenue", out["revenue"] / out["customers"])
    return actions.loc[out.index, ["segment_zh"]].join(out).join(actions[["action_zh", "action"]])


def clv_table(
    transactions: pd.DataFrame,
    *,
    as_of: Any,
    horizon: int = 12,
    discount_rate: float = 0.01,
    summary: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """BG/NBD + Gamma-Gamma: P(alive), expected purchases and CLV per customer.

    Parameters
    ----------
    transactions : DataFrame
        ``customer_id``, ``date``, ``amount`` (> 0).
    as_of : date-like
        End of the calibration period.
    horizon : int, default 12
        CLV horizon in months.
    discount_rate : float, default 0.01
        Monthly discount rate.
    summary : DataFrame or callable, optional
        The customer summary already computed (e.g. on an engine:
        :attr:`CustomerTables.summary`), or a function returning it; then
        ``transactions`` is not used.

    Returns
    -------
    table : DataFrame
        Indexed by customer: ``frequency``, ``recency``, ``T`` (weeks),
        ``monetary_value``, ``p_alive``, ``expected_purchases`` (in the
        horizon), ``expected_spend`` and ``clv`` (revenue, margin 1).
    models : dict
        ``bgnbd`` and ``gamma_gamma`` parameter Series.

    Raises
    ------
    DataError
        From :func:`crm_lessons.clv.customer_summary` or the fitters (e.g.
        fewer than 3 repeat customers).
    crm_lessons.clv.ConvergenceError
        The likelihood could not be maximised.

    Notes
    -----
    Months are ``52/12`` weeks; see :func:`crm_lessons.clv.clv` for the
    discounted sum.  The fitters compress identical (x, t_x, T) rows, so the
    fit costs little even for a million transactions.

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), 275-284 (BG/NBD, eq. 13
    for P(alive)); Fader & Hardie (2013), The Gamma-Gamma model of monetary value.

    Examples
    --------
    >>> from crm_lessons.datasets import load_cdnow
    >>> table, models = clv_table(load_cdnow(sample=True), as_of="1997-09-30")
    >>> round(float(models["bgnbd"]["r"]), 2), round(float(models["bgnbd"]["alpha"]), 1)
    (0.24, 4.4)
    """
    from crm_lessons.clv import BetaGeoFitter, GammaGammaFitter, clv, customer_summary

    if summary is None:
        summary = customer_summary(transactions, calibration_end=as_of)
    elif callable(summary):
        summary = summary()
    assert not callable(summary)  # a DataFrame by now
    bg = BetaGeoFitter().fit(summary)
    gg = GammaGammaFitter().fit(summary)
    period = 52 / 12
    table = summary.copy(deep=False)  # new columns only: the summary's own are shared, not copied
    table["p_alive"] = bg.p_alive(summary)
    table["expected_purchases"] = bg.predict(horizon * period, summary)
    table["expected_spend"] = gg.conditional_expected_spend(summary)
    table["clv"] = clv(bg, gg, summary, horizon=horizon, discount_rate=discount_rate, period_length=period)
    return table, {"bgnbd": bg.params_, "gamma_gamma": gg.params_}


def clv_failure_reason(exc: BaseException, lang: str = "zh") -> str:
    """Why lifetime value could not be estimated, in words a manager reads (no parameter names).

    Parameters
    ----------
    exc : Exception
        What :func:`clv_table` raised (:class:`~crm_lessons.DataError` or
        :class:`crm_lessons.clv.ConvergenceError`).
    lang : {'zh', 'en'}

    Examples
    --------
    >>> from crm_lessons.clv import ConvergenceError
    >>> clv_failure_reason(ConvergenceError("fit: the estimate ran to the edge of the parameter space ({'r': 12.1})"), "en")[:60]
    'The repeat purchases in this file do not show how many custo'
    """
    text = str(exc)
    zh = lang == "zh"
    if "edge of the parameter space" in text or "do not identify" in text:
        return (
            "这份数据中的重复购买规律，不足以让模型分辨有多少客户已经不再购买（估计值跑到了模型允许范围的边缘），"
            "所以无法可靠地估计每位客户的未来价值。常见原因：观察期太短、回头客太少，或几乎所有客户的购买节奏相同。"
            if zh
            else "The repeat purchases in this file do not show how many customers have stopped buying (the estimate "
            "ran to the edge of what the model allows), so each customer's future value cannot be estimated "
            "reliably. Common causes: a short period, few repeat customers, or nearly identical buying patterns."
        )
    if "no customer has a repeat purchase" in text or "repeat" in text:
        return (
            "这份数据中几乎没有客户重复购买，模型无法从中学到客户多久买一次、何时流失。"
            if zh
            else "Almost no customer in this file bought twice, so the model cannot learn how often customers buy "
            "or when they leave."
        )
    if "converge" in text or "could not be evaluated" in text:
        return (
            "模型的估计没有收敛：这份数据的购买规律与模型的假设相差太大。"
            if zh
            else "The model's estimate did not settle: the buying pattern in this file is too far from what the "
            "model assumes."
        )
    return "数据不足以估计客户终身价值模型。" if zh else "The data are not enough to estimate the lifetime-value model."


def naive_clv(transactions: pd.DataFrame, *, as_of: Any, horizon: int = 12) -> pd.Series:
    """Run-rate estimate of each customer's value: their revenue in the last ``horizon`` months.

    A stated, simple stand-in for when the BG/NBD model cannot be fitted: it
    assumes every customer keeps buying as in the last ``horizon`` months
    (no churn model, no discounting).  Customers with no purchase in that
    window get 0.

    Parameters
    ----------
    transactions : DataFrame
        ``customer_id``, ``date``, ``amount``.
    as_of : date-like
        End of the observation period.
    horizon : int
        Months in the window and in the forecast.

    Returns
    -------
    Series
        Indexed by customer (every customer in ``transactions``, sorted), name ``naive_clv``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "B"], "amount": [10.0, 5.0, 7.0],
    ...                    "date": pd.to_datetime(["2024-11-01", "2023-01-01", "2024-12-01"])})
    >>> naive_clv(tx, as_of="2024-12-31", horizon=12).to_dict()
    {'A': 10.0, 'B': 7.0}
    """
    end = to_timestamp(as_of, name="as_of", where="naive_clv").normalize()
    start = end - pd.DateOffset(months=int(horizon))
    recent = transactions[(transactions["date"] > start) & (transactions["date"] <= end)]
    customers = pd.Index(transactions["customer_id"].unique(), name="customer_id").sort_values()
    out = recent.groupby("customer_id")["amount"].sum().reindex(customers, fill_value=0.0)
    return out.astype("float64").rename("naive_clv")


def reading_notes(quality: dict[str, Any], lang: str = "zh") -> list[str]:
    """What the report did with the rows it read, in the report's language (no parameter names).

    Orders left out by their status are counted by reason (unpaid, cancelled, refunded), as in
    the page's table of what was left out (:func:`crm_lessons.report.left_out_table`).

    Parameters
    ----------
    quality : dict
        :attr:`ReportData.quality`.
    lang : {'zh', 'en'}

    Examples
    --------
    >>> q = {"left_out": {"unpaid": 1, "cancelled": 2, "refunded": 0}, "excluded_nonpositive": 2,
    ...      "excluded_after_as_of": 0, "duplicates": 1, "blank_rows": 0, "as_of": None}
    >>> reading_notes(q, "en")
    ['3 orders were left out by their status (1 unpaid, 2 cancelled or closed): they are not revenue.', '2 rows with an amount of 0 or less (returns, refunds) were left out of the analysis.', '1 rows repeat an earlier row exactly; they are kept, as several purchases on one day are common.']
    """
    zh = lang == "zh"
    notes = []
    by_reason = quality.get("left_out") or {}
    closed = int(sum(by_reason.values()) or quality.get("closed_orders") or 0)
    kept = (quality.get("policy") or {}).get("closed_orders") == "keep"
    if closed:
        words = {
            "unpaid": ("未付款", "unpaid"),
            "cancelled": ("已取消或关闭", "cancelled or closed"),
            "refunded": ("已退款", "refunded"),
        }
        parts = [f"{words[r][0]} {n:,} 笔" if zh else f"{n:,} {words[r][1]}" for r, n in by_reason.items() if n]
        notes.append(
            f"{closed:,} 笔订单按订单状态{'（' + '，'.join(parts) + '）' if parts else ''}"
            + ("按要求仍计入分析。" if kept else "不是收入，未纳入分析。")
            if zh
            else f"{closed:,} orders were {'kept, as asked, although' if kept else 'left out'} by their status"
            + (f" ({', '.join(parts)})" if parts else "")
            + (" says they are not revenue." if kept else ": they are not revenue.")
        )
    if quality.get("partial_refunds"):
        n, amount = int(quality["partial_refunds"]), float(quality.get("partial_refund_amount") or 0.0)
        notes.append(
            f"{n:,} 笔订单部分退款，共 {amount:,.2f} 已从金额中扣除。"
            if zh
            else f"{n:,} orders were partly refunded; {amount:,.2f} in all was subtracted from their amounts."
        )
    if quality.get("excluded_nonpositive"):
        n = int(quality["excluded_nonpositive"])
        notes.append(
            f"{n:,} 行金额为 0 或负数（退货、退款），未纳入分析。"
            if zh
            else f"{n:,} rows with an amount of 0 or less (returns, refunds) were left out of the analysis."
        )
    if quality.get("excluded_after_as_of"):
        n = int(quality["excluded_after_as_of"])
        notes.append(
            f"{n:,} 行日期晚于截止日期，未纳入分析。" if zh else f"{n:,} rows dated after the as-of date were left out."
        )
    if quality.get("duplicates"):
        n = int(quality["duplicates"])
        notes.append(
            f"{n:,} 行与前面某行完全相同，已保留（同一天多次购买很常见）；若是重复导出，请先去重。"
            if zh
            else f"{n:,} rows repeat an earlier row exactly; they are kept, as several purchases on one day are common."
        )
    if quality.get("blank_rows"):
        n = int(quality["blank_rows"])
        notes.append(f"跳过 {n:,} 个空行。" if zh else f"{n:,} blank rows were skipped.")
    return notes


# ---------------------------------------------------------------- text

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "客户关系管理分析报告",
        "subtitle": "数据：{source} · 截止日期 (as of)：{as_of} · 金额单位：{currency}",
        "quality": "1 · 数据质量",
        "key": "2 · 关键指标",
        "abc": "3 · 客户价值分布：ABC 分类与客户金字塔",
        "rfm": "4 · RFM 客户细分与建议行动",
        "lifecycle": "5 · 客户生命周期阶段",
        "clv": "6 · 客户终身价值 (CLV) 与流失风险",
        "method": "方法说明",
    },
    "en": {
        "title": "Customer relationship report",
        "subtitle": "Data: {source} · as of {as_of} · amounts in {currency}",
        "quality": "1 · Data quality",
        "key": "2 · Key figures",
        "abc": "3 · Customer value: ABC classes and customer pyramid",
        "rfm": "4 · RFM segments and recommended actions",
        "lifecycle": "5 · Customer lifecycle stages",
        "clv": "6 · Customer lifetime value (CLV) and churn risk",
        "method": "Method notes",
    },
}


def escape(text: Any) -> str:
    """``html.escape`` of any value shown in the report (for HTML the template builds from user text).

    Parameters
    ----------
    text : object
        Converted with ``str``.

    Returns
    -------
    str
        ``&``, ``<``, ``>`` and quotes escaped.

    Examples
    --------
    >>> escape("<script>")
    '&lt;script&gt;'
    """
    return html.escape(str(text))
