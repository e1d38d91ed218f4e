"""``crm-lessons grade``: autograde every submission with nbgrader and write the gradebook CSV.

Each submission is graded in its own temporary copy of the course folder that
holds that one submission and no instructor notebook, against its own
temporary gradebook outside that copy; the results are then merged into the
course's ``gradebook.db`` (for JupyterLab's formgrader) and copied to
``autograded/`` and ``feedback/``.  nbgrader restores the instructor's test
cells and clears stored outputs before it executes anything, so grading never
depends on what a submission prints or stores.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_lessons._fileio import atomic_write_bytes
from crm_lessons._validation import option
from crm_lessons.grading._config import DEFAULT_TIMEOUT
from crm_lessons.grading._feedback import failure_status as _failure
from crm_lessons.grading._feedback import page_text
from crm_lessons.grading._feedback import scored_status as _scored
from crm_lessons.grading._gradebook import write_empty_gradebook
from crm_lessons.grading._sandbox import Limits, job_lines, limits_dict, sandbox_problem
from crm_lessons.grading._variants import NAME as _ID_NAME
from crm_lessons.grading._variants import is_variant_chapter, student_id_cell, with_student_id
from crm_lessons.grading.assign import GradingError, _run_nbgrader, course_chapters

__all__ = ["COLUMNS", "GRADE_STATUSES", "grade_course", "neutralise"]

#: Columns of the gradebook CSV, one row per student, chapter and exercise: why a row is not scored
#: (``reason``) and whether the submission's kernel ran in the sandbox (``sandboxed``: yes/no) come last.
COLUMNS = ["student", "chapter", "exercise", "points", "max_points", "status", "reason", "sandboxed"]
#: Columns of the totals file written beside it.
TOTAL_COLUMNS = ["student", "points", "max_points", "needs_manual_grade"]
#: Every status a gradebook row can have (the README's grading section says what each means).
GRADE_STATUSES = (
    "correct",
    "partial",
    "wrong",
    "not_attempted",
    "error",
    "missing",
    "invalid_submission",
    "needs_manual_grade",
)
_MAX_BYTES = 50 * 2**20
_BAD_NAME = re.compile(r"[/\\*?\[\]\x00-\x1f]")
_OUTPUT_DIRS = ("source", "release", "submitted", "autograded", "feedback", "exchange")


@dataclass
class _Chapter:
    cid: str
    notebook: str  # file name in source/chNN/
    grade_cells: list[tuple[str, float, str]]  # (grade_id, points, cell type)
    ids: set[str] = field(default_factory=set)  # every nbgrader grade_id of the notebook
    code_cells: int = 0
    source: Any = None  # the instructor's notebook, read once before any submission runs
    glyphs: set[str] | None = None  # characters of the student version (for the feedback's font)
    variants: bool | None = None  # None: no STUDENT_ID line; True: per-student data (roster id); False: common data


def neutralise(value: Any) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula.

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("@SUM(A1)"), neutralise("ch02"), neutralise(2.0)
    ('\\'=HYPERLINK("http://x")', "'@SUM(A1)", 'ch02', '2')
    """
    if isinstance(value, float):
        value = f"{value:g}"
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _load_chapter(cid: str, path: Path) -> _Chapter:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    chapter = _Chapter(cid, path.name, [], source=nb)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id"):
            chapter.ids.add(meta["grade_id"])
        if meta.get("grade"):
            chapter.grade_cells.append((meta["grade_id"], float(meta.get("points", 0)), cell.cell_type))
        chapter.code_cells += cell.cell_type == "code"
    if student_id_cell(nb) is not None:
        chapter.variants = is_variant_chapter(nb)
    return chapter


def _read_submission(path: Path) -> tuple[Any, str]:
    """(notebook, "") or (None, why it is not a gradable notebook)."""
    import nbformat

    if path.is_symlink() or not path.is_file():
        return None, "not a regular file"
    if path.stat().st_size > _MAX_BYTES:
        return None, "file larger than 50 MB"
    raw = path.read_bytes()
    if not raw.strip():
        return None, "empty file"
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, "not a notebook (not JSON)"
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        return None, "not a notebook (JSON without cells)"
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several kinds
        return None, f"not a valid notebook ({type(exc).__name__})"
    if not nb.cells:
        return None, "notebook without cells"
    return nb, ""


