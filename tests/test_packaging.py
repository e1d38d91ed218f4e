"""Packaging: environment.yml and pyproject.toml list the same dependencies; the lock covers them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _split(req: str) -> tuple[str, str]:
    """Name and version bounds of a requirement (an extra such as ``[duckdb]`` is part of the name)."""
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+(?:\[[A-Za-z0-9_,\-]+\])?)\s*(.*)$", req)
    assert m, req
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def _conda_deps() -> dict[str, str]:
    deps: dict[str, str] = {}
    in_deps = False
    for line in (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        # top-level conda packages and the pip sub-list (packages conda-forge does not have)
        m = re.match(r"^(?:  |      )- ([^\s#].*?)\s*$", line)
        if in_deps and m and not m.group(1).startswith(("pip", "-e")):
            name, spec = _split(m.group(1))
            deps[name] = spec
    return deps


def test_environment_yml_matches_pyproject():
    meta = _pyproject()["project"]
    wanted = dict(_split(r) for r in meta["dependencies"])
    for extra in ("test", "lab", "site"):
        wanted.update(_split(r) for r in meta["optional-dependencies"][extra])
    wanted["python"] = meta["requires-python"]
    conda = _conda_deps()
    assert conda == wanted, (
        "environment.yml and pyproject.toml disagree; "
        f"only in pyproject: {sorted(set(wanted) - set(conda))}, only in environment.yml: "
        f"{sorted(set(conda) - set(wanted))}, different bounds: "
        f"{sorted(k for k in set(wanted) & set(conda) if wanted[k] != conda[k])}"
    )


def test_dependencies_are_bounded_and_locked():
    meta = _pyproject()["project"]
    lock = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            lock[name.lower().replace("_", "-")] = version
    extras = meta["optional-dependencies"]
    reqs = meta["dependencies"] + extras["test"] + extras["site"] + extras["duckdb"] + extras["spark"]
    for req in reqs:
        name, spec = _split(req)
        assert ">=" in spec and "<" in spec.replace("<=", ""), f"{req}: give a lower and an upper bound"
        name = name.split("[")[0]
        assert name in lock, f"{name} is missing from constraints.txt; run 'make lock'"
        assert SpecifierSet(spec).contains(lock[name]), f"constraints.txt pins {name}=={lock[name]}, outside {spec}"


def test_engine_extras_and_the_spark_marker():
    """`make test` runs the DuckDB tests (test extra) and never needs Java; CI runs the Spark tests."""
    meta = _pyproject()
    extras = meta["project"]["optional-dependencies"]
    duckdb = {_split(r)[0] for r in extras["duckdb"]}
    assert duckdb <= {_split(r)[0] for r in extras["test"]}, "the test extra should include the duckdb extra"
    assert any(_split(r)[0] == "sqlglot" and "<30" in _split(r)[1] for r in extras["duckdb"]), (
        "ibis 12.0 breaks with sqlglot 30: keep sqlglot<30"
    )
    assert "pyspark" in {_split(r)[0] for r in extras["spark"]}
    addopts = meta["tool"]["pytest"]["ini_options"]["addopts"]
    marker_expr = addopts[addopts.index("-m") + 1]
    assert "not spark" in marker_expr and "not browser" in marker_expr
    assert "make test-spark" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    target = (ROOT / "Makefile").read_text(encoding="utf-8").split("\ntest-spark:", 1)[1].split("\n\n", 1)[0]
    assert "spark]" in target and "-m spark" in target
