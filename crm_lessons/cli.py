"""Command line: ``crm-lessons course`` builds the HTML course, ``crm-lessons report`` an analyst's report,
``crm-lessons assign`` / ``crm-lessons grade`` hand out and grade exercises with nbgrader
(``python -m crm_lessons ...`` also works)."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

_IMPORTED = time.perf_counter()

__all__ = ["ASSIGN_FLAGS", "GRADE_FLAGS", "REPORT_FLAGS", "command_line_error", "command_line_message", "main"]


def _course(args: argparse.Namespace) -> int:
    from crm_lessons.course import build_course

    build_course(args.out)
    return 0


def _refresh(args: argparse.Namespace) -> int:
    from crm_lessons.course import chapter_notebooks, refresh_notebook

    for path in args.notebooks or chapter_notebooks():
        print(f"正在刷新 refreshing {path} ...", flush=True)
        refresh_notebook(path)
    return 0


def _elapsed() -> float:
    """Seconds since this process started (what the user waited), or since this module was imported."""
    try:
        import psutil

        return max(0.0, time.time() - psutil.Process().create_time())
    except Exception:  # noqa: BLE001 - psutil missing or unable to read the process: the import time will do
        return time.perf_counter() - _IMPORTED


class _Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwind like Ctrl-C so that temporary files and the kernel are cleaned up.

    A KeyboardInterrupt, not an Exception: raised while asyncio runs one of the kernel
    client's background tasks, an Exception would be kept as that task's result and the run
    would go on (seen once in six runs with SIGTERM 0.25 s into the analysis step); asyncio
    passes KeyboardInterrupt on at once.
    """


def _data_exists(data: str) -> bool:
    """A file, a folder (of Parquet files) or a glob that matches a file."""
    import glob

    path = Path(data)
    if path.is_file() or path.is_dir():
        return True
    return any(ch in data for ch in "*?[") and any(Path(f).is_file() for f in glob.iglob(data, recursive=True))


#: The flag of ``crm-lessons report`` that sets each keyword argument the library's messages name.
REPORT_FLAGS = {
    "data": "--data",
    "out": "--out",
    "customer_col": "--customer-col",
    "date_col": "--date-col",
    "amount_col": "--amount-col",
    "status_col": "--status-col",
    "sheet_name": "--sheet",
    "as_of": "--as-of",
    "encoding": "--encoding",
    "sep": "--sep",
    "date_format": "--date-format",
    "closed_orders": "--keep-closed-orders",
    "engine": "--engine",
    "lang": "--lang",
    "currency": "--currency",
    "horizon": "--horizon",
    "discount_rate": "--discount-rate",
    "memory_limit": "--memory-limit",
    "spark_master": "--spark-master",
}
#: The flags of ``crm-lessons assign`` and ``crm-lessons grade`` for the parameters of assign_course / grade_course.
ASSIGN_FLAGS = {"out": "--out", "notebooks": "--notebooks", "timeout": "--timeout", "variants": "--variants"}
GRADE_FLAGS = {
    "course": "--course",
    "csv_path": "--csv",
    "timeout": "--timeout",
    "jobs": "--jobs",
    "sandbox": "--no-sandbox",
}
#: Paths are always shown quoted; ``closed_orders='keep'`` is a flag without a value.
_QUOTED = frozenset({"data", "out", "csv_path", "course", "notebooks"})
#: Library functions whose name starts a message; the command line names the file (or nothing) instead.
_FUNCTIONS = ("read_transactions_with_report", "read_transactions", "read_source", "prepare_data", "render_report")

_VALUE = r"""(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s,;，；（）()]+)"""


def _hint_pattern(flags: dict[str, str]) -> tuple[str, re.Pattern[str]]:
    option = rf"\b(?:{'|'.join(flags)})={_VALUE}"
    return option, re.compile(rf"\bpass (?P<run>{option}(?:, {option})*)|(?P<one>{option})|(?P<code>\"[^\"\n]*\")")


_PREFIX = re.compile(rf"^(?:{'|'.join(_FUNCTIONS)})(?:: |：)")


