"""Running a notebook in this process, with its outputs recorded as a kernel would record them.

The analysts' report runs its template this way: no kernel to start, nothing imported twice, and the
per-customer tables handed over as Python objects instead of a pickle.  The notebook must not need a
kernel's extras (magics, widgets, input); what it prints, displays and draws becomes the cells'
outputs as ipykernel and matplotlib's inline backend would make them, so nbconvert renders the same page.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["CellExecutionError", "execute_in_process"]

#: The matplotlib backend of an in-process run: Agg canvases, and a ``show`` that records the figures.
BACKEND = "module://crm_lessons.runner._figures"


class CellExecutionError(Exception):
    """A cell of a notebook run in process raised.

    Attributes
    ----------
    cell : int
        Index of the cell in the notebook.
    ename, evalue : str
        The exception's class name and text (as papermill's ``PapermillExecutionError`` names them).
    """

    def __init__(self, cell: int, ename: str, evalue: str) -> None:
        super().__init__(f"cell {cell} raised {ename}: {evalue}")
        self.cell, self.ename, self.evalue = cell, ename, evalue


class _Outputs:
    """Where the current cell's outputs go (display data, streams, results)."""

    def __init__(self) -> None:
        self.cell: list[Any] = []

    def add(self, output: Any) -> None:
        if output["output_type"] == "stream" and self.cell and self.cell[-1].get("name") == output["name"]:
            self.cell[-1]["text"] += output["text"]  # as nbclient joins consecutive stream messages
            return
        # as nbformat.v4.new_output makes it (a NotebookNode when the run ends), without checking each
        # output against the schema
        self.cell.append(output)

    def display(self, data: dict[str, Any], metadata: dict[str, Any] | None = None) -> None:
        self.add({"output_type": "display_data", "data": data, "metadata": metadata or {}})


class _Stream(io.TextIOBase):
    def __init__(self, outputs: _Outputs, name: str) -> None:
        self._outputs, self._name = outputs, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            self._outputs.add({"output_type": "stream", "name": self._name, "text": text})
        return len(text)


@contextlib.contextmanager
def _display_into(outputs: _Outputs) -> Iterator[Any]:
    """``IPython.display.display`` records into ``outputs`` while this lasts (any running shell is put back)."""
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.formatters import DisplayFormatter
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Configurable

    class Publisher(DisplayPublisher):
        def publish(self, data: Any, metadata: Any = None, *args: Any, **kwargs: Any) -> None:
            outputs.display(dict(data), dict(metadata or {}))

    class Shell(InteractiveShell):
        """Only what ``display`` asks of the running shell: its formatter and its publisher."""

        def __init__(self) -> None:
            Configurable.__init__(self)  # not InteractiveShell's: no history, profile folder or magics
            self.display_formatter = DisplayFormatter(parent=self)
            self.display_pub = Publisher()

    shell = Shell()
    saved = InteractiveShell.__dict__.get("_instance")
    InteractiveShell._instance = shell  # type: ignore[assignment]
    try:
        yield shell
    finally:
        InteractiveShell._instance = saved


def figure_output(fig: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The display data of a figure as matplotlib's inline backend makes it (PNG at the figure's dpi, tight box).

    ``None`` for a figure with nothing drawn (the inline backend shows none either).
    """
    import base64

    from matplotlib import colors

    if not fig.axes and not fig.lines:
        return None
    buffer = io.BytesIO()
    fig.canvas.print_figure(
        buffer,
        format="png",
        facecolor=fig.get_facecolor(),
        edgecolor=fig.get_edgecolor(),
        dpi=fig.dpi,
        bbox_inches="tight",
    )
    data = {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"), "text/plain": repr(fig)}
    metadata: dict[str, Any] = {}
    if colors.to_rgba(fig.get_facecolor())[3] == 0:  # transparent: say which background the tick labels need
        labels = [
            label.get_color() for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for label in axis.get_ticklabels()
        ]
        if labels:
            light = colors.to_rgba_array(labels)[:, :3].dot((0.299, 0.587, 0.114)) > 0.5
            if (light == light[0]).all():
                metadata = {"needs_background": "dark" if light[0] else "light"}
    return data, metadata


@contextlib.contextmanager
def _figures_into(outputs: _Outputs) -> Iterator[Callable[[], None]]:
    """pyplot draws on Agg and ``plt.show()`` records the open figures while this lasts; yields the flush."""
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib._pylab_helpers import Gcf

    from crm_lessons.runner import _figures

    def flush() -> None:
        managers = Gcf.get_all_fig_managers()
        try:
            for manager in managers:
                made = figure_output(manager.canvas.figure)
                if made is not None:
                    outputs.display(*made)
        finally:
            if managers:
                plt.close("all")

    from matplotlib import rcsetup

    # the backend set, not resolved: resolving "auto" would look for a GUI toolkit
    chosen = getattr(matplotlib.rcParams, "_get_backend_or_none", matplotlib.get_backend)()
    interactive = matplotlib.is_interactive()
    # set_theme() also points the colour codes "b", "g", ... at its palette: global state outside rcParams
    codes = {code: matplotlib.colors.colorConverter.colors[code] for code in "bgrmyck"}
    _figures.SHOW.append(flush)
    try:
        with matplotlib.rc_context():  # the notebook's theme stays in the notebook
            plt.switch_backend(BACKEND)
            matplotlib.interactive(True)  # as in a kernel
            yield flush
    finally:
        _figures.SHOW.pop()
        plt.close("all")
        matplotlib.interactive(interactive)
        for code, color in codes.items():
            matplotlib.colors.colorConverter.colors[code] = color
        plt.switch_backend(chosen or rcsetup._auto_backend_sentinel)  # type: ignore[arg-type]


def _compiled(source: str, filename: str) -> tuple[Any, Any]:
    """The cell's code, and its last expression when the kernel would show its value (no ``;`` after it)."""
    tree = ast.parse(source, filename)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not _ends_with_semicolon(source):
        last = ast.Expression(tree.body[-1].value)
        del tree.body[-1]
    code = compile(tree, filename, "exec")
    return code, compile(last, filename, "eval") if last is not None else None


