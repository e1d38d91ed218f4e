"""The course map (``notebooks/COURSE.md``) read as data.

``COURSE.md`` is written for people: the ten chapters with their status, and
a syllabus table mapping the teaching plan to notebook sections.  The tests
read it through these functions to check that every chapter it lists as
available exists and every section it names is a real heading.

Chapter rows look like::

    | 1 | [01_crm_relationship_marketing.ipynb](01_crm_relationship_marketing.ipynb) | ... | 已有 available |

and section references like ``第1章 §5`` (chapter 1, the heading ``## 5 · ...``)
or ``第1章 §管理启示`` (the heading that starts with 管理启示).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from crm_lessons._validation import DataError

__all__ = ["STATUSES", "PlannedChapter", "SectionRef", "chapter_plan", "notebook_headings", "resolve", "section_refs"]

#: Status words of the chapter table: the notebook is complete; it exists and is being revised
#: (its glossary entries and exam practice are being added); it is being written.
STATUSES = {"已有 available": "available", "修订中 revising": "revising", "编写中 planned": "planned"}

_ROW = re.compile(
    r"^\|\s*(?P<n>\d{1,2})\s*\|\s*\[?`?(?P<file>\d{2}_[\w\-]+\.ipynb)`?\]?(?:\([^)]*\))?\s*\|"
    r"(?P<rest>.*)\|\s*$"
)
_REF = re.compile(r"第\s*(?P<ch>\d{1,2})\s*章\s*§\s*(?P<sec>\d{1,2}|[\u4e00-\u9fff]+)")


@dataclass(frozen=True)
class PlannedChapter:
    """One row of the course map's chapter table."""

    number: int
    notebook: str
    status: str  # "available", "revising" or "planned"


@dataclass(frozen=True)
class SectionRef:
    """A reference ``第N章 §S`` found in a line of the course map."""

    chapter: int
    section: str
    line: int
    text: str


def _course_md(path: str | os.PathLike | None) -> Path:
    if path is not None:
        return Path(path)
    from crm_lessons.runner import project_root

    return project_root() / "notebooks" / "COURSE.md"


def chapter_plan(path: str | os.PathLike | None = None) -> list[PlannedChapter]:
    """The chapters listed in the course map, in order.

    Raises
    ------
    DataError
        A chapter row has no known status word, or a chapter is listed twice.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "COURSE.md"
    >>> _ = p.write_text("| 3 | [03_x.ipynb](03_x.ipynb) | 客户数据 | 编写中 planned |\\n", encoding="utf-8")
    >>> chapter_plan(p)
    [PlannedChapter(number=3, notebook='03_x.ipynb', status='planned')]
    """
    path = _course_md(path)
    out: list[PlannedChapter] = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = _ROW.match(line)
        if not m:
            continue
        status = [v for k, v in STATUSES.items() if k in m.group("rest")]
        if len(status) != 1:
            raise DataError(
                f"{path.name} line {i}: chapter {m.group('n')} needs exactly one status of {list(STATUSES)}"
            )
        number = int(m.group("n"))
        if int(m.group("file")[:2]) != number:
            raise DataError(f"{path.name} line {i}: chapter {number} points at {m.group('file')}")
        if any(c.number == number for c in out):
            raise DataError(f"{path.name} line {i}: chapter {number} is listed twice")
        out.append(PlannedChapter(number, m.group("file"), status[0]))
    return out


def notebook_headings(notebook: str | os.PathLike) -> list[str]:
    """The ``## `` headings of a notebook's markdown cells, without the ``## ``."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    heads = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else src
            heads += [line[3:].strip() for line in src.splitlines() if line.startswith("## ")]
    return heads


def section_refs(path: str | os.PathLike | None = None) -> list[SectionRef]:
    """Every ``第N章 §S`` reference in the course map, with its line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "COURSE.md"
    >>> _ = p.write_text("| 关系营销 | 第1章 §3、第5章 §5 |\\n", encoding="utf-8")
    >>> [(r.chapter, r.section) for r in section_refs(p)]
    [(1, '3'), (5, '5')]
    """
    path = _course_md(path)
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        out += [SectionRef(int(m.group("ch")), m.group("sec"), i, m.group(0)) for m in _REF.finditer(line)]
    return out


def resolve(section: str, headings: list[str]) -> str | None:
    """The heading a section reference names: ``"5"`` -> ``"5 · ..."``; ``"小结"`` -> ``"小结 Summary"``.

    >>> resolve("2", ["1 · 数据 Data", "2 · 帕累托 Pareto", "小结 Summary"])
    '2 · 帕累托 Pareto'
    >>> resolve("小结", ["1 · 数据 Data", "小结 Summary"])
    '小结 Summary'
    >>> resolve("3", ["1 · 数据 Data"]) is None
    True
    """
    for h in headings:
        if section.isdigit() and re.match(rf"^{int(section)}\s*·", h):
            return h
        if not section.isdigit() and h.startswith(section):
            return h
    return None
