"""Chapter 9 figures: association rules by support, confidence and lift; Qini curves.

Each function takes the *result* of a compute function in
:mod:`crm_lessons.personalisation`, draws on ``ax`` (a new Axes when
``None``) and returns the Axes.  Nothing global is changed.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from crm_lessons.plotting import axes_or_new

__all__ = ["plot_qini", "plot_rules"]


def plot_rules(rules: pd.DataFrame, *, ax=None, min_lift: float = 1.0):
    """Each rule as a point: support (x) against confidence (y), coloured by lift.

    Rules with lift below ``min_lift`` are drawn as grey crosses: however high
    their confidence, the antecedent does not make the consequent more likely.

    Parameters
    ----------
    rules : DataFrame
        Result of :func:`crm_lessons.personalisation.association_rules_table`.
    ax : matplotlib Axes, optional
    min_lift : float, default 1.0

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from crm_lessons.personalisation import association_rules_table
    >>> b = pd.DataFrame({"a": [1, 1, 1, 0], "c": [1, 1, 0, 1]})
    >>> ax = plot_rules(association_rules_table(b, min_support=0.5))
    >>> ax.get_ylabel()
    '置信度 confidence'
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    ax = axes_or_new(ax)
    weak = rules["lift"] < min_lift
    strong = rules[~weak]
    if len(strong):
        points = ax.scatter(
            strong["support"],
            strong["confidence"],
            c=strong["lift"],
            cmap="viridis",
            s=18,
            label=f"提升度 lift ≥ {min_lift:g}",
        )
        plt.colorbar(points, ax=ax, label="提升度 lift")
    if weak.any():
        ax.scatter(
            rules.loc[weak, "support"],
            rules.loc[weak, "confidence"],
            marker="x",
            color="grey",
            s=24,
            label=f"提升度 lift < {min_lift:g}",
        )
    ax.set_xlabel("支持度 support")
    ax.set_ylabel("置信度 confidence")
    ax.set_title("关联规则 association rules")
    ax.legend(loc="lower right")
    return ax


def plot_qini(curves: Mapping[str, pd.DataFrame], *, ax=None):
    """Qini curves of several targeting orders, with the random-targeting line.

    Parameters
    ----------
    curves : mapping of str to DataFrame
        Label -> result of :func:`crm_lessons.personalisation.qini_curve`, all
        on the same customers (the random line is taken from the first).
    ax : matplotlib Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from crm_lessons.personalisation import qini_curve
    >>> q = qini_curve([1, 0, 0, 1], [1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1])
    >>> [line.get_label() for line in plot_qini({"model": q}).get_lines()][:2]
    ['model', '随机 random']
    >>> plt.close("all")
    """
    if not curves:
        raise ValueError("plot_qini: pass at least one curve, e.g. {'model': qini_curve(y, t, scores)}")
    ax = axes_or_new(ax)
    for label, q in curves.items():
        ax.plot(q["share"], q["qini"], label=label)
    first = next(iter(curves.values()))
    ax.plot(first["share"], first["random"], color="grey", linestyle="--", label="随机 random")
    ax.axhline(0, color="black", linewidth=0.5)
    ax.set_xlabel("接触比例 share targeted")
    ax.set_ylabel("增量购买人数 incremental buyers")
    ax.set_title("Qini 曲线 Qini curves")
    ax.legend()
    return ax
