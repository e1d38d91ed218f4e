"""Exam papers with answer keys (``crm-lessons exam``): several versions, print-ready A4, one seed.

:func:`build_exam` draws one version: single-choice items (the chapters'
concept questions and definitions from the glossary), 名词解释 and 问答题 (the
chapters' exam practice, which follows the course's exam review sheet, and the
glossary), and computational questions, each with a small data table drawn for
that version and answered with the package's own functions (RFM eight classes,
satisfaction index and NPS, retention-based CLV, Erlang C staffing).
:func:`write_exams` writes ``exam_A.html`` ... and ``key_A.html`` ...: the key
repeats each question with its answer, the worked computation and the marking
scheme (评分标准).

Everything is drawn from ``numpy.random.default_rng([seed, ...])``: the same
seed, chapters and notebooks give byte-identical files; versions of one seed
take different items from each pool (as far as the pools allow) and different
data.  The papers need no network (the course font is embedded, cut to the
characters used).
"""

from __future__ import annotations

import dataclasses
import html
import math
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_lessons._fileio import atomic_write_bytes
from crm_lessons._validation import DataError

__all__ = [
    "MIN_CALC",
    "SECTIONS",
    "SHEET_TERMS",
    "Exam",
    "Question",
    "build_exam",
    "build_exams",
    "exam_html",
    "parse_chapters",
    "write_exams",
]

#: Sections of a paper: (kind, title, items wanted, points each).
SECTIONS: tuple[tuple[str, str, int, int], ...] = (
    ("choice", "单项选择题 Single choice", 10, 2),
    ("term", "名词解释 Definitions", 4, 5),
    ("essay", "问答题 Short essays", 3, 10),
    ("calc", "计算题 Computation", 3, 10),
)
_NUMERALS = "一二三四五六七八九十"
#: The notebooks' questions while :func:`write_exams` draws its versions (read once per call, then dropped).
_pools: dict[tuple[tuple[int, ...], str], dict[str, list[Question]]] = {}
_MAX_VERSIONS = 26
#: The terms the course's exam review sheet asks to define (course material 004, 名词解释).
SHEET_TERMS = frozenset(
    (
        "关系营销",
        "顾客份额",
        "客户智能",
        "客户生命周期",
        "定制营销",
        "客户识别",
        "客户满意",
        "客户忠诚",
        "客户知识",
        "客户差异",
        "客户价值",
    )
)


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


@dataclass
class Exam:
    """One version of the paper: its sections of questions and the points."""

    version: str
    seed: int
    chapters: tuple[int, ...]
    sections: list[tuple[str, list[Question]]]
    #: What the instructor should know about this paper (Chinese first), e.g. a computational question
    #: borrowed from a chapter outside ``chapters`` or a section with fewer items than it asks for.
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(q.points for _, qs in self.sections for q in qs)

    @property
    def minutes(self) -> int:
        """The time the paper states: 120 minutes for 100 points, in proportion (to 10 minutes) for a shorter paper.

        Examples
        --------
        >>> [Exam("A", 0, (9,), [("calc", [Question("calc", 9, "", "", "", "", points=p)])]).minutes for p in (100, 60, 20)]
        [120, 70, 30]
        """
        return max(30, min(120, int(round(self.total * 1.2 / 10)) * 10))


# -- the pools --------------------------------------------------------------------


def parse_chapters(spec: str | Iterable[int] | None) -> tuple[int, ...]:
    """Chapter numbers from ``"1-10"``, ``"2,4,6-8"`` or a list; every chapter (1-10) for None.

    Examples
    --------
    >>> parse_chapters("2,4,6-8"), parse_chapters(None)[-1]
    ((2, 4, 6, 7, 8), 10)
    """
    if spec is None:
        return tuple(range(1, 11))
    if not isinstance(spec, str):
        numbers = sorted({int(x) for x in spec})
    else:
        numbers = []
        for part in spec.replace("，", ",").split(","):
            m = re.fullmatch(r"\s*(\d{1,2})\s*(?:-\s*(\d{1,2})\s*)?", part)
            if not m or (m.group(2) and int(m.group(2)) < int(m.group(1))):
                raise DataError(
                    f"build_exam: chapters={spec!r} is not a chapter list; write e.g. '1-10' or '2,4,6-8'",
                    zh=f"章节范围 {spec!r} 无法识别，请写成 1-10 或 2,4,6-8 的形式",
                )
            lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
            numbers += range(lo, hi + 1)
        numbers = sorted(set(numbers))
    bad = [n for n in numbers if not 1 <= n <= 10]
    if bad or not numbers:
        raise DataError(
            f"build_exam: chapters={spec!r}: the course has chapters 1-10, got {bad or 'none'}",
            zh=f"章节 {bad or '为空'} 不存在：课程共 1-10 章",
        )
    return tuple(numbers)


