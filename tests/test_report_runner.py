"""The report's template runs in the command's process (``runner.execute_in_process``): the same outputs as a kernel."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from crm_lessons.runner import CellExecutionError, execute_in_process, execute_notebook, to_html

CELLS = [
    new_code_cell("N = 3\nLABEL = 'x'", metadata={"tags": ["parameters"]}),
    new_markdown_cell("# title"),
    new_code_cell(
        "import matplotlib.pyplot as plt\nfrom IPython.display import HTML, display\n"
        "from crm_lessons.plotting import set_theme\nset_theme()"
    ),
    new_code_cell("display(HTML(f'<b>{LABEL * N}</b>'))\nprint('printed', N)\nN * 2"),
    new_code_cell("N + 1;  # a semicolon hides the value"),
    new_code_cell(  # one figure shown mid-cell, one left open at the end of the cell
        "fig, ax = plt.subplots(figsize=(3, 2))\nax.bar(['甲', 'b'], [1, N])\nplt.show()\n"
        "fig, ax = plt.subplots(figsize=(2, 2))\nax.plot([0, N])\nfig.tight_layout();"
    ),
    new_code_cell("import sys\nprint('to stderr', file=sys.stderr)\nNone"),
]


@pytest.fixture
def notebook(tmp_path):
    path = tmp_path / "nb.ipynb"
    nbformat.write(
        new_notebook(
            cells=CELLS, metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
        ),
        path,
    )
    return path


def _outputs(nb):
    return [
        [
            (o["output_type"], o.get("name"), o.get("text"), dict(o.get("data", {})), dict(o.get("metadata", {})))
            for o in c.outputs
        ]
        for c in nb.cells
        if c.cell_type == "code"
    ]


@pytest.mark.notebook
def test_in_process_outputs_equal_a_kernel_run(notebook):
    """Displays, prints, results, hidden results and figures (the PNG bytes too) as ipykernel records them."""
    params = {"N": 4, "LABEL": "<i>"}
    kernel = execute_notebook(notebook, parameters=params)
    here = execute_in_process(notebook, parameters=params)
    assert [c.get("metadata", {}).get("tags") or [] for c in here.cells] == [
        c.get("metadata", {}).get("tags") or [] for c in kernel.cells
    ], "the injected-parameters cell where papermill puts it"
    assert _outputs(here) == _outputs(kernel)
    figures = [o for c in here.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(figures) == 2
    strip = lambda page: page.replace(kernel.cells[1].id, "").replace(here.cells[1].id, "")  # noqa: E731 (papermill's random id)
    assert strip(to_html(here, exclude_input=True, embed_font=False)) == strip(
        to_html(kernel, exclude_input=True, embed_font=False)
    )


def test_errors_and_interrupts_leave_the_process_as_it_was(notebook, tmp_path):
    import matplotlib
    from IPython.core.interactiveshell import InteractiveShell

    def settings():  # every rcParam but the backend, read without resolving an "auto" backend
        return {key: matplotlib.rcParams._get(key) for key in matplotlib.rcParams if key != "backend"}

    from matplotlib import colors

    def codes():  # the colour codes set_theme() points at its palette
        return [colors.to_rgb(c) for c in "bgrmyck"]

    backend, rc, stdout, before = matplotlib.rcParams._get_backend_or_none(), settings(), sys.stdout, codes()
    shell = InteractiveShell.__dict__.get("_instance")
    assert execute_in_process(notebook).cells[3].outputs[2]["data"]["text/plain"] == "6"
    bad = tmp_path / "bad.ipynb"
    nbformat.write(
        new_notebook(
            cells=[
                new_code_cell(
                    "from crm_lessons.plotting import set_theme\nset_theme()\nimport matplotlib.pyplot as plt\nplt.subplots()\n1 / 0"
                )
            ]
        ),
        bad,
    )
    with pytest.raises(CellExecutionError, match="cell 0 raised ZeroDivisionError: division by zero") as exc:
        execute_in_process(bad)
    assert (exc.value.ename, exc.value.evalue) == ("ZeroDivisionError", "division by zero")
    stop = tmp_path / "stop.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("raise KeyboardInterrupt")]), stop)
    with pytest.raises(KeyboardInterrupt):
        execute_in_process(stop)
    assert matplotlib.rcParams._get_backend_or_none() == backend
    assert settings() == rc, "the notebook's theme stays in the notebook"
    assert codes() == before, "the notebook's colour codes stay in the notebook"
    assert sys.stdout is stdout and InteractiveShell.__dict__.get("_instance") is shell
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []


_THEME_STATES = """
import sys, matplotlib
from matplotlib import colors
from crm_lessons.plotting import _FALLBACK, register_font, set_theme

