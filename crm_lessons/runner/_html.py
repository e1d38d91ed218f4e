"""Notebooks as self-contained HTML pages, with the characters they use cut from the bundled Chinese font."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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
    parse and serialisation, finding the same elements in the same order by walking the tree
    (``tests/test_report_runner.py`` checks the page equal to nbconvert's own).
    """
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    def classes(element: Any) -> Any:
        value = element.get("class") or ()
        return value.split() if isinstance(value, str) else value

    def under_notebook(element: Any) -> bool:  # CSS ".jp-Notebook <element>": a proper ancestor has the class
        return any("jp-Notebook" in classes(parent) for parent in element.parents)

    class Exporter(HTMLExporter):
        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> tuple[str, Any]:  # type: ignore[override]
            # nbconvert 7.17's HTMLExporter.from_notebook_node, with its ``soup.select`` calls as tree walks
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            soup = BeautifulSoup(html, features="html.parser")
            missing_alt = 0
            for element in soup.find_all("img"):  # img:not([alt])
                if "alt" not in element.attrs:
                    element.attrs["alt"] = "No description has been provided for this image"
                    missing_alt += 1
            if missing_alt:
                self.log.warning("Alternative text is missing on %s image(s).", missing_alt)
            for name in ("jp-Cell-inputWrapper", "jp-OutputArea-output"):  # .jp-Notebook div.<name>
                for element in soup.find_all("div"):
                    if name in classes(element) and under_notebook(element):
                        element.attrs["tabindex"] = "0"
            return str(soup), resources

    return Exporter


def to_html(notebook: Any, *, exclude_input: bool = False, title: str | None = None, embed_font: bool = True) -> str:
    """Render an executed notebook as a self-contained HTML page that opens offline.

    Images are embedded (base64) as nbconvert stores them; scripts that the
    template would load from the internet (require.js, MathJax, mermaid) are
    left out, so nothing is fetched when the page is opened.

    Parameters
    ----------
    notebook : NotebookNode or path
    exclude_input : bool
        Hide code cells (for reports handed to managers).
    title : str, optional
        Page title (default: the notebook's first heading).
    embed_font : bool, default True
        Embed the characters the page uses from the bundled Chinese font
        (see :func:`embedded_font_css`), so that Chinese text renders on a
        machine without a Chinese system font.
    """
    import nbformat

    if not hasattr(notebook, "cells"):
        notebook = nbformat.read(Path(notebook), as_version=4)
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
    resources = {"metadata": {"name": title}} if title else None
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    body = _MODULE_IMPORT.sub("", body)
    body = _EXTERNAL_SCRIPT.sub("", body)
    body = re.sub(r"<script\b[^>]*\bsrc=[\"']\s*[\"'][^>]*>\s*</script>", "", body)
    if embed_font:
        body = body.replace("</head>", embedded_font_css(body) + "\n</head>", 1)
    return body
