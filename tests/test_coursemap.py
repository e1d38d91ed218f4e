"""The course map notebooks/COURSE.md: its chapters exist or are marked planned, its section references resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crm_lessons._validation import DataError
from crm_lessons.course import chapter_notebooks
from crm_lessons.course.coursemap import chapter_plan, notebook_headings, resolve, section_refs

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "notebooks" / "COURSE.md"
NOTEBOOKS = {p.name: p for p in chapter_notebooks(ROOT / "notebooks")}

#: The ten chapters and their file names, fixed by the lead (HELPERS.md).
CHAPTERS = [
    "01_crm_relationship_marketing.ipynb",
    "02_customer_identification.ipynb",
    "03_customer_data.ipynb",
    "04_satisfaction.ipynb",
    "05_loyalty.ipynb",
    "06_lifecycle_clv.ipynb",
    "07_churn.ipynb",
    "08_interaction_service.ipynb",
    "09_personalisation.ipynb",
    "10_capstone.ipynb",
]


def test_the_map_lists_the_ten_chapters():
    assert [c.notebook for c in chapter_plan(COURSE)] == CHAPTERS
    assert [c.number for c in chapter_plan(COURSE)] == list(range(1, 11))


def test_every_chapter_exists_or_is_marked_as_being_written():
    for c in chapter_plan(COURSE):
        if c.status != "planned":
            assert c.notebook in NOTEBOOKS, f"COURSE.md says chapter {c.number} is {c.status}; {c.notebook} is missing"
    unlisted = set(NOTEBOOKS) - set(CHAPTERS)
    assert not unlisted, f"chapter notebooks missing from COURSE.md: {sorted(unlisted)}"


def test_every_section_reference_resolves():
    plan = {c.number: c for c in chapter_plan(COURSE)}
    refs = section_refs(COURSE)
    assert len(refs) >= 40, "the syllabus table should map the teaching plan to sections"
    problems = []
    for ref in refs:
        chapter = plan.get(ref.chapter)
        if chapter is None:
            problems.append(f"line {ref.line}: {ref.text}: no chapter {ref.chapter}")
        elif chapter.notebook not in NOTEBOOKS:
            if chapter.status != "planned":
                problems.append(f"line {ref.line}: {ref.text}: {chapter.notebook} does not exist")
        elif resolve(ref.section, notebook_headings(NOTEBOOKS[chapter.notebook])) is None:
            problems.append(
                f"line {ref.line}: {ref.text}: no such section in {chapter.notebook}; headings are "
                f"{notebook_headings(NOTEBOOKS[chapter.notebook])}"
            )
    assert not problems, "\n".join(problems)


def test_the_syllabus_covers_the_fifteen_chapters_of_the_teaching_plan():
    text = COURSE.read_text(encoding="utf-8")
    for n in range(1, 16):
        assert re.search(rf"^\|\s*{n}\.\d", text, re.M), f"teaching-plan chapter {n} has no row in the syllabus"


def test_readmes_link_the_course_map():
    assert "notebooks/COURSE.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(COURSE.md)" in (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "row, match",
    [
        ("| 3 | [03_x.ipynb](03_x.ipynb) | t | 已完成 |", r"line 1: chapter 3 needs exactly one status"),
        ("| 3 | [04_x.ipynb](04_x.ipynb) | t | 编写中 planned |", r"chapter 3 points at 04_x\.ipynb"),
        (
            "| 3 | [03_x.ipynb](03_x.ipynb) | 编写中 planned |\n| 3 | [03_y.ipynb](03_y.ipynb) | 已有 available |",
            r"line 2: chapter 3 is listed twice",
        ),
    ],
)
def test_bad_chapter_rows_are_reported(tmp_path, row, match):
    path = tmp_path / "COURSE.md"
    path.write_text(row + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=match):
        chapter_plan(path)


def test_the_exam_review_map_covers_the_eleven_terms():
    text = COURSE.read_text(encoding="utf-8")
    assert "## 考试复习对照 Exam review map" in text
    review = text.split("## 考试复习对照 Exam review map", 1)[1]
    terms = [
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
    ]  # the exam review sheet's 名词解释 (course-materials/004_*.txt)
    rows = [line for line in review.splitlines() if line.startswith("| 名词解释 |")]
    missing = [t for t in terms if not any(t in row for row in rows)]
    assert not missing, f"exam terms without a row in the exam review map: {missing}"
    assert all("第" in row and "§" in row for row in rows)
