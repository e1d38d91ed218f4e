"""Where the course's notebooks are: the source checkout, the chapter notebooks in order, their titles."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

_CHAPTER = re.compile(r"^\d{2}_.+\.ipynb$")


def project_root() -> Path:
    """The source checkout this package was installed from (where ``notebooks/`` lives)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "notebooks").is_dir():
        raise FileNotFoundError(
            "crm_lessons: no notebooks/ folder next to the package; run this from a source "
            "checkout installed with 'pip install -e .' (see README)"
        )
    return root


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
