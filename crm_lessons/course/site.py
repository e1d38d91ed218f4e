"""The Sphinx side of the course website: source pages, configuration, build, font.

:func:`crm_lessons.course.build_course` calls these in order:
:func:`prepare_source_dir`, then (after executing the chapters into that
folder) :func:`write_pages` and :func:`run_sphinx`.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crm_lessons._fileio import atomic_write_bytes

__all__ = ["COURSE_CHAPTERS", "api_modules", "link_slides", "prepare_source_dir", "run_sphinx", "write_pages"]

#: The ten chapters of the course (number, notebook stem, title).
COURSE_CHAPTERS: tuple[tuple[int, str, str], ...] = (
    (1, "01_crm_relationship_marketing", "客户关系管理概述与关系营销 · CRM and relationship marketing"),
    (2, "02_customer_identification", "客户识别与分类 · Customer identification and classification"),
    (3, "03_customer_data", "客户数据管理 · Customer data management"),
    (4, "04_satisfaction", "客户满意 · Customer satisfaction"),
    (5, "05_loyalty", "客户忠诚 · Customer loyalty"),
    (6, "06_lifecycle_clv", "客户生命周期与客户终身价值 · Customer lifecycle and CLV"),
    (7, "07_churn", "客户流失预警与挽回 · Churn warning and win-back"),
    (8, "08_interaction_service", "客户互动与服务 · Customer interaction and service"),
    (9, "09_personalisation", "个性化营销与数据挖掘 · Personalised marketing and data mining"),
    (10, "10_capstone", "综合案例 · Capstone case"),
)

_GENERATED_STATIC = "_generated_static"


def prepare_source_dir(src_dir: Path) -> None:
    """Empty (or create) the Sphinx source folder of one build."""
    src_dir = Path(src_dir)
    if src_dir.exists():
        if not (src_dir / "site.json").exists() and any(src_dir.iterdir()):
            raise FileExistsError(
                f"{src_dir} exists and is not a course source folder written by this build; "
                "choose another --out or remove it"
            )
        shutil.rmtree(src_dir)
    (src_dir / "_extra").mkdir(parents=True)
    (src_dir / _GENERATED_STATIC).mkdir()
    (src_dir / "site.json").write_text("{}", encoding="utf-8")


def _write(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _copy_mathjax(dest: Path) -> None:
    """Copy the parts of MathJax 3 the pages use (TeX input, CHTML output, its fonts) from
    the sphinx-mathjax-offline package, so that no page loads MathJax from a CDN."""
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the course site needs MathJax from the 'sphinx-mathjax-offline' package: pip install \"crm-lessons[site]\""
        )
    mathjax = Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax"
    for rel in ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions"):
        source = mathjax / rel
        target = dest / "mathjax" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)


def _glossary_entries() -> list[Any]:
    from crm_lessons import glossary

    return list(glossary.entries())


def _glossary_page(entries: Sequence[Any], chapters: dict[int, str]) -> str:
    lines = [
        "# 术语表 · Glossary",
        "",
        "课程中每个术语的定义，附英文术语和讲授它的章节。"
        "Every term of the course with its English name and the chapter that teaches it.",
        "",
    ]
    by_chapter: dict[int, list[Any]] = {}
    for e in entries:
        by_chapter.setdefault(int(e.chapter), []).append(e)
    for number in sorted(by_chapter):
        stem = chapters.get(number)
        title = next((t for n, _, t in COURSE_CHAPTERS if n == number), f"第{number}章")
        lines += [f"## 第{number}章 {title}", ""]
        for e in sorted(by_chapter[number], key=lambda e: e.term):
            where = (
                f"[第{number}章 §{e.section.split(' ', 1)[0]}]({stem}.ipynb)"
                if stem
                else f"第{number}章（编写中 planned）"
            )
            aliases = f"（又称 {'、'.join(e.aliases)}）" if getattr(e, "aliases", None) else ""
            lines += [f"### {e.term} ({e.english})", "", f"{e.definition}{aliases}", "", f"见 See: {where}", ""]
    return "\n".join(lines)


def _index_page(
    present: list[str],
    planned: list[tuple[int, str]],
    report: bool,
    api: bool = True,
    slides: frozenset[str] = frozenset(),
) -> str:
    chapters = "\n".join(present)
    planned_md = (
        "**尚未完成的章节 Chapters not yet written**\n\n"
        + "\n".join(f"- 第{n}章 {t}（编写中 being written）" for n, t in planned)
        + "\n"
        if planned
        else ""
    )
    titles = {stem: f"第{n}章 {t}" for n, stem, t in COURSE_CHAPTERS}
    downloads = "\n".join(
        f'<li><a class="reference external" href="student/{stem}.ipynb" download>'
        f"{html.escape(titles.get(stem, stem))}</a> <code>{html.escape(stem)}.ipynb</code>"
        + (
            f' · <a class="reference external slides-link" href="slides/{stem}.slides.html">幻灯片 slides</a>'
            if stem in slides
            else ""
        )
        + "</li>"
        for stem in present
    )
    report_md = (
        "- [示例分析报告 Sample CRM report](sample_report.md)：`crm-lessons report` 在 CDNOW 数据上生成的报告。\n"
        if report
        else ""
    )
    return f"""# 客户关系管理 · Customer Relationship Management

