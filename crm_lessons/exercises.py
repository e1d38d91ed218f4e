"""Exercises that instructors hand out and grade automatically.

An exercise in a chapter notebook is two cells.  The answer cell holds the
solution between markers::

    ### BEGIN SOLUTION
    answer_2_1 = float(top_share(revenue, share=0.2))
    ### END SOLUTION

and the check cell calls a :class:`Checker`::

    check.number("2.1", answer_2_1, expected=..., rtol=0.01, hint="...")

:func:`make_student_version` replaces each solution block by a placeholder
(``answer_2_1 = ...``).  The checker reports an untouched placeholder as
"not attempted" (the student notebook runs clean from top to bottom), a
right answer as correct, and raises :class:`ExerciseError` with the hint for
a wrong one.  :func:`grade_notebook` executes a submitted notebook (never
modifying it) and returns one row per exercise.

Every check prints one line that starts with ``[练习 <id>]`` followed by one
of the statuses in :data:`STATUSES`; the grader reads those lines.

Command line::

    python -m crm_lessons.exercises student notebooks/02_customer_identification.ipynb student/02.ipynb
    python -m crm_lessons.exercises grade submissions/*.ipynb --csv grades.csv
"""

from __future__ import annotations

import argparse
import ast
import math
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_lessons._fileio import atomic_write_bytes

__all__ = [
    "STATUSES",
    "Checker",
    "ExerciseError",
    "grade_notebook",
    "make_student_version",
    "student_source",
]

#: Status words printed by the checker, keyed by the machine-readable status.
STATUSES = {"correct": "正确 correct", "not_attempted": "未作答 not attempted", "wrong": "错误 wrong"}
_BEGIN = "### BEGIN SOLUTION"
_END = "### END SOLUTION"
_LINE = re.compile(r"^\[练习 (?P<id>[^\]]+)\] (?P<status>正确 correct|未作答 not attempted|错误 wrong)")


class ExerciseError(AssertionError):
    """A wrong answer: the message says which exercise and gives a hint."""


@dataclass
class Checker:
    """Checks the answers of one chapter's exercises.

    Parameters
    ----------
    chapter : str
        Chapter label used in messages, e.g. ``"2"``.

    Attributes
    ----------
    results : dict
        Exercise id -> status (``'correct'``, ``'not_attempted'``, ``'wrong'``).

    Examples
    --------
    >>> check = Checker("2")
    >>> check.number("2.1", ..., expected=0.5)
    [练习 2.1] 未作答 not attempted: replace ... by your answer and run the cell again
    'not_attempted'
    >>> check.number("2.1", 0.501, expected=0.5, rtol=0.01)
    [练习 2.1] 正确 correct
    'correct'
    >>> check.number("2.1", 0.7, expected=0.5, hint="share of revenue, not of customers")
    Traceback (most recent call last):
    ...
    crm_lessons.exercises.ExerciseError: [练习 2.1] 错误 wrong: got 0.7. Hint: share of revenue, not of customers
    """

    chapter: str
    results: dict[str, str] = field(default_factory=dict)

    # -- reporting -------------------------------------------------------
    def _report(self, ex_id: str, status: str, detail: str = "") -> str:
        self.results[ex_id] = status
        line = f"[练习 {ex_id}] {STATUSES[status]}"
        if status == "wrong":
            raise ExerciseError(f"{line}: {detail}")
        print(f"{line}: {detail}" if detail else line)
        return status

    def _untouched(self, ex_id: str, answer: Any) -> bool:
        if answer is ...:
            self._report(ex_id, "not_attempted", "replace ... by your answer and run the cell again")
            return True
        return False

    # -- kinds of answers --------------------------------------------------
    def number(self, ex_id: str, answer: Any, *, expected: float, rtol: float = 1e-2,
               atol: float = 0.0, hint: str = "") -> str:
        """A number, right within ``rtol`` (relative) or ``atol`` (absolute)."""
        if self._untouched(ex_id, answer):
            return "not_attempted"
        try:
            value = float(answer)
        except (TypeError, ValueError):
            return self._report(ex_id, "wrong", f"expected a number, got {type(answer).__name__} {answer!r}. "
                                f"Hint: {hint}")
        if math.isclose(value, float(expected), rel_tol=rtol, abs_tol=atol):
            return self._report(ex_id, "correct")
        return self._report(ex_id, "wrong", f"got {value:.6g}. Hint: {hint}")

    def choice(self, ex_id: str, answer: Any, *, expected: str | Iterable[str], hint: str = "") -> str:
        """A multiple-choice letter (or several: pass a set of letters as ``expected``)."""
        if self._untouched(ex_id, answer):
            return "not_attempted"
        want = {expected} if isinstance(expected, str) else set(expected)
        got = {answer} if isinstance(answer, str) else set(answer)
        norm = {str(x).strip().upper() for x in got}
        if norm == {str(x).upper() for x in want}:
            return self._report(ex_id, "correct")
        return self._report(ex_id, "wrong", f"got {sorted(norm)}. Hint: {hint}")

    def equal(self, ex_id: str, answer: Any, *, expected: Any, hint: str = "") -> str:
        """An exact value: a label, an integer, a set of customer ids, ..."""
        if self._untouched(ex_id, answer):
            return "not_attempted"
        if answer == expected:
            return self._report(ex_id, "correct")
        return self._report(ex_id, "wrong", f"got {answer!r}. Hint: {hint}")

    def predicate(self, ex_id: str, answer: Any, *, test: Callable[[Any], bool], hint: str = "") -> str:
        """Any answer for which ``test(answer)`` is true (e.g. a DataFrame with the right columns)."""
        if self._untouched(ex_id, answer):
            return "not_attempted"
        try:
            ok = bool(test(answer))
        except Exception as exc:  # a malformed answer is a wrong answer, with the reason
            return self._report(ex_id, "wrong", f"{type(exc).__name__}: {exc}. Hint: {hint}")
        if ok:
            return self._report(ex_id, "correct")
        return self._report(ex_id, "wrong", f"the answer does not pass the check. Hint: {hint}")

    def summary(self) -> str:
        """One line: how many exercises are correct, not attempted, wrong."""
        counts = {s: sum(v == s for v in self.results.values()) for s in STATUSES}
        return (f"第{self.chapter}章 chapter {self.chapter}: {counts['correct']} correct, "
                f"{counts['not_attempted']} not attempted, {counts['wrong']} wrong")


