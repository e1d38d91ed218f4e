"""Lecture slides for every chapter: ``crm-lessons slides --out DIR [CHAPTER ...]``.

Each chapter becomes one self-contained reveal.js page, ``DIR/NN_topic.slides.html``,
that opens from the file system with no network: reveal.js 5.2.1 and its speaker-notes
plugin (vendored in ``course/_reveal``, MIT) are inlined, the characters the slides use
are cut from the bundled Chinese font and embedded, and the few formulas are drawn
beforehand (matplotlib's mathtext, as SVG), so no MathJax is needed.

The slides are chosen by the chapter skeleton (``notebooks/README.md``, the house style),
not by cell metadata, so the notebooks need no slide tags:

* the title and the opening story (``# 第N章 ...``), then the learning goals;
* for each numbered section (``## K · ...``) the idea: its heading and first paragraph,
  with the section's narrative as speaker notes;
* each definition callout (``> **定义 Definition · 术语 (term)**：...``);
* each figure the section's cells stored (the committed outputs: nothing is executed),
  with the prose around the cell as speaker notes;
* 管理启示 and 小结 (split over slides of three points), and 延伸阅读.

Only the student version is read (:func:`crm_lessons.runner.release.student_notebook`),
and nothing from the exercises on: no cell with nbgrader metadata (solutions, tests,
model answers) contributes text or an output to any slide.

Why not nbconvert's slides exporter: it picks cells by ``slideshow`` metadata the chapters
do not have (and their owners should not need to add), shows whole cells with their
code, loads reveal.js and require.js from a CDN by default and adds JupyterLab's
stylesheet (some 300 kB a page); a definition, a figure without its code, or a
section's narrative moved into speaker notes would each need a notebook rewritten
first.  A template of our own takes what the skeleton already marks.
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_lessons._fileio import atomic_write_bytes

__all__ = ["REVEAL_VERSION", "Slide", "chapter_deck", "slides_html", "slides_name", "write_slides"]

#: The vendored reveal.js release (``npm pack reveal.js@5.2.1``; dist/reveal.js, dist/reveal.css,
#: dist/theme/white.css, plugin/notes/notes.js and its LICENSE, unchanged).
REVEAL_VERSION = "5.2.1"
_REVEAL = Path(__file__).resolve().parent / "_reveal"

#: Points of 管理启示 / 小结 shown on one slide.
POINTS_PER_SLIDE = 3


@dataclass
class Slide:
    """One slide: its kind (title, goals, section, definition, figure, points, reading), heading,
    body (HTML) and speaker notes (HTML, may be empty)."""

    kind: str
    title: str
    body: str
    notes: str = ""
    classes: list[str] = field(default_factory=list)


def slides_name(notebook: str | os.PathLike) -> str:
    """The slides' file name for a chapter notebook.

    Examples
    --------
    >>> slides_name("notebooks/02_customer_identification.ipynb")
    '02_customer_identification.slides.html'
    """
    return Path(notebook).stem + ".slides.html"


# --- markdown ---------------------------------------------------------------------------------

_MATH = re.compile(r"(?<![\\$])\$([^$\n]+?)\$(?!\$)")
_TEX_ALIASES = {r"\le": r"\leq", r"\ge": r"\geq", r"\ne": r"\neq"}
_MATH_RC: Any = {
    "svg.hashsalt": "crm-lessons",
    "svg.fonttype": "path",
    "figure.facecolor": "none",
    "savefig.facecolor": "none",
}


def _math_image(tex: str) -> str:
    """A formula drawn by matplotlib's mathtext, as an inline SVG image (its TeX in ``alt``)."""
    import matplotlib
    from matplotlib import mathtext

    source = re.sub(r"\\(le|ge|ne)\b", lambda m: _TEX_ALIASES["\\" + m.group(1)], tex)
    buffer = io.BytesIO()
    try:
        with matplotlib.rc_context(_MATH_RC):  # no global change; a fixed salt keeps the SVG ids stable
            mathtext.math_to_image(f"${source}$", buffer, format="svg")
    except ValueError:  # a construct mathtext does not know: show the TeX itself
        return f"<code>{html.escape(tex)}</code>"
    svg = buffer.getvalue().decode("utf-8")
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)  # matplotlib writes the date there
    size = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    style = ""
    if size:  # mathtext draws at 12 pt: 1 em of the surrounding text
        width, height = (float(v) / 12 for v in size.groups())
        style = f' style="width:{width:.3f}em;height:{height:.3f}em"'
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img class="math" alt="{html.escape(tex)}" src="data:image/svg+xml;base64,{data}"{style}>'