def _match_chapter(nb: Any, chapters: dict[str, _Chapter]) -> str | None:
    """The chapter whose nbgrader cell ids the notebook carries most (the notebook's own metadata, not its name)."""
    ids = {
        c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells if isinstance(c.metadata.get("nbgrader"), dict)
    } - {None}
    scores = sorted(((len(ids & ch.ids), cid) for cid, ch in chapters.items()), reverse=True)
    if not scores or scores[0][0] == 0 or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None
    return scores[0][1]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def _check_outputs(csv_path: Path, course: Path, submissions: Path | None) -> tuple[Path, Path]:
    if csv_path.is_symlink():
        raise GradingError(
            f"成绩表不能是符号链接 {option('csv_path', str(csv_path))} is a symbolic link; give an ordinary file name"
        )
    target = csv_path.resolve()
    totals = target.with_name(target.stem + "_totals" + (target.suffix or ".csv"))
    forbidden = [course / d for d in _OUTPUT_DIRS] + ([submissions] if submissions else [])
    for path in (target, totals):
        if any(_inside(path, f) for f in forbidden):
            raise GradingError(
                f"不会写入提交或 nbgrader 的文件夹 refusing to write {path}: it is inside {', '.join(str(f) for f in forbidden)} "
                f"(submissions and nbgrader's folders are never overwritten); choose another {option('csv_path')}"
            )
        if path.suffix.lower() in (".ipynb", ".py", ".db") or path.is_dir():
            raise GradingError(f"成绩表应为 .csv 文件 refusing to write the gradebook to {path}; give a .csv file name")
    return target, totals


def _valid_student(name: str) -> bool:
    return bool(name) and not name.startswith(".") and not _BAD_NAME.search(name) and len(name) <= 100