def _flag(text: str, flags: dict[str, str]) -> str:
    """``amount_col='实付金额'`` -> ``--amount-col 实付金额`` (a keyword argument as the user types its flag)."""
    import ast

    name, _, raw = text.partition("=")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    if name == "closed_orders":
        return flags[name] if value == "keep" else text
    if name == "sandbox":
        return flags[name] if value is False else text
    if value is None:
        return flags[name]
    shown = str(value)
    if name in _QUOTED or not shown or any(c.isspace() for c in shown) or "'" in shown:
        shown = repr(shown)
    return f"{flags[name]} {shown}"


def command_line_message(message: str, flags: dict[str, str] | None = None) -> str:
    """A library message as the command line shows it: flags for keyword arguments, the file for the function.

    The library words its errors for Python users (``pass amount_col='实付金额'``); on the command
    line the same hint reads ``use --amount-col 实付金额``.  Double-quoted text (a command to copy)
    is left as it is.  ``flags`` maps keyword arguments to flags (default :data:`REPORT_FLAGS`).

    Examples
    --------
    >>> command_line_message("read_transactions: x.csv: no amount column; pass amount_col='实付 金额'")
    "x.csv: no amount column; use --amount-col '实付 金额'"
    >>> command_line_message("prepare_data: x.csv: as_of='someday' is not a date")
    'x.csv: --as-of someday is not a date'
    >>> command_line_message("render_report：out='a.csv' 就是数据文件")
    "--out 'a.csv' 就是数据文件"
    >>> command_line_message("timeout=0 must be a positive number of seconds", GRADE_FLAGS)
    '--timeout 0 must be a positive number of seconds'

    """

    flags = REPORT_FLAGS if flags is None else flags
    option, hint = _hint_pattern(flags)

    def replace(match: re.Match[str]) -> str:
        if match.group("code"):
            return match.group("code")
        if match.group("one"):
            return _flag(match.group("one"), flags)
        return "use " + " ".join(_flag(o, flags) for o in re.findall(option, match.group("run")))

    return hint.sub(replace, _PREFIX.sub("", message, count=1))


def command_line_error(exc: Any) -> Any:
    """``exc`` (a :class:`~crm_lessons.DataError`) with both messages as the command line shows them."""
    from crm_lessons._validation import DataError

    return DataError(command_line_message(str(exc)), zh=command_line_message(exc.zh) if exc.zh else None)


