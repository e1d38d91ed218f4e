"""The student version of a chapter notebook, as ``nbgrader generate_assignment`` releases it.

Machinery shared by :mod:`crm_lessons.grading` (``crm-lessons assign``) and
:mod:`crm_lessons.course` (``crm-lessons student``, the site's downloads), so it lives
in the runner layer below both; the chapters import only the checking helpers of
:mod:`crm_lessons.exercises`.  Command line::

    python -m crm_lessons.runner.release student notebooks/02_customer_identification.ipynb student/02.ipynb
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import sys
from pathlib import Path
from typing import Any

from crm_lessons._fileio import atomic_write_bytes

__all__ = [
    "CODE_STUB",
    "SCAFFOLDING_MARKERS",
    "TEXT_STUB",
    "is_nbgrader_notebook",
    "make_student_version",
    "release_cell_source",
    "strip_scaffolding",
    "student_notebook",
    "student_wording",
    "tidy_worked_examples",
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


#: Comment lines that only tell the tests what to check.
SCAFFOLDING_MARKERS = ("# NBVAL_CHECK_OUTPUT", "# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP", "# NBVAL_RAISES_EXCEPTION")

_ASSERT_LINE = re.compile(r"^\s*assert\b")


def _is_scaffolding_comment(line: str) -> bool:
    return line.strip() in SCAFFOLDING_MARKERS


def _assert_lines(source: str) -> set[int] | None:
    """0-based line numbers of the top-level-safe ``assert`` statements of ``source`` (None: do not touch).

    A loop, ``if`` or ``with`` that only asserts goes whole; an assert is removed only where
    the cell still parses without it (the only statement of a ``try`` stays).  Cells that do not parse as Python (IPython
    magics) keep their asserts unless each is a single line with balanced brackets.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        lines = set()
        for i, line in enumerate(source.split("\n")):
            if _ASSERT_LINE.match(line) and not line.rstrip().endswith(("\\", ",")):
                if all(line.count(a) == line.count(b) for a, b in ("()", "[]", "{}")):
                    lines.add(i)
        return lines
    found: set[int] = set()

    def drop(node: ast.AST) -> None:
        found.update(range(node.lineno - 1, (node.end_lineno or node.lineno)))  # type: ignore[attr-defined]

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Assert) or _only_asserts(node):
                drop(node)
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        visit([n for n in inner if isinstance(n, ast.stmt)])
                for handler in getattr(node, "handlers", []) or []:
                    visit(handler.body)

    visit(tree.body)
    return found


def _only_asserts(node: ast.AST) -> bool:
    """A loop, ``if`` or ``with`` that does nothing but assert (``for x in xs: assert ...``)."""
    if not isinstance(node, ast.For | ast.While | ast.If | ast.With):
        return False
    bodies = [node.body, getattr(node, "orelse", [])]
    return all(isinstance(n, ast.Assert) or _only_asserts(n) for b in bodies for n in b)


def strip_scaffolding(source: str) -> str:
    """A worked example's code without the tests' scaffolding (nbval markers and ``assert`` statements).

    Examples
    --------
    >>> print(strip_scaffolding("# NBVAL_CHECK_OUTPUT\\nx = 2\\nassert x == 2, x\\nprint(x)"))
    x = 2
    print(x)
    >>> print(strip_scaffolding("if x:\\n    assert x > 0\\nprint(x)"))  # a block that only asserts goes whole
    print(x)
    >>> print(strip_scaffolding("try:\\n    assert x\\nexcept AssertionError:\\n    pass"))  # needed: it stays
    try:
        assert x
    except AssertionError:
        pass
    """
    lines = source.split("\n")
    drop = {i for i, line in enumerate(lines) if _is_scaffolding_comment(line)}
    asserts = _assert_lines(source) or set()
    if asserts:
        kept = "\n".join(line for i, line in enumerate(lines) if i not in asserts)
        try:
            ast.parse(kept)
        except SyntaxError:
            try:
                ast.parse(source)
            except SyntaxError:  # magics: the line rule above already kept it safe
                drop |= asserts
        else:
            drop |= asserts
    return "\n".join(line for i, line in enumerate(lines) if i not in drop).strip("\n")


#: Sentences of the instructor edition that are only true there, and what the student version says instead.
_STUDENT_WORDING = (
    (
        re.compile(r"先自己写，再对照参考答案（学生版中没有参考答案）。"),
        "先自己写，在答题格中作答，由教师按要点评分（参考答案只在教师版中）。",
    ),
    (re.compile(r"(?:先自己写，)?再对照参考答案。"), "在答题格中作答，由教师按要点评分（参考答案只在教师版中）。"),
)


def student_wording(source: str) -> str:
    """A markdown cell's text as the student version says it: no "compare with the model answer" they lack.

    Examples
    --------
    >>> print(student_wording("名词解释和问答题。先自己写，再对照参考答案（学生版中没有参考答案）。"))
    名词解释和问答题。先自己写，在答题格中作答，由教师按要点评分（参考答案只在教师版中）。
    """
    for pattern, text in _STUDENT_WORDING:
        source = pattern.sub(text, source)
    return source


def tidy_worked_examples(nb: Any) -> Any:
    """In place: cells without nbgrader metadata lose the scaffolding and the instructor-only sentences.

    Exercise cells are left alone (nbgrader checks their checksums).
    """
    for cell in nb.cells:
        if not _nbgrader(cell):
            code = cell.cell_type == "code"
            cell.source = strip_scaffolding(cell.source) if code else student_wording(cell.source)
    return nb


def _atomic_write(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


def is_nbgrader_notebook(nb: Any) -> bool:
    """Whether a notebook's exercises are in the nbgrader format (some cell has nbgrader metadata)."""
    return any(_nbgrader(c) for c in nb["cells"])


def student_notebook(nb: Any) -> Any:
    """The student version of a notebook (a copy), as ``nbgrader generate_assignment`` releases it.

    Solution regions, hidden tests and model answers removed
    (:func:`release_cell_source`), outputs and execution counts cleared,
    graded and locked cells made read-only like nbgrader's ``LockCells``; the
    worked examples (cells without nbgrader metadata) lose the tests' scaffolding
    (:func:`strip_scaffolding`) and sentences true only of the instructor edition
    (:func:`student_wording`), as ``crm-lessons assign`` does to nbgrader's release.
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
    tidy_worked_examples(nb)
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