#: TeX commands the course's formulas use, as the characters they print.
_TEX_SYMBOLS = {
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "times": "×", "cdot": "·",
    "dots": "…", "ldots": "…", "cdots": "⋯", "sum": "∑", "prod": "∏", "infty": "∞", "approx": "≈",
    "in": "∈", "to": "→", "pm": "±", "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "lambda": "λ",
    "mu": "μ", "sigma": "σ", "theta": "θ", "rho": "ρ", "Gamma": "Γ", "Delta": "Δ", "Sigma": "Σ",
    ",": "\u2009", ";": "\u2005", " ": " ", "{": "{", "}": "}", "%": "%",
}  # fmt: skip
_TEX_ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303"}
_TEX_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([A-Za-z])|(\s+)|(.)", re.S)


def _tex_html(tex: str) -> str:
    """A formula of the course's TeX (letters, sub- and superscripts, \\hat, \\frac, \\prod, \\le, Greek) as HTML.

    Printed papers cannot run MathJax, and a formula that prints as ``\\hat S(t) = \\prod_{t_j \\le t}``
    is unreadable; the few constructs the glossary and the exam practice use are drawn with HTML
    (italic letters, ``<sub>``, ``<sup>``) and Unicode symbols instead.

    Raises
    ------
    ValueError
        A command this converter does not know (so that a new formula fails the tests, never prints raw).

    Examples
    --------
    >>> _tex_html(r"\\hat S(t) = \\prod_{t_j \\le t} (1 - d_j / n_j)")
    '<i>Ŝ</i>(<i>t</i>) = ∏<sub><i>t</i><sub><i>j</i></sub> ≤ <i>t</i></sub> (1 − <i>d</i><sub><i>j</i></sub> / <i>n</i><sub><i>j</i></sub>)'
    >>> _tex_html(r"\\frac{m(1+d)}{1+d-r}"), _tex_html("r^t"), _tex_html("-1")
    ('(<i>m</i>(1 + <i>d</i>)) / (1 + <i>d</i> − <i>r</i>)', '<i>r</i><sup><i>t</i></sup>', '−1')
    """
    import unicodedata

    tokens = [m for m in _TEX_TOKEN.finditer(tex)]
    pos = 0

    def group() -> str:
        """One argument: a {braced group} or a single token."""
        nonlocal pos
        while pos < len(tokens) and tokens[pos].group(3):
            pos += 1
        if pos >= len(tokens):
            raise ValueError(f"_tex_html: {tex!r} ends where an argument is expected")
        if tokens[pos].group(4) == "{":
            pos += 1
            return sequence(closing=True)
        return atom()

    def atom() -> str:
        nonlocal pos
        m = tokens[pos]
        pos += 1
        command, letter, space, other = m.groups()
        if letter:
            return f"<i>{letter}</i>"
        if space:
            return " "
        if command is not None:
            if command in _TEX_ACCENTS:
                inner = group()
                found = re.fullmatch(r"<i>([A-Za-z])</i>", inner)
                if not found:
                    raise ValueError(f"_tex_html: \\{command} over {inner!r} in {tex!r}")
                return f"<i>{unicodedata.normalize('NFC', found.group(1) + _TEX_ACCENTS[command])}</i>"
            if command == "frac":
                top, bottom = group(), group()
                return f"{_bracket(top)} / {_bracket(bottom)}"
            if command in ("left", "right", "mathrm", "text", "operatorname"):
                return "" if command in ("left", "right") else group().replace("<i>", "").replace("</i>", "")
            if command in _TEX_SYMBOLS:
                return _TEX_SYMBOLS[command]
            raise ValueError(f"_tex_html: \\{command} in {tex!r} is not supported; add it to _TEX_SYMBOLS")
        if other in "_^":
            tag = "sub" if other == "_" else "sup"
            return f"<{tag}>{group().strip()}</{tag}>"
        if other == "{":
            return sequence(closing=True)
        if other == "}":
            raise ValueError(f"_tex_html: unbalanced '}}' in {tex!r}")
        if other in "$\\":
            raise ValueError(f"_tex_html: {other!r} inside the formula {tex!r}")
        return {"-": " − ", "+": " + ", "=": " = ", "<": " &lt; ", ">": " &gt; ", "&": "&amp;"}.get(other, other)

    def sequence(*, closing: bool = False) -> str:
        nonlocal pos
        out: list[str] = []
        while pos < len(tokens):
            if closing and tokens[pos].group(4) == "}":
                pos += 1
                return "".join(out)
            out.append(atom())
        if closing:
            raise ValueError(f"_tex_html: unbalanced '{{' in {tex!r}")
        return "".join(out)

    text = re.sub(r" {2,}", " ", sequence()).strip()
    text = re.sub(r"\( ?([+−]) ", r"(\1", text)  # a sign, not an operation: (−1), = −2
    return re.sub(r"(^|[=,]) ?([+−]) ", lambda m: m.group(1) + (" " if m.group(1) else "") + m.group(2), text)


