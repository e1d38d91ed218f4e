"""Chapter 2 teaches what the course teaches (issue 10): ABC classes, both pyramids, no hard-coded verdicts.

The course materials are ../shared/course-materials/: the exam review sheet (004_*) names the ABC
classes 高端客户, 大客户, 中等客户, 小客户 and the terms 客户识别, 客户价值, 客户差异; the teaching plan
(000_*, 第一章第二节) has the importance split 贵宾型 / 重要型 / 普通型 (together ~20 % of customers).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from crm_lessons import glossary
from crm_lessons.classification import ABC_CLASSES_ZH, IMPORTANCE_LABELS_ZH, ZRL_TIER_LABELS_ZH

NB = Path(__file__).resolve().parent.parent / "notebooks" / "02_customer_identification.ipynb"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def nb():
    return nbformat.read(NB, as_version=4)


def _markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _outputs(nb) -> str:
    return "\n".join(
        o.get("text", "") or str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )


def test_abc_is_the_course_four_classes(nb):
    text = _markdown(nb)
    assert "> **定义 Definition · ABC 分类法 (ABC classification)**" in text
    for name in ABC_CLASSES_ZH:
        assert name in glossary.lookup("ABC 分类法").definition
        assert name in text and name in _outputs(nb)  # taught and shown on the data
    assert "Curry" in text
    # the inventory rule is shown, as a variant
    assert "变体" in text and "abc_classes(revenue, cutoffs=(0.8, 0.95))" in "\n".join(
        c.source for c in nb.cells if c.cell_type == "code"
    )


def test_both_pyramids_with_their_sources_and_labels(nb):
    text = _markdown(nb)
    out = _outputs(nb)
    # course importance split by profit, measured on the data
    for name in IMPORTANCE_LABELS_ZH.values():
        assert name in out
    # Zeithaml, Rust & Lemon: platinum/gold/iron/lead, no fixed shares
    assert "Zeithaml" in text and "不规定各层的比例" in text
    for name in ZRL_TIER_LABELS_ZH.values():
        assert name in out
    # the importance names are not used for the ABC classes any more
    assert "贵宾型 (platinum)" not in text and "贵宾型 platinum" not in out


def test_exam_terms_defined_in_chapter_2():
    for term in ("客户识别", "客户价值", "客户差异", "ABC 分类法", "客户金字塔"):
        assert glossary.lookup(term).chapter == 2
    assert "生存和发展" in glossary.lookup("客户价值").definition  # not only profit (exam sheet)
    assert "贡献" in glossary.lookup("客户差异").definition


def test_identification_importance_and_steps_pointer(nb):
    text = _markdown(nb)
    for point in ("获取新客户", "沟通和互动", "满意", "忠诚"):
        assert point in text
    assert "第3章" in text  # the steps of customer identification belong to chapter 3


def test_no_verdict_from_a_hard_coded_threshold(nb):
    # e.g. the old "roughly right if a_share < 0.35 else too optimistic": words chosen by a made-up cut-off
    literal_cut = re.compile(r"\bif\s+[\w.\[\]\"' ]+?\s*[<>]=?\s*(?:0?\.\d*[1-9]\d*|[1-9][\d.]*)\s+else\b")
    for c in nb.cells:
        if c.cell_type == "code" and "### BEGIN SOLUTION" not in c.source:
            assert not literal_cut.search(c.source), c.source
    assert "roughly right" not in _outputs(nb)


def test_printed_interpretations_are_chinese(nb):
    for c in nb.cells:
        if c.cell_type != "code" or "parameters" in c.metadata.get("tags", []):
            continue
        for node in ast.walk(ast.parse(c.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print" and node.args:
                arg = node.args[0]
                parts = arg.values if isinstance(arg, ast.JoinedStr) else [arg]
                literal = "".join(p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str))
                if literal.strip():
                    assert CJK.search(literal), f"English-only printed sentence: {ast.unparse(arg)[:120]}"


def test_chapter_skeleton_and_exercises(nb):
    heads = [
        line[3:]
        for c in nb.cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("## ")
    ]
    tail = [
        "管理启示 What it means for the business",
        "小结 Summary",
        "练习 Exercises",
        "考试练习 Exam practice",
        "延伸阅读 Further reading",
    ]
    assert heads[-5:] == tail
    assert [h.split(" · ")[0] for h in heads[:-5]] == [str(i) for i in range(1, 8)]
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    assert len(tests) >= 4
    for c in tests:
        assert "expected=" not in c.source and "### BEGIN HIDDEN TESTS" in c.source
    exams = [c for c in nb.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")]
    assert len(exams) >= 3 and all(c.source.startswith("**参考答案 Model answer**") for c in exams)
    # exercise 2.4 grades the mailing decision on the hold-out part, not in-sample
    (t24,) = [c for c in tests if c.metadata["nbgrader"]["grade_id"] == "test_2_4"]
    # (the split is the student's own draw since the per-student data: variants.draw(2, ...) gives calib/hold;
    # the threshold is chosen on the calibration part and the rule scored on the hold-out part)
    src = t24.source
    assert "variants.draw(2, STUDENT_ID" in src and "_ex.calib, _ex.hold" in src
    assert "_cal.groupby" in src and "_hold[_hold[" in src and "len(_hold)" in src
