"""Item analysis of a graded batch: how hard each exercise was, whether it tells strong from weak students.

:func:`item_analysis` turns the gradebook rows of :func:`~crm_lessons.grading.grade_course`
into one row per chapter and auto-graded exercise; :func:`write_item_analysis`
writes it beside the gradebook as ``<name>_items.csv`` (UTF-8 with BOM) and
``<name>_report.html`` (a Chinese-first, offline page with the course font
embedded: score distribution per chapter, items ranked by difficulty and by
discrimination, negative discrimination flagged, the chapter's Cronbach's alpha).

Classical test theory (Crocker & Algina 1986, ch. 14):

* ``difficulty`` (the item's *p* value) = mean points / max points;
* ``discrimination`` = the corrected item-total correlation: Pearson's r of the
  item's points with each student's total on the chapter's *other* auto-graded
  items (Henrysson 1963), empty when undefined (fewer than two students, or no
  variance in the item or in the rest);
* for a choice item of negative discrimination, the answer the key accepts is set beside the answer the
  upper 27% of students (by their total on the other items) chose most: when they differ, the key is
  probably wrong;
* Cronbach's alpha of the chapter's auto-graded items, computed by
  :func:`crm_lessons.satisfaction.cronbach_alpha` (chapter 4 teaches it).

A student counts for a chapter when at least one of its auto-graded items ran
(status correct, partial, wrong or not attempted); then every auto-graded item of the
chapter counts with the points the gradebook gives (0 for an item whose test
raised).  Missing and invalid submissions and chapters whose whole run failed
do not count.  For choice items (tests calling ``check.choice``) the answer each
student gave is read from the submitted notebook's source with :mod:`ast`
(literals only: nothing of the submission runs here).

References
----------
Crocker, L., & Algina, J. (1986). *Introduction to Classical and Modern Test
Theory*, ch. 14 (item analysis). Holt, Rinehart and Winston.

Henrysson, S. (1963). Correction of item-total correlations in item analysis.
Psychometrika, 28(2), 211-218.

Kelley, T. L. (1939). The selection of upper and lower groups for the validation of test items.
Journal of Educational Psychology, 30(1), 17-24 (the upper 27%).

Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
Psychometrika, 16(3), 297-334, eq. (2).
"""

from __future__ import annotations

import ast
import csv
import html
import io
import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_lessons._fileio import atomic_write_bytes

__all__ = ["ITEM_COLUMNS", "ItemInfo", "chapter_items", "item_analysis", "write_item_analysis"]

#: Columns of ``<name>_items.csv`` before the choice counts (``chose_A``, ``chose_B``, ..., ``chose_blank``,
#: ``chose_other``: how many counted students gave each answer to a choice item; empty for other items).
ITEM_COLUMNS = ["chapter", "exercise", "max_points", "students", "mean_points", "difficulty", "discrimination"]
#: Statuses that show the submission's notebook ran its tests.
_RAN = ("correct", "partial", "wrong", "not_attempted")
_COUNTED = _RAN + ("error",)
_MAX_BYTES = 50 * 2**20
#: Chapter 4's page on the course site (Cronbach's alpha: section 2).
ALPHA_PAGE = "04_satisfaction.html"


@dataclass
class ItemInfo:
    """One auto-graded exercise of a chapter, as the instructor's notebook defines it."""

    grade_id: str
    max_points: float
    variable: str = ""  # the answer variable of a choice item
    options: str = ""  # its option letters ("" for other items)
    multiple: bool = False


@dataclass
class _ChapterInfo:
    cid: str
    notebook: str
    items: list[ItemInfo] = field(default_factory=list)


