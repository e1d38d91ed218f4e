"""A new, empty nbgrader gradebook, made once per process and copied where a gradebook is needed.

nbgrader makes a missing gradebook the way :func:`empty_gradebook` does
(``Base.metadata.create_all``, then an ``alembic_version`` table holding the
newest migration), but it learns that migration by running the ``alembic heads``
command, about 2.5 CPU-seconds, once for every course folder and every grading
batch.  Here the newest migration is read from nbgrader's migration scripts
(each names its ``revision`` and the ``down_revision`` it follows), and the
file is made once per process.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

__all__ = ["alembic_head", "empty_gradebook", "write_empty_gradebook"]


def alembic_head() -> str | None:
    """The newest migration of nbgrader's gradebook (the revision no other one follows), or None if unclear."""
    import ast

    import nbgrader.dbutil

    revisions: set[str] = set()
    followed: set[str] = set()
    for path in sorted(Path(nbgrader.dbutil.ALEMBIC_DIR, "versions").glob("*.py")):
        values = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                if node.targets[0].id in ("revision", "down_revision"):
                    try:
                        values[node.targets[0].id] = ast.literal_eval(node.value)
                    except ValueError:
                        return None
        if not isinstance(values.get("revision"), str):
            return None
        revisions.add(values["revision"])
        down = values.get("down_revision")
        followed.update([down] if isinstance(down, str) else down or ())
    heads = revisions - followed
    return heads.pop() if len(heads) == 1 else None


@functools.lru_cache(maxsize=1)
def empty_gradebook() -> bytes | None:
    """The bytes of a new nbgrader gradebook (no assignment, no student), or None when it cannot be made here."""
    head = alembic_head()
    if head is None:
        return None
    import warnings

    from nbgrader.api import Base, Gradebook
    from sqlalchemy import create_engine, text

    with tempfile.TemporaryDirectory(prefix="crm-gradebook-") as tmp, warnings.catch_warnings():
        url = "sqlite:///" + os.path.join(tmp, "gradebook.db")
        engine = create_engine(url, future=True)
        try:
            Base.metadata.create_all(bind=engine)
            with engine.begin() as conn:  # as nbgrader's Gradebook stamps a new database
                conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);"))
                conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v);"), {"v": head})
        finally:
            engine.dispose()
        with Gradebook(url):  # nbgrader's own opening of it (it adds the default course)
            pass
        return Path(tmp, "gradebook.db").read_bytes()


def write_empty_gradebook(path: str | os.PathLike) -> None:
    """Write a new gradebook at ``path`` unless a file is there (nbgrader then makes none itself)."""
    path = Path(path)
    data = empty_gradebook()
    if data is not None and not path.exists():
        path.write_bytes(data)
