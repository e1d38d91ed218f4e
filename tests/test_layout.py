"""The package's house rules, read from its source with ``ast`` (issue 24).

* No module imports an underscore name (``_stages``, ``_INTERFACE``) or a private submodule
  (``crm_lessons.report._tables``) of another top-level module or package of ``crm_lessons``:
  what another package needs is a public, documented name of its owner.  The ground floor's
  private modules (``_validation``, ``_ids``, ``_fileio``) are imported for their public names.
* No import cycle between the top-level modules and packages (lazy imports inside functions count:
  a cycle is a cycle of design even when Python tolerates it).
* The science never imports the machinery.
* No file of the package over 1,000 lines.

``PENDING`` lists what others still have to fix, with the owner; the tests fail on anything new,
and on an entry that is fixed but still listed (so the list only shrinks).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "crm_lessons"
MAX_LINES = 1000

#: The machinery floor: packages and modules that run the course, above the science.
MACHINERY = {"runner", "report", "course", "grading", "engines", "plotting", "widgets", "cli", "__main__"}

#: Known breaches others are fixing (issue 24), as (importer unit, imported name) or file path; owner beside.
PENDING_PRIVATE: dict[tuple[str, str], str] = {}
PENDING_CYCLES: dict[frozenset[str], str] = {}
PENDING_LONG: dict[str, str] = {}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str:
    """The top-level module or package of ``crm_lessons`` a module belongs to (``report`` for ``crm_lessons.report._data``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _imports(path: Path) -> list[tuple[str, str, int]]:
    """Every ``crm_lessons`` name this file imports or reaches: (module, attribute or '', line).

    ``from crm_lessons.a import b`` gives ('crm_lessons.a.b', '') when ``b`` is a module, else
    ('crm_lessons.a', 'b'); ``m._x`` where ``m`` names an imported crm_lessons module gives (m, '_x').
    """
    module = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, str, int]] = []
    bound: dict[str, str] = {}  # local name -> crm_lessons module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "crm_lessons":
                    found.append((alias.name, "", node.lineno))
                    if alias.asname:
                        bound[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, path.name == "__init__.py", node)
            if source.split(".")[0] != "crm_lessons":
                continue
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if _is_module(full):
                    found.append((full, "", node.lineno))
                    bound[alias.asname or alias.name] = full
                else:
                    found.append((source, alias.name, node.lineno))
    for node in ast.walk(tree):  # module._private reached through an imported module
        if isinstance(node, ast.Attribute) and _private(node.attr):
            chain, value = [], node.value
            while isinstance(value, ast.Attribute):
                chain.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in bound:
                target = ".".join([bound[value.id], *reversed(chain)])
                found.append((target, node.attr, node.lineno))
    return found


def _files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "_templates" not in p.parts)


def private_imports() -> dict[tuple[str, str], list[str]]:
    """(importer unit, 'crm_lessons.x._y' or 'crm_lessons.x:_y') -> where, for every underscore import across units."""
    out: dict[tuple[str, str], list[str]] = {}
    for path in _files():
        module = _module_name(path)
        unit = _unit(module)
        for target, attr, line in _imports(path):
            target_unit = _unit(target)
            if not target_unit or target_unit == unit:
                continue
            below = target.split(".")[2:]  # submodules of the target's unit
            if attr and _private(attr):
                key = f"{target}:{attr}"
            elif any(_private(part) for part in below):
                key = target
            else:
                continue
            out.setdefault((unit, key), []).append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    return out


def unit_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in _files():
        unit = _unit(_module_name(path))
        if not unit:
            continue
        edges = graph.setdefault(unit, set())
        for target, _attr, _line in _imports(path):
            target_unit = _unit(target)
            if target_unit and target_unit != unit:
                edges.add(target_unit)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def long_files() -> dict[str, int]:
    out = {}
    for path in _files():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            out[str(path.relative_to(PACKAGE.parent))] = n
    return out