class _Batch:
    def __init__(
        self,
        course: Path,
        chapters: dict[str, _Chapter],
        timeout: int,
        log: Callable[[str], None],
        *,
        sandbox: bool = True,
        limits: Limits | None = None,
    ):
        self.course, self.chapters, self.timeout, self.log = course, chapters, timeout, log
        self.sandbox, self.limits = sandbox, limits or Limits()
        self.rows: list[dict[str, Any]] = []
        self.students: set[str] = set()
        self.done: set[tuple[str, str]] = set()
        self.template_db: Path | None = None

    # -- rows ------------------------------------------------------------
    def _row(self, **row: Any) -> None:
        row.setdefault("reason", "")
        row["sandboxed"] = "yes" if self.sandbox else "no"
        self.rows.append(row)

    def _chapter_rows(self, student: str, cid: str, status: str, reason: str = "") -> None:
        for grade_id, points, _ in self.chapters[cid].grade_cells:
            self._row(
                student=student,
                chapter=cid,
                exercise=grade_id,
                points=0.0,
                max_points=points,
                status=status,
                reason=reason,
            )
        self.done.add((student, cid))

    def _file_row(self, student: str, name: str, reason: str, cid: str = "") -> None:
        self.log(f"{student}: {name}: {reason}")
        self._row(
            student=student,
            chapter=cid,
            exercise=name,
            points="",
            max_points="",
            status="invalid_submission",
            reason=reason,
        )

    # -- collecting --------------------------------------------------------
    def collect(self, submissions: Path) -> None:
        """Copy an LMS export (``SUBMISSIONS/STUDENT/*.ipynb``) into ``submitted/STUDENT/chNN/``."""
        import nbformat

        for folder in sorted(submissions.iterdir()):
            if folder.name.startswith(".") or not folder.is_dir() or folder.is_symlink():
                continue
            student = folder.name
            if not _valid_student(student):
                self._file_row(student, folder.name, "student folder name with / \\ * ? [ ] or control characters")
                continue
            self.students.add(student)
            taken: dict[str, Any] = {}
            for path in sorted(p for p in folder.iterdir() if p.suffix.lower() == ".ipynb"):
                nb, reason = _read_submission(path)
                cid = _match_chapter(nb, self.chapters) if nb is not None else None
                if nb is None:
                    self._file_row(student, path.name, reason)
                elif cid is None:
                    self._file_row(student, path.name, "not a chapter notebook of this course")
                elif cid in taken:
                    self._file_row(student, path.name, f"a second notebook of {cid}; graded: {taken[cid][0]}", cid)
                else:
                    taken[cid] = (path.name, nb)
            for cid, (_, nb) in taken.items():
                dest = self.course / "submitted" / student / cid
                shutil.rmtree(dest, ignore_errors=True)
                dest.mkdir(parents=True)
                nbformat.write(nb, dest / self.chapters[cid].notebook)

    # -- grading -----------------------------------------------------------
    def prepare(self, workdir: Path) -> None:
        """A gradebook that knows the assignments and no student (copied for each submission)."""
        root = workdir / "template"
        for cid, ch in self.chapters.items():
            (root / "source" / cid).mkdir(parents=True)
            shutil.copy(self.course / "source" / cid / ch.notebook, root / "source" / cid / ch.notebook)
        db = workdir / "template.db"
        write_empty_gradebook(db)  # nbgrader would make it by running `alembic heads` (2.5 CPU-s) each batch
        result = _run_nbgrader(
            {
                "action": "generate",
                "root": str(root),
                "chapters": list(self.chapters),
                "db_url": f"sqlite:///{db}",
                "timeout": self.timeout,
            },
            cwd=root,
            wall_clock=600,
        )
        if result.returncode != 0:
            raise GradingError(
                f"nbgrader 读不了课程的教师版笔记本 nbgrader could not read the course's source notebooks:\n"
                f"{result.stderr[-4000:]}"
            )
        shutil.rmtree(root, ignore_errors=True)
        self.template_db = db
        # every submission's gradebook is written from these bytes, never from the file (which a kernel
        # graded without a sandbox could reach)
        self.template_bytes = db.read_bytes()
        course_db = self.course / "gradebook.db"
        if not course_db.exists():
            shutil.copy(db, course_db)

    def plan(self, extra: Path | None = None) -> None:
        """Read every submission in ``submitted/`` into memory and snapshot the files a kernel must not change.

        Grading uses these in-memory copies, so a submission that rewrites a
        classmate's file on disk changes nobody's grade; the files are
        restored after each run (see :meth:`run`).
        """
        submitted = self.course / "submitted"
        folders = sorted(p for p in submitted.iterdir() if p.is_dir()) if submitted.is_dir() else []
        self.todo: list[tuple[str, str, Any]] = []
        for folder in folders:
            student = folder.name
            if student.startswith(".") or folder.is_symlink():
                continue
            if not _valid_student(student):
                self._file_row(student, folder.name, "student folder name with / \\ * ? [ ] or control characters")
                continue
            self.students.add(student)
            for cid, chapter in self.chapters.items():
                files = sorted((folder / cid).glob("*.ipynb")) if (folder / cid).is_dir() else []
                if not files:
                    continue
                named = [f for f in files if f.name == chapter.notebook]
                path = named[0] if named else files[0]
                for other in (f for f in files if f != path):
                    self._file_row(
                        student, other.name, f"another notebook in submitted/{student}/{cid}; graded: {path.name}", cid
                    )
                nb, reason = _read_submission(path)
                if nb is None:
                    self.log(f"{student} {cid}: {path.name}: {reason}")
                    self._chapter_rows(student, cid, "invalid_submission", f"{path.name}: {reason}")
                    continue
                matched = _match_chapter(nb, self.chapters)
                if matched != cid:
                    what = f"the notebook of {matched}" if matched else "not a chapter notebook of this course"
                    self.log(f"{student} {cid}: {path.name}: {what}")
                    self._chapter_rows(student, cid, "invalid_submission", f"{path.name}: {what}")
                    continue
                self.todo.append((student, cid, nb))
        self.guarded = _Snapshot([self.course] + ([extra] if extra else []) + _startup_folders())

    def run(self, jobs: int = 1) -> None:
        """Grade every planned submission, ``jobs`` at a time.

        After each group the guarded files are checked: if a kernel changed
        any, they are restored and the group's submissions are graded again
        one at a time, so the change is pinned on the submission that made it.
        """
        todo = list(self.todo)
        for start in range(0, len(todo), max(1, jobs)):
            group = todo[start : start + max(1, jobs)]
            runs = self._run_group(group)
            changed = self.guarded.restore()
            if changed and len(group) > 1:
                self.log(
                    f"  提交副本以外的文件被改动，已还原，这一组逐份重新评分 files outside the submissions' copies "
                    f"changed ({changed[0]} ...); restored, grading this group again one at a time"
                )
                for run in runs:
                    run.cleanup()
                runs = []
                for item in group:
                    runs += self._run_group([item])
                    self._finish(runs[-1], tampered=self.guarded.restore())
                continue
            for run in runs:
                self._finish(run, tampered=changed)

    def _run_group(self, group: list) -> list[_Run]:
        if len(group) == 1:
            return [self._run_one(*group[0])]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=len(group)) as pool:
            return list(pool.map(lambda item: self._run_one(*item), group))

    def _run_one(self, student: str, cid: str, nb: Any) -> _Run:
        import nbformat

        chapter = self.chapters[cid]
        self.log(f"正在评分 grading {student} {cid} ...")
        run = _Run(
            student, cid, Path(tempfile.mkdtemp(prefix="crm-course-")), Path(tempfile.mkdtemp(prefix="crm-gradebook-"))
        )
        try:
            (run.work / "source" / cid).mkdir(parents=True)  # empty: the instructor's notebook stays out of reach
            (run.work / "submitted" / student / cid).mkdir(parents=True)
            graded, names = _on_instructor_cells(nb, chapter), {}
            if chapter.variants is not None:  # the roster id (or the common data's ""), whatever the cell says
                names[_ID_NAME] = student if chapter.variants else ""
                graded = with_student_id(graded, names[_ID_NAME])
            nbformat.write(graded, run.work / "submitted" / student / cid / chapter.notebook)
            run.edited = _edited_tests(nb, chapter)
            copy = run.dbdir / "submission" / chapter.notebook  # what the kernel sees of it: the file handed in
            copy.parent.mkdir()
            nbformat.write(nb, copy)
            run.db.write_bytes(self.template_bytes)
            wall = self.timeout * (chapter.code_cells + 3) + 120
            result = _run_nbgrader(
                {
                    "action": "autograde",
                    "root": str(run.work),
                    "chapter": cid,
                    "student": student,
                    "db_url": f"sqlite:///{run.db}",
                    "timeout": self.timeout,
                    "exchange": str(run.work / "exchange"),
                    "names": names,
                    "kernel": {
                        "sandbox": self.sandbox,
                        "limits": limits_dict(self.limits),
                        "files": {chapter.notebook: str(copy)},
                    },
                },
                cwd=run.work,
                wall_clock=wall,
            )
            run.ok = result.returncode == 0
            run.log = _tail(result.stderr, 20000)
        except Exception as exc:  # one broken submission never stops the batch
            run.problem = f"{type(exc).__name__}: {exc}"
        return run

    def _finish(self, run: _Run, *, tampered: list[Path]) -> None:
        """Publish, merge and report one graded submission (rows 'error' if it failed or tampered)."""
        import nbformat

        student, cid = run.student, run.cid
        chapter = self.chapters[cid]
        reason = ""
        try:
            if tampered:
                where = ", ".join(_shown(p, self.course) for p in tampered[:3]) + (" ..." if len(tampered) > 3 else "")
                reason = f"changed or planted files outside its own copy ({where}); removed or restored"
                self.log(f"  {student} {cid}: {reason}; 该提交记为 error this submission is marked 'error'")
                run.ok = False
            elif run.problem:
                reason = run.problem
                self.log(f"  {student} {cid}: 无法评分 could not be graded ({run.problem})")
            else:
                autograded = run.work / "autograded" / student / cid / chapter.notebook
                executed = nbformat.read(autograded, as_version=4) if autograded.is_file() else None
                job_log = job_lines(run.log)  # a sandboxed kernel's own prints are never read as the grader's
                reason = _limit_reason(executed, job_log, self.limits, self.timeout)
                if not run.ok:
                    reason = reason or _run_failure(job_log)
                    self.log(
                        f"  {student} {cid}: nbgrader 无法评分，各题记为 error nbgrader could not grade it ({reason}); "
                        "its exercises are 'error'"
                    )
                grades = self._temp_grades(run.db, cid, student, chapter)
                self._publish(run.work, student, cid)
                self._merge(grades, cid, student, chapter)
                self.guarded.refresh(
                    [self.course / "gradebook.db"]
                    + [self.course / d / student / cid for d in ("autograded", "feedback")]
                )
                if run.ok:
                    self._grade_rows(student, cid, executed, reason, edited=run.edited)
        except Exception as exc:  # one broken submission never stops the batch
            reason = f"could not be graded ({type(exc).__name__}: {exc})"
            self.log(f"  {student} {cid}: {reason}")
            run.ok = False
        finally:
            run.cleanup()
            self.done.add((student, cid))
        if not run.ok or run.problem:
            self.rows = [r for r in self.rows if not (r["student"] == student and r["chapter"] == cid)]
            self._chapter_rows(student, cid, "error", reason or "nbgrader could not grade it")

    @staticmethod
    def _temp_grades(db: Path, cid: str, student: str, chapter: _Chapter) -> dict[str, tuple[Any, bool, Any]]:
        from nbgrader.api import Gradebook, MissingEntry

        out: dict[str, tuple[Any, bool, Any]] = {}
        with Gradebook(f"sqlite:///{db}") as gb:
            try:
                sub = gb.find_submission_notebook(Path(chapter.notebook).stem, cid, student)
            except MissingEntry:
                return out
            for g in sub.grades:
                out[g.name] = (g.auto_score, bool(g.needs_manual_grade), None)
            for c in sub.comments:
                out[f"comment:{c.name}"] = (None, False, c.auto_comment)
        return out

    def _publish(self, work: Path, student: str, cid: str) -> None:
        for sub in ("autograded", "feedback"):
            src = work / sub / student / cid
            dest = self.course / sub / student / cid
            shutil.rmtree(dest, onerror=_force_remove)
            if src.is_dir():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copytree(src, dest, symlinks=True)
                if sub == "feedback":
                    _embed_font(dest, self.chapters[cid])

    def _merge(self, grades: dict, cid: str, student: str, chapter: _Chapter) -> None:
        """Write this submission's autograde results into the course gradebook (manual scores kept)."""
        import warnings

        from nbgrader.api import Gradebook, MissingEntry
        from sqlalchemy.exc import SAWarning

        name = Path(chapter.notebook).stem
        with _venv_path(), warnings.catch_warnings(), Gradebook(f"sqlite:///{self.course / 'gradebook.db'}") as gb:
            # nbgrader's add_submission triggers SQLAlchemy autoflush notices; harmless
            warnings.simplefilter("ignore", SAWarning)
            gb.update_or_create_student(student)
            gb.update_or_create_submission(cid, student)
            for grade_id, _, _ in chapter.grade_cells:
                try:
                    g = gb.find_grade(grade_id, name, cid, student)
                except MissingEntry:
                    continue
                auto, needs, _ = grades.get(grade_id, (None, False, None))
                g.auto_score, g.needs_manual_grade = auto, needs
            for key, (_, _, comment) in grades.items():
                if key.startswith("comment:"):
                    try:
                        gb.find_comment(key[len("comment:") :], name, cid, student).auto_comment = comment
                    except MissingEntry:
                        pass
            gb.db.commit()

    def _grade_rows(
        self, student: str, cid: str, executed: Any, limit: str = "", *, edited: frozenset[str] = frozenset()
    ) -> None:
        from nbgrader.api import Gradebook, MissingEntry

        chapter = self.chapters[cid]
        outputs: dict[str, list] = {}
        if executed is not None:
            for cell in executed.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if gid:
                    outputs[gid] = cell.get("outputs", [])
        with Gradebook(f"sqlite:///{self.course / 'gradebook.db'}") as gb:
            for grade_id, max_points, kind in chapter.grade_cells:
                try:
                    g = gb.find_grade(grade_id, Path(chapter.notebook).stem, cid, student)
                    auto, manual, needs = g.auto_score, g.manual_score, g.needs_manual_grade
                except MissingEntry:
                    auto = manual = needs = None
                points: Any = manual if manual is not None else auto
                if manual is not None:
                    status = _scored(manual, max_points)
                elif needs:
                    status, points = "needs_manual_grade", ""
                elif auto is None:
                    status, points = "error", 0.0
                elif auto > 0:
                    status = _scored(auto, max_points)
                elif kind == "markdown":
                    status = "not_attempted"  # nbgrader scores an unchanged written answer zero
                else:
                    status = _failure(outputs.get(grade_id, []))
                reason = ""
                if limit and status not in ("correct", "partial", "needs_manual_grade"):
                    status, reason = "error", limit
                elif status == "error":
                    reason = _error_reason(outputs.get(grade_id, []))
                if grade_id in edited and status != "correct":
                    reason = "; ".join(
                        x for x in (reason, "test cell edited or deleted (the instructor's was run)") if x
                    )
                self._row(
                    student=student,
                    chapter=cid,
                    exercise=grade_id,
                    points=points,
                    max_points=max_points,
                    status=status,
                    reason=reason,
                )

    def add_missing(self) -> None:
        with_db = self.course / "gradebook.db"
        if with_db.exists():
            from nbgrader.api import Gradebook

            with Gradebook(f"sqlite:///{with_db}") as gb:
                self.students |= {s.id for s in gb.students if _valid_student(s.id)}
        for student in sorted(self.students):
            for cid in self.chapters:
                if (student, cid) not in self.done:
                    self._chapter_rows(student, cid, "missing")


