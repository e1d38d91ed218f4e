"""The nbgrader workflow (``crm-lessons assign`` / ``crm-lessons grade``) on two tiny chapters, and the hostile suite.

Every cheat listed in issue 15 is tried by a submission in ONE grading batch:
none may raise a score, and the batch must give every submission its rows.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader", reason="the grading extra (nbgrader) is part of the test extra")

from grading_helpers import cell as _cell  # noqa: E402

from crm_lessons.cli import main as cli_main  # noqa: E402
from crm_lessons.grading import GRADE_STATUSES, assign_course, grade_course  # noqa: E402
from crm_lessons.grading._sandbox import sandbox_problem  # noqa: E402
from crm_lessons.grading.assign import GradingError  # noqa: E402
from crm_lessons.grading.grade import COLUMNS, neutralise  # noqa: E402
from crm_lessons.runner.release import make_student_version  # noqa: E402

pytestmark = pytest.mark.notebook


def _exercise(ch: int, n: int, solution: str, test: str, points: int) -> list:
    return [
        _cell("md", f"**练习 {ch}.{n}** question", locked=True, grade=False, solution=False, grade_id=f"q_{ch}_{n}"),
        _cell(
            "code",
            f"answer_{ch}_{n} = ...  # 在这里作答 your answer here\n### BEGIN SOLUTION\n"
            f"answer_{ch}_{n} = {solution}\n### END SOLUTION",
            solution=True,
            grade=False,
            locked=False,
            grade_id=f"ans_{ch}_{n}",
        ),
        _cell("code", test, grade=True, solution=False, locked=True, points=points, grade_id=f"test_{ch}_{n}"),
    ]


def tiny_chapter(ch: int) -> nbformat.NotebookNode:
    """A chapter in the nbgrader format: a number, a choice, a label, a set, and a written exam answer."""
    cells = [
        _cell("md", f"# 第{ch}章 测试 · Test chapter\n\n**学习目标 Learning goals**: test the grader."),
        _cell("code", f"from crm_lessons.exercises import Checker\ncheck = Checker('{ch}')"),
        *_exercise(
            ch,
            1,
            f"6 * {ch + 6}",
            f"check.number('{ch}.1', answer_{ch}_1, lo=0, integer=True, hint='multiply')\n"
            "### BEGIN HIDDEN TESTS\nfrom crm_lessons.exercises import assert_close\n"
            f"assert_close(answer_{ch}_1, 6 * {ch + 6})\n### END HIDDEN TESTS",
            2,
        ),
        *_exercise(
            ch,
            2,
            "'C'",
            f"check.choice('{ch}.2', answer_{ch}_2)\n### BEGIN HIDDEN TESTS\n"
            "from crm_lessons.exercises import assert_choice\n"
            f"assert_choice(answer_{ch}_2, 'ABCD'[2])\n### END HIDDEN TESTS",
            1,
        ),
        *_exercise(
            ch,
            3,
            "'高价值'",
            f"check.text('{ch}.3', answer_{ch}_3, options=['高价值', '低价值'])\n"
            "### BEGIN HIDDEN TESTS\nfrom crm_lessons.exercises import assert_equal\n"
            f"assert_equal(answer_{ch}_3, '高' + '价值')\n### END HIDDEN TESTS",
            1,
        ),
        *_exercise(
            ch,
            4,
            "{3, 1}",
            f"check.predicate('{ch}.4', answer_{ch}_4, test=lambda a: len(a) == 2)\n"
            "### BEGIN HIDDEN TESTS\nfrom crm_lessons.exercises import assert_equal\n"
            f"assert_equal(answer_{ch}_4, frozenset(range(1, 4, 2)))\n### END HIDDEN TESTS",
            1,
        ),
        # a worked example with the tests' scaffolding, and a sentence true only of the instructor edition
        _cell("code", "# NBVAL_CHECK_OUTPUT\nworked = 6 * 7\nassert worked == 42  # CI's check\nprint(worked)"),
        _cell(
            "md", "## 考试练习 Exam practice\n\n名词解释和问答题。先自己写，再对照参考答案（学生版中没有参考答案）。"
        ),
        _cell(
            "md", "**考试练习** 什么是关系营销？", locked=True, grade=False, solution=False, grade_id=f"q_exam_{ch}_1"
        ),
        _cell(
            "md",
            "**参考答案 Model answer** 关系营销……",
            grade=True,
            solution=True,
            locked=False,
            points=3,
            grade_id=f"exam_{ch}_1",
        ),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


TOTAL_AUTO = 5  # autograded points of a tiny chapter (2 + 1 + 1 + 1)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    notebooks = tmp_path_factory.mktemp("notebooks")
    for ch, name in ((1, "01_tiny.ipynb"), (2, "02_tiny.ipynb")):
        nbformat.write(tiny_chapter(ch), notebooks / name)
    out = tmp_path_factory.mktemp("course") / "course"
    released = assign_course(out, notebooks=notebooks, log=lambda line: None)
    assert set(released) == {"ch01", "ch02"}
    return out


def _release(course: Path, cid: str = "ch01") -> nbformat.NotebookNode:
    return nbformat.read(next((course / "release" / cid).glob("*.ipynb")), as_version=4)


def _source(course: Path, cid: str = "ch01") -> nbformat.NotebookNode:
    return nbformat.read(next((course / "source" / cid).glob("*.ipynb")), as_version=4)


def _set_answers(nb, code: dict[int, str], ch: int = 1):
    """Replace answer cells (by exercise number) with the given code."""
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        for n, src in code.items():
            if gid == f"ans_{ch}_{n}":
                cell.source = src
    return nb


WRONG = {1: "answer_1_1 = 41", 2: "answer_1_2 = 'A'", 3: "answer_1_3 = '低价值'", 4: "answer_1_4 = {1, 2}"}


def _hostile(course: Path, lms: Path, csv_path: Path) -> dict[str, bytes | nbformat.NotebookNode]:
    """Every cheat of issue 15, one LMS submission each (student id = key)."""
    subs: dict[str, bytes | nbformat.NotebookNode] = {}
    # printing the checker's success lines, forged stored outputs, an empty code cell carrying a forged output
    nb = _set_answers(_release(course), {n: w + f"\nprint('[练习 1.{n}] 正确 correct')" for n, w in WRONG.items()})
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = 1
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text="[练习 1.1] 正确 correct\n"),
                nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=1),
            ]
    forged = nbformat.v4.new_code_cell(
        "",
        execution_count=2,
        outputs=[nbformat.v4.new_output("stream", name="stdout", text="[练习 1.2] 正确 correct\n")],
    )
    nb.cells.append(forged)
    subs["cheat_print_forge"] = nb
    # editing the test cells: a check against the student's own answer, or nothing at all
    nb = _set_answers(_release(course), WRONG)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            cell.source = "check.equal('1.1', answer_1_1, expected=answer_1_1)\npass"
    subs["cheat_edit_tests"] = nb
    # deleting the test cells
    nb = _set_answers(_release(course), WRONG)
    nb.cells = [c for c in nb.cells if not (c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code")]
    subs["cheat_delete_tests"] = nb
    # redefining the names the tests use
    nb = _set_answers(
        _release(course),
        {
            **WRONG,
            1: WRONG[1]
            + (
                "\nclass Checker:\n    def __init__(self, *a): pass\n    def __getattr__(self, name): return lambda *a, **k: 'correct'"
                "\ncheck = Checker()\nassert_close = assert_choice = assert_equal = lambda *a, **k: None"
                "\nimport builtins\nbuiltins.assert_close = assert_close"
            ),
        },
    )
    subs["cheat_redefine"] = nb
    # objects whose __eq__ lies (and a float/str subclass holding a wrong value)
    nb = _set_answers(
        _release(course),
        {
            1: "class Liar(float):\n    def __eq__(self, o): return True\n    def __abs__(self): return 0.0\n"
            "    def __sub__(self, o): return Liar(0)\n    __rsub__ = __sub__\n    __hash__ = float.__hash__\n"
            "answer_1_1 = Liar(41)",
            2: "class S(str):\n    def __eq__(self, o): return True\n    def upper(self): return self\n"
            "    __hash__ = str.__hash__\nanswer_1_2 = S('A')",
            3: "class Any:\n    def __eq__(self, o): return True\n    def __str__(self): return '低价值'\nanswer_1_3 = Any()",
            4: "class Set(frozenset):\n    def __eq__(self, o): return True\n    __hash__ = frozenset.__hash__\n"
            "answer_1_4 = Set({1, 2})",
        },
    )
    subs["cheat_lying_eq"] = nb
    # hiding the failure from nbgrader inside the kernel: no traceback shown, a "partial credit" result injected
    nb = _set_answers(
        _release(course),
        {
            **WRONG,
            1: WRONG[1]
            + (
                "\nip = get_ipython()\nip.showtraceback = lambda *a, **k: None"
                "\nip.events.register('pre_run_cell', lambda *a: ip.displayhook(2))"
            ),
        },
    )
    subs["cheat_kernel_hooks"] = nb
    # a dead kernel and an endless loop (the batch's timeout is short)
    subs["exit_kernel"] = _set_answers(_release(course), {1: "import os\nos._exit(0)"})
    subs["endless_loop"] = _set_answers(_release(course), {1: "while True:\n    pass", 2: "answer_1_2 = 'C'"})
    # not notebooks
    subs["not_json"] = b"print('hello')\n"
    subs["json_not_notebook"] = json.dumps({"answer": 42}).encode()
    subs["empty_file"] = b""
    # an extra graded cell worth 100 points
    nb = _set_answers(_release(course), WRONG)
    nb.cells.append(_cell("code", "pass", grade=True, solution=False, locked=True, points=100, grade_id="test_bonus"))
    subs["cheat_extra_cell"] = nb
    # the solved notebook of chapter 2, renamed as if it were chapter 1
    subs["other_chapter"] = _source(course, "ch02")
    # overwriting a classmate's notebook, the gradebook and the CSV: by nbgrader's relative layout, and by the
    # absolute paths (as a student who read them from /proc would)
    targets = [
        str(course / "submitted" / "zoe_honest" / "ch01" / "01_tiny.ipynb"),
        str(course / "gradebook.db"),
        str(lms / "zoe_honest" / "01.ipynb"),
        str(csv_path),
        str(course / "source" / "ch01" / "01_tiny.ipynb"),
    ]
    nb = _source(course)
    nb.cells.insert(
        2,
        nbformat.v4.new_code_cell(
            "import pathlib\n"
            "for up in range(1, 5):  # up to the grader's temporary folder, which the test keeps inside its own tmp\n"
            "    base = pathlib.Path('/'.join(['..'] * up))\n"
            "    for t in [*base.glob('submitted/*/*/*.ipynb'), *base.glob('*/*.ipynb'), base / 'gradebook.db',\n"
            "              base / 'grades.csv']:\n"
            "        try:\n            t.write_text('overwritten')\n        except OSError:\n            pass\n"
            f"for t in {targets!r}:\n"
            "    try:\n        pathlib.Path(t).write_text('overwritten')\n    except OSError:\n        pass\n"
            "pathlib.Path("
            + repr(str(course / "submitted" / "zz_fake" / "ch01" / "01_tiny.ipynb"))
            + ").parent.mkdir(parents=True)\n"
            "pathlib.Path("
            + repr(str(course / "submitted" / "zz_fake" / "ch01" / "01_tiny.ipynb"))
            + ").write_text('{}')"
        ),
    )
    subs["aaron_overwriter"] = nb
    # not a cheat: answers 1.1 right only in a kernel that got CurveZMQ keys, as crm_lessons.runner.kernel's manager provisions
    subs["kernel_probe"] = _set_answers(
        _release(course),
        {
            1: (
                "from ipykernel.kernelapp import IPKernelApp\n"
                "answer_1_1 = 42 if getattr(IPKernelApp.instance(), 'curve_secretkey', None) else 41"
            )
        },
    )
    subs["zoe_honest"] = _source(course)
    subs["untouched"] = _release(course)
    return subs


def _read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM so that Excel opens it"
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


@pytest.fixture(scope="module")
def hostile_batch(course: Path, tmp_path_factory) -> tuple[Path, list[dict[str, str]], Path]:
    lms = tmp_path_factory.mktemp("lms")
    out = tmp_path_factory.mktemp("out") / "grades.csv"
    for student, content in _hostile(course, lms, out).items():
        (lms / student).mkdir()
        path = lms / student / ("01.ipynb" if student != "other_chapter" else "01_tiny.ipynb")
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            nbformat.write(content, path)
    before = {p: p.read_bytes() for p in lms.rglob("*.ipynb")}
    # the grader's per-submission copies go to the test's own folder: the overwriter's relative walk stays there
    saved, tempfile.tempdir = tempfile.tempdir, str(tmp_path_factory.mktemp("work"))
    try:
        sandbox = [] if sandbox_problem() is None else ["--no-sandbox"]  # the guard then does the work
        code = cli_main(
            ["grade", "--course", str(course), "--timeout", "5", "--jobs", "2", "--csv", str(out), str(lms), *sandbox]
        )
    finally:
        tempfile.tempdir = saved
    assert code == 0
    assert {p: p.read_bytes() for p in lms.rglob("*.ipynb")} == before, "grading never modifies a submission"
    return out, _read_csv(out), lms


def _points(rows, student, chapter="ch01") -> float:
    return sum(float(r["points"] or 0) for r in rows if r["student"] == student and r["chapter"] == chapter)


def _statuses(rows, student, chapter="ch01") -> dict[str, str]:
    return {r["exercise"]: r["status"] for r in rows if r["student"] == student and r["chapter"] == chapter}


CHEATS = [
    "cheat_print_forge",
    "cheat_edit_tests",
    "cheat_delete_tests",
    "cheat_redefine",
    "cheat_lying_eq",
    "cheat_kernel_hooks",
    "cheat_extra_cell",
]


@pytest.mark.parametrize("student", CHEATS)
def test_no_cheat_raises_a_score(hostile_batch, student):
    _, rows, _ = hostile_batch
    statuses = _statuses(rows, student)
    assert list(statuses) == ["test_1_1", "test_1_2", "test_1_3", "test_1_4", "exam_1_1"], (
        "every exercise has its row, even when the submission deleted its test cells"
    )
    assert _points(rows, student) == 0, statuses
    assert all(s in ("wrong", "error", "not_attempted") for s in statuses.values()), statuses


def test_honest_and_untouched_submissions(hostile_batch):
    _, rows, _ = hostile_batch
    assert _points(rows, "zoe_honest") == TOTAL_AUTO
    assert _statuses(rows, "zoe_honest") == {
        "test_1_1": "correct",
        "test_1_2": "correct",
        "test_1_3": "correct",
        "test_1_4": "correct",
        "exam_1_1": "needs_manual_grade",
    }
    exam = [r for r in rows if r["student"] == "zoe_honest" and r["exercise"] == "exam_1_1"][0]
    assert exam["points"] == "" and exam["max_points"] == "3", "manually graded: points empty until graded"
    assert _points(rows, "untouched") == 0
    assert set(_statuses(rows, "untouched").values()) == {"not_attempted"}


def test_a_classmate_cannot_overwrite_others(hostile_batch, course):
    out, rows, lms = hostile_batch
    assert _points(rows, "zoe_honest") == TOTAL_AUTO, "the overwriter ran first and must not change zoe's grade"
    if sandbox_problem() is None:  # sealed off: its writes fail, it is graded on its answers (the solved notebook)
        assert {r["sandboxed"] for r in rows if r["student"] == "aaron_overwriter"} == {"yes"}
    else:  # without the sandbox the guard puts every file back and marks the submission
        assert set(_statuses(rows, "aaron_overwriter").values()) == {"error"}, "tampering is reported"
        assert _points(rows, "aaron_overwriter") == 0
    assert "zz_fake" not in {r["student"] for r in rows}, "files a kernel adds to submitted/ are removed"
    assert not (course / "submitted" / "zz_fake" / "ch01" / "01_tiny.ipynb").exists()
    zoe = nbformat.read(course / "submitted" / "zoe_honest" / "ch01" / "01_tiny.ipynb", as_version=4)
    assert "BEGIN SOLUTION" in "".join(c.source for c in zoe.cells), "zoe's collected notebook is restored"
    assert "BEGIN HIDDEN TESTS" in (course / "source" / "ch01" / "01_tiny.ipynb").read_text(encoding="utf-8")
    assert out.read_bytes().startswith(b"\xef\xbb\xbfstudent,"), "the CSV is written by the grader, after every run"
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_submission("ch01", "zoe_honest").score == TOTAL_AUTO, "the course gradebook is intact"


def test_dead_kernel_and_endless_loop_do_not_stop_the_batch(hostile_batch):
    _, rows, _ = hostile_batch
    assert set(_statuses(rows, "exit_kernel").values()) <= {"error", "not_attempted"}
    assert _statuses(rows, "exit_kernel")["test_1_1"] == "error"
    loop = _statuses(rows, "endless_loop")
    assert loop["test_1_2"] == "correct", "cells after the interrupted loop are graded"
    assert loop["test_1_1"] in ("error", "not_attempted")
    assert _points(rows, "endless_loop") == 1


def test_kernels_are_started_by_the_notebook_kernel_manager(hostile_batch):
    """Grading kernels come from ``crm_lessons.runner.kernel.NotebookKernelManager``, whose clients miss no reply.

    Its CurveZMQ keys are what a submission's kernel can see of it (tests/test_notebook_kernel.py checks
    its client); nbgrader's own manager starts kernels without them.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    from crm_lessons.runner.kernel import CURVE

    spec = KernelSpecManager().get_kernel_spec("python3").metadata.get("supported_encryption") or []
    if not (CURVE and "curve" in spec):
        pytest.skip("no CurveZMQ here: pyzmq, jupyter_client or the python3 kernelspec lacks it")
    _, rows, _ = hostile_batch
    assert _statuses(rows, "kernel_probe")["test_1_1"] == "correct", _statuses(rows, "kernel_probe")


