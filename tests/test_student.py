"""The student's path (issue 26.1, 26.6): ``crm-lessons student`` writes working copies with no answers on them."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import nbformat
import pytest

from crm_lessons.cli import main
from crm_lessons.course.student import strip_scaffolding, student_copy, write_student_folder
from crm_lessons.runner import chapter_notebooks

CHAPTERS = chapter_notebooks()


def _hidden_and_solutions(nb) -> list[str]:
    """The key as the instructor edition holds it: lines of solution regions, hidden tests and model answers."""
    secrets: list[str] = []
    outside: set[str] = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta:
            outside.update(line.strip() for line in cell.source.split("\n"))
            continue
        for begin, end in (("BEGIN SOLUTION", "END SOLUTION"), ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")):
            inside = False
            for line in cell.source.split("\n"):
                if begin in line:
                    inside = True
                elif end in line:
                    inside = False
                elif inside and len(line.strip()) >= 12:
                    secrets.append(line.strip())
                elif not inside:
                    outside.add(line.strip())
        if meta.get("solution") and "BEGIN SOLUTION" not in cell.source and cell.cell_type == "markdown":
            secrets += [line.strip() for line in cell.source.split("\n") if len(line.strip()) >= 20]
    # a line a solution shares with the worked examples (or the visible check) is no secret
    return [s for s in secrets if s not in outside]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    write_student_folder(out)
    return out


def test_every_chapter_is_written(folder):
    assert len(CHAPTERS) == 10
    assert sorted(p.name for p in folder.glob("*.ipynb")) == [p.name for p in CHAPTERS]
    assert not (folder / "solutions").exists()


@pytest.mark.parametrize("src", CHAPTERS, ids=lambda p: p.name[:2])
def test_no_answer_survives(folder, src):
    instructor = nbformat.read(src, as_version=4)
    text = (folder / src.name).read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "NBVAL_CHECK_OUTPUT"):
        assert marker not in text, (src.name, marker)
    sources = "\n".join(c.source for c in nb.cells)
    leaked = [s for s in _hidden_and_solutions(instructor) if s in sources]
    assert not leaked, (src.name, leaked[:3])
    # no hidden assert_* check (they hold the key) and no assert at all in the student's copy's code
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert not re.search(r"^\s*assert_\w+\(", cell.source, re.M), (src.name, cell.source)
        if not cell.metadata.get("nbgrader"):
            assert not re.search(r"^\s*assert\b", cell.source, re.M), (src.name, cell.source)
        assert cell.outputs == [] and cell.execution_count is None
    # the instructor edition keeps its scaffolding (CI needs it)
    assert "NBVAL_CHECK_OUTPUT" in src.read_text(encoding="utf-8")


@pytest.mark.parametrize("src", CHAPTERS, ids=lambda p: p.name[:2])
def test_student_copy_still_parses(src):
    nb = student_copy(nbformat.read(src, as_version=4))
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.source.lstrip().startswith(("%", "!")):
            compile(
                "\n".join(line for line in cell.source.split("\n") if not line.lstrip().startswith("%")), "c", "exec"
            )


def test_strip_scaffolding_keeps_the_rest():
    src = "# NBVAL_CHECK_OUTPUT\nx = f(\n    1,\n)\nassert abs(x - 1) < 0.5, (\n    x,\n)\nprint(x)"
    assert strip_scaffolding(src) == "x = f(\n    1,\n)\nprint(x)"
    assert strip_scaffolding("%matplotlib inline\nassert x == 1\ny = 2") == "%matplotlib inline\ny = 2"
    assert strip_scaffolding("if x:\n    assert x\ny = 1") == "y = 1"
    assert strip_scaffolding("try:\n    assert x\nexcept Exception:\n    pass").count("assert") == 1


def test_existing_work_is_never_overwritten(tmp_path):
    write_student_folder(tmp_path, [2])
    mine = tmp_path / CHAPTERS[1].name
    mine.write_text("my work", encoding="utf-8")
    assert write_student_folder(tmp_path, ["02"]) == []
    assert mine.read_text(encoding="utf-8") == "my work"


def test_with_solutions_only_on_purpose(tmp_path, capsys):
    assert main(["student", "--out", str(tmp_path), "4"]) == 0
    assert [p.name for p in tmp_path.rglob("*.ipynb")] == [CHAPTERS[3].name]
    assert main(["student", "--out", str(tmp_path), "4", "--with-solutions"]) == 0
    solved = (tmp_path / "solutions" / CHAPTERS[3].name).read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" in solved and "NBVAL_CHECK_OUTPUT" not in solved
    assert "BEGIN SOLUTION" not in (tmp_path / CHAPTERS[3].name).read_text(encoding="utf-8")
    assert "完成 done" in capsys.readouterr().out


def test_refuses_the_instructor_folder_and_unknown_chapters(capsys):
    assert main(["student", "--out", str(CHAPTERS[0].parent)]) == 2
    assert main(["student", "--out", "x", "42"]) == 2
    err = capsys.readouterr().err
    assert "教师版" in err and "42" in err


def test_needs_no_nbgrader(tmp_path):
    """The student command (and so the site build's strip step) runs where nbgrader cannot be imported."""
    code = (
        "import sys; sys.modules['nbgrader'] = None\n"
        "from crm_lessons.cli import main\n"
        f"sys.exit(main(['student', '--out', {str(tmp_path)!r}, '1']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / CHAPTERS[0].name).read_text(encoding="utf-8"))["cells"]


def test_site_index_sends_students_to_their_copies():
    from crm_lessons.course.site import _index_page

    stems = [p.stem for p in CHAPTERS]
    page = _index_page(stems, [], report=True)
    assert "make student" in page and "make lab" not in page and "教师版" in page
    assert "尚未完成" not in page and "not yet written" not in page
    for stem in stems:
        assert f'href="student/{stem}.ipynb" download' in page
    assert "尚未完成的章节" in _index_page(stems[:9], [(10, "综合案例")], report=False)


def test_site_downloads_are_the_student_copies(tmp_path):
    from crm_lessons.course import _student_downloads

    _student_downloads(tmp_path, CHAPTERS[:2])
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in CHAPTERS[:2]]
    for p in tmp_path.iterdir():
        assert "BEGIN SOLUTION" not in p.read_text(encoding="utf-8")


@pytest.mark.parametrize("src", CHAPTERS, ids=lambda p: p.name[:2])
def test_released_version_has_no_scaffolding_and_true_wording(src):
    """Issue 26.6: what ``crm-lessons assign`` hands out (nbgrader's release) as well as the student copy."""
    from crm_lessons.runner.release import student_notebook

    nb = nbformat.read(src, as_version=4)
    for version in (student_notebook(nb), student_copy(nb)):
        worked = [c for c in version.cells if not c.metadata.get("nbgrader")]
        code = "\n".join(c.source for c in worked if c.cell_type == "code")
        assert "NBVAL" not in code
        assert not re.search(r"^\s*assert\b", code, re.M)
        prose = "\n".join(c.source for c in version.cells if c.cell_type == "markdown")
        assert "再对照参考答案" not in prose, "the student version has no model answers to compare with"
