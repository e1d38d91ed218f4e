"""``crm-lessons exam`` (issue 29 item 3): deterministic, differing versions with keys whose totals add up.

The computational answers are recomputed here from the paper's data with the textbook formulas, not with the
package's functions the key uses: Erlang C (Erlang 1917; e.g. Gans, Koole & Mandelbaum 2003, eq. 2-3),
retention-based CLV m(1+d)/(1+d-r) (Gupta & Lehmann 2003), NPS (Reichheld 2003), the ACSI-style 0-100 index
and the eight RFM classes against the mean.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from crm_lessons.cli import main as cli_main
from crm_lessons.course.exam import (
    MIN_CALC,
    SHEET_TERMS,
    Exam,
    _choice_from_glossary,
    _glossary_pool,
    build_exam,
    build_exams,
    exam_html,
)

SEED = 2026


@pytest.fixture(scope="module")
def papers(tmp_path_factory) -> tuple[Path, Path]:
    """The same papers twice: by the command in this process, and by write_exams in another process with another
    hash seed (an order that leaned on a set of strings would differ there)."""
    import os
    import subprocess
    import sys

    first, second = tmp_path_factory.mktemp("exam1"), tmp_path_factory.mktemp("exam2")
    assert cli_main(["exam", "--out", str(first), "--versions", "2", "--seed", str(SEED)]) == 0
    code = f"from crm_lessons.course.exam import write_exams; write_exams({str(second)!r}, versions=2, seed={SEED})"
    env = dict(os.environ, PYTHONHASHSEED=str(os.getpid() % 1000 + 1))
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=600)
    return first, second


def test_same_seed_gives_byte_identical_files(papers):
    first, second = papers
    names = sorted(p.name for p in first.iterdir())
    assert names == ["exam_A.html", "exam_B.html", "key_A.html", "key_B.html"]
    assert names == sorted(p.name for p in second.iterdir()), "no temporary file left behind"
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_versions_differ_in_items_and_data():
    """Neighbouring versions of a whole-course paper share at most one item a section (a student who saw version A
    learns next to nothing about B), and a computation they share has new data."""
    exams = build_exams(versions=4, seed=SEED)
    for a, b in zip(exams, exams[1:]):
        for (kind, qa), (_, qb) in zip(a.sections, b.sections, strict=True):
            shared = {q.uid for q in qa} & {q.uid for q in qb}
            assert len(shared) <= 1, (a.version, b.version, kind, shared)
            if kind == "calc":
                assert all(x.data != y.data for x in qa for y in qb if x.uid == y.uid), "a shared computation: new data"
    other_seed = build_exam(seed=SEED + 1, version=0)
    assert exam_html(other_seed, embed_font=False) != exam_html(exams[0], embed_font=False)
    # the whole-course versions above share no computation, so the data check needs a narrow range, where
    # neighbouring versions must repeat a computation (chapters 9-10 have two between them)
    narrow = build_exams(versions=4, seed=SEED, chapters="9-10")
    pairs = [
        (x, y)
        for a, b in zip(narrow, narrow[1:])
        for (kind, qa), (_, qb) in zip(a.sections, b.sections, strict=True)
        if kind == "calc"
        for x in qa
        for y in qb
        if x.uid == y.uid
    ]
    assert pairs, "chapters 9-10: neighbouring versions share a computation"
    assert all(x.data != y.data for x, y in pairs), "a shared computation: new data"


def _points(page: str) -> tuple[int, list[int], list[int]]:
    text = re.sub(r"<[^>]+>", "", page)
    total = int(re.search(r"满分 Total (\d+) 分", text).group(1))
    sections = [int(x) for x in re.findall(r"共 \d+ 题，每题 \d+ 分，共 (\d+) 分", text)]
    questions = [int(x) for x in re.findall(r"(?m)\d+\.（(\d+) 分）", text)]
    return total, sections, questions


@pytest.mark.parametrize("name", ["exam_A.html", "key_B.html"])
def test_totals_are_stated_and_add_up(papers, name):
    page = (papers[0] / name).read_text(encoding="utf-8")
    total, sections, questions = _points(page)
    assert total == 100 == sum(sections) == sum(questions) and "考试时间 120 分钟" in page
    assert len(questions) == 10 + 4 + 3 + 3
    header = re.search(r"<tr><th>分值</th>(.*?)</tr>", page).group(1)
    assert [int(x) for x in re.findall(r"<td>(\d+)</td>", header)] == [*sections, total]


def test_paper_is_print_ready_offline_and_reveals_no_answer(papers):
    exam = (papers[0] / "exam_A.html").read_text(encoding="utf-8")
    key = (papers[0] / "key_A.html").read_text(encoding="utf-8")
    for page in (exam, key):
        assert "@page{size:A4" in page and "break-before:page" in page and "data:font/otf;base64," in page
        assert not re.search(r"(src|href)=['\"]?https?:", page) and "<script" not in page
        assert page.count("<section class='part") == 4
    assert "参考答案" not in exam and "评分标准" not in exam and "答案 Answer" not in exam
    assert "评分标准 Marking" in key and key.count("答案 Answer：<b>") == 10
    assert "姓名 Name" in exam and "姓名 Name" not in key
    # the seed regenerates the key with the public package: the paper must not print it
    assert f"seed {SEED}" in key and "seed" not in re.sub(r"<style>.*?</style>", "", exam, flags=re.S)


def _erlang_c(a: float, n: int) -> float:
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def test_key_answers_recomputed():
    exams = [build_exam(seed=SEED, version=v) for v in range(3)]
    exams += [build_exam(seed=SEED, version=v, chapters=c) for v in range(2) for c in ("1", "3", "5", "7", "9")]
    seen = set()
    for exam in exams:
        page = exam_html(exam, key=True, embed_font=False)
        calcs = {q.uid: q for kind, qs in exam.sections if kind == "calc" for q in qs}
        seen |= set(calcs)
        assert len(calcs) >= 2, "at least two computational questions"
        if "calc:erlang" in calcs:
            d = calcs["calc:erlang"].data
            a = d["calls"] * d["aht_min"] / 60
            level = {
                n: 1 - _erlang_c(a, n) * math.exp(-(n - a) * 20 / (d["aht_min"] * 60)) for n in range(1, 40) if n > a
            }
            need = next(n for n in sorted(level) if level[n] >= 0.8)  # a stable queue needs more agents than A
            assert (d["agents"], round(d["p_wait"], 4)) == (need, round(_erlang_c(a, d["n0"]), 4))
            assert f"至少需要 <b>{need}</b> 名坐席" in page and f"{_erlang_c(a, d['n0']):.4f}" in page
        if "calc:clv" in calcs:
            d = calcs["calc:clv"].data
            rate, table = d["d"], d["table"]
            for m, r, cost in zip(table["每年利润 m（元）"], table["保持率 r"], table["获取成本（元）"], strict=True):
                clv = m * (1 + rate) / (1 + rate - r)
                assert f"= {clv:.2f} 元" in page and f"= {clv - cost:.2f} 元" in page
        if "calc:satisfaction" in calcs:
            d = calcs["calc:satisfaction"].data
            s = d["scores"]
            nps = 100 * (sum(x >= 9 for x in s) - sum(x <= 6 for x in s)) / len(s)
            assert f"= {nps:.2f}（分" in page
            for row, value in zip(d["items"], d["index"], strict=True):
                assert value == pytest.approx((sum(row) / 3 - 1) / 9 * 100)
                assert f"{value:.2f}" in page
        if "calc:rfm" in calcs:
            d = calcs["calc:rfm"].data
            t = d["table"]
            means = [sum(t[c]) / len(t[c]) for c in ("days_since_last", "n_purchases", "total_spend")]
            names = {
                (True, True, True): "重要价值客户",
                (True, False, True): "重要发展客户",
                (False, True, True): "重要保持客户",
                (False, False, True): "重要挽留客户",
                (True, True, False): "一般价值客户",
                (True, False, False): "一般发展客户",
                (False, True, False): "一般保持客户",
                (False, False, False): "一般挽留客户",
            }
            for i, customer in enumerate(t["客户"]):
                high = (t["days_since_last"][i] < means[0], t["n_purchases"][i] > means[1])
                cls = names[(*high, t["total_spend"][i] > means[2])]
                assert d["classes"][customer] == cls
                assert f"<th>{customer}</th>" in page
            assert f"R = {means[0]:.2f} 天" in page
        if "calc:km" in calcs:  # Kaplan & Meier 1958: S(t) = prod over churn months t_j <= t of (1 - d_j / n_j)
            d = calcs["calc:km"].data
            s, expected = 1.0, {}
            for t in sorted({m for m, c in zip(d["months"], d["churn"], strict=True) if c}):
                at_risk = sum(m >= t for m in d["months"])
                churned = sum(m == t and c for m, c in zip(d["months"], d["churn"], strict=True))
                s *= 1 - churned / at_risk
                expected[float(t)] = s
                assert f"<td>{t}</td><td>{at_risk}</td><td>{churned}</td>" in page
            assert d["survival"] == pytest.approx(expected)
            assert d["answer"] == pytest.approx([v for t, v in sorted(expected.items()) if t <= d["asked"]][-1])
            assert f"Ŝ({d['asked']}) = {d['answer']:.4f}" in page
        if "calc:retention" in calcs:  # Reichheld & Sasser's comparison: m(1+d)/(1+d-r) at r and r + 0.05
            d = calcs["calc:retention"].data
            npv = [d["m"] * (1 + d["d"]) / (1 + d["d"] - r) for r in (d["r"], d["r"] + 0.05)]
            assert (d["npv"], d["npv_more"]) == pytest.approx(npv)
            assert f"= {npv[0]:.2f} 元" in page and f"<b>{npv[1] / npv[0] - 1:.1%}</b>" in page
            assert f"{1 / (1 - d['r']):.2f} 年" in page
        if "calc:rules" in calcs:  # Agrawal et al. 1993 (support, confidence), Brin et al. 1997 (lift)
            d = calcs["calc:rules"].data
            a, c = (d["items"].index(x) for x in d["rule"])
            rows = d["baskets"]
            both = sum(r[a] and r[c] for r in rows)
            n_a, n_c = sum(r[a] for r in rows), sum(r[c] for r in rows)
            assert len(rows) == 10 and d["support"] == both / 10
            assert d["confidence"] == pytest.approx(both / n_a) and d["lift"] == pytest.approx(both / n_a / (n_c / 10))
            assert f"<b>{both / n_a / (n_c / 10):.4f}</b>" in page
            assert page.count("<td>√</td>") >= sum(map(sum, rows))
        if "calc:scoring" in calcs:  # the weighted scoring model: total = sum of weight x score, the highest wins
            d = calcs["calc:scoring"].data
            weights = list(d["weights"].values())
            totals = [sum(w * x for w, x in zip(weights, row, strict=True)) for row in d["scores"]]
            assert sorted(d["totals"].values()) == pytest.approx(sorted(totals))
            assert d["totals"][d["best"]] == pytest.approx(max(totals)) and f"<b>{d['best']}</b>" in page
            assert all(f"= {t:.2f}<br>" in page for t in totals)
        if "calc:loyalty" in calcs:  # share of wallet, then Dick & Basu's 2 x 2 of intention and behaviour
            d = calcs["calc:loyalty"].data
            names = {
                (True, True): "true loyalty",
                (True, False): "latent loyalty",
                (False, True): "spurious loyalty",
                (False, False): "no loyalty",
            }
            for i, o, tot, k in zip(d["intention"], d["ours"], d["total"], d["kinds"], strict=True):
                assert k == names[(i >= 5, o / tot >= 0.5)]
                assert f"<td>{o:,}/{tot:,} = {o / tot:.0%}</td>" in page
            assert len(set(d["kinds"])) == 4
        for kind, qs in exam.sections:  # a definition item's key is its term
            for q in qs:
                if kind == "choice" and "term" in q.data:
                    assert q.options["ABCD".index(q.key)] == q.data["term"]
                if kind == "choice":
                    assert f"答案 Answer：<b>{q.key}</b>　{q.options['ABCD'.index(q.key)]}</div>" in page
    assert {
        "calc:retention",
        "calc:rfm",
        "calc:scoring",
        "calc:satisfaction",
        "calc:loyalty",
        "calc:clv",
        "calc:km",
        "calc:erlang",
        "calc:rules",
    } <= seen


def test_chapters_restrict_the_questions():
    exam = build_exam(seed=1, chapters="6-8")
    assert {q.chapter for _, qs in exam.sections for q in qs} <= {6, 7, 8}
    assert {q.uid for kind, qs in exam.sections if kind == "calc" for q in qs} == {"calc:clv", "calc:km", "calc:erlang"}
    assert exam.notes == [] and all("补充题" not in q.source for _, qs in exam.sections for q in qs)
    assert exam.total == sum(q.points for _, qs in exam.sections for q in qs)


@pytest.mark.parametrize(
    "args, words",
    [
        (["--versions", "2", "--seed", "1"], "--out"),
        (["--out", "{tmp}", "--versions", "0", "--seed", "1"], "--versions"),
        (["--out", "{tmp}", "--versions", "27", "--seed", "1"], "--versions"),
        (["--out", "{tmp}", "--versions", "two", "--seed", "1"], "--versions"),
        (["--out", "{tmp}", "--versions", "2", "--seed", "-3"], "--seed"),
        (["--out", "{tmp}", "--versions", "2"], "--seed"),
        (["--out", "{tmp}", "--versions", "2", "--seed", "1", "--chapters", "0-12"], "--chapters"),
        (["--out", "{tmp}", "--versions", "2", "--seed", "1", "--chapters", "x"], "--chapters"),
        (["--out", "{file}", "--versions", "2", "--seed", "1"], "--out"),
    ],
)
def test_bad_arguments_give_one_chinese_first_line(args, words, tmp_path, capsys):
    (tmp_path / "f.html").write_text("x", encoding="utf-8")
    argv = ["exam"] + [a.format(tmp=tmp_path / "out", file=tmp_path / "f.html") for a in args]
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert re.match(r"crm-lessons exam：错误 [^\x00-\x7f]", err), err
    assert words in err
    assert not (tmp_path / "out").exists()


def test_definitions_come_from_the_review_sheet_first():
    """名词解释: three of four are terms of the course's exam review sheet (004), via exam practice or glossary."""
    for version in range(3):
        terms = [q for kind, qs in build_exam(seed=SEED, version=version).sections if kind == "term" for q in qs]
        from_sheet = [q for q in terms if q.uid.startswith("nb:") or q.data.get("term") in SHEET_TERMS]
        assert len(terms) == 4 and len(from_sheet) >= 3


