"""Exercises in chapter notebooks: the students' self-checks and the graders' hidden tests.

An exercise is an answer cell and a test cell in nbgrader's format (see
notebooks/README.md, "Exercises (nbgrader format)").  The answer cell keeps a
placeholder line above the solution region::

    answer_2_1 = ...  # 在这里作答 your answer here
    ### BEGIN SOLUTION
    answer_2_1 = float(top_share(revenue, share=0.2))
    ### END SOLUTION

and the test cell runs *visible* property checks through a :class:`Checker`
(they reveal nothing about the answer), then *hidden* tests that recompute
the truth and compare with :func:`assert_close`, :func:`assert_choice` or
:func:`assert_equal`::

    check.number("2.1", answer_2_1, lo=0, hi=1, hint="收入份额 (share of revenue)，是一个比例")
    ### BEGIN HIDDEN TESTS
    from crm_lessons.exercises import assert_close
    assert_close(answer_2_1, ..., rtol=0.01)
    ### END HIDDEN TESTS

A visible check prints ``[练习 <id>] 未作答 not attempted`` for an untouched
``...``, a "格式正确 well-formed" line when the property holds, and raises
:class:`ExerciseError` with the hint when it does not.  Every message a
student reads is Chinese first (English terms in brackets where useful), quotes
the student's answer at most in a short capped form and never the truth.  Grading is done by
nbgrader (``crm-lessons assign`` / ``crm-lessons grade``), never by reading
what a notebook prints.  The student version of a notebook is written by
:mod:`crm_lessons.runner.release` (machinery; the chapters import only this module).
"""

from __future__ import annotations

import math
import numbers
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn

__all__ = [
    "STATUSES",
    "Checker",
    "ExerciseError",
    "WrongAnswer",
    "assert_choice",
    "assert_close",
    "assert_equal",
]

#: Status words printed by the checker, keyed by the machine-readable status.
STATUSES = {
    "checked": "格式正确 well-formed",
    "not_attempted": "未作答 not attempted",
    "wrong": "错误 wrong",
}
_CHECKED_NOTE = "(隐藏测试评分 hidden tests grade it)"


class ExerciseError(AssertionError):
    """A wrong answer: the message says which exercise and gives a hint."""


def _show(value: Any, limit: int = 60) -> str:
    """A short repr of a student's answer for a message (never of a truth)."""
    try:
        text = repr(value)
    except Exception:  # an answer whose repr fails is still reported
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _letters(answer: Any) -> frozenset[str] | None:
    """The set of option letters in an answer (``"b"``, ``"A, C"``, ``{"a", "c"}``), or None if malformed."""
    if isinstance(answer, str):
        parts = [str.__str__(answer)]
    elif isinstance(answer, (set, frozenset, list, tuple)):
        if not all(isinstance(a, str) for a in answer):
            return None
        parts = [str.__str__(a) for a in answer]
    else:
        return None
    letters = [ch for part in parts for ch in re.sub(r"[\s,，、;；/]+", "", part).upper()]
    return frozenset(letters) if letters else None


