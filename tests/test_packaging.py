"""Packaging: environment.yml and pyproject.toml list the same dependencies; the lock covers them;
the release carries one version, its licences, and what an installed wheel needs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib
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
    reqs = meta["dependencies"] + [
        r for name in ("test", "site", "duckdb", "spark", "grading", "release") for r in extras[name]
    ]
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


# -- the release (issue 23.4): version, licences, what the wheel carries ---------------------------


def test_one_version_and_a_changelog_entry_for_it():
    import crm_lessons

    meta = _pyproject()
    assert "version" in meta["project"]["dynamic"] and "version" not in meta["project"], "one source: __init__.py"
    assert meta["tool"]["hatch"]["version"]["path"] == "crm_lessons/__init__.py"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(crm_lessons.__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.M), (
        f"CHANGELOG.md has no '## [{crm_lessons.__version__}] - YYYY-MM-DD' section"
    )


def test_licence_and_notice_cover_what_ships():
    assert _pyproject()["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    shipped = sorted(p.name for p in (ROOT / "datasets").iterdir() if p.name != "README.md")
    missing = [name for name in shipped if name not in notice]
    assert not missing, f"NOTICE does not give the terms of {missing}"
    for term in (
        "SIL Open Font License",
        "Apache License, Version 2.0",
        "teaching only",
        "CC BY 4.0",
        "reveal.js",
        "_page_frame.html",
    ):
        assert term in notice, term


@pytest.fixture(scope="module")
def wheel_install(tmp_path_factory):
    """The wheel built from this checkout, installed (no dependencies) into a bare folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        pip + ["wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir", "-w", str(tmp), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp.glob("crm_lessons-*.whl")
    site = tmp / "site"
    subprocess.run(
        pip + ["install", "--no-deps", "--no-index", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return wheel, site


def test_wheel_carries_the_package_data_chapters_and_licences(wheel_install):
    import crm_lessons

    wheel, _ = wheel_install
    assert wheel.name == f"crm_lessons-{crm_lessons.__version__}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    chapters = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    wanted = [f"crm_lessons/_course/notebooks/{c}" for c in chapters + ["COURSE.md"]]
    wanted += ["crm_lessons/py.typed", "crm_lessons/_templates/crm_report.ipynb", "crm_lessons/fonts/OFL.txt"]
    wanted += ["crm_lessons/runner/_page_frame.html"]  # the report's page frame (runner._page)
    wanted += [
        f"crm_lessons/course/_reveal/{n}" for n in ("reveal.js", "reveal.css", "theme-white.css", "notes.js", "LICENSE")
    ]
    wanted += [f"crm_lessons-{crm_lessons.__version__}.dist-info/licenses/{n}" for n in ("LICENSE", "NOTICE")]
    assert not [w for w in wanted if w not in names]
    assert not [n for n in names if ".ipynb_checkpoints" in n or "__pycache__" in n]


def test_installed_package_finds_its_chapters_without_a_checkout(wheel_install, tmp_path):
    """`crm-lessons course` and `assign` read the chapters the wheel ships when no checkout is around."""
    _, site = wheel_install
    script = (
        "from pathlib import Path\n"
        "from crm_lessons.course import chapter_notebooks, project_root\n"
        "from crm_lessons.course.coursemap import chapter_plan\n"
        f"site = Path({str(site)!r}).resolve()\n"
        "assert project_root().resolve().is_relative_to(site), project_root()\n"
        "print(len(chapter_notebooks()), len(chapter_plan()) > 0)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    chapters = len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    assert result.stdout.split() == [str(chapters), "True"]
