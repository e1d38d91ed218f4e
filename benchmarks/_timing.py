"""The timing helper the benchmark scripts share (imported from this folder, which Python puts first on
``sys.path`` when it runs ``benchmarks/<script>.py``; also by ``clv_peer.py`` in ``.venv-bench``, so it imports
nothing but the standard library)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The shortest wall time of ``repeat`` calls of ``fn`` and the last call's result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out