def _choice_call(source: str) -> tuple[str, str, bool] | None:
    """``(variable, options, multiple)`` of the ``check.choice(...)`` call in a test cell's code, if any."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "choice"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Name)
        ):
            options, multiple = "ABCD", False
            for kw in node.keywords:
                if kw.arg == "options" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    options = kw.value.value.upper()
                if kw.arg == "multiple" and isinstance(kw.value, ast.Constant):
                    multiple = bool(kw.value.value)
            return node.args[1].id, options, multiple
    return None


def chapter_items(notebook: Any) -> list[ItemInfo]:
    """The auto-graded exercises (graded code cells) of an instructor's chapter notebook, in order.

    ``notebook`` is an nbformat notebook or its JSON as a dict.
    """
    out = []
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not (isinstance(meta, dict) and meta.get("grade") and cell.get("cell_type") == "code"):
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else str(cell["source"])
        info = ItemInfo(str(meta["grade_id"]), float(meta.get("points", 0)))
        found = _choice_call(source.split("### BEGIN HIDDEN TESTS")[0])
        if found:
            info.variable, info.options, info.multiple = found
        out.append(info)
    return out


def _read_json(path: Path) -> Any:
    if path.is_symlink() or not path.is_file() or path.stat().st_size > _MAX_BYTES:
        return None
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("cells"), list) else None


def _letters(value: Any, options: str) -> str:
    """A literal answer as its option letters (``"AC"``), ``"blank"`` for ``...``, ``"other"`` otherwise."""
    if value is ...:
        return "blank"
    if isinstance(value, str):
        parts: Iterable[Any] = [c for c in value.upper() if not c.isspace() and c not in ",，、;"]
    elif isinstance(value, list | tuple | set | frozenset):
        parts = [str(v).strip().upper() for v in value]
    else:
        return "other"
    letters = sorted(set(parts))
    if not letters or any(p not in options or len(p) != 1 for p in letters):
        return "other"
    return "".join(letters)


def submitted_choice(notebook: Any, variable: str, options: str) -> str:
    """The answer a submission gives to a choice item: letters, ``"blank"`` or ``"other"``.

    The last top-level assignment ``variable = <literal>`` in the notebook's
    code cells counts; anything that is not a literal (a computation, a name) is
    ``"other"``.  Nothing of the submission is run.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": "answer_1 = ...\\nanswer_1 = ' b '"}]}
    >>> submitted_choice(nb, "answer_1", "ABCD"), submitted_choice(nb, "answer_2", "ABCD")
    ('B', 'blank')
    """
    found = "blank"
    for cell in notebook.get("cells", []) if isinstance(notebook, dict) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        try:
            tree = ast.parse("".join(source) if isinstance(source, list) else str(source))
        except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets):
                try:
                    found = _letters(ast.literal_eval(node.value), options)
                except (ValueError, SyntaxError, TypeError, RecursionError):
                    found = "other"
    return found


def _pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Pearson's r, or None when undefined (n < 2 or a constant variable)."""
    import numpy as np

    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    return float(np.clip(np.corrcoef(a, b)[0, 1], -1.0, 1.0))


@dataclass
class ChapterAnalysis:
    """The item analysis of one chapter: :attr:`items` rows, students' totals, alpha."""

    cid: str
    items: list[dict[str, Any]]
    totals: dict[str, float]  # student -> points on the chapter's auto-graded items
    max_total: float
    alpha: float | None
    alpha_note: str = ""


