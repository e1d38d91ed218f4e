"""Chapter 7 figures: survival curves, ROC/PR, calibration, gains/lift, profit of targeting.

Each function takes the *result* of a compute function in
:mod:`crm_lessons.churn`, draws on ``ax`` (a new Axes when ``None``) and
returns the Axes.  Nothing global is changed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crm_lessons.churn import Targeting
from crm_lessons.plotting import axes_or_new

__all__ = ["plot_calibration", "plot_gains", "plot_km", "plot_pr", "plot_profit", "plot_roc", "plot_threshold_churn"]


def plot_km(km: pd.DataFrame, *, ax=None, band: bool = True):
    """Kaplan-Meier curves (step functions from ``S(0) = 1``) with their confidence bands.

    Parameters
    ----------
    km : DataFrame
        Result of :func:`crm_lessons.churn.km_curves`.
    ax : matplotlib Axes, optional
    band : bool, default True
        Shade the pointwise confidence band.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from crm_lessons.churn import km_curves
    >>> df = pd.DataFrame({"tenure": [1, 2, 3], "churn": [True, False, True]})
    >>> plot_km(km_curves(df)).get_ylabel()
    '仍为客户的比例 S(t)'
    >>> plt.close("all")
    """
    ax = axes_or_new(ax)
    for name, g in km.groupby("group", sort=False):
        t = np.concatenate([[0.0], g["time"].to_numpy()])
        s = np.concatenate([[1.0], g["survival"].to_numpy()])
        (line,) = ax.step(t, s, where="post", label=str(name))
        if band:
            ax.fill_between(
                g["time"], g["ci_lower"], g["ci_upper"], step="post", alpha=0.2, color=line.get_color(), linewidth=0
            )
    ax.set_xlabel("在网月数 tenure (months)")
    ax.set_ylabel("仍为客户的比例 S(t)")
    ax.set_ylim(0, 1.02)
    ax.legend(title=None)
    return ax


def plot_roc(y_true, scores: Mapping[str, np.ndarray] | pd.DataFrame, *, ax=None):
    """ROC curves of several models on the same customers, AUC in the legend.

    Parameters
    ----------
    y_true : array-like of 0/1
    scores : mapping or DataFrame
        Model name -> churn probabilities (e.g. ``ChurnModels.test_scores``).
    ax : matplotlib Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_roc([0, 1, 0, 1], {"m": np.array([0.1, 0.8, 0.4, 0.6])})
    >>> ax.get_legend().get_texts()[0].get_text()
    'm (AUC = 1.000)'
    >>> plt.close("all")
    """
    from sklearn.metrics import roc_auc_score, roc_curve  # lazy: importing must change no global state

    ax = axes_or_new(ax)
    for name, s in dict(scores).items():
        fpr, tpr, _ = roc_curve(y_true, s)
        ax.plot(fpr, tpr, label=f"{name} (AUC = {roc_auc_score(y_true, s):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("误报率 false positive rate")
    ax.set_ylabel("命中率 true positive rate (recall)")
    ax.legend()
    return ax


def plot_pr(y_true, scores: Mapping[str, np.ndarray] | pd.DataFrame, *, ax=None):
    """Precision-recall curves with average precision (PR AUC); the dashed line is the churn rate.

    Parameters
    ----------
    y_true : array-like of 0/1
    scores : mapping or DataFrame
        Model name -> churn probabilities.
    ax : matplotlib Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_pr([0, 1, 0, 1], {"m": np.array([0.1, 0.8, 0.4, 0.6])})
    >>> ax.get_xlabel()
    '召回率 recall'
    >>> plt.close("all")
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve  # lazy, as above

    ax = axes_or_new(ax)
    y = np.asarray(y_true)
    for name, s in dict(scores).items():
        prec, rec, _ = precision_recall_curve(y, s)
        ax.plot(rec, prec, label=f"{name} (PR AUC = {average_precision_score(y, s):.3f})")
    ax.axhline(float(np.mean(y)), color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("召回率 recall")
    ax.set_ylabel("精确率 precision")
    ax.set_ylim(0, 1.02)
    ax.legend()
    return ax


def plot_calibration(tables: Mapping[str, pd.DataFrame], *, ax=None):
    """Reliability diagram: observed churn rate against mean predicted probability.

    Parameters
    ----------
    tables : mapping
        Model name -> result of :func:`crm_lessons.churn.calibration_table`.
    ax : matplotlib Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from crm_lessons.churn import calibration_table
    >>> ax = plot_calibration({"m": calibration_table([0, 1], [0.2, 0.7], n_bins=2)})
    >>> ax.get_ylabel()
    '实际流失率 observed rate'
    >>> plt.close("all")
    """
    ax = axes_or_new(ax)
    for name, t in tables.items():
        ax.plot(t["mean_predicted"], t["observed_rate"], marker="o", label=str(name))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("预测流失概率 mean predicted")
    ax.set_ylabel("实际流失率 observed rate")
    ax.legend()
    return ax


def plot_gains(gains: pd.DataFrame, *, ax=None, lift: bool = True):
    """Cumulative gains curve (share of churners captured) with cumulative lift bars on a twin axis.

    Parameters
    ----------
    gains : DataFrame
        Result of :func:`crm_lessons.churn.gains_table`.
    ax : matplotlib Axes, optional
    lift : bool, default True
        Also draw the cumulative lift as bars on a secondary axis.

    Returns
    -------
    Axes
        The gains axis.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from crm_lessons.churn import gains_table
    >>> ax = plot_gains(gains_table([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1], n_bins=2))
    >>> ax.get_xlabel()
    '联系客户比例 share contacted'
    >>> plt.close("all")
    """
    ax = axes_or_new(ax)
    x = np.concatenate([[0.0], gains["cum_share"].to_numpy()])
    y = np.concatenate([[0.0], gains["gain"].to_numpy()])
    if lift:
        ax2 = ax.twinx()
        width = float(np.diff(x).min()) * 0.6
        ax2.bar(
            gains["cum_share"] - np.diff(x) / 2,
            gains["cum_lift"],
            width=width,
            alpha=0.25,
            color="C1",
            label="累计提升度 cumulative lift",
        )
        ax2.set_ylabel("累计提升度 cumulative lift")
        ax2.grid(False)
        ax2.set_ylim(0, float(gains["cum_lift"].max()) * 1.15)
    ax.plot(x, y, marker="o", color="C0", label="累计捕获率 cumulative gain")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
    ax.set_zorder(2)
    ax.patch.set_visible(False)
    ax.set_xlabel("联系客户比例 share contacted")
    ax.set_ylabel("捕获流失客户比例 share of churners")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right")
    return ax


def plot_profit(targeting: Targeting, *, ax=None):
    """Expected profit of contacting the top-``k`` customers, the optimum marked.

    Parameters
    ----------
    targeting : Targeting
        Result of :func:`crm_lessons.churn.targeting_curve`.
    ax : matplotlib Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from crm_lessons.churn import targeting_curve
    >>> t = targeting_curve([0.9, 0.1, 0.5], value_saved=100, offer_cost=10, acceptance_rate=0.5)
    >>> plot_profit(t).get_ylabel()
    '期望利润 expected profit'
    >>> plt.close("all")
    """
    ax = axes_or_new(ax)
    c = targeting.curve
    ax.plot(c["share_contacted"], c["profit"], color="C2")
    best = c.iloc[targeting.optimal_k]
    ax.axvline(best["share_contacted"], color="grey", linestyle=":", linewidth=1)
    ax.scatter(
        [best["share_contacted"]],
        [best["profit"]],
        color="C3",
        zorder=3,
        label=f"最优 k = {targeting.optimal_k} ({best['share_contacted']:.0%})",
    )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("联系客户比例 share contacted (按风险从高到低)")
    ax.set_ylabel("期望利润 expected profit")
    ax.legend()
    return ax


def plot_threshold_churn(table: pd.DataFrame, *, ax=None):
    """Churn rate by inactivity threshold, with the share of "churned" customers who came back.

    Parameters
    ----------
    table : DataFrame
        Result of :func:`crm_lessons.churn.churn_rate_by_threshold` (with or
        without ``until``).
    ax : matplotlib Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> t = pd.DataFrame({"churn_rate": [0.9, 0.6], "returned_if_churned": [0.3, 0.1]},
    ...                  index=pd.Index([30, 90], name="threshold_days"))
    >>> plot_threshold_churn(t).get_xlabel()
    '不活跃阈值 inactivity threshold (days)'
    >>> plt.close("all")
    """
    ax = axes_or_new(ax)
    x = table.index.to_numpy()
    ax.plot(x, table["churn_rate"], marker="o", label="判为流失的比例 churn rate")
    if "returned_if_churned" in table:
        ax.plot(
            x, table["returned_if_churned"], marker="s", linestyle="--", label="其中后来又购买 came back (false alarm)"
        )
    ax.set_xlabel("不活跃阈值 inactivity threshold (days)")
    ax.set_ylabel("客户比例 share of customers")
    ax.set_ylim(0, 1.02)
    ax.legend()
    return ax
