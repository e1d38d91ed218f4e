"""Item analysis after grading (issue 29 item 2): ``<name>_items.csv`` and ``<name>_report.html`` beside the CSV.

One small batch is really graded (five students, one chapter of four auto-graded items, item 3 deliberately
mis-keyed: the key says A where the question's answer is B); the numbers are checked against a hand computation.

Formulas (classical test theory; Crocker & Algina 1986, *Introduction to Classical and Modern Test Theory*, ch. 14):
difficulty p = mean points / max points; discrimination = corrected item-total correlation, Pearson's r of the
item's points with the total on the *other* items (Henrysson 1963, Psychometrika 28, 211-218);
Cronbach's alpha = k/(k-1) * (1 - sum of item variances / variance of the total) (Cronbach 1951, eq. 2).
"""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader", reason="the grading extra (nbgrader) is part of the test extra")

from grading_helpers import cell as _cell  # noqa: E402

from crm_lessons.cli import main as cli_main  # noqa: E402
from crm_lessons.grading import assign_course  # noqa: E402
from crm_lessons.grading._sandbox import sandbox_problem  # noqa: E402
from crm_lessons.grading.items import ItemInfo, item_analysis, report_html, write_item_analysis  # noqa: E402

pytestmark = pytest.mark.notebook

XSS = "<img src=x onerror=alert(1)>"  # a student folder name an LMS export could carry


def _exercise(n: int, solution: str, visible: str, hidden: str, points: int) -> list:
    return [
        _cell("md", f"**练习 1.{n}** question", locked=True, grade=False, solution=False, grade_id=f"q_1_{n}"),
        _cell(
            "code",
            f"answer_1_{n} = ...  # 在这里作答 your answer here\n### BEGIN SOLUTION\n"
            f"answer_1_{n} = {solution}\n### END SOLUTION",
            solution=True,
            grade=False,
            locked=False,
            grade_id=f"ans_1_{n}",
        ),
        _cell(
            "code",
            f"{visible}\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS",
            grade=True,
            solution=False,
            locked=True,
            points=points,
            grade_id=f"test_1_{n}",
        ),
    ]