def item_analysis(
    rows: Sequence[dict[str, Any]],
    chapters: dict[str, list[ItemInfo]],
    *,
    choices: dict[tuple[str, str, str], str] | None = None,
) -> list[ChapterAnalysis]:
    """Difficulty, discrimination and choice counts per auto-graded exercise, and each chapter's alpha.

    Parameters
    ----------
    rows : sequence of dict
        Gradebook rows (keys ``student, chapter, exercise, points, max_points, status``).
    chapters : dict
        Chapter id -> its auto-graded items (:func:`chapter_items`).
    choices : dict, optional
        ``(student, chapter, grade_id) -> answer letters`` for choice items
        (:func:`submitted_choice`); students without an entry count as ``"other"``.

    Returns
    -------
    list of ChapterAnalysis
        One per chapter with at least one auto-graded item; ``items`` rows have
        the keys of :data:`ITEM_COLUMNS` plus ``options`` and ``chose`` (letter -> count).

    Examples
    --------
    >>> items = {"ch01": [ItemInfo("t1", 1.0), ItemInfo("t2", 1.0), ItemInfo("t3", 1.0)]}
    >>> pts = {"s1": (1, 1, 1), "s2": (1, 0, 1), "s3": (0, 0, 1), "s4": (0, 1, 0)}
    >>> rows = [dict(student=s, chapter="ch01", exercise=f"t{i + 1}", points=float(p), max_points=1.0,
    ...              status="correct" if p else "wrong") for s, ps in pts.items() for i, p in enumerate(ps)]
    >>> [(r["exercise"], r["difficulty"], round(r["discrimination"], 4)) for r in item_analysis(rows, items)[0].items]
    [('t1', 0.5, 0.5774), ('t2', 0.5, -0.3015), ('t3', 0.75, 0.0)]
    """
    from crm_lessons._validation import DataError
    from crm_lessons.satisfaction import cronbach_alpha

    choices = choices or {}
    out = []
    for cid, items in chapters.items():
        if not items:
            continue
        ids = {i.grade_id for i in items}
        mine = [r for r in rows if r.get("chapter") == cid and r.get("exercise") in ids]
        ran = sorted({r["student"] for r in mine if r.get("status") in _RAN})
        points: dict[str, dict[str, float]] = {s: {} for s in ran}
        for r in mine:
            if r["student"] in points and r.get("status") in _COUNTED and isinstance(r.get("points"), int | float):
                points[r["student"]][r["exercise"]] = float(r["points"])
        for s in ran:
            for i in items:
                points[s].setdefault(i.grade_id, 0.0)
        totals = {s: sum(points[s].values()) for s in ran}
        table = []
        for item in items:
            x = [points[s][item.grade_id] for s in ran]
            rest = [totals[s] - points[s][item.grade_id] for s in ran]
            n = len(ran)
            mean = sum(x) / n if n else None
            row: dict[str, Any] = {
                "chapter": cid,
                "exercise": item.grade_id,
                "max_points": item.max_points,
                "students": n,
                "mean_points": mean,
                "difficulty": (mean / item.max_points) if mean is not None and item.max_points > 0 else None,
                "discrimination": _pearson(x, rest) if len(items) > 1 else None,
                "options": item.options,
                "chose": {},
            }
            if item.options:
                counts = {c: 0 for c in item.options} | {"blank": 0, "other": 0}
                for s in ran:
                    answer = choices.get((s, cid, item.grade_id), "other")
                    if answer in ("blank", "other"):
                        counts[answer] += 1
                    else:
                        for letter in answer:
                            counts[letter] = counts.get(letter, 0) + 1
                row["chose"] = counts
                row["keyed"], row["upper"] = _key_evidence(item, ran, points, totals, choices, cid)
            table.append(row)
        alpha, note = None, ""
        if len(items) < 2:
            note = "只有一道自动评分题，无法计算 α (needs at least two items)"
        elif len(ran) < 2:
            note = "评分学生少于 2 人，无法计算 α (needs at least two students)"
        else:
            import pandas as pd

            frame = pd.DataFrame({i.grade_id: [points[s][i.grade_id] for s in ran] for i in items}, index=ran)
            try:
                alpha = float(cronbach_alpha(frame))
            except DataError:
                note = "总分没有差异，α 无定义 (the totals do not vary)"
        out.append(ChapterAnalysis(cid, table, totals, sum(i.max_points for i in items), alpha, note))
    return out


def _most_common(answers: list[str]) -> str:
    answers = [a for a in answers if a not in ("blank", "other")]
    if not answers:
        return ""
    best = max(answers.count(a) for a in set(answers))
    winners = sorted({a for a in answers if answers.count(a) == best})
    return winners[0] if len(winners) == 1 else ""


def _key_evidence(
    item: ItemInfo,
    ran: list[str],
    points: dict[str, dict[str, float]],
    totals: dict[str, float],
    choices: dict[tuple[str, str, str], str],
    cid: str,
) -> tuple[str, str]:
    """(the answer the key accepts, the answer the upper group chose most) of a choice item; '' when unclear.

    The accepted answer is the most common one among students who got the item's full points; the upper
    group is the 27% of students (at least one) with the highest total on the chapter's other items
    (Kelley 1939).  When they differ on an item of negative discrimination, the key is the first suspect.
    """
    answer = {s: choices.get((s, cid, item.grade_id), "other") for s in ran}
    keyed = _most_common([answer[s] for s in ran if points[s][item.grade_id] >= item.max_points > 0])
    rest = sorted(ran, key=lambda s: (-(totals[s] - points[s][item.grade_id]), s))
    upper = rest[: max(1, round(0.27 * len(ran)))]
    return keyed, _most_common([answer[s] for s in upper])


