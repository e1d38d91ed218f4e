"""Execute the chapter notebooks and render them as a static HTML course.

``make course`` (or ``python -m crm_lessons course``) runs every chapter
notebook under ``notebooks/`` top to bottom in a fresh kernel with papermill,
on the bundled data, and writes ``build/course/index.html`` linking each
executed chapter and the glossary (``glossary.html``).  The pages open
offline: images are embedded and no script is loaded from the internet.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm_lessons._fileio import atomic_write_bytes

__all__ = [
    "ChapterResult",
    "build_course",
    "chapter_notebooks",
    "execute_notebook",
    "glossary_page",
    "notebook_title",
    "project_root",
    "to_html",
]

_CHAPTER = re.compile(r"^\d{2}_.+\.ipynb$")


def project_root() -> Path:
    """The source checkout this package was installed from (where ``notebooks/`` lives)."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "notebooks").is_dir():
        raise FileNotFoundError(
            "crm_lessons: no notebooks/ folder next to the package; run this from a source "
            "checkout installed with 'pip install -e .' (see README)"
        )
    return root


def chapter_notebooks(folder: str | os.PathLike | None = None) -> list[Path]:
    """Chapter notebooks (``NN_name.ipynb``) in ``folder``, in chapter order."""
    folder = Path(folder) if folder is not None else project_root() / "notebooks"
    return sorted(p for p in folder.iterdir() if _CHAPTER.match(p.name))