def _on_instructor_cells(nb: Any, chapter: _Chapter) -> Any:
    """The submission laid on the instructor's cells: honest slips (copies, order, extra cells) cost nothing.

    The chapter's own cells (by nbgrader ``grade_id``) come in the instructor's
    order, each once: the first cell carrying an id keeps it, a copy (Jupyter
    copies a cell's metadata with it) becomes an ordinary cell; a cell the
    submission lacks is put back (an answer cell as released, ``...``; nbgrader
    restores locked and test cells from the gradebook).  A cell the student
    added stays right after the chapter cell it followed.  nbgrader metadata
    naming no cell of the chapter (an added "graded" cell) is dropped.
    """
    import copy

    from crm_lessons.runner.release import release_cell_source

    nb = copy.deepcopy(nb)
    known: dict[str, Any] = {}
    extras: dict[str | None, list] = {None: []}
    anchor: str | None = None
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if gid in chapter.ids and gid not in known:
            known[gid] = cell
            anchor = gid
            extras.setdefault(gid, [])
            continue
        if meta is not None:
            del cell.metadata["nbgrader"]
        extras.setdefault(anchor, []).append(cell)
    cells = list(extras[None])
    for cell in chapter.source.cells:
        meta = cell.metadata.get("nbgrader")
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if gid not in chapter.ids:
            continue
        if gid in known:
            cells.append(known[gid])
        else:
            missing = copy.deepcopy(cell)
            missing.source = release_cell_source(missing)
            if missing.cell_type == "code":
                missing.outputs, missing.execution_count = [], None
            cells.append(missing)
        cells.extend(extras.get(gid, []))
    seen: set[str] = set()
    for cell in cells:  # cell ids unique (a copy made outside Jupyter may repeat one)
        if "id" in cell and (cell["id"] in seen or not cell["id"]):
            cell["id"] = uuid.uuid4().hex[:8]
        seen.add(cell.get("id", ""))
    nb.cells = cells
    return nb


