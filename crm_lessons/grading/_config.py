"""The nbgrader configuration every crm-lessons course uses (one place: the config file and the runner)."""

from __future__ import annotations

from typing import Any

from crm_lessons.runner.release import CODE_STUB, TEXT_STUB

#: nbgrader's per-cell timeout when the instructor does not choose one (seconds).
DEFAULT_TIMEOUT = 60

#: The kernel manager of grading runs: the one every notebook run of the package uses, whose client cannot
#: miss a cell's reply while the cell displays an ``ipywidgets.Output`` (chapters 2 and 7) and so stall it
#: until the grading timeout; see :mod:`crm_lessons.runner.kernel`.  (nbgrader's ``Execute`` passes
#: ``AsyncKernelManager`` when it is created, but nbconvert's ``ExecutePreprocessor.preprocess`` sets the
#: client up again from the configuration before it starts the kernel, so this setting decides.)
KERNEL_MANAGER = "crm_lessons.runner.kernel.NotebookKernelManager"
#: The kernel manager of ``crm-lessons grade``: each kernel under bubblewrap (:mod:`crm_lessons.grading._sandbox`).
SANDBOX_KERNEL_MANAGER = "crm_lessons.grading._sandbox.SandboxKernelManager"
#: ... and where the instructor chose no sandbox: the kernel gets a fresh home of its own (no IPython startup
#: files of the instructor's account run in it, none it writes stays).
UNSANDBOXED_KERNEL_MANAGER = "crm_lessons.grading._sandbox.FreshHomeKernelManager"

_TEMPLATE = """\
# nbgrader configuration written by `crm-lessons assign` (re-running it rewrites this file).
import os

c = get_config()  # noqa: F821 (provided by nbgrader)
_here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = _here
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_here, "gradebook.db")
c.Exchange.root = os.path.join(_here, "exchange")
c.ClearSolutions.code_stub = {{"python": {code_stub!r}}}
c.ClearSolutions.text_stub = {text_stub!r}
c.Execute.timeout = {timeout}
c.Execute.kernel_manager_class = {kernel_manager!r}
c.OverwriteCells.add_missing_cells = True
c.Autograde.autograde_preprocessors = {preprocessors}
# feedback for students: no hidden tests or expected values, Chinese first, the course font; no MathJax CDN
c.GenerateFeedback.preprocessors = {feedback_preprocessors}
from crm_lessons.grading._feedback import exporter_config as _exporter_config  # noqa: E402

c.HTMLExporter.extra_template_basedirs = _exporter_config()["extra_template_basedirs"]
# the formgrader's submission pages: Chinese drawn with the course font on a machine without one
c.HTMLExporter.preprocessors = ["crm_lessons.grading._execute.FormgraderFont"]
"""


def _autograde_preprocessors() -> list[str]:
    return [
        "crm_lessons.grading._execute.StrictExecute",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "crm_lessons.grading._execute.LimitOutputBytes",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]


def _feedback_preprocessors() -> list[str]:
    return [
        "nbgrader.preprocessors.GetGrades",
        "crm_lessons.grading._execute.StudentFeedback",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]


def config_file_text(*, timeout: int = DEFAULT_TIMEOUT) -> str:
    """The text of ``nbgrader_config.py`` for a course folder (paths relative to the file)."""
    return _TEMPLATE.format(
        code_stub=CODE_STUB,
        text_stub=TEXT_STUB,
        timeout=int(timeout),
        kernel_manager=KERNEL_MANAGER,
        preprocessors=_autograde_preprocessors(),
        feedback_preprocessors=_feedback_preprocessors(),
    )


def nbgrader_config(
    root: str,
    *,
    db_url: str,
    timeout: int = DEFAULT_TIMEOUT,
    exchange: str | None = None,
    kernel: dict | None = None,
    names: dict | None = None,
) -> Any:
    """The same settings as :func:`config_file_text`, as a traitlets ``Config`` for one course folder.

    ``kernel`` (grading runs): ``{"sandbox": bool, "limits": {...}, "files": {...}}`` chooses the
    sandboxed kernel manager and its settings.  ``names`` (grading runs): values the test cells,
    run in the grader, get from the grader and never from the student's kernel (``STUDENT_ID``).
    """
    import os

    from traitlets.config import Config

    c = Config()
    c.CourseDirectory.root = root
    c.CourseDirectory.db_url = db_url
    c.Exchange.root = exchange or os.path.join(root, "exchange")
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.text_stub = TEXT_STUB
    c.Execute.timeout = int(timeout)
    c.Execute.kernel_manager_class = KERNEL_MANAGER
    c.OverwriteCells.add_missing_cells = True
    c.Autograde.autograde_preprocessors = _autograde_preprocessors()
    c.GenerateFeedback.preprocessors = _feedback_preprocessors()
    from crm_lessons.grading._feedback import exporter_config

    for key, value in exporter_config().items():
        setattr(c.HTMLExporter, key, value)
    if kernel is not None:
        c.StudentFeedback.embed_font = False  # the grader embeds a cut of the font it caches per chapter
        if kernel.get("sandbox"):
            c.Execute.kernel_manager_class = SANDBOX_KERNEL_MANAGER
            c.SandboxKernelManager.limits = dict(kernel.get("limits") or {})
            c.SandboxKernelManager.files = dict(kernel.get("files") or {})
        else:
            c.Execute.kernel_manager_class = UNSANDBOXED_KERNEL_MANAGER
        # a kernel still streaming output after its reply (50 MB printed, a loaded machine) must not fail the
        # whole submission, as nbgrader's raise_on_iopub_timeout would: wait a while, then go on with what came
        c.Execute.iopub_timeout = max(10, int(timeout) // 2)
        c.Execute.raise_on_iopub_timeout = False
        c.LimitOutputBytes.max_bytes = int((kernel.get("limits") or {}).get("output", 2 * 2**20))
    if names:
        c.StrictExecute.grader_names = dict(names)
    return c
