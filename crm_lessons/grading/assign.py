"""``crm-lessons assign``: an nbgrader course folder from the chapter notebooks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from crm_lessons._fileio import atomic_write_bytes
from crm_lessons._validation import option
from crm_lessons.grading._config import DEFAULT_TIMEOUT, config_file_text
from crm_lessons.grading._gradebook import write_empty_gradebook
from crm_lessons.grading._variants import mark_variants, student_id_cell
from crm_lessons.variants import chapters as variant_chapters

__all__ = ["assign_course", "chapter_id", "course_chapters"]

_MARKER = "# nbgrader configuration written by `crm-lessons assign`"
_CHAPTER_DIR = re.compile(r"^ch(\d{2})$")


class GradingError(Exception):
    """A problem the instructor must fix (wrong folder, unknown chapter, ...); the message says what to do."""


def chapter_id(chapter: int | str) -> str:
    """nbgrader's assignment name of a chapter.

    Examples
    --------
    >>> chapter_id(2), chapter_id("02"), chapter_id("10")
    ('ch02', 'ch02', 'ch10')
    """
    text = str(chapter).strip()
    if not text.isdigit() or not 1 <= int(text) <= 99:
        raise GradingError(f"章号应为数字，如 2 或 02 chapter must be a number such as 2 or 02, got {chapter!r}")
    return f"ch{int(text):02d}"


def _run_nbgrader(job: dict, *, cwd: Path, wall_clock: float) -> subprocess.CompletedProcess:
    """Run ``crm_lessons.grading._runner`` on ``job`` in a process of its own, killed (with its kernels) after ``wall_clock`` s."""
    from crm_lessons.grading._runner import run_job

    return run_job(job, cwd=cwd, wall_clock=wall_clock)


def course_chapters(course: str | os.PathLike) -> dict[str, Path]:
    """The chapters of a course folder: ``{"ch02": source notebook path, ...}``, in order."""
    source = Path(course) / "source"
    chapters: dict[str, Path] = {}
    if not source.is_dir():
        raise GradingError(
            f"不是课程文件夹（没有 source/）{course} is not a course folder (no source/); "
            f"create it with 'crm-lessons assign --out {course}'"
        )
    for folder in sorted(source.iterdir()):
        if _CHAPTER_DIR.match(folder.name):
            notebooks = sorted(folder.glob("*.ipynb"))
            if len(notebooks) != 1:
                raise GradingError(
                    f"每章文件夹只能有一个笔记本 {folder} must hold exactly one notebook, found {len(notebooks)}"
                )
            chapters[folder.name] = notebooks[0]
    if not chapters:
        raise GradingError(
            f"source/ 中没有章节文件夹 {course}/source has no chapter folders (chNN); "
            f"run 'crm-lessons assign --out {course}'"
        )
    return chapters


def _chapter_notebooks(folder: Path, chapters: Iterable[int | str] | None) -> dict[str, Path]:
    from crm_lessons.runner import chapter_notebooks

    found = {chapter_id(p.name[:2]): p for p in chapter_notebooks(folder)}
    if not chapters:
        return found
    wanted = {}
    for ch in chapters:
        cid = chapter_id(ch)
        if cid not in found:
            raise GradingError(
                f"没有第 {ch} 章的笔记本 no notebook for chapter {ch} in {folder} (found {', '.join(found) or 'none'})"
            )
        wanted[cid] = found[cid]
    return dict(sorted(wanted.items()))


def _check_out_folder(out: Path) -> None:
    if not out.exists():
        return
    if not out.is_dir():
        raise GradingError(f"应为文件夹 {option('out', str(out))} is a file; give a folder")
    config = out / "nbgrader_config.py"
    if any(out.iterdir()) and not (config.is_file() and config.read_text(encoding="utf-8").startswith(_MARKER)):
        raise GradingError(
            f"这个文件夹不是 crm-lessons assign 建的，请给一个新的或空的文件夹 "
            f"{option('out', str(out))} is a folder that 'crm-lessons assign' did not create; "
            "give a new or empty folder (your files there are left alone)"
        )


def assign_course(
    out: str | os.PathLike,
    chapters: Iterable[int | str] | None = None,
    *,
    notebooks: str | os.PathLike | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    variants: Iterable[int | str] | None = None,
    log=print,
) -> dict[str, Path]:
    """Write (or refresh) an nbgrader course folder and release the student versions.

    Parameters
    ----------
    out : path
        The course folder: ``nbgrader_config.py``, ``source/chNN/``, ``release/chNN/``,
        ``gradebook.db``.  A folder that ``assign`` did not create must be empty.
    chapters : iterable of int or str, optional
        Chapter numbers (``2`` or ``"02"``); default every chapter in the nbgrader format.
    notebooks : path, optional
        Folder of the chapter notebooks (default: the source checkout's ``notebooks/``).
    timeout : int
        nbgrader's per-cell timeout written into the configuration (seconds).
    variants : iterable of int or str, optional
        Chapters whose exercises use per-student data (issue 29): each student
        fills ``STUDENT_ID`` with their id and gets their own draw
        (:mod:`crm_lessons.variants`); ``grade`` uses the roster id.  These
        chapters are written too (with ``chapters``, or alone when ``chapters``
        is empty).  Every other chapter gives everyone the common data.

    Returns
    -------
    dict
        Chapter id (``"ch02"``) -> released student notebook.
    """
    import nbformat

    from crm_lessons.runner import project_root
    from crm_lessons.runner.release import is_nbgrader_notebook

    out = Path(out).resolve()
    folder = Path(notebooks) if notebooks is not None else project_root() / "notebooks"
    with_variants = {chapter_id(ch) for ch in variants or ()}
    if with_variants:  # the chapters named, and those with per-student data
        chapters = sorted({int(chapter_id(ch)[2:]) for ch in chapters or ()} | {int(c[2:]) for c in with_variants})
    selected = _chapter_notebooks(folder, chapters)
    ready = {}
    for cid, path in selected.items():
        nb = nbformat.read(path, as_version=4)
        if is_nbgrader_notebook(nb):
            ready[cid] = (path, nb)
        elif chapters:
            raise GradingError(
                f"还不是 nbgrader 练习格式 {path.name} is not in the nbgrader exercise format yet (notebooks/README.md)"
            )
        else:
            log(f"跳过 skipping {path.name}: 还不是 nbgrader 练习格式 not in the nbgrader exercise format yet")
    if not ready:
        raise GradingError(f"没有 nbgrader 格式的章节笔记本 no chapter notebook in the nbgrader format in {folder}")
    _check_out_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / "nbgrader_config.py", config_file_text(timeout=timeout).encode("utf-8"))
    (out / "exchange").mkdir(exist_ok=True)
    for cid, (path, nb) in ready.items():
        for sub in ("source", "release"):
            shutil.rmtree(out / sub / cid, ignore_errors=True)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nb.metadata.pop("papermill", None)
        if cid in with_variants and student_id_cell(nb) is None:
            raise GradingError(
                f"chapter {int(cid[2:])} has no per-student data yet (no 'STUDENT_ID = \"\"' line in {path.name}); "
                f"chapters with it: {', '.join(str(c) for c in variant_chapters())}"
            )
        mark_variants(nb, cid in with_variants)
        (out / "source" / cid).mkdir(parents=True)
        nbformat.write(nb, out / "source" / cid / path.name)
    write_empty_gradebook(out / "gradebook.db")  # a course's first assign: made here, not by `alembic heads`
    log(f"正在用 nbgrader 生成学生版 generating the student versions of {', '.join(ready)} with nbgrader ...")
    result = _run_nbgrader(
        {
            "action": "generate",
            "root": str(out),
            "chapters": list(ready),
            "db_url": "sqlite:///" + str(out / "gradebook.db"),
            "timeout": timeout,
        },
        cwd=out,
        wall_clock=600,
    )
    if result.returncode != 0:
        raise GradingError(f"nbgrader 生成学生版失败 generate_assignment failed:\n{result.stderr[-4000:]}")
    released = {cid: out / "release" / cid / path.name for cid, (path, _) in ready.items()}
    from crm_lessons.runner.release import tidy_worked_examples

    for path in released.values():  # the worked examples lose the tests' scaffolding (exercise cells untouched)
        atomic_write_bytes(path, nbformat.writes(tidy_worked_examples(nbformat.read(path, as_version=4))).encode())
    for cid, path in released.items():
        log(f"{cid}: {path}" + ("  (每位学生一份数据 per-student data)" if cid in with_variants else ""))
    return released
