"""Chapter 7 control: move the economics of a retention offer and watch whom to contact.

The logic is :func:`crm_lessons.churn.targeting_curve` (tested); this module
turns slider values into its arguments and shows the optimum.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_lessons._validation import DataError
from crm_lessons.churn import targeting_curve

__all__ = ["targeting_explorer", "targeting_summary"]


def targeting_summary(scores: Any, *, value_saved: float, offer_cost: float, acceptance_rate: float) -> pd.Series:
    """One-line summary of the best retention campaign for given offer economics.

    Parameters
    ----------
    scores : array-like of float in [0, 1]
        Churn probabilities.
    value_saved, offer_cost, acceptance_rate : float
        As in :func:`crm_lessons.churn.targeting_curve`.

    Returns
    -------
    Series
        ``break_even_score``, ``optimal_k``, ``share_contacted``,
        ``expected_saved`` (churners kept), ``cost``, ``expected_profit``.

    Raises
    ------
    DataError
        As in :func:`crm_lessons.churn.targeting_curve`.

    Examples
    --------
    >>> targeting_summary([0.9, 0.1, 0.5], value_saved=100, offer_cost=10, acceptance_rate=0.5).to_dict()
    {'break_even_score': 0.2, 'optimal_k': 2.0, 'share_contacted': 0.6666666666666666, 'expected_saved': 0.7, 'cost': 20.0, 'expected_profit': 50.0}
    """
    t = targeting_curve(scores, value_saved=value_saved, offer_cost=offer_cost, acceptance_rate=acceptance_rate)
    row = t.curve.iloc[t.optimal_k]
    return pd.Series(
        {
            "break_even_score": t.break_even_score,
            "optimal_k": float(t.optimal_k),
            "share_contacted": float(row["share_contacted"]),
            "expected_saved": float(row["expected_saved"]),
            "cost": float(row["cost"]),
            "expected_profit": t.optimal_profit,
        }
    )


def targeting_explorer(
    scores: Any, *, value_saved: float = 500.0, offer_cost: float = 50.0, acceptance_rate: float = 0.3
) -> Any:
    """Sliders for value saved, offer cost and acceptance rate, with the profit curve and optimum.

    Parameters
    ----------
    scores : array-like of float in [0, 1]
        Churn probabilities of the customers who could be contacted.
    value_saved, offer_cost, acceptance_rate : float
        Initial slider positions.

    Returns
    -------
    ipywidgets.VBox
        Display it in a notebook cell.  Headless runs show its text
        representation only; show :func:`targeting_summary` for the default
        values as well, as the static result.
    """
    import ipywidgets as widgets
    from IPython.display import display

    from crm_lessons.plotting import figure_for_display
    from crm_lessons.plotting.churn import plot_profit

    p = np.asarray(scores, dtype=float)
    style = {"description_width": "11em"}
    layout = widgets.Layout(width="30em")
    sliders = {
        "value_saved": widgets.FloatSlider(
            value=value_saved,
            min=0,
            max=2000,
            step=50,
            description="挽回价值 value saved",
            style=style,
            layout=layout,
            continuous_update=False,
        ),
        "offer_cost": widgets.FloatSlider(
            value=offer_cost,
            min=0,
            max=300,
            step=5,
            description="挽留成本 offer cost",
            style=style,
            layout=layout,
            continuous_update=False,
        ),
        "acceptance_rate": widgets.FloatSlider(
            value=acceptance_rate,
            min=0,
            max=1,
            step=0.05,
            readout_format=".0%",
            description="接受率 acceptance",
            style=style,
            layout=layout,
            continuous_update=False,
        ),
    }
    out = widgets.Output()

    def update(*_: Any) -> None:
        with out:
            out.clear_output(wait=True)
            try:
                kwargs = {k: s.value for k, s in sliders.items()}
                display(targeting_summary(p, **kwargs).round(3).to_frame("value"))
                curve = targeting_curve(p, **kwargs)
                display(figure_for_display(lambda ax: plot_profit(curve, ax=ax), figsize=(6, 3.2)))
            except DataError as exc:
                print(exc)

    for s in sliders.values():
        s.observe(update, names="value")
    update()
    return widgets.VBox([*sliders.values(), out])
