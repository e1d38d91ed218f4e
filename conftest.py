"""Test-session settings shared by unit tests and doctests (not part of the package)."""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # headless: no window, same output on every machine


def pytest_configure(config: pytest.Config) -> None:
    from tools.nbval_kernel import harden

    harden()  # nbval (the report template here): a kernel start lost to a port race is retried


_START = time.perf_counter()
try:  # how long this process ran before conftest was imported (interpreter, plugins), read once: at the end the
    # wall clock may have been stepped (NTP), which moved the printed time by a minute in a run here
    import psutil

    _BEFORE = max(0.0, time.time() - psutil.Process().create_time())
except ImportError:  # pragma: no cover (psutil comes with ipykernel)
    _BEFORE = 0.0


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


def _module_fixture_tests(path: Path) -> set[str]:
    """Test functions in a test file that take a module- or session-scoped fixture defined in that file."""
    import ast

    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return set()
    shared = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                if isinstance(dec, ast.Call) and any(
                    kw.arg == "scope" and getattr(kw.value, "value", None) in ("module", "session", "package")
                    for kw in dec.keywords
                ):
                    shared.add(node.name)
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and node.name.startswith("test")
        and shared & {a.arg for a in node.args.args}
    }


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """loadgroup with the groups computed from node ids on the controller.

    pytest 9 ignores the ``@group`` suffix xdist 3.8 writes into ``item._nodeid``, so the
    ``xdist_group`` marks alone do not keep a notebook's nbval cells on one worker (they share
    one kernel, in order).  The same rules as ``_group``, from the node id.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    root = Path(str(config.rootpath))
    cache: dict[str, set[str]] = {}

    class NotebookScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path, _, rest = nodeid.partition("::")
            if path.endswith(".ipynb"):
                return "notebook:" + Path(path).stem
            if path.endswith(".py") and rest:
                func = rest.split("[", 1)[0].split("::")[-1]
                if path not in cache:
                    cache[path] = _module_fixture_tests(root / path)
                if func in cache[path]:
                    return "fixtures:" + path
                param = rest[rest.find("[") + 1 : -1] if rest.endswith("]") else ""
                if param and (root / "notebooks" / f"{param}.ipynb").is_file():
                    return "notebook:" + param
            return nodeid

    return NotebookScheduling(config, log)


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
        # the nbgrader batch of every chapter (test_notebooks.py's graded fixture) is the longest group by far (about
        # 250 s of the ~390 s run): started first, not after the other fixture groups, so it is not the last to end
        rank = {"fixtures": 1, "notebook": 2}
        first = "fixtures:tests/test_notebooks.py"
        items.sort(
            key=lambda it: 0 if groups[it.nodeid] == first else rank.get((groups[it.nodeid] or "").partition(":")[0], 3)
        )


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say how long the whole run took and on how many workers (issue 23: `make test` < 6 min on 2 cores)."""
    if hasattr(config, "workerinput"):
        return
    workers = getattr(config.option, "numprocesses", None) or 1
    # from the start of the process (what the person who typed `make test` waited), on the monotonic clock
    minutes, seconds = divmod(round(time.perf_counter() - _START + _BEFORE), 60)
    terminalreporter.write_line(
        f"test session: {minutes} min {seconds:02d} s wall time on {workers} worker(s)", bold=True
    )
