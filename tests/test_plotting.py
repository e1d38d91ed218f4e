"""Figures speak Chinese on a fresh install, and importing the package changes no global state."""

from __future__ import annotations

import subprocess
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from crm_lessons.plotting import FONT_FAMILY, font_path, set_theme  # noqa: E402

# Every character class a chapter uses: hanzi, CJK punctuation, fullwidth forms (￥), digits, Latin.
TEXT = "客户金字塔：贵宾型、重要型（platinum/gold）￥1,234.50 −5% 满意度 忠诚度 流失预警 终身价值"


def test_font_ships_with_licence():
    assert font_path().is_file() and font_path().stat().st_size > 1_000_000
    assert "SIL Open Font License" in (font_path().parent / "OFL.txt").read_text(encoding="utf-8")


def test_chinese_renders_without_missing_glyphs(tmp_path):
    with matplotlib.rc_context():  # restore rcParams afterwards
        set_theme()
        _render_chinese(tmp_path)


def _render_chinese(tmp_path):
    fig, ax = plt.subplots()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
            ax.set_title(TEXT)
            ax.set_xlabel("日期 date")
            ax.set_ylabel("金额 amount (￥)")
            ax.plot([0, 1], [-1, 2], label="图例 legend")
            ax.legend()
            fig.savefig(tmp_path / "zh.png")
        # the glyphs really come from the bundled font, not from a fallback box
        from matplotlib.font_manager import FontProperties, findfont

        assert findfont(FontProperties(family=FONT_FAMILY)) == str(font_path())
    finally:
        plt.close(fig)


def test_missing_glyph_is_detected_without_the_theme(tmp_path):
    """The check above can fail: DejaVu Sans alone has no hanzi and matplotlib warns."""
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        try:
            ax.set_title("客户")
            with pytest.warns(UserWarning, match="missing from font"):
                fig.savefig(tmp_path / "box.png")
        finally:
            plt.close(fig)


def test_import_changes_no_global_state():
    """Importing any crm_lessons module changes no pandas option, warning filter, rcParam or seed.

    Third-party libraries are imported first: some of them (scipy, statsmodels)
    add warning filters of their own when imported, which is not ours to judge.
    """
    code = (
        "import matplotlib, pandas, warnings, numpy as np, scipy.stats, scipy.optimize, scipy.special, sklearn, "
        "sklearn.cluster, sklearn.metrics, statsmodels.api, seaborn, ipywidgets, nbformat, pkgutil, importlib\n"
        "def snap():\n"
        "    return (dict(matplotlib.rcParams), pandas.get_option('display.max_rows'), "
        "pandas.get_option('mode.copy_on_write'), list(warnings.filters), np.random.get_state()[1][:5].tolist())\n"
        "before = snap()\n"
        "import crm_lessons\n"
        "names = [m.name for m in pkgutil.walk_packages(crm_lessons.__path__, 'crm_lessons.') "
        "if not m.name.endswith('__main__')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "assert len(names) >= 15, names\n"
        "assert snap() == before, 'importing crm_lessons changed global state'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_lorenz_of_many_customers_is_drawn_through_fewer_points_of_the_same_curve():
    """A million-customer curve is thinned for drawing; the points kept lie on the curve and the
    top-20% marker is read from every point (classification.top_share)."""
    import numpy as np

    from crm_lessons.classification import lorenz_curve, top_share
    from crm_lessons.plotting.classification import plot_lorenz

    values = np.random.default_rng(3).pareto(1.5, 50_000) + 1
    curve = lorenz_curve(values)
    ax = plot_lorenz(curve)
    try:
        line = ax.lines[1]  # [0] is the diagonal
        x, y = line.get_xdata(), line.get_ydata()
        assert 100 < len(x) <= 2001
        assert (x[0], y[0], x[-1], y[-1]) == (0.0, 0.0, 1.0, 1.0)
        np.testing.assert_allclose(y, np.interp(x, curve["customer_share"], curve["value_share"]), atol=1e-12)
        marker = ax.lines[2]
        assert abs(1 - marker.get_ydata()[0] - top_share(values, 0.2)) < 1e-4
    finally:
        plt.close(ax.figure)
