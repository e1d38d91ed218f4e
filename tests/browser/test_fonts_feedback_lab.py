"""Chinese drawn with the course font where no system font has it (issue 26.5): feedback pages and JupyterLab.

The machine running the browser suite has no Chinese system font, so every
ideograph must come from the font the page brings: the feedback page embeds
a cut of it; JupyterLab started as our commands start it
(:mod:`crm_lessons.runner.lab`) serves it through its custom CSS.
"""

from __future__ import annotations

import urllib.request

import nbformat
import pytest
from browser_helpers import DESKTOP, jupyterlab, missing_glyphs, only_local_resources, open_page, wait_for

pytestmark = pytest.mark.browser

TEXT = "客户关系管理：顾客份额与终身价值"


def _notebook() -> nbformat.NotebookNode:
    md = nbformat.v4.new_markdown_cell(f"# 第1章 {TEXT}")
    code = nbformat.v4.new_code_cell(
        "print('保留率提高五个百分点')",
        execution_count=1,
        outputs=[nbformat.v4.new_output("stream", name="stdout", text="保留率提高五个百分点\n")],
    )
    answer = nbformat.v4.new_code_cell("answer_1_1 = '乙'  # 在这里作答")
    answer.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False, "grade_id": "ans_1_1"}
    test = nbformat.v4.new_code_cell(
        "check.choice('1.1', answer_1_1)\n### BEGIN HIDDEN TESTS\nassert_choice(answer_1_1, 'C')\n### END HIDDEN TESTS",
        outputs=[
            nbformat.v4.new_output("error", ename="WrongAnswer", evalue="[隐藏测试 hidden test] 错误 wrong: 选项不对")
        ],
    )
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "test_1_1", "points": 1}
    test.metadata["nbgrader"]["score"] = 0.0
    nb = nbformat.v4.new_notebook(cells=[md, code, answer, test])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def test_feedback_page_draws_chinese_with_the_course_font(browser, tmp_path):
    pytest.importorskip("nbgrader")
    from nbconvert import HTMLExporter

    from crm_lessons.grading._config import nbgrader_config
    from crm_lessons.grading._execute import StudentFeedback

    config = nbgrader_config(str(tmp_path), db_url="sqlite://")
    config.HTMLExporter.template_name = "feedback"
    exporter = HTMLExporter(config=config)
    exporter.register_preprocessor(StudentFeedback(config=config), enabled=True)
    resources = {"nbgrader": {"notebook": "01_第一章", "score": 0, "max_score": 1, "late_penalty": 0}}
    page, _ = exporter.from_notebook_node(_notebook(), resources=resources)
    path = tmp_path / "feedback.html"
    path.write_text(page, encoding="utf-8")
    open_page(browser, path, size=DESKTOP)
    result = missing_glyphs(browser)
    assert result["checked"] > 30 and result["missing"] == [] and result["system_font"] == [], result
    assert only_local_resources(browser) == []
    assert "选项不对" in browser.find_element("tag name", "body").text and "assert_choice" not in page


@pytest.fixture(scope="module")
def lab_with_font(tmp_path_factory):
    """JupyterLab started as 'make lab' / 'make student' start it (crm_lessons.runner.lab), on a notebook."""
    root = tmp_path_factory.mktemp("labfont")
    nbformat.write(_notebook(), root / "chinese.ipynb")
    with jupyterlab(root) as served:
        yield served


def test_jupyterlab_draws_chinese_with_the_course_font(online_browser, lab_with_font):
    url, token = lab_with_font
    driver = online_browser
    driver.set_window_size(*DESKTOP)
    with urllib.request.urlopen(f"{url}/static/NotoSansSC-GB2312.otf?token={token}", timeout=10) as font:
        assert font.status == 200 and len(font.read()) > 1_000_000, "the font is served by the server"
    driver.get(f"{url}/lab/tree/chinese.ipynb?token={token}")
    output = wait_for(driver, "return document.querySelector('.jp-OutputArea-output pre')", timeout=120)
    family = driver.execute_script("return getComputedStyle(arguments[0]).fontFamily", output)
    assert "CRM Lessons Noto Sans SC" in family, family
    wait_for(
        driver,
        "return document.fonts.check('16px \"CRM Lessons Noto Sans SC\"', '客户') "
        "&& [...document.fonts].some(f => f.family.includes('CRM Lessons') && f.status === 'loaded')"
        " || (document.fonts.load('16px \"CRM Lessons Noto Sans SC\"', '客户') && false)",
        timeout=60,
    )
    result = missing_glyphs(driver)
    assert result["checked"] > 10 and result["missing"] == [] and result["system_font"] == [], result


def test_formgrader_page_draws_chinese_with_the_course_font(browser, tmp_path):
    """A submission as the formgrader shows it, rendered with the course's nbgrader_config.py."""
    pytest.importorskip("nbgrader")
    from nbconvert import HTMLExporter
    from traitlets.config.loader import PyFileConfigLoader

    from crm_lessons.grading._config import config_file_text

    (tmp_path / "nbgrader_config.py").write_text(config_file_text(), encoding="utf-8")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    config.HTMLExporter.template_name = "formgrade"
    resources = {  # what the formgrader's SubmissionHandler passes
        **{"assignment_id": "ch01", "notebook_id": "01", "submission_id": "s", "index": 0, "total": 1},
        **{"base_url": "", "student": "zoe", "last_name": None, "first_name": None, "notebook_path": "x"},
    }
    page, _ = HTMLExporter(config=config).from_notebook_node(_notebook(), resources=resources)
    path = tmp_path / "formgrade.html"
    path.write_text(page, encoding="utf-8")
    open_page(browser, path, size=DESKTOP)
    result = missing_glyphs(browser)
    assert result["checked"] > 20 and result["missing"] == [] and result["system_font"] == [], result