def state():
    got = {k: matplotlib.rcParams._get(k) for k in matplotlib.rcParams if k != "backend"}
    got["codes"] = [colors.to_rgb(c) for c in "bgrmyck"]
    return sorted((k, repr(v)) for k, v in got.items())

set_theme()
states = {"ours": state(), "imported": ["seaborn" in sys.modules, "scipy.stats" in sys.modules]}
import seaborn as sns
matplotlib.rcdefaults()
set_theme()
states["ours_after_seaborn"] = state()
matplotlib.rcdefaults()
family = register_font()
sns.set_theme(context="notebook", style="whitegrid", palette="deep", font_scale=1.0, rc={
    "font.family": [family, *_FALLBACK], "font.sans-serif": [family, *_FALLBACK], "axes.unicode_minus": False,
    "figure.dpi": 100, "savefig.dpi": 150, "figure.figsize": (7.0, 4.2)})
states["seaborn"] = state()
print(repr(states))
"""


def test_the_course_theme_is_seaborns_without_importing_seaborn():
    """set_theme() gives seaborn's whitegrid theme (rcParams and colour codes) without seaborn and scipy.stats
    (about 0.5 s of each report and chapter); and after seaborn's import, its "rocket" image colour map too."""
    proc = subprocess.run([sys.executable, "-c", _THEME_STATES], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    states = eval(proc.stdout)  # noqa: S307 - our own repr
    assert states["imported"] == [False, False], "neither seaborn nor scipy.stats imported"
    assert states["ours_after_seaborn"] == states["seaborn"]
    differ = dict(set(states["ours"]) ^ set(states["seaborn"]))
    assert set(differ) == {"image.cmap"}, differ  # "rocket" exists only once seaborn is imported


def test_the_pages_font_cut_by_harfbuzz_has_fonttools_glyphs_outlines_and_features():
    """``subset_font`` cuts OTF with HarfBuzz (0.01 s) and WOFF with fontTools (0.35 s with its import): for a
    report's characters both keep the same characters, glyphs, outlines, advances and layout features."""
    import io

    from fontTools import subset
    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.ttLib import TTFont

    from crm_lessons.fonts import font_path
    from crm_lessons.runner import subset_font

    text = (
        "客户关系管理报告：数据质量、关键指标、RFM 细分、生命周期、CLV（顾客终身价值）￥1,234.50 —「」《》%\n\tABCxyz"
    )
    harfbuzz = TTFont(io.BytesIO(subset_font(text)))
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    reference = subset.load_font(io.BytesIO(font_path().read_bytes()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(reference)

    assert sorted(harfbuzz.keys()) == sorted(reference.keys())
    cmap, ref_cmap = harfbuzz.getBestCmap(), reference.getBestCmap()
    assert set(cmap) == set(ref_cmap) and {ord(c) for c in text if c.isprintable()} <= set(cmap)
    assert len(harfbuzz.getGlyphOrder()) == len(reference.getGlyphOrder())
    glyphs, ref_glyphs = harfbuzz.getGlyphSet(), reference.getGlyphSet()
    for code in cmap:
        pen, ref_pen = RecordingPen(), RecordingPen()
        glyphs[cmap[code]].draw(pen)
        ref_glyphs[ref_cmap[code]].draw(ref_pen)
        assert (pen.value, glyphs[cmap[code]].width) == (ref_pen.value, ref_glyphs[ref_cmap[code]].width), chr(code)
    for table in ("GSUB", "GPOS"):
        tags = [{r.FeatureTag for r in font[table].table.FeatureList.FeatureRecord} for font in (harfbuzz, reference)]
        assert tags[0] == tags[1], table
    names = {(n.nameID, n.platformID, n.langID) for n in harfbuzz["name"].names}
    assert {(n.nameID, n.platformID, n.langID) for n in reference["name"].names} <= names  # licence notices kept
    assert subset_font(text, flavor="woff")[:4] == b"wOFF"


def test_the_page_equals_nbconverts_own(notebook, monkeypatch):
    """``to_html``'s exporter finds the elements of nbconvert's last pass without CSS selectors: same page, with
    and without the code, an image without ``alt``, HTML and Markdown with images and the notebook's classes."""
    from nbconvert import HTMLExporter

    from crm_lessons.runner import _html

    nb = execute_in_process(notebook, parameters={"N": 2, "LABEL": '<img src="x.png"><div class="jp-Notebook">'})
    nb.cells.append(
        new_markdown_cell(
            '## 图 <img src="a.png"> <img src="b.png" alt="b">\n\n<div class="jp-OutputArea-output">x</div>'
        )
    )
    nb.cells.append(
        new_code_cell(
            "x = 1",
            outputs=[
                nbformat.v4.new_output(
                    "display_data", data={"text/html": '<div class="a jp-Cell-inputWrapper"><img src="c.png"></div>'}
                )
            ],
        )
    )
    for exclude_input in (True, False):
        ours = to_html(nb, exclude_input=exclude_input, title="报告", embed_font=False)
        with monkeypatch.context() as patch:
            patch.setattr(_html, "_exporter_class", lambda: HTMLExporter)
            theirs = to_html(nb, exclude_input=exclude_input, title="报告", embed_font=False)
        assert ours == theirs
        assert 'tabindex="0"' in ours and 'alt="No description has been provided for this image"' in ours


#: HTML as the report's cells show it, which runner._page writes without BeautifulSoup, and some it leaves to it
_WELL_FORMED = [
    "<style>.a > b{color:red}</style>",
    "<h1>报告 &amp; 说明</h1>",
    "<p class=\"x  y\u3000z\" data-v='1'>&lt;客户&gt; &#x27;引号&#x27; &#39;&#x4e2d; &quot;q&quot; &nbsp;&copy; &bogus; a &amp b</p>",
    '<table class="crm-table"><thead><tr><th title="a&quot;b\'c">1</th><td title=\'say "hi"\'>2</td></tr></thead></table>',
    '<br><br/><img src="x.png"><img alt="a" src="y.png"><img src=z.png class="">',
    '<script type="application/json" id="report-figures">{"a": "<b>&amp;", "b": 1 > 0}</script>',
    '<div class="jp-OutputArea-output x"><ul><li>a</li><li>\n\n  </li><li>  </li><li>\t</li></ul></div>',
    "<div><span>x &gt; y</span> <em>1</em>\n<strong>2</strong></div><hr>",
]
_LEFT_TO_BEAUTIFULSOUP = [
    "<b>unclosed",
    '<table class="crm-table"><tr><td>1<td>2</table>',
    "<!-- a comment -->",
    "<p>&#0; &#x80;</p>",
    "<div/>",
    "<input disabled>",
    '<p a="1" a="2">x</p>',
    "<pre>  x  </pre>",
    "x</div>",
    "</br>",
    '<a rel="x  y" href="#">a</a>',
]


def _report_like_notebook(html=tuple(_WELL_FORMED + _LEFT_TO_BEAUTIFULSOUP[:2])):
    """Cells as the report's page has them: code hidden, HTML (entities, quotes, an unclosed tag) and PNG outputs."""
    import base64

    from nbformat.v4 import new_output

    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3).decode("ascii")
    nb = new_notebook(
        cells=[
            new_code_cell("N = 1", metadata={"tags": ["parameters"]}),
            new_code_cell("# injected", metadata={"tags": ["injected-parameters"]}),
            new_code_cell("import x"),
            new_code_cell(
                "show()",
                outputs=[new_output("display_data", data={"text/html": h, "text/plain": "<HTML>"}) for h in html],
            ),
            new_code_cell(
                "figure()",
                outputs=[new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})] * 2,
            ),
        ],
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
    )
    nb.cells[-1].id = "report-figures"
    return nb


