"""nbgrader's executor, stricter: test cells are checked by the grader, outside the student's kernel."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

from jupyter_core.utils import run_sync

# nbgrader (through its dependencies) adds warning filters when imported; importing this plugin
# module (nbgrader's configuration names it) must leave the importing process's filters as they were
with warnings.catch_warnings():
    from nbgrader.preprocessors import Execute, NbGraderPreprocessor
    from nbgrader.utils import is_grade, is_solution
    from traitlets import Bool, Dict, Integer


def visible_part(source: str) -> str:
    """A test cell's code as the student's version has it (hidden tests removed)."""
    from crm_lessons.runner.release import release_cell_source

    return release_cell_source({"cell_type": "code", "source": source, "metadata": {"nbgrader": {"grade": True}}})


class StrictExecute(Execute):
    """nbgrader's ``Execute``, with each autograded test cell checked in the grader, not in the kernel.

    - A test cell (graded, not a solution) runs its visible part in the student's
      kernel, as the student saw it; then its whole code (visible checks and hidden
      tests) runs here, in the grading process, against plain data exported from
      the kernel (:mod:`crm_lessons.grading._remote`), and the outputs recorded here
      are what nbgrader scores.  The key and the comparison never enter the kernel.
    - A graded code cell keeps no ``execute_result`` and lists its error first:
      nbgrader takes a numeric result met before an error as partial credit, and
      code in a submission could make the kernel publish one (e.g. from an event hook).
    - ``grader_names``: names a test cell gets from the grader, never from the kernel
      (``STUDENT_ID``, the roster id of a course with per-student data).
    """

    grader_names = Dict(help="names the test cells get from the grader, not from the student's kernel").tag(config=True)

    async def async_execute_cell(
        self, cell: Any, cell_index: int, execution_count: int | None = None, store_history: bool = True
    ) -> Any:
        if not (cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)):
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        full = cell.source
        cell.source = visible_part(full)
        try:
            await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        finally:
            cell.source = full
        from nbformat import from_dict

        loop = asyncio.get_running_loop()
        # run_in_executor, not to_thread: the worker must not inherit this context, where jupyter_core keeps
        # the running loop its blocking clients would then try to use
        outputs = await loop.run_in_executor(None, self._check_outside, full, loop)
        cell.outputs = [from_dict(o) for o in outputs]
        return cell

    # nbclient binds ``execute_cell`` to its own coroutine function: bind it to this one
    execute_cell = run_sync(async_execute_cell)

    def _check_outside(self, source: str, loop: asyncio.AbstractEventLoop) -> list[dict]:
        """Run a test cell's code here (in a worker thread), asking the kernel for its values."""
        from crm_lessons.grading._remote import KernelLink, run_test_code

        client = self.km.blocking_client()
        client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)

        def interrupt() -> None:
            try:
                asyncio.run_coroutine_threadsafe(self.km.interrupt_kernel(), loop).result(10)
            except Exception:  # noqa: BLE001, S110 (a kernel that cannot be interrupted is stopped by the cell timeout)
                pass

        import shutil
        import tempfile

        # big answers come as files: the sandbox's socket folder (both sides see it), else a folder of the grader's
        folder = getattr(self.km, "_socket_dir", None)
        own = None if folder else tempfile.mkdtemp(prefix="crm-answers-")
        link = KernelLink(client, timeout=float(self.timeout or 60), interrupt=interrupt, folder=folder or own)
        try:
            return run_test_code(source, link, names=dict(self.grader_names))
        finally:
            client.stop_channels()
            if own:
                shutil.rmtree(own, ignore_errors=True)

    def on_cell_executed(self, **kwargs):
        super().on_cell_executed(**kwargs)
        cell = kwargs["cell"]
        if cell.cell_type == "code" and is_grade(cell):
            errors = [o for o in cell.outputs if o.output_type == "error"]
            others = [o for o in cell.outputs if o.output_type not in ("error", "execute_result")]
            cell.outputs = errors + others


