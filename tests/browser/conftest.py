"""Browser suite: Debian's Chromium driven by Selenium (``make test-browser``).

The pages are opened from ``file://`` with name resolution switched off and the
DevTools network emulation set to offline, on a machine with no Chinese system
font, so a page that needed the internet or a system font fails here.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    """The built course: ``CRM_LESSONS_SITE`` (``make test-browser`` builds it first) or a fresh build."""
    given = os.environ.get("CRM_LESSONS_SITE")
    if given:
        path = Path(given)
        if not path.is_absolute():
            path = ROOT / path
        assert (path / "index.html").is_file(), f"CRM_LESSONS_SITE={given}: no index.html; run 'make course'"
        return path
    from crm_lessons.course import build_course

    out = tmp_path_factory.mktemp("site") / "course"
    build_course(out, verbose=False)
    return out


def _new_driver(*, offline: bool):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(), (
        "the browser suite needs Debian's chromium and chromium-driver: apt-get install chromium chromium-driver"
    )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console messages, for driver.get_log
    for arg in (
        "--headless=new",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--allow-file-access-from-files",
    ):
        options.add_argument(arg)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        options.add_argument("--no-sandbox")
    if offline:
        # no host name resolves: a page that tried to load anything from the internet could not
        options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    if offline:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
    return driver


@pytest.fixture(scope="session")
def browser():
    """One offline Chromium for the static pages."""
    driver = _new_driver(offline=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def online_browser():
    """A Chromium that may reach 127.0.0.1 (for the JupyterLab server this suite starts)."""
    driver = _new_driver(offline=False)
    yield driver
    driver.quit()
