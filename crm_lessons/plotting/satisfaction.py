"""Chapter 4 figures: importance-performance grid, estimated vs true ACSI paths, NPS composition.

Each function takes the *result* of a compute function in
:mod:`crm_lessons.satisfaction`, draws on ``ax`` (a new Axes when ``None``)
and returns the Axes.  Nothing global is changed.
"""

from __future__ import annotations

import pandas as pd

from crm_lessons.plotting import axes_or_new

__all__ = ["plot_importance_performance", "plot_path_recovery", "plot_nps"]


def plot_importance_performance(ipa: pd.DataFrame, *, ax=None):
    """Importance-performance grid with cross-hairs at the means and quadrant names.

    Parameters
    ----------
    ipa : DataFrame
        Result of :func:`crm_lessons.satisfaction.importance_performance`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from crm_lessons.satisfaction import importance_performance
    >>> df = pd.DataFrame({"speed": [2, 4, 6, 8], "staff": [9, 8, 9, 8], "overall": [3, 5, 6, 9]})
    >>> ax = plot_importance_performance(importance_performance(df, attributes=["speed", "staff"], overall="overall"))
    >>> ax.get_xlabel()
    '表现 performance (mean rating)'
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    ax = axes_or_new(ax)
    x, y = ipa["performance"], ipa["importance"]
    ax.scatter(x, y, color="C0", zorder=3)
    for name, xi, yi in zip(ipa.index, x, y):
        ax.annotate(str(name), (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=9)
    ax.margins(x=0.2, y=0.25)  # room for the quadrant names in the corners
    ax.axvline(x.mean(), color="grey", lw=1, ls="--")
    ax.axhline(y.mean(), color="grey", lw=1, ls="--")
    corners = {
        "重点改进\nconcentrate here": (0.02, 0.98, "left", "top"),
        "继续保持\nkeep up the good work": (0.98, 0.98, "right", "top"),
        "低优先\nlow priority": (0.02, 0.02, "left", "bottom"),
        "过度投入\npossible overkill": (0.98, 0.02, "right", "bottom"),
    }
    for text, (cx, cy, ha, va) in corners.items():
        ax.text(cx, cy, text, transform=ax.transAxes, ha=ha, va=va, fontsize=8, color="grey")
    ax.set_xlabel("表现 performance (mean rating)")
    ax.set_ylabel("重要性 importance (derived)")
    ax.set_title("重要性-表现分析 IPA")
    return ax


def plot_path_recovery(estimates: pd.DataFrame, true_paths: pd.DataFrame, *, ax=None):
    """Estimated against true path coefficients, one point per path, with the 45-degree line.

    Parameters
    ----------
    estimates : DataFrame
        Result of :func:`crm_lessons.satisfaction.estimate_paths`.
    true_paths : DataFrame
        ``AcsiSurvey.true_paths`` (``source``, ``target``, ``coef``).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from crm_lessons.satisfaction import simulate_acsi_survey, composite_scores, estimate_paths
    >>> s = simulate_acsi_survey(300, random_state=0)
    >>> est = estimate_paths(composite_scores(s.items, s.constructs), s.true_paths)
    >>> len(plot_path_recovery(est, s.true_paths).collections)
    1
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    ax = axes_or_new(ax)
    merged = estimates.merge(true_paths, on=["source", "target"])
    ax.scatter(merged["coef"], merged["estimate"], color="C1", zorder=3)
    lo = min(merged["coef"].min(), merged["estimate"].min()) - 0.05
    hi = max(merged["coef"].max(), merged["estimate"].max()) + 0.05
    ax.plot([lo, hi], [lo, hi], color="grey", lw=1, ls="--")
    ax.set_xlabel("真实路径系数 true path")
    ax.set_ylabel("估计值 estimate")
    ax.set_title("ACSI 路径系数：估计 vs 真实")
    return ax


def plot_nps(nps: pd.Series, *, ax=None):
    """Horizontal stacked bar of detractors, passives and promoters with the NPS and its interval.

    Parameters
    ----------
    nps : Series
        Result of :func:`crm_lessons.satisfaction.net_promoter_score`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from crm_lessons.satisfaction import net_promoter_score
    >>> ax = plot_nps(net_promoter_score([10, 9, 8, 6, 3, 10]))
    >>> len(ax.patches)
    3
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    ax = axes_or_new(ax)
    left = 0.0
    parts = [
        ("detractors", "贬损者 detractors (0-6)", "C3"),
        ("passives", "被动者 passives (7-8)", "C7"),
        ("promoters", "推荐者 promoters (9-10)", "C2"),
    ]
    for key, label, color in parts:
        share = float(nps[key])
        ax.barh([0], [share], left=left, height=0.5, color=color, label=label)
        left += share
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, 0.6)
    ax.set_yticks([])
    ax.set_xlabel("占比 share of respondents")
    ax.set_title(f"NPS = {nps['nps']:.1f}  (95% CI {nps['ci_low']:.1f} to {nps['ci_high']:.1f})")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3, fontsize=8, frameon=False)
    return ax
