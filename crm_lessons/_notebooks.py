"""Run notebooks and render them as HTML: shared by the course site and the report.

Machinery below both :mod:`crm_lessons.course` and :mod:`crm_lessons.report`
(neither imports the other for this): finding chapter notebooks, executing a
notebook with papermill in a fresh kernel, and rendering an executed notebook
as a page that opens offline with the bundled Chinese font embedded.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crm_lessons._fileio import atomic_write_bytes

__all__ = [
    "chapter_notebooks",
    "embedded_font_css",
    "execute_notebook",
    "notebook_title",
    "project_root",
    "subset_font",
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


def execute_notebook(
    src: str | os.PathLike,
    dst: str | os.PathLike | None = None,
    *,
    parameters: Mapping[str, Any] | None = None,
    cwd: str | os.PathLike | None = None,
    timeout: int = 600,
    log_output: bool = False,
) -> Any:
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
    from nbclient.exceptions import DeadKernelError

    with tempfile.TemporaryDirectory(prefix="crm-nb-") as tmpdir:
        out = Path(tmpdir) / src.name
        log = Path(tmpdir) / "kernel.log"
        managers: list[Any] = []
        try:
            nb = pm.execute_notebook(
                str(src),
                str(out),
                parameters=dict(parameters or {}),
                kernel_name="python3",
                cwd=str(cwd or src.parent),
                progress_bar=False,
                log_output=log_output,
                execution_timeout=timeout,
                report_mode=False,
                kernel_manager_class=_kernel_manager_class(log, created=managers),
            )
        except DeadKernelError as exc:  # say why, if the kernel said anything before it died
            tail = _log_tail(log)
            if not tail:
                raise
            raise DeadKernelError(f"{exc}\nthe kernel's last output:\n{tail}") from exc
        except BaseException:
            # interrupted (Ctrl-C, SIGTERM) while the kernel starts, nbclient may not stop it, and a
            # kernel left running writes its connection file again once the folder is gone
            for manager in managers:
                _stop_kernel_process(manager)
            _stop_processes_using(log.with_name("kernel-connection.json"))
            raise
        if dst is not None:
            atomic_write_bytes(Path(dst), out.read_bytes())
    return nbformat.from_dict(nb)


def _kernel_manager_class(log_path: Path | None = None, *, created: list[Any] | None = None) -> Any:
    """The kernel-manager class for notebook runs: :class:`crm_lessons._kernel.NotebookKernelManager`.

    With a ``log_path``, a subclass of it whose kernel process writes its own output (its
    log lines, and the traceback of a message it could not answer because the run was
    interrupted) to that file instead of the user's terminal, and whose connection file is
    written beside it; each manager it makes is appended to ``created``.
    """
    from crm_lessons._kernel import NotebookKernelManager

    if log_path is None:
        return NotebookKernelManager

    from traitlets import default

    class LoggingKernelManager(NotebookKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            if created is not None:
                created.append(self)

        @default("connection_file")
        def _connection_file_beside_log(self) -> str:
            # in the run's temporary folder, which goes however the run ends: interrupted while the
            # kernel starts, jupyter_client's own temporary connection file could stay behind
            return str(log_path.with_name("kernel-connection.json"))

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            with open(log_path, "ab") as log:  # the kernel process gets its own copy of the descriptor
                kw.setdefault("stdout", log)
                kw.setdefault("stderr", log)
                return await super()._async_launch_kernel(kernel_cmd, **kw)

        _launch_kernel = _async_launch_kernel

    return LoggingKernelManager


def _stop_kernel_process(manager: Any) -> None:
    """Kill the kernel process of ``manager`` if it still runs, and wait until it has gone."""
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    if process is None or process.poll() is not None:
        return
    process.kill()
    try:
        process.wait(timeout=10)
    except Exception:  # noqa: BLE001 - nothing more to do for a process that does not end
        pass


def _stop_processes_using(connection_file: Path) -> None:
    """Kill processes started with ``connection_file`` on their command line (a kernel launched just as
    the run was interrupted, before its manager knew its process); Linux only, elsewhere nothing."""
    import signal

    proc = Path("/proc")
    if not proc.is_dir():
        return
    needle = str(connection_file).encode()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "cmdline").read_bytes():
                os.kill(int(entry.name), signal.SIGKILL)
        except (OSError, ValueError):
            continue


def _log_tail(path: Path, limit: int = 2000) -> str:
    """The end of a kernel's log (at most ``limit`` characters), or ''."""
    try:
        data = path.read_bytes()[-limit:]
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace").strip()


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

    Examples
    --------
    >>> data = subset_font("客户")
    >>> data[:4] == b"OTTO" and len(data) < 50_000
    True
    """
    import io

    from fontTools import subset

    from crm_lessons.plotting import font_path

    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and licence notices
    options.notdef_outline = True
    # fontTools' default layout features: those browsers apply by themselves (ccmp, locl, kern, liga, mark,
    # vert, ...).  Keeping every feature ("*") also kept alternates that only CSS font-feature-settings
    # ask for (aalt, fwid, hwid, palt, ruby, ...): half again the size and twice the time to cut.
    if flavor is not None:
        options.flavor = flavor
    font = subset.load_font(io.BytesIO(font_path().read_bytes()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
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
    (OFL) with fontTools and embedded as a data URL: typically 50-300 kB.

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
    from nbconvert import HTMLExporter

    if not hasattr(notebook, "cells"):
        notebook = nbformat.read(Path(notebook), as_version=4)
    exporter = HTMLExporter(
        template_name="lab", exclude_input=exclude_input, exclude_input_prompt=exclude_input, exclude_output_prompt=True
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
