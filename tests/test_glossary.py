"""The glossary: loader, lookup, callout parsing, and its agreement with the notebooks and the course map."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm_lessons import glossary
from crm_lessons._validation import DataError
from crm_lessons.course import chapter_notebooks
from crm_lessons.course.coursemap import chapter_plan, notebook_headings

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {int(p.name[:2]): p for p in chapter_notebooks(ROOT / "notebooks")}
PLAN = {c.number: c for c in chapter_plan(ROOT / "notebooks" / "COURSE.md")}

#: The exam review sheet's 名词解释 (course-materials/004_*.txt) and the chapter that owns each
#: (the lead's assignment in HELPERS.md).
EXAM_TERMS = {
    "关系营销": 1,
    "顾客份额": 1,
    "客户识别": 2,
    "客户差异": 2,
    "客户价值": 2,
    "客户知识": 3,
    "客户智能": 3,
    "客户满意": 4,
    "客户忠诚": 5,
    "客户生命周期": 6,
    "定制营销": 9,
}


def _write(folder: Path, name: str, data) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _e(term="甲", **kw):
    return {
        "term": term,
        "english": kw.pop("english", "alpha " + term),
        "definition": "一个定义。",
        "chapter": 1,
        "section": "1 · 一 One",
        **kw,
    }


# ------------------------------------------------------------------ loader


def test_loader_reads_files_in_chapter_order(tmp_path):
    _write(tmp_path, "ch02.json", [_e("乙", chapter=2)])
    _write(tmp_path, "ch01.json", [_e("甲", aliases=["A"])])
    _write(tmp_path, "notes.json", "not a glossary file")
    got = glossary.entries(directory=tmp_path)
    assert [(e.term, e.chapter, e.aliases) for e in got] == [("甲", 1, ("A",)), ("乙", 2, ())]


@pytest.mark.parametrize(
    "content, match",
    [
        ("[{", r"ch01\.json: not valid JSON"),
        ({"term": "甲"}, r"ch01\.json: expected a JSON list"),
        ([{"term": "甲", "english": "a"}], r"lacks \['definition', 'chapter', 'section'\]"),
        ([_e(chapter=3)], r"says chapter 3, but the file belongs to chapter 1; move it to ch03\.json"),
        ([_e(aliases="A")], r"aliases must be a list"),
        ([_e(section="## 1 · 一 One")], r"without '## '"),
        ([_e(colour="red")], r"unknown keys \['colour'\]"),
        ([_e("甲"), _e("乙", aliases=["甲"])], r"'甲' of entry '乙' already names entry '甲' \(chapter 1\)"),
        ([_e("甲", english="share"), _e("乙", english="Share")], r"'Share' of entry '乙' already names entry '甲'"),
    ],
)
def test_loader_rejects_bad_files(tmp_path, content, match):
    _write(tmp_path, "ch01.json", content)
    with pytest.raises(DataError, match=match):
        glossary.entries(directory=tmp_path)


# ------------------------------------------------------------------ lookup and display


def test_lookup_by_term_alias_and_english_ignoring_width_and_case():
    entry = glossary.lookup("顾客份额")
    assert entry.english == "share of wallet" and entry.chapter == 1
    for name in ("客户份额", "钱包份额", "sow", "ＳＯＷ", "  Share of  Wallet "):
        assert glossary.lookup(name) is entry


def test_unknown_term_names_close_matches():
    with pytest.raises(DataError, match=r"no entry for '顾客分额'; did you mean '顾客份额'"):
        glossary.lookup("顾客分额")
    with pytest.raises(DataError, match=r"no entry for 'zzzz'; see crm_lessons\.glossary\.terms\(\)"):
        glossary.lookup("zzzz")


def test_str_shows_term_english_definition_and_chapter():
    entry = glossary.lookup("关系营销")
    text = str(entry)
    for part in ("关系营销", "relationship marketing", entry.definition, "第1章", entry.section):
        assert part in text
    assert entry.definition in entry._repr_markdown_()


def test_terms_table():
    table = glossary.terms()
    assert list(table.columns) == ["term", "english", "aliases", "definition", "chapter", "section"]
    assert table["term"].is_unique and len(table) == len(glossary.entries())
    assert table["chapter"].is_monotonic_increasing
    assert set(glossary.terms(chapter=1)["chapter"]) == {1}


# ------------------------------------------------------------------ callouts


@pytest.mark.parametrize(
    "line, expected",
    [
        ("> **定义 Definition · 顾客份额 (share of wallet)**：一家企业……", [("顾客份额", "share of wallet")]),
        (">**定义 Definition·顾客份额（share of wallet）**: x", [("顾客份额", "share of wallet")]),
        (
            "> **定义 Definition - 客户终身价值 (customer lifetime value, CLV)**：x",
            [("客户终身价值", "customer lifetime value, CLV")],
        ),
        ("> **定义 Definition: P(alive)**：x", [("P(alive)", None)]),
        (
            "> **定义 Definition · P(alive) (probability of being alive)**：x",
            [("P(alive)", "probability of being alive")],
        ),
        ("> **定义 Definition** 帕累托法则 (Pareto principle)：older form, not a glossary callout", []),
        ("正文提到 **定义 Definition · 甲 (a)** 但不在引用块中", []),
        ("> a\n>\n> **定义 Definition · 甲 (a)**：x\n> **定义 Definition · 乙**：y", [("甲", "a"), ("乙", None)]),
    ],
)
def test_callouts_are_parsed(line, expected):
    assert glossary.callouts(line) == expected


def test_malformed_callout_is_an_error():
    with pytest.raises(DataError, match=r"not in the house form: '> \*\*定义 Definition · 顾客份额：x'"):
        glossary.callouts("> **定义 Definition · 顾客份额：x")


# ------------------------------------------------------------------ the course's own glossary


def _callouts_with_sections() -> list[tuple[int, str, str, str | None, str | None]]:
    """(chapter, notebook, term, english, the '## ' heading above the callout) for every callout."""
    found = []
    for n, path in NOTEBOOKS.items():
        nb = json.loads(path.read_text(encoding="utf-8"))
        heading = None
        for cell in nb["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for line in src.splitlines():
                if line.startswith("## "):
                    heading = line[3:].strip()
                found += [(n, path.name, term, english, heading) for term, english in glossary.callouts(line)]
    return found


def _chapter_callouts() -> list[tuple[str, str, str | None]]:
    return [(name, term, english) for _, name, term, english, _ in _callouts_with_sections()]


def test_a_term_defined_in_its_own_chapter_sits_in_the_section_its_entry_names():
    problems = []
    for chapter, name, term, _, heading in _callouts_with_sections():
        try:
            entry = glossary.lookup(term)
        except DataError:
            continue  # reported by test_every_definition_callout_has_an_entry
        if entry.chapter == chapter and entry.section != heading:
            problems.append(f"{name}: {term} is defined under {heading!r}; its entry says {entry.section!r}")
    assert not problems, "\n".join(problems)


def test_every_definition_callout_has_an_entry():
    problems = []
    for name, term, english in _chapter_callouts():
        try:
            entry = glossary.lookup(term)
        except DataError as exc:
            problems.append(f"{name}: {exc}")
            continue
        if english is not None and glossary._norm(english) not in {
            glossary._norm(x) for x in (entry.english, *entry.aliases)
        }:
            problems.append(f"{name}: callout {term} ({english}) but the glossary says ({entry.english})")
    assert not problems, "add the terms to crm_lessons/_glossary/chNN.json:\n" + "\n".join(problems)


def test_every_entry_chapter_is_in_the_course_map():
    for e in glossary.entries():
        assert e.chapter in PLAN, f"{e.term}: chapter {e.chapter} is not in notebooks/COURSE.md"
        assert e.chapter in NOTEBOOKS or PLAN[e.chapter].status == "planned", (
            f"{e.term}: chapter {e.chapter} has no notebook and is not marked planned in COURSE.md"
        )


def test_every_entry_section_is_a_heading_of_its_chapter():
    for e in glossary.entries():
        if e.chapter in NOTEBOOKS:
            heads = notebook_headings(NOTEBOOKS[e.chapter])
            assert e.section in heads, (
                f"{e.term}: section {e.section!r} is not a '## ' heading of "
                f"{NOTEBOOKS[e.chapter].name}; headings are {heads}"
            )


def test_exam_terms_have_entries_once_their_chapter_is_written():
    missing = []
    for term, owner in EXAM_TERMS.items():
        try:
            entry = glossary.lookup(term)
        except DataError:
            # Allowed only while the owner chapter is still being written (no notebook yet) or revised.
            status = PLAN[owner].status
            if not ((status == "planned" and owner not in NOTEBOOKS) or status == "revising"):
                missing.append(f"{term} (chapter {owner}, {status})")
            continue
        assert entry.chapter == owner, f"{term} belongs to chapter {owner}, found in chapter {entry.chapter}"
    assert not missing, f"exam terms without a glossary entry: {missing}"


def test_glossary_has_chapter_1_terms():
    for term in ("关系营销", "顾客份额", "一对一营销", "客户关系管理", "客户关系类型"):
        assert glossary.lookup(term).chapter == 1


def test_no_chapter_uses_the_older_callout_form():
    """'> **定义 Definition** 术语：...' (term outside the bold part) escapes the checks above; use the house form."""
    old = []
    for path in NOTEBOOKS.values():
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if cell["cell_type"] == "markdown":
                old += [
                    f"{path.name}: {line.strip()[:60]}"
                    for line in src.splitlines()
                    if line.lstrip().startswith(">") and "**定义 Definition**" in line
                ]
    assert not old, "write '> **定义 Definition · 术语 (English)**：...':\n" + "\n".join(old)


def test_terms_the_audit_corrected_say_what_the_course_and_the_literature_say():
    """Issue 28 section 3: a process is not an alias of a result; 1 - P(alive) is 'already left'; Curry's shares."""
    segmentation, differentiation = glossary.lookup("客户区分"), glossary.lookup("客户差异")
    assert segmentation != differentiation and "客户区分" not in differentiation.aliases
    assert segmentation.chapter == 2 and segmentation.section.startswith("1 · ")
    for step in ("确定区分客户的基础", "区分不同的客户", "分析不同客户的特征"):  # the exam sheet's three steps
        assert step in segmentation.definition
    alive = glossary.lookup("P(alive)").definition
    assert "已经离开" in alive and "会流失的概率" not in alive.replace("不是他今后会流失的概率", "")
    assert "课程只给出四类的名称" in glossary.lookup("ABC 分类法").definition  # the 1/4/15/80 shares are Curry's
    for term in ("客户定位", "以客户为中心的企业文化", "数据迁移"):  # plan chapter 1's aim, plan chapters 11 and 6
        glossary.lookup(term)
