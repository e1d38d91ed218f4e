"""The page of a notebook whose code is hidden, written as nbconvert's lab HTMLExporter writes it, without nbconvert.

The report's page is code cells without their code, each showing HTML or PNG outputs.  For such a
notebook :func:`write_page` writes the text nbconvert's lab template gives (the cells' markup, and the
head and foot of the page stored in ``_page_frame.html``, made by nbconvert for an empty notebook)
and runs the same last pass over it (BeautifulSoup: alt text for images, focusable cells), so the page
is nbconvert's own; importing nbconvert, compiling its templates and running its preprocessors cost a
report about 0.4 CPU-s.  Anything else, or a page frame made by other versions of nbconvert or of the
code-highlighting styles than those installed, is left to nbconvert.  ``tests/test_report_runner.py``
checks the pages, and the text before the last pass, equal to nbconvert's, and the stored frame equal
to the one the installed nbconvert makes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: The page's head and foot, as nbconvert's lab template writes them for an empty notebook (before the last pass).
FRAME_FILE = Path(__file__).with_name("_page_frame.html")
#: The packages that make the frame: the template and its CSS, the code-highlighting CSS in the head.
FRAME_PACKAGES = ("nbconvert", "pygments", "jupyterlab_pygments")
#: The title the frame is made with, replaced by the page's.
FRAME_TITLE = "CRM-LESSONS-PAGE-TITLE"
_MAIN = "<main>\n</main>"

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")  # nbformat's cell id (nothing for escape_html to change)
_TAG = re.compile(r"[A-Za-z0-9_.-]+\Z")
_BASE64 = re.compile(r"[A-Za-z0-9+/=\n]*\Z")
_PLAIN_TITLE = re.compile(r"[^&<>\"']+\Z")
# a close tag that would end what encloses the cells: left to nbconvert (the page parsed as a whole)
_ENCLOSING = re.compile(r"</\s*(?:main|body|html)\b", re.I)

_NO_ALT = "No description has been provided for this image"


def frame_header(versions: dict[str, str]) -> str:
    """The frame file's first line: the versions it was made with."""
    named = ", ".join(f"{name} {version}" for name, version in versions.items())
    return f"<!-- crm_lessons.runner page frame: {named} -->\n"


def installed_versions() -> dict[str, str]:
    """The installed versions of :data:`FRAME_PACKAGES` (``"none"`` for one that is missing)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in FRAME_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "none"
    return found


def _frame() -> tuple[str, str] | None:
    """The stored frame's head (to ``<main>``) and foot (from ``</main>``), or ``None`` if made by other versions."""
    try:
        text = FRAME_FILE.read_text(encoding="utf-8")
    except OSError:
        return None
    header, _, page = text.partition("\n")
    if header + "\n" != frame_header(installed_versions()) or page.count(_MAIN) != 1:
        return None
    head, foot = page.split(_MAIN)
    return head + "<main>", "</main>" + foot


def _output(output: Any) -> str | None:
    """An output's markup as the lab template writes it (the prompt hidden); ``None``: not one of these."""
    if output.get("output_type") != "display_data" or output.get("metadata"):
        return None
    data = output.get("data") or {}
    if not set(data) <= {"text/html", "image/png", "text/plain"}:
        return None
    html, png = data.get("text/html"), data.get("image/png")
    if isinstance(html, str) and png is None:
        return (
            '<div class="jp-OutputArea-child">\n\n'
            '<div class="jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output " data-mime-type="text/html">\n'
            f"{html}\n</div>\n\n</div>\n"
        )
    if isinstance(png, str) and html is None and _BASE64.match(png):
        return (
            '<div class="jp-OutputArea-child">\n\n\n<div class="jp-RenderedImage jp-OutputArea-output ">\n'
            f'<img src="data:image/png;base64,{png}"\nclass="\n"\n>\n</div>\n\n</div>\n'
        )
    return None


def _cell(cell: Any) -> str | None:
    """A code cell's markup without its code, as the lab template writes it; ``None``: not such a cell."""
    if cell.get("cell_type") != "code":
        return None
    cell_id = cell.get("id") or ""
    tags = cell.get("metadata", {}).get("tags") or []
    if (cell_id and not _ID.match(cell_id)) or not all(isinstance(t, str) and _TAG.match(t) for t in tags):
        return None
    anchor = f'id="cell-id={cell_id}"' if cell_id else ""
    celltags = "".join(f" celltag_{tag}" for tag in tags)
    outputs = cell.get("outputs") or []
    if not outputs:
        return (
            f'<div {anchor} class="jp-Cell jp-CodeCell jp-Notebook-cell jp-mod-noOutputs jp-mod-noInput {celltags}">'
            "\n\n</div>"
        )
    parts = []
    for output in outputs:
        markup = _output(output)
        if markup is None:
            return None
        parts.append(markup)
    return (
        f'<div {anchor} class="jp-Cell jp-CodeCell jp-Notebook-cell  jp-mod-noInput {celltags}">\n\n'
        '<div class="jp-Cell-outputWrapper">\n<div class="jp-Collapser jp-OutputCollapser jp-Cell-outputCollapser">\n'
        '</div>\n\n<div class="jp-OutputArea jp-Cell-outputArea">\n' + "".join(parts) + "\n</div>\n\n</div>\n\n</div>"
    )