@dataclass
class Checker:
    """Visible self-checks of one chapter's exercises: properties only, never the answer.

    Each check returns its status and prints one line starting ``[练习 <id>]``:
    ``未作答 not attempted`` for an untouched ``...``, ``格式正确 well-formed``
    when the answer has the required property (the hidden tests decide
    whether it is right); a malformed answer raises :class:`ExerciseError`
    with the hint.

    Parameters
    ----------
    chapter : str
        Chapter label used in messages, e.g. ``"2"``.

    Attributes
    ----------
    results : dict
        Exercise id -> status (``'checked'``, ``'not_attempted'``, ``'wrong'``).

    Examples
    --------
    >>> check = Checker("2")
    >>> check.number("2.1", ..., lo=0, hi=1)
    [练习 2.1] 未作答 not attempted: 把 ... 换成你的答案，再运行本单元格
    'not_attempted'
    >>> check.number("2.1", 0.42, lo=0, hi=1)
    [练习 2.1] 格式正确 well-formed: 0 ≤ x ≤ 1 (隐藏测试评分 hidden tests grade it)
    'checked'
    >>> check.number("2.1", 42, lo=0, hi=1, hint="份额是一个比例 (fraction)")
    Traceback (most recent call last):
    ...
    crm_lessons.exercises.ExerciseError: [练习 2.1] 错误 wrong: 应为数值 (number)，满足 0 ≤ x ≤ 1；你的答案是 42。提示 hint: 份额是一个比例 (fraction)
    >>> check.choice("2.2", "b")
    [练习 2.2] 格式正确 well-formed: A/B/C/D 中的一个选项 (隐藏测试评分 hidden tests grade it)
    'checked'
    >>> check.text("2.3", "重点改进", options=["继续保持", "重点改进", "低优先级", "过度投入"])
    [练习 2.3] 格式正确 well-formed: 所列标签之一 (隐藏测试评分 hidden tests grade it)
    'checked'
    >>> check.predicate("2.4", [3, 1, 2], test=lambda a: len(a) == 3, hint="三个客户编号")
    [练习 2.4] 格式正确 well-formed: 符合要求的性质 (隐藏测试评分 hidden tests grade it)
    'checked'
    >>> check.summary()
    '第2章 chapter 2: 3 题格式正确 (隐藏测试评分 hidden tests grade them)，0 题未作答，1 题错误'
    """

    chapter: str
    results: dict[str, str] = field(default_factory=dict)

    # -- reporting -------------------------------------------------------
    def _report(self, ex_id: str, status: str, detail: str = "") -> str:
        self.results[ex_id] = status
        line = f"[练习 {ex_id}] {STATUSES[status]}"
        if status == "wrong":
            raise ExerciseError(f"{line}: {detail}")
        print(f"{line}: {detail}" if detail else line)
        return status

    def _untouched(self, ex_id: str, answer: Any) -> bool:
        if answer is ...:
            self._report(ex_id, "not_attempted", "把 ... 换成你的答案，再运行本单元格")
            return True
        return False

    def _ok(self, ex_id: str, what: str) -> str:
        return self._report(ex_id, "checked", f"{what} {_CHECKED_NOTE}")

    def _bad(self, ex_id: str, what: str, hint: str) -> str:
        return self._report(ex_id, "wrong", f"{what}。提示 hint: {hint}" if hint else what)

    # -- kinds of answers --------------------------------------------------
    def number(
        self,
        ex_id: str,
        answer: Any,
        *,
        lo: float | None = None,
        hi: float | None = None,
        integer: bool = False,
        hint: str = "",
    ) -> str:
        """A finite number (not a bool or a string), within ``lo <= x <= hi``, integral if ``integer``.

        Examples
        --------
        >>> Checker("1").number("1.1", 3.0, lo=0, integer=True)
        [练习 1.1] 格式正确 well-formed: 整数 (integer)，0 ≤ x (隐藏测试评分 hidden tests grade it)
        'checked'
        >>> Checker("1").number("1.1", "3")
        Traceback (most recent call last):
        ...
        crm_lessons.exercises.ExerciseError: [练习 1.1] 错误 wrong: 应为数值 (number)；你的答案是 '3' (类型 str)
        >>> Checker("1").number("1.1", 2.5, integer=True, hint="客户人数")
        Traceback (most recent call last):
        ...
        crm_lessons.exercises.ExerciseError: [练习 1.1] 错误 wrong: 应为整数 (integer)；你的答案是 2.5。提示 hint: 客户人数
        """
        if self._untouched(ex_id, answer):
            return "not_attempted"
        if isinstance(answer, (bool, str, bytes)) or not isinstance(answer, numbers.Real):
            return self._bad(
                ex_id, f"应为数值 (number)；你的答案是 {_show(answer)} (类型 {type(answer).__name__})", hint
            )
        value = float(answer)
        bounds = " ≤ ".join(
            x for x in ((f"{lo:g}" if lo is not None else ""), "x", (f"{hi:g}" if hi is not None else "")) if x
        )
        bounds = bounds if bounds != "x" else ""
        kind = "整数 (integer)" if integer else "数值 (number)" if bounds else "有限数值 (finite number)"
        if (
            not math.isfinite(value)
            or (lo is not None and value < lo)
            or (hi is not None and value > hi)
            or (integer and not value.is_integer())
        ):
            return self._bad(
                ex_id, f"应为{kind}{'，满足 ' + bounds if bounds else ''}；你的答案是 {_show(answer)}", hint
            )
        return self._ok(
            ex_id,
            "，".join(x for x in ("整数 (integer)" if integer else "", bounds) if x) or "有限数值 (finite number)",
        )

    def choice(self, ex_id: str, answer: Any, *, options: str = "ABCD", multiple: bool = False, hint: str = "") -> str:
        """One option letter (case ignored), or with ``multiple=True`` one or more (``"AC"``, ``{"a", "c"}``).

        Examples
        --------
        >>> Checker("1").choice("1.2", {"a", "c"}, multiple=True)
        [练习 1.2] 格式正确 well-formed: A/B/C/D 中的一个或多个选项 (隐藏测试评分 hidden tests grade it)
        'checked'
        >>> Checker("1").choice("1.2", "AC")
        Traceback (most recent call last):
        ...
        crm_lessons.exercises.ExerciseError: [练习 1.2] 错误 wrong: 应为 A/B/C/D 中的一个字母 (one letter)；你的答案是 'AC'
        """
        if self._untouched(ex_id, answer):
            return "not_attempted"
        allowed = "/".join(options.upper())
        letters = _letters(answer)
        if letters is None or not letters <= set(options.upper()) or (not multiple and len(letters) != 1):
            want = "一个或多个字母 (one or more letters)" if multiple else "一个字母 (one letter)"
            return self._bad(ex_id, f"应为 {allowed} 中的{want}；你的答案是 {_show(answer)}", hint)
        return self._ok(ex_id, f"{allowed} 中的{'一个或多个' if multiple else '一个'}选项")

    def text(self, ex_id: str, answer: Any, *, options: Iterable[str], hint: str = "") -> str:
        """A label (a string, surrounding spaces ignored) that is one of ``options``.

        Examples
        --------
        >>> Checker("1").text("1.3", "高价值", options=["高价值", "低价值"])
        [练习 1.3] 格式正确 well-formed: 所列标签之一 (隐藏测试评分 hidden tests grade it)
        'checked'
        >>> Checker("1").text("1.3", "high", options=["高价值", "低价值"])
        Traceback (most recent call last):
        ...
        crm_lessons.exercises.ExerciseError: [练习 1.3] 错误 wrong: 应为以下标签之一 (label)：高价值 / 低价值；你的答案是 'high'
        """
        if self._untouched(ex_id, answer):
            return "not_attempted"
        allowed = [str(o) for o in options]
        if not isinstance(answer, str) or str.__str__(answer).strip() not in allowed:
            return self._bad(
                ex_id, f"应为以下标签之一 (label)：{' / '.join(allowed)}；你的答案是 {_show(answer)}", hint
            )
        return self._ok(ex_id, "所列标签之一")

    def predicate(self, ex_id: str, answer: Any, *, test: Callable[[Any], bool], hint: str = "") -> str:
        """Any property: well-formed when ``test(answer)`` is true (e.g. a DataFrame with the right columns).

        Examples
        --------
        >>> Checker("1").predicate("1.4", 0, test=lambda a: 1 / a > 0, hint="一个正数")
        Traceback (most recent call last):
        ...
        crm_lessons.exercises.ExerciseError: [练习 1.4] 错误 wrong: 检查答案时出错 (ZeroDivisionError: division by zero)。提示 hint: 一个正数
        >>> Checker("1").predicate("1.4", -1, test=lambda a: a > 0, hint="一个正数")
        Traceback (most recent call last):
        ...
        crm_lessons.exercises.ExerciseError: [练习 1.4] 错误 wrong: 答案不具备要求的性质 (required property)。提示 hint: 一个正数
        """
        if self._untouched(ex_id, answer):
            return "not_attempted"
        try:
            ok = bool(test(answer))
        except Exception as exc:  # a malformed answer is a wrong answer, with the reason
            return self._bad(ex_id, f"检查答案时出错 ({type(exc).__name__}: {exc})", hint)
        if ok:
            return self._ok(ex_id, "符合要求的性质")
        return self._bad(ex_id, "答案不具备要求的性质 (required property)", hint)

    def summary(self) -> str:
        """One line: how many answers are well-formed, not attempted, wrong.

        The line never contains the status label ``未作答 not attempted`` that
        grading looks for in a check cell's output.
        """
        counts = {s: sum(v == s for v in self.results.values()) for s in STATUSES}
        return (
            f"第{self.chapter}章 chapter {self.chapter}: {counts['checked']} 题格式正确 (隐藏测试评分 hidden "
            f"tests grade them)，{counts['not_attempted']} 题未作答，{counts['wrong']} 题错误"
        )