def test_no_underscore_import_across_modules():
    found = private_imports()
    new = {key: where for key, where in found.items() if key not in PENDING_PRIVATE}
    assert not new, (
        "underscore imports across top-level modules or packages (make the name public there):\n"
        + "\n".join(f"  {unit} imports {name}  ({', '.join(where)})" for (unit, name), where in sorted(new.items()))
    )


def test_no_import_cycle():
    found = cycles(unit_graph())
    new = [c for c in found if c not in PENDING_CYCLES]
    assert not new, "import cycles between top-level modules/packages: " + "; ".join(
        " <-> ".join(sorted(c)) for c in new
    )


def test_science_never_imports_machinery():
    graph = unit_graph()
    wrong = {
        unit: sorted(t for t in targets if t in MACHINERY)
        for unit, targets in graph.items()
        if unit not in MACHINERY and targets & MACHINERY
    }
    assert not wrong, f"science modules importing machinery: {wrong}"


#: Machinery packages side by side: they share through the runner below them, never through each other.
SIDE_BY_SIDE = {"course", "report", "grading"}
#: Known sideways imports others are fixing: (importer, imported) -> owner.
PENDING_SIDEWAYS: dict[tuple[str, str], str] = {}


def test_machinery_packages_share_through_the_runner():
    """course/ makes its sample report through the command line, not by importing report/ (issue 24 item 9)."""
    graph = unit_graph()
    found = {(unit, other) for unit in SIDE_BY_SIDE for other in graph.get(unit, set()) & (SIDE_BY_SIDE - {unit})}
    assert found <= set(PENDING_SIDEWAYS), (
        f"machinery packages importing each other: {sorted(found - set(PENDING_SIDEWAYS))}"
    )
    fixed = sorted(set(PENDING_SIDEWAYS) - found)
    assert not fixed, f"fixed, remove from PENDING_SIDEWAYS in tests/test_layout.py: {fixed}"


def test_no_file_over_1000_lines():
    found = long_files()
    new = {path: n for path, n in found.items() if path not in PENDING_LONG}
    assert not new, f"files over {MAX_LINES} lines (split them): {new}"


@pytest.mark.parametrize(
    "pending, current",
    [
        (PENDING_PRIVATE, private_imports),
        (PENDING_CYCLES, lambda: set(cycles(unit_graph()))),
        (PENDING_LONG, long_files),
    ],
    ids=["private", "cycles", "long"],
)
def test_pending_list_only_shrinks(pending, current):
    """An entry fixed by its owner leaves the list, so that it cannot come back unnoticed."""
    now = current()
    fixed = sorted(map(str, (key for key in pending if key not in now)))
    assert not fixed, f"fixed, remove from the PENDING list in tests/test_layout.py: {fixed}"


def test_validation_knows_no_command_line_flag():
    """The ground floor words errors in parameter names; only cli.py knows flags (issue 24 item 4)."""
    text = (PACKAGE / "_validation.py").read_text(encoding="utf-8")
    flags = re.findall(r"[\"'`]--[a-z][a-z-]+", text)
    assert not flags and "cli" not in text.lower().split(), flags


def test_the_rules_see_a_breach(tmp_path, monkeypatch):
    """The walker finds a private name reached by `from`, by attribute and by a private submodule, and a cycle."""
    pkg = tmp_path / "crm_lessons"
    (pkg / "b").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from crm_lessons.b import _x\nfrom crm_lessons import b\nb._y()\n")
    (pkg / "b" / "__init__.py").write_text("def f():\n    from crm_lessons import c\n")
    (pkg / "b" / "_inner.py").write_text("")
    (pkg / "c.py").write_text("from crm_lessons.b._inner import z\nimport crm_lessons.a\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", pkg, raising=False)
    monkeypatch.setitem(globals(), "PACKAGE", pkg)
    assert set(private_imports()) == {
        ("a", "crm_lessons.b:_x"),
        ("a", "crm_lessons.b:_y"),
        ("c", "crm_lessons.b._inner"),
    }
    assert cycles(unit_graph()) == [frozenset({"a", "b", "c"})]
