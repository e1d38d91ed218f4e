"""What a student gets back: points, pass/fail and a message per exercise, never the key.

nbgrader's own feedback is the autograded notebook as HTML, hidden tests and
tracebacks included (nbgrader issue #917): returned to one class, the key is
out for every later class.  Here feedback is made from the autograded
notebook by :class:`StudentFeedback` (an nbgrader preprocessor, run after
``GetGrades``) and our template ``templates/feedback`` (Chinese first):

- a test cell shows only its visible part (what the student version has), and
  in place of its outputs one message saying what happened: points, a status
  (:data:`STATUS_LABELS`) and which check failed, in words that never quote the
  hidden code or the expected value (:func:`student_message`);
- the student's own cells (answers, written answers, worked examples) and their
  outputs stay as they are;
- a table at the top lists every exercise with its points, status and message.

The full detail (hidden tests, tracebacks) stays in ``COURSE/autograded/`` and
the formgrader; ``COURSE/feedback/`` holds only these pages.  The same
preprocessor and template run for ``crm-lessons grade`` and for nbgrader's own
``generate_feedback`` in the course folder (the course's ``nbgrader_config.py``
names them), so a refresh after manual grading gives the same page.
"""

from __future__ import annotations

import ast
import os
import re
from typing import Any

__all__ = [
    "STATUS_LABELS",
    "TEMPLATE_DIR",
    "exercise_label",
    "failure_status",
    "scored_status",
    "student_message",
]

#: Our nbconvert templates: ``feedback`` (the student's page) and ``base/mathjax.html.j2`` (no MathJax CDN).
TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")

#: How the feedback page names each status of the gradebook CSV (Chinese first).
STATUS_LABELS = {
    "correct": "通过 correct",
    "partial": "部分得分 partial",
    "wrong": "未通过 wrong",
    "not_attempted": "未作答 not attempted",
    "error": "出错 error",
    "needs_manual_grade": "待人工评分 to be graded by hand",
}

#: Exceptions raised by our checks (visible and hidden): the answer was judged wrong.
WRONG_NAMES = {"WrongAnswer", "ExerciseError", "AssertionError"}

_CHECK_LINE = re.compile(r"^\[练习 [^\]\n]{1,20}\] (未作答 not attempted|格式正确 well-formed)[^\n]{0,300}$")
_HIDDEN_WRONG = re.compile(r"^\[隐藏测试 hidden test\] [^\n]{1,300}$")
_VISIBLE_WRONG = re.compile(r"^\[练习 [^\]\n]{1,20}\] [^\n]{1,600}$")
_LINE = re.compile(r'File "<test cell>", line (\d+)')
_NAME = re.compile(r"name '(\w{1,60})' is not defined")


def scored_status(points: float, max_points: float) -> str:
    """The status of a scored exercise: all points ``correct``, some ``partial``, none ``wrong``.

    Examples
    --------
    >>> scored_status(3, 3), scored_status(2, 3), scored_status(0, 3)
    ('correct', 'partial', 'wrong')
    """
    return "correct" if points >= max_points else "partial" if points > 0 else "wrong"


def failure_status(outputs: list) -> str:
    """Why a test cell scored zero: not_attempted / wrong (our checks said so) / error (anything else).

    Only the label depends on the outputs (the points come from nbgrader): a
    visible check that printed 未作答, or a hidden test that raised it, means
    the answer is still the placeholder ``...``.

    Examples
    --------
    >>> failure_status([{"output_type": "error", "ename": "WrongAnswer", "evalue": "x"}])
    'wrong'
    >>> failure_status([{"output_type": "error", "ename": "TypeError", "evalue": "x"}])
    'error'
    """
    errors = [o for o in outputs if o.get("output_type") == "error"]
    printed = "".join(str(o.get("text", "")) for o in outputs if o.get("output_type") == "stream")
    if "未作答 not attempted" in printed or any("未作答 not attempted" in str(o.get("evalue", "")) for o in errors):
        return "not_attempted"
    if errors and errors[0].get("ename") in WRONG_NAMES:
        return "wrong"
    return "error"


def exercise_label(grade_id: str) -> str:
    """The exercise a grade id stands for, as the chapter names it.

    Examples
    --------
    >>> exercise_label("test_2_1"), exercise_label("exam_3_2"), exercise_label("other")
    ('练习 2.1', '考试练习 3.2', 'other')
    """
    m = re.fullmatch(r"(test|exam)_(\d+)_(\w+)", grade_id)
    if not m:
        return grade_id
    return f"{'练习' if m.group(1) == 'test' else '考试练习'} {m.group(2)}.{m.group(3).replace('_', '.')}"


