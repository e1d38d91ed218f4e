"""Chapter 1 control: move the retention rate and its rise, watch a customer's NPV respond.

The logic is :func:`crm_lessons.retention.customer_npv` and
:func:`crm_lessons.retention.retention_uplift` (tested); this module only
collects slider values and shows their result.
"""

from __future__ import annotations

from typing import Any

from crm_lessons._validation import DataError
from crm_lessons.retention import customer_npv, retention_uplift

__all__ = ["describe_retention", "retention_explorer"]


def describe_retention(
    retention: float,
    points: float = 0.05,
    *,
    discount_rate: float = 0.1,
    margin_growth: float = 0.0,
    margin: float = 100.0,
) -> str:
    """One line in Chinese: a customer's NPV at two retention rates and the rise; the widget's text and fallback.

    Examples
    --------
    >>> describe_retention(0.80, 0.05)
    '保留率 80% -> 85%：每位新客户的净现值 (NPV) 从 366.7 升到 440.0，提高 20.0%'
    """
    kw: dict[str, Any] = dict(margin=margin, discount_rate=discount_rate, margin_growth=margin_growth)
    low, high = customer_npv(retention=retention, **kw), customer_npv(retention=retention + points, **kw)
    up = retention_uplift(retention=retention, points=points, **kw)
    return (
        f"保留率 {retention:.0%} -> {retention + points:.0%}：每位新客户的净现值 (NPV) "
        f"从 {low:,.1f} 升到 {high:,.1f}，提高 {up:.1%}"
    )


def retention_explorer(
    *, retention: float = 0.80, points: float = 0.05, discount_rate: float = 0.10, margin_growth: float = 0.0
) -> Any:
    """Sliders for retention, its rise, the discount rate and margin growth; shows :func:`describe_retention`.

    Returns
    -------
    ipywidgets.VBox
        Display it in a notebook cell; headless runs show only its text
        representation, so print :func:`describe_retention` as the static result.
    """
    import ipywidgets as widgets

    style = {"description_width": "14em"}
    layout = widgets.Layout(width="34em")

    def slider(value: float, lo: float, hi: float, step: float, text: str) -> Any:
        return widgets.FloatSlider(
            value=value, min=lo, max=hi, step=step, description=text, readout_format=".2f", style=style, layout=layout
        )

    r = slider(retention, 0.50, 0.94, 0.01, "保留率 retention")
    p = slider(points, 0.01, 0.05, 0.01, "提高 points")
    d = slider(discount_rate, 0.0, 0.20, 0.01, "折现率 discount rate")
    g = slider(margin_growth, 0.0, 0.10, 0.01, "利润增长 margin growth")
    out = widgets.Label(
        value=describe_retention(retention, points, discount_rate=discount_rate, margin_growth=margin_growth)
    )

    def _update(_change: Any = None) -> None:
        try:
            out.value = describe_retention(r.value, p.value, discount_rate=d.value, margin_growth=g.value)
        except DataError as exc:  # e.g. margin growing faster than the discount rate: no finite NPV
            out.value = f"无法计算 cannot compute: {exc}"

    for w in (r, p, d, g):
        w.observe(_update, names="value")
    return widgets.VBox([r, p, d, g, out])