@pytest.mark.parametrize("student", ["not_json", "json_not_notebook", "empty_file"])
def test_files_that_are_not_notebooks_are_reported(hostile_batch, student):
    _, rows, _ = hostile_batch
    mine = [r for r in rows if r["student"] == student]
    assert any(r["status"] == "invalid_submission" and r["exercise"] == "01.ipynb" for r in mine)
    assert {r["status"] for r in mine if r["chapter"] == "ch01"} == {"missing"}


def test_a_renamed_notebook_counts_for_its_own_chapter(hostile_batch):
    _, rows, _ = hostile_batch
    assert set(_statuses(rows, "other_chapter", "ch01").values()) == {"missing"}
    assert _points(rows, "other_chapter", "ch02") == TOTAL_AUTO, "matched by its content: it is chapter 2's work"


def test_every_student_has_rows_for_every_chapter(hostile_batch):
    _, rows, lms = hostile_batch
    students = {p.name for p in lms.iterdir()}
    for student in students:
        assert {r["chapter"] for r in rows if r["student"] == student} >= {"ch01", "ch02"}
    assert {r["status"] for r in rows} <= set(GRADE_STATUSES)
    assert list(rows[0]) == COLUMNS
    assert COLUMNS[:6] == ["student", "chapter", "exercise", "points", "max_points", "status"]


