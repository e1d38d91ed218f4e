"""Exam papers and keys printed by an offline Chromium (``crm-lessons exam``, issue 29.3): A4, each section on a
new page, nothing wider than the printable width, Chinese in the embedded course font."""

from __future__ import annotations

import base64
import re
import zlib

import pytest
from browser_helpers import DESKTOP, missing_glyphs, only_local_resources, open_page

pytestmark = pytest.mark.browser

#: A4 in PDF points, and its printable width (210 mm less the 16 mm margins of the paper's @page) in CSS pixels.
A4_POINTS = (595.28, 841.89)
PRINTABLE_PX = (210 - 2 * 16) / 25.4 * 96

_OVERFLOW_JS = """
const body = document.body.getBoundingClientRect();
return [...document.body.querySelectorAll('*')]
  .filter(e => e.getBoundingClientRect().right > body.right + 1)
  .map(e => [e.tagName, e.className, Math.round(e.getBoundingClientRect().right), e.textContent.slice(0, 40)])
  .slice(0, 10);
"""


@pytest.fixture(scope="module")
def exam_dir(tmp_path_factory):
    from crm_lessons.course.exam import write_exams

    out = tmp_path_factory.mktemp("exam")
    write_exams(out, versions=1, seed=2026)
    return out


def _pdf_fonts(data: bytes) -> set[str]:
    found = set(re.findall(rb"/(?:BaseFont|FontName)\s*/([^\s/]+)", data))
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            found |= set(re.findall(rb"/(?:BaseFont|FontName)\s*/([^\s/]+)", zlib.decompress(m.group(1))))
        except zlib.error:
            continue
    return {name.decode("latin-1").split("+")[-1] for name in found}


@pytest.mark.parametrize("name", ["exam_A.html", "key_A.html"])
def test_paper_prints_on_a4_with_a_page_per_section(browser, exam_dir, name):
    page = exam_dir / name
    open_page(browser, page, size=DESKTOP)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        sections = browser.execute_script(
            "return [...document.querySelectorAll('section.part')].map(s => getComputedStyle(s).breakBefore)"
        )
        assert len(sections) == 4 and sections[1:] == ["page"] * 3, sections
        pdf = base64.b64decode(
            browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": False})["data"]
        )
        boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
        assert boxes and all(
            abs(float(w) - A4_POINTS[0]) < 1.5 and abs(float(h) - A4_POINTS[1]) < 1.5 for w, h in boxes
        ), set(boxes)
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
        assert pages >= len(sections), pages
        assert "NotoSansSC-Regular" in _pdf_fonts(pdf), "the Chinese text is printed in the embedded font"
        # at the printable width of A4 no table, formula or option grid runs past the margin
        browser.set_window_size(int(PRINTABLE_PX) + 40, 900)
        width = browser.execute_script("return document.body.getBoundingClientRect().width")
        assert width <= PRINTABLE_PX + 1
        assert browser.execute_script(_OVERFLOW_JS) == []
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    result = missing_glyphs(browser)
    # an element's count includes its children's glyphs: the key's "（用 <code>rfm.…</code> 计算。）" draws its
    # code in a system monospace font; what matters is that no ideograph is among the system font's glyphs
    system = [
        e
        for e in result["system_font"]
        if not all("Mono" in family for family, _ in e["fonts"] if family != "Noto Sans SC")
        or sum(n for family, n in e["fonts"] if family == "Noto Sans SC") < e["ideographs"]
    ]
    assert result["checked"] > 100 and result["missing"] == [] and system == [], result
    assert only_local_resources(browser) == []
