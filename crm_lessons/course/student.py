"""A student's working copies of the chapters: ``crm-lessons student --out DIR [CHAPTER ...]``.

The notebooks in ``notebooks/`` are the instructor edition: solutions, hidden tests,
model answers and the test scaffolding the continuous integration needs.  A student
works in a folder of their own, written here from those notebooks:

* the student version of each chapter (:func:`crm_lessons.runner.release.student_notebook`:
  solution regions, hidden tests and model answers removed; nbformat only, no nbgrader);
* without the test scaffolding of the worked examples (:func:`strip_scaffolding`): the
  ``# NBVAL_CHECK_OUTPUT`` markers and the ``assert`` statements that keep CI honest;
* never over a notebook the student has already worked in (it is left as it is and named);
* with ``with_solutions=True``, also a copy with the worked solutions, in ``DIR/solutions/``
  (self-study, asked for on purpose).

The course site offers the same student notebooks for download.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from crm_lessons._fileio import atomic_write_bytes
from crm_lessons.runner.release import SCAFFOLDING_MARKERS, strip_scaffolding

__all__ = ["SCAFFOLDING_MARKERS", "student_copy", "strip_scaffolding", "write_student_folder"]


def _is_exercise_cell(cell: Any) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(isinstance(meta, dict) and meta)


def student_copy(nb: Any, *, with_solutions: bool = False) -> Any:
    """The notebook a student works in (a copy; ``nb`` is not changed).

    Without solutions: the student version as ``crm-lessons assign`` releases it (the worked
    examples' scaffolding removed, exercise cells as nbgrader releases them).  With solutions:
    the instructor's cells, outputs cleared and the scaffolding removed.
    """
    if with_solutions:
        nb = copy.deepcopy(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        nb.metadata.pop("papermill", None)
    else:
        from crm_lessons.runner.release import student_notebook

        nb = student_notebook(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and not _is_exercise_cell(cell):
            cell.source = strip_scaffolding(cell.source)
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nb


def _select(chapters: Iterable[str | int] | None, notebooks: list[Path]) -> list[Path]:
    if not chapters:
        return notebooks
    by_number = {int(p.name[:2]): p for p in notebooks if p.name[:2].isdigit()}
    chosen = []
    for c in chapters:
        try:
            number = int(str(c).removeprefix("ch"))
        except ValueError:
            number = -1
        if number not in by_number:
            raise ValueError(
                f"没有第 {c} 章 no chapter {c!r}: 可选 choose from {', '.join(str(n) for n in sorted(by_number))}"
            )
        chosen.append(by_number[number])
    return chosen


def write_student_folder(
    out: str | os.PathLike,
    chapters: Iterable[str | int] | None = None,
    *,
    notebooks_dir: str | os.PathLike | None = None,
    with_solutions: bool = False,
    log: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the student copies of the chapters (default: all) into ``out``; return the files written.

    A notebook already in ``out`` is never overwritten (it may hold the student's work).
    ``out`` may not be the folder of the instructor notebooks.  With ``with_solutions``,
    copies with the worked solutions also go to ``out/solutions/``.
    """
    import nbformat

    from crm_lessons.runner import chapter_notebooks

    log = log or (lambda line: None)
    notebooks = chapter_notebooks(notebooks_dir)
    out = Path(out)
    if notebooks and out.resolve() == notebooks[0].parent.resolve():
        raise ValueError(
            f"--out {str(out)!r} 是教师版笔记本所在的文件夹，请另选一个 is the folder of the instructor notebooks; "
            "choose another"
        )
    written: list[Path] = []
    for src in _select(chapters, notebooks):
        nb = nbformat.read(src, as_version=4)
        targets = [(out / src.name, False)]
        if with_solutions:
            targets.append((out / "solutions" / src.name, True))
        for dst, solutions in targets:
            if dst.exists():
                log(f"保留已有的 kept your existing {dst}")
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(dst, (nbformat.writes(student_copy(nb, with_solutions=solutions)) + "\n").encode())
            written.append(dst)
            log(f"已写入 wrote {dst}")
    return written
