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

    Examples
    --------
    >>> import matplotlib
    >>> set_theme()
    >>> matplotlib.rcParams["font.family"][0]
    'Noto Sans SC'
    >>> matplotlib.rcParams["axes.unicode_minus"]
    False
    """
    import seaborn as sns

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
    sns.set_theme(context=context, style=style, palette=palette, font_scale=font_scale, rc=params)
