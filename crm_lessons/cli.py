"""Command line: ``crm-lessons course`` builds the HTML course, ``crm-lessons report`` an analyst's report,
``crm-lessons assign`` / ``crm-lessons grade`` hand out and grade exercises with nbgrader
(``python -m crm_lessons ...`` also works)."""

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


def _report(args: argparse.Namespace) -> int:
    from papermill.exceptions import PapermillExecutionError

    from crm_lessons._validation import DataError
    from crm_lessons.report import render_report

    try:
        render_report(
            args.data, args.out, customer_col=args.customer_col, date_col=args.date_col,
            amount_col=args.amount_col, as_of=args.as_of, lang=args.lang, currency=args.currency,
            horizon=args.horizon, discount_rate=args.discount_rate,
            progress=lambda line: print(line, flush=True),
        )
    except (DataError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"crm-lessons report: error: {exc}", file=sys.stderr)
        return 2
    except PapermillExecutionError as exc:  # a bug in the template, not the user's data
        print(f"crm-lessons report: error: the report template failed ({exc.ename}: {exc.evalue}); "
              "please report this with the command you ran", file=sys.stderr)
        return 1
    return 0


_NEEDS_NBGRADER = ("needs nbgrader: pip install 'crm-lessons[grading]' "
                   "(or 'pip install -e .[grading]' in a source checkout)")


def _grading():
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        return None
    from crm_lessons import grading

    return grading


def _assign(args: argparse.Namespace) -> int:
    grading = _grading()
    if grading is None:
        print(f"crm-lessons assign: error: {_NEEDS_NBGRADER}", file=sys.stderr)
        return 2
    from crm_lessons.grading.assign import GradingError

    try:
        grading.assign_course(args.out, args.chapters or None, notebooks=args.notebooks, timeout=args.timeout,
                              log=lambda line: print(line, flush=True))
    except (GradingError, FileNotFoundError) as exc:
        print(f"crm-lessons assign: error: {exc}", file=sys.stderr)
        return 2
    return 0


def _grade(args: argparse.Namespace) -> int:
    grading = _grading()
    if grading is None:
        print(f"crm-lessons grade: error: {_NEEDS_NBGRADER}", file=sys.stderr)
        return 2
    from crm_lessons.grading.assign import GradingError

    try:
        grading.grade_course(args.course, csv_path=args.csv, submissions=args.submissions, timeout=args.timeout,
                             log=lambda line: print(line, flush=True))
    except GradingError as exc:
        print(f"crm-lessons grade: error: {exc}", file=sys.stderr)
        return 2
    return 0


_ASSIGN_HELP = """\
Write an nbgrader course folder from the chapter notebooks: nbgrader_config.py,
source/chNN/ (the notebooks with their solutions and hidden tests) and, through
'nbgrader generate_assignment', release/chNN/ (the student versions to hand out).
Re-running it refreshes the chapters it writes.  Needs nbgrader (pip install 'crm-lessons[grading]').

example:  crm-lessons assign --out course 2 4"""

_GRADE_HELP = """\
Autograde every submission with nbgrader and write the gradebook: one row per
student, chapter and exercise (student, chapter, exercise, points, max_points,
status), UTF-8 with BOM, and the totals per student in <name>_totals.csv beside it.
SUBMISSIONS is an LMS export laid out as SUBMISSIONS/STUDENT/*.ipynb (the student
id is the sub-folder name; each notebook is matched to its chapter by its content);
without it the course's submitted/STUDENT/chNN/ folders are graded.
Feedback (HTML) goes to COURSE/feedback/STUDENT/chNN/.

example:  crm-lessons grade --course course --csv grades.csv lms_export/"""

_REPORT_HELP = """\
Write a CRM report (HTML, opens offline) from a transaction file: data quality,
key figures, ABC classes and customer pyramid, RFM segments with actions,
lifecycle stages, customer lifetime value and churn risk.
The file needs one row per purchase with a customer, a date and an amount;
the columns are recognised from Chinese or English headers (客户编号, 交易日期,
实付金额, customer_id, date, amount, ...) or named with the options below.
Without --data the report uses the bundled CDNOW data (as of 1998-06-30).
Bad input stops with exit code 2 and a message; the data file is never changed.

example:  crm-lessons report --data sales.csv --lang en --out report.html"""


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
    p_report = sub.add_parser(
        "report", help="write an HTML CRM report on your own transaction file",
        description=_REPORT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p_report.add_argument("--data", metavar="FILE",
                          help="CSV, text or Excel file with one row per purchase (default: bundled CDNOW data)")
    p_report.add_argument("--customer-col", metavar="C", help="name of the customer column (default: recognised)")
    p_report.add_argument("--date-col", metavar="D", help="name of the date column (default: recognised)")
    p_report.add_argument("--amount-col", metavar="A", help="name of the amount column (default: recognised)")
    p_report.add_argument("--as-of", metavar="DATE",
                          help="end of the period analysed, YYYY-MM-DD (default: last date in the data)")
    p_report.add_argument("--lang", choices=["zh", "en"], default="zh",
                          help="language of the report: zh = Chinese (default), en = English")
    p_report.add_argument("--currency", metavar="CODE",
                          help="currency of the amounts, e.g. CNY (default) or USD (default for CDNOW)")
    p_report.add_argument("--horizon", type=int, default=12, metavar="MONTHS",
                          help="months of future purchases counted in customer lifetime value (default: 12)")
    p_report.add_argument("--discount-rate", type=float, default=0.01, metavar="RATE",
                          help="monthly discount rate for lifetime value (default: 0.01 = 1%% a month)")
    p_report.add_argument("--out", default="report.html", metavar="FILE",
                          help="HTML file to write (default: report.html); never the data file")
    p_report.set_defaults(func=_report)
    p_assign = sub.add_parser("assign", help="(instructors) write an nbgrader course folder and the student versions",
                              description=_ASSIGN_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p_assign.add_argument("--out", required=True, metavar="COURSE", help="the course folder to write or refresh")
    p_assign.add_argument("chapters", nargs="*", metavar="CHAPTER",
                          help="chapter numbers, e.g. 2 or 02 (default: every chapter)")
    p_assign.add_argument("--notebooks", metavar="DIR",
                          help="folder of the chapter notebooks (default: notebooks/ of this checkout)")
    p_assign.add_argument("--timeout", type=int, default=60, metavar="SECONDS",
                          help="per-cell timeout written into nbgrader_config.py (default: 60)")
    p_assign.set_defaults(func=_assign)
    p_grade = sub.add_parser("grade", help="(instructors) autograde submissions with nbgrader, write a gradebook CSV",
                             description=_GRADE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p_grade.add_argument("--course", required=True, metavar="COURSE", help="the course folder written by assign")
    p_grade.add_argument("--csv", required=True, metavar="FILE", help="the gradebook CSV to write")
    p_grade.add_argument("--timeout", type=int, default=60, metavar="SECONDS",
                         help="seconds one cell may run before it is interrupted (default: 60)")
    p_grade.add_argument("submissions", nargs="?", metavar="SUBMISSIONS",
                         help="an LMS export folder SUBMISSIONS/STUDENT/*.ipynb to collect first")
    p_grade.set_defaults(func=_grade)
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