def test_the_cells_are_written_as_beautifulsoup_writes_them():
    """``runner._page`` writes the cells' HTML as nbconvert's last pass (BeautifulSoup) does, without importing
    BeautifulSoup, and leaves to it what it does not write by the same rules."""
    from traitlets.log import get_logger

    from crm_lessons.runner import _page

    def beautifulsoup(html):
        page = _page.last_pass(f'<body class="jp-Notebook"><main>{html}</main></body>', get_logger())
        return page.removeprefix('<body class="jp-Notebook"><main>').removesuffix("</main></body>")

    for html in _WELL_FORMED + ["".join(_WELL_FORMED)]:
        written = _page._written_like_beautifulsoup(html)
        assert written is not None and written[0] == beautifulsoup(html), html
    assert _page._written_like_beautifulsoup(_WELL_FORMED[4])[1] == 2  # images given alt text
    for html in _LEFT_TO_BEAUTIFULSOUP:
        assert _page._written_like_beautifulsoup(html) is None, html


def test_the_report_page_is_written_as_nbconvert_writes_it_without_nbconvert(monkeypatch):
    """``runner._page`` writes the lab template's text for the report's kinds of cells and nbconvert's last pass:
    the text before that pass and the page equal nbconvert's own (stock ``HTMLExporter``), in a process that
    never imports nbconvert; other notebooks, or a frame made by other versions, are left to nbconvert."""
    from nbconvert import HTMLExporter

    from crm_lessons.runner import _html, _page

    for nb in (_report_like_notebook(_WELL_FORMED), _report_like_notebook()):  # written here; by BeautifulSoup
        exporter = _html._exporter(exclude_input=True)
        theirs_text, _ = exporter.template_text(nb, resources={"metadata": {"name": "客户报告"}})
        assert _page.template_text(nb, "客户报告") == theirs_text
        ours = to_html(nb, exclude_input=True, title="客户报告")
        with monkeypatch.context() as patch:
            patch.setattr(_html, "_exporter_class", lambda: HTMLExporter)
            patch.setattr(_page, "write_page", lambda *args: None)
            theirs = to_html(nb, exclude_input=True, title="客户报告")
        assert ours == theirs
        assert 'alt="No description has been provided for this image"' in ours and "&lt;客户&gt;" in ours
    nb = _report_like_notebook()

    # nbconvert writes what this writer does not
    odd = [
        new_markdown_cell("# 标题"),
        new_code_cell("print(1)", outputs=[nbformat.v4.new_output("stream", name="stdout", text="1\n")]),
        new_code_cell("x", outputs=[nbformat.v4.new_output("execute_result", data={"text/html": "<b>1</b>"})]),
        new_code_cell(
            "f()",
            outputs=[
                nbformat.v4.new_output(
                    "display_data", data={"image/png": "AAAA"}, metadata={"needs_background": "light"}
                )
            ],
        ),
        new_code_cell("h()", outputs=[nbformat.v4.new_output("display_data", data={"text/html": "</main>x"})]),
    ]
    for cell in odd:
        other = _report_like_notebook()
        other.cells.append(cell)
        assert _page.write_page(other, "报告") is None, cell
    assert _page.write_page(nb, "A & B") is None
    monkeypatch.setattr(
        _page, "installed_versions", lambda: {"nbconvert": "0.1", "pygments": "0", "jupyterlab_pygments": "0"}
    )
    assert _page.write_page(nb, "报告") is None