#: Characters of the student's own text given glyphs in the feedback beyond the chapter's (keeps the font small).
_EXTRA_GLYPHS = 500


_FONT_CSS: dict[str, str] = {}


def _embed_font(folder: Path, chapter: _Chapter) -> None:
    """Embed the course font, cut to the characters used, in each feedback page (as the course site does).

    The glyphs cover the student version of the chapter (never its solutions
    or hidden tests) and at most :data:`_EXTRA_GLYPHS` other characters of the
    page, so the font stays a few hundred kB whatever a submission prints.
    """
    from crm_lessons.runner import embedded_font_css
    from crm_lessons.runner.release import release_cell_source

    if chapter.glyphs is None:
        text = "".join(release_cell_source(c) for c in chapter.source.cells)
        chapter.glyphs = {c for c in text if ord(c) > 127} | set(page_text())
    for page in folder.glob("*.html"):
        html = page.read_text(encoding="utf-8", errors="replace")
        if "@font-face" in html:  # nbgrader's generate_feedback embedded it already
            continue
        extra = "".join(sorted({c for c in html if ord(c) > 127} - chapter.glyphs)[:_EXTRA_GLYPHS])
        key = f"{chapter.cid}:{extra}"
        if key not in _FONT_CSS:  # most pages need no glyph beyond the chapter's: the font is cut once
            if len(_FONT_CSS) > 8:
                _FONT_CSS.clear()
            _FONT_CSS[key] = embedded_font_css("".join(sorted(chapter.glyphs)) + extra)
        css = _FONT_CSS[key]
        page.write_text(html.replace("</head>", css + "</head>", 1), encoding="utf-8")