def _ends_with_semicolon(source: str) -> bool:
    """IPython's rule: the last line, without its comment, ends with ``;``."""
    import tokenize

    lines = source.rstrip().splitlines()
    if not lines:
        return False
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(lines[-1]).readline))
    except (tokenize.TokenError, SyntaxError):
        return lines[-1].rstrip().endswith(";")
    meaningful = [
        t for t in tokens if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER)
    ]
    return bool(meaningful) and meaningful[-1].string == ";"


def _assignment(name: str, value: Any) -> str:
    """The injected cell's line for a parameter: a literal as papermill writes it, or what was passed."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return f"{name} = {value!r}\n"
    return f"# {name}: a {type(value).__name__} passed in process\n"


def _plain_notebook(text: str) -> dict[str, Any] | None:
    """The notebook JSON ``text`` as ``nbformat.v4.nbjson`` reads it, in plain dicts and lists, or ``None``.

    ``None`` unless the notebook is of format 4.5 or later and its cells all have distinct ids (nbformat's
    reading, which checks it against the schema, changes a notebook only to give its cells missing or
    duplicate ids).  As ``nbformat.v4.rwbase.rejoin_lines`` and ``strip_transient`` do: multi-line text
    joined (sources, text outputs, mime bundles but JSON ones), transient fields dropped.
    """
    import json

    try:
        data = json.loads(text)
        cells, metadata = data["cells"], data["metadata"]
        ids = [cell["id"] for cell in cells]
        plain = data["nbformat"] == 4 and data["nbformat_minor"] >= 5 and isinstance(metadata, dict)
        plain = plain and all(isinstance(cell.get("metadata"), dict) for cell in cells)
    except (ValueError, TypeError, KeyError, AttributeError):  # nbformat.reads says what is wrong
        return None
    if not plain or not all(isinstance(i, str) and i for i in ids) or len(set(ids)) != len(ids):
        return None

    def rejoin(bundle: dict[str, Any]) -> None:
        for key, value in list(bundle.items()):
            json_mime = key == "application/json" or (key.startswith("application/") and key.endswith("+json"))
            if not json_mime and isinstance(value, list) and all(isinstance(line, str) for line in value):
                bundle[key] = "".join(value)

    for cell in cells:
        if "source" in cell and isinstance(cell["source"], list):
            cell["source"] = "".join(cell["source"])
        for attachment in cell.get("attachments", {}).values():
            rejoin(attachment)
        if cell.get("cell_type") == "code":
            for output in cell.get("outputs", []):
                kind = output.get("output_type", "")
                if kind in {"execute_result", "display_data"}:
                    rejoin(output.get("data", {}))
                elif kind and isinstance(output.get("text", ""), list):
                    output["text"] = "".join(output["text"])
        cell["metadata"].pop("trusted", None)
    for key in ("orig_nbformat", "orig_nbformat_minor", "signature"):
        metadata.pop(key, None)
    return data


def _read_notebook(path: Path, *, as_dict: bool = False) -> Any:
    """The notebook at ``path`` as ``nbformat.read(path, as_version=4)`` gives it (as plain dicts if ``as_dict``).

    Without nbformat's schema check when the notebook has nothing to repair (:func:`_plain_notebook`):
    ``nbformat.read`` only logs what the check finds, and compiling the checker costs 0.05 CPU-s, more
    than reading; with ``as_dict``, nbformat is not even imported (0.07 CPU-s: jsonschema).
    """
    text = path.read_text(encoding="utf-8")
    data = _plain_notebook(text)
    if data is not None:
        if as_dict:
            return data
        from nbformat import from_dict

        return from_dict(data)
    import nbformat

    return nbformat.reads(text, as_version=4)


def execute_in_process(
    src: str | os.PathLike,
    *,
    parameters: Mapping[str, Any] | None = None,
    cell_done: Callable[[int], None] | None = None,
    as_dict: bool = False,
) -> Any:
    """Run a notebook top to bottom in this process and return it with its outputs.

    Parameters
    ----------
    src : path
        The notebook; it is never modified.
    parameters : mapping, optional
        Values set after the cell tagged ``parameters`` (any Python objects: nothing is pickled or
        written out).  As papermill does, a cell tagged ``injected-parameters`` is added after it.
    cell_done : callable, optional
        Called with each code cell's index after it ran.
    as_dict : bool, default False
        Give the notebook as plain dicts and lists (what ``nbformat.from_dict`` takes and
        :func:`crm_lessons.runner.to_html` renders) and, for a notebook of format 4.5 or later whose
        cells have distinct ids, never import nbformat (0.07 CPU-s of the report's run).

    Returns
    -------
    nbformat.NotebookNode (dict with ``as_dict``)
        The notebook with the outputs a kernel would give: ``display`` calls (IPython's formatters),
        figures shown or left open at the end of a cell (PNG, as matplotlib's inline backend makes them),
        what the cell printed, and the value of a last expression not ended by ``;``.

    Raises
    ------
    CellExecutionError
        A cell raised (the original exception is its ``__cause__``).  ``KeyboardInterrupt`` passes through.

    Notes
    -----
    The cells share one namespace of their own; pyplot uses this module's backend while they run
    (the previous backend is switched back afterwards, which closes every pyplot figure), rcParams are
    restored afterwards, and ``sys.stdout``/``sys.stderr`` are captured.  Not thread-safe.

    Examples
    --------
    >>> import nbformat, tempfile, pathlib
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("N = 1", metadata={"tags": ["parameters"]}),
    ...     nbformat.v4.new_code_cell("from IPython.display import HTML, display\\n"
    ...                               "display(HTML(f'<b>{N}</b>'))\\nprint('hi')\\nN + 1")])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "nb.ipynb"
    >>> nbformat.write(nb, path)
    >>> out = execute_in_process(path, parameters={"N": 41})
    >>> [o["output_type"] for o in out.cells[2].outputs]
    ['display_data', 'stream', 'execute_result']
    >>> out.cells[2].outputs[0]["data"]["text/html"], out.cells[2].outputs[2]["data"]["text/plain"]
    ('<b>41</b>', '42')
    """
    import uuid

    nb = _read_notebook(Path(src), as_dict=True)
    cells = nb["cells"]
    if parameters:
        at = next((i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])), -1)
        source = "# Parameters\n" + "".join(_assignment(name, value) for name, value in parameters.items())
        # as nbformat.v4.new_code_cell makes it (its id as nbformat.corpus.words.generate_corpus_id), without
        # checking this cell against the schema: compiling the checker costs 0.05-0.1 CPU-s
        injected: dict[str, Any] = {"id": uuid.uuid4().hex[:8], "cell_type": "code"}
        injected.update(metadata={"tags": ["injected-parameters"]})
        injected.update(execution_count=None, source=source, outputs=[])
        cells.insert(at + 1, injected)
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
    outputs = _Outputs()
    count = 0
    stdout, stderr = sys.stdout, sys.stderr
    # pyplot registers its hook with a running IPython shell when it switches backends: not with this one
    with _figures_into(outputs) as flush, _display_into(outputs) as shell:
        for index, cell in enumerate(cells):
            if cell.get("cell_type") != "code":
                continue
            count += 1
            outputs.cell = cell["outputs"] = []
            cell["execution_count"] = count
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                namespace.update(parameters or {})
                continue
            sys.stdout, sys.stderr = _Stream(outputs, "stdout"), _Stream(outputs, "stderr")
            try:
                code, last = _compiled(cell["source"], f"<cell {index}>")
                exec(code, namespace)  # noqa: S102 - the package's own template, like a kernel would run it
                if last is not None:
                    value = eval(last, namespace)  # noqa: S307
                    if value is not None:
                        data, metadata = shell.display_formatter.format(value)
                        outputs.add(
                            {
                                "output_type": "execute_result",
                                "data": data,
                                "metadata": metadata,
                                "execution_count": count,
                            }
                        )
                flush()
            except Exception as exc:
                raise CellExecutionError(index, type(exc).__name__, str(exc)) from exc
            finally:
                sys.stdout, sys.stderr = stdout, stderr
            if cell_done is not None:
                cell_done(index)
    if as_dict:
        return nb
    from nbformat import from_dict

    return from_dict(nb)