这是《客户关系管理》课程的在线教材：每一章都是一个在真实数据上运行的 Jupyter 笔记本，
从一个管理者面临的决策出发，讲清课程的概念（中文讲解，术语附英文），再用数据把它算出来。
本网站展示的是学生版（练习的答案已移除），由 `make course` 在随附数据上运行生成。

This is the online textbook of a university course on Customer Relationship Management.
Each chapter is a Jupyter notebook that starts from a manager's decision, teaches the
course's concepts in Chinese with the English terms beside them, and computes them on real
data. The pages show the student version (exercise answers removed), executed by `make course`.

**怎样使用 How to use it**：按章节顺序阅读；在自己的电脑上运行学生版笔记本并完成练习：
在课程代码的文件夹里运行 `make student`（把各章学生版写入 `student/` 文件夹并在那里打开 JupyterLab；
或 `crm-lessons student --out student`），或者直接下载下面各章的学生版笔记本。
考前用[术语表](glossary.md)和各章的“考试练习”复习。
仓库中的 `notebooks/` 是教师版（含参考答案和隐藏测试），请不要在那里作答。

Read chapter by chapter; run the student notebooks and do the exercises: `make student` in the
course's folder writes every chapter's student version to `student/` and opens JupyterLab there
(or `crm-lessons student --out student`), or download a chapter's student notebook below.
Revise with the [glossary](glossary.md) and each chapter's exam practice.
The repository's `notebooks/` folder is the instructor edition (solutions and hidden tests): do not work there.

- [课程地图与教学大纲 Course map and syllabus](course.md)
- [术语表 Glossary](glossary.md)
{"- [函数参考 API reference](api.rst)：课程代码库 `crm_lessons` 的每个函数。" + chr(10) if api else ""}{report_md}
**下载学生版笔记本 Student notebooks to download**（未运行，无答案 not executed, no answers）

<ul class="student-downloads">
{downloads}
</ul>

{planned_md}
```{{toctree}}
:caption: 章节 Chapters
:maxdepth: 1

{chapters}
```

