"""The exam's question type and its computational questions (part of :mod:`crm_lessons.course.exam`).

Each ``_calc_*`` maker draws a small data table for one version from the generator it is given
and answers it with the package's own functions; :func:`_calc_makers` picks the makers of the
chapters a paper examines and borrows from the nearest chapters when they have fewer than
:data:`MIN_CALC`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class Question:
    """One exam question and its key."""

    kind: str  # choice, term, essay, calc
    chapter: int
    prompt: str  # HTML
    answer: str  # HTML: the correct option, model answer or worked solution
    scheme: str  # HTML: 评分标准 marking scheme
    source: str  # where it comes from (shown in the key)
    options: tuple[str, ...] = ()
    key: str = ""  # the letter of a choice item
    points: int = 0
    uid: str = ""  # identifies the item in its pool
    data: dict[str, Any] = field(default_factory=dict)  # a computation's inputs and results (for checks)


# -- computational questions -----------------------------------------------------------


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [frame.index.name or "", *frame.columns])
    rows = "".join(
        f"<tr><th>{html.escape(str(i))}</th>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
        for i, row in zip(frame.index, frame.itertuples(index=False), strict=True)
    )
    return f"<table class='data'><tr>{head}</tr>{rows}</table>"


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):,.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else f"{value:,.0f}"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    return str(value)


def _calc_rfm(rng: np.random.Generator) -> Question:
    from crm_lessons import rfm

    names = ["C01", "C02", "C03", "C04", "C05", "C06"]
    while True:
        df = pd.DataFrame(
            {
                "days_since_last": rng.integers(3, 301, size=6),
                "n_purchases": rng.integers(1, 13, size=6),
                "total_spend": rng.integers(5, 201, size=6) * 10,
            },
            index=pd.Index(names, name="客户"),
        )
        means = df.mean()
        classes = rfm.rfm_eight_classes(df, reference="mean")
        if not (df == means).any().any() and classes["rfm_class"].nunique() >= 3:
            break
    shown = df.rename(
        columns={
            "days_since_last": "最近一次购买距今（天）R",
            "n_purchases": "购买次数 F",
            "total_spend": "购买金额（元）M",
        }
    )
    prompt = (
        "某网店用 RFM 分析把会员分为八类（R、F、M 各与平均值比较：最近一次购买距今天数<b>小于</b>平均值为 R 高，"
        "购买次数、购买金额<b>大于</b>平均值为 F 高、M 高）。六位会员的数据如下：" + _table(shown) + "（1）求 R、F、M "
        "三项的平均值；（2）判断每位会员属于八类中的哪一类；（3）对其中的重要挽留客户或重要发展客户（若没有，任选一类）提出一条营销建议。"
    )
    rows = "".join(
        f"<tr><th>{c}</th><td>{'高' if r.r_high else '低'}</td><td>{'高' if r.f_high else '低'}</td>"
        f"<td>{'高' if r.m_high else '低'}</td><td>{r.rfm_class}</td></tr>"
        for c, r in classes.iterrows()
    )
    answer = (
        f"<p>（1）平均值：R = {means['days_since_last']:.2f} 天，F = {means['n_purchases']:.2f} 次，"
        f"M = {means['total_spend']:.2f} 元。</p>"
        f"<table class='data'><tr><th>客户</th><th>R</th><th>F</th><th>M</th><th>类别</th></tr>{rows}</table>"
        "<p>（3）示例：重要挽留客户过去花得多但很久没来、来得少，值得用个性化的挽回沟通（电话回访、专属优惠）"
        "先了解原因再挽回；重要发展客户最近来过、花得多但次数少，可用会员积分、交叉销售提高购买频率。</p>"
        "<p class='note'>（用 <code>crm_lessons.rfm.rfm_eight_classes(..., reference='mean')</code> 计算。）</p>"
    )
    scheme = (
        "三个平均值各 1 分（共 3 分）；每位会员的类别 1 分（共 6 分，R/F/M 判断错一项该会员不得分）；建议合理 1 分。"
    )
    data = {
        "table": df.reset_index().to_dict("list"),
        "means": {k: float(v) for k, v in means.items()},
        "classes": classes["rfm_class"].astype(str).to_dict(),
    }
    return Question("calc", 2, prompt, answer, scheme, "第2章 RFM 八类客户", uid="calc:rfm", data=data)


def _calc_satisfaction(rng: np.random.Generator) -> Question:
    from crm_lessons import satisfaction

    scores = pd.Series(rng.choice(np.arange(0, 11), size=12, p=_nps_weights(rng)), name="score")
    scores.index = pd.RangeIndex(1, 13, name="受访者")
    items = pd.DataFrame(
        rng.integers(4, 11, size=(4, 3)),
        columns=["总体满意", "与期望相比", "与理想相比"],
        index=pd.Index(["甲", "乙", "丙", "丁"], name="受访者"),
    )
    nps = satisfaction.net_promoter_score(scores)
    index = satisfaction.satisfaction_index(items, scale=(1, 10))
    prompt = (
        "某酒店做了两项调查。（1）12 位客人回答“您有多大可能把我们推荐给朋友？”（0-10 分）："
        + _table(scores.to_frame("推荐意愿 0-10").T.rename(index={"推荐意愿 0-10": "得分"}))
        + "求推荐者、被动者、贬损者的比例和净推荐值 NPS。（2）4 位客人对三道满意题（1-10 分）的回答如下，"
        "按 ACSI 的做法把三题等权平均后换算到 0-100，求每位客人的满意度指数和平均值："
        + _table(items)
        + "（3）用一句话说明 NPS 与满意度指数衡量的东西有什么不同。"
    )
    promoters, passives, detractors = (int(round(nps[k] * 12)) for k in ("promoters", "passives", "detractors"))
    per = "；".join(f"{i} {v:.2f}" for i, v in index.items())
    answer = (
        f"<p>（1）推荐者（9-10 分）{promoters} 人，占 {nps['promoters']:.2%}；被动者（7-8 分）{passives} 人，"
        f"占 {nps['passives']:.2%}；贬损者（0-6 分）{detractors} 人，占 {nps['detractors']:.2%}。"
        f"NPS = 推荐者比例 − 贬损者比例 = {nps['nps']:.2f}（分，范围 −100 到 100）。</p>"
        f"<p>（2）指数 = (三题平均分 − 1) / (10 − 1) × 100：{per}；平均 {index.mean():.2f}。</p>"
        "<p>（3）NPS 衡量推荐意愿（口碑、忠诚的一个表现），满意度指数衡量感知效果与期望相比的满意程度；满意不等于忠诚。</p>"
        "<p class='note'>（用 <code>satisfaction.net_promoter_score</code> 和 "
        "<code>satisfaction.satisfaction_index(..., scale=(1, 10))</code> 计算。）</p>"
    )
    scheme = (
        "三类比例 2 分、NPS 2 分；指数公式 2 分，四位客人的指数共 2 分（每位 0.5 分），平均值 1 分；"
        "（3）说明合理 1 分。"
    )
    data = {
        "scores": [int(x) for x in scores],
        "items": items.to_numpy().tolist(),
        "nps": float(nps["nps"]),
        "index": [float(x) for x in index],
    }
    return Question("calc", 4, prompt, answer, scheme, "第4章 满意度指数与净推荐值", uid="calc:satisfaction", data=data)


def _nps_weights(rng: np.random.Generator) -> np.ndarray:
    w = np.array([1, 1, 1, 1, 2, 3, 4, 5, 6, 5, 4], dtype=float) * rng.uniform(0.5, 1.5, size=11)
    return w / w.sum()


def _calc_loyalty(rng: np.random.Generator) -> Question:
    from crm_lessons import loyalty

    names = ["甲", "乙", "丙", "丁", "戊", "己"]
    zh = {
        "true loyalty": "真正忠诚（有意愿有行动）",
        "latent loyalty": "潜在忠诚（有意愿无行动）",
        "spurious loyalty": "虚假忠诚（无意愿有行动，惰性）",
        "no loyalty": "不忠诚（无意愿无行动）",
    }
    while True:  # all four forms of loyalty, no value on a threshold
        intention = rng.integers(1, 8, size=6)
        total = rng.integers(10, 41, size=6) * 100
        ours = (total * rng.choice([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9], size=6)).round().astype(int)
        sow = np.asarray(loyalty.share_of_wallet(ours, total), dtype=float)
        kinds = [
            str(k)
            for k in np.asarray(loyalty.loyalty_type(intention, sow, intention_threshold=5, behaviour_threshold=0.5))
        ]
        if len(set(kinds)) == 4 and not (intention == 5).any():
            break
    table = pd.DataFrame(
        {"再购意愿（1-7 分）": intention, "在本店的年消费（元）": ours, "这类商品的年总消费（元）": total},
        index=pd.Index(names, name="客户"),
    )
    prompt = (
        "某超市调查了 6 位会员：再购意愿（1-7 分，5 分及以上为意愿高）和这类商品一年的消费（会员卡记录在本店的部分，"
        "问卷估计全部的部分）：" + _table(table) + "（1）求每位会员的顾客份额（本店消费占这类商品总消费的比例），"
        "份额达到 50% 为行为忠诚高；（2）按“意愿 × 行为”把 6 位会员分为四种忠诚类型；"
        "（3）对潜在忠诚和虚假忠诚的会员各提一条对策。"
    )
    rows = "".join(
        f"<tr><th>{n}</th><td>{o:,}/{t:,} = {s:.0%}</td><td>{'高' if i >= 5 else '低'}</td>"
        f"<td>{'高' if s >= 0.5 else '低'}</td><td>{zh[k]}</td></tr>"
        for n, o, t, s, i, k in zip(names, ours, total, sow, intention, kinds, strict=True)
    )
    answer = (
        "<p>（1）（2）顾客份额 = 本店消费 / 这类商品总消费：</p>"
        "<table class='data'><tr><th>客户</th><th>顾客份额</th><th>意愿</th><th>行为</th><th>忠诚类型</th></tr>"
        f"{rows}</table>"
        "<p>（3）潜在忠诚：喜欢我们却买得少，多半是有障碍（距离、品类不全、价格、不方便），找出并消除障碍、"
        "用便利和交叉销售把意愿变成购买；虚假忠诚：买得多却不喜欢，只是惰性或转换成本留住了他们，竞争者一出现就会走，"
        "要提高满意度和情感联系，不能把高份额当成忠诚。</p>"
        "<p class='note'>（用 <code>loyalty.share_of_wallet</code> 和 "
        "<code>loyalty.loyalty_type(..., intention_threshold=5, behaviour_threshold=0.5)</code> 计算，Dick &amp; Basu 1994。）</p>"
    )
    scheme = "（1）六个顾客份额共 3 分（每错一个扣 0.5 分）；（2）六位会员的类型共 4 分（每错一位扣 1 分，扣完为止）；（3）两条对策各 1.5 分。"
    data = {
        "intention": [int(x) for x in intention],
        "ours": [int(x) for x in ours],
        "total": [int(x) for x in total],
        "kinds": kinds,
    }
    return Question("calc", 5, prompt, answer, scheme, "第5章 顾客份额与四种忠诚类型", uid="calc:loyalty", data=data)


def _calc_clv(rng: np.random.Generator) -> Question:
    from crm_lessons import retention

    d = float(rng.choice([0.08, 0.10, 0.12]))
    seg = pd.DataFrame(
        {
            "每年利润 m（元）": [int(rng.integers(10, 41)) * 10, int(rng.integers(10, 41)) * 10],
            "保持率 r": [float(rng.choice([0.5, 0.6, 0.7])), float(rng.choice([0.75, 0.8, 0.85, 0.9]))],
            "获取成本（元）": [int(rng.integers(2, 16)) * 20, int(rng.integers(2, 16)) * 20],
        },
        index=pd.Index(["甲类", "乙类"], name="客户群"),
    )
    clv = [
        retention.customer_npv(margin=float(m), retention=float(r), discount_rate=d)
        for m, r in zip(seg.iloc[:, 0], seg.iloc[:, 1], strict=True)
    ]
    net = [c - float(a) for c, a in zip(clv, seg.iloc[:, 2], strict=True)]
    prompt = (
        f"某公司有两类新客户。每位客户每年年初带来利润 m，每年仍留下的概率为保持率 r，年折现率 d = {d:.0%}，"
        "利润和保持率一直不变、不设期限：" + _table(seg) + "（1）写出客户终身价值 CLV 的计算公式并求两类客户的 CLV；"
        "（2）扣除获取成本后，每获取一位客户的净价值各是多少？（3）预算只够争取一类客户时应优先争取哪一类？为什么？"
    )
    best = int(np.argmax(net))
    answer = (
        "<p>（1）第 t 年（t = 0, 1, 2, …）的利润以 r<sup>t</sup> 的概率实现、折现 (1+d)<sup>t</sup>，"
        "CLV = Σ m·r<sup>t</sup>/(1+d)<sup>t</sup> = m·(1+d)/(1+d−r)。</p>"
        f"<p>甲类 CLV = {_fmt(seg.iloc[0, 0])}×{1 + d:.2f}/({1 + d:.2f}−{seg.iloc[0, 1]}) = {clv[0]:.2f} 元；"
        f"乙类 CLV = {_fmt(seg.iloc[1, 0])}×{1 + d:.2f}/({1 + d:.2f}−{seg.iloc[1, 1]}) = {clv[1]:.2f} 元。</p>"
        f"<p>（2）净价值：甲类 {clv[0]:.2f} − {_fmt(seg.iloc[0, 2])} = {net[0]:.2f} 元；"
        f"乙类 {clv[1]:.2f} − {_fmt(seg.iloc[1, 2])} = {net[1]:.2f} 元。</p>"
        f"<p>（3）优先争取{seg.index[best]}：每获取一位的净价值更高"
        + ("（虽然每年利润低，但保持率高，关系持续得久）" if seg.iloc[best, 0] < seg.iloc[1 - best, 0] else "")
        + "；若净价值为负，则不值得花这笔获取成本。</p>"
        "<p class='note'>（用 <code>crm_lessons.retention.customer_npv(margin=m, retention=r, discount_rate=d)</code> 计算。）</p>"
    )
    scheme = "公式 2 分；两类 CLV 各 2 分；两个净价值各 1 分；结论和理由 2 分。"
    data = {"d": d, "table": seg.reset_index().to_dict("list"), "clv": clv, "net": net}
    return Question("calc", 6, prompt, answer, scheme, "第6章 客户终身价值 CLV", uid="calc:clv", data=data)


def _calc_erlang(rng: np.random.Generator) -> Question:
    from crm_lessons import service

    calls = int(rng.integers(5, 11)) * 6  # per hour
    aht_min = int(rng.choice([3, 4, 5]))
    target_s, level = 20, 0.8
    traffic = calls * aht_min / 60
    n0 = math.floor(traffic) + 1
    pw = service.erlang_c(traffic, n0)
    sl = service.service_level(traffic, n0, aht=aht_min * 60, target_time=target_s)
    need = service.agents_required(traffic, aht=aht_min * 60, target_time=target_s, target_level=level)
    table = pd.DataFrame(
        {"数值": [calls, aht_min, f"{level:.0%} 在 {target_s} 秒内接通"]},
        index=pd.Index(["高峰每小时来电（个）", "平均处理时长（分钟）", "服务水平目标"], name="项目"),
    )
    steps = []
    for n in range(n0, need + 1):
        steps.append(
            f"N = {n}：P(等待) = {service.erlang_c(traffic, n):.4f}，服务水平 = "
            f"{service.service_level(traffic, n, aht=aht_min * 60, target_time=target_s):.2%}"
        )
    prompt = (
        "某客服中心高峰时段的数据如下：" + _table(table) + "（1）求话务量 A（爱尔兰 Erlang）；"
        f"（2）用 Erlang C 公式求 N = {n0} 名坐席时来电需要等待的概率 P(等待) 和服务水平"
        "（服务水平 = 1 − P(等待)·e<sup>−(N−A)·t/AHT</sup>，t 为目标接通时间）；"
        "（3）至少需要多少名坐席才能达到服务水平目标？"
    )
    answer = (
        f"<p>（1）A = 每小时来电 × 平均处理时长 / 60 = {calls} × {aht_min} / 60 = {traffic:.2f} Erlang。</p>"
        "<p>（2）Erlang C：P(等待) = [A<sup>N</sup>/N! · N/(N−A)] / [Σ<sub>k=0</sub><sup>N−1</sup> A<sup>k</sup>/k! + "
        f"A<sup>N</sup>/N! · N/(N−A)]。N = {n0} 时 P(等待) = {pw:.4f}，服务水平 = 1 − {pw:.4f} × "
        f"e<sup>−({n0}−{traffic:.2f})×{target_s}/{aht_min * 60}</sup> = {sl:.2%}。</p>"
        "<p>（3）逐个增加坐席：<br>" + "<br>".join(steps) + f"<br>所以至少需要 <b>{need}</b> 名坐席。</p>"
        "<p class='note'>（用 <code>service.erlang_c</code>、<code>service.service_level</code>、"
        "<code>service.agents_required</code> 计算。）</p>"
    )
    scheme = "话务量 2 分；P(等待) 3 分、服务水平 2 分；最少坐席数 3 分（有逐个试算过程，结果差 1 人给 1 分）。"
    data = {
        "calls": calls,
        "aht_min": aht_min,
        "traffic": traffic,
        "n0": n0,
        "p_wait": pw,
        "service_level": sl,
        "agents": need,
    }
    return Question("calc", 8, prompt, answer, scheme, "第8章 Erlang C 坐席配置", uid="calc:erlang", data=data)


def _calc_km(rng: np.random.Generator) -> Question:
    from crm_lessons import survival

    while True:  # three to five distinct churn months, two or more censored, one between the churns
        months = rng.integers(1, 13, size=8)
        left = rng.random(8) < 0.6
        churn_months = sorted(set(months[left].tolist()))
        censored = months[~left]
        if (
            3 <= len(churn_months) <= 5
            and len(censored) >= 2
            and any(churn_months[0] < c < churn_months[-1] for c in censored)
        ):
            break
    names = [f"K{i}" for i in range(1, 9)]
    data = pd.DataFrame({"tenure": months, "churn": left}, index=pd.Index(names, name="客户"))
    km = survival.km_curves(data)
    shown = pd.DataFrame(
        {"观察到的月数": months, "状态": ["流失" if x else "在册（删失）" for x in left]}, index=data.index
    )
    prompt = (
        "某健身房跟踪了 8 位会员从入会起的在册时间：“流失”表示会员在该月末退会，“在册（删失）”表示观察结束时"
        "他仍在册、只知道他至少留了这么久。"
        + _table(shown)
        + "（1）说明为什么不能把删失的会员当成流失，也不能把他们删掉；"
        "（2）用 Kaplan-Meier 方法列表求每个流失月份 t<sub>j</sub> 的在险人数 n<sub>j</sub>、流失人数 d<sub>j</sub> "
        "和生存率 Ŝ(t)；（3）一位会员在册超过 "
        f"{churn_months[1]} 个月的估计概率是多少？"
    )
    rows = []
    s_prev = 1.0
    for r in km.itertuples(index=False):
        rows.append(
            f"<tr><td>{r.time:.0f}</td><td>{r.at_risk}</td><td>{r.events}</td>"
            f"<td>{s_prev:.4f} × (1 − {r.events}/{r.at_risk}) = {r.survival:.4f}</td></tr>"
        )
        s_prev = float(r.survival)
    at = float(km.loc[km["time"] <= churn_months[1], "survival"].iloc[-1])
    answer = (
        "<p>（1）删失的会员到观察结束时还没有流失：当作流失会低估留存，删掉又会丢掉“他至少留了这么久”的信息、"
        "同样低估留存；Kaplan-Meier 让他们在删失之前一直计入在险人数。</p>"
        "<p>（2）Ŝ(t) = ∏<sub>t<sub>j</sub> ≤ t</sub> (1 − d<sub>j</sub>/n<sub>j</sub>)，n<sub>j</sub> 为 t<sub>j</sub> "
        "月初仍在观察中的人数（同一个月删失的会员算在险）：</p>"
        "<table class='data'><tr><th>t<sub>j</sub>（月）</th><th>n<sub>j</sub></th><th>d<sub>j</sub></th>"
        f"<th>Ŝ(t<sub>j</sub>)</th></tr>{''.join(rows)}</table>"
        f"<p>（3）Ŝ({churn_months[1]}) = {at:.4f}，即约 {at:.1%} 的会员在册超过 {churn_months[1]} 个月。</p>"
        "<p class='note'>（用 <code>crm_lessons.survival.km_curves</code> 计算。）</p>"
    )
    scheme = (
        "（1）删失的含义和两种错误做法的后果 2 分；（2）各行的 n<sub>j</sub>、d<sub>j</sub> 全对 2 分（错一行扣 1 分，"
        "扣完为止），生存率连乘 4 分（错一行扣 1 分，扣完为止；沿用前一行的错误结果、方法对的不重复扣分）；"
        "（3）读对 Ŝ(t) 2 分。"
    )
    data_out = {
        "months": [int(x) for x in months],
        "churn": [bool(x) for x in left],
        "survival": {float(t): float(v) for t, v in zip(km["time"], km["survival"], strict=True)},
        "asked": int(churn_months[1]),
        "answer": at,
    }
    return Question("calc", 7, prompt, answer, scheme, "第7章 Kaplan-Meier 生存分析", uid="calc:km", data=data_out)


def _calc_retention(rng: np.random.Generator) -> Question:
    from crm_lessons import retention

    m = int(rng.integers(20, 61)) * 10
    r = float(rng.choice([0.70, 0.75, 0.80, 0.85]))
    d = float(rng.choice([0.08, 0.10, 0.12]))
    points = 0.05
    base = retention.customer_npv(margin=m, retention=r, discount_rate=d)
    more = retention.customer_npv(margin=m, retention=r + points, discount_rate=d)
    rise = retention.retention_uplift(retention=r, points=points, margin=m, discount_rate=d)
    years = [1 / (1 - x) for x in (r, r + points)]
    table = pd.DataFrame(
        {"数值": [f"{m:,}", f"{r:.0%}", f"{d:.0%}"]},
        index=pd.Index(["每位客户每年年初带来的利润 m（元）", "年保持率 r", "年折现率 d"], name="项目"),
    )
    prompt = (
        "某宽带公司的数据如下（利润和保持率每年不变、不设期限）：" + _table(table) + "（1）一位新客户预计平均留多少年？"
        "（2）求一位新客户的期望净现值（客户终身价值）；（3）如果保持率提高 5 个百分点，客户终身价值提高百分之几？"
        "结合 Reichheld 和 Sasser 的发现说明为什么企业应重视保留老客户。"
    )
    answer = (
        f"<p>（1）平均留存年数 = 1/(1 − r) = 1/(1 − {r:.2f}) = {years[0]:.2f} 年。</p>"
        "<p>（2）第 t 年（t = 0, 1, 2, …）的利润以 r<sup>t</sup> 的概率实现、折现 (1+d)<sup>t</sup>："
        f"NPV = m·(1+d)/(1+d−r) = {m:,}×{1 + d:.2f}/({1 + d:.2f}−{r:.2f}) = {base:.2f} 元。</p>"
        f"<p>（3）r = {r + points:.2f} 时 NPV = {m:,}×{1 + d:.2f}/({1 + d:.2f}−{r + points:.2f}) = {more:.2f} 元，"
        f"提高 {more:.2f}/{base:.2f} − 1 = <b>{rise:.1%}</b>（平均留存 {years[1]:.2f} 年）。保持率的小幅提高让客户"
        "留得更久，利润流延长，客户价值成比例地大幅上升；Reichheld 和 Sasser 发现保持率提高 5 个百分点可使利润提高 "
        "25%–85%（老客户买得更多、服务成本更低、还会推荐新客户），而获取新客户的成本远高于保留老客户。</p>"
        "<p class='note'>（用 <code>crm_lessons.retention.customer_npv</code> 和 "
        "<code>retention.retention_uplift</code> 计算。）</p>"
    )
    scheme = "（1）2 分；（2）公式 2 分、结果 2 分；（3）新的 NPV 1 分、提高的百分比 1 分，说明合理 2 分。"
    data = {"m": m, "r": r, "d": d, "npv": base, "npv_more": more, "rise": rise}
    return Question("calc", 1, prompt, answer, scheme, "第1章 保留客户的经济学", uid="calc:retention", data=data)


def _calc_scoring(rng: np.random.Generator) -> Question:
    from crm_lessons import customer_data

    criteria = ["功能匹配", "易用性", "集成能力", "成本"]
    while True:  # a clear winner that the second criterion's weight could still overturn
        weights = dict(zip(criteria, rng.choice([[0.4, 0.2, 0.2, 0.2], [0.3, 0.3, 0.2, 0.2], [0.35, 0.15, 0.2, 0.3]])))
        scores = pd.DataFrame(
            rng.integers(4, 10, size=(3, 4)),
            columns=criteria,
            index=pd.Index(["甲系统", "乙系统", "丙系统"], name="方案"),
        )
        result = customer_data.weighted_scores(scores, weights)
        totals = result["total"].sort_values(ascending=False)
        best_on = {c: "、".join(scores.index[scores[c] == scores[c].max()]) for c in criteria}
        if totals.iloc[0] - totals.iloc[1] >= 0.1 and totals.index[0] not in best_on[criteria[0]]:
            break
    shown = pd.concat([pd.DataFrame([weights], index=pd.Index(["权重"], name="方案")), scores])
    prompt = (
        "某公司用加权评分法在三套 CRM 系统中选择一套，各准则的权重和每套系统的得分（1-10 分，越高越好；"
        "成本一项分数越高表示越便宜）如下："
        + _table(shown)
        + "（1）求三套系统的加权总分并排序；（2）应选哪一套？（3）为什么不能只看单项最高分？选型结论还要做什么检验？"
    )
    rows = []
    for name in scores.index:
        terms = " + ".join(f"{weights[c]:g}×{scores.loc[name, c]}" for c in criteria)
        rows.append(f"{name}：{terms} = {result.loc[name, 'total']:.2f}")
    order = " > ".join(f"{n}（{v:.2f}）" for n, v in totals.items())
    answer = (
        "<p>（1）加权总分 = Σ 权重 × 得分：<br>" + "<br>".join(rows) + f"<br>排序：{order}。</p>"
        f"<p>（2）选加权总分最高的<b>{totals.index[0]}</b>。</p>"
        "<p>（3）单项最高分的系统不一定综合最好（"
        + "；".join(f"{c}得分最高：{n}" for c, n in best_on.items())
        + "），加权评分按重要性把各准则合起来；权重是主观定的，要做敏感性分析：看某个权重变化多少时排序会改变，"
        "结论对合理范围内的权重都成立才可靠。</p>"
        "<p class='note'>（用 <code>crm_lessons.customer_data.weighted_scores</code> 计算；"
        "<code>weight_ranges</code> 给出每个权重可以变动的范围。）</p>"
    )
    scheme = "（1）三个加权总分各 2 分，排序 1 分；（2）1 分；（3）说明单项与综合的区别 1 分、敏感性检验 1 分。"
    data = {
        "weights": {c: float(w) for c, w in weights.items()},
        "scores": scores.to_numpy().tolist(),
        "totals": {str(n): float(v) for n, v in result["total"].items()},
        "best": str(totals.index[0]),
    }
    return Question("calc", 3, prompt, answer, scheme, "第3章 加权评分法选择 CRM 系统", uid="calc:scoring", data=data)


def _calc_rules(rng: np.random.Generator) -> Question:
    from crm_lessons import personalisation

    items = ["牛奶", "面包", "鸡蛋", "尿布", "啤酒"]
    while True:  # ten baskets; the rule A -> C neither certain nor impossible, and lift not exactly 1
        baskets = pd.DataFrame(rng.random((10, 5)) < rng.uniform(0.3, 0.6, size=5), columns=items).astype(int)
        baskets = baskets[baskets.sum(axis=1) >= 1]
        if len(baskets) < 10:
            continue
        a, c = (items[i] for i in rng.choice(5, size=2, replace=False))
        has_a, has_c = baskets[a].astype(bool), baskets[c].astype(bool)
        both = int((has_a & has_c).sum())
        if 3 <= has_a.sum() <= 8 and 1 <= both < has_a.sum() and 3 <= has_c.sum() <= 8:
            metrics = personalisation.rule_metrics(baskets, [a], [c])
            if abs(metrics["lift"] - 1) > 0.05:
                break
    baskets.index = pd.Index([f"T{i}" for i in range(1, 11)], name="交易")
    shown = baskets.replace({1: "√", 0: ""})
    prompt = (
        "某超市的 10 笔交易如下（√ 表示该笔交易买了这件商品）："
        + _table(shown)
        + f"（1）求规则“{a} → {c}”的支持度和置信度；"
        f"（2）求它的提升度，并说明提升度大于 1、等于 1、小于 1 各表示什么；（3）只看置信度推荐“买了{a}的顾客也买{c}”"
        "可能有什么问题？"
    )
    n_a, n_c = int(has_a.sum()), int(has_c.sum())
    lift = metrics["lift"]
    meaning = "大于 1：买了前项的顾客更可能买后项" if lift > 1 else "小于 1：买了前项的顾客反而更少买后项"
    answer = (
        f"<p>（1）同时含 {a} 和 {c} 的交易 {both} 笔：支持度 = {both}/10 = {metrics['support']:.2f}；"
        f"含 {a} 的交易 {n_a} 笔：置信度 = P({c} | {a}) = {both}/{n_a} = {metrics['confidence']:.4f}。</p>"
        f"<p>（2）含 {c} 的交易 {n_c} 笔，P({c}) = {n_c / 10:.2f}；提升度 = 置信度 / P({c}) = "
        f"{metrics['confidence']:.4f}/{n_c / 10:.2f} = <b>{lift:.4f}</b>，{meaning}。"
        "提升度大于 1 表示前项使后项更可能出现（正相关），等于 1 表示两者无关，小于 1 表示负相关。</p>"
        "<p>（3）后项本身就很常见时，置信度高也可能只是因为人人都买它：规则并没有提供额外信息，推荐不会带来新增购买；"
        "要看提升度（并检验支持度是否够大、在新数据上是否成立）。</p>"
        "<p class='note'>（用 <code>crm_lessons.personalisation.rule_metrics</code> 计算。）</p>"
    )
    scheme = "支持度 2 分、置信度 2 分；提升度 2 分、三种情况的含义 2 分；（3）说明合理 2 分。"
    data = {
        "baskets": baskets.to_numpy().tolist(),
        "items": items,
        "rule": (a, c),
        "support": float(metrics["support"]),
        "confidence": float(metrics["confidence"]),
        "lift": float(lift),
    }
    return Question(
        "calc", 9, prompt, answer, scheme, "第9章 关联规则：支持度、置信度、提升度", uid="calc:rules", data=data
    )


_CALCS: tuple[tuple[int, Callable[[np.random.Generator], Question]], ...] = (
    (1, _calc_retention),
    (2, _calc_rfm),
    (3, _calc_scoring),
    (4, _calc_satisfaction),
    (5, _calc_loyalty),
    (6, _calc_clv),
    (7, _calc_km),
    (8, _calc_erlang),
    (9, _calc_rules),
)
#: The least computational questions a paper has (issue 29: "at least two computational questions").
MIN_CALC = 2


def _calc_makers(
    numbers: Sequence[int],
) -> tuple[
    list[Callable[[np.random.Generator], Question]], list[tuple[int, Callable[[np.random.Generator], Question]]]
]:
    """(the computations of the chapters examined, those borrowed from the nearest other chapters).

    Some chapters have no computation of their own (chapter 3, customer data; chapter 9), so a paper on
    them alone would have none: it borrows from the chapters nearest to those examined (the lower
    chapter first at equal distance) until it has :data:`MIN_CALC`.

    Examples
    --------
    >>> inside, borrowed = _calc_makers((9, 10))
    >>> len(inside), [chapter for chapter, _ in borrowed]
    (1, [8])
    """
    inside = [make for ch, make in _CALCS if ch in numbers]
    if len(inside) >= MIN_CALC:
        return inside, []
    others = sorted(
        ((ch, make) for ch, make in _CALCS if ch not in numbers),
        key=lambda cm: (min(abs(cm[0] - n) for n in numbers), cm[0]),
    )
    return inside, others[: MIN_CALC - len(inside)]
