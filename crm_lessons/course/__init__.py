"""Build the course website: every chapter executed on the bundled data, rendered with Sphinx.

``make course`` (or ``python -m crm_lessons course``) makes the student version
of each chapter notebook (solutions, hidden tests and model answers removed, as
``crm-lessons assign`` releases it), executes it once with papermill in a fresh
kernel, renders the pages with Sphinx, MyST-NB and the Sphinx Book Theme, and
writes ``build/course/index.html``: a sidebar with every chapter, previous and
next links, in-page contents, Chinese and English full-text search, the course
map, the glossary and the sample CRM report.  Pages open from ``file://`` with
no network: MathJax and the Chinese font are bundled.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from crm_lessons._fileio import atomic_write_bytes
from crm_lessons.runner import (
    chapter_notebooks,
    embedded_font_css,
    execute_notebook,
    notebook_title,
    project_root,
    to_html,
)

__all__ = [
    "ChapterResult",
    "build_course",
    "chapter_notebooks",
    "execute_notebook",
    "notebook_title",
    "project_root",
    "refresh_notebook",
    "to_html",
    "embedded_font_css",
]


@dataclass(frozen=True)
class ChapterResult:
    """One executed chapter: its source, HTML page, title and run time in seconds."""

    source: Path
    html: Path
    title: str
    seconds: float


#: Seconds one cell of a chapter may take in the build (every cell takes well under 30 s).
CELL_TIMEOUT = 120


def _run_student_version(src: Path, dst: Path) -> float:
    """Make the student version of ``src``, execute it, write it to ``dst``; return seconds.

    A chapter whose cell times out is run once more in a fresh kernel, so that a stuck kernel
    costs minutes, not the whole build.  (The stalls once seen on the cells that display a
    widget were not the kernel's: the client had missed the wake-up for a reply it had
    already received, and read it only when the cell timeout ran out, without an error; see
    ``crm_lessons.runner.kernel.ShellChannel``, which fixes that.)
    """
    import tempfile

    import nbformat

    from crm_lessons.course.student import student_copy

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="crm-course-") as tmp:
        # the student's copy (no answers, no test scaffolding), as `crm-lessons student` writes it
        student = Path(tmp) / src.name
        nbformat.write(student_copy(nbformat.read(src, as_version=4)), student)
        for attempt in (1, 2):
            try:
                # the kernel works in the chapter's own folder, as a student's would
                execute_notebook(student, dst, cwd=src.parent, timeout=CELL_TIMEOUT)
                break
            except TimeoutError:  # nbclient's CellTimeoutError
                if attempt == 2:
                    raise
                print(
                    f"  {src.name}: 有单元格超时 {CELL_TIMEOUT} 秒，重新运行本章 a cell timed out after {CELL_TIMEOUT} s; "
                    "running the chapter again",
                    flush=True,
                )
    return time.perf_counter() - start


def build_course(
    out_dir: str | os.PathLike = "build/course",
    *,
    notebooks_dir: str | os.PathLike | None = None,
    verbose: bool = True,
    report: bool = True,
    jobs: int | None = None,
    slides: bool = True,
) -> list[ChapterResult]:
    """Execute every chapter notebook once and build the course website.

    Parameters
    ----------
    out_dir : path
        Where the site goes (``index.html`` at its root, one page per chapter
        named after its notebook, ``glossary.html``, ``report.html``).  The
        Sphinx sources are written beside it, to ``<out_dir>-src``.
    notebooks_dir : path, optional
        Folder of the chapter notebooks (default: the project's ``notebooks/``).
    verbose : bool
        Print progress.
    report : bool
        Also render the sample CRM report on the bundled CDNOW data
        (``crm-lessons report``, in its own process) and link it.
    jobs : int, optional
        Chapters executed at the same time (default: 2, or 1 on a one-core machine).
    slides : bool
        Also write each chapter's lecture slides (:mod:`crm_lessons.course.slides`, from the
        stored outputs, while the chapters run) to ``slides/`` and link them from the chapter pages.

    Returns
    -------
    list of ChapterResult
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from crm_lessons.course import site

    out = Path(out_dir)
    src_dir = out.with_name(out.name + "-src")
    site.prepare_source_dir(src_dir)
    chapters = chapter_notebooks(notebooks_dir)
    jobs = jobs or max(1, min(2, os.cpu_count() or 1))
    results: list[ChapterResult] = []
    if verbose:
        print(
            f"正在运行 {len(chapters)} 章（同时 {jobs} 章）running {len(chapters)} chapters ({jobs} at a time) ...",
            flush=True,
        )
    # fresh interpreters, not forks of this process: a fork inherits the parent's threads and locks
    from crm_lessons.runner import skip_slow_optional_imports

    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=multiprocessing.get_context("spawn"), initializer=skip_slow_optional_imports
    ) as pool:
        futures = [pool.submit(_run_student_version, p, src_dir / p.name) for p in chapters]
        if slides and chapters:  # from the stored outputs, in this process while the pool runs the chapters
            from crm_lessons.course.slides import write_slides

            start = time.perf_counter()
            write_slides(src_dir / "_extra" / "slides", notebooks_dir=chapters[0].parent)
            if verbose:
                print(f"  slides of {len(chapters)} chapters: {time.perf_counter() - start:.1f} s", flush=True)
        for path, fut in zip(chapters, futures):
            seconds = fut.result()
            results.append(ChapterResult(path, out / (path.stem + ".html"), notebook_title(path), seconds))
            if verbose:
                print(f"  {path.name}: {seconds:.1f} 秒 s", flush=True)
    _student_downloads(src_dir / "_extra" / "student", chapters)
    if report:
        _sample_report(src_dir / "_extra" / "report.html", verbose=verbose)
    site.write_pages(src_dir, results, notebooks_dir=notebooks_dir, report=report)
    start = time.perf_counter()
    site.run_sphinx(src_dir, out)
    if verbose:
        print(
            f"网站已建好，用时 {time.perf_counter() - start:.1f} 秒 site built in {time.perf_counter() - start:.1f} s: "
            f"{out / 'index.html'}",
            flush=True,
        )
    return results


