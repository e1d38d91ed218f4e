"""Command line: ``crm-lessons course`` builds the HTML course (``python -m crm_lessons course`` also works)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _course(args: argparse.Namespace) -> int:
    from crm_lessons.course import build_course

    build_course(args.out)
    return 0


def _refresh(args: argparse.Namespace) -> int:
    from crm_lessons.course import chapter_notebooks, refresh_notebook

    for path in args.notebooks or chapter_notebooks():
        print(f"refreshing {path} ...", flush=True)
        refresh_notebook(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="crm-lessons",
        description="crm-lessons: CRM analytics course and reports. 客户关系管理课程与分析报告。",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p_course = sub.add_parser("course", help="run every chapter notebook and write the HTML course")
    p_course.add_argument("--out", default="build/course", help="output folder (default: build/course)")
    p_course.set_defaults(func=_course)
    p_refresh = sub.add_parser("refresh-notebooks",
                               help="(maintainers) re-execute chapter notebooks and store their outputs")
    p_refresh.add_argument("notebooks", nargs="*", help="notebooks to refresh (default: every chapter)")
    p_refresh.set_defaults(func=_refresh)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``crm-lessons`` command."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
