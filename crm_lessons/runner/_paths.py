"""Where the course's notebooks are: the source checkout, the chapter notebooks in order, their titles."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

_CHAPTER = re.compile(r"^\d{2}_.+\.ipynb$")


def project_root() -> Path:
    """The folder whose ``notebooks/`` holds the chapters.

    In a source checkout (``pip install -e .``), the checkout; in an installed wheel, the
    copy of ``notebooks/`` the wheel ships inside the package (``crm_lessons/_course/``).
    """
    root = Path(__file__).resolve().parents[2]
    if (root / "notebooks").is_dir() and (root / "pyproject.toml").is_file():
        return root
    from importlib import resources

    installed = Path(str(resources.files("crm_lessons") / "_course"))
    if (installed / "notebooks").is_dir():
        return installed
    raise FileNotFoundError(
        "crm_lessons: no chapter notebooks found, neither in a source checkout nor in the installed "
        "package (crm_lessons/_course/notebooks); reinstall crm-lessons (see README)"
    )


def chapter_notebooks(folder: str | os.PathLike | None = None) -> list[Path]:
    """Chapter notebooks (``NN_name.ipynb``) in ``folder``, in chapter order."""
    folder = Path(folder) if folder is not None else project_root() / "notebooks"
    return sorted(p for p in folder.iterdir() if _CHAPTER.match(p.name))


def notebook_title(path: str | os.PathLike) -> str:
    """The first level-1 markdown heading of a notebook, or its file name."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", [])).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return Path(path).stem
