"""Issue 25: every submission sealed off (bubblewrap), answers checked in the grader, the gradebook the grader's.

One sandboxed batch holds one submission per attack among honest ones (graded before and after them): every
cheat scores 0, every honest student full marks, and the batch finishes with a complete CSV.  A second batch,
graded with ``sandbox=False``, shows the content-hash guard putting back what a submission changed there.
The sandbox tests skip, saying why, where bubblewrap or user namespaces are missing.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
import tempfile
import uuid
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader", reason="the grading extra (nbgrader) is part of the test extra")

from test_grading import TOTAL_AUTO, WRONG, _release, _set_answers, _source, tiny_chapter

from crm_lessons.cli import main as cli_main
from crm_lessons.grading import assign_course, grade_course
from crm_lessons.grading._export import decode, describe, encode
from crm_lessons.grading._sandbox import Limits, sandbox_problem
from crm_lessons.grading.grade import COLUMNS, _Chapter, _on_instructor_cells

pytestmark = pytest.mark.notebook

_PROBLEM = sandbox_problem()
needs_sandbox = pytest.mark.skipif(_PROBLEM is not None, reason=f"no bubblewrap sandbox here: {_PROBLEM}")
TOKEN = uuid.uuid4().hex  # marks the processes a submission tries to leave running


# -- plain data across the wall ------------------------------------------------------------------------------


def test_plain_data_round_trip():
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(
        {
            "x": [1.5, np.nan, 3.0],
            "n": pd.array([1, None, 3], dtype="Int64"),
            "label": ["a", "b", None],
            "cat": pd.Categorical(["lo", "hi", "lo"], categories=["lo", "hi"], ordered=True),
            "when": pd.to_datetime(["2024-01-01", "2024-02-01", None]),
            "tz": pd.to_datetime(["2024-01-01 10:00"] * 3).tz_localize("Asia/Shanghai"),
        },
        index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2), ("c", 3)], names=["k", "i"]),
    )
    values = [
        ...,
        None,
        True,
        3,
        2.5,
        float("nan"),
        "高价值",
        b"\x00",
        (1, "a"),
        {3, 1},
        frozenset({"A"}),
        {"a": [1, 2], 2: (3,)},
        np.int64(7),
        np.float32(0.5),
        np.bool_(True),
        np.arange(6).reshape(2, 3),
        np.array(["x", None], dtype=object),
        pd.Series([1.0, 2.0], index=pd.Index(["u", "v"], name="id"), name="s"),
        pd.Timestamp("2024-03-01", tz="UTC"),
        pd.Timedelta("2D"),
        frame,
        frame.columns,
    ]
    for value in values:
        back = decode(json.loads(json.dumps(encode(value))))
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(back, value)
        elif isinstance(value, pd.Series):
            pd.testing.assert_series_equal(back, value)
        elif isinstance(value, pd.Index):
            pd.testing.assert_index_equal(back, value)
        elif isinstance(value, np.ndarray):
            assert back.dtype == value.dtype and back.tolist() == value.tolist()
        elif isinstance(value, float) and math.isnan(value):
            assert math.isnan(back)
        else:
            assert back == value and type(back) is type(value), (value, back)


def test_what_is_not_data_goes_as_a_reference():
    class Liar(float):
        def __eq__(self, other):
            return True

    class Own:
        pass

    assert encode(Liar(41)) == 41.0, "a float subclass crosses as the plain float it holds"
    assert describe(Own())["$"] == "ref"
    assert describe(lambda x: x)["$"] == "callable"
    assert describe(json)["$"] == "module"
    with pytest.raises(ValueError):
        decode({"$": "ref", "type": "x"})  # without the grader's reference builder nothing is built


# -- honest slips: the instructor's cells -------------------------------------------------------------------


def _copy(cell):
    """A cell copied in Jupyter: same source and metadata (nbgrader's too), a new cell id."""
    copy = nbformat.from_dict(json.loads(json.dumps(cell)))
    copy["id"] = uuid.uuid4().hex[:8]
    return copy


def _chapter_of(nb) -> _Chapter:
    ids = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")}
    return _Chapter("ch01", "01_tiny.ipynb", [], ids=ids, source=nb)


def _ids(nb) -> list[str]:
    return [c.metadata.get("nbgrader", {}).get("grade_id", "-") for c in nb.cells]


def test_copies_order_and_extra_cells_are_laid_on_the_instructors_cells():
    source = tiny_chapter(1)
    chapter = _chapter_of(source)
    student = _set_answers(tiny_chapter(1), {1: "answer_1_1 = six() * 7"})
    test_1 = next(c for c in student.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_1_1")
    position = student.cells.index(test_1)
    student.cells.insert(position + 1, _copy(test_1))  # a duplicated test cell
    helper = nbformat.v4.new_code_cell("def six():\n    return 6")
    student.cells.insert(3, helper)  # an extra cell before answer 1.1
    block = student.cells[8:11]  # exercise 2's question, answer and test, moved before exercise 1
    del student.cells[8:11]
    student.cells[2:2] = block
    del student.cells[-1]  # the written answer deleted
    laid = _on_instructor_cells(student, chapter)
    assert [i for i in _ids(laid) if i != "-"] == [i for i in _ids(source) if i != "-"], "each cell once, in order"
    assert _ids(laid).index("ans_1_1") > [c.source for c in laid.cells].index(helper.source), "extras stay before"
    assert sum(c.source == test_1.source for c in laid.cells) == 2, "the copy stays, as an ordinary cell"
    assert laid.cells[-1].source.startswith("在这里作答"), "a deleted answer comes back as released"


# -- the sandbox itself ---------------------------------------------------------------------------------------


@needs_sandbox
def test_the_kernel_is_sealed_off(tmp_path):
    """Run a kernel the way grading does and look around from inside it."""
    import psutil
    from nbclient import NotebookClient

    from crm_lessons.grading._sandbox import HOME, SandboxKernelManager

    secret = tmp_path / "course" / "gradebook.db"
    secret.parent.mkdir()
    secret.write_text("grades")
    mine = tmp_path / "mine.ipynb"
    mine.write_text("{}")
    checks = {
        "course": f"os.path.exists({str(secret)!r})",
        "notebooks": "any(pathlib.Path(crm_lessons.__file__).resolve().parents[1].glob('notebooks/*.ipynb'))",
        "home": f"os.path.exists({str(Path.home())!r}) and os.listdir({str(Path.home())!r})",
        "own_copy": f"sorted(os.listdir({HOME!r}))",
        "grader_visible": f"os.path.exists('/proc/{os.getpid()}')",
        "write_package": "_try(lambda: open(crm_lessons.__file__, 'a'))",
        "network": "_try(lambda: socket.create_connection(('1.1.1.1', 53), timeout=2))",
        "memory": "_try(lambda: bytearray(3 * 2**30))",
        "uid": "os.getuid()",
    }
    code = (
        "import os, pathlib, socket, subprocess, sys, crm_lessons\n"
        "def _try(f):\n    try:\n        f()\n        return 'allowed'\n    except BaseException as e:\n"
        "        return type(e).__name__\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', '{TOKEN}'], start_new_session=True)\n"
        + "".join(f"print({k!r}, repr({v}))\n" for k, v in checks.items())
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(
        nb,
        kernel_manager_class=SandboxKernelManager,
        timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.km = client.create_kernel_manager()
    client.km.limits = {"memory": 2 * 2**30}
    client.km.files = {"mine.ipynb": str(mine)}
    client.execute()
    seen = dict(line.split(" ", 1) for line in nb.cells[0].outputs[0]["text"].strip().splitlines())
    seen = {k.strip("'"): v for k, v in seen.items()}
    assert seen["course"] == "False" and seen["notebooks"] == "False" and seen["grader_visible"] == "False", seen
    python_in_home = {  # the Python installation, bound read-only, may live in the home (pyenv)
        Path(p).resolve().relative_to(Path.home()).parts[0]
        for p in (sys.base_prefix, sys.prefix)
        if Path(p).resolve().is_relative_to(Path.home())
    }
    assert seen["home"] in ("False", "[]") or set(eval(seen["home"])) <= python_in_home, seen
    assert seen["own_copy"] == "['.ipython', 'mine.ipynb']" or "mine.ipynb" in seen["own_copy"], seen
    assert seen["write_package"] in ("'OSError'", "'PermissionError'"), seen
    assert seen["network"] == "'OSError'", seen
    assert seen["memory"] == "'MemoryError'", seen
    assert seen["uid"] != "0", "the kernel never runs as root"
    survivors = [p for p in psutil.process_iter(["cmdline"]) if TOKEN in " ".join(p.info["cmdline"] or [])]
    assert not survivors, "a process started with setsid dies with its sandbox"


# -- hostile batches -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    notebooks = tmp_path_factory.mktemp("notebooks")
    for ch, name in ((1, "01_tiny.ipynb"), (2, "02_tiny.ipynb")):
        nbformat.write(tiny_chapter(ch), notebooks / name)
    out = tmp_path_factory.mktemp("course") / "course"
    assign_course(out, notebooks=notebooks, log=lambda line: None)
    return out


def _answer_cell(nb, n: int, code: str):
    return _set_answers(nb, {n: code})


def _attacks(course: Path, home: Path, grader_tmp: Path) -> dict[str, nbformat.NotebookNode]:
    """One submission per attack of issue 25 (names sort before the honest students graded after them)."""
    subs: dict[str, nbformat.NotebookNode] = {}

    def first(code: str) -> nbformat.NotebookNode:  # answer 1.1 written by `code`, the others wrong
        return _set_answers(_release(course), {**WRONG, 1: code})

    # exec of the solution regions of any chapter notebook it can find: the checkout's, the course's source
    subs["a01_exec_solutions"] = _set_answers(
        _release(course),
        {
            1: "import json, pathlib, re, crm_lessons\n"
            f"places = [pathlib.Path(crm_lessons.__file__).resolve().parents[1] / 'notebooks', "
            f"pathlib.Path({str(course)!r}) / 'source' / 'ch01', pathlib.Path('/tmp'), pathlib.Path.home()]\n"
            "for cmd in pathlib.Path('/proc').glob('*/cmdline'):\n"
            "    try:\n        places += [pathlib.Path(a).parent for a in cmd.read_bytes().decode().split('\\0')"
            " if a.startswith('/')]\n    except OSError:\n        pass\n"
            "for place in places:\n"
            "    for path in list(place.glob('*.ipynb')) + list(place.glob('*/source/ch01/*.ipynb')):\n"
            "        try:\n            cells = json.loads(path.read_text())['cells']\n        except Exception:\n"
            "            continue\n"
            "        for cell in cells:\n"
            "            src = ''.join(cell['source'])\n"
            "            m = re.search(r'### BEGIN SOLUTION\\n(.*?)### END SOLUTION', src, re.S)\n"
            "            if m:\n                exec(m.group(1), globals())"
        },
    )
    # the checking helpers replaced in sys.modules, math.isclose patched
    subs["a02_sys_modules"] = first(
        WRONG[1] + "\nimport sys, types\nfake = types.ModuleType('crm_lessons.exercises')\n"
        "class Checker:\n    def __init__(self, *a): pass\n    def __getattr__(self, n): return lambda *a, **k: 'checked'\n"
        "fake.Checker = Checker\nfake.assert_close = fake.assert_choice = fake.assert_equal = lambda *a, **k: None\n"
        "sys.modules['crm_lessons.exercises'] = fake\ncheck = Checker()"
    )
    subs["a03_isclose"] = first(WRONG[1] + "\nimport math\nmath.isclose = lambda *a, **k: True")
    # answers whose __float__/__str__/__iter__/__eq__ read the expected value from the test's stack frame
    spy = (  # in the kernel, the hidden test's frames would hold `truth` (assert_close(answer, truth, ...))
        "import inspect\n"
        "def _find(kind, default):\n"
        "    f = inspect.currentframe()\n"
        "    while f is not None:\n"
        "        for k in ('truth', 'want', 'expected'):\n"
        "            v = f.f_locals.get(k)\n"
        "            if isinstance(v, kind) and not isinstance(v, bool):\n                return v\n"
        "        f = f.f_back\n"
        "    return default\n"
        "class Spy:\n"
        "    def __float__(self): return float(_find((int, float), 0.0))\n"
        "    def __index__(self): return int(_find(int, 0))\n"
        "    def __str__(self): return str(_find(str, ''))\n"
        "    def __iter__(self): return iter(_find((set, frozenset), ()))\n"
        "    def __eq__(self, other): return True\n"
        "    __hash__ = object.__hash__\n"
    )
    subs["a04_frame_liar"] = _set_answers(
        _release(course),
        {1: spy + "answer_1_1 = Spy()", 2: "answer_1_2 = Spy()", 3: "answer_1_3 = Spy()", 4: "answer_1_4 = Spy()"},
    )
    # an IPython startup file for every later kernel, in the kernel's home and in the grader's
    startup = "from crm_lessons import exercises as e\ne.assert_close = e.assert_choice = e.assert_equal = lambda *a, **k: None\n"
    subs["a05_startup_file"] = first(
        WRONG[1] + "\nimport os\n"
        f"for home in ['~', {str(home)!r}]:\n"
        "    d = os.path.join(os.path.expanduser(home), '.ipython', 'profile_default', 'startup')\n"
        "    try:\n        os.makedirs(d, exist_ok=True)\n"
        f"        open(os.path.join(d, '00-cheat.py'), 'w').write({startup!r})\n"
        "    except OSError:\n        pass"
    )
    # the batch's template gradebook, the course's gradebook, config, a classmate's files; planted files
    targets = {
        "template": f"{grader_tmp}/crm-grade-*/template.db",
        "tmp_template": "/tmp/crm-grade-*/template.db",
        "gradebook": str(course / "gradebook.db"),
        "config": str(course / "nbgrader_config.py"),
        "classmate": str(course / "submitted" / "zz_honest" / "ch01" / "01_tiny.ipynb"),
        "feedback": str(course / "feedback" / "*" / "ch01" / "*.html"),
    }
    subs["a06_overwriter"] = first(
        WRONG[1] + "\nimport glob, os\n"
        f"for pattern in {list(targets.values())!r}:\n"
        "    for path in glob.glob(pattern) or [pattern]:\n"
        "        try:\n            open(path, 'a').write('\\nimport os  # planted')\n        except OSError:\n"
        "            pass\n"
        f"for planted in [{str(course / 'planted.py')!r}, {str(course / 'exchange' / 'planted.py')!r},"
        f" {str(course / 'autograded' / 'zz_honest' / 'ch01' / 'planted.py')!r}]:\n"
        "    try:\n        open(planted, 'w').write('x')\n    except OSError:\n        pass"
    )
    # killing the grader (its parents), and processes meant to survive the batch
    subs["a07_killer"] = first(
        WRONG[1] + "\nimport os, signal, subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', '{TOKEN}'], start_new_session=True)\n"
        "for pid in [os.getppid()] + [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
        "    if pid != os.getpid():\n"
        "        try:\n            os.kill(pid, signal.SIGKILL)\n        except OSError:\n            pass"
    )
    # lines forged into the grading job's log (read for limit reasons): its stdout and stderr rewritten
    forged = "MemoryError\\nDeadKernelError\\nkilled after 5 s\\nFile too large\\n"
    subs["a11_log_forger"] = first(
        WRONG[1] + "\nimport os\n"
        "for fd in (1, 2):\n"
        "    try:\n        os.ftruncate(fd, 0)\n    except OSError:\n        pass\n"
        f"    os.write(fd, b'x' * 30000 + b'{forged}\\r{forged}')"
    )
    # resources: a memory bomb, a fork bomb, 50 MB of output (answer 1.1 right, so only the others fail)
    subs["a08_memory_bomb"] = _set_answers(_source(course), {1: "answer_1_1 = len(bytearray(20 * 2**30))"})
    subs["a09_fork_bomb"] = _set_answers(
        _source(course),
        {1: "import os, time\nwhile True:\n    if os.fork() == 0:\n        time.sleep(30)\n        os._exit(0)"},
    )
    subs["a10_big_output"] = _set_answers(_source(course), {**WRONG, 1: "answer_1_1 = 42\nprint('x' * (50 * 2**20))"})
    # honest slips: a duplicated test cell, exercises in another order, an extra cell, a renamed file
    nb = _source(course)
    test_1 = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_1_1")
    nb.cells.insert(nb.cells.index(test_1) + 1, _copy(test_1))
    subs["h01_duplicated_cell"] = nb
    nb = _source(course)
    block = nb.cells[5:8]
    del nb.cells[5:8]
    nb.cells[2:2] = block
    subs["h02_reordered"] = nb
    nb = _set_answers(_source(course), {1: "answer_1_1 = six() * 7"})
    nb.cells.insert(3, nbformat.v4.new_code_cell("def six():\n    return 6"))
    nb.cells.insert(3, nbformat.v4.new_markdown_cell("我的笔记 my notes"))
    subs["h03_extra_cell"] = nb
    subs["zz_honest"] = _source(course)
    subs["zz_untouched"] = _release(course)
    return subs


def _read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_bytes().decode("utf-8-sig").splitlines()))


def _rows(rows, student, chapter="ch01"):
    return {r["exercise"]: r for r in rows if r["student"] == student and r["chapter"] == chapter}


def _points(rows, student) -> float:
    return sum(float(r["points"] or 0) for r in _rows(rows, student).values())


@pytest.fixture(scope="module")
def sandboxed_batch(course: Path, tmp_path_factory):
    if _PROBLEM is not None:
        pytest.skip(f"no bubblewrap sandbox here: {_PROBLEM}")
    home = tmp_path_factory.mktemp("home")
    grader_tmp = tmp_path_factory.mktemp("work")
    lms = tmp_path_factory.mktemp("lms")
    for student, nb in _attacks(course, home, grader_tmp).items():
        (lms / student).mkdir()
        nbformat.write(nb, lms / student / ("作业1.ipynb" if student == "h03_extra_cell" else "01.ipynb"))
    out = tmp_path_factory.mktemp("out") / "grades.csv"
    config = (course / "nbgrader_config.py").read_bytes()
    saved_home, saved_tmp = os.environ.get("HOME"), tempfile.tempdir
    os.environ["HOME"], tempfile.tempdir = str(home), str(grader_tmp)
    try:
        code = cli_main(
            ["grade", "--course", str(course), "--timeout", "10", "--jobs", "2", "--csv", str(out), str(lms)]
        )
    finally:
        tempfile.tempdir = saved_tmp
        if saved_home is None:
            del os.environ["HOME"]
        else:
            os.environ["HOME"] = saved_home
    assert code == 0
    return out, _read_csv(out), home, config


CHEATS = [
    "a01_exec_solutions",
    "a02_sys_modules",
    "a03_isclose",
    "a04_frame_liar",
    "a05_startup_file",
    "a06_overwriter",
    "a07_killer",
    "a11_log_forger",
]


@pytest.mark.parametrize("student", CHEATS)
def test_no_cheat_scores(sandboxed_batch, student):
    _, rows, _, _ = sandboxed_batch
    mine = _rows(rows, student)
    assert list(mine) == ["test_1_1", "test_1_2", "test_1_3", "test_1_4", "exam_1_1"], mine
    assert _points(rows, student) == 0, {k: (r["status"], r["reason"]) for k, r in mine.items()}
    assert {r["sandboxed"] for r in mine.values()} == {"yes"}


@pytest.mark.parametrize("student", ["h01_duplicated_cell", "h02_reordered", "h03_extra_cell", "zz_honest"])
def test_honest_students_keep_full_marks(sandboxed_batch, student):
    _, rows, _, _ = sandboxed_batch
    mine = _rows(rows, student)
    assert _points(rows, student) == TOTAL_AUTO, {k: (r["status"], r["reason"]) for k, r in mine.items()}
    assert mine["exam_1_1"]["status"] == "needs_manual_grade"


def test_nothing_outside_a_submission_changes(sandboxed_batch, course):
    out, rows, home, config = sandboxed_batch
    assert (course / "nbgrader_config.py").read_bytes() == config
    assert not list(course.rglob("planted.py"))
    assert not list(home.rglob("00-cheat.py")), "no startup file reaches the grader's home"
    zoe = nbformat.read(course / "submitted" / "zz_honest" / "ch01" / "01_tiny.ipynb", as_version=4)
    assert "planted" not in json.dumps(zoe)
    assert {_rows(rows, "zz_untouched")[e]["status"] for e in ("test_1_1", "test_1_2")} == {"not_attempted"}
    import psutil

    assert not [p for p in psutil.process_iter(["cmdline"]) if TOKEN in " ".join(p.info["cmdline"] or [])]
    assert (
        list(_read_csv(out)[0])
        == COLUMNS
        == [
            "student",
            "chapter",
            "exercise",
            "points",
            "max_points",
            "status",
            "reason",
            "sandboxed",
        ]
    )


def test_a_kernel_cannot_forge_the_grading_log(sandboxed_batch):
    """Its own prints reach the job's log marked, so no limit is read from them (its wrong answers stay wrong)."""
    _, rows, _, _ = sandboxed_batch
    mine = _rows(rows, "a11_log_forger")
    assert {r["status"] for r in mine.values()} <= {"wrong", "not_attempted", "needs_manual_grade"}, mine
    assert not [r["reason"] for r in mine.values() if r["reason"]], mine


def test_limits_are_reported_per_row(sandboxed_batch, course):
    _, rows, _, _ = sandboxed_batch
    memory = _rows(rows, "a08_memory_bomb")
    assert memory["test_1_1"]["status"] == "error" and "memory limit" in memory["test_1_1"]["reason"], memory
    assert memory["test_1_2"]["status"] == "correct"
    fork = _rows(rows, "a09_fork_bomb")
    # the kernel cannot start a thread either while the bomb's processes live: it may stall until the timeout
    assert fork["test_1_1"]["status"] == "error", fork
    assert "process limit" in fork["test_1_1"]["reason"] or "time limit" in fork["test_1_1"]["reason"], fork
    big = _rows(rows, "a10_big_output")
    assert big["test_1_1"]["status"] == "correct"
    assert big["test_1_2"]["status"] == "error" and "output limit" in big["test_1_2"]["reason"], big
    feedback = next((course / "feedback" / "a10_big_output" / "ch01").glob("*.html"))
    assert feedback.stat().st_size < 5 * 2**20, feedback.stat().st_size


def test_grading_refuses_without_a_sandbox_unless_told(course, tmp_path, monkeypatch, capsys):
    from crm_lessons.grading import grade as grade_module
    from crm_lessons.grading.assign import GradingError

    monkeypatch.setattr(grade_module, "sandbox_problem", lambda: "bubblewrap (bwrap) is not installed")
    with pytest.raises(GradingError, match="not installed.*pass sandbox=False"):
        grade_course(course, csv_path=tmp_path / "g.csv", log=lambda line: None)
    assert cli_main(["grade", "--course", str(course), "--csv", str(tmp_path / "g.csv")]) == 2
    assert "use --no-sandbox" in capsys.readouterr().err


# -- without the sandbox: the content-hash guard ----------------------------------------------------------------


def test_unsandboxed_changes_are_put_back_and_reported(course, tmp_path, monkeypatch):
    """``--no-sandbox``: a same-size edit with the time put back, manual scores, config, planted files."""
    work = tmp_path / "course"
    import shutil

    shutil.copytree(course, work, ignore=shutil.ignore_patterns("autograded", "feedback", "submitted"))
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    zoe = work / "submitted" / "zz_honest" / "ch01" / "01_tiny.ipynb"
    zoe.parent.mkdir(parents=True)
    nbformat.write(_source(course), zoe)
    bad = work / "submitted" / "a_tamper" / "ch01" / "01_tiny.ipynb"
    bad.parent.mkdir(parents=True)
    code = (
        WRONG[1] + "\nimport os, sqlite3\n"
        f"p = {str(zoe)!r}\nst = os.stat(p)\ndata = open(p, 'rb').read()\n"
        "open(p, 'wb').write(data.replace(b'6 * 7', b'6 * 8'))\nos.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))\n"
        f"db = sqlite3.connect({str(work / 'gradebook.db')!r})\n"
        "try:\n    db.execute('update grade set manual_score = 0'); db.commit()\nexcept Exception:\n    pass\n"
        f"open({str(work / 'nbgrader_config.py')!r}, 'a').write('\\nimport os  # runs as the instructor')\n"
        f"for planted in [{str(work / 'planted.py')!r}, {str(work / 'exchange' / 'planted.py')!r}]:\n"
        "    open(planted, 'w').write('x')\n"
        f"d = {str(home / '.ipython' / 'profile_default' / 'startup')!r}\n"
        "os.makedirs(d, exist_ok=True)\nopen(os.path.join(d, '00-cheat.py'), 'w').write('x = 1')"
    )
    nbformat.write(_set_answers(_release(course), {1: code}), bad)
    before = {p: p.read_bytes() for p in (zoe, work / "nbgrader_config.py")}
    lines: list[str] = []
    rows = grade_course(work, csv_path=tmp_path / "g.csv", timeout=10, sandbox=False, log=lines.append)
    assert any("WITHOUT a sandbox" in line for line in lines)
    mine = [r for r in rows if r["student"] == "a_tamper" and r["chapter"] == "ch01"]
    assert {r["status"] for r in mine} == {"error"} and all("outside its own copy" in r["reason"] for r in mine), mine
    assert {r["sandboxed"] for r in rows} == {"no"}
    assert {p: p.read_bytes() for p in before} == before, "same-size edits with the time put back are seen"
    assert not (work / "planted.py").exists() and not (work / "exchange" / "planted.py").exists()
    assert not (home / ".ipython" / "profile_default" / "startup" / "00-cheat.py").exists()
    honest = [r for r in rows if r["student"] == "zz_honest" and r["chapter"] == "ch01"]
    assert sum(float(r["points"] or 0) for r in honest) == TOTAL_AUTO, honest


def test_limits_describe():
    assert Limits().describe()["memory"] == "4 GB"
    assert sys.platform != "linux" or isinstance(_PROBLEM, (str, type(None)))
