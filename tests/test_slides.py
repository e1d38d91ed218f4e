"""Lecture slides (``crm-lessons slides``): enough slides a chapter, no answers, nothing from the network."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import nbformat
import pytest

from crm_lessons.cli import main
from crm_lessons.course.slides import chapter_deck, slides_html, slides_name, write_slides
from crm_lessons.runner import chapter_notebooks

CHAPTERS = chapter_notebooks()

#: What only the instructor edition holds: solution and hidden-test regions, the grader's checks,
#: model answers and the placeholders that stand where they were.
FORBIDDEN = (
    "BEGIN SOLUTION",
    "END SOLUTION",
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "assert_choice",
    "assert_close",
    "参考答案",
    "Model answer",
    "YOUR ANSWER HERE",
    "YOUR CODE HERE",
)


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    """Every chapter's slides, without the embedded font (the font is the only slow part)."""
    return {p.stem: slides_html(p, embed_font=False) for p in CHAPTERS}


def _graded_cells(path: Path) -> list:
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if c.get("metadata", {}).get("nbgrader")]


def test_every_chapter_has_at_least_ten_slides(pages):
    assert len(pages) == 10
    counts = {stem: page.count("<section ") for stem, page in pages.items()}
    assert min(counts.values()) >= 10, counts
    for stem, page in pages.items():
        kinds = set(re.findall(r'<section data-kind="(\w+)"', page))
        assert {"title", "goals", "section", "definition", "implications", "summary"} <= kinds, (stem, kinds)


def test_speaker_notes_carry_the_narrative(pages):
    for stem, page in pages.items():
        notes = re.findall(r'<aside class="notes">(.*?)</aside>', page, flags=re.S)
        assert len(notes) >= 5, stem
    nb = nbformat.read(CHAPTERS[1], as_version=4)
    deck = chapter_deck(nb)
    figures = [s for s in deck if s.kind == "figure"]
    assert figures and all(s.notes for s in figures), "each figure of chapter 2 has the prose around it as notes"


def test_no_solution_hidden_test_or_model_answer_in_any_slide(pages):
    for stem, page in pages.items():
        found = [marker for marker in FORBIDDEN if marker in page]
        assert not found, f"{stem}: {found}"


def test_nothing_from_an_exercise_cell_reaches_a_slide(pages):
    """No exercise prompt, model answer sentence or graded cell's figure appears on any slide."""
    for path in CHAPTERS:
        page = pages[path.stem]
        text = re.sub(r"<[^>]+>", "", page)
        for cell in _graded_cells(path):
            if cell.cell_type == "markdown":
                for line in cell.source.split("\n"):
                    line = line.strip().lstrip("*>-0123456789. ")
                    if len(line) >= 30 and "`" not in line and "*" not in line and "[" not in line:
                        assert line not in text, f"{path.stem}: exercise text on a slide: {line[:60]!r}"
            for out in cell.get("outputs", []):
                png = out.get("data", {}).get("image/png")
                if png:
                    assert "".join(png).replace("\n", "")[100:200] not in page, path.stem


def test_slides_load_nothing_from_the_network(pages):
    for stem, page in pages.items():
        assert not re.search(r"<script\b[^>]*\bsrc\s*=", page, re.I), f"{stem}: an external script"
        assert not re.search(r"<link\b[^>]*\bhref\s*=", page, re.I), f"{stem}: an external stylesheet"
        assert not re.search(r"@import", page), f"{stem}: a CSS import"
        assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page, re.I), f"{stem}: a remote font or image"
        assert not re.search(r"\bsrc\s*=\s*['\"]?(?:https?:)?//", page, re.I), f"{stem}: a remote source"
        assert "Reveal.initialize" in page and "RevealNotes" in page


def test_formulas_are_drawn_beforehand():
    page = slides_html(CHAPTERS[6], embed_font=False)  # chapter 7: the Kaplan-Meier estimator
    assert 'class="math"' in page and "data:image/svg+xml;base64," in page
    assert "$" not in re.sub(r"<script>.*?</script>|<style>.*?</style>", "", page, flags=re.S)