class LimitOutputBytes(NbGraderPreprocessor):
    """Cut a notebook's outputs to ``max_bytes`` in all (a student may print 50 MB; the feedback stays small).

    Test cells keep their outputs (the grader wrote them, short); other cells'
    outputs are cut in order once the budget is spent, each cut marked, and the
    number of bytes cut is kept in ``nb.metadata["crm_lessons"]["output_cut"]``.
    """

    max_bytes = Integer(2 * 2**20, help="bytes of outputs kept per notebook (counted as escaped HTML)").tag(config=True)

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        import json

        from nbformat import from_dict

        budget, cut = int(self.max_bytes), 0
        for cell in nb.cells:
            if cell.cell_type != "code" or (is_grade(cell) and not is_solution(cell)):
                continue
            kept, dropped = [], False
            for out in cell.get("outputs", []):
                text = json.dumps(out)
                size = len(text) + 4 * sum(map(text.count, "<>&"))  # as HTML: each of these is escaped
                if size <= budget:
                    kept.append(out)
                    budget -= size
                    continue
                cut, dropped = cut + size, True
                if out.get("output_type") == "stream" and budget > 1000:
                    text = "".join(out.get("text", ""))[: budget - 1000]
                    budget = 0
                    kept.append(from_dict({"output_type": "stream", "name": out.get("name", "stdout"), "text": text}))
            if dropped:
                note = "\n... (输出过长已截断 output cut: too long)\n"
                kept.append(from_dict({"output_type": "stream", "name": "stdout", "text": note}))
            cell.outputs = kept
        if cut:
            nb.metadata.setdefault("crm_lessons", {})["output_cut"] = cut
        return nb, resources


class StudentFeedback(NbGraderPreprocessor):
    """``GenerateFeedback``'s step after ``GetGrades``: the page a student gets, without the key.

    Test cells keep their visible part and one message each (see
    :mod:`crm_lessons.grading._feedback`); ``resources["crm_feedback"]`` holds the
    summary rows and, when :attr:`embed_font`, the course font cut to the page's
    characters, for our ``feedback`` template.
    """

    embed_font = Bool(True, help="embed the course font (crm-lessons grade embeds a cached cut itself)").tag(
        config=True
    )

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        from crm_lessons.grading._feedback import feedback_notebook, page_glyphs

        self._mark_manual(nb, resources.get("nbgrader", {}))
        nb, rows = feedback_notebook(nb)
        info: dict[str, Any] = {"rows": rows, "font_css": ""}
        if self.embed_font:
            from crm_lessons.runner import embedded_font_css

            name = str(resources.get("nbgrader", {}).get("notebook", ""))
            info["font_css"] = embedded_font_css(name + page_glyphs(nb, rows))
        resources["crm_feedback"] = info
        return nb, resources

    @staticmethod
    def _mark_manual(nb: Any, info: dict) -> None:
        """Put the gradebook's ``needs_manual_grade`` into each graded cell (``GetGrades`` leaves it out)."""
        if not info.get("db_url"):
            return
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(info["db_url"]) as gb:
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if not (isinstance(meta, dict) and meta.get("grade")):
                    continue
                try:
                    grade = gb.find_grade(meta["grade_id"], info["notebook"], info["assignment"], info["student"])
                except (MissingEntry, KeyError):
                    continue
                meta["needs_manual_grade"] = bool(grade.needs_manual_grade) and grade.manual_score is None


class FormgraderFont(NbGraderPreprocessor):
    """The formgrader's submission pages draw Chinese with the course font (no system font needed).

    The course's ``nbgrader_config.py`` adds this to ``HTMLExporter.preprocessors``; it acts only
    on the formgrader's pages (their resources name a ``submission_id`` and carry no ``nbgrader``
    entry, unlike ``generate_feedback``, whose page embeds the font itself): a cell at the top holds
    a ``<style>`` with the course font cut to the notebook's characters, as the feedback page does.
    """

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        if "submission_id" not in resources or "nbgrader" in resources:
            return nb, resources
        from nbformat import v4

        from crm_lessons.grading._feedback import page_glyphs
        from crm_lessons.runner import embedded_font_css

        glyphs = page_glyphs(nb, [], limit=4000)
        nb.cells.insert(0, v4.new_markdown_cell(embedded_font_css(glyphs)))  # raw HTML passes through markdown
        return nb, resources