def _bracket(part: str) -> str:
    """A fraction's numerator or denominator, in brackets when it is a sum or difference."""
    return f"({part})" if re.search(r"[ +−-]", re.sub(r"<[^>]+>", "", part)) else part


_INLINE_MATH = re.compile(r"(?<![\\$])\$([^$\n]+?)\$(?!\$)")


def _md(text: str) -> str:
    """The little Markdown the exam answers use, as HTML: paragraphs, line breaks, **bold**, `code`, $math$."""
    out = []
    formulas: list[str] = []

    def hold(m: re.Match) -> str:
        formulas.append(_tex_html(m.group(1)))
        return f"\x00{len(formulas) - 1}\x00"

    for para in re.split(r"\n\s*\n", text.strip()):
        lines = [html.escape(_INLINE_MATH.sub(hold, line.strip())) for line in para.splitlines() if line.strip()]
        body = "<br>".join(lines)
        body = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", body)
        body = re.sub(r"`([^`]+)`", r"<code>\1</code>", body)
        body = re.sub(r"\x00(\d+)\x00", lambda m: f"<span class='math'>{formulas[int(m.group(1))]}</span>", body)
        out.append(f"<p>{body}</p>")
    return "".join(out)


def _inline(markup: str) -> str:
    """One paragraph of :func:`_md` without its ``<p>``, to follow a question's number on the same line."""
    if markup.startswith("<p>") and markup.endswith("</p>") and markup.count("<p>") == 1:
        return markup[3:-4]
    return markup


_LABEL = re.compile(
    r"^\s*(?:考试练习\s*[\d.]+\s*)?[（(]?\s*(名词解释|问答题)\s*[）)]?\s*[\d.]*\s*[：:]?\s*",
)


def _stem(source: str) -> tuple[str, str]:
    """(kind label, question text) of an exam-practice cell: the label and points removed."""
    text = source.replace("**", "").strip()
    m = _LABEL.match(text)
    if not m:
        return "", text
    stem = text[m.end() :]
    stem = re.sub(r"[（(]\s*\d+\s*分\s*[）)]\s*$", "", stem).strip()
    return m.group(1), stem


def _cells(nb: Any) -> dict[str, Any]:
    return {
        str(c.metadata["nbgrader"]["grade_id"]): c
        for c in nb.cells
        if isinstance(c.metadata.get("nbgrader"), dict) and c.metadata["nbgrader"].get("grade_id")
    }


_OPTION_LINE = re.compile(r"^\s*(?:[*-]\s*)?([A-F])[.．、]\s*(.+?)\s*$")
_INLINE = re.compile(r"([A-F])[.．]\s*(.+?)(?=\s+[A-F][.．]|$)")
_SOLUTION = re.compile(r"### BEGIN SOLUTION\s*\n\s*\w+\s*=\s*[\"']([A-F])[\"']\s*\n\s*### END SOLUTION")


def _notebook_choice(markdown: str, answer_code: str) -> tuple[str, tuple[str, ...], str] | None:
    """(stem, options, key) of a self-contained single-choice exercise; None when it leans on the chapter."""
    m = _SOLUTION.search(answer_code)
    if not m:
        return None
    text = re.sub(r"^\*\*[^*]*\*\*\s*", "", markdown.strip())
    lines = [line for line in text.splitlines() if "answer_" not in line and "exam_" not in line]
    options: list[str] = []
    stem_lines = []
    for line in lines:
        o = _OPTION_LINE.match(line)
        inline = _INLINE.findall(line.replace("\u3000", "  ")) if line.strip().startswith("A.") else []
        if len(inline) >= 3:
            options = [t.strip() for _, t in inline]
        elif o and o.group(1) == "ABCDEF"[len(options)]:
            options.append(o.group(2))
        elif line.strip():
            stem_lines.append(line.strip())
    stem = " ".join(stem_lines)
    if len(options) < 3 or not stem or "`" in stem or re.search(r"第\s*\d+\s*节|本章|上面|下一期|数据", stem):
        return None
    if "ABCDEF".index(m.group(1)) >= len(options):
        return None
    return stem, tuple(options), m.group(1)


