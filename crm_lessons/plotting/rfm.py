"""Chapter 2 figures for RFM and segmentation: RFM heatmap, response by group, segment profiles, choosing k.

Each function takes the *result* of a compute function in
:mod:`crm_lessons.rfm` or :mod:`crm_lessons.segmentation`, draws on ``ax``
(a new Axes when ``None``) and returns the Axes.  Nothing global is changed;
call :func:`crm_lessons.plotting.set_theme` first for Chinese fonts.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from crm_lessons._validation import require_columns, require_dataframe
from crm_lessons.plotting import axes_or_new, bilingual
from crm_lessons.rfm import rfm_grid

__all__ = ["plot_rfm_heatmap", "plot_response_rate", "plot_segment_profiles", "plot_choose_k"]

_AGG_LABEL = {
    "mean": ("平均", "mean"),
    "median": ("中位数", "median"),
    "sum": ("合计", "total"),
    "count": ("客户数", "customers"),
}


def plot_rfm_heatmap(
    data: pd.DataFrame,
    *,
    value: str = "total_spend",
    agg: Literal["mean", "median", "sum", "count"] = "mean",
    annot: bool = True,
    ax: Any = None,
    lang: str | None = None,
) -> Any:
    """Heatmap of R score (rows, most recent on top) x F score (columns).

    Parameters
    ----------
    data : DataFrame
        Scores joined with the RFM table, ``rfm_scores(t).join(t)``; the cell
        values come from :func:`crm_lessons.rfm.rfm_grid`.
    value, agg
        Passed to :func:`~crm_lessons.rfm.rfm_grid` (default: mean
        ``total_spend``; ``agg="count"`` shows customers per cell).
    annot : bool, default True
        Write the value in each cell.
    ax : matplotlib Axes, optional
    lang : {None, "zh", "en"}
        Labels in Chinese and English (default), or in one language (reports).

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    DataError
        As :func:`~crm_lessons.rfm.rfm_grid`.

    Examples
    --------
    >>> import matplotlib
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from crm_lessons.plotting import set_theme
    >>> d = pd.DataFrame({"r_score": [1, 1, 2, 2], "f_score": [1, 2, 1, 2], "total_spend": [5.0, 7.0, 10.0, 20.0]})
    >>> with matplotlib.rc_context():
    ...     set_theme()
    ...     ax = plot_rfm_heatmap(d)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['2', '1']
    >>> plt.close(ax.figure)
    """
    grid = rfm_grid(data, value=value, agg=agg)
    ax = axes_or_new(ax)
    fmt = "d" if agg == "count" else ".0f"
    what = bilingual(*_AGG_LABEL[agg], lang)
    if agg != "count":
        what = f"{what} {value}"
    _heatmap(grid, annot=annot, fmt=fmt, cmap="YlGnBu", label=what, ax=ax)
    ax.set_xlabel(
        bilingual("F 得分（5 = 购买最频繁）", "F score (5 = most frequent)", lang)
        if lang
        else "F 得分 F score (5 = 购买最频繁 most frequent)"
    )
    ax.set_ylabel(
        bilingual("R 得分（5 = 最近购买）", "R score (5 = most recent)", lang)
        if lang
        else "R 得分 R score (5 = 最近购买 most recent)"
    )
    ax.set_title(
        bilingual("RFM 热力图", "RFM heatmap", lang, sep=" ") + f": {what}" if lang else f"RFM 热力图 heatmap: {what}"
    )
    return ax


def _heatmap(grid: pd.DataFrame, *, annot: bool, fmt: str, cmap: str, label: str, ax: Any) -> None:
    """``seaborn.heatmap(grid, annot=annot, fmt=fmt, cmap=cmap, cbar_kws={"label": label}, ax=ax)`` in matplotlib.

    The same figure (cells, colour bar, annotations in dark or white by the cell's luminance,
    tick labels at the cell centres, y axis top-down, no spines) without importing seaborn,
    which imports scipy.stats: about 0.4 s of every report.
    """
    import matplotlib as mpl

    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    for spine in ax.spines.values():
        spine.set_visible(False)
    mesh = ax.pcolormesh(
        values, cmap=mpl.colormaps[cmap], vmin=values.min(), vmax=values.max(), linewidths=0, edgecolor="white"
    )
    rows, cols = grid.shape
    ax.set(xlim=(0, cols), ylim=(0, rows))
    ax.invert_yaxis()
    bar = ax.figure.colorbar(mesh, None, ax, label=label)
    bar.outline.set_linewidth(0)
    ax.set(xticks=np.arange(cols) + 0.5, yticks=np.arange(rows) + 0.5)
    ax.set_xticklabels(list(grid.columns))
    ylabels = ax.set_yticklabels(list(grid.index), rotation="vertical")
    for text in ylabels:
        text.set_verticalalignment("center")
    ax.set(xlabel=grid.columns.name or "", ylabel=grid.index.name or "")
    if annot:
        mesh.update_scalarmappable()
        shown, masked = grid.to_numpy(), np.ma.getmaskarray(values)
        for (y, x), color in zip(np.ndindex(rows, cols), mesh.get_facecolors(), strict=True):
            if masked[y, x]:
                continue
            rgb = np.asarray(color[:3])
            rgb = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)  # relative luminance
            text_color = ".15" if rgb.dot([0.2126, 0.7152, 0.0722]) > 0.408 else "w"
            ax.text(x + 0.5, y + 0.5, format(shown[y, x], fmt), color=text_color, ha="center", va="center")


def plot_response_rate(
    response: pd.DataFrame,
    *,
    break_even: float | None = None,
    ax: Any = None,
) -> Any:
    """Response rate per group with Wilson intervals, the overall rate and an optional break-even line.

    Parameters
    ----------
    response : DataFrame
        Output of :func:`crm_lessons.rfm.response_by_group`.
    break_even : float, optional
        Break-even response rate (e.g. mailing cost / profit per sale),
        drawn as a dashed red line.
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
    >>> import pandas as pd
    >>> from crm_lessons.rfm import response_by_group
    >>> d = pd.DataFrame({"score": [1, 1, 2, 2, 3, 3], "y": [0, 0, 0, 1, 1, 1]})
    >>> ax = plot_response_rate(response_by_group(d, group_col="score", response_col="y"), break_even=0.4)
    >>> len(ax.patches)
    3
    >>> plt.close(ax.figure)
    """
    where = "plot_response_rate"
    require_dataframe(response, where=where)
    require_columns(response, ["n", "responders", "response_rate", "ci_low", "ci_high"], where=where)
    ax = axes_or_new(ax)
    x = np.arange(len(response))
    rate = response["response_rate"].to_numpy(dtype="float64")
    err = np.vstack([rate - response["ci_low"].to_numpy(), response["ci_high"].to_numpy() - rate])
    ax.bar(x, rate, yerr=err, capsize=3, color="C0", label="响应率 response rate (95% Wilson CI)")
    overall = response["responders"].sum() / response["n"].sum()
    ax.axhline(overall, color="grey", linestyle=":", label=f"总体 overall {overall:.1%}")
    if break_even is not None:
        ax.axhline(break_even, color="C3", linestyle="--", label=f"盈亏平衡 break-even {break_even:.1%}")
    ax.set_xticks(x, [str(g) for g in response.index])
    ax.set_xlabel(f"{response.index.name or 'group'}")
    ax.set_ylabel("响应率 response rate")
    ax.set_title("各组响应率 response rate by group")
    ax.legend(fontsize=8)
    return ax


def plot_segment_profiles(profiles: pd.DataFrame, *, ax: Any = None) -> Any:
    """Share of customers and of revenue per segment, side by side.

    Parameters
    ----------
    profiles : DataFrame
        Output of :func:`crm_lessons.segmentation.segment_profiles`.
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
    >>> import pandas as pd
    >>> from crm_lessons.segmentation import segment_profiles
    >>> rfm = pd.DataFrame({"days_since_last": [5, 15, 300], "n_purchases": [4, 2, 1],
    ...                     "total_spend": [60.0, 20.0, 20.0]})
    >>> ax = plot_segment_profiles(segment_profiles(rfm, pd.Series([0, 0, 1])))
    >>> len(ax.patches)
    4
    >>> plt.close(ax.figure)
    """
    where = "plot_segment_profiles"
    require_dataframe(profiles, where=where)
    require_columns(profiles, ["customer_share", "revenue_share"], where=where)
    ax = axes_or_new(ax)
    x = np.arange(len(profiles))
    ax.bar(x - 0.2, profiles["customer_share"], width=0.4, label="客户占比 share of customers")
    ax.bar(x + 0.2, profiles["revenue_share"], width=0.4, label="收入占比 share of revenue")
    ax.set_xticks(x, [str(s) for s in profiles.index])
    ax.set_xlabel("细分 segment (0 = 平均消费最高 highest mean spend)")
    ax.set_ylabel("占比 share")
    ax.set_title("客户细分概况 segment profiles")
    ax.legend(fontsize=8)
    return ax


def plot_choose_k(table: pd.DataFrame, *, ax: Any = None) -> Any:
    """Elbow (inertia) and silhouette against k, on two y axes; the best k is marked.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`crm_lessons.segmentation.choose_k`.
    ax : matplotlib Axes, optional
        Axes for the inertia; the silhouette goes on a twin axis.

    Returns
    -------
    matplotlib Axes
        The inertia axes.

    Raises
    ------
    DataError
        Missing columns.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> t = pd.DataFrame({"k": [2, 3, 4], "inertia": [90.0, 40.0, 35.0],
    ...                   "silhouette": [0.5, 0.7, 0.6], "best": [False, True, False]})
    >>> ax = plot_choose_k(t)
    >>> len(ax.lines)
    2
    >>> plt.close(ax.figure)
    """
    where = "plot_choose_k"
    require_dataframe(table, where=where)
    require_columns(table, ["k", "inertia", "silhouette"], where=where)
    ax = axes_or_new(ax)
    k = table["k"].to_numpy()
    ax.plot(k, table["inertia"], marker="o", color="C0", label="组内平方和 inertia (elbow)")
    twin = ax.twinx()
    twin.plot(k, table["silhouette"], marker="s", color="C1", label="轮廓系数 silhouette")
    twin.grid(False)
    best = int(k[int(np.argmax(table["silhouette"].to_numpy()))])
    ax.axvline(best, color="grey", linestyle=":", label=f"最佳 best k = {best}")
    ax.set_xticks(k)
    ax.set_xlabel("簇数 number of clusters k")
    ax.set_ylabel("组内平方和 inertia", color="C0")
    twin.set_ylabel("轮廓系数 silhouette", color="C1")
    ax.set_title("选择 k: 肘部法与轮廓系数 elbow and silhouette")
    handles = ax.get_legend_handles_labels()
    handles2 = twin.get_legend_handles_labels()
    ax.legend(handles[0] + handles2[0], handles[1] + handles2[1], fontsize=8, loc="center right")
    return ax
