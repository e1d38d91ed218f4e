"""Chapter 2 control: move the customer-pyramid (ABC) cut-offs and watch the classes change.

The logic is :func:`crm_lessons.classification.pyramid_tiers` (tested); this
module only turns slider values into its ``tiers`` argument and shows the
result.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from crm_lessons._validation import DataError
from crm_lessons.classification import pyramid_tiers

__all__ = ["pyramid_explorer", "tiers_from_top_shares"]


def tiers_from_top_shares(top: float, big: float, medium: float) -> dict[str, float]:
    """Curry pyramid (ABC) tiers from the shares of customers in the three top classes; small takes the rest.

    Parameters
    ----------
    top, big, medium : float
        Shares of customers (0-1) in the 高端客户 (top), 大客户 (big) and
        中等客户 (medium) classes.

    Returns
    -------
    dict
        ``{"top": ..., "big": ..., "medium": ..., "small": 1 - sum}``, the
        ``tiers`` argument of :func:`crm_lessons.classification.pyramid_tiers`.

    Raises
    ------
    DataError
        A share is not positive, or the three leave nothing for the small class.

    Examples
    --------
    >>> tiers_from_top_shares(0.01, 0.04, 0.15)
    {'top': 0.01, 'big': 0.04, 'medium': 0.15, 'small': 0.8}
    >>> tiers_from_top_shares(0.5, 0.3, 0.3)
    Traceback (most recent call last):
    ...
    crm_lessons._validation.DataError: tiers_from_top_shares: top + big + medium = 1.1 should be < 1 so that the small class keeps some customers; lower a share
    """
    shares = {"top": top, "big": big, "medium": medium}
    for name, value in shares.items():
        if not 0 < float(value) < 1:
            raise DataError(f"tiers_from_top_shares: {name}={value} should be between 0 and 1 (a share of customers)")
    total = float(top) + float(big) + float(medium)
    if total >= 1:
        raise DataError(
            f"tiers_from_top_shares: top + big + medium = {round(total, 4)} should be < 1 so "
            "that the small class keeps some customers; lower a share"
        )
    return {**{k: float(v) for k, v in shares.items()}, "small": round(1.0 - total, 10)}


def pyramid_explorer(values: pd.Series, *, top: float = 0.01, big: float = 0.04, medium: float = 0.15) -> Any:
    """Three sliders (shares of customers in the top classes) and the resulting ABC / pyramid summary.

    Parameters
    ----------
    values : Series
        Value per customer, e.g. :func:`crm_lessons.classification.customer_value`.
    top, big, medium : float
        Initial slider positions (Curry's 1 %, 4 %, 15 % by default).

    Returns
    -------
    ipywidgets.VBox
        Display it in a notebook cell.  Headless runs show its text
        representation only; show ``pyramid_tiers(values, tiers=tiers_from_top_shares(...))``
        as well for a static result.
    """
    import ipywidgets as widgets
    from IPython.display import display

    style = {"description_width": "9em"}
    layout = widgets.Layout(width="28em")
    sliders = {
        name: widgets.FloatSlider(
            value=start,
            min=0.005,
            max=0.5,
            step=0.005,
            readout_format=".1%",
            description=label,
            style=style,
            layout=layout,
            continuous_update=False,
        )
        for name, start, label in [
            ("top", top, "高端客户 top"),
            ("big", big, "大客户 big"),
            ("medium", medium, "中等客户 medium"),
        ]
    }
    out = widgets.Output()

    def update(*_: Any) -> None:
        with out:
            out.clear_output(wait=True)
            try:
                tiers = tiers_from_top_shares(**{k: s.value for k, s in sliders.items()})
                display(pyramid_tiers(values, tiers=tiers).round(3))
            except DataError as exc:
                print(exc)

    for s in sliders.values():
        s.observe(update, names="value")
    update()
    return widgets.VBox([*sliders.values(), out])
