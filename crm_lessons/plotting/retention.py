"""Chapter 1 figure: how much a few points more retention raise a customer's NPV.

The function takes the result of :func:`crm_lessons.retention.uplift_table`,
draws on ``ax`` (a new Axes when ``None``) and returns the Axes.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from crm_lessons.plotting import axes_or_new

__all__ = ["plot_uplift"]


def plot_uplift(table: pd.DataFrame, *, published: Mapping[str, float] | None = None, ax=None):
    """One line per margin growth: NPV rise (%) against the base retention rate; published values as bands.

    Parameters
    ----------
    table : DataFrame
        Result of :func:`crm_lessons.retention.uplift_table`.
    published : mapping, optional
        Label -> published rise (e.g. ``REICHHELD_SASSER_1990``), drawn as
        horizontal reference lines.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from crm_lessons.retention import uplift_table
    >>> ax = plot_uplift(uplift_table(retentions=[0.7, 0.8, 0.9], margin_growths=[0.0, 0.05]))
    >>> len(ax.lines)
    2
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    ax = axes_or_new(ax)
    for g in table.columns:
        ax.plot(table.index * 100, table[g] * 100, marker="o", label=f"利润年增长 margin growth {g:.0%}")
    for label, value in (published or {}).items():
        ax.axhline(value * 100, color="grey", linestyle=":", linewidth=1)
        ax.annotate(
            label,
            (table.index.min() * 100, value * 100),
            fontsize=8,
            color="grey",
            xytext=(0, 2),
            textcoords="offset points",
        )
    ax.set_xlabel("目前的保留率 base retention (%)")
    ax.set_ylabel("客户净现值提高 NPV rise (%)")
    ax.legend(loc="upper left", bbox_to_anchor=(0, 0.76), fontsize=8)  # between the reference labels
    return ax