#: What must never print raw on a paper: TeX (a $...$ formula, a command, a braced sub- or superscript,
#: a caret) and Markdown bold.
RAW_MARKUP = re.compile(r"\$[^$\n]+\$|\\[A-Za-z]+|[_^]\{|\^|\*\*")


def _visible(page: str) -> str:
    import html

    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_no_raw_tex_or_markdown_for_any_glossary_entry():
    """Every glossary entry, as a 名词解释 (its definition in the key) and as a choice item (its definition,
    the term masked, on the paper): the formulas are drawn (Ŝ, ∏, subscripts), nothing prints as TeX."""
    import numpy as np

    from crm_lessons import glossary

    pool = _glossary_pool(tuple(range(1, 11)), "")
    terms = sorted(e.term for e in glossary.entries())
    rng = np.random.default_rng(0)
    choices = [_choice_from_glossary(q, terms, rng) for q in pool["choice"]]
    assert len(pool["term"]) == len(choices) == len(glossary.entries())
    for q in pool["term"] + choices:
        q.points = 5
    exam = Exam("A", 0, tuple(range(1, 11)), [("choice", choices), ("term", pool["term"])])
    for key in (False, True):
        text = _visible(exam_html(exam, key=key, embed_font=False))
        assert not RAW_MARKUP.findall(text), RAW_MARKUP.findall(text)[:10]
    key = exam_html(exam, key=True, embed_font=False)
    assert "<i>Ŝ</i>(<i>t</i>) = ∏<sub><i>t</i><sub><i>j</i></sub> ≤ <i>t</i></sub>" in key  # Kaplan-Meier, drawn
    assert "(<i>x</i>, <i>t</i><sub><i>x</i></sub>, <i>T</i>)" in key and "<b>已经</b>" in key


