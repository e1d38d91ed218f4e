"""Helpers shared by the grading tests (test_grading.py, test_item_analysis.py): notebook cells in nbgrader's format."""

from __future__ import annotations

import nbformat


def cell(kind: str, source: str, **nbgrader) -> nbformat.NotebookNode:
    """A code cell (``kind="code"``) or markdown cell, with ``nbgrader`` metadata (schema 3) when given any."""
    made = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    if nbgrader:
        made.metadata["nbgrader"] = {"schema_version": 3, **nbgrader}
    return made
