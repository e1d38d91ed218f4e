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
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from crm_lessons._fileio import atomic_write_bytes
from crm_lessons._validation import DataError
from crm_lessons.course._exam_questions import MIN_CALC, Question, _calc_makers

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