def test_command_writes_the_named_chapter_with_the_font_embedded(tmp_path, capsys):
    assert main(["slides", "--out", str(tmp_path), "2"]) == 0
    page = (tmp_path / slides_name(CHAPTERS[1])).read_text(encoding="utf-8")
    assert "@font-face" in page and "data:font/otf;base64," in page
    assert [p.name for p in tmp_path.iterdir()] == ["02_customer_identification.slides.html"]
    assert "02_customer_identification.slides.html" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["99", "x"])
def test_bad_chapter_gives_a_one_line_chinese_first_error(tmp_path, capsys, bad):
    assert main(["slides", "--out", str(tmp_path), bad]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    chinese = re.search(r"[\u4e00-\u9fff]", err)
    assert chinese and chinese.start() < err.index("no chapter"), err
    assert not any(tmp_path.iterdir())


def test_secrets_of_a_chapter_never_reach_its_slides(tmp_path):
    """A chapter whose solution, hidden test, model answer and graded output hold secrets, even
    under a section heading before the exercises: none of them is on a slide."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    def graded(cell, **flags):
        cell.metadata["nbgrader"] = {"grade_id": "x", "schema_version": 3, **flags}
        return cell

    secret_png = base64.b64encode(b"\x89PNG SECRET-FIGURE" * 20).decode()
    figure = new_output("display_data", data={"image/png": base64.b64encode(b"\x89PNG public" * 20).decode()})
    nb = new_notebook(
        cells=[
            new_markdown_cell(
                "# 第1章 导论 · Introduction\n\n一位经理的问题。\n\n**学习目标 Learning goals**\n\n1. 计算 x"
            ),
            new_markdown_cell("## 1 · 第一节 First\n\n想法。\n\n> **定义 Definition · 客户 (customer)**：买东西的人。"),
            new_code_cell("plot()", outputs=[figure]),
            graded(new_markdown_cell("> **定义 Definition · 秘密 (secret)**：SECRET-IN-A-GRADED-CELL"), solution=True),
            graded(
                new_code_cell(
                    "### BEGIN SOLUTION\nanswer = 'SECRET-SOLUTION'\n### END SOLUTION",
                    outputs=[new_output("display_data", data={"image/png": secret_png})],
                ),
                solution=True,
            ),
            graded(new_code_cell("### BEGIN HIDDEN TESTS\nassert 'SECRET-HIDDEN'\n### END HIDDEN TESTS"), grade=True),
            new_markdown_cell("## 管理启示 What it means\n\n* 一\n* 二"),
            new_markdown_cell("## 练习 Exercises\n\n> **定义 Definition · 练习 (exercise)**：SECRET-EXERCISE-TEXT"),
            new_code_cell("plot()", outputs=[new_output("display_data", data={"image/png": secret_png})]),
            graded(new_markdown_cell("**参考答案 Model answer** SECRET-MODEL-ANSWER"), solution=True, grade=True),
        ]
    )
    nbformat.write(nb, tmp_path / "01_intro.ipynb")
    (page,) = write_slides(tmp_path / "out", notebooks_dir=tmp_path)
    text = page.read_text(encoding="utf-8")
    assert "客户 (customer)" in text and base64.b64encode(b"\x89PNG public" * 20).decode() in text
    for secret in ("SECRET", secret_png[:60], "参考答案"):
        assert secret not in text, secret


def test_speaker_view_gets_the_course_font(tmp_path):
    """The notes plugin's popup is a document of its own: the deck hands it the embedded font (by id) when the
    popup connects, and closes the document the plugin leaves open (tests/browser checks it in Chromium)."""
    (page,) = write_slides(tmp_path, ["2"])
    text = page.read_text(encoding="utf-8")
    assert text.count('<style id="crm-font">@font-face') == 1
    assert "getElementById('crm-font')" in text and "doc.close()" in text and "'connected'" in text


def test_no_raw_tex_or_markdown_on_any_slide(pages):
    """Formulas are drawn (chapters 6 and 7 have them), Markdown is rendered: no $...$, TeX command, braced sub- or
    superscript or ** shows on a slide or in its notes (code excepted)."""
    import html

    raw = re.compile(r"\$[^$\n]+\$|\\[A-Za-z]+|[_^]\{|\*\*")
    drawn = 0
    for stem, page in pages.items():
        body = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
        text = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<code>.*?</code>", "", body, flags=re.S)))
        assert not raw.findall(text), (stem, raw.findall(text)[:5])
        # a formula mathtext cannot draw falls back to its TeX in <code>: none may
        tex_code = [c for c in re.findall(r"<code>(.*?)</code>", body, re.S) if re.search(r"\\[A-Za-z]+|[_^]\{", c)]
        assert not tex_code, (stem, tex_code[:5])
        drawn += page.count('class="math"')
    assert drawn >= 20


def test_no_slide_shows_markdown_it_did_not_render(pages):
    """Every text a slide shows, read as a browser reads it: no bullet '*' of a list flattened into a line, and no
    '<' or '>' left alone by cutting a rendered element (chapter 1's section 4 opened with a list and showed
    '> basic ... * reactive ... <')."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.skip, self.found = 0, []

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("script", "style", "code", "pre")

        def handle_endtag(self, tag):
            self.skip -= tag in ("script", "style", "code", "pre")

        def handle_data(self, data):
            if not self.skip and (data.strip() in ("<", ">") or re.search(r"(^|\s)\*\s", data)):
                self.found.append(data)

    for stem, page in pages.items():
        parser = Text()
        parser.feed(page)
        assert parser.found == [], (stem, parser.found[:5])


def test_every_definition_is_on_one_slide_and_a_section_opens_with_its_own():
    """A section that opens with a definition shows it on its own slide (its prose goes on from the definition:
    "最后一步最常被省略" after the six steps of an interaction's design would otherwise stand alone); every other
    definition callout before the exercises has a slide of its own; none is lost or shown twice."""
    from nbformat.v4 import new_markdown_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_markdown_cell("# 第1章 示例 · Example\n\n经理的问题。\n\n**学习目标 Learning goals**\n\n1. 计算 x"),
            new_markdown_cell(
                "## 1 · 第一节 First\n\n> **定义 Definition · 甲 (a)**：六个步骤。\n\n最后一步最常被省略。\n\n"
                "> **定义 Definition · 乙 (b)**：另一个概念。"
            ),
            new_markdown_cell("## 2 · 第二节 Second\n\n这一节先讲故事。\n\n> **定义 Definition · 丙 (c)**：第三个。"),
        ]
    )
    deck = chapter_deck(nb)
    first, second = (s for s in deck if s.kind == "section")
    assert "定义 Definition · 甲 (a)" in first.body and "六个步骤" in first.body and "最后一步" in first.notes
    assert "最后一步" not in first.body and "这一节先讲故事" in second.body
    assert [s.title for s in deck if s.kind == "definition"] == ["乙 (b)", "丙 (c)"]
    for path in CHAPTERS:
        notebook = nbformat.read(path, as_version=4)
        callouts = []
        for cell in notebook.cells:
            if cell.cell_type != "markdown" or cell.get("metadata", {}).get("nbgrader"):
                continue
            if re.search(r"^## (练习|考试练习)", cell.source, re.M):
                break
            callouts += re.findall(r"^> \*\*定义 Definition\s*·\s*(.+?)\*\*", cell.source, re.M)
        deck = chapter_deck(notebook)
        shown = [s.title for s in deck if s.kind == "definition"]
        shown += [m for s in deck if s.kind == "section" for m in re.findall(r"定义 Definition · (.*?)</p>", s.body)]
        assert sorted(shown) == sorted(t.strip() for t in callouts), path.stem
