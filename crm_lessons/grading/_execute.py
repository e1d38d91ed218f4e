"""nbgrader's executor, stricter about what counts as a passed test cell."""

from __future__ import annotations

import warnings

# nbgrader (through its dependencies) adds warning filters when imported; importing this plugin
# module (nbgrader's configuration names it) must leave the importing process's filters as they were
with warnings.catch_warnings():
    from nbgrader.preprocessors import Execute
    from nbgrader.utils import is_grade


class StrictExecute(Execute):
    """nbgrader's ``Execute``, plus: a graded code cell keeps no ``execute_result`` and lists its error first.

    nbgrader scores a test cell by its outputs: an error (or stderr) scores
    zero, but a numeric ``execute_result`` met *before* the error is taken as
    partial credit.  Our test cells never award partial credit, and code in a
    submission could make the kernel publish such a result (e.g. from an
    event hook), so graded code cells keep only their other outputs, error first.
    nbgrader's own check adds the error when the kernel reported one without
    showing it (a disabled ``showtraceback``).
    """

    def on_cell_executed(self, **kwargs):  # noqa: D102 (documented on the class)
        super().on_cell_executed(**kwargs)
        cell = kwargs["cell"]
        if cell.cell_type == "code" and is_grade(cell):
            errors = [o for o in cell.outputs if o.output_type == "error"]
            others = [o for o in cell.outputs if o.output_type not in ("error", "execute_result")]
            cell.outputs = errors + others
