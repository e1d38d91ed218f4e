"""The matplotlib backend of notebooks run in process (:func:`crm_lessons.runner.execute_in_process`).

Figures are drawn on Agg canvases; ``plt.show()`` hands the open figures to the run, which records
them as the cell's outputs (as matplotlib's inline backend does in a kernel) and closes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

__all__ = ["FigureCanvas", "FigureManager", "SHOW", "show"]

FigureCanvas = FigureCanvasAgg
FigureManager = FigureManagerBase
#: The running notebooks' recorders; ``show`` calls the innermost.
SHOW: list[Callable[[], None]] = []


def show(*args: Any, **kwargs: Any) -> None:
    """Record every open figure as an output of the running cell, then close them."""
    if SHOW:
        SHOW[-1]()