# -- hidden tests ---------------------------------------------------------------


class WrongAnswer(AssertionError):
    """A hidden test failed; the message never quotes the truth."""


def _fail(what: str) -> NoReturn:
    raise WrongAnswer(f"[隐藏测试 hidden test] {what}")


def _attempted(answer: Any) -> None:
    if answer is ...:
        _fail("未作答 not attempted: 把 ... 换成你的答案")


def _as_float(answer: Any) -> float:
    """``answer`` as an exact built-in float, or fail; a subclass's methods are bypassed where they exist."""
    if isinstance(answer, (bool, str, bytes)):
        _fail(f"错误 wrong: 应为数值 (number)，你的答案类型是 {type(answer).__name__}")
    try:
        value = float.__float__(answer) if isinstance(answer, float) else float(answer)
        value = float.__float__(value)  # an exact float, whatever __float__ returned
    except Exception:
        _fail(f"错误 wrong: 应为数值 (number)，你的答案类型是 {type(answer).__name__}")
    return value


def _as_int(answer: Any) -> int:
    if isinstance(answer, (bool, str, bytes)):
        _fail(f"错误 wrong: 应为整数 (integer)，你的答案类型是 {type(answer).__name__}")
    try:
        value = int.__int__(answer) if isinstance(answer, int) else operator.index(answer)
        return int.__int__(value)
    except Exception:
        pass
    number = _as_float(answer)
    if not number.is_integer():
        _fail("错误 wrong: 应为整数 (integer)，你的答案有小数部分")
    return int(number)


