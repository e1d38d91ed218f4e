"""Chapter 4 control: move expectation and perceived performance, watch C = b / a and its level.

The logic is :func:`crm_lessons.satisfaction.satisfaction_ratio` and
:func:`crm_lessons.satisfaction.satisfaction_level` (tested); this module
only collects slider values and shows their result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crm_lessons.satisfaction import satisfaction_level, satisfaction_ratio

__all__ = ["describe_satisfaction", "satisfaction_explorer"]


def describe_satisfaction(perceived: float, expected: float, *, thresholds: Sequence[float] = (1.0, 1.2)) -> str:
    """One line with ``C = b / a`` and its level: the text the widget shows, and its static fallback.

    Parameters
    ----------
    perceived, expected : float
        Perceived performance ``b`` and expectation ``a`` (same scale, ``a > 0``).
    thresholds : (float, float), default (1.0, 1.2)
        Passed to :func:`crm_lessons.satisfaction.satisfaction_level`.

    Returns
    -------
    str

    Raises
    ------
    DataError
        As :func:`crm_lessons.satisfaction.satisfaction_ratio`.

    Examples
    --------
    >>> describe_satisfaction(9, 7.5)
    'C = b / a = 9.0 / 7.5 = 1.20 -> 高度满意'
    """
    c = satisfaction_ratio(perceived, expected)
    return f"C = b / a = {float(perceived):.1f} / {float(expected):.1f} = {c:.2f} -> {satisfaction_level(c, thresholds=thresholds)}"


def satisfaction_explorer(
    *,
    perceived: float = 7.0,
    expected: float = 7.0,
    scale: tuple[float, float] = (1, 10),
    thresholds: Sequence[float] = (1.0, 1.2),
) -> Any:
    """Two sliders (expectation a, perceived performance b) and the resulting ratio and level.

    Parameters
    ----------
    perceived, expected : float
        Initial slider positions.
    scale : (float, float), default (1, 10)
        Slider range.
    thresholds : (float, float), default (1.0, 1.2)
        Level thresholds, see :func:`crm_lessons.satisfaction.satisfaction_level`.

    Returns
    -------
    ipywidgets.VBox
        Display it in a notebook cell.  Headless runs show only its text
        representation; print :func:`describe_satisfaction` for a static result.
    """
    import ipywidgets as widgets

    style = {"description_width": "12em"}
    layout = widgets.Layout(width="30em")
    a = widgets.FloatSlider(
        value=expected, min=scale[0], max=scale[1], step=0.5, description="期望 expected a", style=style, layout=layout
    )
    b = widgets.FloatSlider(
        value=perceived,
        min=scale[0],
        max=scale[1],
        step=0.5,
        description="感知 perceived b",
        style=style,
        layout=layout,
    )
    out = widgets.Label(value=describe_satisfaction(perceived, expected, thresholds=thresholds))

    def _update(_change: Any = None) -> None:
        out.value = describe_satisfaction(b.value, a.value, thresholds=thresholds)

    a.observe(_update, names="value")
    b.observe(_update, names="value")
    return widgets.VBox([a, b, out])
