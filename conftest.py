"""Test-session settings shared by unit tests and doctests (not part of the package)."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")  # headless: no window, same output on every machine


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test or doctest opened, so figures never pile up across tests."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