def _report(args: argparse.Namespace) -> int:
    import signal

    zh = args.lang == "zh"
    prefix = "crm-lessons report：错误：" if zh else "crm-lessons report: error: "

    def fail(message: str, code: int = 2) -> int:
        print(prefix + " ".join(message.split()), file=sys.stderr)
        return code

    # a missing file is reported before anything heavy is imported
    if args.data is not None and not _data_exists(args.data):
        return fail(
            f"找不到数据文件 --data {args.data!r}；请检查路径和当前文件夹"
            if zh
            else f"--data {args.data!r}: file not found; check the path and the working directory"
        )

    import atexit
    import gc

    from crm_lessons._validation import DataError
    from crm_lessons.runner import (
        FORMAT_CHECKER_MODULES,
        defer_numpy_f2py,
        skip_library_docstring_generation,
        skip_slow_optional_imports,
    )

    defer_numpy_f2py()  # SciPy's import reads numpy.f2py, which the report never uses
    skip_library_docstring_generation()  # nor the docstrings SciPy and matplotlib write while importing
    skip_slow_optional_imports(also=FORMAT_CHECKER_MODULES)
    # on the way out Python collects the whole heap (pandas, SciPy, matplotlib: about 2 million objects)
    # again and again while it takes the modules apart: 0.3 CPU-s after a report.  Frozen, the objects are
    # freed as their modules go, without those scans.
    atexit.register(gc.freeze)
    terminated: list[int] = []

    def on_sigterm(signum: int, frame: object) -> None:
        terminated.append(signum)
        raise _Terminated

    def progress(line: str) -> None:
        # raised inside a destructor or a callback, the interrupt is printed and dropped by Python;
        # the next step (the last one before writing the page) stops the run then
        if terminated:
            raise _Terminated
        print(line, flush=True)

    previous = signal.signal(signal.SIGTERM, on_sigterm) if hasattr(signal, "SIGTERM") else None
    try:
        from crm_lessons.report import render_report

        out = render_report(
            args.data,
            args.out,
            customer_col=args.customer_col,
            date_col=args.date_col,
            amount_col=args.amount_col,
            status_col=args.status_col,
            sheet_name=args.sheet,
            closed_orders="keep" if args.keep_closed_orders else "drop",
            as_of=args.as_of,
            lang=args.lang,
            currency=args.currency,
            horizon=args.horizon,
            discount_rate=args.discount_rate,
            progress=progress,
            engine=args.engine,
            spark_master=args.spark_master,
            memory_limit=args.memory_limit,
            date_format=args.date_format,
            encoding=args.encoding,
            sep=args.sep,
        )
    except DataError as exc:
        exc = command_line_error(exc)
        return fail(exc.zh if zh and exc.zh else str(exc))
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        return fail(str(exc))
    except (KeyboardInterrupt, _Terminated):
        # the run's abandoned kernel tasks end with DeadKernelError; asyncio would print each one's
        # traceback ("Task exception was never retrieved") when it is collected on the way out
        import logging

        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        return fail(
            "已中断，没有写入报告，临时文件已清除"
            if zh
            else "interrupted; no report written and temporary files removed",
            130,
        )
    except Exception as exc:
        if type(exc).__name__ in ("CellExecutionError", "PapermillExecutionError"):  # a bug in the template
            return fail(
                ("报告模板运行失败（" if zh else "the report template failed (")
                + f"{getattr(exc, 'ename', '')}: {str(getattr(exc, 'evalue', ''))[:300]}"
                + ("）；请连同所用命令一起报告此问题" if zh else "); please report this with the command you ran"),
                1,
            )
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print(f"完成，用时 {_elapsed():.1f} 秒：{out}" if zh else f"done in {_elapsed():.1f} s: {out}", flush=True)
    return 0


_NEEDS_NBGRADER = (
    "需要 nbgrader needs nbgrader: pip install 'crm-lessons[grading]' (or 'pip install -e .[grading]' in a source "
    "checkout)"
)


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
        print(f"crm-lessons assign：错误 error: {_NEEDS_NBGRADER}", file=sys.stderr)
        return 2
    from crm_lessons.grading.assign import GradingError

    try:
        grading.assign_course(
            args.out,
            args.chapters or None,
            notebooks=args.notebooks,
            timeout=args.timeout,
            variants=args.variants or None,
            log=lambda line: print(line, flush=True),
        )
    except (GradingError, FileNotFoundError) as exc:
        print(f"crm-lessons assign：错误 error: {command_line_message(str(exc), ASSIGN_FLAGS)}", file=sys.stderr)
        return 2
    return 0


def _grade(args: argparse.Namespace) -> int:
    grading = _grading()
    if grading is None:
        print(f"crm-lessons grade：错误 error: {_NEEDS_NBGRADER}", file=sys.stderr)
        return 2
    from crm_lessons.grading.assign import GradingError

    try:
        grading.grade_course(
            args.course,
            csv_path=args.csv,
            submissions=args.submissions,
            timeout=args.timeout,
            jobs=args.jobs,
            sandbox=not args.no_sandbox,
            log=lambda line: print(line, flush=True),
        )
    except GradingError as exc:
        print(f"crm-lessons grade：错误 error: {command_line_message(str(exc), GRADE_FLAGS)}", file=sys.stderr)
        return 2
    return 0


def _student(args: argparse.Namespace) -> int:
    from crm_lessons.course.student import write_student_folder

    try:
        written = write_student_folder(
            args.out,
            args.chapters or None,
            notebooks_dir=args.notebooks,
            with_solutions=args.with_solutions,
            log=lambda line: print(line, flush=True),
        )
    except (ValueError, FileNotFoundError) as exc:
        print(f"crm-lessons student：错误 error: {exc}", file=sys.stderr)
        return 2
    print(f"完成 done: {len(written)} 个笔记本 notebooks in {args.out}", flush=True)
    if args.lab:  # JupyterLab with the course font (Chinese drawn without a system font)
        from crm_lessons.runner.lab import main as lab

        return lab([args.out])
    return 0


