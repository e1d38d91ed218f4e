"""Chapter 6 figures: lifecycle cohorts and customer lifetime value models.

Each function takes the *result* of a compute function in
:mod:`crm_lessons.clv` or :mod:`crm_lessons.lifecycle`, draws on ``ax`` (a
new Axes when ``None``) and returns the Axes.  Nothing global is changed;
call :func:`crm_lessons.plotting.set_theme` first for Chinese fonts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_lessons._validation import require_columns, require_dataframe
from crm_lessons.plotting import axes_or_new

__all__ = [
    "plot_tracking",
    "plot_holdout_by_frequency",
    "plot_p_alive_matrix",
    "plot_survival",
    "plot_cohort_heatmap",
    "plot_stage_distribution",
]


def plot_tracking(data: pd.DataFrame, *, ax: Any = None) -> Any:
    """Cumulative repeat transactions, actual (solid) and expected (dashed), with the calibration end marked.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`crm_lessons.clv.tracking_data` (``actual``,
        ``expected``, ``calibration``).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    DataError
        When a required column is missing.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> d = pd.DataFrame({"actual": [1, 3, 4], "expected": [1.2, 2.5, 4.1], "calibration": [True, True, False]},
    ...                  index=pd.RangeIndex(1, 4, name="period"))
    >>> ax = plot_tracking(d)
    >>> [line.get_label() for line in ax.get_lines()][:2]
    ['实际 actual', '模型 model']
    >>> plt.close(ax.figure)
    """
    require_dataframe(data, where="plot_tracking")
    require_columns(data, ["actual", "expected", "calibration"], where="plot_tracking")
    ax = axes_or_new(ax)
    ax.plot(data.index, data["actual"], color="C0", label="实际 actual")
    ax.plot(data.index, data["expected"], color="C1", linestyle="--", label="模型 model")
    if data["calibration"].any() and not data["calibration"].all():
        end = data.index[data["calibration"].to_numpy()].max()
        ax.axvline(end, color="grey", linestyle=":", linewidth=1)
        ax.annotate(
            "校准期结束 end of calibration",
            (end, 0),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize="small",
            color="grey",
        )
    ax.set_xlabel("期数 period (校准所用时间单位 model time unit)")
    ax.set_ylabel("累计重复购买 cumulative repeat transactions")
    ax.legend()
    return ax


def plot_holdout_by_frequency(data: pd.DataFrame, *, ax: Any = None) -> Any:
    """Mean hold-out purchases by calibration frequency: actual versus model.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`crm_lessons.clv.holdout_by_frequency`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    DataError
        When ``actual`` or ``expected`` is missing.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> d = pd.DataFrame({"actual": [0.2, 0.7, 1.5], "expected": [0.25, 0.6, 1.4]}, index=["0", "1", "2+"])
    >>> ax = plot_holdout_by_frequency(d)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['0', '1', '2+']
    >>> plt.close(ax.figure)
    """
    require_dataframe(data, where="plot_holdout_by_frequency")
    require_columns(data, ["actual", "expected"], where="plot_holdout_by_frequency")
    ax = axes_or_new(ax)
    pos = np.arange(len(data))
    ax.plot(pos, data["actual"], marker="o", color="C0", label="实际 actual")
    ax.plot(pos, data["expected"], marker="s", linestyle="--", color="C1", label="模型 model")
    ax.set_xticks(pos, [str(i) for i in data.index])
    ax.set_xlabel("校准期重复购买次数 repeat purchases in calibration")
    ax.set_ylabel("预测期平均购买次数 mean purchases in hold-out")
    ax.legend()
    return ax


def plot_p_alive_matrix(data: pd.DataFrame, *, ax: Any = None, cmap: str = "viridis") -> Any:
    """Heatmap of P(alive) by frequency (rows, high at the top) and recency (columns).

    Parameters
    ----------
    data : DataFrame
        Output of :func:`crm_lessons.clv.p_alive_matrix`.
    ax : matplotlib Axes, optional
    cmap : str, default "viridis"

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> m = pd.DataFrame([[1.0, 1.0], [0.2, 0.8]], index=pd.Index([0, 1], name="frequency"),
    ...                  columns=pd.Index([5.0, 10.0], name="recency"))
    >>> ax = plot_p_alive_matrix(m)
    >>> ax.get_ylabel()
    '重复购买次数 frequency'
    >>> plt.close(ax.figure)
    """
    require_dataframe(data, where="plot_p_alive_matrix")
    ax = axes_or_new(ax)
    values = data.to_numpy(dtype=np.float64)
    rec = data.columns.to_numpy(dtype=np.float64)
    freq = data.index.to_numpy(dtype=np.float64)
    step_r = rec[1] - rec[0] if len(rec) > 1 else 1.0
    extent = (rec[0] - step_r / 2, rec[-1] + step_r / 2, freq[0] - 0.5, freq[-1] + 0.5)
    image = ax.imshow(values, origin="lower", aspect="auto", extent=extent, cmap=cmap, vmin=0, vmax=1)
    ax.figure.colorbar(image, ax=ax, label="P(alive) 存活概率")
    ax.grid(False)
    ax.set_xlabel("最近一次重复购买时间 recency")
    ax.set_ylabel("重复购买次数 frequency")
    return ax


def plot_survival(data: pd.DataFrame, *, ax: Any = None, share: bool = True) -> Any:
    """Survival curves of cohorts: one line per column (e.g. actual and sBG projection).

    Parameters
    ----------
    data : DataFrame
        Indexed by period (0, 1, ...); each column one curve, as survivors
        or shares, e.g. ``pd.DataFrame({"actual": survivors / survivors[0],
        "sBG": sbg_survival(params, t)})``.  Columns whose name contains
        "actual" or "实际" are drawn with markers, others as dashed lines.
    ax : matplotlib Axes, optional
    share : bool, default True
        Label the y axis as a share (else as customers).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from crm_lessons.clv import sbg_survival
    >>> d = pd.DataFrame({"actual": [1.0, 0.63, 0.47], "sBG": sbg_survival({"alpha": 0.7, "beta": 1.2}, [0, 1, 2])})
    >>> ax = plot_survival(d)
    >>> len(ax.get_lines())
    2
    >>> plt.close(ax.figure)
    """
    require_dataframe(data, where="plot_survival")
    ax = axes_or_new(ax)
    for col in data.columns:
        name = str(col)
        observed = "actual" in name or "实际" in name
        ax.plot(
            data.index, data[col], marker="o" if observed else None, linestyle="-" if observed else "--", label=name
        )
    ax.set_xlabel("期数 period")
    ax.set_ylabel("留存比例 share surviving" if share else "留存客户数 customers surviving")
    if share:
        ax.set_ylim(0, 1.02)
    ax.legend()
    return ax


def plot_cohort_heatmap(data: pd.DataFrame, *, ax: Any = None, annot: bool = True, cmap: str = "Blues") -> Any:
    """Heatmap of a cohort matrix: acquisition cohorts (rows) x periods since acquisition (columns).

    Parameters
    ----------
    data : DataFrame
        Output of :func:`crm_lessons.lifecycle.cohort_matrix` (``value="share"``);
        the ``cohort_size`` column is shown in the row labels.
    ax : matplotlib Axes, optional
    annot : bool, default True
        Write the percentage in each cell.
    cmap : str, default "Blues"

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    DataError
        When ``cohort_size`` is missing.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> m = pd.DataFrame({"cohort_size": [2, 1], 0: [1.0, 1.0], 1: [0.5, float("nan")]},
    ...                  index=pd.Index(["2024-01", "2024-02"], name="cohort"))
    >>> ax = plot_cohort_heatmap(m)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['2024-01 (n=2)', '2024-02 (n=1)']
    >>> plt.close(ax.figure)
    """
    require_dataframe(data, where="plot_cohort_heatmap")
    require_columns(data, ["cohort_size"], where="plot_cohort_heatmap")
    ax = axes_or_new(ax)
    values = data.drop(columns="cohort_size").to_numpy(dtype=np.float64)
    image = ax.imshow(
        np.ma.masked_invalid(values), aspect="auto", cmap=cmap, vmin=0, vmax=1 if np.nanmax(values) <= 1 else None
    )
    ax.figure.colorbar(image, ax=ax, label="活跃比例 share active")
    ax.grid(False)
    cols = [c for c in data.columns if c != "cohort_size"]
    ax.set_xticks(np.arange(len(cols)), [str(c) for c in cols])
    ax.set_yticks(np.arange(len(data)), [f"{i} (n={n})" for i, n in zip(data.index, data["cohort_size"])])
    if annot and values.size <= 400:
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(
                    j,
                    i,
                    f"{v:.0%}" if v <= 1 else f"{v:g}",
                    ha="center",
                    va="center",
                    fontsize="x-small",
                    color="white" if v > 0.6 else "black",
                )
    ax.set_xlabel("距获取的期数 periods since acquisition")
    ax.set_ylabel("获取批次 acquisition cohort")
    return ax


def plot_stage_distribution(data: pd.DataFrame, *, ax: Any = None) -> Any:
    """Bar chart of customers per lifecycle stage, in lifecycle order.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`crm_lessons.lifecycle.stage_distribution`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from crm_lessons.lifecycle import stage_distribution
    >>> ax = plot_stage_distribution(stage_distribution(pd.DataFrame({"stage": ["growth", "decline"]})))
    >>> len(ax.patches)
    5
    >>> plt.close(ax.figure)
    """
    require_dataframe(data, where="plot_stage_distribution")
    require_columns(data, ["stage_zh", "customers", "share"], where="plot_stage_distribution")
    ax = axes_or_new(ax)
    pos = np.arange(len(data))
    ax.bar(pos, data["customers"], color=[f"C{i}" for i in range(len(data))])
    ax.set_xticks(pos, [f"{zh}\n{en}" for zh, en in zip(data["stage_zh"], data.index)])
    for p, n, s in zip(pos, data["customers"], data["share"]):
        ax.annotate(f"{n} ({s:.0%})", (p, n), xytext=(0, 2), textcoords="offset points", ha="center", fontsize="small")
    ax.set_ylabel("客户数 customers")
    return ax