def template_text(notebook: Any, title: str) -> str | None:
    """What nbconvert's lab template writes for ``notebook`` without its code (before the last pass), or ``None``.

    ``None`` unless every cell is a code cell whose outputs are displayed HTML or PNG without metadata,
    the notebook has no ``title`` or ``widgets`` metadata, ``title`` needs no escaping, and the stored
    frame was made by the installed versions of :data:`FRAME_PACKAGES`.
    """
    metadata = notebook.get("metadata", {})
    if "title" in metadata or "widgets" in metadata or not _PLAIN_TITLE.match(title):
        return None
    cells = []
    for cell in notebook.get("cells", []):
        markup = _cell(cell)
        if markup is None or _ENCLOSING.search(markup):
            return None
        cells.append(markup)
    frame = _frame()
    if frame is None:
        return None
    head, foot = frame
    return head.replace(FRAME_TITLE, title) + "".join(cells) + "\n" + foot


def entity_character(name: str) -> str | None:
    """The text of the named character reference ``&name;`` (``name`` without the ``;``), as BeautifulSoup reads it.

    BeautifulSoup's table maps each HTML5 entity name, with its ``;`` removed, to the characters of its
    first spelling in name order ("amp" before "amp;"): the spelling without ``;`` where HTML5 has one.
    """
    from html.entities import html5

    if ";" in name:
        return None
    return html5.get(name) if name in html5 else html5.get(name + ";")


def _soup(html: str) -> Any:
    """``BeautifulSoup(html, features="html.parser")``, reading named character references with :func:`entity_character`.

    BeautifulSoup builds its entity tables on the first named reference it meets (``&amp;`` is in every
    report), with the four large regular expressions it needs only to write entities: 0.05 CPU-s.  Its
    parser is given a lookup in :data:`html.entities.html5` instead, which reads every name as its table
    does (``tests/test_report_runner.py`` compares them).
    """
    from bs4 import BeautifulSoup
    from bs4.builder._htmlparser import BeautifulSoupHTMLParser, HTMLParserTreeBuilder

    if "_parser_class" not in HTMLParserTreeBuilder.feed.__code__.co_varnames:  # another BeautifulSoup
        return BeautifulSoup(html, features="html.parser")

    class Parser(BeautifulSoupHTMLParser):
        def handle_entityref(self, name: str) -> None:
            character = entity_character(name)
            self.handle_data(character if character is not None else f"&{name}")

    class Builder(HTMLParserTreeBuilder):
        def feed(self, markup: Any, _parser_class: Any = Parser) -> None:
            super().feed(markup, _parser_class)

    return BeautifulSoup(html, builder=Builder())


def last_pass(html: str, log: Any) -> str:
    """nbconvert's ``HTMLExporter`` last pass over the page: alt text for images, the cells' areas focusable.

    As nbconvert 7.17's ``HTMLExporter.from_notebook_node`` does it (BeautifulSoup with Python's HTML
    parser, the same serialisation), but finding the elements by walking the tree instead of by three CSS
    selectors, whose first use compiles soupsieve's parser (0.1 CPU-s).  ``log`` gets nbconvert's warning.
    """

    def classes(element: Any) -> Any:
        value = element.get("class") or ()
        return value.split() if isinstance(value, str) else value

    def under_notebook(element: Any) -> bool:  # CSS ".jp-Notebook <element>": a proper ancestor has the class
        return any("jp-Notebook" in classes(parent) for parent in element.parents)

    soup = _soup(html)
    missing_alt = 0
    for element in soup.find_all("img"):  # img:not([alt])
        if "alt" not in element.attrs:
            element.attrs["alt"] = _NO_ALT
            missing_alt += 1
    if missing_alt:
        log.warning("Alternative text is missing on %s image(s).", missing_alt)
    for name in ("jp-Cell-inputWrapper", "jp-OutputArea-output"):  # .jp-Notebook div.<name>
        for element in soup.find_all("div"):
            if name in classes(element) and under_notebook(element):
                element.attrs["tabindex"] = "0"
    return str(soup)


def write_page(notebook: Any, title: str) -> str | None:
    """The page nbconvert's lab ``HTMLExporter`` writes for ``notebook`` with its code hidden, or ``None``.

    ``None`` when :func:`template_text` is (the caller then uses nbconvert).
    """
    text = template_text(notebook, title)
    if text is None:
        return None
    from traitlets.log import get_logger  # the logger nbconvert's exporter logs to when no application runs

    return last_pass(text, get_logger())