def _notebook_pool(notebooks: Path | None, chapters: Sequence[int]) -> dict[str, list[Question]]:
    """Choice items, 名词解释 and 问答题 from the chapters' exercises and exam practice."""
    import nbformat

    from crm_lessons.runner import chapter_notebooks

    pool: dict[str, list[Question]] = {"choice": [], "term": [], "essay": []}
    try:
        paths = chapter_notebooks(notebooks)
    except OSError as exc:
        raise DataError(
            f"build_exam: cannot read the chapter notebooks ({exc}); pass notebooks= the folder of NN_topic.ipynb",
            zh=f"找不到章节笔记本（{exc}），请用 --notebooks 指定 NN_topic.ipynb 所在的文件夹",
        ) from exc
    for path in paths:
        number = int(path.name[:2])
        if number not in chapters:
            continue
        nb = nbformat.read(path, as_version=4)
        cells = _cells(nb)
        for gid, cell in cells.items():
            if gid.startswith("q_exam_"):
                answer = cells.get(gid.replace("q_exam_", "exam_", 1))
                kind, stem = _stem(str(cell.source))
                if kind and answer is not None and answer.cell_type == "markdown":
                    body = re.sub(r"^\*\*参考答案[^*]*\*\*\s*", "", str(answer.source).strip())
                    pool["term" if kind == "名词解释" else "essay"].append(
                        Question(
                            "term" if kind == "名词解释" else "essay",
                            number,
                            _inline(_md(stem)),
                            _md(body),
                            "",
                            f"第{number}章 考试练习 {gid[len('q_exam_') :].replace('_', '.')}",
                            uid=f"nb:{gid}",
                            data={"stem": stem, "model": body},
                        )
                    )
            if gid.startswith(("q_", "q_exam_")):
                code = cells.get(gid.replace("q_", "ans_", 1))
                test = cells.get(gid.replace("q_", "test_", 1))
                if code is None or test is None or "check.choice" not in str(test.source):
                    continue
                if "multiple=True" in str(test.source):
                    continue
                found = _notebook_choice(str(cell.source), str(code.source))
                if found:
                    stem, options, key = found
                    pool["choice"].append(
                        Question(
                            "choice",
                            number,
                            html.escape(stem),
                            "",
                            "",
                            f"第{number}章 {'考试练习' if gid.startswith('q_exam_') else '练习'} "
                            f"{gid.split('_', 2 if gid.startswith('q_exam_') else 1)[-1].replace('_', '.')}",
                            options=tuple(html.escape(o) for o in options),
                            key=key,
                            uid=f"nb:{gid}",
                        )
                    )
    return pool