def _edited_tests(nb: Any, chapter: _Chapter) -> frozenset[str]:
    """The chapter's test cells whose code the submission changed from the released one, or lacks."""
    from crm_lessons.runner.release import release_cell_source

    released: dict[str, set[str]] = {}
    for cell in chapter.source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if isinstance(meta, dict) and meta.get("grade") and not meta.get("solution") and cell.cell_type == "code":
            released[str(meta.get("grade_id"))] = {release_cell_source(cell).strip(), str(cell.source).strip()}
    seen: dict[str, str] = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if gid in released and gid not in seen:
            seen[gid] = str(cell.source).strip()
    return frozenset(g for g, sources in released.items() if seen.get(g) not in sources)


def _shown(path: Path, course: Path) -> str:
    try:
        return str(path.relative_to(course))
    except ValueError:
        return str(path)


#: Traces of a resource limit in a cell's error, and how the CSV names it.
_LIMIT_SIGNS = (
    ("MemoryError", "memory limit ({memory}) reached"),
    ("File too large", "file size limit ({file_size}) reached"),
    ("No space left on device", "disk limit ({disk}) reached"),
    ("Resource temporarily unavailable", "process limit ({processes}) reached"),
)


def _limit_reason(executed: Any, log: str, limits: Limits, timeout: int) -> str:
    """Which limit a run hit (the first found), as the CSV's reason; '' when none."""
    described = limits.describe()
    found: list[str] = []
    if executed is not None:
        cut = executed.metadata.get("crm_lessons", {}).get("output_cut", 0)
        for cell in executed.cells:
            for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
                if out.get("output_type") == "error":
                    text = f"{out.get('ename', '')}: {out.get('evalue', '')}"
                    for sign, why in _LIMIT_SIGNS:
                        if sign in text:
                            found.append(why.format(**described))
                    if out.get("ename") in ("CellTimeoutError", "TimeoutError") or "Cell execution timed out" in text:
                        found.append(f"time limit: a cell ran longer than {timeout} s")
        if cut:
            found.append(f"output limit ({described['output']}) reached: {cut / 2**20:.1f} MB of output cut")
    for sign, why in _LIMIT_SIGNS:  # a run nbgrader could not finish leaves its traces in the log only
        if sign in log and why.format(**described) not in found:
            found.append(why.format(**described))
    if "DeadKernelError" in log or "Kernel died" in log:
        found.append(f"the kernel died (CPU time limit {described['cpu']}, memory, or it exited)")
    if "killed after" in log:
        found.append("time limit: the whole notebook ran too long")
    return found[0] if found else ""


def _tail(log: str, size: int) -> str:
    r"""The last ``size`` characters of ``log`` or fewer, from the start of a line (a cut line loses its mark).

    >>> _tail("first line\nsecond\n", 10)
    'second\n'
    """
    return log if len(log) <= size else log[-size:].split("\n", 1)[-1]


