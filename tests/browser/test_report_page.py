"""A generated report opened in Chromium: offline, every Chinese glyph drawn, user data escaped."""

from __future__ import annotations

import pytest
from browser_helpers import DESKTOP, PHONE, missing_glyphs, only_local_resources, open_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_sample_report_opens_offline_with_every_glyph(browser, site_dir, size):
    open_page(browser, site_dir / "report.html", size=size)
    assert only_local_resources(browser) == []
    result = missing_glyphs(browser)
    assert result["checked"] > 50 and result["missing"] == [] and result["system_font"] == [], result


def test_hostile_customer_ids_are_shown_as_text(browser, tmp_path):
    from crm_lessons.report import render_report

    attack = "<img src=x onerror=\"document.title='pwned'\">"
    rows = ["customer_id,date,amount"]
    for i in range(60):
        cid = attack.replace('"', '""') if i % 7 == 0 else f"C{i % 23:03d}"
        rows.append(f'"{cid}",2024-{1 + i % 12:02d}-{1 + i % 27:02d},{10 + i * 3.5:.2f}')
    data = tmp_path / "orders.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page = render_report(data, tmp_path / "report.html")
    open_page(browser, page, size=DESKTOP)
    assert browser.title != "pwned"
    assert browser.execute_script("return document.querySelectorAll('img[src=x]').length") == 0
    assert only_local_resources(browser) == []
