"""Figures for the course: a theme that renders Chinese text, and plot functions per chapter.

This package is the only place that imports matplotlib and seaborn.  Plot
functions live in one submodule per chapter (``crm_lessons.plotting.rfm``,
``crm_lessons.plotting.clv``, ...); each takes the *result* of a compute
function, draws on ``ax`` (a new one when ``None``) and returns the Axes.

Importing changes nothing global.  Call :func:`set_theme` once at the top of
a notebook: it registers the bundled Noto Sans SC subset (OFL, see
``crm_lessons/fonts/OFL.txt``) with matplotlib - no admin rights, no network,
no font-cache rebuild - and applies a seaborn theme whose font family lists
it first, so that Chinese titles and labels render on Linux, macOS and
Windows alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crm_lessons.fonts import font_path

__all__ = ["FONT_FAMILY", "axes_or_new", "bilingual", "figure_for_display", "font_path", "register_font", "set_theme"]

#: seaborn 0.13's ``set_theme(context="notebook", style="whitegrid", palette="deep")`` as rcParams (the axes
#: style, then the context), applied without importing seaborn, which imports scipy.stats: about 0.5 s of
#: every process that draws (``tests/test_report_runner.py`` checks it against seaborn).  seaborn's style
#: also sets ``image.cmap`` to its "rocket", registered when seaborn is imported: set only then.
_SEABORN_THEME: dict[str, Any] = {
    "figure.facecolor": "white",
    "axes.labelcolor": ".15",
    "xtick.direction": "out",
    "ytick.direction": "out",
    "xtick.color": ".15",
    "ytick.color": ".15",
    "axes.axisbelow": True,
    "grid.linestyle": "-",
    "text.color": ".15",
    "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "xtick.top": False,
    "ytick.right": False,
    "axes.grid": True,
    "axes.facecolor": "white",
    "axes.edgecolor": ".8",
    "grid.color": ".8",
    "axes.spines.left": True,
    "axes.spines.bottom": True,
    "axes.spines.right": True,
    "axes.spines.top": True,
    "xtick.bottom": False,
    "ytick.left": False,
    "axes.linewidth": 1.25,
    "grid.linewidth": 1,
    "lines.linewidth": 1.5,
    "lines.markersize": 6,
    "patch.linewidth": 1,
    "xtick.major.width": 1.25,
    "ytick.major.width": 1.25,
    "xtick.minor.width": 1,
    "ytick.minor.width": 1,
    "xtick.major.size": 6,
    "ytick.major.size": 6,
    "xtick.minor.size": 4,
    "ytick.minor.size": 4,
    "font.size": 12.0,
    "axes.labelsize": 12.0,
    "axes.titlesize": 12.0,
    "xtick.labelsize": 11.0,
    "ytick.labelsize": 11.0,
    "legend.fontsize": 11.0,
    "legend.title_fontsize": 12.0,
}
#: seaborn's "deep" palette (the colour cycle) and the colours it gives the codes "b", "g", "r", "m", "y", "c", "k".
_DEEP = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"]
_DEEP_CODES = dict(zip("bgrmyc", (_DEEP[i] for i in (0, 2, 3, 4, 8, 9)), strict=True))  # as seaborn's set_color_codes

#: Family name of the bundled font, as matplotlib sees it.
FONT_FAMILY = "Noto Sans SC"
_FALLBACK = ["DejaVu Sans"]  # Latin-1 signs such as ¥ (U+00A5) that the GB2312 subset lacks


def axes_or_new(ax: Any = None) -> Any:
    """Return ``ax``, or the Axes of a new figure when ``ax`` is ``None`` (for plot functions)."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def figure_for_display(draw: Any, *, figsize: tuple[float, float] = (6.4, 4.8)) -> Any:
    """A new figure drawn by ``draw(ax)`` and released from pyplot, for ``display`` in a widget's output.

    Widgets redraw a figure on every change; released at once, it is shown only where it is
    displayed, and pyplot keeps no reference to it.

    Examples
    --------
    >>> fig = figure_for_display(lambda ax: ax.plot([0, 1]), figsize=(3, 2))
    >>> type(fig).__name__, fig.get_size_inches().tolist()
    ('Figure', [3.0, 2.0])
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    try:
        draw(ax)
    finally:
        plt.close(fig)
    return fig


def bilingual(zh: str, en: str, lang: str | None = None, *, sep: str = " ") -> str:
    """A figure label in the chapters' style (Chinese and English) or in one language.

    Parameters
    ----------
    zh, en : str
        The label in Chinese and in English.
    lang : {None, "zh", "en"}
        ``None`` (the chapters): both, Chinese first; ``"zh"`` or ``"en"`` (a report in
        one language): that one only.

    Examples
    --------
    >>> bilingual("客户占比", "share of customers"), bilingual("客户占比", "share of customers", "en")
    ('客户占比 share of customers', 'share of customers')
    """
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    if lang is not None:
        raise ValueError(f"lang={lang!r} should be None, 'zh' or 'en'")
    return f"{zh}{sep}{en}"


def register_font() -> str:
    """Register the bundled Chinese font with matplotlib and return its family name.

    Safe to call repeatedly.

    Examples
    --------
    >>> register_font()
    'Noto Sans SC'
    """
    from matplotlib import font_manager

    path = str(font_path())
    known = {Path(f.fname).resolve() for f in font_manager.fontManager.ttflist}
    if Path(path).resolve() not in known:
        font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def set_theme(
    *,
    context: str = "notebook",
    style: str = "whitegrid",
    palette: str = "deep",
    font_scale: float = 1.0,
    rc: dict[str, Any] | None = None,
) -> None:
    """Apply the course's seaborn theme with Chinese-capable fonts.

    Parameters
    ----------
    context, style, palette, font_scale
        Passed to :func:`seaborn.set_theme`.
    rc : dict, optional
        Extra matplotlib rcParams, applied last.

    Notes
    -----
    ``seaborn.set_theme()`` resets fonts, so call this function (not a plain
    ``sns.set_theme()``) after any other theme call.  Figures use the Noto
    Sans SC subset for Chinese and fall back per glyph to DejaVu Sans.
    With the default arguments seaborn is not imported: its theme's values are
    applied directly (the same rcParams and colour codes; ``image.cmap`` is
    seaborn's "rocket" only when seaborn has been imported).

    Examples
    --------
    >>> import matplotlib
    >>> set_theme()
    >>> matplotlib.rcParams["font.family"][0]
    'Noto Sans SC'
    >>> matplotlib.rcParams["axes.unicode_minus"]
    False
    """
    family = register_font()
    params: dict[str, Any] = {
        "font.family": [family, *_FALLBACK],
        "font.sans-serif": [family, *_FALLBACK],
        "axes.unicode_minus": False,  # the subset has no U+2212 minus sign
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "figure.figsize": (7.0, 4.2),
    }
    params.update(rc or {})
    if (context, style, palette, font_scale) != ("notebook", "whitegrid", "deep", 1.0):
        import seaborn as sns

        sns.set_theme(context=context, style=style, palette=palette, font_scale=font_scale, rc=params)
        return
    import matplotlib as mpl
    from matplotlib import colors
    from matplotlib.rcsetup import cycler  # matplotlib's validating cycler (cycler itself is not a declared dependency)

    theme = dict(_SEABORN_THEME)
    if "rocket" in mpl.colormaps:  # registered by seaborn
        theme["image.cmap"] = "rocket"
    rc_params: Any = mpl.rcParams
    rc_params.update(theme)
    rc_params["axes.prop_cycle"] = cycler("color", [colors.to_rgb(c) for c in _DEEP])
    codes: list[tuple[str, Any]] = [*_DEEP_CODES.items(), ("k", (0.1, 0.1, 0.1))]
    for code, color in codes:
        colors.colorConverter.colors[code] = colors.to_rgb(color)
    rc_params.update(params)
