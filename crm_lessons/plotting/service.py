"""Chapter 8 figures: service level against staffing, waiting-time distributions, Bass diffusion.

Each function takes the *result* of a compute function in
:mod:`crm_lessons.service`, draws on ``ax`` (a new Axes when ``None``) and
returns the Axes.  Nothing global is changed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crm_lessons.plotting import axes_or_new

__all__ = ["plot_bass_fit", "plot_staffing", "plot_waits"]


def plot_staffing(table: pd.DataFrame, *, target_level: float | None = None, ax=None):
    """Service level and occupancy against the number of agents.

    Parameters
    ----------
    table : DataFrame
        Result of :func:`crm_lessons.service.staffing_table`.
    target_level : float, optional
        Draws the service-level target as a dashed line.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from crm_lessons.service import staffing_table
    >>> ax = plot_staffing(staffing_table(2.0, aht=4.0, target_time=1 / 3), target_level=0.8)
    >>> ax.get_xlabel()
    '坐席数 agents'
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    ax = axes_or_new(ax)
    ax.plot(table.index, table["service_level"], marker="o", label="服务水平 service level")
    ax.plot(table.index, table["occupancy"], marker="s", ls="--", label="占用率 occupancy")
    if target_level is not None:
        ax.axhline(target_level, color="grey", lw=1, ls=":", label=f"目标 target {target_level:.0%}")
    ax.set_xlabel("坐席数 agents")
    ax.set_ylabel("比例 share")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    return ax


def plot_waits(sims: Mapping[str, pd.DataFrame], *, ax=None):
    """Share of customers still waiting after t (survival curve of the wait), one line per scenario.

    Parameters
    ----------
    sims : dict
        Label -> result of :func:`crm_lessons.service.simulate_queue`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from crm_lessons.service import simulate_queue
    >>> ax = plot_waits({"a": simulate_queue(1.0, aht=0.8, agents=1, n_customers=200, random_state=0)})
    >>> ax.get_ylabel()
    '等待超过 t 的比例 share waiting longer than t'
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    ax = axes_or_new(ax)
    for label, sim in sims.items():
        w = np.sort(sim["wait"].to_numpy())
        share = 1 - np.arange(1, len(w) + 1) / len(w)
        ax.step(w, share, where="post", label=str(label))
    ax.set_xlabel("等待时间 t (分钟 minutes)")
    ax.set_ylabel("等待超过 t 的比例 share waiting longer than t")
    ax.set_ylim(0, 1)
    ax.set_xlim(left=0)
    ax.legend()
    return ax


def plot_bass_fit(adoptions: pd.Series, fit: pd.Series, *, horizon: int | None = None, ax=None):
    """Observed adopters per period and the fitted Bass curve.

    Parameters
    ----------
    adoptions : Series
        Adopters per period (index 1..T), e.g. from
        :func:`crm_lessons.service.simulate_bass`.
    fit : Series
        Result of :func:`crm_lessons.service.fit_bass`.
    horizon : int, optional
        Periods to draw the fitted curve for (default ``T``).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from crm_lessons.service import bass_adoptions, fit_bass
    >>> x = pd.Series(bass_adoptions(12, p=0.03, q=0.4, m=100), index=range(1, 13))
    >>> ax = plot_bass_fit(x, fit_bass(x), horizon=20)
    >>> len(ax.lines)
    1
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    from crm_lessons.service import bass_adoptions

    ax = axes_or_new(ax)
    h = int(horizon) if horizon is not None else len(adoptions)
    ax.bar(np.asarray(adoptions.index), adoptions.to_numpy(), color="C0", alpha=0.5, label="观测 observed")
    curve = bass_adoptions(h, p=fit["p"], q=fit["q"], m=fit["m"])
    ax.plot(
        np.arange(1, h + 1), curve, color="C3", marker=".", label=f"Bass 拟合 fit: p={fit['p']:.3f}, q={fit['q']:.2f}"
    )
    ax.set_xlabel("上市后期数 period since launch")
    ax.set_ylabel("新增采用者 new adopters")
    ax.legend()
    return ax