```{{toctree}}
:caption: 参考 Reference
:maxdepth: 1

course
glossary
{"api" if api else ""}
{"sample_report" if report else ""}
```
"""


#: Machinery packages: they run the course, students do not call them, so the API reference leaves them out.
_NOT_IN_API = frozenset({"cli", "course", "engines", "fonts", "grading", "report", "runner"})


def api_modules() -> list[str]:
    """The modules of the API reference: every public module a chapter can import, with the public
    submodules of a package (``crm_lessons.plotting.rfm``), found without importing them.

    Examples
    --------
    >>> mods = api_modules()
    >>> "crm_lessons.rfm" in mods and "crm_lessons.plotting.rfm" in mods and "crm_lessons.report" not in mods
    True
    """
    import pkgutil

    import crm_lessons

    found = []
    for info in sorted(pkgutil.iter_modules(crm_lessons.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name in _NOT_IN_API:
            continue
        name = f"crm_lessons.{info.name}"
        found.append(name)
        if info.ispkg:
            folder = Path(crm_lessons.__path__[0]) / info.name
            found += [
                f"{name}.{sub.name}" for sub in pkgutil.iter_modules([str(folder)]) if not sub.name.startswith("_")
            ]
    return found


def _api_pages(modules: Sequence[str]) -> dict[str, str]:
    """The reference's index (a summary table of the modules) and one page per module (autodoc), as reST."""
    title = "函数参考 · API reference"
    index = [
        title,
        "=" * 40,
        "",
        "课程用到的每个模块、函数和类，说明取自代码中的文档字符串（numpydoc 格式）：参数、返回值（列名）、"
        "可能的错误、公式和可运行的例子。章节中第一次用到某个函数的地方链接到这里。",
        "",
        "Every module, function and class the chapters use, documented from the docstrings: parameters, "
        "returns (the columns), errors, formulas and runnable examples. Where a chapter first uses a "
        "function, its name links here.",
        "",
        ".. autosummary::",
        "",
        *(f"   {m}" for m in modules),
        "",
        ".. toctree::",
        "   :hidden:",
        "",
        *(f"   api/{m}" for m in modules),
        "",
    ]
    pages = {"api.rst": "\n".join(index)}
    for m in modules:
        pages[f"api/{m}.rst"] = "\n".join(
            [m, "=" * len(m), "", f".. automodule:: {m}", "   :members:", "   :member-order: bysource", ""]
        )
    return pages


def _report_page() -> str:
    return """# 示例分析报告 · Sample CRM report

`crm-lessons report` 把一份交易明细（每行一笔购买：客户、日期、金额）变成一份管理者能读的 HTML 报告：
数据质量、关键指标、ABC 分类与客户金字塔、RFM 细分与行动建议、生命周期阶段、客户终身价值与流失风险。
下面的报告是在随附的 CDNOW 数据上生成的。

`crm-lessons report` turns a transaction file into an HTML report a manager can read. The report below
was made from the bundled CDNOW data.

<p><a class="reference external" href="report.html">打开报告 Open the report (report.html)</a></p>

报告页顶部的链接（返回课程 Back to the course · 关于本报告 About this report）回到这里。
The links at the top of the report lead back here.

在自己的数据上运行 Run it on your own data:

```bash
crm-lessons report --data 我的订单.csv --out 报告.html
```
"""


def _course_map_page(notebooks_dir: Path) -> str:
    course = notebooks_dir / "COURSE.md"
    if course.is_file():
        return course.read_text(encoding="utf-8")
    rows = "\n".join(f"| {n} | {t} |" for n, _, t in COURSE_CHAPTERS)
    return f"# 课程地图 · Course map\n\n| 章 | 题目 Title |\n|---|---|\n{rows}\n"


_SECTION_REF = re.compile(r"第\s*(\d{1,2})\s*章\s*§\s*(\d{1,2}|[\u4e00-\u9fff]+)")


def _link_section_refs(markdown: str, chapters: dict[int, str]) -> str:
    """Turn the course map's ``第N章 §K`` references into links to the chapter pages of the site.

    Examples
    --------
    >>> _link_section_refs("见 第2章 §3 与 第9章 §1", {2: "02_customer_identification"})
    '见 [第2章 §3](02_customer_identification.ipynb) 与 第9章 §1'
    """

    def link(m: re.Match) -> str:
        stem = chapters.get(int(m.group(1)))
        return f"[{m.group(0)}]({stem}.ipynb)" if stem else m.group(0)

    return _SECTION_REF.sub(link, markdown)


