"""Readers shared by the reading tests (test_io_fast, test_io_messy): the same file read by each path.

``read`` reads bytes as a user would (every fast path on); ``cell_by_cell`` switches off every fast
path, so each role column goes through the cell-by-cell checks; ``same`` asserts that two results
(a frame and its report, or a refusal) are identical, messages included.
"""

from __future__ import annotations

import io

import pandas as pd

from crm_lessons import io as cio
from crm_lessons._validation import DataError
from crm_lessons.io import _files
from crm_lessons.io import _read as io_read


def read(raw: bytes, **kwargs):
    """``read_transactions_with_report`` on ``raw``: (frame, report), or the DataError it raised."""
    try:
        return cio.read_transactions_with_report(io.BytesIO(raw), **kwargs)
    except DataError as exc:
        return exc


def cell_by_cell(monkeypatch, raw: bytes, **kwargs):
    """The pandas reader with every column checked cell by cell."""
    with monkeypatch.context() as m:
        m.setattr(_files, "_head_date_format", lambda *a, **k: None)
        m.setattr(_files, "_head_frame", lambda *a, **k: None)
        m.setattr(_files, "_clean_dates", lambda values: None)
        m.setattr(_files, "_clean_amounts", lambda values: None)
        m.setattr(io_read, "_clean_ids", lambda values, *a: False)
        m.setattr(_files, "_arrow_frame", lambda *a, **k: None)
        return read(raw, **kwargs)


def same(fast, slow) -> None:
    """The two results are identical: the same frame and report, or the same refusal (both languages)."""
    if isinstance(slow, DataError):
        assert isinstance(fast, DataError), fast
        assert (str(fast), fast.zh) == (str(slow), slow.zh)
        return
    assert not isinstance(fast, DataError), fast
    pd.testing.assert_frame_equal(fast[0], slow[0])
    assert fast[1].to_dict() == slow[1].to_dict()
