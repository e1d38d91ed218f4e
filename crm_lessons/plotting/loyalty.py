"""Chapter 5 figures: satisfaction-loyalty curves under competition, repeat rate by cohort, segment profiles.

Each function takes the *result* of a compute function in
:mod:`crm_lessons.loyalty`, draws on ``ax`` (a new Axes when ``None``) and
returns the Axes.  Nothing global is changed.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from crm_lessons.plotting import axes_or_new

__all__ = ["plot_satisfaction_loyalty", "plot_repeat_by_cohort", "plot_silhouette"]


def plot_satisfaction_loyalty(curves: Mapping[str, pd.Series], *, ax=None):
    """Share loyal by satisfaction level, one line per market setting (Jones & Sasser 1995 shape).

    Parameters
    ----------
    curves : dict of str -> Series
        Label -> share loyal indexed by satisfaction (1-5), e.g.
        ``simulate_satisfaction_loyalty(...).groupby("satisfaction")["loyal"].mean()``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from crm_lessons.loyalty import simulate_satisfaction_loyalty
    >>> sim = simulate_satisfaction_loyalty(500, competition=5, switching_cost=0, random_state=0)
    >>> ax = plot_satisfaction_loyalty({"competitive": sim.groupby("satisfaction")["loyal"].mean()})
    >>> len(ax.lines)
    1
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    ax = axes_or_new(ax)
    for label, series in curves.items():
        ax.plot(series.index, series.to_numpy(), marker="o", label=label)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("满意度 satisfaction (1 = 非常不满意, 5 = 完全满意)")
    ax.set_ylabel("忠诚（留存）比例 share loyal")
    ax.set_title("竞争强度下的满意与忠诚")
    ax.legend(fontsize=8)
    return ax


def plot_repeat_by_cohort(cohorts: pd.DataFrame, *, ax=None):
    """Bar chart of the repeat-purchase rate per acquisition cohort.

    Parameters
    ----------
    cohorts : DataFrame
        Result of :func:`crm_lessons.loyalty.repeat_rate_by_cohort`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"repeat_rate": [0.45, 0.47]}, index=pd.PeriodIndex(["1997-01", "1997-02"], freq="M"))
    >>> len(plot_repeat_by_cohort(c).patches)
    2
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    ax = axes_or_new(ax)
    labels = [str(p) for p in cohorts.index]
    ax.bar(labels, cohorts["repeat_rate"].to_numpy(), color="C0")
    ax.set_ylim(0, 1)
    ax.set_xlabel("首购月份 cohort (month of first purchase)")
    ax.set_ylabel("重复购买率 repeat rate")
    ax.set_title("按获客月份的重复购买率")
    return ax


def plot_silhouette(silhouette: pd.DataFrame, *, ax=None):
    """Mean silhouette against the number of segments k, the chosen k marked.

    Parameters
    ----------
    silhouette : DataFrame
        ``ClusterResult.silhouette`` from :func:`crm_lessons.loyalty.kmeans_by_silhouette`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> ax = plot_silhouette(pd.DataFrame({"k": [2, 3, 4], "silhouette": [0.3, 0.4, 0.35]}))
    >>> len(ax.lines)
    2
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    ax = axes_or_new(ax)
    ax.plot(silhouette["k"], silhouette["silhouette"], marker="o", color="C0")
    best = silhouette.loc[silhouette["silhouette"].idxmax()]
    ax.axvline(best["k"], color="grey", ls="--", lw=1)
    ax.set_xlabel("细分数 k")
    ax.set_ylabel("平均轮廓系数 mean silhouette")
    ax.set_title(f"选择 k = {int(best['k'])}")
    return ax