def notebook_title(path: str | os.PathLike) -> str:
    """The first level-1 markdown heading of a notebook, or its file name."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", [])).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return Path(path).stem


def execute_notebook(src: str | os.PathLike, dst: str | os.PathLike | None = None, *,
                     parameters: Mapping[str, Any] | None = None, cwd: str | os.PathLike | None = None,
                     timeout: int = 600, log_output: bool = False) -> Any:
    """Run a notebook top to bottom in a fresh kernel with papermill.

    Parameters
    ----------
    src : path
        The notebook; it is never modified.
    dst : path, optional
        Where to write the executed notebook (atomically); ``None`` keeps it in memory only.
    parameters : mapping, optional
        Values injected after the cell tagged ``parameters``.
    cwd : path, optional
        Working directory of the kernel (default: the notebook's folder).

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook.

    Raises
    ------
    papermill.PapermillExecutionError
        A cell raised; the message names the cell and the exception.
    """
    import nbformat
    import papermill as pm

    src = Path(src)
    if dst is not None and Path(dst).resolve() == src.resolve():
        raise ValueError(f"refusing to overwrite the source notebook {src}; choose another output path")
    with tempfile.TemporaryDirectory() as tmpdir:
        out = Path(tmpdir) / src.name
        nb = pm.execute_notebook(
            str(src), str(out), parameters=dict(parameters or {}), kernel_name="python3",
            cwd=str(cwd or src.parent), progress_bar=False, log_output=log_output,
            execution_timeout=timeout, report_mode=False,
        )
        if dst is not None:
            atomic_write_bytes(Path(dst), out.read_bytes())
    return nbformat.from_dict(nb)


_EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>", re.I | re.S)
_MODULE_IMPORT = re.compile(r"<script\b[^>]*type=[\"']module[\"'][^>]*>(?:(?!</script>).)*?https?://"
                            r"(?:(?!</script>).)*</script>", re.I | re.S)


_EMBEDDED_FAMILY = "CRM Lessons Noto Sans SC"


def embedded_font_css(text: str) -> str:
    """A ``<style>`` block embedding the bundled Chinese font, cut down to the characters of ``text``.

    A page that must open anywhere cannot count on a Chinese system font (a
    fresh Linux machine has none, and the text then shows as boxes), so the
    characters the page uses are cut from the bundled Noto Sans SC subset
    (OFL) with fontTools and embedded as a data URL: typically 50-300 kB.

    Examples
    --------
    >>> css = embedded_font_css("客户关系管理 CRM")
    >>> css.startswith("<style>") and "@font-face" in css and "font/otf" in css
    True
    """
    import base64
    import io

    from fontTools import subset

    from crm_lessons.plotting import font_path

    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and licence notices
    options.notdef_outline = True
    options.layout_features = ["*"]
    font = subset.load_font(io.BytesIO(font_path().read_bytes()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    font.close()
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    family = f'"{_EMBEDDED_FAMILY}", system-ui, -apple-system, "Segoe UI", sans-serif'
    return (
        "<style>"
        f'@font-face{{font-family:"{_EMBEDDED_FAMILY}";src:url(data:font/otf;base64,{data}) format("opentype");}}'
        f":root{{--jp-content-font-family:{family};--jp-ui-font-family:{family};}}"
        f"body{{font-family:{family};}}"
        "</style>"
    )


def to_html(notebook: Any, *, exclude_input: bool = False, title: str | None = None,
            embed_font: bool = True) -> str:
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
    from nbconvert import HTMLExporter

    if not hasattr(notebook, "cells"):
        notebook = nbformat.read(Path(notebook), as_version=4)
    exporter = HTMLExporter(template_name="lab", exclude_input=exclude_input,
                            exclude_input_prompt=exclude_input, exclude_output_prompt=True)
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


@dataclass(frozen=True)
class ChapterResult:
    """One executed chapter: its source, HTML page, title and run time in seconds."""

    source: Path
    html: Path
    title: str
    seconds: float


def glossary_page() -> str:
    """The course glossary (:mod:`crm_lessons.glossary`) as a self-contained HTML page, by chapter."""
    from crm_lessons.glossary import entries

    rows = "\n".join(
        f"<tr><td>{html.escape(e.term)}</td><td>{html.escape(e.english)}</td>"
        f"<td>{html.escape('、'.join(e.aliases))}</td><td>{html.escape(e.definition)}</td>"
        f"<td>第{e.chapter}章 {html.escape(e.section)}</td></tr>" for e in entries()
    )
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>术语表 Glossary · 客户关系管理</title>
<style>body{{max-width:60em;margin:3em auto;line-height:1.6;color:#222}}
table{{border-collapse:collapse}} td,th{{border-bottom:1px solid #ddd;padding:.4em;vertical-align:top;text-align:left}}</style>
</head>
<body><h1>术语表 Glossary</h1>
<p>课程各章定义的术语。在笔记本中：<code>from crm_lessons.glossary import lookup; print(lookup("顾客份额"))</code>。
<a href="index.html">返回目录 back to the index</a></p>
<table><tr><th>术语 term</th><th>English</th><th>又称 aliases</th><th>定义 definition</th><th>出处 taught in</th></tr>
{rows}
</table></body></html>
"""
    return page.replace("</head>", embedded_font_css(page) + "\n</head>", 1)


def _index_page(chapters: list[ChapterResult], report: Path | None = None) -> str:
    extra = (f'<p><a href="{html.escape(report.name)}">示例分析报告 Sample CRM report</a> '
             '(<code>crm-lessons report</code> on the CDNOW data)</p>' if report is not None else "")
    extra += '<p><a href="glossary.html">术语表 Glossary</a>: every term the chapters define</p>\n'
    items = "\n".join(
        f'<li><a href="{html.escape(c.html.name)}">{html.escape(c.title)}</a> '
        f'<span class="t">({c.seconds:.1f} s)</span></li>' for c in chapters
    )
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>crm-lessons · 客户关系管理 课程</title>
<style>body{{font-family:"Microsoft YaHei","PingFang SC",sans-serif;max-width:46em;margin:3em auto;
line-height:1.6;color:#222}} li{{margin:.4em 0}} .t{{color:#888;font-size:.85em}}</style>
</head>
<body><h1>客户关系管理 · Customer Relationship Management</h1>
<p>Chapter notebooks executed on the bundled data by <code>make course</code>.
各章笔记本在随附的真实数据上运行的结果。</p>
<ol>
{items}
</ol>
{extra}</body></html>
"""
    return page.replace("</head>", embedded_font_css(page) + "\n</head>", 1)


def build_course(out_dir: str | os.PathLike = "build/course", *, notebooks_dir: str | os.PathLike | None = None,
                 verbose: bool = True, report: bool = True) -> list[ChapterResult]:
    """Execute every chapter notebook and write an HTML course with an index page.

    With ``report=True`` the sample analyst's report on the bundled CDNOW data
    (:func:`crm_lessons.report.render_report`) is written to ``report.html``
    and linked from the index page.

    Returns
    -------
    list of ChapterResult
    """
    out = Path(out_dir)
    executed = out / "executed"
    results: list[ChapterResult] = []
    for src in chapter_notebooks(notebooks_dir):
        start = time.perf_counter()
        if verbose:
            print(f"running {src.name} ...", flush=True)
        nb = execute_notebook(src, executed / src.name)
        page = out / (src.stem + ".html")
        atomic_write_bytes(page, to_html(nb).encode("utf-8"))
        seconds = time.perf_counter() - start
        results.append(ChapterResult(src, page, notebook_title(src), seconds))
        if verbose:
            print(f"  -> {page} ({seconds:.1f} s)", flush=True)
    report_page = None
    if report:
        from crm_lessons.report import render_report

        report_page = render_report(None, out / "report.html", progress=print if verbose else None)
    atomic_write_bytes(out / "glossary.html", glossary_page().encode("utf-8"))
    atomic_write_bytes(out / "index.html", _index_page(results, report_page).encode("utf-8"))
    if verbose:
        print(f"course written to {out / 'index.html'}")
    return results


def refresh_notebook(path: str | os.PathLike) -> Path:
    """Re-execute a chapter notebook and store its outputs in place (maintainers' tool).

    This is how committed outputs are produced (see ``notebooks/README.md``,
    "Output policy"): a clean papermill run with the default parameters, then
    papermill's per-cell timing metadata is dropped so diffs show only real
    changes.
    """
    import nbformat

    path = Path(path)
    nb = execute_notebook(path)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nb.metadata.pop("papermill", None)
    atomic_write_bytes(path, (nbformat.writes(nb) + "\n").encode("utf-8"))
    return path
