"""The exercise checker, the student-version generator and the grader."""

from __future__ import annotations

import nbformat
import pytest

from crm_lessons.exercises import Checker, ExerciseError, grade_notebook, make_student_version, student_source


def test_checker_statuses(capsys):
    check = Checker("9")
    assert check.number("9.1", ..., expected=1.0) == "not_attempted"
    assert check.number("9.2", 1.004, expected=1.0, rtol=0.01) == "correct"
    with pytest.raises(ExerciseError, match=r"\[练习 9.3\] 错误 wrong: got 2. Hint: think again"):
        check.number("9.3", 2, expected=1.0, hint="think again")
    with pytest.raises(ExerciseError, match="expected a number"):
        check.number("9.4", "abc", expected=1.0)
    assert check.choice("9.5", "b", expected="B") == "correct"
    assert check.choice("9.6", {"a", "c"}, expected={"A", "C"}) == "correct"
    assert check.equal("9.7", {1, 2}, expected={2, 1}) == "correct"
    with pytest.raises(ExerciseError, match="ZeroDivisionError"):
        check.predicate("9.8", 0, test=lambda a: 1 / a > 0)
    out = capsys.readouterr().out
    assert "[练习 9.1] 未作答 not attempted" in out and "[练习 9.2] 正确 correct" in out
    assert check.results == {"9.1": "not_attempted", "9.2": "correct", "9.3": "wrong", "9.4": "wrong",
                             "9.5": "correct", "9.6": "correct", "9.7": "correct", "9.8": "wrong"}
    assert check.summary() == "第9章 chapter 9: 4 correct, 1 not attempted, 3 wrong"


def test_student_source_keeps_indentation_and_several_answers():
    src = "if True:\n    ### BEGIN SOLUTION\n    answer_a = 1\n    answer_b = answer_a + 1\n    ### END SOLUTION\nz = 3"
    assert student_source(src) == ("if True:\n    answer_a = ...  # 在这里作答 your answer here\n"
                                   "    answer_b = ...  # 在这里作答 your answer here\nz = 3")
    with pytest.raises(ValueError, match="without"):
        student_source("### BEGIN SOLUTION\nanswer = 1")
    with pytest.raises(ValueError, match="assigns no variable named answer"):
        student_source("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")


def _tiny_notebook(answer_1: str, answer_2: str) -> nbformat.NotebookNode:
    cells = [
        nbformat.v4.new_code_cell("from crm_lessons.exercises import Checker\ncheck = Checker('1')"),
        nbformat.v4.new_code_cell(f"### BEGIN SOLUTION\nanswer_1_1 = {answer_1}\n### END SOLUTION"),
        nbformat.v4.new_code_cell("check.number('1.1', answer_1_1, expected=6 * 7, hint='multiply')"),
        nbformat.v4.new_code_cell(f"### BEGIN SOLUTION\nanswer_1_2 = {answer_2}\n### END SOLUTION"),
        nbformat.v4.new_code_cell("check.choice('1.2', answer_1_2, expected='C')"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.mark.notebook
def test_student_version_and_grading(tmp_path):
    src = tmp_path / "chapter.ipynb"
    nbformat.write(_tiny_notebook("6 * 7", "'C'"), src)
    before = src.read_bytes()
    student = make_student_version(src, tmp_path / "student.ipynb")
    assert src.read_bytes() == before, "the source notebook must not change"
    with pytest.raises(ValueError, match="refusing to overwrite"):
        make_student_version(src, src)
    grades = grade_notebook(student)
    assert grades.set_index("exercise")["status"].to_dict() == {"1.1": "not_attempted", "1.2": "not_attempted"}

    graded_src = grade_notebook(src)
    assert graded_src["status"].tolist() == ["correct", "correct"]

    wrong = tmp_path / "wrong.ipynb"
    nbformat.write(_tiny_notebook("41", "'C'"), wrong)
    before = wrong.read_bytes()
    graded = grade_notebook(wrong).set_index("exercise")
    assert graded.loc["1.1", "status"] == "wrong" and "multiply" in graded.loc["1.1", "message"]
    assert graded.loc["1.2", "status"] == "correct", "one wrong answer must not hide the others"
    assert wrong.read_bytes() == before, "grading must not modify the submission"
