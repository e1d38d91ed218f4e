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


#: The line between the frame's two pages: the lab template's text, then what nbconvert's last pass makes of it.
FRAME_SEPARATOR = "<!-- crm_lessons.runner page frame: after the last pass -->\n"


def _frame() -> tuple[str, str, str, str] | None:
    """The stored frame's head (to ``<main>``) and foot (from ``</main>``), as the template writes them and after
    the last pass; ``None`` if made by other versions."""
    try:
        text = FRAME_FILE.read_text(encoding="utf-8")
    except OSError:
        return None
    header, _, pages = text.partition("\n")
    if header + "\n" != frame_header(installed_versions()) or pages.count(FRAME_SEPARATOR) != 1:
        return None
    parts = []
    for page in pages.split(FRAME_SEPARATOR):
        if page.count(_MAIN) != 1:
            return None
        head, foot = page.split(_MAIN)
        parts += [head + "<main>", "</main>" + foot]
    return parts[0], parts[1], parts[2], parts[3]


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


def _cells_text(notebook: Any, title: str) -> str | None:
    """The lab template's text for the cells of ``notebook`` (``None``: not a notebook this writer writes)."""
    metadata = notebook.get("metadata", {})
    if "title" in metadata or "widgets" in metadata or not _PLAIN_TITLE.match(title):
        return None
    cells = []
    for cell in notebook.get("cells", []):
        markup = _cell(cell)
        if markup is None or _ENCLOSING.search(markup):
            return None
        cells.append(markup)
    return "".join(cells)


def template_text(notebook: Any, title: str) -> str | None:
    """What nbconvert's lab template writes for ``notebook`` without its code (before the last pass), or ``None``.

    ``None`` unless every cell is a code cell whose outputs are displayed HTML or PNG without metadata,
    the notebook has no ``title`` or ``widgets`` metadata, ``title`` needs no escaping, and the stored
    frame was made by the installed versions of :data:`FRAME_PACKAGES`.
    """
    cells = _cells_text(notebook, title)
    frame = _frame() if cells is not None else None
    if cells is None or frame is None:
        return None
    head, foot = frame[0], frame[1]
    return head.replace(FRAME_TITLE, title) + cells + "\n" + foot


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

    ``None`` when :func:`template_text` is (the caller then uses nbconvert).  The cells' text goes through
    :func:`_written_like_beautifulsoup` between the frame's head and foot as the last pass left them;
    what that cannot write goes through :func:`last_pass` with the frame as the template wrote it.
    """
    cells = _cells_text(notebook, title)
    frame = _frame() if cells is not None else None
    if cells is None or frame is None:
        return None
    from traitlets.log import get_logger  # the logger nbconvert's exporter logs to when no application runs

    written = _written_like_beautifulsoup(cells + "\n")
    if written is None:
        return last_pass(frame[0].replace(FRAME_TITLE, title) + cells + "\n" + frame[1], get_logger())
    text, missing_alt = written
    if missing_alt:
        get_logger().warning("Alternative text is missing on %s image(s).", missing_alt)
    return frame[2].replace(FRAME_TITLE, title) + text + frame[3]


# The elements the report's HTML uses; anything else goes through BeautifulSoup.
_PLAIN_TAGS = frozenset(
    "div span p h1 h2 h3 h4 h5 h6 table thead tbody tfoot tr th td caption ul ol li b i em strong small sub sup "
    "code a img br hr style script".split()
)
_VOID_TAGS = frozenset({"img", "br", "hr"})
# attributes BeautifulSoup splits at white space besides ``class`` (on some elements): left to it
_LIST_ATTRIBUTES = frozenset({"accesskey", "dropzone", "rel", "rev", "headers"})
_RAW_TEXT_TAGS = frozenset({"style", "script"})  # BeautifulSoup writes their text as it is
_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"
_CHARREF = re.compile(r"(?:[xX]([0-9a-fA-F]+)|([0-9]+))\Z")
_XML_ESCAPES = re.compile("[<>&]")
_NON_WHITESPACE = re.compile(r"\S+")


def _safe_codepoint(number: int) -> bool:
    """A character BeautifulSoup reads from ``&#number;`` as ``chr(number)`` (no replacement, no Windows-1252)."""
    return 0x20 <= number <= 0x7E or 0xA0 <= number <= 0xD7FF or 0xE000 <= number <= 0xFDCF


