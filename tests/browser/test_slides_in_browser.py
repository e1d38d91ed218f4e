"""A chapter's lecture slides opened from file:// in an offline Chromium and paged with the keyboard."""

from __future__ import annotations

import json
import time

import pytest
from browser_helpers import DESKTOP, missing_glyphs, only_local_resources, open_page, wait_for

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chapter_slides(tmp_path_factory):
    from crm_lessons.course.slides import write_slides

    (page,) = write_slides(tmp_path_factory.mktemp("slides"), ["2"])
    return page


def _index(driver) -> int:
    return driver.execute_script("return Reveal.getIndices().h")


def test_slides_page_through_with_the_keyboard(browser, chapter_slides):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_page(browser, chapter_slides, size=DESKTOP)
    wait_for(browser, "return window.Reveal && Reveal.isReady()")
    total = browser.execute_script("return Reveal.getTotalSlides()")
    assert total >= 10
    assert _index(browser) == 0
    assert "第2章" in browser.execute_script("return Reveal.getCurrentSlide().innerText")
    keys = ActionChains(browser)
    for expected in range(1, total):
        keys.send_keys(Keys.ARROW_RIGHT).perform()
        wait_for(browser, f"return Reveal.getIndices().h === {expected}", timeout=10)
    assert browser.execute_script("return Reveal.isLastSlide()")
    keys.send_keys(Keys.ARROW_RIGHT).perform()  # past the end: stays on the last slide
    assert _index(browser) == total - 1
    keys.send_keys(Keys.ARROW_LEFT).perform()
    wait_for(browser, f"return Reveal.getIndices().h === {total - 2}", timeout=10)
    keys.send_keys(Keys.HOME).perform()
    wait_for(browser, "return Reveal.getIndices().h === 0", timeout=10)
    # the figures are there and drawn (embedded PNGs decoded), the notes are not shown on the slides
    assert browser.execute_script(
        "const imgs = [...document.querySelectorAll('section[data-kind=figure] img')];"
        "return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0)"
    )
    assert browser.execute_script(
        "return [...document.querySelectorAll('aside.notes')].every(a => getComputedStyle(a).display === 'none')"
    )
    assert only_local_resources(browser) == []
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert errors == [], errors


def test_every_chinese_character_of_the_slides_is_drawn(browser, chapter_slides):
    open_page(browser, chapter_slides, size=DESKTOP)
    wait_for(browser, "return window.Reveal && Reveal.isReady()")
    # reveal.js marks the slides that are not near the current one [hidden]: unmark them, so that
    # every slide's (and speaker note's) characters are checked
    browser.execute_script("document.querySelectorAll('section[hidden]').forEach(s => s.removeAttribute('hidden'))")
    result = missing_glyphs(browser)
    assert result["checked"] > 100 and result["missing"] == [] and result["system_font"] == [], result


def test_each_chapter_page_and_the_index_link_to_the_slides(browser, site_dir):
    for page in sorted(site_dir.glob("[0-9][0-9]_*.html")):
        open_page(browser, page, size=DESKTOP)
        href = browser.execute_script("const a = document.querySelector('.crm-slides-link a'); return a && a.href")
        assert href and href.endswith(f"slides/{page.stem}.slides.html"), page.name
        assert (site_dir / "slides" / f"{page.stem}.slides.html").is_file()
    browser.find_element("css selector", ".crm-slides-link a").click()
    wait_for(browser, "return window.Reveal && Reveal.isReady() && Reveal.getTotalSlides() >= 10")
    open_page(browser, site_dir / "index.html", size=DESKTOP)
    listed = browser.execute_script(
        "return [...document.querySelectorAll('.student-downloads a.slides-link')].map(a => a.getAttribute('href'))"
    )
    assert listed == [f"slides/{p.stem}.slides.html" for p in sorted(site_dir.glob("[0-9][0-9]_*.html"))]


