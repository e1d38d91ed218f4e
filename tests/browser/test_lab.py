"""JupyterLab as a student uses it: open chapter 2, run all cells, move a slider of its widget."""

from __future__ import annotations

import shutil
import time

import pytest
from browser_helpers import DESKTOP, jupyterlab, wait_for

pytestmark = pytest.mark.browser

CHAPTER = "02_customer_identification.ipynb"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server as 'make lab' starts it, serving a copy of the chapter; stopped afterwards."""
    from conftest import ROOT

    root = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "notebooks" / CHAPTER, root / CHAPTER)
    with jupyterlab(root) as served:
        yield served


def test_chapter_2_runs_in_jupyterlab_and_its_widget_is_live(online_browser, lab):
    url, token = lab
    driver = online_browser
    driver.set_window_size(*DESKTOP)
    driver.get(f"{url}/lab/tree/{CHAPTER}?token={token}")
    wait_for(
        driver,
        "return window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
        timeout=120,
    )
    driver.execute_script(
        "window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');"
        "window.jupyterapp.commands.execute('notebook:run-all-cells');"
    )
    # every code cell has run when no prompt shows [*] and each has an execution count
    wait_for(
        driver,
        """
        const nb = window.jupyterapp.shell.currentWidget.content;
        const cells = nb.widgets.filter(c => c.model.type === 'code');
        return cells.length > 0 && cells.every(c => c.model.executionCount !== null)
               && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle';
    """,
        timeout=240,
        poll=1,
    )
    errors = driver.execute_script("""
        const nb = window.jupyterapp.shell.currentWidget.content;
        const bad = [];
        for (const c of nb.widgets.filter(c => c.model.type === 'code')) {
          for (let i = 0; i < c.model.outputs.length; i++) {
            const o = c.model.outputs.get(i).toJSON();
            if (o.output_type === 'error' || (o.output_type === 'stream' && o.name === 'stderr'))
              bad.push(JSON.stringify(o).slice(0, 300));
          }
        }
        return bad;""")
    assert errors == [], errors
    # the interactive control renders as a live widget (a slider), not as its text fallback
    handle = wait_for(driver, "return document.querySelector('.jp-OutputArea .widget-slider .noUi-handle')", timeout=60)
    area = driver.execute_script(
        "return arguments[0].closest('.jupyter-widgets.widget-vbox, .widget-vbox')"
        " || arguments[0].closest('.jp-OutputArea-output')",
        handle,
    )
    before = driver.execute_script("return arguments[0].innerText", area)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", handle)
    from selenium.webdriver.common.keys import Keys

    handle.click()
    for _ in range(4):
        handle.send_keys(Keys.ARROW_RIGHT)
    after = before
    end = time.monotonic() + 30
    while time.monotonic() < end:
        after = driver.execute_script("return arguments[0].innerText", area)
        if after != before:
            break
        time.sleep(0.3)
    assert after != before, "moving the slider did not change the widget's output"
