"""Test-session settings shared by unit tests and doctests (not part of the package)."""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # headless: no window, same output on every machine

_START = time.perf_counter()


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test or doctest opened, so figures never pile up across tests."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


# -- pytest-xdist (`make test` runs `pytest -n auto`; --dist=loadgroup is in pyproject.toml) ----------


def _group(item: pytest.Item) -> str | None:
    """The xdist group an item must share a worker with, or None to let it go anywhere.

    * A test that uses a module- or session-scoped fixture of its own test file runs on the
      worker that runs the file's other such tests, so the fixture is built once (the nbgrader
      batch of test_notebooks.py, the Spark/DuckDB tables of test_engines.py, ...).
    * A notebook's nbval cells and its papermill runs (tests parametrized with its path) run on
      one worker, one after the other: they execute the same chapter in the same folder.
    """
    info = getattr(item, "_fixtureinfo", None)
    for defs in info.name2fixturedefs.values() if info else ():
        for fixturedef in defs:
            if fixturedef.scope in ("module", "session", "package") and fixturedef.baseid:
                return "fixtures:" + fixturedef.baseid.split("::")[0]
    path = Path(str(item.path))
    if path.suffix == ".ipynb":
        return "notebook:" + path.stem
    callspec = getattr(item, "callspec", None)
    param = callspec.params.get("path") if callspec else None
    if isinstance(param, Path) and param.suffix == ".ipynb":
        return "notebook:" + param.stem
    return None


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    groups = {}
    for item in items:
        group = groups[item.nodeid] = _group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
    if hasattr(config, "workerinput"):
        # xdist hands out the groups in collection order (--no-loadscope-reorder): the long ones first (a
        # shared fixture such as the nbgrader batch, then the notebooks), the single tests last to fill the gaps
        rank = {"fixtures": 0, "notebook": 1}
        items.sort(key=lambda it: rank.get((groups[it.nodeid] or "").partition(":")[0], 2))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say how long the whole run took and on how many workers (issue 23: `make test` < 6 min on 2 cores)."""
    if hasattr(config, "workerinput"):
        return
    workers = getattr(config.option, "numprocesses", None) or 1
    seconds = time.perf_counter() - _START
    try:  # from the start of the process: what the person who typed `make test` waited
        import psutil

        seconds = max(seconds, time.time() - psutil.Process().create_time())
    except ImportError:
        pass
    terminalreporter.write_line(
        f"test session: {seconds / 60:.0f} min {seconds % 60:02.0f} s wall time on {workers} worker(s)", bold=True
    )
