"""The course website as a student opens it: offline, from file://, desktop and phone."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from browser_helpers import DESKTOP, PHONE, missing_glyphs, only_local_resources, open_page, wait_for

pytestmark = pytest.mark.browser


def _chapters(site_dir):
    return sorted(p for p in site_dir.glob("[0-9][0-9]_*.html"))


def test_every_chapter_page_has_its_title(browser, site_dir):
    pages = _chapters(site_dir)
    assert len(pages) >= 5
    for page in pages:
        open_page(browser, page, size=DESKTOP)
        number = int(page.name[:2])
        assert re.match(rf"第{number}章 .+ · .+", browser.title), (page.name, browser.title)
        assert only_local_resources(browser) == [], page.name


def test_sidebar_and_next_links_reach_every_chapter_in_order(browser, site_dir):
    open_page(browser, site_dir / "index.html", size=DESKTOP)
    sidebar = browser.execute_script(
        "return [...document.querySelectorAll('.bd-sidebar-primary a.reference.internal')]"
        ".map(a => a.getAttribute('href'))"
    )
    chapters = [p.name for p in _chapters(site_dir)]
    for name in chapters + ["glossary.html"]:
        assert name in sidebar, f"{name} is not in the sidebar: {sidebar}"
    visited = []
    for _ in range(len(chapters) + 5):
        nxt = browser.execute_script("const a = document.querySelector('a.right-next'); return a && a.href;")
        if not nxt:
            break
        browser.get(nxt)
        visited.append(urllib.parse.urlparse(browser.current_url).path.rsplit("/", 1)[-1])
        prev = browser.execute_script("const a = document.querySelector('a.left-prev'); return a && a.href;")
        assert prev, f"{visited[-1]} has no previous link"
    assert [v for v in visited if v in chapters] == chapters, visited


def test_chinese_search_finds_the_glossary_entry(browser, site_dir):
    from crm_lessons.glossary import lookup

    term = lookup("顾客份额").term
    browser.get((site_dir / "search.html").resolve().as_uri() + "?q=" + urllib.parse.quote(term))
    hrefs = wait_for(
        browser,
        "const r = [...document.querySelectorAll('#search-results a')]"
        ".map(a => a.getAttribute('href')); return r.length ? r : null;",
    )
    assert any(h.startswith("glossary.html") for h in hrefs), hrefs
    english = browser.get((site_dir / "search.html").resolve().as_uri() + "?q=lifetime")
    hrefs = wait_for(
        browser,
        "const r = [...document.querySelectorAll('#search-results a')]"
        ".map(a => a.getAttribute('href')); return r.length ? r : null;",
    )
    assert any(h.startswith("06_") for h in hrefs), (english, hrefs)


def test_math_is_typeset_offline(browser, site_dir):
    pages = [p for p in _chapters(site_dir) if 'class="math' in p.read_text(encoding="utf-8")]
    assert pages, "no chapter has math to check"
    for page in pages:
        open_page(browser, page, size=DESKTOP)
        wait_for(browser, "return document.querySelectorAll('mjx-container').length > 0", timeout=30)
        raw = browser.execute_script(
            "return [...document.querySelectorAll('span.math, div.math')]"
            ".filter(e => !e.querySelector('mjx-container')).map(e => e.textContent).slice(0, 5)"
        )
        assert raw == [], f"{page.name}: math left as raw TeX: {raw}"
        assert only_local_resources(browser) == [], page.name


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_chinese_character_is_drawn_as_a_box(browser, site_dir, size):
    pages = [site_dir / "index.html", site_dir / "glossary.html", *_chapters(site_dir)[:2]]
    for page in pages:
        open_page(browser, page, size=size)
        result = missing_glyphs(browser)
        assert result["checked"] > 20, (page.name, result)
        assert result["missing"] == [], f"{page.name} at {size}: {result['missing']}"
        assert result["system_font"] == [], (
            f"{page.name} at {size}: Chinese drawn by a system font: {result['system_font'][:5]}"
        )
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= size[0] + 1, f"the page scrolls sideways at {size}: {width} px"


def test_printed_output_uses_the_bundled_font(browser, site_dir):
    page = _chapters(site_dir)[0]
    open_page(browser, page, size=DESKTOP)
    families = browser.execute_script(
        "return [...document.querySelectorAll('div.cell_output pre')]"
        ".filter(p => /[\\u4e00-\\u9fff]/.test(p.textContent)).map(p => getComputedStyle(p).fontFamily)"
    )
    assert families, "no printed output with Chinese text on the first chapter"
    assert all("CRM Lessons Noto Sans SC" in f for f in families), families[:3]


def test_phone_layout_has_a_viewport(browser, site_dir):
    open_page(browser, site_dir / "index.html", size=PHONE)
    content = browser.execute_script("const m = document.querySelector('meta[name=viewport]'); return m && m.content;")
    assert content and "width=device-width" in content


def test_first_load_logs_no_console_error(browser, site_dir):
    """A first visit (no stored colour mode) logs no error: the theme once logged 'Got invalid theme mode'."""
    browser.get("about:blank")
    browser.get_log("browser")  # drop what came before
    open_page(browser, site_dir / "index.html", size=DESKTOP)
    browser.execute_script("localStorage.clear()")
    browser.refresh()
    wait_for(browser, "return document.readyState === 'complete'")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    assert "System Settings" not in browser.page_source  # the theme's label, in Chinese on our pages
    if len(_chapters(site_dir)) == 10:
        assert "尚未完成" not in browser.find_element("css selector", "body").text


def test_index_offers_each_chapter_as_a_student_notebook(browser, site_dir):
    open_page(browser, site_dir / "index.html", size=DESKTOP)
    links = browser.execute_script(
        "return [...document.querySelectorAll('.student-downloads a[download]')].map(a => a.getAttribute('href'))"
    )
    assert links == [f"student/{p.stem}.ipynb" for p in _chapters(site_dir)]
    for link in links:
        text = (site_dir / link).read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and "NBVAL_CHECK_OUTPUT" not in text


def test_sample_report_links_back_to_the_course(browser, site_dir):
    open_page(browser, site_dir / "report.html", size=DESKTOP)
    back = browser.find_element("css selector", 'nav a[href="index.html"]')
    back.click()
    wait_for(browser, "return document.readyState === 'complete'")
    assert browser.current_url.endswith("/index.html")