#: Every slide of a page, shown at once, with its height (reveal.js lays the slides out at 1280 x 720).
_SLIDE_HEIGHTS_JS = """
document.querySelectorAll('section[hidden]').forEach(s => s.removeAttribute('hidden'));
return [...document.querySelectorAll('.reveal .slides > section')].map((s, i) => {
  s.style.display = 'block';
  return [i, s.dataset.kind, s.scrollHeight, s.querySelector('h1, h2').innerText.slice(0, 40)];
});
"""


def test_no_slide_of_any_chapter_runs_off_the_bottom(browser, tmp_path):
    from crm_lessons.course.slides import write_slides

    for page in write_slides(tmp_path):
        open_page(browser, page, size=DESKTOP)
        wait_for(browser, "return window.Reveal && Reveal.isReady()")
        heights = browser.execute_script(_SLIDE_HEIGHTS_JS)
        assert len(heights) >= 10
        too_tall = [h for h in heights if h[2] > 720]
        assert too_tall == [], f"{page.name}: {too_tall}"


#: The speaker view's state: its notes (text and the font drawing them) and the slide its preview shows.
_SPEAKER_JS = r"""
const value = document.querySelector('.speaker-controls-notes .value');
const frame = document.querySelector('#current-slide iframe');
let shown = null;
try { shown = frame && frame.contentWindow.Reveal && frame.contentWindow.Reveal.getIndices().h; } catch (e) {}
return {notes: value ? value.textContent.replace(/\s+/g, '') : null, font: value ? getComputedStyle(value).fontFamily : '',
        connected: getComputedStyle(document.querySelector('#connection-status')).display === 'none', shown: shown};
"""


def test_speaker_view_shows_each_slides_notes_offline(browser, chapter_slides):
    """S opens reveal.js's speaker view (a popup the notes plugin writes itself): it connects to the deck opened
    from file:// with no network, follows it slide by slide with that slide's notes, and draws the Chinese notes
    in the course font (the popup is a document of its own: without the font copied in, a machine with no
    Chinese font shows boxes)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_page(browser, chapter_slides, size=DESKTOP)
    wait_for(browser, "return window.Reveal && Reveal.isReady()")
    deck = browser.current_window_handle
    before = set(browser.window_handles)
    ActionChains(browser).send_keys("s").perform()
    end = time.monotonic() + 20
    while not set(browser.window_handles) - before:
        assert time.monotonic() < end, "pressing S opened no speaker view"
        time.sleep(0.2)
    (speaker,) = set(browser.window_handles) - before
    notes_of = "return [...Reveal.getCurrentSlide().querySelectorAll('aside.notes')].map(a => a.textContent).join('')"
    checked = 0
    try:
        total = browser.execute_script("return Reveal.getTotalSlides()")
        for index in range(min(total, 12)):
            browser.switch_to.window(deck)
            if index:
                ActionChains(browser).send_keys(Keys.ARROW_RIGHT).perform()
                wait_for(browser, f"return Reveal.getIndices().h === {index}", timeout=10)
            expected = "".join(browser.execute_script(notes_of).split())
            browser.switch_to.window(speaker)
            state = wait_for(
                browser,
                f"const s = (() => {{ {_SPEAKER_JS} }})();"
                f"return s.connected && s.shown === {index} && s.notes !== null && s ",
                timeout=20,
            )
            if expected:
                wait_for(
                    browser,
                    f"return (() => {{ {_SPEAKER_JS} }})().notes === {json.dumps(expected)}",
                    timeout=10,
                )
                checked += 1
                assert "CRM Lessons Noto Sans SC" in state["font"], state["font"]
        assert checked >= 5, f"only {checked} of the first slides have notes"
        result = missing_glyphs(browser)
        assert result["checked"] > 50 and result["missing"] == [] and result["system_font"] == [], result
        assert only_local_resources(browser) == []
        errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
        assert errors == [], errors
    finally:
        browser.switch_to.window(speaker)
        browser.close()
        browser.switch_to.window(deck)