def _markdown(text: str) -> str:
    """Markdown to HTML (nbconvert's mistune renderer), formulas drawn, links to notebooks unwrapped."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    formulas: list[str] = []

    def hold(m: re.Match) -> str:
        formulas.append(m.group(1))
        return f"CRMMATH{len(formulas) - 1}X"

    rendered = markdown2html_mistune(_MATH.sub(hold, text))
    rendered = re.sub(r'<a href="(?!https?:)[^"]*">(.*?)</a>', r"\1", rendered, flags=re.S)
    return re.sub(r"CRMMATH(\d+)X", lambda m: _math_image(formulas[int(m.group(1))]), rendered)


_DEFINITION = re.compile(r"^>\s*\*\*定义 Definition\s*·\s*(?P<term>.+?)\*\*\s*[：:]\s*(?P<text>.*)$")


def _split_blocks(source: str) -> list[str]:
    """A markdown cell's blocks: paragraphs, lists, quotes (a quote that starts inside a
    paragraph, as a definition may, is a block of its own)."""
    blocks: list[list[str]] = [[]]
    for line in source.split("\n"):
        if not line.strip():
            blocks.append([])
            continue
        current = blocks[-1]
        quoted = line.lstrip().startswith(">")
        if current and quoted != current[-1].lstrip().startswith(">"):
            blocks.append([])
        blocks[-1].append(line)
    return ["\n".join(b) for b in blocks if b]


def _definition(block: str) -> tuple[str, str] | None:
    """(term, definition) of a definition callout block, else None."""
    lines = [re.sub(r"^>\s?", "", line) for line in block.split("\n")]
    m = _DEFINITION.match("> " + lines[0]) if lines else None
    if not m:
        return None
    return m.group("term").strip(), " ".join([m.group("text"), *lines[1:]]).strip()


def _first_sentences(block: str, limit: int = 160) -> str:
    """The first sentences of a paragraph, up to about ``limit`` characters."""
    flat = " ".join(line.strip() for line in block.split("\n"))
    if len(flat) <= limit:
        return flat
    cut = [m.end() for m in re.finditer(r"[。？！；](?=\s|$|[^）)])", flat) if m.end() <= limit]
    return flat[: cut[-1]] if cut else flat


def _bullets(source: str) -> list[str]:
    """The top-level list items of a markdown text (continuation lines joined)."""
    items: list[str] = []
    for line in source.split("\n"):
        if re.match(r"^\s{0,1}(?:[*+-]|\d+[.)])\s+", line):
            items.append(line.strip())
        elif items and line.strip():
            items[-1] += " " + line.strip()
    return items


# --- the deck ---------------------------------------------------------------------------------


def _kind_of_heading(title: str) -> str:
    if re.match(r"^\d+\s*·", title):
        return "section"
    for word, kind in (("管理启示", "implications"), ("小结", "summary"), ("延伸阅读", "reading")):
        if title.startswith(word):
            return kind
    return "end"  # 练习, 考试练习 and anything after: never on a slide


def _images(cell: Any) -> list[str]:
    """The figures a code cell stored (PNG, JPEG or SVG), as <img> tags."""
    found = []
    for out in cell.get("outputs", []):
        data = out.get("data", {}) if out.get("output_type") in ("display_data", "execute_result") else {}
        for mime in ("image/png", "image/jpeg"):
            if mime in data:
                payload = "".join(data[mime]).replace("\n", "")
                found.append(f'<img src="data:{mime};base64,{payload}" alt="">')
                break
        else:
            if "image/svg+xml" in data:
                svg = "".join(data["image/svg+xml"]).encode("utf-8")
                found.append(f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg).decode()}" alt="">')
    return found


def _is_graded(cell: Any) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader")
    return bool(isinstance(meta, dict) and meta)


def _chunks(items: list[str], *, most: int, chars: int) -> list[list[str]]:
    """Items packed in order onto slides: at most ``most`` a slide and about ``chars`` characters
    (a longer single item gets a slide of its own), so that no slide runs off the bottom.

    Examples
    --------
    >>> _chunks(["a" * 10, "b" * 10, "c" * 30, "d"], most=3, chars=25)
    [['aaaaaaaaaa', 'bbbbbbbbbb'], ['cccccccccccccccccccccccccccccc'], ['d']]
    """
    chunks: list[list[str]] = []
    for item in items:
        if chunks and len(chunks[-1]) < most and sum(map(len, chunks[-1])) + len(item) <= chars:
            chunks[-1].append(item)
        else:
            chunks.append([item])
    return chunks


def _points_slides(
    kind: str, title: str, source: str, *, most: int = POINTS_PER_SLIDE, chars: int = 480
) -> list[Slide]:
    """管理启示, 小结 or 延伸阅读 as slides of a few points each (a long list over several slides)."""
    items = _bullets(source)
    if not items:
        return [Slide(kind, title, _markdown(source), classes=["dense"])]
    chunks = _chunks(items, most=most, chars=chars)
    slides = []
    for n, chunk in enumerate(chunks, 1):
        shown = title if len(chunks) == 1 else f"{title}（{n}/{len(chunks)}）"
        size = "small" if kind == "reading" else "dense" if sum(len(i) for i in chunk) > 260 else ""
        slides.append(Slide(kind, shown, _markdown("\n".join(chunk)), classes=[size] if size else []))
    return slides


def _title_slides(source: str) -> list[Slide]:
    lines = source.split("\n")
    heading = lines[0].lstrip("#").strip()
    rest = "\n".join(lines[1:])
    story, _, after = rest.partition("**学习目标")
    chinese, _, english = heading.partition(" · ")
    body = f'<p class="subtitle">{html.escape(english)}</p>' if english else ""
    body += f'<div class="story">{_markdown(story.strip())}</div>'
    slides = [Slide("title", chinese, body, classes=["title-slide"])]
    if after:
        goals: list[str] = []
        needs: list[str] = []
        for line in after.split("\n")[1:]:
            if re.match(r"^\s{0,1}(?:[*+-]|\d+[.)])\s+", line):
                goals.append(line.strip())
            elif line.strip() and goals and line.startswith("  "):
                goals[-1] += " " + line.strip()
            elif line.strip():
                needs.append(line.strip())
        slides.append(
            Slide(
                "goals",
                "学习目标 Learning goals",
                _markdown("\n".join(goals)),
                notes=_markdown("\n\n".join(needs)) if needs else "",
                classes=["dense"] if sum(map(len, goals)) > 420 else [],
            )
        )
    return slides


@dataclass
class _Section:
    kind: str
    title: str
    narrative: list[str] = field(default_factory=list)  # markdown blocks, definitions left out
    slides: list[Slide] = field(default_factory=list)
    #: (term, definition) when the section opens with a definition: the section's slide shows it (its
    #: prose goes on from it), instead of a definition slide of its own
    opening: tuple[str, str] | None = None


def _heading_chunks(source: str) -> list[str]:
    """A markdown cell cut before each level-2 heading (a cell may hold several sections' ends and starts)."""
    chunks: list[list[str]] = [[]]
    for line in source.split("\n"):
        if line.startswith("## ") and chunks[-1]:
            chunks.append([])
        chunks[-1].append(line)
    return ["\n".join(c).strip("\n") for c in chunks if "".join(c).strip()]


def _read_prose(section: _Section, source: str, close_figures: Callable[[str], None]) -> str:
    """Add a section's definitions (as slides) and narrative from one markdown chunk; return the narrative."""
    blocks = _split_blocks(source)
    prose: list[str] = []
    for i, block in enumerate(blocks):
        found = _definition(block)
        if found:
            term, text = found
            if section.opening is None and not section.narrative and not prose and not section.slides:
                section.opening = found
                continue
            following = blocks[i + 1] if i + 1 < len(blocks) and not _definition(blocks[i + 1]) else ""
            body = f'<p class="label">定义 Definition</p><div class="definition">{_markdown(text)}</div>'
            section.slides.append(Slide("definition", term, body, notes=_markdown(following) if following else ""))
        else:
            prose.append(block)
    section.narrative += prose
    close_figures("\n\n".join(prose))
    return "\n\n".join(prose)


_BULLET = re.compile(r"^\s{0,1}(?:[*+-]|\d+[.)])\s+")


def _lead(text: str) -> str:
    """One paragraph of Markdown as a ``<p>`` (a list or other block stays as it is rendered)."""
    rendered = _markdown(text).strip()
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        return rendered
    return f"<div>{rendered}</div>"


def _idea(narrative: list[str], opening: tuple[str, str] | None = None) -> str:
    """A section's idea for its slide: the first sentences of its first paragraph, with the list or
    table that follows when the paragraph introduces one (ends with a colon); a section that opens
    with a list shows its first points (as a list: flattened, they showed as '* ' and stray brackets).

    A section that opens with a definition (``opening``) is about that concept, and its first
    paragraph goes on from the definition ("最后一步最常被省略" after the six steps of an
    interaction's design): the idea is the definition itself.
    """
    if opening:
        term, text = opening
        return (
            f'<p class="label">定义 Definition · {html.escape(term)}</p><div class="definition">{_markdown(text)}</div>'
        )
    start = next((i for i, b in enumerate(narrative) if not b.lstrip().startswith(("|", "```", "<", "#"))), None)
    if start is None:
        return ""
    first = narrative[start]
    if _BULLET.match(first):  # the section opens with a list: its first points, as a list
        points = _bullets(first)[:5]
        dense = ' class="dense"' if sum(map(len, points)) > 300 else ""
        return f'<div class="idea"><div{dense}>{_markdown(chr(10).join(points))}</div></div>'
    following = narrative[start + 1] if start + 1 < len(narrative) else ""
    if first.rstrip().endswith(("：", ":")) and following:
        if following.lstrip().startswith("|"):
            shown = following
        else:
            shown = "\n".join(_bullets(following)[:5])
        if shown:
            dense = "small" if following.lstrip().startswith("|") or len(shown) > 300 else "dense"
            lead = _lead(_first_sentences(first, 160))
            return f'<div class="idea">{lead}<div class="{dense}">{_markdown(shown)}</div></div>'
    return f'<div class="idea">{_lead(_first_sentences(first, 220))}</div>'


def chapter_deck(notebook: Any) -> list[Slide]:
    """The slides of one chapter notebook (instructor or student edition), in order.

    Cells are read from the student version and only up to the exercises; cells with
    nbgrader metadata never contribute.  Figures are the outputs stored in the notebook.

    Examples
    --------
    >>> import nbformat
    >>> from nbformat.v4 import new_markdown_cell, new_notebook
    >>> nb = new_notebook(cells=[
    ...     new_markdown_cell("# 第1章 示例 · Example\\n\\n一位经理的问题。\\n\\n**学习目标 Learning goals**\\n\\n1. 计算 (compute) x"),
    ...     new_markdown_cell("## 1 · 第一节 First\\n\\n这一节的想法。\\n\\n> **定义 Definition · 客户 (customer)**：买东西的人。"),
    ...     new_markdown_cell("## 练习 Exercises\\n\\n> **定义 Definition · 不会出现 (never)**：练习里的"),
    ... ])
    >>> [(s.kind, s.title) for s in chapter_deck(nb)]
    [('title', '第1章 示例'), ('goals', '学习目标 Learning goals'), ('section', '1 · 第一节 First'), ('definition', '客户 (customer)')]
    """
    from crm_lessons.runner.release import student_notebook

    released = student_notebook(notebook)
    slides: list[Slide] = []
    sections: list[_Section] = []
    last_prose = ""  # the markdown just before a code cell: what to look for in its figure
    pending_figures: list[Slide] = []  # figures waiting for the prose after them (their interpretation)

    def close_figures(after: str = "") -> None:
        for fig in pending_figures:
            if after:
                fig.notes += _markdown(after)
        pending_figures.clear()

    for original, cell in zip(notebook.cells, released.cells):
        if _is_graded(original) or _is_graded(cell):
            continue
        if cell.cell_type == "markdown":
            source = cell.source.strip("\n")
            if source.startswith("# ") and not slides and not sections:
                slides += _title_slides(source)
                continue
            for chunk in _heading_chunks(source):
                heading = re.match(r"^##\s+(.+)$", chunk.split("\n", 1)[0])
                if heading:
                    close_figures()
                    title = heading.group(1).strip()
                    kind = _kind_of_heading(title)
                    if kind == "end" or (sections and sections[-1].kind == "end" and kind != "reading"):
                        sections.append(_Section("end", title))  # the exercises and all after them
                        continue
                    body = chunk.split("\n", 1)[1] if "\n" in chunk else ""
                    if kind in ("implications", "summary"):
                        sections.append(_Section(kind, title, slides=_points_slides(kind, title, body)))
                        continue
                    if kind == "reading":
                        reading = _points_slides(kind, title, body, most=6, chars=900)
                        sections.append(_Section(kind, title, slides=reading))
                        continue
                    sections.append(_Section(kind, title))
                    chunk = body
                if sections and sections[-1].kind == "section":
                    last_prose = _read_prose(sections[-1], chunk, close_figures)
        elif cell.cell_type == "code" and sections and sections[-1].kind == "section":
            section = sections[-1]
            for image in _images(original):
                caption = _first_sentences(last_prose.split("\n\n")[-1], 120) if last_prose else ""
                fig = Slide(
                    "figure",
                    section.title,
                    f"<figure>{image}"
                    + (f"<figcaption>{_markdown(caption)}</figcaption>" if caption else "")
                    + "</figure>",
                    notes=_markdown(last_prose) if last_prose else "",
                )
                section.slides.append(fig)
                pending_figures.append(fig)
            if _images(original):
                last_prose = ""

    for section in sections:
        if section.kind == "section":
            slides.append(
                Slide(
                    "section",
                    section.title,
                    _idea(section.narrative, section.opening),
                    notes=_markdown("\n\n".join(section.narrative)),
                )
            )
        slides += section.slides
    return slides


# --- the page ---------------------------------------------------------------------------------

_CSS = """
:root{--r-main-font:var(--jp-content-font-family);--r-heading-font:var(--jp-content-font-family);
--r-main-font-size:30px;--r-heading-color:#1d3557;--r-heading-text-transform:none;--r-heading-font-weight:700;
--r-heading1-size:1.75em;--r-heading2-size:1.3em;--r-heading3-size:1.05em;--r-link-color:#2a6f97}
.reveal .slides section{text-align:left}
.reveal .slides section.title-slide{text-align:center}
.reveal .slides section.title-slide h1{margin-top:1.2em}
.reveal .subtitle{color:#457b9d;font-size:1.05em}
.reveal .story{font-size:.78em;text-align:left;margin-top:1.2em}
.reveal p,.reveal li{line-height:1.45}
.reveal ul,.reveal ol{display:block;margin-left:1.1em}
.reveal li+li{margin-top:.35em}
.reveal .dense{font-size:.8em}
.reveal .small{font-size:.6em}
.reveal .idea{margin-top:1.5em;border-left:6px solid #e63946;padding-left:.7em}
.reveal .label{color:#457b9d;font-size:.7em;margin:0}
.reveal .definition{border-left:6px solid #2a6f97;background:#f1f6fa;padding:.5em .9em;font-size:.95em}
.reveal figure{margin:0;text-align:center}
.reveal figure img{max-height:520px;max-width:100%;margin:.2em auto;display:block}
.reveal figcaption{font-size:.6em;color:#444;text-align:left}
.reveal img.math{display:inline;margin:0;vertical-align:middle;border:0;box-shadow:none}
.reveal code{font-size:.85em}
.reveal table{font-size:.85em;margin:.4em 0}
.reveal table th,.reveal table td{padding:.25em .5em}
.reveal .deck-footer{position:absolute;left:14px;bottom:10px;font-size:13px;color:#888;z-index:1}
"""

_TAG = re.compile(r"<[^>]+>")


def _inline_script(code: str) -> str:
    code = re.sub(r"//# sourceMappingURL=\S+", "", code)
    return "<script>" + code.replace("</script", "<\\/script") + "</script>"


def _reveal_files() -> dict[str, str]:
    return {name: (_REVEAL / name).read_text(encoding="utf-8") for name in ("reveal.js", "reveal.css", "notes.js")} | {
        "theme": re.sub(r"@import url\([^)]*\);", "", (_REVEAL / "theme-white.css").read_text(encoding="utf-8"))
    }


def _section_html(slide: Slide) -> str:
    classes = f' class="{" ".join(slide.classes)}"' if slide.classes else ""
    heading = "h1" if slide.kind == "title" else "h2"
    notes = f'<aside class="notes">{slide.notes}</aside>' if slide.notes else ""
    return (
        f'<section data-kind="{slide.kind}"{classes}><{heading}>{html.escape(slide.title)}</{heading}>'
        f"{slide.body}{notes}</section>"
    )


def _deck_markup(notebook: Any) -> tuple[str, str]:
    """(title, the <section> elements) of one chapter notebook (a path or a NotebookNode)."""
    import nbformat

    if not hasattr(notebook, "cells"):
        notebook = nbformat.read(Path(notebook), as_version=4)
    deck = chapter_deck(notebook)
    title = deck[0].title if deck and deck[0].kind == "title" else "幻灯片"
    return title, "\n".join(_section_html(s) for s in deck)


def _font_text(title: str, sections: str) -> str:
    return html.unescape(_TAG.sub(" ", sections)) + _footer(title) + "幻灯片 Slides"


def _footer(title: str) -> str:
    return f"{title} · 客户关系管理 CRM"


#: The speaker view (S) is a popup that reveal.js's notes plugin opens as about:blank and fills with
#: ``document.write`` (plugin/notes/plugin.js, ``openSpeakerWindow``): a document of its own, with
#: ``body{font-family:Helvetica}`` and none of the deck's styles, so Chinese notes would need a system
#: font.  When the popup answers the deck's handshake ('connected', or its 'heartbeat' after the deck
#: is reloaded) the deck copies its embedded font into the popup, and closes the written document,
#: which the plugin leaves open (the popup would stay 'loading' for good).  The popup has the deck's
#: origin (it is opened from it), so this works from file:// as from a server.
_SPEAKER_FONT_JS = """
window.addEventListener('message', function (event) {
  var data;
  try { data = JSON.parse(event.data); } catch (e) { return; }
  if (!data || data.namespace !== 'reveal-notes' || (data.type !== 'connected' && data.type !== 'heartbeat')) return;
  try {
    var doc = event.source.document, font = document.getElementById('crm-font');
    if (doc.readyState === 'loading') doc.close();
    if (font && !doc.getElementById('crm-font')) doc.head.appendChild(doc.importNode(font, true));
  } catch (e) { /* not the deck's own speaker view */ }
});
"""


def _page(title: str, sections: str, font_css: str) -> str:
    files = _reveal_files()
    config = (
        "Reveal.initialize({hash:true,width:1280,height:720,margin:0.05,center:false,transition:'slide',"
        "slideNumber:'c/t',plugins:[RevealNotes]});"
    )
    font_css = font_css.replace("<style>", '<style id="crm-font">', 1)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f'<meta name="generator" content="crm-lessons slides (reveal.js {REVEAL_VERSION})">\n'
        f"<title>{html.escape(title)} · 幻灯片 Slides</title>\n"
        f"<style>{files['reveal.css']}</style>\n<style>{files['theme']}</style>\n{font_css}\n<style>{_CSS}</style>\n"
        f'</head>\n<body>\n<div class="reveal"><div class="slides">\n{sections}\n</div>'
        f'<div class="deck-footer">{html.escape(_footer(title))}</div></div>\n'
        f"{_inline_script(files['reveal.js'])}\n{_inline_script(files['notes.js'])}\n"
        f"<script>{config}{_SPEAKER_FONT_JS}</script>\n</body>\n</html>\n"
    )