def _student_downloads(folder: Path, chapters: list[Path]) -> None:
    """Each chapter's student notebook (not executed), offered for download as ``student/NN_name.ipynb``."""
    from crm_lessons.course.student import write_student_folder

    if chapters:
        write_student_folder(folder, [int(p.name[:2]) for p in chapters], notebooks_dir=chapters[0].parent)


#: The way back from the sample report to the course (the report is a page of its own, not a Sphinx page),
#: drawn with the site's font (cut to the site's characters: the sample report's page names these words).
_BACK_LINK = (
    "<style>@font-face{font-family:crm-course-cjk;src:url(_static/crm-cjk.woff) format('woff')}</style>"
    '<nav class="crm-back" style="font:14px crm-course-cjk,sans-serif;padding:8px 16px;border-bottom:1px solid #ddd">'
    '<a href="index.html">返回课程 Back to the course</a> · <a href="sample_report.html">关于本报告 About this report</a>'
    "</nav>"
)


def _sample_report(out: Path, *, verbose: bool) -> Path:
    """The sample report on the bundled CDNOW data, written by ``crm-lessons report`` (the course does not
    import the report: both stand on the runner, and the command line is the report's entry point)."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "crm_lessons", "report", "--out", str(out)]
    done = subprocess.run(command, stdout=None if verbose else subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode:
        raise RuntimeError(f"build_course: the sample report failed ({' '.join(command[1:])}):\n{done.stderr}")
    import re

    page = out.read_text(encoding="utf-8")
    page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + _BACK_LINK, page, count=1)
    atomic_write_bytes(out, page.encode("utf-8"))
    return out


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