# -- crm-lessons exam (issue 29 item 3) ----------------------------------------------


def _exam(args: argparse.Namespace) -> int:
    def fail(zh: str, en: str) -> int:
        print(f"crm-lessons exam：错误 {zh} error: {en}", file=sys.stderr)
        return 2

    if not args.out:
        return fail("缺少输出文件夹，请加 --out DIR", "--out DIR is required")
    numbers = {}
    for flag, name, value, lo in (("--versions", "试卷套数", args.versions, 1), ("--seed", "随机种子", args.seed, 0)):
        if value is None:
            return fail(f"缺少{name} {flag}", f"{flag} is required (e.g. --versions 2 --seed 2026)")
        try:
            numbers[flag] = int(value, 10)
        except ValueError:
            numbers[flag] = -1
        if numbers[flag] < lo or (flag == "--versions" and numbers[flag] > 26):
            zh, en = ("1 到 26 的整数", "a whole number 1-26") if lo else ("不小于 0 的整数", "a whole number >= 0")
            return fail(f"{name} {flag} {value!r} 应为{zh}", f"{flag} {value!r} must be {en}")
    from crm_lessons._validation import DataError
    from crm_lessons.course.exam import write_exams

    try:
        written = write_exams(
            args.out,
            versions=numbers["--versions"],
            seed=numbers["--seed"],
            chapters=args.chapters,
            notebooks=args.notebooks,
            log=lambda line: print(line, flush=True),
        )
    except DataError as exc:
        flags = {"chapters": "--chapters", "out": "--out", "versions": "--versions", "seed": "--seed"}
        return fail(exc.zh or "", command_line_message(str(exc).split(": ", 1)[-1], flags))
    except OSError as exc:
        return fail(f"无法写入 {args.out}", f"cannot write {args.out}: {exc.strerror or exc}")
    print(f"完成 done: {len(written)} 个文件 files in {args.out} ({', '.join(p.name for p in written)})", flush=True)
    return 0


_EXAM_HELP = """\
出几套试卷和对应的参考答案（HTML，A4 打印，离线可用）：单项选择题、名词解释、问答题（取自课程的考试复习要点、
术语表和各章的考试练习）和计算题（每套试卷有自己的数据表，答案用本软件包的函数算出，附评分标准）。
每套至少两道计算题：所选章节的计算题不够时，从最近的章节补充，并在参考答案和屏幕上注明。
同一个 --seed 总是得到完全相同的文件；不同版本的题目和数据不同。
种子要保密：任何人用同一个种子都能重新生成参考答案（所以试卷上不印种子，只有参考答案上印）。
Write N exam versions and their answer keys (print-ready A4 HTML, offline):
DIR/exam_A.html, DIR/key_A.html, ...  The same --seed gives byte-identical files.
Each paper has at least two computational questions; a chapter range with fewer borrows from the
nearest chapters and says so (in the key and on the screen).  Keep the seed secret: it regenerates
the key (the paper does not print it; the key does).

example:  crm-lessons exam --out exams --versions 2 --seed 2026
          crm-lessons exam --out exams --versions 3 --seed 7 --chapters 1-6"""


# -- crm-lessons slides (issue 29 item 4) --------------------------------------------