def _as_str(answer: Any) -> str:
    if isinstance(answer, (set, frozenset, list, tuple, dict)):
        _fail(f"错误 wrong: 应为一个标签 (label)，你的答案类型是 {type(answer).__name__}")
    try:
        value = str.__str__(answer) if isinstance(answer, str) else str(answer)
        return str.__str__(value).strip()
    except Exception:
        _fail(f"错误 wrong: 应为一个标签 (label)，你的答案类型是 {type(answer).__name__}")
    raise AssertionError  # pragma: no cover (unreachable: _fail raises)


def assert_close(answer: Any, truth: Any, *, rtol: float = 1e-2, atol: float = 0.0) -> None:
    """Hidden test: ``answer`` is a number within ``rtol`` (relative) or ``atol`` (absolute) of ``truth``.

    The answer is coerced to a built-in ``float`` first, so an object with a
    lying ``__eq__`` or a float subclass cannot pass; the failure message
    never quotes the truth.

    Examples
    --------
    >>> assert_close(0.4999, 0.5)
    >>> assert_close(0.7, 0.5)
    Traceback (most recent call last):
    ...
    crm_lessons.exercises.WrongAnswer: [隐藏测试 hidden test] 错误 wrong: 与正确答案不够接近 (not close enough)
    >>> assert_close("0.5", 0.5)
    Traceback (most recent call last):
    ...
    crm_lessons.exercises.WrongAnswer: [隐藏测试 hidden test] 错误 wrong: 应为数值 (number)，你的答案类型是 str
    >>> assert_close(..., 0.5)
    Traceback (most recent call last):
    ...
    crm_lessons.exercises.WrongAnswer: [隐藏测试 hidden test] 未作答 not attempted: 把 ... 换成你的答案
    """
    _attempted(answer)
    value, want = _as_float(answer), float(truth)
    if not (math.isfinite(value) and math.isclose(value, want, rel_tol=rtol, abs_tol=atol)):
        _fail("错误 wrong: 与正确答案不够接近 (not close enough)")