def slides_html(notebook: Any, *, embed_font: bool = True) -> str:
    """The reveal.js page of one chapter notebook (a path or a NotebookNode), self-contained and offline.

    Keys: → / Space next, ← previous, S speaker notes, F full screen, O overview.
    With ``embed_font`` the characters the slides use are cut from the bundled font and embedded.
    """
    from crm_lessons.runner import embedded_font_css

    title, sections = _deck_markup(notebook)
    return _page(title, sections, embedded_font_css(_font_text(title, sections)) if embed_font else "")


def write_slides(
    out: str | os.PathLike,
    chapters: Iterable[str | int] | None = None,
    *,
    notebooks_dir: str | os.PathLike | None = None,
    log: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the slides of the chapters (default: all) into ``out``; return the files written.

    The chapters written together share one cut of the font (the characters of all of them):
    cutting it is most of the time a page takes, so ten chapters cost one cut, not ten.

    Raises
    ------
    ValueError
        A chapter that does not exist (the message names the chapters there are).
    """
    from crm_lessons.course.student import _select
    from crm_lessons.runner import chapter_notebooks, embedded_font_css

    log = log or (lambda line: None)
    chosen = _select(chapters, chapter_notebooks(notebooks_dir))
    decks = [(src, *_deck_markup(src)) for src in chosen]
    font_css = embedded_font_css("".join(_font_text(title, sections) for _, title, sections in decks)) if decks else ""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for src, title, sections in decks:
        target = out / slides_name(src)
        atomic_write_bytes(target, _page(title, sections, font_css).encode("utf-8"))
        written.append(target)
        log(f"已写入 wrote {target} ({sections.count('<section ')} 张幻灯片 slides)")
    return written