def test_no_raw_tex_or_markdown_in_any_version():
    """All 26 versions of a whole-course paper and their keys."""
    for exam in build_exams(versions=26, seed=SEED):
        for key in (False, True):
            text = _visible(exam_html(exam, key=key, embed_font=False))
            assert not RAW_MARKUP.findall(text), (exam.version, key, RAW_MARKUP.findall(text)[:10])


@pytest.mark.parametrize("chapter", range(1, 11))
def test_every_single_chapter_paper_has_two_computations(chapter):
    exam = build_exam(seed=SEED, chapters=str(chapter))
    calcs = [q for kind, qs in exam.sections if kind == "calc" for q in qs]
    assert len(calcs) >= MIN_CALC == 2
    assert len({q.uid for q in calcs}) == len(calcs)
    borrowed = [q for q in calcs if q.chapter != chapter]
    assert all("补充题" in q.source and f"第 {chapter} 章的计算题不足 2 道" in q.source for q in borrowed)
    if borrowed:
        assert any(note.startswith("注意：") and "补充了第" in note for note in exam.notes)
        key, paper = exam_html(exam, key=True, embed_font=False), exam_html(exam, embed_font=False)
        assert "补充了第" in key and "补充" not in paper
    assert exam.total == sum(q.points for _, qs in exam.sections for q in qs)
    # a shorter paper states a shorter time: 1.2 minutes a point, to 10 minutes
    assert f"满分 Total {exam.total} 分　考试时间 {round(exam.total * 1.2 / 10) * 10} 分钟" in exam_html(
        exam, embed_font=False
    )