def test_the_report_page_needs_no_nbconvert_import(tmp_path):
    path = tmp_path / "nb.ipynb"
    modules = "('nbconvert', 'jinja2', 'mistune', 'bs4')"
    for html, imported in ((_WELL_FORMED, "[]"), (_WELL_FORMED + ["<b>unclosed"], "['bs4']")):
        nbformat.write(_report_like_notebook(html), path)
        code = (
            "import sys, nbformat; from crm_lessons.runner import to_html; "
            f"page = to_html(nbformat.read({str(path)!r}, as_version=4), exclude_input=True, title='报告'); "
            f"print(len(page) > 1000, sorted(m for m in {modules} if m in sys.modules)); "
            "from bs4.dammit import EntitySubstitution; print(EntitySubstitution._CLASS_VARIABLES_POPULATED)"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert done.stdout == f"True {imported}\nFalse\n", done.stderr  # nor BeautifulSoup's entity tables built


def test_an_in_process_run_compiles_no_schema_checker(notebook):
    """The template is read as nbformat reads it and the parameters' cell made as nbformat makes it, without
    compiling nbformat's schema checker (0.05-0.1 CPU-s of every report)."""
    code = (
        "from crm_lessons.runner import execute_in_process; from nbformat import validator; "
        f"nb = execute_in_process({str(notebook)!r}, parameters={{'N': 2}}); "
        "print(validator.validators, [c.id for c in nb.cells if 'injected-parameters' in c.metadata.get('tags', [])])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    checkers, ids = done.stdout.split(" [")
    assert checkers == "{}" and len(ids.strip("[]'\n")) == 8, done.stdout + done.stderr
    nb = execute_in_process(notebook, parameters={"N": 2})
    nbformat.validate(nb)
    assert nb.cells[1] == {
        **new_code_cell("# Parameters\nN = 2\n", metadata={"tags": ["injected-parameters"]}),
        "id": nb.cells[1].id,
        "execution_count": 2,
    }
    assert nb == nbformat.reads(nbformat.writes(nb), as_version=4)
    plain = execute_in_process(notebook, parameters={"N": 2}, as_dict=True)  # the same, as plain dicts
    plain["cells"][1]["id"] = nb.cells[1].id
    assert type(plain) is dict and type(plain["cells"][4]["outputs"][0]) is dict and nbformat.from_dict(plain) == nb


def test_notebooks_read_as_plain_dicts_as_nbformat_reads_them(tmp_path):
    """``execute_in_process(..., as_dict=True)`` reads a notebook without nbformat: what ``nbformat.reads`` gives
    (the report's template, the chapters, and one with split lines, attachments, JSON outputs and transient
    fields); a notebook nbformat would repair (cells without ids) still goes through nbformat."""
    import json
    from pathlib import Path

    from crm_lessons.report import template_path
    from crm_lessons.runner import _inprocess

    odd = new_notebook(
        cells=[
            new_markdown_cell("a\nb\n", attachments={"x.png": {"image/png": "AAAA\nBBBB"}}),
            new_code_cell(
                "x\ny",
                outputs=[
                    nbformat.v4.new_output("stream", name="stdout", text="1\n2\n"),
                    nbformat.v4.new_output(
                        "display_data", data={"text/plain": "p\nq", "application/json": {"a": ["1\n", "2"]}}
                    ),
                ],
                metadata={"trusted": True, "tags": ["t"]},
            ),
        ],
        metadata={"signature": "sha256:x", "orig_nbformat": 3},
    )
    texts = [nbformat.writes(odd), template_path().read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in sorted(Path(template_path()).parents[1].glob("0[1-4]_*.ipynb"))]
    for text in texts:
        plain = _inprocess._plain_notebook(text)
        assert plain is not None and nbformat.from_dict(plain) == nbformat.reads(text, as_version=4)
    older = json.loads(nbformat.writes(odd))  # format 4.4: cells without ids
    older["nbformat_minor"] = 4
    for cell in older["cells"]:
        del cell["id"]
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(older), encoding="utf-8")
    assert _inprocess._plain_notebook(path.read_text(encoding="utf-8")) is None
    assert _inprocess._read_notebook(path, as_dict=True) == nbformat.read(path, as_version=4)


def test_the_report_imports_no_nbformat_nbconvert_or_jsonschema(tmp_path):
    out = tmp_path / "report.html"
    code = (
        "import sys; from crm_lessons.cli import main; "
        f"code = main(['report', '--out', {str(out)!r}]); "
        "print(code, sorted(m for m in ('nbformat', 'jsonschema', 'nbconvert', 'jinja2', 'mistune') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stdout.splitlines()[-1] == "0 []", done.stdout + done.stderr
    assert out.read_text(encoding="utf-8").count('data-mime-type="text/html"') > 20


def test_named_character_references_read_as_beautifulsoup_reads_them():
    from html.entities import html5

    from bs4.dammit import EntitySubstitution

    from crm_lessons.runner._page import entity_character

    table = EntitySubstitution.HTML_ENTITY_TO_CHARACTER
    names = {name.rstrip(";") for name in html5} | {"nosuch", "ampx", "AMP", "notin", "", "amp;"}
    assert {name: entity_character(name) for name in names} == {name: table.get(name) for name in names}


def test_the_stored_page_frame_is_the_installed_nbconverts():
    """``runner/_page_frame.html`` is the lab template's page of an empty notebook for the installed nbconvert,
    pygments and jupyterlab_pygments (when one of them changes, regenerate it: see ``runner._html.page_frame``)."""
    from crm_lessons.runner import _html, _page

    assert _page.FRAME_FILE.read_text(encoding="utf-8") == _html.page_frame(), (
        "nbconvert's page changed: regenerate runner/_page_frame.html (runner._html.page_frame's docstring)"
    )


def test_the_in_process_canvas_draws_agg_s_png_byte_for_byte():
    """The in-process backend's renderers share text measurements across a figure's layout passes: same PNG."""
    import io

    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from crm_lessons.plotting import set_theme
    from crm_lessons.runner._figures import FigureCanvas

    def png(canvas_class):
        with matplotlib.rc_context():
            set_theme()
            fig = Figure(figsize=(4, 3))
            canvas = canvas_class(fig)
            ax = fig.add_subplot()
            ax.bar(["客户甲", "客户乙", "b"], [3, 1, 2])
            ax.set_title("生命周期 lifecycle\n第二行", loc="left")
            ax.set_xlabel(r"$\alpha$ 与 P(alive)")
            fig.tight_layout()
            matplotlib.rcParams["font.size"] = 14  # a texts' size changed between layout and drawing
            ax.set_ylabel("客户数")
            buffer = io.BytesIO()
            canvas.print_figure(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
            return buffer.getvalue()

    assert png(FigureCanvas) == png(FigureCanvasAgg)


@pytest.mark.parametrize("fmt", [".0f", "d"])
def test_the_rfm_heatmap_draws_seaborns_png_byte_for_byte(fmt):
    """``plotting.rfm._heatmap`` (the report's heatmap without seaborn) draws what ``seaborn.heatmap`` draws."""
    import io

    import matplotlib
    import numpy as np
    import pandas as pd
    import seaborn as sns
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from crm_lessons.plotting import set_theme
    from crm_lessons.plotting.rfm import _heatmap

    values = np.arange(25).reshape(5, 5) * 37 % 101
    grid = pd.DataFrame(
        values if fmt == "d" else np.where(values == 74, np.nan, values * 1.5),
        index=pd.Index([5, 4, 3, 2, 1], name="r_score"),
        columns=pd.Index([1, 2, 3, 4, 5], name="f_score"),
    )

    def png(draw):
        with matplotlib.rc_context():
            set_theme()
            fig = Figure(figsize=(5, 4))
            canvas = FigureCanvasAgg(fig)
            draw(fig.add_subplot())
            buffer = io.BytesIO()
            canvas.print_figure(buffer, format="png")
            return buffer.getvalue()

    ours = png(lambda ax: _heatmap(grid, annot=True, fmt=fmt, cmap="YlGnBu", label="客户数", ax=ax))
    theirs = png(lambda ax: sns.heatmap(grid, annot=True, fmt=fmt, cmap="YlGnBu", cbar_kws={"label": "客户数"}, ax=ax))
    assert ours == theirs
