"""Chapter 2 figures for customer classification: Lorenz curve, customer pyramid, ABC classes.

Each function takes the *result* of a compute function in
:mod:`crm_lessons.classification`, draws on ``ax`` (a new Axes when
``None``) and returns the Axes.  Nothing global is changed; call
:func:`crm_lessons.plotting.set_theme` first for Chinese fonts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_lessons._validation import DataError, require_columns, require_dataframe
from crm_lessons.plotting import axes_or_new, bilingual

__all__ = ["plot_lorenz", "plot_pyramid", "plot_abc"]


#: Most points of a Lorenz curve drawn (a curve of millions of customers is thinned to evenly spaced
#: points: at this many the chords are within a pixel of the curve, and the figure stays small).
_MAX_CURVE_POINTS = 2001


def plot_lorenz(curve: pd.DataFrame, *, top_share: float | None = 0.2, ax: Any = None, lang: str | None = None) -> Any:
    """Lorenz curve of customer value with the equality line and the "top 20 %" point.

    Parameters
    ----------
    curve : DataFrame
        Output of :func:`crm_lessons.classification.lorenz_curve`.
    top_share : float or None, default 0.2
        Mark the point where the top ``top_share`` of customers begins and
        annotate their share of value; ``None`` for no mark.
    ax : matplotlib Axes, optional
    lang : {None, "zh", "en"}
        Labels in Chinese and English (default), or in one language (reports).

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    DataError
        Missing columns or ``top_share`` outside (0, 1).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from crm_lessons.classification import lorenz_curve
    >>> ax = plot_lorenz(lorenz_curve([1, 2, 3, 4, 10]), top_share=0.2)
    >>> len(ax.lines)
    3
    >>> plt.close(ax.figure)
    """
    where = "plot_lorenz"
    require_dataframe(curve, where=where)
    require_columns(curve, ["customer_share", "value_share"], where=where)
    if top_share is not None and not 0 < top_share < 1:
        raise DataError(f"{where}: top_share={top_share!r} should be in (0, 1), e.g. 0.2, or None")
    ax = axes_or_new(ax)
    x, y = curve["customer_share"].to_numpy(), curve["value_share"].to_numpy()
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label=bilingual("完全平均", "equality", lang))
    if top_share is not None:
        px = 1.0 - top_share
        py = float(np.interp(px, x, y))  # from every point, before thinning
    if len(x) > _MAX_CURVE_POINTS:  # drawn through evenly spaced points of the curve: the same picture
        keep = np.unique(np.linspace(0, len(x) - 1, _MAX_CURVE_POINTS).round().astype(np.intp))
        x, y = x[keep], y[keep]
    ax.plot(x, y, linewidth=2, label=bilingual("洛伦兹曲线", "Lorenz curve", lang))
    ax.fill_between(x, y, x, alpha=0.15)
    if top_share is not None:
        ax.plot([px], [py], marker="o", color="C3", linestyle="none")
        ax.vlines(px, 0, py, colors="C3", linestyles=":", linewidth=1)
        ax.hlines(py, 0, px, colors="C3", linestyles=":", linewidth=1)
        ax.annotate(
            bilingual(
                f"前 {top_share:.0%} 客户贡献 {1 - py:.1%} 收入",
                f"top {top_share:.0%} of customers: {1 - py:.1%} of revenue",
                lang,
                sep="\n",
            ),
            xy=(px, py),
            xytext=(0.05, 0.72),
            textcoords="axes fraction",
            fontsize=9,
            arrowprops={"arrowstyle": "->", "color": "C3"},
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel(bilingual("客户累计占比（价值由低到高）", "cumulative share of customers (lowest value first)", lang))
    ax.set_ylabel(bilingual("收入累计占比", "cumulative share of revenue", lang))
    ax.set_title(bilingual("洛伦兹曲线", "Lorenz curve of customer value", lang))
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_pyramid(summary: pd.DataFrame, *, ax: Any = None, lang: str | None = None) -> Any:
    """Customer pyramid as a two-sided bar chart: customers to the left, revenue to the right.

    One row per tier, top tier at the top.  The left bars (share of
    customers) form the pyramid, widest at the bottom; the right bars
    (share of revenue) show how much each tier brings in.

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`crm_lessons.classification.pyramid_tiers` or
        :func:`~crm_lessons.classification.pyramid_summary` (top tier first).
    ax : matplotlib Axes, optional
    lang : {None, "zh", "en"}
        Labels in Chinese and English (default), or in one language (reports).

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    DataError
        Missing columns.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from crm_lessons.classification import pyramid_tiers
    >>> ax = plot_pyramid(pyramid_tiers(list(range(1, 101))))
    >>> len(ax.patches)
    8
    >>> plt.close(ax.figure)
    """
    where = "plot_pyramid"
    require_dataframe(summary, where=where)
    require_columns(summary, ["tier_zh", "customer_share", "revenue_share"], where=where)
    ax = axes_or_new(ax)
    n = len(summary)
    y = np.arange(n)[::-1]  # first (top) tier highest
    cust = summary["customer_share"].to_numpy(dtype="float64")
    rev = summary["revenue_share"].to_numpy(dtype="float64")
    ax.barh(y, -cust, height=0.8, color="C0", label=bilingual("客户占比", "share of customers", lang))
    ax.barh(y, rev, height=0.8, color="C1", label=bilingual("收入占比", "share of revenue", lang))
    for yi, c, r in zip(y, cust, rev):
        ax.text(-c - 0.02, yi, f"{c:.1%}", va="center", ha="right", fontsize=9)
        ax.text(r + 0.02, yi, f"{r:.1%}", va="center", ha="left", fontsize=9)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(
        y,
        [
            str(zh) if lang == "zh" or str(zh) == str(tier) else str(tier) if lang == "en" else f"{zh}\n{tier}"
            for tier, zh in zip(summary.index, summary["tier_zh"])
        ],
    )
    ax.set_xlim(-1.25, 1.25)
    ticks = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    ax.set_xticks(ticks, [f"{abs(t):.0%}" for t in ticks])
    ax.set_xlabel(
        bilingual("← 客户占比  |  收入占比 →", "← share of customers  |  share of revenue →", lang)
        if lang
        else "← 客户占比 share of customers  |  收入占比 share of revenue →"
    )
    ax.set_title(bilingual("客户金字塔", "customer pyramid", lang))
    ax.legend(loc="upper right", fontsize=8)
    return ax


def plot_abc(summary: pd.DataFrame, *, ax: Any = None) -> Any:
    """Share of customers and of value per ABC class, side by side.

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`crm_lessons.classification.abc_summary`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    DataError
        Missing columns.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from crm_lessons.classification import abc_classes, abc_summary
    >>> ax = plot_abc(abc_summary(abc_classes([50.0, 30.0, 10.0, 6.0, 4.0])))
    >>> len(ax.patches)
    6
    >>> plt.close(ax.figure)
    """
    where = "plot_abc"
    require_dataframe(summary, where=where)
    require_columns(summary, ["customer_share", "value_share"], where=where)
    ax = axes_or_new(ax)
    x = np.arange(len(summary))
    ax.bar(x - 0.2, summary["customer_share"], width=0.4, label="客户占比 share of customers")
    ax.bar(x + 0.2, summary["value_share"], width=0.4, label="收入占比 share of revenue")
    ax.set_xticks(x, [str(c) for c in summary.index])
    ax.set_ylim(0, 1)
    ax.set_xlabel("ABC 类别 class")
    ax.set_ylabel("占比 share")
    ax.set_title("ABC 分类 ABC (Pareto) classes")
    ax.legend(fontsize=8)
    return ax