def _run_failure(log: str) -> str:
    """Why nbgrader could not grade a submission, from its log (short)."""
    if "Timeout" in log or "timed out" in log:
        return "time limit: a cell ran too long"
    lines = [line for line in log.strip().splitlines() if line.strip()]
    return ("nbgrader could not grade it: " + lines[-1][:200]) if lines else "nbgrader could not grade it"


def _error_reason(outputs: list) -> str:
    errors = [o for o in outputs if o.get("output_type") == "error"]
    if not errors:
        return "the test wrote to stderr"
    return f"{errors[0].get('ename', '')}: {str(errors[0].get('evalue', ''))[:200]}"


def _force_remove(func, path, _exc) -> None:
    """rmtree helper: nbgrader leaves read-only files; make them writable and retry."""
    try:
        os.chmod(path, 0o700)
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


@dataclass
class _Run:
    """One submission's nbgrader run: its temporary course copy and gradebook."""

    student: str
    cid: str
    work: Path
    dbdir: Path
    ok: bool = False
    problem: str = ""
    log: str = ""
    edited: frozenset[str] = frozenset()  # test cells the submission changed (nbgrader runs the instructor's)

    @property
    def db(self) -> Path:
        return self.dbdir / "gradebook.db"

    def cleanup(self) -> None:
        for folder in (self.work, self.dbdir):
            shutil.rmtree(folder, onerror=_force_remove)


class _Snapshot:
    """The bytes of every file under some paths, to undo what a submission changed or planted there.

    Files are compared by content (SHA-256), not by size and time.  With the
    sandbox no kernel can reach these paths; without it (``sandbox=False``) a
    kernel runs as the grader's user and could write anywhere the grader can,
    so every change is put back, every planted file removed, both reported.
    """

    def __init__(self, paths: list[Path]):
        self.paths = paths
        self.files: dict[Path, tuple[str, bytes]] = {}
        self.refresh(paths)

    @staticmethod
    def _walk(path: Path):
        if path.is_symlink():
            yield path
        elif path.is_file():
            yield path
        elif path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_symlink() or p.is_file():
                    yield p

    @staticmethod
    def _digest(path: Path) -> str:
        import hashlib

        if path.is_symlink():
            return "link:" + os.readlink(path)
        return hashlib.sha256(path.read_bytes()).hexdigest()

    def refresh(self, paths: list[Path]) -> None:
        """Take ``paths`` as they are now (the grader wrote them)."""
        import zlib

        for path in paths:
            for f in [f for f in self.files if f == path or path in f.parents]:
                del self.files[f]
            for f in self._walk(path):
                if not f.is_symlink():
                    self.files[f] = (self._digest(f), zlib.compress(f.read_bytes(), 1))

    def restore(self) -> list[Path]:
        """Put back every changed or deleted file, remove every new one; return them all."""
        import zlib

        changed = []
        for f, (digest, data) in self.files.items():
            try:
                same = not f.is_symlink() and f.is_file() and self._digest(f) == digest
            except OSError:
                same = False
            if not same:
                changed.append(f)
                if f.is_symlink():
                    f.unlink()
                elif f.is_dir():
                    shutil.rmtree(f, onerror=_force_remove)
                f.parent.mkdir(parents=True, exist_ok=True)
                if f.exists():
                    os.chmod(f, 0o644)
                f.write_bytes(zlib.decompress(data))
        for path in self.paths:
            for f in list(self._walk(path)) if path.is_dir() else ():
                if f not in self.files:
                    changed.append(f)
                    f.unlink()
        return changed


def _startup_folders() -> list[Path]:
    """IPython startup folders of the grader's account: a file planted there would run in later kernels."""
    home = Path.home()
    folders = [home / ".ipython" / "profile_default" / "startup"]
    if os.environ.get("IPYTHONDIR"):
        folders.append(Path(os.environ["IPYTHONDIR"]) / "profile_default" / "startup")
    return folders


class _venv_path:
    """nbgrader creates a missing gradebook by calling ``alembic``: put the venv's bin folder on PATH meanwhile."""

    def __enter__(self):
        import sys

        self.old = os.environ.get("PATH", "")
        os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + self.old

    def __exit__(self, *exc):
        os.environ["PATH"] = self.old


def _csv_bytes(rows: list[dict], columns: list[str]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(row[c]) for c in columns])
    return buf.getvalue().encode("utf-8-sig")  # BOM: Excel on a Chinese-locale Windows reads UTF-8


def _totals(rows: list[dict]) -> list[dict]:
    totals: dict[str, dict] = {}
    for row in rows:
        t = totals.setdefault(
            row["student"], dict(student=row["student"], points=0.0, max_points=0.0, needs_manual_grade=0)
        )
        if isinstance(row["points"], float | int):
            t["points"] += row["points"]
        if isinstance(row["max_points"], float | int):
            t["max_points"] += row["max_points"]
        t["needs_manual_grade"] += row["status"] == "needs_manual_grade"
    return [totals[s] for s in sorted(totals)]


