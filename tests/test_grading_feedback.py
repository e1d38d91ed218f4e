"""What a student gets back: feedback without the key (issue 26.2), no CDN, Chinese first.

Cheap: no kernel runs here.  Every chapter's instructor notebook is turned into
the worst case of an autograded notebook (each test cell's outputs repeat its
whole code, hidden tests included, and an error quoting the expected values);
the feedback made from it must contain no hidden test code and none of the
key's values.  The end-to-end check on real grading runs is in
tests/test_grading.py (the hostile batch's feedback pages).
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader", reason="the grading extra (nbgrader) is part of the test extra")

from crm_lessons.grading._feedback import (  # noqa: E402
    STATUS_LABELS,
    feedback_notebook,
    student_message,
)
from crm_lessons.runner import chapter_notebooks  # noqa: E402
from crm_lessons.runner.release import release_cell_source  # noqa: E402

CHAPTERS = sorted(chapter_notebooks())
_TRUTH_CHECKS = {"assert_choice", "assert_equal", "assert_close"}


def _is_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _hidden(source: str) -> str:
    if "BEGIN HIDDEN TESTS" not in source:
        return ""
    return source[source.index("BEGIN HIDDEN TESTS") : source.index("END HIDDEN TESTS")].split("\n", 1)[1]


def key_values(nb) -> tuple[set[str], set[tuple[str, ...]]]:
    """(hidden test lines, literal expected values) of a chapter: what its feedback must never show.

    A value is given in the forms it would be written (``"C"`` or ``'C'``; a number as it reads).
    """
    lines: set[str] = set()
    values: set[tuple[str, ...]] = set()
    for cell in nb.cells:
        if not _is_test(cell):
            continue
        hidden = _hidden(cell.source)
        lines |= {line.strip() for line in hidden.splitlines() if len(line.strip()) >= 8}
        for node in ast.walk(ast.parse(hidden) if hidden.strip() else ast.Module(body=[], type_ignores=[])):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in _TRUTH_CHECKS and len(node.args) > 1:
                for lit in ast.walk(node.args[1]):
                    if isinstance(lit, ast.Constant) and isinstance(lit.value, str):
                        values.add((f"'{lit.value}'", f'"{lit.value}"'))
                    elif isinstance(lit, ast.Constant) and isinstance(lit.value, (int, float)):
                        values.add((ast.get_source_segment(hidden, lit) or str(lit.value),))
    return lines, values


def worst_autograded(nb):
    """The instructor's notebook as nbgrader would hand it back for an untouched student version, at its worst.

    Answer cells as released (the student's own, here untouched); test cells with
    their whole code (nbgrader restores the hidden tests) and outputs that repeat
    it: an error whose message and traceback quote the hidden code and a
    printed copy of it.
    """
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = release_cell_source(cell)
        if cell.cell_type == "code":  # the student's own outputs: whatever their cells print (not checked here)
            cell.outputs = []
        if not meta.get("grade"):
            continue
        meta["score"] = 0.0 if _is_test(cell) else None
        if _is_test(cell):
            cell.outputs = [
                nbformat.v4.new_output(
                    "error", ename="AssertionError", evalue=cell.source, traceback=cell.source.splitlines()
                ),
                nbformat.v4.new_output("stream", name="stdout", text=cell.source),
            ]
    return nb


def _shown(nb, rows=()) -> str:
    return "\n".join(
        [c.source for c in nb.cells]
        + [str(o.get("text", "")) + str(o.get("evalue", "")) for c in nb.cells for o in c.get("outputs", [])]
        + [r["message"] + r["label"] for r in rows]
    )


def _visible_text(nb) -> str:
    """Everything the student version of a chapter shows (the key may appear there, e.g. a label's options)."""
    return "\n".join(release_cell_source(c) for c in nb.cells)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: Path(p).name[:2])
def test_feedback_holds_no_hidden_test_or_key_value(path):
    source = nbformat.read(path, as_version=4)
    lines, values = key_values(source)
    assert lines, "every chapter has hidden tests"
    visible = _visible_text(source)
    raw = _shown(worst_autograded(nbformat.read(path, as_version=4)))
    assert "HIDDEN TESTS" in raw and all(any(f in raw for f in v) for v in values), "the worst case quotes the key"
    nb, rows = feedback_notebook(worst_autograded(nbformat.read(path, as_version=4)))
    shown = _shown(nb, rows)
    assert "HIDDEN TESTS" not in shown
    leaked = sorted(line for line in lines if line in shown and line not in visible)
    assert not leaked, f"hidden test code in the feedback: {leaked[:5]}"
    leaked = sorted(f for v in values for f in v if f in shown and f not in visible)
    assert not leaked, f"expected values in the feedback: {leaked}"
    tests = [r for r in rows if r["grade_id"].startswith("test_")]
    assert len(tests) >= 5 and {r["status"] for r in tests} == {"wrong"}
    assert all(r["message"].startswith("[隐藏测试 hidden test]") for r in tests), "Chinese first, what failed"


def test_the_key_of_the_choice_exercises_is_found():
    """The test above looks for the letters the issue found in the feedback (1.1 "C", 3.6 "CEADB", ...)."""
    found = set()
    for path in CHAPTERS:
        found |= {f for v in key_values(nbformat.read(path, as_version=4))[1] for f in v}
    assert {'"C"', '"CEADB"', '"A"', '"B"'} <= found


def _error(ename, evalue, line):
    return [
        {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [f'File "<test cell>", line {line}']}
    ]


SOURCE = (
    "check.number('2.1', answer_2_1, lo=0, hi=1)\n"  # line 1
    "### BEGIN HIDDEN TESTS\n"
    "_truth = 0.4213\n"
    "assert abs(answer_2_1 - _truth) < 1e-3, f'expected {_truth}'\n"  # line 4
    "assert answer_2_1 > 0, '份额要大于 0'\n"  # line 5
    "check.number('2.1', answer_2_1, lo=0.42, hi=0.43)\n"  # line 6
    "### END HIDDEN TESTS"
)


@pytest.mark.parametrize(
    ("outputs", "status", "message"),
    [
        (_error("AssertionError", "expected 0.4213", 4), "wrong", "隐藏测试未通过"),
        (_error("AssertionError", "份额要大于 0", 5), "wrong", "份额要大于 0"),
        (
            _error("ExerciseError", "[练习 2.1] 错误 wrong: 应为数值，满足 0.42 ≤ x ≤ 0.43", 6),
            "wrong",
            "隐藏测试未通过",
        ),
        (_error("ExerciseError", "[练习 2.1] 错误 wrong: 应为数值，满足 0 ≤ x ≤ 1", 1), "wrong", "0 ≤ x ≤ 1"),
        (_error("NameError", "name 'answer_2_1' is not defined", 1), "error", "没有找到 answer_2_1"),
        (_error("NameError", "name '_truth' is not defined", 4), "error", "缺少一个名字"),
        (_error("StudentError", "ValueError: bad input 0.4213", 4), "error", "ValueError"),
        (_error("TypeError", "cannot compare 0.4213", 4), "error", "TypeError"),
        (
            [{"output_type": "stream", "name": "stdout", "text": "[练习 2.1] 未作答 not attempted: 把 ... 换成\n"}],
            "not_attempted",
            "未作答",
        ),
        ([], "correct", "全部检查通过"),
    ],
)
def test_messages_say_what_failed_never_the_truth(outputs, status, message):
    text = student_message(status, outputs, SOURCE)
    assert message in text
    assert "0.4213" not in text and "0.42 ≤" not in text and "_truth" not in text


def test_status_labels_are_chinese_first():
    from crm_lessons.grading import GRADE_STATUSES

    assert set(STATUS_LABELS) <= set(GRADE_STATUSES)
    assert all(re.match(r"[\u4e00-\u9fff]", label) for label in STATUS_LABELS.values())


def test_readme_lists_every_status():
    from crm_lessons.grading import GRADE_STATUSES

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for status in GRADE_STATUSES:
        assert f"| `{status}` |" in readme, f"English table row for {status}"
        assert re.search(rf"\| `{status}` [\u4e00-\u9fff]+ \|", readme), f"Chinese table row for {status}"


def render(nb, *, template: str = "feedback") -> str:
    """A feedback page as nbgrader's GenerateFeedback makes it with our configuration (no gradebook)."""
    from nbconvert import HTMLExporter

    from crm_lessons.grading._config import nbgrader_config
    from crm_lessons.grading._execute import StudentFeedback

    config = nbgrader_config("/nonexistent", db_url="sqlite://")
    config.HTMLExporter.template_name = template
    exporter = HTMLExporter(config=config)
    exporter.register_preprocessor(StudentFeedback(config=config), enabled=True)
    resources = {"nbgrader": {"notebook": "01_tiny", "score": 0, "max_score": 8, "late_penalty": 0}}
    page, _ = exporter.from_notebook_node(nb, resources=resources)
    return page


def test_the_page_is_ours_offline_and_has_the_font():
    from test_grading import tiny_chapter

    page = render(worst_autograded(tiny_chapter(1)))
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    assert "得分 Score 0.0 / 8.0" in text and "练习 1.2 0 / 1 未通过 wrong" in text
    assert "待人工评分" in text and "Student's answer" not in text, "Chinese first, not nbgrader's English template"
    assert "HIDDEN" not in page and "'ABCD'[2]" not in text and "assert_choice" not in text
    assert "@font-face" in page, "the course font is embedded (nbgrader generate_feedback in the course folder)"
    assert not re.search(r"<script[^>]+src=|https?://cdn", page), "nothing loads from the internet"


def test_the_course_config_serves_our_templates_and_no_cdn(tmp_path):
    """The formgrader and ``nbgrader generate_feedback`` read the course's nbgrader_config.py: no MathJax CDN."""
    from nbconvert import HTMLExporter
    from traitlets.config.loader import PyFileConfigLoader

    from crm_lessons.grading._config import config_file_text

    (tmp_path / "nbgrader_config.py").write_text(config_file_text(), encoding="utf-8")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    assert "crm_lessons.grading._execute.StudentFeedback" in config.GenerateFeedback.preprocessors
    config.HTMLExporter.template_name = "formgrade"  # what the formgrader sets for its notebook pages
    from test_grading import tiny_chapter

    resources = {  # what the formgrader's SubmissionHandler passes
        **{"assignment_id": "ch01", "notebook_id": "01_tiny", "submission_id": "s", "index": 0, "total": 1},
        **{"base_url": "", "student": "zoe", "last_name": None, "first_name": None, "notebook_path": "x"},
    }
    page, _ = HTMLExporter(config=config).from_notebook_node(tiny_chapter(1), resources=resources)
    assert "formgrader/static" in page, "the formgrader's own template is still found"
    assert page.count("<style>@font-face") == 1, "the course font for the formgrader's Chinese (as HTML, not text)"
    assert not re.search(r"https?://|<script[^>]+src=\"//(?!formgrader)", page), "nothing loads from the internet"
