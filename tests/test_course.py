"""The HTML course: executed chapters, an index page, nothing loaded from the internet."""

from __future__ import annotations

import re

import nbformat
import pytest
from test_report import SECTIONS_ZH, _assert_offline_report  # one course build checks both (18 s each)

from crm_lessons.cli import main
from crm_lessons.course import build_course, chapter_notebooks, notebook_title


def _write(path, cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.mark.notebook
def test_build_course(tmp_path, monkeypatch):
    src = tmp_path / "notebooks"
    src.mkdir()
    _write(
        src / "01_intro.ipynb",
        [
            nbformat.v4.new_markdown_cell("# 第1章 导论 · Introduction\n\n客户关系 $\\lambda$"),
            nbformat.v4.new_code_cell("x = 6 * 7\nprint(f'answer {x} 客户')"),
            nbformat.v4.new_code_cell(
                "answer_1_1 = ...\n### BEGIN SOLUTION\nanswer_1_1 = 'SECRET-SOLUTION'\n### END SOLUTION",
                metadata={
                    "nbgrader": {
                        "solution": True,
                        "grade": False,
                        "locked": False,
                        "grade_id": "ans_1_1",
                        "schema_version": 3,
                    }
                },
            ),
            nbformat.v4.new_code_cell(
                "print('visible check')\n### BEGIN HIDDEN TESTS\nassert 'SECRET-HIDDEN-TEST'\n### END HIDDEN TESTS",
                metadata={
                    "nbgrader": {
                        "solution": False,
                        "grade": True,
                        "locked": True,
                        "points": 1,
                        "grade_id": "test_1_1",
                        "schema_version": 3,
                    }
                },
            ),
            nbformat.v4.new_markdown_cell(
                "**参考答案 Model answer** SECRET-MODEL-ANSWER",
                metadata={
                    "nbgrader": {
                        "solution": True,
                        "grade": True,
                        "locked": False,
                        "points": 2,
                        "grade_id": "exam_1_1",
                        "schema_version": 3,
                    }
                },
            ),
        ],
    )
    _write(src / "notes.ipynb", [nbformat.v4.new_code_cell("1/0")])  # not a chapter: ignored
    before = (src / "01_intro.ipynb").read_bytes()
    monkeypatch.chdir(tmp_path)  # a relative --out, as `make course` passes it
    results = build_course("out", notebooks_dir=src, verbose=False)  # with the sample report, as `make course`
    assert [r.source.name for r in results] == ["01_intro.ipynb"]
    assert (src / "01_intro.ipynb").read_bytes() == before, "sources are never modified"
    out = tmp_path / "out"
    page = (out / "01_intro.html").read_text(encoding="utf-8")
    assert "answer 42" in page, "the chapter was executed"
    for secret in ("SECRET-SOLUTION", "SECRET-HIDDEN-TEST", "SECRET-MODEL-ANSWER"):
        assert secret not in page, f"the site shows the student version ({secret} leaked)"
    assert "visible check" in page
    assert "<title>第1章 导论 · Introduction" in page
    assert 'class="math' in page and "mathjax/tex-chtml.js" in page
    assert not re.search(r"<(?:script|link)[^>]+(?:src|href)=[\"']?(https?:)?//", page), "pages open offline"
    assert (out / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (out / "_static" / "crm-cjk.woff").stat().st_size > 1000, "Chinese text needs no system font"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="01_intro.html"' in index and 'href="glossary.html"' in index
    assert "第2章" in index, "chapters not yet written are named on the index"
    glossary = (out / "glossary.html").read_text(encoding="utf-8")
    assert "顾客份额" in glossary and "share of wallet" in glossary
    assert (out / "search.html").is_file()
    # the sample report: rendered, linked from the index and from its own page, offline
    assert 'href="sample_report.html"' in index
    assert 'href="report.html"' in (out / "sample_report.html").read_text(encoding="utf-8")
    _assert_offline_report((out / "report.html").read_text(encoding="utf-8"), SECTIONS_ZH)
    assert not list(out.glob(".*")), "no temporary files left behind"


def test_chapters_are_found_in_order():
    names = [p.name for p in chapter_notebooks()]
    assert names == sorted(names) and names
    first = chapter_notebooks()[0]
    assert notebook_title(first).startswith(f"第{int(first.name[:2])}章")


def test_cli_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "course" in capsys.readouterr().out


def test_atomic_write_gives_ordinary_permissions_and_leaves_no_temp(tmp_path):
    import os

    from crm_lessons._fileio import atomic_write_bytes

    umask = os.umask(0)
    os.umask(umask)
    out = atomic_write_bytes(tmp_path / "page.html", b"<p>ok</p>")
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask, "readable like any file the user writes"
    os.chmod(out, 0o640)
    atomic_write_bytes(out, b"<p>again</p>")
    assert out.stat().st_mode & 0o777 == 0o640, "replacing a file keeps its permissions"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]

    with pytest.raises(TypeError):
        atomic_write_bytes(tmp_path / "bad.html", object())  # type: ignore[arg-type]
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"], "a failed write leaves nothing behind"


def test_embedded_font_covers_the_page_and_nothing_more():
    import base64
    import io
    import re as _re

    from fontTools.ttLib import TTFont

    from crm_lessons.course import embedded_font_css

    css = embedded_font_css("客户流失预警 ￥")
    data = base64.b64decode(_re.search(r"base64,([A-Za-z0-9+/=]+)", css).group(1))
    cmap = TTFont(io.BytesIO(data)).getBestCmap()
    assert {ord(c) for c in "客户流失预警￥"} <= set(cmap)
    assert ord("满") not in cmap, "only the characters the page uses are embedded"
    assert len(data) < 100_000


def test_site_chapter_list_agrees_with_the_course_map():
    from crm_lessons.course.coursemap import chapter_plan
    from crm_lessons.course.site import COURSE_CHAPTERS

    plan = [(c.number, c.notebook) for c in chapter_plan()]
    assert plan == [(n, f"{stem}.ipynb") for n, stem, _ in COURSE_CHAPTERS]


@pytest.mark.notebook
def test_a_kernel_that_dies_says_why_and_its_output_stays_off_the_terminal(tmp_path, capfd):
    """The kernel's own output goes to a log beside the run, not to the user's terminal; when the kernel
    dies, the error quotes the end of that log."""
    from nbclient.exceptions import DeadKernelError

    from crm_lessons.runner import execute_notebook

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import sys\nprint('kernel log line', file=sys.__stderr__, flush=True)"),
            nbformat.v4.new_code_cell(
                "import os, sys\nprint('about to exit', file=sys.__stderr__, flush=True)\nos._exit(3)"
            ),
        ]
    )
    path = tmp_path / "dies.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(DeadKernelError, match=r"(?s)the kernel's last output:.*kernel log line.*about to exit"):
        execute_notebook(path, timeout=60)
    out, err = capfd.readouterr()
    assert "kernel log line" not in err + out and "about to exit" not in err + out