def write_pages(
    src_dir: Path,
    results: Sequence[Any],
    *,
    notebooks_dir: str | os.PathLike | None = None,
    report: bool = True,
    api: bool = True,
) -> None:
    """Write the non-chapter pages, the search dictionary and the configuration of one build."""
    from crm_lessons.runner import project_root

    src_dir = Path(src_dir)
    nb_dir = Path(notebooks_dir) if notebooks_dir is not None else project_root() / "notebooks"
    present = [r.source.stem for r in results]
    numbers = {int(s[:2]): s for s in present}
    planned = [(n, t) for n, stem, t in COURSE_CHAPTERS if n not in numbers]
    entries = _glossary_entries()
    slides = frozenset(s for s in present if (src_dir / "_extra" / "slides" / f"{s}.slides.html").is_file())
    _write(src_dir / "index.md", _index_page(present, planned, report, api, slides))
    _write(src_dir / "course.md", _link_section_refs(_course_map_page(nb_dir), numbers))
    _write(src_dir / "glossary.md", _glossary_page(entries, numbers))
    if report:
        _write(src_dir / "sample_report.md", _report_page())
    if api:
        for name, text in _api_pages(api_modules()).items():
            _write(src_dir / name, text)
    words = {e.term for e in entries} | {a for e in entries for a in (getattr(e, "aliases", None) or [])}
    _write(src_dir / "jieba_dict.txt", "".join(f"{w} 100000 n\n" for w in sorted(words) if " " not in w))
    _copy_mathjax(src_dir / _GENERATED_STATIC)
    _write(
        src_dir / "conf.py",
        "from crm_lessons.course.sphinx_conf import *  # noqa: F401,F403\n"
        "from crm_lessons.course.sphinx_conf import setup  # noqa: F401\n",
    )
    _write(src_dir / "site.json", json.dumps({"chapters": present}, ensure_ascii=False))


_TAG = re.compile(r"<[^>]+>")


def run_sphinx(src_dir: Path, out_dir: Path) -> None:
    """Run Sphinx (in a child process, so its global registries stay out of this one) and
    write the site's Chinese font, cut down to the characters the pages use."""
    from crm_lessons.runner import subset_font

    src_dir, out_dir = Path(src_dir).resolve(), Path(out_dir).resolve()  # Sphinx runs in src_dir
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    start = (
        "import sys; from crm_lessons.runner import skip_slow_optional_imports; "
        "skip_slow_optional_imports(); from sphinx.cmd.build import main; sys.exit(main(sys.argv[1:]))"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            start,
            "-b",
            "html",
            "-q",
            "-E",
            "-d",
            str(src_dir / "_doctrees"),
            str(src_dir),
            str(out_dir),
        ],
        cwd=src_dir,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the course site did not build (sphinx exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    (out_dir / ".buildinfo").unlink(missing_ok=True)  # every build starts afresh (-E)
    text: list[str] = []
    for page in out_dir.rglob("*.html"):
        if page.parent.name in ("_extra", "slides") or page.name == "report.html":  # pages with their own font
            continue
        text.append(html.unescape(_TAG.sub(" ", page.read_text(encoding="utf-8"))))
    for js in ("searchindex.js",):
        if (out_dir / js).is_file():
            raw = (out_dir / js).read_text(encoding="utf-8")
            text.append(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), raw))
    chars = {c for c in "".join(text) if ord(c) > 0x2000}
    chars |= set("".join(chr(c) for c in range(0x20, 0x7F)))
    atomic_write_bytes(out_dir / "_static" / "crm-cjk.woff", subset_font("".join(sorted(chars)), flavor="woff"))


#: The link a chapter page shows to its lecture slides (``crm-lessons slides``), under the title.
_SLIDES_LINK = (
    '<p class="crm-slides-link"><a class="reference external" href="{href}">'
    "本章幻灯片 Lecture slides</a>（离线打开；→ 翻页，S 演讲者备注 opens offline; → next slide, S speaker notes）</p>"
)


def link_slides(body: str, href: str) -> str:
    """A chapter page's body with the link to its slides put under its first heading.

    Examples
    --------
    >>> page = link_slides("<section><h1>第2章</h1><p>…</p>", "slides/02_x.slides.html")
    >>> page.index('href="slides/02_x.slides.html"') > page.index("</h1>")
    True
    """
    link = _SLIDES_LINK.format(href=html.escape(href))
    head = re.search(r"</h1>", body)
    if head is None:
        return link + body
    return body[: head.end()] + link + body[head.end() :]
