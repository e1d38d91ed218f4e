"""CustomerTables codes the customer ids once; its tables equal the functions run on the plain transactions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_lessons import report as rp
from crm_lessons.classification import customer_value
from crm_lessons.clv import customer_summary
from crm_lessons.lifecycle import lifecycle_stage
from crm_lessons.rfm import rfm_table


def _data(ids: str) -> rp.ReportData:
    rng = np.random.default_rng(4)
    n = 3000
    cust = rng.integers(0, 700, n)
    names = {"digits": [f"C{c:05d}" for c in cust], "text": [f"客户{c}号" for c in cust], "int": cust.astype(np.int64)}[
        ids
    ]
    tx = pd.DataFrame(
        {
            "customer_id": pd.Series(names, dtype="str") if ids != "int" else names,
            "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
            "amount": rng.gamma(2, 40, n).round(2),
        }
    )
    return rp.ReportData(tx, {}, "2024-12-31", "x.csv", "CNY")


@pytest.mark.parametrize("ids", ["digits", "text", "int"])
def test_customer_tables_equal_plain_functions(ids):
    data = _data(ids)
    tx, as_of = data.transactions, data.as_of
    ct = rp.customer_tables(data)
    pd.testing.assert_series_equal(ct.revenue, customer_value(tx))
    pd.testing.assert_frame_equal(ct.rfm, rfm_table(tx, as_of=as_of))
    pd.testing.assert_frame_equal(ct.summary, customer_summary(tx, calibration_end=as_of))
    pd.testing.assert_frame_equal(ct.stages(), lifecycle_stage(tx, as_of=as_of))
    pd.testing.assert_series_equal(ct.naive_clv, rp.naive_clv(tx, as_of=as_of))
    assert data.transactions["customer_id"].dtype == tx["customer_id"].dtype  # the data are not changed


@pytest.mark.parametrize("ids", ["digits", "text", "int"])
def test_precomputed_tables_equal_tables_from_the_transactions(ids):
    """What the report's template gets (no transactions, the tables only) serves the same tables."""
    import pickle

    data = _data(ids)
    slim = pickle.loads(pickle.dumps(rp.precompute_tables(data)))
    assert slim.transactions.empty and list(slim.transactions.columns) == ["customer_id", "date", "amount"]
    full, lean = rp.customer_tables(data), rp.customer_tables(slim)
    assert lean.n_transactions == full.n_transactions == len(data.transactions)
    pd.testing.assert_series_equal(lean.revenue, full.revenue)
    pd.testing.assert_frame_equal(lean.rfm, full.rfm)
    pd.testing.assert_frame_equal(lean.summary, full.summary)
    pd.testing.assert_frame_equal(lean.stages(), full.stages())
    pd.testing.assert_series_equal(lean.naive_clv, full.naive_clv)
    with pytest.raises(rp.DataError, match="window_days"):  # other windows need the transactions
        from crm_lessons.lifecycle import LifecycleRules

        lean.stages(LifecycleRules(window_days=30))
    from crm_lessons.lifecycle import LifecycleRules, lifecycle_stage

    pd.testing.assert_frame_equal(
        full.stages(LifecycleRules(window_days=30)),
        lifecycle_stage(data.transactions, as_of=data.as_of, rules=LifecycleRules(window_days=30)),
    )


def test_segment_summary_from_segment_codes_equals_from_text():
    from crm_lessons.rfm import rfm_scores, rfm_segments

    data = _data("digits")
    rfm = rp.customer_tables(data).rfm
    segments = rfm_segments(rfm_scores(rfm))
    as_text = segments.assign(segment=segments["segment"].astype(str))
    pd.testing.assert_frame_equal(rp.segment_summary(rfm, segments), rp.segment_summary(rfm, as_text))