def _written_like_beautifulsoup(html: str) -> tuple[str, int] | None:
    """``html`` (the cells inside ``<main>``) as nbconvert's last pass writes it, or ``None``; and the images
    given alt text.

    BeautifulSoup (Python's HTML parser, the "minimal" formatter) writes well-formed HTML of the elements in
    :data:`_PLAIN_TAGS` by rules simple enough to follow here without importing it (0.09 CPU-s of a report):
    the same parser's events; each text between tags joined, a text of ASCII spaces only written as one
    newline (or one space if it has none), ``& < >`` escaped except inside ``<style>`` and ``<script>``;
    attributes sorted by name, ``class`` split at white space and joined by single spaces, values with
    ``& < >`` escaped and quoted as :meth:`bs4.dammit.EntitySubstitution.quoted_attribute_value` does;
    images written ``<img .../>``.  The last pass gives images without ``alt`` a placeholder text and makes
    every output area focusable.  ``None`` (BeautifulSoup writes it) for anything else: other elements,
    comments, declarations, an end tag that does not close the last open element, elements left open,
    attributes without a value or given twice, numeric references BeautifulSoup would replace.
    ``tests/test_report_runner.py`` compares this with BeautifulSoup.
    """
    from html.parser import HTMLParser

    out: list[str] = []
    text: list[str] = []
    stack: list[str] = []
    missing_alt = 0

    class Refused(Exception):
        pass

    def escape(value: str) -> str:
        return _XML_ESCAPES.sub(lambda m: {"<": "&lt;", ">": "&gt;", "&": "&amp;"}[m.group()], value)

    def flush_text() -> None:
        if not text:
            return
        joined = "".join(text)
        text.clear()
        if not joined.strip(_ASCII_SPACES):
            joined = "\n" if "\n" in joined else " "
        out.append(joined if stack and stack[-1] in _RAW_TEXT_TAGS else escape(joined))

    def quoted(value: str) -> str:
        value = escape(value)
        if '"' in value:
            if "'" in value:
                return '"' + value.replace('"', "&quot;") + '"'
            return "'" + value + "'"
        return '"' + value + '"'

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            nonlocal missing_alt
            flush_text()
            names = [name for name, _ in attrs]
            if tag not in _PLAIN_TAGS or len(set(names)) != len(names) or any(v is None for _, v in attrs):
                raise Refused
            if _LIST_ATTRIBUTES.intersection(names):
                raise Refused
            values = dict(attrs)
            if "class" in values:
                classes = _NON_WHITESPACE.findall(values["class"] or "")
                values["class"] = " ".join(classes)
                if tag == "div" and {"jp-OutputArea-output", "jp-Cell-inputWrapper"} & set(classes):
                    values["tabindex"] = "0"  # .jp-Notebook div.jp-OutputArea-output, div.jp-Cell-inputWrapper
            if tag == "img" and "alt" not in values:
                values["alt"] = _NO_ALT
                missing_alt += 1
            written = "".join(f" {name}={quoted(values[name] or '')}" for name in sorted(values))
            if tag in _VOID_TAGS:
                out.append(f"<{tag}{written}/>")
            else:
                out.append(f"<{tag}{written}>")
                stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            flush_text()
            if not stack or stack[-1] != tag:
                raise Refused
            out.append(f"</{stack.pop()}>")

        def handle_data(self, data: str) -> None:
            if not data:
                raise Refused
            text.append(data)

        def handle_charref(self, name: str) -> None:
            match = _CHARREF.match(name)
            if match is None:
                raise Refused
            number = int(match.group(1), 16) if match.group(1) else int(match.group(2))
            if not _safe_codepoint(number):
                raise Refused
            text.append(chr(number))

        def handle_entityref(self, name: str) -> None:
            character = entity_character(name)
            text.append(character if character is not None else f"&{name}")

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag not in _VOID_TAGS:
                raise Refused
            self.handle_starttag(tag, attrs)

        def handle_comment(self, data: str) -> None:
            raise Refused

        def handle_decl(self, decl: str) -> None:
            raise Refused

        def handle_pi(self, data: str) -> None:
            raise Refused

        def unknown_decl(self, data: str) -> None:
            raise Refused

    parser = Parser(convert_charrefs=False)
    try:
        parser.feed(html)
        parser.close()
        flush_text()
    except Refused:
        return None
    if stack:
        return None
    return "".join(out), missing_alt
