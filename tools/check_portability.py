"""Re-run the checked outputs under other BLAS kernels and NumPy SIMD levels (CI; issue 23).

NumPy's wheels ship OpenBLAS with one kernel per CPU family and pick SIMD code paths at
run time, so the last digits of an optimum or a long sum differ between machines.  A cell
marked ``# NBVAL_CHECK_OUTPUT`` or a doctest that prints such digits passes here and fails
on a student's laptop.  This tool runs the notebooks' nbval checks and the package's
doctests (``pytest --nbval-lax notebooks/NN_*.ipynb crm_lessons``) once per setting, each
notebook up to its last checked cell (``--full``: to the end):

* ``OPENBLAS_CORETYPE`` = Prescott, Sandybridge, Haswell, Zen, SkylakeX: each only where
  this CPU has the instructions that kernel needs (a kernel the CPU lacks dies of an
  illegal instruction; it is skipped with a message);
* ``NPY_DISABLE_CPU_FEATURES`` switching off every AVX-512 path this NumPy dispatches to
  and this CPU has (read from NumPy at run time);
* Sandybridge with no AVX-512 and ``OPENBLAS_NUM_THREADS=1`` together.

It fails (exit 1) when any stored output differs, and prints the failing cells per
notebook.  Settings run in parallel, ``--jobs`` at a time (default: the number of cores):
each run is one pytest process plus one kernel at a time, so one core each.

    .venv/bin/python tools/check_portability.py              # every setting
    .venv/bin/python tools/check_portability.py --list       # what would run, and what is skipped
    .venv/bin/python tools/check_portability.py --only Sandybridge notebooks/06_lifecycle_clv.ipynb

Loaded with ``-p check_portability`` into each pytest run, the same module records the
failed tests to the file named by ``CRM_PORTABILITY_REPORT``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: OpenBLAS kernels to force, with the CPU features (NumPy's names) each needs.
CORETYPES: dict[str, tuple[str, ...]] = {
    "Prescott": ("SSE3",),
    "Sandybridge": ("AVX",),
    "Haswell": ("AVX2", "FMA3"),
    "Zen": ("AVX2", "FMA3"),
    "SkylakeX": ("AVX512F", "AVX512CD", "AVX512BW", "AVX512DQ", "AVX512VL"),
}

#: Names OpenBLAS reports for a forced kernel: its DYNAMIC_ARCH build maps Prescott to the
#: Katmai slot, and Zen to the Haswell kernels when it was built without Zen-specific ones.
ALIASES: dict[str, tuple[str, ...]] = {"Prescott": ("Katmai",), "Zen": ("Haswell",)}

_PROBE = """
import json, numpy as np
from threadpoolctl import threadpool_info
a = np.arange(1.0, 401.0).reshape(20, 20) / 7
float((a @ a.T).sum()); np.linalg.solve(a @ a.T + np.eye(20), np.ones(20))
print(json.dumps(sorted({str(i.get("architecture")) for i in threadpool_info() if i.get("internal_api") == "openblas"})))
"""


@dataclass
class Setting:
    name: str
    env: dict[str, str]
    skip: str = ""  # why it cannot run on this machine
    seconds: float = 0.0
    kernels: list[str] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    error: str = ""  # the run itself broke (not a differing output)


def cpu_features() -> tuple[set[str], list[str]]:
    """The CPU features NumPy finds on this machine, and the targets its code dispatches to."""
    try:
        from numpy._core import _multiarray_umath as umath  # NumPy 2
    except ImportError:  # pragma: no cover - NumPy 1.26
        from numpy.core import _multiarray_umath as umath  # type: ignore[no-redef]
    have = {name for name, on in umath.__cpu_features__.items() if on}
    return have, list(umath.__cpu_dispatch__)


def settings(have: set[str], dispatch: list[str], machine: str | None = None) -> list[Setting]:
    """Every setting of the matrix, with a reason to skip those this CPU cannot run."""
    machine = machine or os.uname().machine
    x86 = machine.lower() in {"x86_64", "amd64", "i686", "i386"}
    out = []
    for core, needs in CORETYPES.items():
        s = Setting(f"OPENBLAS_CORETYPE={core}", {"OPENBLAS_CORETYPE": core})
        missing = [f for f in needs if f not in have]
        if not x86:
            s.skip = f"OpenBLAS x86 kernels do not apply on {machine}"
        elif missing:
            s.skip = f"this CPU lacks {', '.join(missing)}: the {core} kernel would die of an illegal instruction"
        out.append(s)
    avx512 = [t for t in dispatch if t.startswith("AVX512") or t == "X86_V4"]
    active = [t for t in avx512 if t in have]
    off = ",".join(avx512)
    s = Setting("NPY_DISABLE_CPU_FEATURES=" + off, {"NPY_DISABLE_CPU_FEATURES": off})
    if not active:
        s.skip = "this CPU has no AVX-512 path of this NumPy to switch off (the default run already goes without)"
    out.append(s)
    combined = {"OPENBLAS_CORETYPE": "Sandybridge", "OPENBLAS_NUM_THREADS": "1"}
    if active:
        combined["NPY_DISABLE_CPU_FEATURES"] = off
    s = Setting(" ".join(f"{k}={v}" for k, v in combined.items()), combined)
    s.skip = next((o.skip for o in out if o.env.get("OPENBLAS_CORETYPE") == "Sandybridge"), "")
    out.append(s)
    return out


def _env(extra: dict[str, str], report: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES"}}
    env.update(extra)
    paths = [str(ROOT), str(ROOT / "tools")] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["PYTHONHASHSEED"] = "0"
    if report is not None:
        env["CRM_PORTABILITY_REPORT"] = str(report)
    return env


def probe(setting: Setting) -> None:
    """Start NumPy under the setting: skip it if that crashes; note the OpenBLAS kernels in use."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE], check=False, env=_env(setting.env), capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        why = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit {proc.returncode}"
        last = (proc.stderr.strip().splitlines() or [""])[-1]
        setting.skip = f"NumPy does not start under it ({why}) {last}".strip()
        return
    setting.kernels = json.loads(proc.stdout.strip().splitlines()[-1])
    core = setting.env.get("OPENBLAS_CORETYPE")
    names = {core.lower(), *(a.lower() for a in ALIASES.get(core, ()))} if core else set()
    if core and not names & {k.lower() for k in setting.kernels}:
        print(f"note: {setting.name}: OpenBLAS reports kernel(s) {setting.kernels}, not {core}", flush=True)