def test_a_narrow_range_says_where_its_computations_come_from(tmp_path, capsys):
    assert cli_main(["exam", "--out", str(tmp_path), "--versions", "2", "--seed", "1", "--chapters", "9-10"]) == 0
    out = capsys.readouterr().out
    notes = [line for line in out.splitlines() if line.startswith("注意：")]
    assert any("第 9-10 章的计算题不足 2 道，补充了第 8 章的计算题" in line for line in notes), out
    assert len(notes) == len(set(notes)), "each note once, not once per version"
    key = (tmp_path / "key_B.html").read_text(encoding="utf-8")
    assert "取自最近的第 8 章" in key and "第9章 关联规则" in key


def test_every_key_has_a_worked_answer_and_a_marking_scheme():
    """All 26 versions: each written or computational question has its answer and its 评分标准 in the key, each
    choice item its letter among its options; a scheme that counts points gives exactly the question's points."""
    for exam in build_exams(versions=26, seed=SEED):
        for kind, questions in exam.sections:
            for q in questions:
                words = re.sub(r"<[^>]+>", "", q.answer).strip()
                assert (q.key in "ABCD"[: len(q.options)] and q.key) if kind == "choice" else len(words) >= 20, q.uid
                assert len(re.sub(r"<[^>]+>", "", q.scheme)) >= 10, q.uid
                m = re.search(
                    r"列出 (\d+) 个要点，(?:第 1 个要点|前 (\d+) 个要点各) (\d+) 分，其余各 (\d+) 分", q.scheme
                )
                if m:
                    n, extra, high, low = int(m[1]), int(m[2] or 1), int(m[3]), int(m[4])
                    assert extra * high + (n - extra) * low == q.points, (q.uid, q.scheme)
                m = re.search(r"列出 (\d+) 个要点，每个要点 (\d+) 分（", q.scheme)
                if m:
                    assert int(m[1]) * int(m[2]) == q.points, (q.uid, q.scheme)


def test_a_paper_spreads_its_essays_and_computations_over_chapters():
    """Three essays on three chapters, not two on churn (seed 2026's version A drew 7.2 and 7.3 before)."""
    for exam in build_exams(versions=4, seed=SEED):
        for kind, questions in exam.sections:
            if kind in ("essay", "calc"):
                assert len({q.chapter for q in questions}) == len(questions) == 3, (exam.version, kind)
