"""The matplotlib backend of notebooks run in process (:func:`crm_lessons.runner.execute_in_process`).

Figures are drawn on Agg canvases; ``plt.show()`` hands the open figures to the run, which records
them as the cell's outputs (as matplotlib's inline backend does in a kernel) and closes them.

A figure is laid out three times before its PNG exists (``tight_layout``, the tight bounding box,
the final draw on a canvas of the cropped size), and matplotlib measures its texts again each time:
the font's line height looked up (font matching, two font tables) for every text on every pass, the
texts' extents again on the final draw's new renderer.  This backend's renderers remember both per
figure, keyed by everything the measurement reads, so the PNG is the same byte for byte
(``tests/test_report_runner.py``: a kernel's inline backend draws the same figures).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import matplotlib as mpl
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

__all__ = ["FigureCanvas", "FigureManager", "SHOW", "show"]

#: The running notebooks' recorders; ``show`` calls the innermost.
SHOW: list[Callable[[], None]] = []

#: rcParams that choose the font file of a FontProperties and how Agg measures text with it
_TEXT_RC = (
    "font.family",
    "font.serif",
    "font.sans-serif",
    "font.cursive",
    "font.fantasy",
    "font.monospace",
    "text.hinting",
    "text.hinting_factor",
    "text.kerning_factor",
)


def _rc_key() -> tuple[Any, ...]:
    rc: Any = mpl.rcParams
    return tuple(tuple(v) if isinstance(v := rc[name], list) else v for name in _TEXT_RC)


class _Renderer(RendererAgg):
    """``RendererAgg`` whose text measurements are shared by the renderers of one figure's canvas."""

    def __init__(self, width: int, height: int, dpi: float, memo: dict[Any, Any]) -> None:
        super().__init__(width, height, dpi)
        self._memo = memo

    def get_text_width_height_descent(self, s: str, prop: Any, ismath: Any) -> Any:
        if ismath:  # mathtext and TeX read more settings: measured every time, as matplotlib does
            return super().get_text_width_height_descent(s, prop, ismath)
        key = ("extent", s, prop.copy(), self.dpi, _rc_key())
        if key not in self._memo:
            self._memo[key] = super().get_text_width_height_descent(s, prop, ismath)
        return self._memo[key]

    def _get_font_height_metrics(self, prop: Any) -> tuple[float | None, float | None, float | None]:
        """What ``Text._get_layout`` computes from the font's OS/2 or hhea table (it asks the renderer first)."""
        key = ("height", prop.copy(), self.dpi, _rc_key())
        if key not in self._memo:
            from matplotlib.font_manager import fontManager, get_font

            font: Any = get_font(fontManager._find_fonts_by_props(prop))
            metrics: tuple[float | None, float | None, float | None] = (None, None, None)
            for table_name, gap, ascent, descent in (
                ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                ("hhea", "lineGap", "ascent", "descent"),
            ):
                table = font.get_sfnt_table(table_name)
                if table is None:
                    continue
                scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * self.dpi / 72
                metrics = (table[ascent] * scale, -table[descent] * scale, table[gap] * scale)
                break
            self._memo[key] = metrics
        return self._memo[key]


class FigureCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderers (one per size and dpi) share their text measurements."""

    def get_renderer(self) -> RendererAgg:
        canvas: Any = self
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if canvas._lastKey != key:  # as FigureCanvasAgg.get_renderer
            memo = self.__dict__.setdefault("_text_memo", {})
            canvas.renderer = _Renderer(w, h, self.figure.dpi, memo)
            canvas._lastKey = key
        return canvas.renderer


FigureManager = FigureManagerBase


def show(*args: Any, **kwargs: Any) -> None:
    """Record every open figure as an output of the running cell, then close them."""
    if SHOW:
        SHOW[-1]()
