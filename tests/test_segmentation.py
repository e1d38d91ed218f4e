"""Tests for crm_lessons.segmentation: simulated clusters with known truth, properties, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from crm_lessons import DataError
from crm_lessons.segmentation import choose_k, kmeans_segments, segment_profiles, transform_rfm


@pytest.fixture
def three_groups() -> tuple[pd.DataFrame, np.ndarray]:
    """RFM table of three well-separated simulated groups (truth: 0 = best spenders)."""
    rng = np.random.default_rng(2024)
    centres = [(10, 12, 2000.0), (90, 4, 300.0), (400, 1, 30.0)]  # days, purchases, spend
    sizes = [60, 150, 290]
    parts, truth = [], []
    for g, ((d, n, m), size) in enumerate(zip(centres, sizes)):
        parts.append(
            pd.DataFrame(
                {
                    "days_since_last": np.round(d * rng.lognormal(0, 0.1, size)).astype(int),
                    "n_purchases": np.maximum(1, np.round(n * rng.lognormal(0, 0.1, size))).astype(int),
                    "total_spend": m * rng.lognormal(0, 0.1, size),
                }
            )
        )
        truth += [g] * size
    rfm = pd.concat(parts, ignore_index=True)
    order = rng.permutation(len(rfm))
    rfm = rfm.iloc[order]
    rfm.index = pd.Index([f"c{i}" for i in range(len(rfm))], name="customer_id")
    return rfm, np.asarray(truth)[order]


def test_transform_matches_standard_scaler(three_groups):
    rfm, _ = three_groups
    z = transform_rfm(rfm)
    want = StandardScaler().fit_transform(np.log1p(rfm.to_numpy(dtype=float)))
    np.testing.assert_allclose(z.to_numpy(), want, rtol=1e-10, atol=1e-12)
    assert z.index.equals(rfm.index) and list(z.columns) == list(rfm.columns)
    np.testing.assert_allclose(z.mean(), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(ddof=0), 1, rtol=1e-12)


def test_transform_without_log():
    rfm = pd.DataFrame({"days_since_last": [0, 2], "n_purchases": [1, 3], "total_spend": [10.0, 30.0]})
    z = transform_rfm(rfm, log=False)
    np.testing.assert_allclose(z.to_numpy(), [[-1, -1, -1], [1, 1, 1]])


def test_transform_bad_input():
    rfm = pd.DataFrame({"days_since_last": [0, 2, 1], "n_purchases": [1, 1, 1], "total_spend": [10.0, -3.0, 1.0]})
    with pytest.raises(DataError, match=r"column 'total_spend' should be >= 0 for log=True but is negative in row 1"):
        transform_rfm(rfm)
    with pytest.raises(DataError, match=r"columns \['n_purchases'\] are constant"):
        transform_rfm(rfm, log=False)
    with pytest.raises(DataError, match=r"missing column 'n_purchases'"):
        transform_rfm(rfm.drop(columns="n_purchases"))


def test_choose_k_finds_three_groups(three_groups):
    rfm, _ = three_groups
    table = choose_k(transform_rfm(rfm), k_range=range(2, 7), random_state=0, sample_size=300)
    assert table["k"].tolist() == [2, 3, 4, 5, 6]
    assert table.loc[table["best"], "k"].tolist() == [3]
    assert table["best"].sum() == 1
    assert (np.diff(table["inertia"]) < 0).all()  # inertia falls with k
    assert table["silhouette"].between(-1, 1).all()


def test_choose_k_is_deterministic(three_groups):
    X = transform_rfm(three_groups[0])
    a = choose_k(X, k_range=[2, 4], random_state=5, sample_size=200)
    b = choose_k(X, k_range=[2, 4], random_state=5, sample_size=200)
    pd.testing.assert_frame_equal(a, b)


def test_choose_k_bad_input(three_groups):
    X = transform_rfm(three_groups[0])
    with pytest.raises(DataError, match=r"k=1 in k_range should be an integer with 2 <= k < n_samples=500"):
        choose_k(X, k_range=[1, 2], random_state=0)
    with pytest.raises(DataError, match=r"random_state=None should be an integer seed"):
        choose_k(X, random_state=None)
    bad = X.copy()
    bad.iloc[4, 1] = np.nan
    with pytest.raises(DataError, match=r"X has missing or infinite values in row c4"):
        choose_k(bad, random_state=0)


def test_kmeans_recovers_groups_and_orders_by_spend(three_groups):
    rfm, truth = three_groups
    before = rfm.copy()
    labels = kmeans_segments(rfm, k=3, random_state=1)
    pd.testing.assert_frame_equal(rfm, before)
    assert labels.name == "segment" and labels.index.equals(rfm.index)
    assert adjusted_rand_score(truth, labels) == 1.0
    # truth was numbered best spenders first, as the relabelling promises
    assert (labels.to_numpy() == truth).all()


def test_kmeans_labels_do_not_depend_on_seed_after_relabelling(three_groups):
    rfm, _ = three_groups
    a = kmeans_segments(rfm, k=3, random_state=1)
    b = kmeans_segments(rfm, k=3, random_state=99)
    pd.testing.assert_series_equal(a, b)


def test_kmeans_same_labels_with_all_threads(three_groups):
    rfm, _ = three_groups
    pd.testing.assert_series_equal(
        kmeans_segments(rfm, k=3, random_state=1), kmeans_segments(rfm, k=3, random_state=1, n_threads=None)
    )


def test_kmeans_bad_k(three_groups):
    rfm, _ = three_groups
    with pytest.raises(DataError, match=r"n_samples=500 should be > k=500"):
        kmeans_segments(rfm, k=500, random_state=0)
    with pytest.raises(DataError, match=r"k=1 should be an integer >= 2"):
        kmeans_segments(rfm, k=1, random_state=0)
    with pytest.raises(DataError, match=r"n_threads=0 should be an integer >= 1"):
        kmeans_segments(rfm, k=2, random_state=0, n_threads=0)


def test_segment_profiles_hand_and_properties(three_groups):
    rfm, _ = three_groups
    labels = kmeans_segments(rfm, k=3, random_state=1)
    prof = segment_profiles(rfm, labels)
    assert prof.index.tolist() == [0, 1, 2]
    assert prof["customers"].tolist() == [60, 150, 290]
    assert prof["customer_share"].sum() == pytest.approx(1.0)
    assert prof["revenue_share"].sum() == pytest.approx(1.0)
    assert prof["total_spend"].is_monotonic_decreasing
    seg0 = rfm[labels == 0]
    assert prof.loc[0, "days_since_last"] == pytest.approx(seg0["days_since_last"].mean())
    assert prof.loc[0, "revenue_share"] == pytest.approx(seg0["total_spend"].sum() / rfm["total_spend"].sum())


def test_segment_profiles_labels_must_cover_customers(three_groups):
    rfm, _ = three_groups
    labels = pd.Series(0, index=rfm.index[1:])
    with pytest.raises(DataError, match=r"labels have no segment for customers row c0"):
        segment_profiles(rfm, labels)
