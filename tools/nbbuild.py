"""Tiny helper to write chapter notebooks from Python scripts (maintainers' tool).

    from nbbuild import Notebook
    nb = Notebook()
    nb.md("# 第2章 ...")
    nb.code("SEED = 42", tags=["parameters"])
    nb.save("notebooks/02_customer_identification.ipynb", test_parameters={"AS_OF": "1997-12-31"})

Then execute it and store its outputs: ``python -m crm_lessons refresh-notebooks <file>``.
"""

from __future__ import annotations

import textwrap

import nbformat


class Notebook:
    """Collects cells; ``save`` writes an unexecuted notebook with the course's metadata."""

    def __init__(self) -> None:
        self.cells: list = []

    def md(self, text: str) -> None:
        self.cells.append(nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip("\n")))

    def code(self, text: str, *, tags: list[str] | None = None) -> None:
        cell = nbformat.v4.new_code_cell(textwrap.dedent(text).strip("\n"))
        if tags:
            cell.metadata["tags"] = list(tags)
        self.cells.append(cell)

    def save(self, path: str, *, test_parameters: dict) -> None:
        nb = nbformat.v4.new_notebook(cells=self.cells)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        nb.metadata["crm_lessons"] = {"test_parameters": test_parameters}
        nbformat.write(nb, path)
