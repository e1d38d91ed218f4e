"""Per-student data in a course (issue 29): which chapters use it, and the id a submission runs with.

A chapter notebook that supports variants sets ``STUDENT_ID = ""`` in its first
code cell and draws its exercise data with :func:`crm_lessons.variants.draw`.
``crm-lessons assign --variants`` marks the chapter in the course's source
notebook (``metadata.crm_lessons.variants``); ``crm-lessons grade`` then runs
every submission with the roster id (the submission's folder name) written into
that line, whatever the student typed, and gives the hidden tests, which run
in the grader, the same id, never the kernel's.  In a chapter without
variants both get ``""``: everyone is graded on the common data.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["NAME", "is_variant_chapter", "mark_variants", "student_id_cell", "with_student_id"]

#: The name of the student's id in a chapter notebook.
NAME = "STUDENT_ID"
_LINE = re.compile(rf"^{NAME}\s*=.*$", re.MULTILINE)
_ASSIGNED = re.compile(rf"^{NAME}\s*=", re.MULTILINE)

_COMMENT = {
    True: "# 填入你的学号（与课程名单一致）：练习用你自己的数据 your id as in the class list",
    False: "# 本课程全班用同一份练习数据，保持为空 everyone uses the common data: leave it empty",
}


def student_id_cell(nb: Any) -> int | None:
    """Index of the first code cell that assigns ``STUDENT_ID`` (None: the chapter has no variants)."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and _ASSIGNED.search(cell.source):
            return i
    return None


def mark_variants(nb: Any, on: bool) -> None:
    """Mark a course's source notebook as drawing per-student data (or not), and say so on the id's line.

    The line becomes ``STUDENT_ID = ""  # ...``: with variants the comment asks for
    the id, without it says to leave it empty.  Changes ``nb`` in place.
    """
    i = student_id_cell(nb)
    if i is None:
        if on:
            raise ValueError(f"the notebook has no '{NAME} = \"\"' line: this chapter has no per-student data yet")
        return
    nb.cells[i].source = _LINE.sub(f'{NAME} = ""  {_COMMENT[on]}', nb.cells[i].source, count=1)
    nb.metadata.setdefault("crm_lessons", {})["variants"] = bool(on)


def is_variant_chapter(nb: Any) -> bool:
    """Whether a course's source notebook was assigned with per-student data."""
    return bool(nb.metadata.get("crm_lessons", {}).get("variants"))


def with_student_id(nb: Any, value: str) -> Any:
    """The submission with ``STUDENT_ID = value`` on the id's line of its first cell that sets it (changes ``nb``).

    A submission that lost the line gets a first cell that sets it.  Assignments
    the student added later are left as they are: they only change which data
    the student's own code reads, never the data the grader checks against.
    """
    import nbformat

    line = f"{NAME} = {value!r}  # 评分时用名单上的学号 set by the grader: the roster id"
    i = student_id_cell(nb)
    if i is None:
        cell = nbformat.v4.new_code_cell(line)
        if nb.get("nbformat_minor", 5) < 5:  # cell ids came with nbformat 4.5
            cell.pop("id", None)
        nb.cells.insert(0, cell)
    else:
        nb.cells[i].source = _LINE.sub(lambda _m: line, nb.cells[i].source, count=1)
    return nb