def _checked(cell: dict) -> bool:
    """Whether nbval compares this cell's output (its ``# NBVAL_CHECK_OUTPUT`` comment or tag)."""
    lines = "".join(cell.get("source", [])).splitlines()
    marked = any(ln.strip().startswith("#") and ln.strip().lstrip("#").strip() == "NBVAL_CHECK_OUTPUT" for ln in lines)
    return marked or "nbval-check-output" in cell.get("metadata", {}).get("tags", [])


def truncated_copies(targets: list[str], folder: Path) -> list[str]:
    """Targets with each notebook cut after its last checked cell (later cells cannot change a checked output).

    The copy keeps the notebook's folder around it (``folder/notebooks/...``), so relative files still resolve.
    """
    out = []
    copied: set[Path] = set()
    for target in targets:
        src = (ROOT / target).resolve()
        if src.suffix != ".ipynb":
            out.append(target)
            continue
        if src.parent not in copied:
            shutil.copytree(src.parent, folder / src.parent.name, dirs_exist_ok=True)
            copied.add(src.parent)
        dst = folder / src.parent.name / src.name
        nb = json.loads(src.read_text(encoding="utf-8"))
        last = max((i for i, c in enumerate(nb["cells"]) if c.get("cell_type") == "code" and _checked(c)), default=-1)
        nb["cells"] = nb["cells"][: last + 1]
        dst.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
        out.append(str(dst))
    return out


def run(setting: Setting, targets: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="crm-portability-") as tmp:
        report = Path(tmp) / "failed.jsonl"
        cmd = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "-p", "check_portability"]
        cmd += ["--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml")]
        start = time.perf_counter()
        proc = subprocess.run(
            cmd + targets,
            check=False,
            cwd=ROOT,
            env=_env(setting.env, report),
            capture_output=True,
            text=True,
            timeout=3600,
        )
        setting.seconds = time.perf_counter() - start
        if report.exists():
            setting.failures = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
        if proc.returncode not in (0, 1) or (proc.returncode == 1 and not setting.failures):
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-20:])
            setting.error = f"pytest exited {proc.returncode}:\n{tail}"
    summary = f"{len(setting.failures)} failed" if setting.failures else ("ERROR" if setting.error else "ok")
    print(f"== {setting.name}: {summary} ({setting.seconds:.0f} s)", flush=True)


def _where(nodeid: str) -> tuple[str, str]:
    """(file, test) of a pytest node id: ``notebooks/04_x.ipynb::Cell 22`` -> ``04_x.ipynb``, ``Cell 22``."""
    path, _, name = nodeid.partition("::")
    return Path(path).name, name