def _number(value: Any, digits: int = 4) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{round(value, digits):g}"
    return str(value)


def _items_csv(analyses: Sequence[ChapterAnalysis]) -> bytes:
    from crm_lessons.grading.grade import neutralise

    letters: list[str] = []
    for a in analyses:
        for r in a.items:
            letters += [c for c in r["options"] if c not in letters]
    extra = [f"chose_{c}" for c in letters] + (["chose_blank", "chose_other"] if letters else [])
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(ITEM_COLUMNS + extra)
    for a in analyses:
        for r in a.items:
            # text (ids from the notebooks) is neutralised for spreadsheets; numbers stay numbers, signs included
            cells = [neutralise(r[c]) if isinstance(r[c], str) else _number(r[c]) for c in ITEM_COLUMNS]
            chose = r["chose"]
            cells += [str(chose[k[len("chose_") :]]) if k[len("chose_") :] in chose else "" for k in extra]
            writer.writerow(cells)
    return buf.getvalue().encode("utf-8-sig")


# -- the HTML report ---------------------------------------------------------------

_CSS = """
body{max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccc}h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}
.bar{display:inline-block;height:.9rem;background:#4a7ab5;vertical-align:middle}
.flag{background:#fde8e8}.warn{color:#a40000;font-weight:bold}.note{color:#555;font-size:.92rem}
details{margin:.2rem 0}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _distribution(a: ChapterAnalysis) -> list[str]:
    """Ten bands of 10% of the chapter's auto-graded points: how many students, and who."""
    bands: list[list[str]] = [[] for _ in range(10)]
    for student, total in sorted(a.totals.items()):
        share = total / a.max_total if a.max_total > 0 else 0.0
        bands[min(9, max(0, int(math.floor(share * 10 + 1e-9))))].append(student)
    widest = max((len(b) for b in bands), default=1) or 1
    out = [
        "<table><tr><th>得分率 Score</th><th>人数 Students</th><th class='l'>分布 Distribution</th>"
        "<th class='l'>学生 Students</th></tr>"
    ]
    for k in range(9, -1, -1):
        label = f"{k * 10}–{(k + 1) * 10}%" + ("" if k < 9 else "（含满分 incl. full marks）")
        who = ", ".join(_esc(s) for s in bands[k])
        names = f"<details><summary>名单 list</summary>{who}</details>" if bands[k] else ""
        out.append(
            f"<tr><td>{label}</td><td>{len(bands[k])}</td>"
            f"<td class='l'><span class='bar' style='width:{12 * len(bands[k]) / widest:.2f}rem'></span></td>"
            f"<td class='l'>{names}</td></tr>"
        )
    out.append("</table>")
    return out


def _stats(a: ChapterAnalysis) -> str:
    values = sorted(a.totals.values())
    n = len(values)
    if not n:
        return "<p>没有可计入的提交 No submission counted.</p>"
    mean = sum(values) / n
    median = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return (
        f"<p>计入学生 {n} 人 students; 自动评分满分 {_number(a.max_total)} 分 max points; "
        f"平均 mean {mean:.2f}, 中位数 median {median:.2f}, 标准差 SD {sd:.2f}.</p>"
    )


def _discrimination_note(r: float | None) -> str:
    if r is None:
        return "无定义 undefined（该题或其余题目得分没有差异 no variance）"
    if r < 0:
        return (
            "<span class='warn'>负区分度 negative</span>：其余题目得分高的学生这道题反而得分低。"
            "常见原因：答案键（参考答案或隐藏测试）写错了；题目有歧义，好学生读出了另一种意思；"
            "或者这道题考的与本章其余内容无关。先检查答案键和题干。"
            " Usually a wrong key, an ambiguous question, or an item unrelated to the rest: check the key first."
        )
    if r < 0.2:
        return "区分度低 weak (< 0.2)：这道题几乎分不出强弱学生，看看题干是否清楚。"
    if r < 0.4:
        return "尚可 fair (0.2–0.4)"
    return "好 good (≥ 0.4)"