def assert_choice(answer: Any, truth: Any) -> None:
    """Hidden test: the same option letters as ``truth`` (``"B"`` or ``"AC"``/``{"A", "C"}``), case and order ignored.

    Examples
    --------
    >>> assert_choice(" b ", "B")
    >>> assert_choice(["c", "a"], "AC")
    >>> assert_choice("A", "AC")
    Traceback (most recent call last):
    ...
    crm_lessons.exercises.WrongAnswer: [隐藏测试 hidden test] 错误 wrong: 选项不对 (not the right option)
    """
    _attempted(answer)
    want = _letters(truth)
    if want is None:
        raise TypeError("assert_choice: the truth must be letters, e.g. 'B' or {'A', 'C'}")
    got = _letters(answer)
    if got is None:
        _fail(f"错误 wrong: 应为选项字母 (option letter)，你的答案类型是 {type(answer).__name__}")
    if frozenset(got) != want:
        _fail("错误 wrong: 选项不对 (not the right option)")


def _coerce_like(answer: Any, truth: Any) -> Any:
    if isinstance(truth, bool):
        if type(answer) is bool:
            return answer
        if type(answer).__module__ == "numpy" and type(answer).__name__ in ("bool", "bool_"):
            return answer.item() is True  # numpy's bool type cannot be subclassed
        _fail(f"错误 wrong: 应为 True 或 False，你的答案类型是 {type(answer).__name__}")
    if isinstance(truth, numbers.Integral):
        return _as_int(answer)
    if isinstance(truth, numbers.Real):
        return _as_float(answer)
    if isinstance(truth, str):
        return _as_str(answer)
    if isinstance(truth, (set, frozenset, list, tuple)):
        if isinstance(answer, (str, bytes, dict)) or not isinstance(answer, Iterable):
            _fail(f"错误 wrong: 应为一组值 (collection)，你的答案类型是 {type(answer).__name__}")
        items = list(truth)
        sample = items[0] if items else ""
        try:
            elements = [_coerce_like(a, sample) for a in list(answer)]
        except WrongAnswer:
            raise
        except Exception:
            _fail(f"错误 wrong: 应为一组值 (collection)，你的答案类型是 {type(answer).__name__}")
        if isinstance(truth, (set, frozenset)):
            return frozenset(elements)
        return tuple(elements)
    raise TypeError(
        f"assert_equal: unsupported truth type {type(truth).__name__}; use str, int, float, "
        "bool or a set/list/tuple of them"
    )


def _canonical(truth: Any) -> Any:
    if isinstance(truth, (set, frozenset)):
        return frozenset(_canonical(t) for t in truth)
    if isinstance(truth, (list, tuple)):
        return tuple(_canonical(t) for t in truth)
    if isinstance(truth, str):
        return str(truth).strip()
    if isinstance(truth, bool):
        return bool(truth)
    if isinstance(truth, numbers.Integral):
        return int(truth)
    if isinstance(truth, numbers.Real):
        return float(truth)
    return truth


def assert_equal(answer: Any, truth: Any) -> None:
    """Hidden test: ``answer`` equals ``truth`` after coercion to the truth's type.

    ``str`` (spaces around ignored), ``int`` (``3.0`` counts, ``3.5`` does
    not), ``float``, ``bool``, and sets (compared as ``frozenset``) or
    lists/tuples of those.  The comparison is between built-in values, so a
    lying ``__eq__`` cannot pass; the message never quotes the truth.

    Examples
    --------
    >>> assert_equal(" 重点改进", "重点改进")
    >>> assert_equal(3.0, 3)
    >>> assert_equal([2, 1], frozenset({1, 2}))
    >>> assert_equal({"a", "b"}, frozenset({"a"}))
    Traceback (most recent call last):
    ...
    crm_lessons.exercises.WrongAnswer: [隐藏测试 hidden test] 错误 wrong: 答案不对 (not the right answer)
    """
    _attempted(answer)
    if _coerce_like(answer, truth) != _canonical(truth):
        _fail("错误 wrong: 答案不对 (not the right answer)")