def grade_course(
    course: str | os.PathLike,
    *,
    csv_path: str | os.PathLike,
    submissions: str | os.PathLike | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    jobs: int = 1,
    sandbox: bool = True,
    limits: Limits | None = None,
    log: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Autograde every submission of a course with nbgrader and write the gradebook.

    Parameters
    ----------
    course : path
        A course folder written by :func:`crm_lessons.grading.assign_course`.
    csv_path : path
        The gradebook CSV (UTF-8 with BOM), columns :data:`COLUMNS`; the
        per-student totals go to ``<name>_totals.csv`` beside it.  Never inside
        the submissions or nbgrader's folders.
    submissions : path, optional
        An LMS export, ``SUBMISSIONS/STUDENT/*.ipynb``: collected into
        ``submitted/STUDENT/chNN/`` first, each notebook matched to its chapter
        by its nbgrader cell ids.  Without it, ``submitted/`` is graded as it is.
    timeout : int
        Seconds one cell may run before nbgrader interrupts it.
    jobs : int
        Submissions graded at the same time (each in its own process and kernel).
    sandbox : bool
        Run each submission's kernel in a bubblewrap sandbox (Linux; see
        :mod:`crm_lessons.grading._sandbox`).  Where none can be made, grading
        refuses unless ``sandbox=False`` (``--no-sandbox``): then kernels run as
        your user, and the CSV's ``sandboxed`` column says ``no``.
    limits : Limits, optional
        Memory, processes, file size, CPU time, disk and output of one
        submission's kernel (default :class:`~crm_lessons.grading._sandbox.Limits`).

    Returns
    -------
    list of dict
        The gradebook rows (``points`` empty, i.e. ``""``, while a written
        answer awaits manual grading).
    """
    course = Path(course).resolve()
    if not (course / "nbgrader_config.py").is_file():
        raise GradingError(
            f"不是课程文件夹（没有 nbgrader_config.py）{course} is not a course folder (no nbgrader_config.py); "
            f"create it with 'crm-lessons assign --out {course}'"
        )
    subs = Path(submissions).resolve() if submissions is not None else None
    if subs is not None:
        if not subs.is_dir():
            raise GradingError(f"提交文件夹不存在 submissions folder {subs} does not exist")
        if any(_inside(subs, course / d) for d in _OUTPUT_DIRS) or _inside(course, subs):
            raise GradingError(
                f"提交文件夹须在 nbgrader 的文件夹之外 the submissions folder {subs} must be outside nbgrader's "
                f"folders of {course}"
            )
    if int(timeout) <= 0:
        raise GradingError(f"限时须为正的秒数 {option('timeout', timeout)} must be a positive number of seconds")
    target, totals_path = _check_outputs(Path(csv_path), course, subs)
    if sandbox and (problem := sandbox_problem()):
        raise GradingError(
            f"这里无法建立沙箱，请在装有 bubblewrap 的 Linux 机器或容器中评分 cannot grade in a sandbox here: {problem}. Grade on a Linux machine or container with bubblewrap "
            "and user namespaces (e.g. Debian/Ubuntu: apt install bubblewrap), or pass "
            f"{option('sandbox', False)} to run the submissions unsandboxed as your own user"
        )
    if not sandbox:
        log(
            "不用沙箱评分：每份提交以你的用户身份运行（CSV 中 sandboxed=no）grading WITHOUT a sandbox: every "
            "submission runs as your user (the CSV says sandboxed=no)"
        )
    chapters = {cid: _load_chapter(cid, path) for cid, path in course_chapters(course).items()}
    batch = _Batch(course, chapters, int(timeout), log, sandbox=bool(sandbox), limits=limits or Limits())
    with tempfile.TemporaryDirectory(prefix="crm-grade-") as tmp:
        batch.prepare(Path(tmp))
        if subs is not None:
            batch.collect(subs)
        batch.plan(subs)
        batch.run(jobs=max(1, int(jobs)))
    batch.add_missing()
    order = {cid: {g: i for i, (g, _, _) in enumerate(ch.grade_cells)} for cid, ch in chapters.items()}
    rows = sorted(
        batch.rows,
        key=lambda r: (
            r["student"],
            r["chapter"],
            order.get(r["chapter"], {}).get(r["exercise"], 10**6),
            r["exercise"],
        ),
    )
    atomic_write_bytes(target, _csv_bytes(rows, COLUMNS))
    atomic_write_bytes(totals_path, _csv_bytes(_totals(rows), TOTAL_COLUMNS))
    log(f"已写入 wrote {target} ({len(rows)} 行 rows) 和 and {totals_path}")
    from crm_lessons.grading.items import write_item_analysis  # item analysis (issue 29 item 2)

    log("已写入 wrote {} 和 and {}".format(*write_item_analysis(rows, course=course, csv_path=target)))
    return rows