def _difficulty_note(p: float | None) -> str:
    if p is None:
        return ""
    if p >= 0.9:
        return "很容易 very easy (≥ 0.9)"
    if p <= 0.3:
        return "很难 very hard (≤ 0.3)"
    return ""


def _alpha_html(a: ChapterAnalysis, page: str) -> str:
    link = (
        f"<a href='{_esc(page)}'>第4章 客户满意 §2 克龙巴赫 α 系数 (Cronbach's alpha)</a>"
        "（课程网站的第4章页面 chapter 4 of the course site）"
    )
    if a.alpha is None:
        return f"<p>克龙巴赫 α 系数 Cronbach's alpha：{_esc(a.alpha_note)}。公式和解释见 {link}。</p>"
    if a.alpha >= 0.7:
        verdict = "内部一致性较好 acceptable (≥ 0.7)"
    elif a.alpha >= 0:
        verdict = "内部一致性偏低 low (< 0.7)：本章各题测的可能不是同一种能力，或题目太少、学生太少"
    else:
        verdict = (
            "<span class='warn'>为负 negative</span>：有题目与其余题目反向计分，"
            "先检查下面负区分度的题目的答案键 (a negative alpha usually means a reversed or wrong key)"
        )
    return (
        f"<p>本章自动评分题的克龙巴赫 α 系数 Cronbach's alpha = <b>{a.alpha:.3f}</b>，{verdict}。"
        f"用的是第4章讲授的同一个函数 <code>satisfaction.cronbach_alpha</code>（把每道题当作问卷的一个题项）；"
        f"公式和解释见 {link}。</p>"
    )


def _choice_cell(r: dict[str, Any]) -> str:
    if not r["chose"]:
        return ""
    parts = [f"{_esc(k)}: {v}" for k, v in r["chose"].items() if k not in ("blank", "other")]
    parts += [f"未作答 blank: {r['chose']['blank']}", f"其他 other: {r['chose']['other']}"]
    return "; ".join(parts)


def _item_table(rows: list[dict[str, Any]], title: str) -> list[str]:
    out = [
        f"<h3>{title}</h3>",
        "<table><tr><th class='l'>题目 Exercise</th><th>满分 Max</th><th>平均分 Mean</th>"
        "<th>难度 Difficulty</th><th>区分度 Discrimination</th><th class='l'>解读 Reading</th>"
        "<th class='l'>各选项人数 Options chosen</th></tr>",
    ]
    for r in rows:
        d = r["discrimination"]
        flag = " class='flag'" if d is not None and d < 0 else ""
        reading = "；".join(x for x in (_difficulty_note(r["difficulty"]), _discrimination_note(d)) if x)
        if d is not None and d < 0 and r.get("keyed") and r.get("upper") and r["keyed"] != r["upper"]:
            reading += (
                f"<br><b>判为正确的答案是 {_esc(r['keyed'])}，但其余题目得分最高的 27% 学生最常选 {_esc(r['upper'])}</b>："
                f"答案键很可能应为 {_esc(r['upper'])}。 The key accepts {_esc(r['keyed'])}; the upper 27% chose "
                f"{_esc(r['upper'])} most (Kelley 1939): the key is probably wrong."
            )
        out.append(
            f"<tr{flag}><td class='l'>{_esc(r['exercise'])}</td><td>{_number(r['max_points'])}</td>"
            f"<td>{_number(r['mean_points'], 2)}</td><td>{_number(r['difficulty'], 3)}</td>"
            f"<td>{_number(d, 3)}</td><td class='l'>{reading}</td><td class='l'>{_choice_cell(r)}</td></tr>"
        )
    out.append("</table>")
    return out