def _diff(text: str, limit: int = 12) -> str:
    """The lines that say what failed: nbval's output diff, else pytest's ``E`` lines, else the tail."""
    lines = [ln for ln in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines() if ln.strip()]
    compared = "outputs differ" in text.lower() or "mismatch '" in text
    diff = [ln for ln in lines if re.match(r"^\s*[-+](?![-+])", ln) or "differ" in ln.lower()] if compared else []
    errors = [ln for ln in lines if re.match(r"^E\s", ln)]
    keep = diff or errors[-limit:] or lines[-limit:]
    return "\n".join("      " + ln.strip()[:160] for ln in keep[:limit])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "paths", nargs="*", help="notebooks / modules to check (default: every chapter and crm_lessons)"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="settings run at the same time")
    parser.add_argument("--only", action="append", default=[], help="run the settings whose name contains this")
    parser.add_argument("--list", action="store_true", help="show the settings and exit")
    parser.add_argument(
        "--full", action="store_true", help="run whole notebooks (default: up to the last checked cell)"
    )
    parser.add_argument(
        "--known",
        type=Path,
        help="file of known failures ('04_satisfaction.ipynb::Cell 22' a line, '#' comments): reported, not failed",
    )
    args = parser.parse_args(argv)

    have, dispatch = cpu_features()
    matrix = settings(have, dispatch)
    if args.only:
        matrix = [s for s in matrix if any(o.lower() in s.name.lower() for o in args.only)]
    targets = args.paths or [str(p.relative_to(ROOT)) for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    if not args.paths:
        targets.append("crm_lessons")
    start = time.perf_counter()
    default = Setting("the default run", {})
    probe(default)
    seen: dict[tuple, str] = {(tuple(default.kernels), ()): "the default run (make test checks it)"}
    for s in matrix:
        if not s.skip:
            probe(s)
        if not s.skip:  # two names for one kernel (Zen is Haswell in some builds): run it once
            key = (tuple(s.kernels), tuple(sorted((k, v) for k, v in s.env.items() if k != "OPENBLAS_CORETYPE")))
            if key in seen:
                s.skip = f"OpenBLAS runs the same kernel ({', '.join(s.kernels)}) as {seen[key]}: checked there"
            seen.setdefault(key, s.name)
    for s in matrix:
        state = f"SKIP: {s.skip}" if s.skip else f"OpenBLAS kernel {', '.join(s.kernels)}"
        print(f"{s.name}: {state}", flush=True)
    if args.list:
        return 0
    todo = [s for s in matrix if not s.skip]
    if not todo:
        print("no setting can run on this machine")
        return 0
    print(
        f"running {len(todo)} settings, {min(args.jobs, len(todo))} at a time, over {len(targets)} targets", flush=True
    )
    with tempfile.TemporaryDirectory(prefix="crm-portability-nb-") as tmp:
        runs = targets if args.full else truncated_copies(targets, Path(tmp))
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            list(pool.map(lambda s: run(s, runs), todo))

    by_file: dict[str, dict[str, list[str]]] = {}
    for s in todo:
        for f in s.failures:
            file, test = _where(f["nodeid"])
            by_file.setdefault(file, {}).setdefault(test, []).append(s.name)
    print(f"\n== portability of checked outputs: {len(todo)} settings in {time.perf_counter() - start:.0f} s")
    for s in matrix:
        print(f"  {'skip' if s.skip else ('FAIL' if s.failures or s.error else 'ok'):4}  {s.name}")
    for s in todo:
        if s.error:
            print(f"\n{s.name}: the run broke\n{s.error}")
    if by_file:
        print("\nOutputs that differ from the stored ones (file: test: settings):")
        for file in sorted(by_file):
            for test, names in sorted(by_file[file].items(), key=lambda kv: kv[0]):
                print(f"  {file}: {test}: {'; '.join(names)}")
        first = {}
        for s in todo:
            for f in s.failures:
                first.setdefault("::".join(_where(f["nodeid"])), (s.name, f["text"]))
        print("\nFirst difference seen for each:")
        for nodeid, (name, text) in first.items():
            print(f"  {nodeid} under {name}:\n{_diff(text)}")
        print(
            "\nMake these cells print what the method determines (rounded to the optimiser's tolerance or the "
            "simulation's precision) and assert published figures with a tolerance: notebooks/README.md, "
            "'Checked cells that hold on every machine'."
        )
    known = _read_known(args.known)
    new_failures = {f"{file}::{test}" for file, tests in by_file.items() for test in tests} - known
    if known:
        fixed = sorted(
            k
            for k in known
            if k.split("::")[0] in {Path(t).name for t in targets}
            and k not in {f"{file}::{test}" for file, tests in by_file.items() for test in tests}
        )
        print(f"\n{len(known)} known failure(s) listed in {args.known} (being fixed; they do not fail this run)")
        for k in fixed if not args.only else []:
            print(f"  now passes under every setting: {k}: remove it from {args.known}")
        for k in sorted(new_failures):
            print(f"  NEW: {k}")
    return 1 if new_failures or any(s.error for s in todo) else 0


def _read_known(path: Path | None) -> set[str]:
    if path is None:
        return set()
    lines = (ln.split("#", 1)[0].strip() for ln in path.read_text(encoding="utf-8").splitlines())
    return {ln for ln in lines if ln}


# -- pytest plugin side (-p check_portability) ---------------------------------------


def pytest_configure(config) -> None:
    from nbval_kernel import harden  # tools/ is on the run's PYTHONPATH (_env)

    harden()  # a kernel start lost to a port race is retried, not reported as a difference


def pytest_runtest_logreport(report) -> None:
    out = os.environ.get("CRM_PORTABILITY_REPORT")
    if out and report.failed:
        # a notebook copied outside the rootdir has a node id without its path; its location has the path
        where = getattr(report, "location", None) and report.location[0]
        nodeid = report.nodeid
        if where and nodeid.startswith("::"):
            nodeid = f"{where}{nodeid}"
        line = json.dumps({"nodeid": nodeid, "text": report.longreprtext[-4000:]})
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


pytest_collectreport = pytest_runtest_logreport  # a module or notebook that does not even collect


if __name__ == "__main__":
    sys.exit(main())