def _slides(args: argparse.Namespace) -> int:
    from crm_lessons.course.slides import write_slides

    try:
        written = write_slides(
            args.out, args.chapters or None, notebooks_dir=args.notebooks, log=lambda line: print(line, flush=True)
        )
    except (ValueError, FileNotFoundError) as exc:
        print(f"crm-lessons slides：错误 error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    print(f"完成 done: {len(written)} 章幻灯片 chapters of slides in {args.out}", flush=True)
    return 0


_SLIDES_HELP = """\
把各章写成讲课用的幻灯片（reveal.js，离线打开，字体内嵌）：章节的开场、学习目标、
每节的要点、定义、图、管理启示和小结；按 S 打开演讲者备注。只取学生版，不含练习答案。
Write each chapter (or those named) as lecture slides, DIR/NN_topic.slides.html
(reveal.js; opens offline from the file system, font embedded): the opening, learning
goals, each section's idea, the definitions, the figures, 管理启示 and 小结, with the
narrative as speaker notes (press S).  Built from the student version: no answers.

example:  crm-lessons slides --out slides
          crm-lessons slides --out slides 2 4"""


_STUDENT_HELP = """\
把各章的学生版写入一个自己的工作文件夹（练习答案、隐藏测试和参考答案已移除），
在那里用 JupyterLab 打开并完成练习；notebooks/ 里是教师版，不要在那里作答。
已有的笔记本不会被覆盖。不需要 nbgrader。
Write the student version of every chapter (or those named) into a working folder of
your own (solutions, hidden tests and model answers removed); open it in JupyterLab.
notebooks/ holds the instructor edition.  Notebooks already in the folder are never
overwritten.  Needs no nbgrader.

示例 example:  crm-lessons student --out student
          crm-lessons student --out student 2 4
          crm-lessons student --out student --lab              (写好后打开 JupyterLab then open JupyterLab)
          crm-lessons student --out student --with-solutions   (自学 self-study: solutions/ 子文件夹)"""

_ASSIGN_HELP = """\
（教师）由各章笔记本写出 nbgrader 课程文件夹：nbgrader_config.py、source/chNN/（含答案和
隐藏测试的教师版），并通过 nbgrader generate_assignment 写出 release/chNN/（发给学生的版本）。
重新运行即更新所写的章节。需要 nbgrader（pip install 'crm-lessons[grading]'）。
(instructors) Write an nbgrader course folder from the chapter notebooks: nbgrader_config.py,
source/chNN/ (the notebooks with their solutions and hidden tests) and, through
'nbgrader generate_assignment', release/chNN/ (the student versions to hand out).
Re-running it refreshes the chapters it writes.  Needs nbgrader (pip install 'crm-lessons[grading]').

示例 example:  crm-lessons assign --out course 2 4
               crm-lessons assign --out course --variants 2   (每位学生一份数据 per-student data)"""

_GRADE_HELP = """\
（教师）用 nbgrader 自动评分每份提交并写出成绩表：每名学生、每章、每道题一行（student, chapter,
exercise, points, max_points, status, reason, sandboxed），UTF-8 带 BOM；每位学生的总分写在旁边的
<name>_totals.csv。SUBMISSIONS 是教学平台（LMS）的导出，结构为 SUBMISSIONS/学号/*.ipynb（子文件夹名即学号，
每个笔记本按内容归入章节）；不给时评分课程的 submitted/学号/chNN/。每份提交在 bubblewrap 沙箱中运行。
给学生的反馈（HTML，不含隐藏测试和正确答案）写到 COURSE/feedback/学号/chNN/。
Autograde every submission with nbgrader and write the gradebook: one row per
student, chapter and exercise (student, chapter, exercise, points, max_points,
status), UTF-8 with BOM, and the totals per student in <name>_totals.csv beside it.
SUBMISSIONS is an LMS export laid out as SUBMISSIONS/STUDENT/*.ipynb (the student
id is the sub-folder name; each notebook is matched to its chapter by its content);
without it the course's submitted/STUDENT/chNN/ folders are graded.
Each submission runs in a bubblewrap sandbox.  Feedback for students (HTML, without
the hidden tests or the answers) goes to COURSE/feedback/STUDENT/chNN/.

示例 example:  crm-lessons grade --course course --csv grades.csv lms_export/"""

_REPORT_HELP = """\
由交易文件写出 CRM 分析报告（HTML，离线可打开）：数据质量、关键指标、ABC 分类与客户金字塔、
RFM 细分与行动建议、生命周期阶段、客户终身价值和流失风险。文件每行一次购买，含客户、日期和金额；
列名可由中英文表头（客户编号、交易日期、实付金额、customer_id、date、amount 等）和淘宝/天猫、京东、
拼多多、抖店、有赞、微信小店及 ERP 的订单导出自动识别，也可用下列选项指定。订单状态为关闭、退款、
取消或未付款的订单默认剔除（并计数），除非给出 --keep-closed-orders。不给 --data 时使用内置的
CDNOW 数据（截至 1998-06-30）。大数据：Parquet（文件、文件夹或 'sales/*.parquet' 这样的通配）和
内存放不下的文本文件在安装了 DuckDB 时以外存方式读取（pip install "crm-lessons[duckdb]"）；
--engine spark 在 Apache Spark 上计算同样的表（本机，或用 --spark-master 指定集群）。
输入有误时以退出码 2 结束并给出说明；数据文件不会被改动。
Write a CRM report (HTML, opens offline) from a transaction file: data quality,
key figures, ABC classes and customer pyramid, RFM segments with actions,
lifecycle stages, customer lifetime value and churn risk.
The file needs one row per purchase with a customer, a date and an amount;
the columns are recognised from Chinese or English headers (客户编号, 交易日期,
实付金额, customer_id, date, amount, ...) and from the order exports of Taobao/
Tmall, JD, Pinduoduo, Douyin shop, Youzan, WeChat shop and ERP systems, or named
with the options below. Orders whose status says closed, refunded, cancelled or
unpaid are left out (and counted) unless --keep-closed-orders is given.
Without --data the report uses the bundled CDNOW data (as of 1998-06-30).
Large data: Parquet files (a file, a folder or a glob such as 'sales/*.parquet')
and text files too large for memory are read with DuckDB, out of core, when it
is installed (pip install "crm-lessons[duckdb]"); --engine spark runs the same
tables on Apache Spark (local, or a cluster with --spark-master).
Bad input stops with exit code 2 and a message; the data file is never changed.

示例 example:  crm-lessons report --data sales.csv --lang en --out report.html
          crm-lessons report --data 'lake/sales/*.parquet' --engine duckdb"""


def _add_chapter_arguments(parser: argparse.ArgumentParser) -> None:
    """The chapters a command works on (positional, default every chapter) and the folder they are read from."""
    parser.add_argument(
        "chapters", nargs="*", metavar="CHAPTER", help="章号，如 2 或 02 chapter numbers (default: every chapter)"
    )
    parser.add_argument(
        "--notebooks", metavar="DIR", help="教师版笔记本的文件夹 folder of the chapter notebooks (default: notebooks/)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="crm-lessons",
        description="crm-lessons：客户关系管理课程与分析报告。CRM analytics course and reports.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p_course = sub.add_parser(
        "course",
        help="运行各章笔记本并写出 HTML 课程网站 run every chapter notebook and write the HTML course",
        description="运行各章笔记本并写出 HTML 课程网站（离线可打开，含学生版下载）。"
        "Run every chapter notebook and write the HTML course (opens offline; student notebooks to download).",
    )
    p_course.add_argument("--out", default="build/course", help="输出文件夹 output folder (default: build/course)")
    p_course.set_defaults(func=_course)
    p_report = sub.add_parser(
        "report",
        help="由你的交易文件写出 HTML 分析报告 write an HTML CRM report on your own transaction file",
        description=_REPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p_report.add_argument(
        "--data",
        metavar="FILE",
        help="交易文件：CSV、文本、Excel 或 Parquet（或 Parquet 文件夹、通配），每行一次购买 "
        "CSV, text, Excel or Parquet file (or a folder or glob of Parquet files) with one "
        "row per purchase (default: bundled CDNOW data)",
    )
    p_report.add_argument(
        "--customer-col", metavar="C", help="客户列名 name of the customer column (default: recognised)"
    )
    p_report.add_argument("--date-col", metavar="D", help="日期列名 name of the date column (default: recognised)")
    p_report.add_argument("--amount-col", metavar="A", help="金额列名 name of the amount column (default: recognised)")
    p_report.add_argument(
        "--status-col",
        metavar="S",
        help="订单状态列名（可选）name of the order-status column (default: recognised, e.g. 订单状态; optional)",
    )
    p_report.add_argument(
        "--keep-closed-orders",
        action="store_true",
        help="保留关闭、退款、取消、未付款的订单 count orders whose status is closed, refunded, cancelled or unpaid "
        "(交易关闭, 已退款, 已取消, ...); by default they are left out and counted",
    )
    p_report.add_argument(
        "--date-format",
        metavar="FMT",
        help="日期格式 how the dates are written, as a strftime format, e.g. %%d/%%m/%%Y or '%%m/%%d/%%Y %%H:%%M' "
        "(default: recognised; day-first and month-first dates are never guessed)",
    )
    p_report.add_argument(
        "--encoding",
        metavar="ENC",
        help="文本编码 text encoding of a CSV file, e.g. big5 or latin-1 (default: UTF-8 or GBK/GB18030, recognised)",
    )
    p_report.add_argument(
        "--sep",
        metavar="CHAR",
        help="分隔符 field delimiter of a text file, e.g. ';' (default: recognised from the header)",
    )
    p_report.add_argument(
        "--sheet",
        metavar="NAME",
        help="工作表（Excel）worksheet of an Excel file (default: the one visible sheet that holds data)",
    )
    p_report.add_argument(
        "--as-of",
        metavar="DATE",
        help="分析截止日 end of the period analysed, YYYY-MM-DD (default: last date in the data)",
    )
    p_report.add_argument(
        "--lang",
        choices=["zh", "en"],
        default="zh",
        help="报告和提示的语言 language of the report and messages: zh = 中文 Chinese (default), en = English",
    )
    p_report.add_argument(
        "--currency", metavar="CODE", help="货币 currency of the amounts, e.g. CNY (default) or USD (default for CDNOW)"
    )
    p_report.add_argument(
        "--horizon",
        type=int,
        default=12,
        metavar="MONTHS",
        help="客户终身价值计入的未来月数 months of future purchases counted in customer lifetime value (default: 12)",
    )
    p_report.add_argument(
        "--discount-rate",
        type=float,
        default=0.01,
        metavar="RATE",
        help="月折现率 monthly discount rate for lifetime value (default: 0.01 = 1%% a month)",
    )
    p_report.add_argument(
        "--out",
        default="report.html",
        metavar="FILE",
        help="要写出的 HTML 文件（不能是数据文件）HTML file to write (default: report.html); never the data file",
    )
    p_report.add_argument(
        "--engine",
        choices=["auto", "pandas", "duckdb", "spark"],
        default="auto",
        help="计算引擎 where the per-customer tables are computed: pandas (in memory), duckdb (out of "
        "core, needs the duckdb extra), spark (needs the spark extra and Java 17); default "
        "auto = duckdb for Parquet or a file too large for memory, else pandas",
    )
    p_report.add_argument(
        "--spark-master",
        metavar="URL",
        help="集群地址（Spark）Spark master for --engine spark, e.g. spark://host:7077 or yarn (default: local[*])",
    )
    p_report.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="内存上限（DuckDB）memory DuckDB may use before spilling to disk, e.g. 4GB (default: 1GB)",
    )
    p_report.set_defaults(func=_report)
    p_student = sub.add_parser(
        "student",
        help="学生：把各章学生版写入工作文件夹 write the chapters' student versions into a working folder",
        description=_STUDENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p_student.add_argument("--out", required=True, metavar="DIR", help="工作文件夹 the working folder to write")
    _add_chapter_arguments(p_student)
    p_student.add_argument(
        "--with-solutions",
        action="store_true",
        help="自学用：另写一份带参考答案的副本到 DIR/solutions/ (self-study: also a copy with the solutions)",
    )
    p_student.add_argument(
        "--lab",
        action="store_true",
        help="写好后在该文件夹打开 JupyterLab（带课程字体）then open JupyterLab there, with the course font",
    )
    p_student.set_defaults(func=_student)
    p_slides = sub.add_parser(
        "slides",
        help="讲课幻灯片 write each chapter's lecture slides (reveal.js, offline)",
        description=_SLIDES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p_slides.add_argument(
        "--out", required=True, metavar="DIR", help="幻灯片的文件夹 the folder to write the slides to"
    )
    _add_chapter_arguments(p_slides)
    p_slides.set_defaults(func=_slides)
    p_assign = sub.add_parser(
        "assign",
        help="（教师）写出 nbgrader 课程文件夹和学生版 (instructors) write an nbgrader course folder and the student versions",
        description=_ASSIGN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p_assign.add_argument(
        "--out", required=True, metavar="COURSE", help="要写出或更新的课程文件夹 the course folder to write or refresh"
    )
    _add_chapter_arguments(p_assign)
    p_assign.add_argument(
        "--timeout",
        type=int,
        default=60,
        metavar="SECONDS",
        help="写入 nbgrader_config.py 的单元格限时（秒）per-cell timeout written into nbgrader_config.py (default: 60)",
    )
    p_assign.add_argument(
        "--variants",
        nargs="+",
        default=[],
        metavar="CHAPTER",
        help="每位学生一份练习数据的章节 chapters whose exercises use each student's own data "
        "(STUDENT_ID; grade uses the roster id); they are written too",
    )
    p_assign.set_defaults(func=_assign)
    p_grade = sub.add_parser(
        "grade",
        help="（教师）用 nbgrader 自动评分并写出成绩表 CSV (instructors) autograde submissions, write a gradebook CSV",
        description=_GRADE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p_grade.add_argument(
        "--course",
        required=True,
        metavar="COURSE",
        help="由 assign 写出的课程文件夹 the course folder written by assign",
    )
    p_grade.add_argument(
        "--csv",
        required=True,
        metavar="FILE",
        help="要写出的成绩表 CSV the gradebook CSV to write; 旁边另写题目分析 NAME_items.csv 与 NAME_report.html "
        "(难度、区分度、Cronbach α) beside it the item analysis NAME_items.csv and NAME_report.html (NAME: FILE without .csv)",
    )
    p_grade.add_argument(
        "--timeout",
        type=int,
        default=60,
        metavar="SECONDS",
        help="每个单元格的限时（秒）seconds one cell may run before it is interrupted (default: 60)",
    )
    p_grade.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="同时评分的提交数（不超过 CPU 核数）submissions graded at the same time (default: 1; at most the CPU cores)",
    )
    p_grade.add_argument(
        "--no-sandbox",
        action="store_true",
        help="不用 bubblewrap 沙箱、以你的用户身份运行提交（仅在无法建立沙箱时；CSV 中记为 sandboxed=no）"
        "run submissions without the bubblewrap sandbox, as your own user (only where none can be made; "
        "the CSV marks these rows sandboxed=no)",
    )
    p_grade.add_argument(
        "submissions",
        nargs="?",
        metavar="SUBMISSIONS",
        help="先收集的 LMS 导出文件夹 SUBMISSIONS/学号/*.ipynb an LMS export folder SUBMISSIONS/STUDENT/*.ipynb to collect first",
    )
    p_grade.set_defaults(func=_grade)
    p_exam = sub.add_parser(
        "exam",
        help="(教师 instructors) 出试卷和参考答案 write exam papers and answer keys",
        description=_EXAM_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p_exam.add_argument("--out", metavar="DIR", help="输出文件夹 folder for exam_A.html, key_A.html, ...")
    p_exam.add_argument("--versions", metavar="N", help="试卷套数 number of versions (1-26)")
    p_exam.add_argument("--seed", metavar="S", help="随机种子 seed (a whole number; same seed, same papers)")
    p_exam.add_argument("--chapters", metavar="1-10", help="考查章节 chapters, e.g. 1-10 or 2,4,6-8 (default: all)")
    p_exam.add_argument("--notebooks", metavar="DIR", help="教师版笔记本的文件夹 folder of the chapter notebooks")
    p_exam.set_defaults(func=_exam)
    p_refresh = sub.add_parser(
        "refresh-notebooks",
        help="（维护者）重新执行各章笔记本并保存输出 (maintainers) re-execute chapter notebooks, store outputs",
    )
    p_refresh.add_argument("notebooks", nargs="*", help="要刷新的笔记本 notebooks to refresh (default: every chapter)")
    p_refresh.set_defaults(func=_refresh)
    for each in [parser, *sub.choices.values()]:  # argparse's own -h line, Chinese first like the rest
        for action in each._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = "显示帮助并退出 show this help message and exit"
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``crm-lessons`` command."""
    from crm_lessons.runner import skip_slow_optional_imports

    skip_slow_optional_imports()
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