def _hidden_lines(source: str) -> set[int]:
    """1-based line numbers of a test cell's hidden region (markers included)."""
    lines, inside = set(), False
    for number, line in enumerate(source.split("\n"), 1):
        if "BEGIN HIDDEN TESTS" in line:
            inside = True
        if inside:
            lines.add(number)
        if "END HIDDEN TESTS" in line:
            inside = False
    return lines


def _literal_message(source: str, line: int) -> str | None:
    """The message of the ``assert ..., "text"`` or ``raise X("text")`` at ``line``, if it is a plain literal.

    An instructor's own words for a failed hidden check ("要保留全部行") help the
    student; an f-string or a computed message may carry the expected value, so
    it is not shown.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) != line:
            continue
        msg: Any = None
        if isinstance(node, ast.Assert):
            msg = node.msg
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and len(node.exc.args) == 1:
            msg = node.exc.args[0]
        if isinstance(msg, ast.Constant) and isinstance(msg.value, str):
            return msg.value[:300]
    return None


def student_message(status: str, outputs: list, source: str = "") -> str:
    """What the student reads for one test cell: which check failed, never the hidden code or the truth.

    ``outputs`` are the test cell's outputs as the grader recorded them (the
    whole cell, hidden tests included, run in the grader) and ``source`` its
    full code; only messages known to be safe are passed on:

    - the visible checks' own lines and errors (``[练习 2.1] ...``: the student's
      version shows the same check), when the error was raised outside the
      hidden region;
    - the hidden tests' :class:`~crm_lessons.exercises.WrongAnswer` lines, which
      never quote the truth (``[隐藏测试 hidden test] 错误 wrong: 选项不对``);
    - an ``assert``/``raise`` message of the hidden tests written as a plain string;
    - otherwise the kind of failure only (``TypeError``), no message.

    Examples
    --------
    >>> out = [{"output_type": "error", "ename": "WrongAnswer",
    ...         "evalue": "[隐藏测试 hidden test] 错误 wrong: 选项不对 (not the right option)",
    ...         "traceback": ['File "<test cell>", line 4, in <module>']}]
    >>> print(student_message("wrong", out, "check.choice('1.1', a)\\n### BEGIN HIDDEN TESTS\\n"
    ...                       "from crm_lessons.exercises import assert_choice\\nassert_choice(a, 'C')\\n"
    ...                       "### END HIDDEN TESTS"))
    [隐藏测试 hidden test] 错误 wrong: 选项不对 (not the right option)
    >>> out = [{"output_type": "error", "ename": "AssertionError", "evalue": "expected 0.4213",
    ...         "traceback": ['File "<test cell>", line 3, in <module>']}]
    >>> print(student_message("wrong", out, "x = 1\\n### BEGIN HIDDEN TESTS\\nassert a == 0.4213, f'expected {0.4213}'\\n"
    ...                       "### END HIDDEN TESTS"))
    [隐藏测试 hidden test] 错误 wrong: 隐藏测试未通过 (a hidden test failed)
    """
    errors = [o for o in outputs if o.get("output_type") == "error"]
    printed = "".join(str(o.get("text", "")) for o in outputs if o.get("output_type") == "stream")
    checks = [line for line in printed.splitlines() if _CHECK_LINE.match(line)]
    hidden = _hidden_lines(source)
    lines: list[str] = []
    if status == "correct":
        lines.append("全部检查通过 all checks passed")
    elif status == "needs_manual_grade":
        lines.append("等待教师评分 to be graded by your teacher")
    elif errors:
        lines.append(_error_message(errors[0], status, source, hidden))
    elif status == "not_attempted":
        lines.append("[隐藏测试 hidden test] 未作答 not attempted: 把 ... 换成你的答案")
    elif status in ("wrong", "error", "partial"):
        lines.append("[隐藏测试 hidden test] 未通过 not passed")
    return "\n".join(checks + [line for line in lines if line not in checks])


def _error_message(error: dict, status: str, source: str, hidden: set[int]) -> str:
    ename = str(error.get("ename", ""))[:60]
    evalue = str(error.get("evalue", "")).strip()
    first = evalue.splitlines()[0] if evalue else ""
    where = [int(n) for t in error.get("traceback", []) for n in _LINE.findall(str(t))]
    line = where[-1] if where else None
    in_hidden = line in hidden if line is not None else True
    if _HIDDEN_WRONG.match(first):
        return first
    if _VISIBLE_WRONG.match(first) and not in_hidden:
        return first
    if ename == "NameError":
        m = _NAME.search(evalue)
        if m and (m.group(1).startswith("answer_") or not in_hidden):
            return f"出错 error: 没有找到 {m.group(1)} (name not defined)：请运行定义它的单元格"
        return "出错 error: 缺少一个名字 (a name is not defined)：请按顺序运行全部单元格"
    if ename in ("TimeoutError", "CellTimeoutError"):
        return "出错 error: 运行超时 (time limit)"
    if ename == "StudentError":  # raised in the student's kernel while the grader asked for a value
        kind = re.match(r"(\w{1,60}):", first)
        return f"出错 error: 你的代码在检查时出错 (your code raised {kind.group(1) if kind else 'an error'})"
    if line is not None and in_hidden:
        literal = _literal_message(source, line)
        if literal is not None:
            return f"[隐藏测试 hidden test] 错误 wrong: {literal}"
    if status == "wrong" or ename in WRONG_NAMES:
        return "[隐藏测试 hidden test] 错误 wrong: 隐藏测试未通过 (a hidden test failed)"
    return f"出错 error: 检查时出错 (error while checking: {ename or 'unknown'})"


def _text_stub() -> str:
    from crm_lessons.runner.release import TEXT_STUB

    return TEXT_STUB


def _feedback_cell(cell: Any) -> dict | None:
    """Make one graded cell safe to hand out; its row of the summary table (None for other cells)."""
    from nbformat import from_dict

    from crm_lessons.grading._execute import visible_part

    meta = cell.metadata.get("nbgrader", {})
    if not isinstance(meta, dict) or not meta.get("grade"):
        return None
    score, points = meta.get("score"), float(meta.get("points") or 0)
    grade_id = str(meta.get("grade_id", ""))
    test = cell.cell_type == "code" and not meta.get("solution")
    outputs = list(cell.get("outputs", [])) if cell.cell_type == "code" else []
    if meta.get("needs_manual_grade"):
        status = "needs_manual_grade"
    elif score is None:
        status = "needs_manual_grade" if not test else "error"
    elif float(score) > 0:
        status = scored_status(float(score), points)
    elif test:
        status = failure_status(outputs)
    else:
        unchanged = cell.source.strip() == _text_stub().strip()
        status = "not_attempted" if unchanged else "wrong"
    message = student_message(status, outputs, cell.source) if test else ""
    if test:
        cell.source = visible_part(cell.source)
        cell.outputs = [from_dict({"output_type": "stream", "name": "stdout", "text": message + "\n"})]
        cell.execution_count = None
    elif status == "needs_manual_grade":
        message = "等待教师评分 to be graded by your teacher"
    cell.metadata["crm_feedback"] = {"status": status, "label": STATUS_LABELS.get(status, status)}
    return {
        "grade_id": grade_id,
        "exercise": exercise_label(grade_id),
        "score": "" if score is None else f"{float(score):g}",
        "points": f"{points:g}",
        "status": status,
        "label": STATUS_LABELS.get(status, status),
        "message": message,
    }


def feedback_notebook(nb: Any) -> tuple[Any, list[dict]]:
    """The notebook as handed back (in place): test cells cut to their visible part and a message.

    ``nb`` is an autograded notebook whose graded cells carry nbgrader's
    ``score`` and ``points`` (nbgrader's ``GetGrades``); returns it and the
    summary rows, one per graded cell.
    """
    rows = []
    for cell in nb.cells:
        row = _feedback_cell(cell)
        if row is not None:
            rows.append(row)
        if cell.cell_type == "code":  # what a test cell left in the metadata of a stored output
            for out in cell.get("outputs", []):
                out.get("metadata", {}).pop("nbgrader", None)
    return nb, rows


def exporter_config() -> dict[str, Any]:
    """``HTMLExporter`` settings that make nbgrader's ``feedback`` template ours and drop the MathJax CDN.

    Our template folder comes first, then nbgrader's formgrader templates (the
    formgrader's own ``formgrade`` template must still be found).
    """
    import nbgrader

    formgrader = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
    bootstrap = os.path.join(formgrader, "static", "node_modules", "bootstrap", "dist", "css")
    return {
        "extra_template_basedirs": [TEMPLATE_DIR, os.path.join(formgrader, "templates")],
        "extra_template_paths": [bootstrap],
    }


def page_text() -> str:
    """The non-ASCII characters of our feedback template's own words (given glyphs in the embedded font)."""
    with open(os.path.join(TEMPLATE_DIR, "feedback", "index.html.j2"), encoding="utf-8") as f:
        template = f.read()
    return "".join(sorted({c for c in template + "".join(STATUS_LABELS.values()) if ord(c) > 127}))


def page_glyphs(nb: Any, rows: list[dict], limit: int = 4000) -> str:
    """The non-ASCII characters a feedback page shows (its own words first), at most ``limit``."""
    text = page_text() + "".join(r["label"] + r["message"] for r in rows) + "".join(str(c.source) for c in nb.cells)
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text += str(out.get("text", "")) + str(out.get("data", {}).get("text/html", ""))
    seen: dict[str, None] = {}
    for ch in text:
        if ord(ch) > 127 and ch not in seen:
            seen[ch] = None
            if len(seen) >= limit:
                break
    return "".join(seen)