def test_totals_file_and_feedback(hostile_batch, course):
    out, rows, _ = hostile_batch
    totals = {r["student"]: r for r in _read_csv(out.with_name("grades_totals.csv"))}
    assert float(totals["zoe_honest"]["points"]) == TOTAL_AUTO
    assert float(totals["zoe_honest"]["max_points"]) == 2 * (TOTAL_AUTO + 3)
    assert totals["zoe_honest"]["needs_manual_grade"] == "1"
    assert "points" not in {r["exercise"] for r in rows}, "totals are not mixed into the per-exercise rows"
    feedback = course / "feedback" / "zoe_honest" / "ch01" / "01_tiny.html"
    assert feedback.is_file() and "test_1_1" in feedback.read_text(encoding="utf-8")


@pytest.mark.parametrize("student", ["zoe_honest", "untouched", "cheat_print_forge", "cheat_lying_eq", "endless_loop"])
def test_feedback_teaches_without_the_key(hostile_batch, course, student):
    """Issue 26.2: points, result and a message per exercise; the hidden tests stay in autograded/ (instructor)."""
    import html
    import re

    page = (course / "feedback" / student / "ch01" / "01_tiny.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    for hidden in ("HIDDEN TESTS", "assert_close", "assert_choice", "assert_equal", "'ABCD'[2]", "'高' +", "(1, 4, 2)"):
        assert hidden not in text, hidden
    assert "得分 Score" in text and "练习 Exercise" in text and "Student's answer" not in text, (
        "our page, Chinese first"
    )
    assert page.count("@font-face") == 1, "the course font, embedded once"
    assert not re.search(r"https?://cdn|<script[^>]+src=", page), "opens offline"
    statuses = _statuses(_read_csv(hostile_batch[0]), student)
    reasons = {r["exercise"]: r["reason"] for r in _read_csv(hostile_batch[0]) if r["student"] == student}
    for exercise, status in statuses.items():  # the page says what the CSV says (a limit's 'error' is the CSV's)
        if reasons[exercise]:
            continue
        label = exercise.replace("test_", "练习 ").replace("exam_", "考试练习 ").replace("_", ".", 1).replace("_", ".")
        assert re.search(
            rf"{re.escape(label)} [—0-9.]+ / [0-9.]+ [\u4e00-\u9fff]+ {status.replace('_', ' ')}", text
        ) or (status == "needs_manual_grade" and "待人工评分" in text), (exercise, status)
    instructor = (course / "autograded" / student / "ch01" / "01_tiny.ipynb").read_text(encoding="utf-8")
    assert "BEGIN HIDDEN TESTS" in instructor, "the instructor's view keeps the full detail"


def test_feedback_refreshed_by_nbgrader_is_ours_too(hostile_batch, course, tmp_path):
    """After manual grading the README says: run ``nbgrader generate_feedback`` in the course folder."""
    import shutil
    import subprocess
    import sys

    from nbgrader.api import Gradebook

    work = tmp_path / "course"
    shutil.copytree(course, work, ignore=shutil.ignore_patterns("feedback"))
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gb:  # the written answer given 2 of 3 points
        gb.find_grade("exam_1_1", "01_tiny", "ch01", "zoe_honest").manual_score = 2.0
        gb.db.commit()
    cmd = [sys.executable, "-m", "nbgrader", "generate_feedback", "ch01", "--student", "zoe_honest", "--force"]
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run(cmd, cwd=work, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    page = (work / "feedback" / "zoe_honest" / "ch01" / "01_tiny.html").read_text(encoding="utf-8")
    assert "HIDDEN" not in page and "assert_close" not in page and "得分 Score" in page and "@font-face" in page
    assert "部分得分 partial" in page, "the manual score shows as partial"


def test_submitted_layout_rejects_another_chapters_notebook(course, tmp_path):
    """In nbgrader's own layout the folder names the chapter: another chapter's notebook there is invalid."""
    import shutil

    work = tmp_path / "course"
    shutil.copytree(course, work, ignore=shutil.ignore_patterns("autograded", "feedback", "submitted"))
    folder = work / "submitted" / "mallory" / "ch01"
    folder.mkdir(parents=True)
    nbformat.write(_source(course, "ch02"), folder / "01_tiny.ipynb")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gb:  # the class list: `nbgrader db student add`
        gb.update_or_create_student("absent")
    rows = grade_course(work, csv_path=tmp_path / "g.csv", sandbox=sandbox_problem() is None, log=lambda line: None)
    mine = [r for r in rows if r["student"] == "mallory" and r["chapter"] == "ch01"]
    assert mine and {r["status"] for r in mine} == {"invalid_submission"}
    assert sum(r["points"] for r in mine) == 0
    absent = [r for r in rows if r["student"] == "absent"]
    assert {r["chapter"] for r in absent} == {"ch01", "ch02"} and {r["status"] for r in absent} == {"missing"}


def test_csv_never_lands_on_submissions_or_nbgrader_folders(course, tmp_path):
    lms = tmp_path / "lms"
    (lms / "s1").mkdir(parents=True)
    for target in (
        lms / "s1" / "01.ipynb",
        lms / "grades.csv",
        course / "source" / "grades.csv",
        course / "submitted" / "grades.csv",
        tmp_path / "grades.ipynb",
    ):
        with pytest.raises(GradingError, match="refusing"):
            grade_course(course, csv_path=target, submissions=lms, log=lambda line: None)
    assert cli_main(["grade", "--course", str(course), "--csv", str(lms / "x.csv"), str(lms)]) == 2


def test_formula_cells_are_neutralised(tmp_path):
    assert neutralise('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert [neutralise(x) for x in ("+1", "-1", "@x", "ok", 1.5)] == ["'+1", "'-1", "'@x", "ok", "1.5"]


def test_student_version_is_nbgraders_release(course, tmp_path):
    """``python -m crm_lessons.runner.release student`` writes what nbgrader releases."""
    for cid in ("ch01", "ch02"):
        src = next((course / "source" / cid).glob("*.ipynb"))
        ours = nbformat.read(make_student_version(src, tmp_path / f"{cid}.ipynb"), as_version=4)
        release = _release(course, cid)
        assert [(c.cell_type, c.source) for c in ours.cells] == [(c.cell_type, c.source) for c in release.cells]
        text = "\n".join(c.source for c in release.cells)
        assert "NBVAL" not in text and "assert worked" not in text and "print(worked)" in text, "issue 26.6"
        assert "再对照参考答案" not in text and "由教师按要点评分" in text, "says what the student has"
        for a, b in zip(ours.cells, release.cells):
            assert a.metadata.get("editable") == b.metadata.get("editable")
            assert a.metadata.get("deletable") == b.metadata.get("deletable")


def test_assign_refuses_a_foreign_folder_and_refreshes_its_own(course, tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.docx").write_bytes(b"x")
    with pytest.raises(GradingError, match="did not create"):
        assign_course(foreign, notebooks=course / "source" / "ch01", log=lambda line: None)
    assert (foreign / "thesis.docx").read_bytes() == b"x"
    assert cli_main(["assign", "--out", str(foreign), "--notebooks", str(course / "source" / "ch01")]) == 2
    with pytest.raises(GradingError, match="chapter must be a number"):
        assign_course(tmp_path / "new", ["two"], notebooks=tmp_path, log=lambda line: None)
    assert os.access(course / "nbgrader_config.py", os.R_OK)


@pytest.mark.parametrize("student", ["cheat_edit_tests", "cheat_delete_tests"])
def test_edited_or_deleted_test_cells_are_named_in_the_reason(hostile_batch, student):
    _, rows, _ = hostile_batch
    mine = [r for r in rows if r["student"] == student and r["exercise"].startswith("test_1_")]
    assert mine and all("test cell edited or deleted" in r["reason"] for r in mine), mine


@pytest.mark.parametrize(("manual", "status"), [(3.0, "correct"), (2.0, "partial"), (0.0, "wrong")])
def test_a_manual_score_sets_the_status(hostile_batch, course, tmp_path, manual, status):
    """A written answer given 2 of 3 points in the formgrader reads ``partial`` (issue 26.3), not ``wrong``."""
    import shutil

    from nbgrader.api import Gradebook

    from crm_lessons.grading.grade import _Batch, _load_chapter

    work = tmp_path / "course"
    shutil.copytree(course, work, ignore=shutil.ignore_patterns("autograded", "feedback", "submitted", "release"))
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gb:  # what the formgrader writes
        grade = gb.find_grade("exam_1_1", "01_tiny", "ch01", "zoe_honest")
        grade.manual_score = manual
        gb.db.commit()
    chapter = _load_chapter("ch01", work / "source" / "ch01" / "01_tiny.ipynb")
    batch = _Batch(work, {"ch01": chapter}, 5, lambda line: None)
    batch._grade_rows("zoe_honest", "ch01", None)
    rows = {r["exercise"]: r for r in batch.rows}
    assert (rows["exam_1_1"]["status"], rows["exam_1_1"]["points"]) == (status, manual)
    assert rows["test_1_1"]["status"] == "correct"
    assert status in GRADE_STATUSES


# -- the machinery's shortcuts: a gradebook made without `alembic heads`, jobs forked from a forkserver -----------


def test_the_empty_gradebook_is_the_one_nbgrader_makes(tmp_path, monkeypatch):
    """Tables, migration stamp and course of a new gradebook, as nbgrader's own (which runs `alembic heads`)."""
    import sqlite3
    import sys

    from nbgrader.api import Gradebook

    from crm_lessons.grading._gradebook import write_empty_gradebook

    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    Gradebook(f"sqlite:///{tmp_path / 'nbgrader.db'}").close()
    write_empty_gradebook(tmp_path / "ours.db")

    def content(path: Path) -> tuple:
        with sqlite3.connect(path) as db:
            tables = sorted(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall())
            return (
                tables,
                db.execute("SELECT * FROM alembic_version").fetchall(),
                db.execute("SELECT * FROM course").fetchall(),
            )

    ours = content(tmp_path / "ours.db")
    assert ours == content(tmp_path / "nbgrader.db") and len(ours[0]) > 10 and ours[1]
    (tmp_path / "kept.db").write_bytes(b"grades")
    write_empty_gradebook(tmp_path / "kept.db")
    assert (tmp_path / "kept.db").read_bytes() == b"grades", "an existing gradebook is left alone"


def test_jobs_are_forked_by_a_forkserver_that_comes_back(tmp_path):
    """Each job is a process of its own whose exit status and stderr come back; a killed forkserver is replaced."""
    from crm_lessons.grading import _runner

    bad = {"action": "generate", "root": str(tmp_path / "missing"), "chapters": [], "db_url": "sqlite://"}
    first = _runner.run_job(bad, cwd=tmp_path, wall_clock=120)
    assert first.returncode == 1 and "FileNotFoundError" in first.stderr, first
    server = _runner._FORKSERVER.proc
    assert server is not None and server.poll() is None, "the job came from the forkserver"
    server.kill()
    server.wait()
    again = _runner.run_job(bad, cwd=tmp_path, wall_clock=120)
    assert again.returncode == 1 and "FileNotFoundError" in again.stderr, again
    assert _runner._FORKSERVER.proc is not None and _runner._FORKSERVER.proc.pid != server.pid