# -- student version ---------------------------------------------------------

def _answer_names(block: str) -> list[str]:
    """Names ``answer...`` assigned at the top level of a solution block."""
    names: list[str] = []
    try:
        tree = ast.parse(block)
    except SyntaxError:
        tree = None
    if tree is not None:
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
            for t in targets:
                if isinstance(t, ast.Name) and t.id.startswith("answer") and t.id not in names:
                    names.append(t.id)
    return names


def student_source(source: str) -> str:
    """Replace every solution block of a cell's source by answer placeholders.

    Examples
    --------
    >>> src = "x = 1\\n### BEGIN SOLUTION\\nanswer_1 = x + 1\\n### END SOLUTION\\nprint(x)"
    >>> print(student_source(src))
    x = 1
    answer_1 = ...  # 在这里作答 your answer here
    print(x)
    """
    out: list[str] = []
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == _BEGIN:
            indent = line[: len(line) - len(line.lstrip())]
            j = i + 1
            while j < len(lines) and lines[j].strip() != _END:
                j += 1
            if j == len(lines):
                raise ValueError(f"'{_BEGIN}' without '{_END}' in cell:\n{source}")
            block = "\n".join(lines[i + 1:j])
            names = _answer_names(_dedent(block, indent))
            if not names:
                raise ValueError(f"solution block assigns no variable named answer...:\n{block}")
            out.extend(f"{indent}{n} = ...  # 在这里作答 your answer here" for n in names)
            i = j + 1
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _dedent(block: str, indent: str) -> str:
    return "\n".join(l[len(indent):] if l.startswith(indent) else l for l in block.splitlines())


def _atomic_write(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


def make_student_version(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """Write the student version of a chapter notebook: solutions replaced, outputs cleared.

    The source notebook is never modified; ``dst`` must be another file and is
    written atomically.
    """
    import nbformat

    src, dst = Path(src), Path(dst)
    if dst.exists() and dst.resolve() == src.resolve():
        raise ValueError(f"refusing to overwrite the source notebook {src}; choose another output path")
    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if _BEGIN in cell.source:
            cell.source = student_source(cell.source)
        cell.outputs = []
        cell.execution_count = None
    nb.metadata.pop("papermill", None)
    _atomic_write(dst, nbformat.writes(nb))
    return dst


# -- grading -----------------------------------------------------------------

def grade_notebook(path: str | os.PathLike, *, timeout: int = 300) -> "Any":
    """Execute a submitted notebook and return one row per exercise.

    The submission is executed in memory (its file is not modified), with
    errors allowed so that one wrong answer does not hide the others.

    Returns
    -------
    DataFrame
        Columns ``notebook``, ``exercise``, ``status`` (correct /
        not_attempted / wrong / not_run), ``message``.
    """
    import nbformat
    import pandas as pd
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    reverse = {v: k for k, v in STATUSES.items()}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts: list[str] = []
            if out.get("output_type") == "stream":
                texts = out.get("text", "").splitlines()
            elif out.get("output_type") == "error":
                texts = [out.get("evalue", "")]
            for t in texts:
                m = _LINE.match(t)
                if m and m["id"] not in seen:
                    seen.add(m["id"])
                    rows.append({"notebook": path.name, "exercise": m["id"],
                                 "status": reverse[m["status"]], "message": t})
    # exercises whose check cell never ran (e.g. an earlier cell failed) are reported too
    for cell in nb.cells:
        for m in re.finditer(r'check\.\w+\(\s*"([^"]+)"', cell.get("source", "")):
            if cell.cell_type == "code" and m.group(1) not in seen:
                seen.add(m.group(1))
                rows.append({"notebook": path.name, "exercise": m.group(1), "status": "not_run",
                             "message": "the check cell did not report: an earlier error stopped it"})
    return pd.DataFrame(rows, columns=["notebook", "exercise", "status", "message"])


def main(argv: list[str] | None = None) -> int:
    """Command line: ``student SRC DST`` or ``grade NB [NB ...] [--csv FILE]``."""
    parser = argparse.ArgumentParser(prog="python -m crm_lessons.exercises",
                                     description="Make student versions of chapter notebooks and grade submissions.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_s = sub.add_parser("student", help="write the student version of a notebook (solutions removed)")
    p_s.add_argument("src")
    p_s.add_argument("dst")
    p_g = sub.add_parser("grade", help="execute submissions and list each exercise's status")
    p_g.add_argument("notebooks", nargs="+")
    p_g.add_argument("--csv", help="also write the grades to this CSV file (UTF-8 with BOM, opens in Excel)")
    args = parser.parse_args(argv)
    if args.command == "student":
        out = make_student_version(args.src, args.dst)
        print(f"wrote {out}")
        return 0
    import pandas as pd

    table = pd.concat([grade_notebook(p) for p in args.notebooks], ignore_index=True)
    print(table.to_string(index=False))
    if args.csv:
        # UTF-8 with BOM, so that Excel on a Chinese-locale Windows opens it correctly
        _atomic_write(Path(args.csv), table.to_csv(index=False), encoding="utf-8-sig")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