def _chapter() -> nbformat.NotebookNode:
    cells = [
        _cell("md", "# 第1章 测试 · Test chapter"),
        _cell(
            "code",
            "from crm_lessons.exercises import Checker, assert_choice, assert_close, assert_equal\n"
            "check = Checker('1')",
        ),
        *_exercise(1, "42", "check.number('1.1', answer_1_1, lo=0)", "assert_close(answer_1_1, 42)", 2),
        *_exercise(2, "'C'", "check.choice('1.2', answer_1_2)", "assert_choice(answer_1_2, 'C')", 1),
        # mis-keyed: the question's answer is B, the key (solution and hidden test) says A
        *_exercise(3, "'A'", "check.choice('1.3', answer_1_3, options='ABC')", "assert_choice(answer_1_3, 'A')", 1),
        *_exercise(
            4,
            "'高价值'",
            "check.text('1.4', answer_1_4, options=['高价值', '低价值'])",
            "assert_equal(answer_1_4, '高价值')",
            1,
        ),
        _cell("md", "**考试练习** 什么是关系营销？", locked=True, grade=False, solution=False, grade_id="q_exam_1_1"),
        _cell("md", "**参考答案**", grade=True, solution=True, locked=False, points=3, grade_id="exam_1_1"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


# the answers each student gives (exercise -> code); the points they earn follow in POINTS
ANSWERS = {
    "s1": {1: "42", 2: "'C'", 3: "'B'", 4: "'高价值'"},
    "s2": {1: "42", 2: "'c'", 3: "'B'", 4: "'高价值'"},
    "s3": {1: "42", 2: "'A'", 3: "'A'", 4: "'低价值'"},
    "s4": {1: "41", 2: "'A'", 3: "'A'", 4: "'低价值'"},
    XSS: {1: "...", 2: "'D'", 3: "'A'", 4: "'高价值'"},
}
POINTS = {"s1": (2, 1, 0, 1), "s2": (2, 1, 0, 1), "s3": (2, 0, 1, 0), "s4": (0, 0, 1, 0), XSS: (0, 0, 1, 1)}

# Hand computation (five students; totals 4, 4, 3, 1, 2):
# item 1: p = (2+2+2+0+0)/5/2 = 0.6; rest = (2, 2, 1, 1, 2) -> r = 1/6 = 0.1667
# item 2: p = 2/5 = 0.4; rest = (3, 3, 3, 1, 2) -> r = 0.6124
# item 3: p = 3/5 = 0.6; x = (0, 0, 1, 1, 1), rest = (4, 4, 2, 0, 1): sxy = -3.6, sxx = 1.2, syy = 12.8,
#         r = -3.6 / sqrt(1.2 * 12.8) = -0.9186
# item 4: p = 3/5 = 0.6; rest = (3, 3, 3, 1, 1) -> r = 1/6 = 0.1667
# alpha: item variances 1.2 + 0.3 + 0.3 + 0.3 = 2.1, total variance 1.7 -> 4/3 * (1 - 2.1/1.7) = -0.3137
HAND = {
    "test_1_1": (2.0, 1.2, 0.6, 0.1667),
    "test_1_2": (1.0, 0.4, 0.4, 0.6124),
    "test_1_3": (1.0, 0.6, 0.6, -0.9186),
    "test_1_4": (1.0, 0.6, 0.6, 0.1667),
}
HAND_ALPHA = -0.3137


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, Path]:
    notebooks = tmp_path_factory.mktemp("notebooks")
    nbformat.write(_chapter(), notebooks / "01_items.ipynb")
    course = tmp_path_factory.mktemp("course") / "course"
    assign_course(course, notebooks=notebooks, log=lambda line: None)
    release = nbformat.read(next((course / "release" / "ch01").glob("*.ipynb")), as_version=4)
    lms = tmp_path_factory.mktemp("lms")
    for student, answers in ANSWERS.items():
        nb = nbformat.from_dict(release)
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            for n, code in answers.items():
                if gid == f"ans_1_{n}":
                    cell.source = f"answer_1_{n} = {code}"
        (lms / student).mkdir()
        nbformat.write(nb, lms / student / "01.ipynb")
    out = tmp_path_factory.mktemp("out") / "grades.csv"
    saved, tempfile.tempdir = tempfile.tempdir, str(tmp_path_factory.mktemp("work"))
    try:
        sandbox = [] if sandbox_problem() is None else ["--no-sandbox"]
        code = cli_main(
            ["grade", "--course", str(course), "--timeout", "20", "--jobs", "2", "--csv", str(out), str(lms), *sandbox]
        )
    finally:
        tempfile.tempdir = saved
    assert code == 0
    return course, out


def _rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM so that Excel opens it"
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


def test_points_are_what_the_hand_computation_assumes(graded):
    _, out = graded
    got = {(r["student"], r["exercise"]): float(r["points"] or 0) for r in _rows(out) if r["exercise"] in HAND}
    assert got == {(s, f"test_1_{i + 1}"): float(p) for s, ps in POINTS.items() for i, p in enumerate(ps)}


def test_items_csv_matches_the_hand_computation(graded):
    _, out = graded
    rows = {r["exercise"]: r for r in _rows(out.with_name("grades_items.csv"))}
    assert set(rows) == set(HAND), "one row per auto-graded exercise; the written exam answer is not one"
    for gid, (max_points, mean, p, r) in HAND.items():
        row = rows[gid]
        assert (row["chapter"], float(row["max_points"]), int(row["students"])) == ("ch01", max_points, 5)
        assert float(row["mean_points"]) == pytest.approx(mean, abs=1e-4)
        assert float(row["difficulty"]) == pytest.approx(p, abs=1e-4)
        assert float(row["discrimination"]) == pytest.approx(r, abs=1e-4)
    # choice counts: item 2 (ABCD) A A C C D (s2's 'c' is C); item 3 (ABC) B B A A A; item 1 is not a choice item
    assert [rows["test_1_2"][f"chose_{c}"] for c in "ABCD"] == ["2", "0", "2", "1"]
    assert [rows["test_1_3"][f"chose_{c}"] for c in "ABC"] == ["3", "2", "0"]
    assert rows["test_1_3"]["chose_D"] == "" and rows["test_1_1"]["chose_A"] == ""
    assert rows["test_1_2"]["chose_blank"] == "0" and rows["test_1_2"]["chose_other"] == "0"


def test_report_flags_the_mis_keyed_item_and_escapes_student_ids(graded):
    _, out = graded
    page = out.with_name("grades_report.html").read_text(encoding="utf-8")
    assert "<html lang='zh-CN'>" in page and "@font-face" in page and "data:font/otf;base64," in page
    assert "http://" not in page and "https://" not in page and "<script" not in page, "offline, no script"
    flagged = page.split("需要检查 Check these items", 1)[1].split("</p>", 1)[0]
    assert "test_1_3" in flagged and "test_1_1" not in flagged and "test_1_2" not in flagged
    assert "答案键" in page and "歧义" in page, "what a negative discrimination usually means"
    assert "判为正确的答案是 A，但其余题目得分最高的 27% 学生最常选 B" in page, "the evidence against the key"
    assert f"{HAND_ALPHA:.3f}" in page and "href='04_satisfaction.html'" in page and "cronbach_alpha" in page
    assert XSS not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_numbers_without_grading():
    """The same batch as gradebook rows: the module gives the hand-computed numbers (no nbgrader run)."""
    items = {"ch01": [ItemInfo(g, m) for g, (m, *_) in HAND.items()]}
    rows = [
        dict(student=s, chapter="ch01", exercise=f"test_1_{i + 1}", points=float(p), max_points=1.0, status="wrong")
        for s, ps in POINTS.items()
        for i, p in enumerate(ps)
    ]
    rows += [
        dict(student="absent", chapter="ch01", exercise=g, points=0.0, max_points=1.0, status="missing") for g in HAND
    ]
    (analysis,) = item_analysis(rows, items)
    for row in analysis.items:
        assert row["students"] == 5, "missing submissions are not counted"
        assert row["discrimination"] == pytest.approx(HAND[row["exercise"]][3], abs=1e-4)
    assert analysis.alpha == pytest.approx(HAND_ALPHA, abs=1e-4)
    one = item_analysis([r for r in rows if r["student"] == "s1"], items)[0]
    assert all(r["discrimination"] is None for r in one.items), "one student: r is undefined, left empty"
    assert "&lt;img" in report_html([analysis])


def test_writes_are_atomic(graded, tmp_path, monkeypatch):
    """A failure while writing leaves the previous files whole and no temporary file behind."""
    course, out = graded
    target = tmp_path / "g.csv"
    rows = [
        dict(student="s1", chapter="ch01", exercise="test_1_1", points=2.0, max_points=2.0, status="correct"),
    ]
    items, report = write_item_analysis(rows, course=course, csv_path=target)
    before = {p: p.read_bytes() for p in (items, report)}
    import crm_lessons._fileio as fileio

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fileio.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_item_analysis(rows * 2, course=course, csv_path=target)
    monkeypatch.undo()
    assert {p: p.read_bytes() for p in (items, report)} == before
    assert sorted(os.listdir(tmp_path)) == ["g_items.csv", "g_report.html"]
