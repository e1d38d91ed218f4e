"""Chinese first for instructors too (issue 26.4): the help and messages of assign, grade, course, report, student."""

from __future__ import annotations

import argparse
import re

import pytest

from crm_lessons.cli import build_parser, main

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
COMMANDS = ["assign", "grade", "course", "report", "student"]


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _chinese_first(text: str) -> bool:
    """The first letter-like character is Chinese (a leading flag, path or bracket may come before it)."""
    first = re.search(r"[A-Za-z\u4e00-\u9fff]", text or "")
    return bool(first and CJK.match(first.group()))


@pytest.mark.parametrize("command", COMMANDS)
def test_help_is_chinese_first(command):
    sub = _subparsers()[command]
    assert _chinese_first(sub.description), sub.description
    for action in sub._actions:
        if action.help and action.help != argparse.SUPPRESS:
            assert _chinese_first(action.help), (command, action.dest, action.help)
            assert re.search(r"[A-Za-z]{3}", action.help), "English beside it"
    summary = build_parser().format_help()
    line = next(x for x in summary.splitlines() if x.strip().startswith(command + " ") or x.strip() == command)
    assert CJK.search(line) or CJK.search(summary.split(command, 2)[-1].splitlines()[1]), line


@pytest.mark.parametrize(
    ("argv", "needs_nbgrader"),
    [
        (["grade", "--course", "/nonexistent/course", "--csv", "/tmp/crm-grades-test.csv"], True),
        (["assign", "--out", "/nonexistent/x", "two"], True),
        (["student", "--out", "/tmp/crm-student-cli-test", "99"], False),
    ],
)
def test_errors_are_one_bilingual_line(argv, needs_nbgrader, capsys):
    if needs_nbgrader:
        pytest.importorskip("nbgrader")
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    message = err.split("error:", 1)[-1]
    assert _chinese_first(message) and re.search(r"[A-Za-z]{4}", message), err
    assert "--" in err or "99" in err or "two" in err, "flag names and values unchanged"