def _mask(text: str, names: Iterable[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        if name:
            text = text.replace(name, "（　　）")
    return text


def _glossary_pool(chapters: Sequence[int], taken: str) -> dict[str, list[Question]]:
    """名词解释 from glossary terms (those the exam practice does not already ask) and term-definition choices."""
    from crm_lessons import glossary

    entries = [e for e in glossary.entries() if e.chapter in chapters]
    pool: dict[str, list[Question]] = {"choice": [], "term": []}
    for e in entries:
        if e.term not in taken:
            pool["term"].append(
                Question(
                    "term",
                    e.chapter,
                    html.escape(f"{e.term} ({e.english})"),
                    _md(e.definition),
                    "",
                    f"术语表 glossary · 第{e.chapter}章 {e.section}",
                    uid=f"glossary:{e.term}",
                    data={"term": e.term},
                )
            )
        pool["choice"].append(
            Question(
                "choice",
                e.chapter,
                "下面这段定义说的是哪个概念？<br>“" + _inline(_md(_mask(e.definition, (e.term, *e.aliases)))) + "”",
                "",
                "",
                f"术语表 glossary · 第{e.chapter}章 {e.section}",
                uid=f"glossary-choice:{e.term}",
                data={"term": e.term},
            )
        )
    return pool


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


# -- drawing a version ---------------------------------------------------------------


def _version_letter(index: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


def _spread(order: list[Question]) -> list[Question]:
    """The items in turn from each chapter (chapters and items in their given order), so that a slice of
    consecutive items covers as many chapters as it can: three essays on three chapters, not two on churn.

    Examples
    --------
    >>> qs = [Question("essay", ch, "", "", "", "", uid=u) for ch, u in [(7, "a"), (7, "b"), (2, "c"), (7, "d"), (4, "e")]]
    >>> [q.uid for q in _spread(qs)]
    ['a', 'c', 'e', 'b', 'd']
    """
    by_chapter: dict[int, list[Question]] = {}
    for q in order:
        by_chapter.setdefault(q.chapter, []).append(q)
    queues = list(by_chapter.values())
    return [queue[i] for i in range(max(map(len, queues), default=0)) for queue in queues if i < len(queue)]


def _take(
    pool: list[Question],
    k: int,
    version: int,
    rng: np.random.Generator,
    *,
    skip: Callable[[Question], bool] | None = None,
) -> list[Question]:
    """Version ``version``'s k items: consecutive slices of one seeded order, so versions overlap only when they must.

    ``skip`` leaves out items this version cannot use (a definition its 名词解释 asks for) without changing the
    order the versions share: the version takes the next usable items from its own slice's start.
    """
    if not pool:
        return []
    order = _spread([pool[i] for i in rng.permutation(len(pool))])
    usable = [q for q in order if not (skip and skip(q))]
    k = min(k, len(usable))
    if not k:
        return []
    start = (version * k) % len(order)
    taken: list[Question] = []
    for i in range(len(order)):
        q = order[(start + i) % len(order)]
        if not (skip and skip(q)):
            taken.append(q)
            if len(taken) == k:
                break
    return taken


def _choice_from_glossary(q: Question, terms: Sequence[str], rng: np.random.Generator) -> Question:
    others = [t for t in terms if t != q.data["term"]]
    picks = [others[i] for i in rng.choice(len(others), size=min(3, len(others)), replace=False)]
    options = [q.data["term"], *picks]
    order = rng.permutation(len(options))
    shown = tuple(html.escape(options[i]) for i in order)
    key = "ABCD"[int(np.where(order == 0)[0][0])]
    return Question(q.kind, q.chapter, q.prompt, "", "", q.source, options=shown, key=key, uid=q.uid, data=q.data)


def _scheme(q: Question, points: int) -> str:
    if q.kind == "choice":
        return f"选对得 {points} 分，选错或多选不得分。"
    text = q.data.get("model", "")
    found = re.search(r"要点[：:](.+)", text)
    if q.kind == "term":
        return (
            f"定义的核心内容准确 {points - 2} 分（意思相同即可，不要求字句一致）；"
            "说清它的作用或举出恰当的例子 2 分。"
            + (f" 要点 Key points：{html.escape(found.group(1))}" if found else "")
        )
    # numbered points: "1." at a line's start, or ①, (1), （1） anywhere
    n = len(re.findall(r"(?m)^\s*\d+[.、]", text)) + len(re.findall(r"[①②③④⑤⑥⑦⑧⑨]|\(\d\)|（\d）", text))
    if n >= points:
        return f"参考答案列出 {n} 个要点，每个要点 1 分，满 {points} 分为止（意思对即可，顺序不限）。"
    if n >= 2:
        each, extra = divmod(points, n)
        first = "第 1 个要点" if extra == 1 else f"前 {extra} 个要点各"
        split = f"每个要点 {each} 分" if not extra else f"{first} {each + 1} 分，其余各 {each} 分"
        return f"参考答案列出 {n} 个要点，{split}（意思对即可，顺序不限；只列要点不加说明的得一半）。共 {points} 分。"
    return f"按参考答案的要点给分：要点齐全、说理清楚 {points} 分；缺一个要点扣 2-3 分；只列名词不解释的得一半。"


def build_exam(
    *,
    seed: int,
    version: int = 0,
    chapters: str | Iterable[int] | None = None,
    notebooks: str | os.PathLike | None = None,
) -> Exam:
    """Draw version ``version`` (0 = A) of the paper for ``seed``.

    Parameters
    ----------
    seed : int
        Non-negative; the same seed (and chapters and notebooks) gives the same papers.
    version : int
        0 for A, 1 for B, ... (at most 25).
    chapters : str or list of int, optional
        The chapters examined, e.g. ``"1-10"`` or ``[2, 4, 6]`` (default: all).
    notebooks : path, optional
        Folder of the instructor's chapter notebooks (default: the course's ``notebooks/``).

    Returns
    -------
    Exam
        Sections of :class:`Question` objects with their points.

    Raises
    ------
    DataError
        A bad seed, version or chapter list, or chapters without a single question.

    Examples
    --------
    >>> exam = build_exam(seed=7, chapters="6,8")
    >>> exam.version, [kind for kind, _ in exam.sections][-1], exam.total == sum(
    ...     q.points for _, qs in exam.sections for q in qs)
    ('A', 'calc', True)
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise DataError(
            f"build_exam: seed={seed!r} must be a whole number >= 0",
            zh=f"随机种子 seed={seed!r} 必须是不小于 0 的整数",
        )
    if isinstance(version, bool) or not isinstance(version, int | np.integer) or not 0 <= version < _MAX_VERSIONS:
        raise DataError(
            f"build_exam: version={version!r} must be 0-{_MAX_VERSIONS - 1} (A-Z)",
            zh=f"试卷版本 version={version!r} 必须在 0-{_MAX_VERSIONS - 1}（A-Z）之间",
        )
    numbers = parse_chapters(chapters)
    pool = _pools.get((numbers, str(notebooks))) or _notebook_pool(
        Path(notebooks) if notebooks is not None else None, numbers
    )
    asked = " ".join(q.data.get("stem", "") for q in pool["term"] + pool["essay"])
    gloss = _glossary_pool(numbers, asked)
    terms = sorted({q.data["term"] for q in gloss["choice"]})
    from crm_lessons import glossary

    all_terms = sorted({e.term for e in glossary.entries()})
    chosen_by_kind: dict[str, list[Question]] = {}
    notes: list[str] = []
    # the written sections first: a choice item must not show the definition a 名词解释 asks for
    order = sorted(range(len(SECTIONS)), key=lambda i: SECTIONS[i][0] == "choice")
    for index in order:
        kind, _title, wanted, points = SECTIONS[index]
        rng = np.random.default_rng([int(seed), index])  # the same order for every version of this seed
        vrng = np.random.default_rng([int(seed), index, int(version)])
        if kind == "calc":
            available, borrowed = _calc_makers(numbers)
            picked = _take(
                [Question("calc", 0, "", "", "", "", uid=str(i)) for i in range(len(available))],
                wanted,
                int(version),
                rng,
            )
            chosen = sorted(int(q.uid) for q in picked)
            items = [available[i](np.random.default_rng([int(seed), index, int(version), i])) for i in chosen]
            for j, (chapter, make) in enumerate(borrowed):
                q = make(np.random.default_rng([int(seed), index, int(version), len(available) + j]))
                q.source += (
                    f"（补充题：第 {_chapter_list(numbers)} 章的计算题不足 {MIN_CALC} 道，取自最近的第 {chapter} 章）"
                )
                items.append(q)
            if borrowed:
                notes.append(
                    f"注意：第 {_chapter_list(numbers)} 章的计算题不足 {MIN_CALC} 道，补充了第 "
                    f"{_chapter_list(ch for ch, _ in borrowed)} 章的计算题（离所选章节最近）。"
                    f" Note: chapters {_chapter_list(numbers)} have fewer than {MIN_CALC} computational questions;"
                    f" added from chapter(s) {_chapter_list(ch for ch, _ in borrowed)}, the nearest."
                )
        elif kind == "choice":
            # the chapters' own concept questions first (at most half the pool, so that versions A and B share
            # none of them), then definitions from the glossary, none that a written question of this version asks
            mine = pool["choice"]
            own = _take(mine, min(wanted // 2, len(mine) // 2 or len(mine)), int(version), rng)
            written = " ".join(
                q.data.get("stem", "") + q.data.get("term", "")
                for k in ("term", "essay")
                for q in chosen_by_kind.get(k, [])
            )

            def in_written(q: Question, text: str = written) -> bool:
                return q.data["term"] in text

            rest = _take(gloss["choice"], wanted - len(own), int(version), rng, skip=in_written)
            items = own + [_choice_from_glossary(q, terms if len(terms) >= 4 else all_terms, vrng) for q in rest]
        elif kind == "term":
            # the review sheet's terms (as the chapters' exam practice and the glossary define them), and one more
            sheet = pool["term"] + [q for q in gloss["term"] if q.data["term"] in SHEET_TERMS]
            others = [q for q in gloss["term"] if q.data["term"] not in SHEET_TERMS]
            own = _take(sheet, min(wanted - 1 if others else wanted, len(sheet)), int(version), rng)
            items = own + _take(others, wanted - len(own), int(version), rng)
        else:
            items = _take(pool["essay"], wanted, int(version), rng)
        items = sorted((dataclasses.replace(q) for q in items), key=lambda q: (q.chapter, q.uid))
        if 0 < len(items) < wanted and kind != "calc":
            notes.append(
                f"注意：第 {_chapter_list(numbers)} 章只够出 {len(items)} 道{_title_zh(kind)}（本题型要 {wanted} 道），"
                f"本卷满分因此不是 100 分。 Note: chapters {_chapter_list(numbers)} give {len(items)} of the {wanted}"
                f" {kind} items a paper asks for, so the paper's total is not 100."
            )
        for q in items:
            q.points = points
            q.scheme = q.scheme or _scheme(q, points)
        chosen_by_kind[kind] = items
    sections = [(kind, chosen_by_kind[kind]) for kind, *_ in SECTIONS if chosen_by_kind.get(kind)]
    if not sections:
        raise DataError(
            f"build_exam: chapters {list(numbers)} give no question", zh=f"第 {list(numbers)} 章没有可出的题目"
        )
    return Exam(_version_letter(int(version)), int(seed), numbers, sections, notes)


def _chapter_list(numbers: Iterable[int]) -> str:
    """Chapter numbers as ranges: ``1-3, 6``."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _title_zh(kind: str) -> str:
    return next(title.split(" ")[0] for k, title, *_ in SECTIONS if k == kind)


# -- HTML ---------------------------------------------------------------------------

_CSS = """
@page{size:A4;margin:18mm 16mm}
body{font-size:11pt;line-height:1.55;color:#000;max-width:178mm;margin:0 auto}
h1{font-size:16pt;text-align:center;margin:0 0 4pt}
.sub{text-align:center;margin:0 0 8pt}
.part{break-before:page;page-break-before:always}
.part.first{break-before:auto;page-break-before:auto}
h2{font-size:13pt;margin:10pt 0 6pt}
.q{margin:0 0 10pt;break-inside:avoid;page-break-inside:avoid}
.opts{display:grid;grid-template-columns:1fr 1fr;gap:2pt 14pt;margin:3pt 0 0 1.5em}
.space{border-bottom:1px solid #999;margin:0 0 4pt}
table{border-collapse:collapse;margin:4pt 0}td,th{border:1px solid #444;padding:2pt 6pt;text-align:center}
table.info td{min-width:22mm;height:9mm}
.key{margin:3pt 0 0 1.5em}.scheme{margin:3pt 0 0 1.5em;color:#333}.src{color:#666;font-size:9pt}
.note{color:#444;font-size:9.5pt}
.math{white-space:nowrap}sub,sup{line-height:0}
@media screen{body{margin:12mm auto;padding:0 8mm}}
"""


def _header(exam: Exam, key: bool) -> str:
    parts = [(f"{_NUMERALS[i]}", sum(q.points for q in qs)) for i, (_, qs) in enumerate(exam.sections)]
    cols = "".join(f"<th>{n}</th>" for n, _ in parts) + "<th>总分</th>"
    pts = "".join(f"<td>{p}</td>" for _, p in parts) + f"<td>{exam.total}</td>"
    blank = "".join("<td></td>" for _ in parts) + "<td></td>"
    chapters = ", ".join(str(c) for c in exam.chapters)
    title = "参考答案与评分标准 Answer key" if key else "试卷 Exam paper"
    who = "" if key else "<p>姓名 Name ____________　学号 Student ID ____________　班级 Class ____________</p>"
    if key:  # for the instructor only: a borrowed computation, a short section
        who = "".join(f"<p class='note'>{html.escape(note)}</p>" for note in exam.notes)
    return (
        f"<h1>《客户关系管理》考试 · {title}（{exam.version} 卷）</h1>"
        f"<p class='sub'>考查章节 Chapters {chapters}　满分 Total {exam.total} 分　考试时间 {exam.minutes} 分钟"
        # the seed regenerates the key with the public package: only the instructor's key shows it
        + (f"　（seed {exam.seed}）" if key else "")
        + f"</p>{who}"
        f"<table class='info'><tr><th>题号</th>{cols}</tr><tr><th>分值</th>{pts}</tr>"
        + ("" if key else f"<tr><th>得分</th>{blank}</tr>")
        + "</table>"
    )


def _space(kind: str) -> str:
    lines = {"term": 4, "essay": 10, "calc": 14}.get(kind, 0)
    return "".join("<div class='space'>&nbsp;</div>" for _ in range(lines))


def exam_html(exam: Exam, *, key: bool = False, embed_font: bool = True) -> str:
    """The paper (``key=False``) or its answer key as one self-contained HTML page.

    With ``embed_font`` the characters the page uses are cut from the bundled font and embedded.
    """
    from crm_lessons.runner import embedded_font_css

    body = [_header(exam, key)]
    number = 0
    titles = {kind: (title, points) for kind, title, _, points in SECTIONS}
    for i, (kind, questions) in enumerate(exam.sections):
        title, points = titles[kind]
        subtotal = sum(q.points for q in questions)
        body.append(
            f"<section class='part{' first' if i == 0 else ''}'><h2>{_NUMERALS[i]}、{title}"
            f"（共 {len(questions)} 题，每题 {points} 分，共 {subtotal} 分）</h2>"
        )
        for q in questions:
            number += 1
            opts = ""
            if q.options:
                opts = (
                    "<div class='opts'>"
                    + "".join(f"<div>{'ABCDEF'[j]}. {o}</div>" for j, o in enumerate(q.options))
                    + "</div>"
                )
            prompt = f"<b>{number}.</b>（{q.points} 分）{q.prompt}"
            if kind == "choice":
                prompt = f"<b>{number}.</b>（{q.points} 分）{q.prompt}　（　　）"
            part = [f"<div class='q'>{prompt}{opts}"]
            if key:
                if kind == "choice":  # the letter and what it says, so that a marker need not look back
                    answer = f"答案 Answer：<b>{q.key}</b>　{q.options['ABCDEF'.index(q.key)]}"
                else:
                    answer = "参考答案 Answer：" + q.answer
                part.append(f"<div class='key'>{answer}</div>")
                part.append(f"<div class='scheme'>评分标准 Marking：{q.scheme}</div>")
                part.append(f"<div class='src'>出处 Source：{html.escape(q.source)}</div>")
            else:
                part.append(_space(kind))
            part.append("</div>")
            body.append("".join(part))
        body.append("</section>")
    text = "\n".join(body)
    font = embedded_font_css(text + "0123456789") if embed_font else ""
    kind = "答案" if key else "试卷"
    return (
        "<!DOCTYPE html>\n<html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>客户关系管理 {kind} {exam.version} 卷</title>{font}<style>{_CSS}</style></head>\n"
        f"<body>\n{text}\n</body></html>\n"
    )


def build_exams(
    *,
    versions: int,
    seed: int,
    chapters: str | Iterable[int] | None = None,
    notebooks: str | os.PathLike | None = None,
) -> list[Exam]:
    """Versions A, B, ... of the paper for ``seed`` (:func:`build_exam` for each, the notebooks read once).

    Raises
    ------
    DataError
        ``versions`` not 1-26, a bad seed or chapter list.
    """
    if isinstance(versions, bool) or not isinstance(versions, int | np.integer) or not 1 <= versions <= _MAX_VERSIONS:
        raise DataError(
            f"write_exams: versions={versions!r} must be a whole number 1-{_MAX_VERSIONS}",
            zh=f"版本数 versions={versions!r} 必须是 1 到 {_MAX_VERSIONS} 的整数",
        )
    numbers = parse_chapters(chapters)
    cached = (numbers, str(notebooks))
    _pools[cached] = _notebook_pool(Path(notebooks) if notebooks is not None else None, numbers)  # read once
    try:
        return [build_exam(seed=seed, version=v, chapters=numbers, notebooks=notebooks) for v in range(int(versions))]
    finally:
        _pools.pop(cached, None)


def write_exams(
    out: str | os.PathLike,
    *,
    versions: int,
    seed: int,
    chapters: str | Iterable[int] | None = None,
    notebooks: str | os.PathLike | None = None,
    log: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write ``exam_A.html`` and ``key_A.html`` ... for ``versions`` versions into ``out``; return the paths.

    Each file is written atomically; other files in ``out`` are left alone.  ``log`` receives each
    of the papers' notes once (a computation borrowed from a chapter not examined, a short section);
    the keys print them, too.

    Raises
    ------
    DataError
        ``versions`` not 1-26, a bad seed or chapter list, or ``out`` an existing file.
    """
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise DataError(
            f"write_exams: out={str(out)!r} is a file; give a folder", zh=f"输出位置 {out} 是一个文件，请给一个文件夹"
        )
    exams = build_exams(versions=versions, seed=seed, chapters=chapters, notebooks=notebooks)
    for note in dict.fromkeys(n for exam in exams for n in exam.notes):
        (log or (lambda line: None))(note)
    written = []
    for exam in exams:
        for key in (False, True):
            path = folder / f"{'key' if key else 'exam'}_{exam.version}.html"
            atomic_write_bytes(path, exam_html(exam, key=key).encode("utf-8"))
            written.append(path)
    return written
