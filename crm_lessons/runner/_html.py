"""Notebooks as self-contained HTML pages, with the characters they use cut from the bundled Chinese font."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from crm_lessons.runner import _page

_EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>", re.I | re.S)
_MODULE_IMPORT = re.compile(
    r"<script\b[^>]*type=[\"']module[\"'][^>]*>(?:(?!</script>).)*?https?://"
    r"(?:(?!</script>).)*</script>",
    re.I | re.S,
)


_EMBEDDED_FAMILY = "CRM Lessons Noto Sans SC"


def subset_font(text: str, *, flavor: str | None = None) -> bytes:
    """The bundled Noto Sans SC font cut down to the characters of ``text``.

    Parameters
    ----------
    text : str
        Every character the font must cover (duplicates are ignored).
    flavor : {None, "woff"}
        ``None`` gives OpenType (OTF) bytes, ``"woff"`` a zlib-compressed WOFF file.

    Notes
    -----
    OTF is cut by HarfBuzz's subsetter (uharfbuzz; about 0.01 CPU-s for a report's 460 characters),
    WOFF by fontTools (0.2 CPU-s more and 0.15 s to import it): both keep the same glyphs, outlines and
    layout features (those browsers apply by themselves: ccmp, locl, kern, liga, mark, vert, ...; not
    the alternates only CSS ``font-feature-settings`` asks for) and every name record (the copyright
    and licence notices).

    Examples
    --------
    >>> data = subset_font("客户")
    >>> data[:4] == b"OTTO" and len(data) < 50_000
    True
    """
    from crm_lessons.fonts import font_path

    characters = sorted(set(text))
    if flavor is None:
        import uharfbuzz as hb

        subset_input = hb.SubsetInput()
        subset_input.sets(hb.SubsetInputSets.UNICODE).update(map(ord, characters))
        subset_input.sets(hb.SubsetInputSets.NAME_ID).add_range(0, 0x7FFF)  # keep every name record
        subset_input.sets(hb.SubsetInputSets.NAME_LANG_ID).add_range(0, 0xFFFF)
        subset_input.flags = hb.SubsetFlags.NOTDEF_OUTLINE
        return bytes(hb.subset(hb.Face(hb.Blob(font_path().read_bytes())), subset_input).blob.data)

    import io

    from fontTools import subset

    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and licence notices
    options.notdef_outline = True
    # fontTools' default layout features: those browsers apply by themselves (ccmp, locl, kern, liga, mark,
    # vert, ...).  Keeping every feature ("*") also kept alternates that only CSS font-feature-settings
    # ask for (aalt, fwid, hwid, palt, ruby, ...): half again the size and twice the time to cut.
    options.flavor = flavor
    font = subset.load_font(io.BytesIO(font_path().read_bytes()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(characters))
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    font.close()
    return buffer.getvalue()


def embedded_font_css(text: str) -> str:
    """A ``<style>`` block embedding the bundled Chinese font, cut down to the characters of ``text``.

    A page that must open anywhere cannot count on a Chinese system font (a
    fresh Linux machine has none, and the text then shows as boxes), so the
    characters the page uses are cut from the bundled Noto Sans SC subset
    (OFL) with HarfBuzz and embedded as a data URL: typically 50-300 kB.

    Examples
    --------
    >>> css = embedded_font_css("客户关系管理 CRM")
    >>> css.startswith("<style>") and "@font-face" in css and "font/otf" in css
    True
    """
    import base64

    data = base64.b64encode(subset_font(text)).decode("ascii")
    family = f'"{_EMBEDDED_FAMILY}", system-ui, -apple-system, "Segoe UI", sans-serif'
    # printed output (pre) falls back to the embedded font for Chinese characters, too
    mono = f'ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", "{_EMBEDDED_FAMILY}", monospace'
    return (
        "<style>"
        f'@font-face{{font-family:"{_EMBEDDED_FAMILY}";src:url(data:font/otf;base64,{data}) format("opentype");}}'
        f":root{{--jp-content-font-family:{family};--jp-ui-font-family:{family};--jp-code-font-family:{mono};}}"
        f"body{{font-family:{family};}}"
        f"pre,code,kbd,samp{{font-family:{mono};}}"
        "</style>"
    )


def _exporter_class() -> Any:
    """nbconvert's ``HTMLExporter`` whose last pass finds its elements by walking the tree, not by CSS selectors.

    ``HTMLExporter.from_notebook_node`` parses the page with BeautifulSoup, gives images without ``alt``
    a placeholder text and makes the cells' input and output areas focusable, finding them with three
    CSS selectors; soupsieve compiles its selector parser's regular expressions on first use (0.1
    CPU-s, once per process: the report's whole run).  This subclass does the same steps with the same
    parse and serialisation (:func:`crm_lessons.runner._page.last_pass`), finding the same elements in
    the same order by walking the tree (``tests/test_report_runner.py`` checks the page equal to
    nbconvert's own).  ``template_text`` gives the page before that pass.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class Exporter(HTMLExporter):
        def template_text(self, nb: Any, resources: Any = None, **kw: Any) -> tuple[str, Any]:
            # nbconvert 7.17's HTMLExporter.from_notebook_node up to its last pass
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> tuple[str, Any]:  # type: ignore[override]
            html, resources = self.template_text(nb, resources, **kw)
            return _page.last_pass(html, self.log), resources

    return Exporter


def _exporter(*, exclude_input: bool) -> Any:
    """The exporter :func:`to_html` uses: the lab template, output prompts hidden, nothing loaded from the internet."""
    exporter = _exporter_class()(
        template_name="lab",
        exclude_input=exclude_input,
        exclude_input_prompt=exclude_input,
        exclude_output_prompt=True,
        optimistic_validation=True,  # the notebook checked once after the preprocessors, not after each of 12
    )
    exporter.require_js_url = ""
    exporter.mathjax_url = ""
    exporter.mermaid_js_url = ""
    exporter.mermaid_layout_elk_js_url = ""
    return exporter


def page_frame() -> str:
    """The text of ``runner/_page_frame.html`` for the installed nbconvert: the page of an empty notebook.

    nbconvert's lab template output for a notebook without cells, titled
    :data:`crm_lessons.runner._page.FRAME_TITLE`, before its last pass and after it (separated by
    :data:`crm_lessons.runner._page.FRAME_SEPARATOR`), after a first line naming the versions of
    :data:`crm_lessons.runner._page.FRAME_PACKAGES` it was made with.  After updating nbconvert::

        python -c "from crm_lessons.runner._html import page_frame, _page; _page.FRAME_FILE.write_text(page_frame())"
    """
    from nbformat.v4 import new_notebook
    from traitlets.log import get_logger

    text, _ = _exporter(exclude_input=True).template_text(
        new_notebook(), resources={"metadata": {"name": _page.FRAME_TITLE}}
    )
    written = _page.last_pass(text, get_logger())
    return _page.frame_header(_page.installed_versions()) + text + _page.FRAME_SEPARATOR + written


def to_html(notebook: Any, *, exclude_input: bool = False, title: str | None = None, embed_font: bool = True) -> str:
    """Render an executed notebook as a self-contained HTML page that opens offline.

    Images are embedded (base64) as nbconvert stores them; scripts that the
    template would load from the internet (require.js, MathJax, mermaid) are
    left out, so nothing is fetched when the page is opened.

    Parameters
    ----------
    notebook : NotebookNode, dict or path
        An executed notebook (as nbformat or :func:`execute_in_process` give it) or its file.
    exclude_input : bool
        Hide code cells (for reports handed to managers).
    title : str, optional
        Page title (default: the notebook's first heading).
    embed_font : bool, default True
        Embed the characters the page uses from the bundled Chinese font
        (see :func:`embedded_font_css`), so that Chinese text renders on a
        machine without a Chinese system font.
    """
    if isinstance(notebook, (str, os.PathLike)):
        import nbformat

        notebook = nbformat.read(Path(notebook), as_version=4)
    # the report's page (code hidden, HTML and PNG outputs) without nbconvert: the same text (crm_lessons.runner._page)
    body = _page.write_page(notebook, title) if exclude_input and title else None
    if body is None:
        if not hasattr(notebook, "cells"):  # plain dicts (execute_in_process(..., as_dict=True))
            from nbformat import from_dict

            notebook = from_dict(notebook)
        resources = {"metadata": {"name": title}} if title else None
        body, _ = _exporter(exclude_input=exclude_input).from_notebook_node(notebook, resources=resources)
    body = _MODULE_IMPORT.sub("", body)
    body = _EXTERNAL_SCRIPT.sub("", body)
    body = re.sub(r"<script\b[^>]*\bsrc=[\"']\s*[\"'][^>]*>\s*</script>", "", body)
    if embed_font:
        body = body.replace("</head>", embedded_font_css(body) + "\n</head>", 1)
    return body
