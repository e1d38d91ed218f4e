"""The notebook runner: the machinery every other machinery package stands on.

The course site (:mod:`crm_lessons.course`), the analysts' report
(:mod:`crm_lessons.report`) and grading (:mod:`crm_lessons.grading`) all run
notebooks and write pages; they take these pieces from here, never from each
other:

- finding the notebooks: :func:`project_root`, :func:`chapter_notebooks`, :func:`notebook_title`;
- running one top to bottom in a fresh kernel: :func:`execute_notebook` (papermill), with the
  kernel manager of :mod:`crm_lessons.runner.kernel` (which nbgrader's configuration names too);
  or in this process, with the outputs a kernel would give: :func:`execute_in_process` (the report);
- writing it as a page that opens offline with the course font embedded: :func:`to_html`,
  :func:`embedded_font_css`, :func:`subset_font`;
- starting the package's own processes quickly: :func:`skip_slow_optional_imports`, :func:`defer_numpy_f2py`,
  :func:`skip_library_docstring_generation`.

Importing this package imports nothing heavy (papermill, nbconvert, pyzmq load when used).
"""

from __future__ import annotations

from crm_lessons.runner._execute import execute_notebook
from crm_lessons.runner._html import embedded_font_css, subset_font, to_html
from crm_lessons.runner._inprocess import CellExecutionError, execute_in_process
from crm_lessons.runner._paths import chapter_notebooks, notebook_title, project_root
from crm_lessons.runner._startup import (
    FORMAT_CHECKER_MODULES,
    SLOW_OPTIONAL_MODULES,
    defer_numpy_f2py,
    skip_library_docstring_generation,
    skip_slow_optional_imports,
)

__all__ = [
    "CellExecutionError",
    "FORMAT_CHECKER_MODULES",
    "SLOW_OPTIONAL_MODULES",
    "chapter_notebooks",
    "defer_numpy_f2py",
    "embedded_font_css",
    "execute_in_process",
    "execute_notebook",
    "notebook_title",
    "project_root",
    "skip_library_docstring_generation",
    "skip_slow_optional_imports",
    "subset_font",
    "to_html",
]
