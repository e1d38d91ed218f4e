"""The student version of a chapter notebook, as ``nbgrader generate_assignment`` releases it.

Machinery shared by :mod:`crm_lessons.grading` (``crm-lessons assign``) and
:mod:`crm_lessons.course` (``crm-lessons student``, the site's downloads), so it lives
in the runner layer below both; the chapters import only the checking helpers of
:mod:`crm_lessons.exercises`.  Command line::

    python -m crm_lessons.runner.release student notebooks/02_customer_identification.ipynb student/02.ipynb
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from crm_lessons._fileio import atomic_write_bytes

__all__ = [
    "CODE_STUB",
    "TEXT_STUB",
    "is_nbgrader_notebook",
    "make_student_version",
    "release_cell_source",
    "student_notebook",
]

#: What nbgrader puts in place of a solution region in a code cell (a comment, so the
#: placeholder line ``answer_N_M = ...`` above it keeps the cell runnable).
CODE_STUB = "# 你的代码 YOUR CODE HERE"
#: What replaces a written (manually graded) answer.
TEXT_STUB = "在这里作答 YOUR ANSWER HERE"


def _nbgrader(cell: Any) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def _replace_region(source: str, begin: str, end: str, stub: list[str] | None) -> tuple[str, bool]:
    """nbgrader's rule: every line containing ``begin`` .. ``end`` goes; ``stub`` (indented like the marker) replaces it."""
    out: list[str] = []
    inside = found = False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise ValueError(f"nested '{begin}' in cell:\n{source}")
            inside = found = True
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + s for s in (stub or []))
        elif end in line:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"'{begin}' without '{end}' in cell:\n{source}")
    return "\n".join(out), found


def release_cell_source(cell: Any) -> str:
    """The source a cell has in the student version, as ``nbgrader generate_assignment`` releases it.

    Solution regions become :data:`CODE_STUB` (code) or :data:`TEXT_STUB`
    (markdown); a solution cell without a region is replaced whole (the exam
    answers); hidden tests are removed from test cells.

    Examples
    --------
    >>> cell = {"cell_type": "code", "metadata": {"nbgrader": {"solution": True}},
    ...         "source": "answer_1 = ...\\n### BEGIN SOLUTION\\nanswer_1 = 42\\n### END SOLUTION"}
    >>> print(release_cell_source(cell))
    answer_1 = ...
    # 你的代码 YOUR CODE HERE
    >>> test = {"cell_type": "code", "metadata": {"nbgrader": {"grade": True}},
    ...         "source": "check.number('1', answer_1)\\n### BEGIN HIDDEN TESTS\\nassert answer_1 == 42\\n### END HIDDEN TESTS"}
    >>> print(release_cell_source(test))
    check.number('1', answer_1)
    >>> print(release_cell_source({"cell_type": "markdown", "source": "**参考答案 Model answer** ...",
    ...                            "metadata": {"nbgrader": {"solution": True, "grade": True}}}))
    在这里作答 YOUR ANSWER HERE
    """
    meta = _nbgrader(cell)
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    stub = [CODE_STUB] if cell["cell_type"] == "code" else TEXT_STUB.split("\n")
    source, replaced = _replace_region(source, "BEGIN SOLUTION", "END SOLUTION", stub)
    if meta.get("solution") and not replaced:
        source = "\n".join(stub)
    if meta.get("grade"):
        source, _ = _replace_region(source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", None)
    return source


def _atomic_write(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


def is_nbgrader_notebook(nb: Any) -> bool:
    """Whether a notebook's exercises are in the nbgrader format (some cell has nbgrader metadata)."""
    return any(_nbgrader(c) for c in nb["cells"])


def student_notebook(nb: Any) -> Any:
    """The student version of a notebook (a copy), as ``nbgrader generate_assignment`` releases it.

    Solution regions, hidden tests and model answers removed
    (:func:`release_cell_source`), outputs and execution counts cleared,
    graded and locked cells made read-only like nbgrader's ``LockCells``.
    """
    import copy

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        meta = _nbgrader(cell)
        cell.source = release_cell_source(cell)
        if meta.get("solution") or meta.get("grade") or meta.get("locked"):
            cell.metadata["deletable"] = False
        if (meta.get("grade") or meta.get("locked")) and not meta.get("solution"):
            cell.metadata["editable"] = False
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("celltoolbar", None)
    return nb


def make_student_version(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """Write the student version of a chapter notebook (see :func:`student_notebook`).

    The source notebook is never modified; ``dst`` must be another file and is
    written atomically.
    """
    import nbformat

    src, dst = Path(src), Path(dst)
    if dst.exists() and dst.resolve() == src.resolve():
        raise ValueError(f"refusing to overwrite the source notebook {src}; choose another output path")
    nb = student_notebook(nbformat.read(src, as_version=4))
    _atomic_write(dst, nbformat.writes(nb))
    return dst


def main(argv: list[str] | None = None) -> int:
    """Command line: ``student SRC DST`` writes one notebook's student version."""
    parser = argparse.ArgumentParser(
        prog="python -m crm_lessons.runner.release",
        description="Write the student version of a chapter notebook (as nbgrader releases it). "
        "To assign and grade, use 'crm-lessons assign' and 'crm-lessons grade'.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_s = sub.add_parser("student", help="write the student version of a notebook (solutions removed)")
    p_s.add_argument("src")
    p_s.add_argument("dst")
    args = parser.parse_args(argv)
    out = make_student_version(args.src, args.dst)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