def report_html(analyses: Sequence[ChapterAnalysis], *, title: str = "", alpha_page: str = ALPHA_PAGE) -> str:
    """The item-analysis page (Chinese first, offline; the course font embedded for its characters)."""
    from crm_lessons.runner import embedded_font_css

    body = [
        f"<h1>题目分析报告 Item analysis{(' · ' + _esc(title)) if title else ''}</h1>",
        "<p class='note'>难度 difficulty = 平均得分 ÷ 满分（越高越容易）；"
        "区分度 discrimination = 该题得分与本章<b>其余</b>自动评分题总分的皮尔逊相关系数 "
        "(corrected item-total correlation; Crocker &amp; Algina 1986, ch. 14; Henrysson 1963)。"
        "只统计自动评分题 auto-graded items only；缺交和无效提交不计入 missing and invalid submissions are left out。</p>",
    ]
    flagged = [
        (a.cid, r) for a in analyses for r in a.items if r["discrimination"] is not None and r["discrimination"] < 0
    ]
    if flagged:
        body.append(
            "<p class='warn'>需要检查 Check these items（负区分度 negative discrimination）："
            + "、".join(f"{_esc(c)} {_esc(r['exercise'])}" for c, r in flagged)
            + "</p>"
        )
    else:
        body.append("<p>没有负区分度的题目 No item has negative discrimination.</p>")
    for a in analyses:
        body.append(f"<h2>{_esc(a.cid)}</h2>")
        body.append(_stats(a))
        body.append("<h3>得分分布 Score distribution（自动评分题总分 auto-graded total）</h3>")
        body += _distribution(a)
        body.append(_alpha_html(a, alpha_page))
        by_p = sorted(a.items, key=lambda r: (r["difficulty"] is None, r["difficulty"] or 0.0, r["exercise"]))
        by_r = sorted(a.items, key=lambda r: (r["discrimination"] is None, r["discrimination"] or 0.0, r["exercise"]))
        body += _item_table(by_p, "按难度排序（最难的在前） Items by difficulty, hardest first")
        body += _item_table(by_r, "按区分度排序（最低的在前） Items by discrimination, lowest first")
    text = "\n".join(body)
    font = embedded_font_css(text + "0123456789")
    return (
        "<!DOCTYPE html>\n<html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>题目分析报告 Item analysis</title>{font}<style>{_CSS}</style></head>\n"
        f"<body>\n{text}\n</body></html>\n"
    )


def _choices(course: Path, chapters: dict[str, _ChapterInfo], rows: Sequence[dict[str, Any]]) -> dict:
    out: dict[tuple[str, str, str], str] = {}
    wanted = {(r["student"], r["chapter"]) for r in rows if r.get("status") in _RAN}
    for student, cid in sorted(wanted):
        ch = chapters.get(cid)
        if ch is None or not any(i.options for i in ch.items):
            continue
        folder = course / "submitted" / student / cid
        files = sorted(folder.glob("*.ipynb")) if folder.is_dir() and not folder.is_symlink() else []
        named = [f for f in files if f.name == ch.notebook] or files
        nb = _read_json(named[0]) if named else None
        if nb is None:
            continue
        for item in ch.items:
            if item.options:
                out[(student, cid, item.grade_id)] = submitted_choice(nb, item.variable, item.options)
    return out


def write_item_analysis(
    rows: Sequence[dict[str, Any]], *, course: str | os.PathLike, csv_path: str | os.PathLike
) -> tuple[Path, Path]:
    """Write ``<name>_items.csv`` and ``<name>_report.html`` beside the gradebook ``csv_path``; return both paths.

    ``course`` is the nbgrader course folder (its ``source/`` notebooks say
    which items are auto-graded and which are choice items; ``submitted/``
    holds the answers chosen).  Both files are written atomically.
    """
    from crm_lessons.grading.assign import course_chapters

    course, target = Path(course), Path(csv_path)
    chapters = {}
    for cid, path in course_chapters(course).items():
        nb = _read_json(path)
        chapters[cid] = _ChapterInfo(cid, path.name, chapter_items(nb) if nb else [])
    analyses = item_analysis(
        rows, {c: ch.items for c, ch in chapters.items()}, choices=_choices(course, chapters, rows)
    )
    items_path = target.with_name(target.stem + "_items.csv")
    report_path = target.with_name(target.stem + "_report.html")
    atomic_write_bytes(items_path, _items_csv(analyses))
    atomic_write_bytes(report_path, report_html(analyses, title=course.name).encode("utf-8"))
    return items_path, report_path
