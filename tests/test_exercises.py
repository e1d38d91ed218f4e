"""The exercise checks (visible and hidden) and the student-version generator (crm_lessons.runner.release)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest

from crm_lessons.exercises import (
    Checker,
    ExerciseError,
    WrongAnswer,
    assert_choice,
    assert_close,
    assert_equal,
)
from crm_lessons.runner.release import (
    CODE_STUB,
    TEXT_STUB,
    is_nbgrader_notebook,
    make_student_version,
    release_cell_source,
)
from crm_lessons.runner.release import main as exercises_main


def test_visible_checks_test_properties_only(capsys):
    check = Checker("9")
    assert check.number("9.1", ..., lo=0, hi=1) == "not_attempted"
    assert check.number("9.2", 0.3, lo=0, hi=1) == "checked"
    assert check.number("9.3", np.int64(7), lo=0, integer=True) == "checked"
    for bad in (1.5, -0.1, float("nan"), True, "0.5", [0.5], None):
        with pytest.raises(
            ExerciseError, match=r"\[练习 9.4\] 错误 wrong: 应为数值 \(number\).*；你的答案是 .*。提示 hint: 一个比例$"
        ):
            check.number("9.4", bad, lo=0, hi=1, hint="一个比例")
    with pytest.raises(ExerciseError, match=r"应为整数 \(integer\)；你的答案是 2.5$"):
        check.number("9.4", 2.5, integer=True)
    assert check.choice("9.5", " c ") == "checked"
    assert check.choice("9.6", {"a", "C"}, multiple=True) == "checked"
    assert check.choice("9.6", "A, C", multiple=True) == "checked"
    for bad in ("E", "AB", "", 1, None):
        with pytest.raises(ExerciseError, match="应为 A/B/C/D 中的一个字母"):
            check.choice("9.7", bad)
    with pytest.raises(ExerciseError, match="应为 A/B/C 中的一个字母"):
        check.choice("9.7", "D", options="ABC")
    with pytest.raises(ExerciseError, match="应为 A/B/C/D 中的一个或多个字母"):
        check.choice("9.7", "AE", multiple=True)
    assert check.text("9.8", " 高价值 ", options=["高价值", "低价值"]) == "checked"
    with pytest.raises(ExerciseError, match="应为以下标签之一 \\(label\\)：高价值 / 低价值；你的答案是 'x'"):
        check.text("9.8", "x", options=["高价值", "低价值"])
    assert check.predicate("9.9", [1, 2], test=lambda a: len(a) == 2) == "checked"
    with pytest.raises(ExerciseError, match=r"检查答案时出错 \(ZeroDivisionError"):
        check.predicate("9.9", 0, test=lambda a: 1 / a > 0)
    with pytest.raises(ExerciseError, match="答案不具备要求的性质 \\(required property\\)。提示 hint: 两个客户编号$"):
        check.predicate("9.9", [1], test=lambda a: len(a) == 2, hint="两个客户编号")
    out = capsys.readouterr().out
    assert "[练习 9.1] 未作答 not attempted: 把 ... 换成你的答案，再运行本单元格" in out
    assert "[练习 9.2] 格式正确 well-formed: 0 ≤ x ≤ 1 (隐藏测试评分 hidden tests grade it)" in out
    assert "[练习 9.3] 格式正确 well-formed: 整数 (integer)，0 ≤ x (隐藏测试评分 hidden tests grade it)" in out
    assert "正确 correct" not in out.replace("格式正确", ""), "a visible check never says an answer is right"


def _detail(message: str, label: str) -> str:
    assert label in message, message
    return message.split(label, 1)[1]


def test_messages_a_student_reads_are_chinese_first():
    """Every sentence after a status label starts in Chinese; English only as a bracketed gloss or a quote."""
    import re

    cjk = re.compile(r"[\u4e00-\u9fff]")
    check = Checker("9")
    visible = [
        lambda: check.number("9.1", "x" * 500, lo=0, hi=1, hint="一个比例"),
        lambda: check.number("9.1", 7, lo=0, hi=1),
        lambda: check.number("9.1", float("inf")),
        lambda: check.number("9.1", 2.5, integer=True),
        lambda: check.choice("9.2", "Z"),
        lambda: check.choice("9.2", "Z", multiple=True),
        lambda: check.text("9.3", "x", options=["高价值", "低价值"]),
        lambda: check.predicate("9.4", 0, test=lambda a: 1 / a > 0),
        lambda: check.predicate("9.4", 0, test=lambda a: a > 0),
    ]
    for run in visible:
        with pytest.raises(ExerciseError) as info:
            run()
        detail = _detail(str(info.value), "错误 wrong: ")
        assert cjk.match(detail), detail
        assert len(detail) < 140, "a long answer is quoted capped"
    hidden = [
        lambda: assert_close("0.5", 0.5),
        lambda: assert_close(0.9, 0.5),
        lambda: assert_close(None, 0.5),
        lambda: assert_choice("A", "B"),
        lambda: assert_choice(2, "B"),
        lambda: assert_equal(3.5, 3),
        lambda: assert_equal("3", 3),
        lambda: assert_equal([1], "a"),
        lambda: assert_equal(1, True),
        lambda: assert_equal("a", frozenset({"a"})),
        lambda: assert_equal("x", "y"),
    ]
    for run in hidden:
        with pytest.raises(WrongAnswer) as info:
            run()
        assert cjk.match(_detail(str(info.value), "错误 wrong: ")), str(info.value)
    with pytest.raises(WrongAnswer) as info:
        assert_equal(..., 3)
    assert cjk.match(_detail(str(info.value), "未作答 not attempted: "))
    check.number("9.5", ...)
    summary = check.summary()
    assert (
        summary.startswith("第9章 chapter 9: 0 题格式正确") and "1 题未作答" in summary and summary.endswith("4 题错误")
    )  # ids 9.1-9.4
    assert "未作答 not attempted" not in summary, "grading reads that label in a check cell's output"


def test_visible_checks_take_no_expected_keyword():
    """No visible check can receive the answer: nothing in a student version may reveal it."""
    import inspect

    for name in ("number", "choice", "text", "predicate"):
        assert "expected" not in inspect.signature(getattr(Checker, name)).parameters
    assert not hasattr(Checker, "equal")
    with pytest.raises(TypeError):
        Checker("1").number("1.1", 0.5, expected=0.5)


class _LiesEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__

    def __float__(self):
        return -1.0


class _LyingFloat(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__

    def __le__(self, other):
        return True

    def __ge__(self, other):
        return True

    def __sub__(self, other):
        return 0.0

    def __rsub__(self, other):
        return 0.0

    def __abs__(self):
        return 0.0


class _LyingStr(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__

    def strip(self, *args):
        return "B"

    def upper(self):
        return "B"


class _LyingInt(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


@pytest.mark.parametrize("answer", [..., _LiesEqual(), _LyingFloat(9.0), "0.5x", None, [0.5], True, float("nan")])
def test_assert_close_refuses_cheats_and_non_answers(answer):
    with pytest.raises(AssertionError) as info:
        assert_close(answer, 0.5)
    assert "0.5" not in str(info.value), "the message must not quote the truth"


def test_assert_close_accepts_numbers_of_any_kind():
    assert_close(0.504, 0.5)
    assert_close(np.float32(0.5), 0.5)
    assert_close(_LyingFloat(0.5), 0.5)  # a subclass with the right value is the right value
    assert_close(10.5, 10, atol=0.6, rtol=0)
    with pytest.raises(WrongAnswer):
        assert_close(10.7, 10, atol=0.6, rtol=0)


@pytest.mark.parametrize("answer", [..., _LyingStr("A"), _LiesEqual(), "AB", ["B", "C"], 2, None, ""])
def test_assert_choice_refuses_cheats(answer):
    with pytest.raises(AssertionError) as info:
        assert_choice(answer, "B")
    assert "'B'" not in str(info.value) and " B" not in str(info.value)


def test_assert_choice_ignores_case_order_and_separators():
    assert_choice("b", "B")
    assert_choice("c, a", {"A", "C"})
    assert_choice({"c", "a"}, "AC")
    assert_choice(_LyingStr("b"), "B")  # str.__str__ reads the real characters
    with pytest.raises(TypeError):
        assert_choice("A", 1)


@pytest.mark.parametrize(
    "answer, truth",
    [
        (..., "重点改进"),
        (_LyingStr("x"), "重点改进"),
        (_LiesEqual(), "重点改进"),
        (_LiesEqual(), 3),
        (_LyingInt(4), 3),
        (3.5, 3),
        ("3", 3),
        (True, 1),
        (None, 3),
        ({"a", "b"}, frozenset({"a"})),
        ([_LiesEqual()], frozenset({"a"})),
        ("a", frozenset({"a"})),
        (_LiesEqual(), True),
        (1, True),
        ("True", True),
    ],
)
def test_assert_equal_refuses_cheats(answer, truth):
    with pytest.raises(AssertionError) as info:
        assert_equal(answer, truth)
    message = str(info.value)
    assert "重点改进" not in message and "{'a'}" not in message


def test_assert_equal_coerces_to_the_truths_type():
    assert_equal(" 重点改进 ", "重点改进")
    assert_equal(np.str_("x"), "x")
    assert_equal(np.int64(3), 3)
    assert_equal(3.0, 3)
    assert_equal(_LyingInt(3), 3)
    assert_equal([2, 1, 2], frozenset({1, 2}))
    assert_equal(("a", "b"), ["a", "b"])
    assert_equal(np.bool_(True), True)
    assert_equal(2.5, 2.5)
    with pytest.raises(TypeError, match="unsupported truth type"):
        assert_equal(1, object())


def _nbgrader_notebook() -> nbformat.NotebookNode:
    def cell(kind, source, **meta):
        c = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        c.metadata["nbgrader"] = {"schema_version": 3, **meta}
        c.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x\n")] if kind == "code" else None
        if kind != "code":
            del c["outputs"]
        return c

    return nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("from crm_lessons.exercises import Checker\ncheck = Checker('1')"),
            cell("md", "question", locked=True, grade=False, solution=False, grade_id="q_1_1"),
            cell(
                "code",
                "answer_1_1 = ...  # 在这里作答 your answer here\n    ### BEGIN SOLUTION\nanswer_1_1 = 42\n"
                "### END SOLUTION\nprint('after')",
                solution=True,
                grade=False,
                locked=False,
                grade_id="ans_1_1",
            ),
            cell(
                "code",
                "check.number('1.1', answer_1_1, lo=0)\n### BEGIN HIDDEN TESTS\nassert answer_1_1 == 42\n"
                "### END HIDDEN TESTS",
                grade=True,
                solution=False,
                locked=True,
                points=1,
                grade_id="test_1_1",
            ),
            cell(
                "md",
                "**参考答案 Model answer** secret",
                grade=True,
                solution=True,
                locked=False,
                points=2,
                grade_id="exam_1_1",
            ),
        ]
    )


def test_student_version_of_an_nbgrader_notebook(tmp_path):
    src = tmp_path / "chapter.ipynb"
    nbformat.write(_nbgrader_notebook(), src)
    before = src.read_bytes()
    student = nbformat.read(make_student_version(src, tmp_path / "student.ipynb"), as_version=4)
    assert src.read_bytes() == before, "the source notebook must not change"
    with pytest.raises(ValueError, match="refusing to overwrite"):
        make_student_version(src, src)
    sources = [c.source for c in student.cells]
    assert sources[2] == "answer_1_1 = ...  # 在这里作答 your answer here\n    " + CODE_STUB + "\nprint('after')"
    assert sources[3] == "check.number('1.1', answer_1_1, lo=0)"
    assert sources[4] == TEXT_STUB
    text = "\n".join(c.source for c in student.cells)  # (cell ids are random: compare sources)
    assert "42" not in text and "secret" not in text and "HIDDEN" not in text
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None for c in student.cells)
    assert student.cells[3].metadata["editable"] is False and student.cells[2].metadata["deletable"] is False
    with pytest.raises(ValueError, match="without"):
        release_cell_source(
            {"cell_type": "code", "source": "### BEGIN SOLUTION\nx = 1", "metadata": {"nbgrader": {"solution": True}}}
        )


def test_student_command(tmp_path, capsys):
    src = tmp_path / "chapter.ipynb"
    nbformat.write(_nbgrader_notebook(), src)
    assert exercises_main(["student", str(src), str(tmp_path / "out.ipynb")]) == 0
    assert "wrote" in capsys.readouterr().out
    assert is_nbgrader_notebook(nbformat.read(tmp_path / "out.ipynb", as_version=4))


# -- what the chapters' check cells say to a student --------------------------------

_CODE_LIKE = [
    r"'[^']*'",  # a quoted value: '标准化', 'ABCDE'
    r"[A-Za-z_][\w.]*\([^)]*\)",  # a call: sv.fit_bass(...), P(alive)
    r"[\w.@]*[_.@][\w.@]*",  # an identifier: total_spend, precision@k, sv.x
    r"\b[A-Z]{2,}\b",  # an acronym: NPS, AHT
]


def _chinese_first(text: str) -> bool:
    """Whether the first word of ``text`` that is not code, a quoted value or an acronym is Chinese."""
    import re

    for pattern in _CODE_LIKE:
        text = re.sub(pattern, " ", text)
    first = re.search(r"[A-Za-z]{2,}|[\u4e00-\u9fff]", text)
    return first is not None and not first.group(0).isascii()


def test_chinese_first_rule():
    for text in (
        "一个字母 one letter",
        "sv.fit_bass(...) 的结果里有 peak_time",
        "NPS 以“点”为单位 in points",
        "precision@k = 找回的商品数 ÷ k",
        "total_spend 不能改变",
        "填 'A' 或 'B'",
    ):
        assert _chinese_first(text), text
    for text in ("a share of spend, between 0.2 and 1", "additional sales in 万元", "keep every row", "42"):
        assert not _chinese_first(text), text


def _student_facing_strings(source: str):
    """``hint=`` arguments and plain ``assert`` messages in a cell (f-strings: their literal parts)."""
    import ast

    def text(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(v.value if isinstance(v, ast.Constant) else " " for v in node.values)
        return None

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg == "hint" and text(node.value) is not None:
            yield text(node.value)
        elif isinstance(node, ast.Assert) and node.msg is not None and text(node.msg) is not None:
            yield text(node.msg)


_CHAPTERS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", _CHAPTERS, ids=[p.stem for p in _CHAPTERS])
def test_chapter_hints_and_hidden_messages_are_chinese(path):
    """The project's rule: sentences a notebook prints for the reader are Chinese (English terms in brackets)."""
    nb = nbformat.read(path, as_version=4)
    found = [
        (c.metadata["nbgrader"].get("grade_id"), s)
        for c in nb.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
        for s in _student_facing_strings(c.source)
    ]
    assert found, "a chapter's check cells give hints"
    english = [(gid, s) for gid, s in found if not _chinese_first(s)]
    assert not english, f"hints or hidden-test messages not in Chinese: {english}"
