"""Brand loyalty on a household panel: measures, the brand-loyal, comparing groups, segments by silhouette."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from crm_lessons._validation import (
    DataError,
    first_rows,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_non_negative,
    require_numeric,
)
from crm_lessons.segmentation import choose_k

_BRAND_COLS = ("br_cd_57_144", "br_cd_55", "br_cd_272", "br_cd_286", "br_cd_24", "br_cd_481", "br_cd_352", "br_cd_5")


def brand_loyalty_measures(panel: pd.DataFrame, *, id_col: str = "member_id") -> pd.DataFrame:
    """Behavioural brand-loyalty measures per household of the bath-soap panel.

    Parameters
    ----------
    panel : DataFrame
        :func:`crm_lessons.datasets.load_bath_soap` (or the same columns).
    id_col : str, default "member_id"
        Household id column.

    Returns
    -------
    DataFrame
        Indexed by household: ``max_brand_share`` (largest volume share to one
        named brand), ``other_brands_share`` (``others_999``),
        ``no_of_brands``, ``trans_per_run`` (transactions per brand run;
        higher = longer stays with a brand), ``runs_per_trans``,
        ``promo_share`` (1 - ``pur_vol_no_promo_pct``) and ``avg_price``.

    Raises
    ------
    DataError
        When a column is missing, has missing values, or a household has no
        transactions.

    Notes
    -----
    ``max_brand_share = max_b share_b`` over the eight named brand codes;
    ``others_999`` pools many small brands, so it is kept separate rather than
    counted as one brand.  ``runs_per_trans = brand_runs / no_of_trans``: 1/n
    means one brand throughout, 1 means a switch at every purchase.

    References
    ----------
    Shmueli, G., Bruce, P. C., et al. (2018). Data Mining for Business
    Analytics, case "Segmenting consumers of bath soap" (CRISA panel).

    Examples
    --------
    >>> from crm_lessons.datasets import load_bath_soap
    >>> m = brand_loyalty_measures(load_bath_soap())
    >>> m.shape
    (600, 7)
    >>> bool(m["max_brand_share"].between(0, 1).all())
    True
    """
    where = "brand_loyalty_measures"
    require_dataframe(panel, where=where)
    needed = [
        id_col,
        *_BRAND_COLS,
        "others_999",
        "no_of_brands",
        "brand_runs",
        "no_of_trans",
        "pur_vol_no_promo_pct",
        "avg_price",
    ]
    require_columns(panel, needed, where=where)
    for col in needed[1:]:
        require_no_missing(panel, col, where=where)
        require_numeric(panel, col, where=where)
        require_non_negative(panel, col, where=where)
    zero = (panel["no_of_trans"] == 0).to_numpy()
    if zero.any():
        raise DataError(
            f"{where}: no_of_trans is 0 in {first_rows(zero, panel.index)}; drop households without purchases"
        )
    runs = panel["brand_runs"].to_numpy(dtype=float)
    trans = panel["no_of_trans"].to_numpy(dtype=float)
    out = pd.DataFrame(
        {
            "max_brand_share": panel[list(_BRAND_COLS)].max(axis=1).to_numpy(),
            "other_brands_share": panel["others_999"].to_numpy(dtype=float),
            "no_of_brands": panel["no_of_brands"].to_numpy(),
            "trans_per_run": trans / np.maximum(runs, 1),
            "runs_per_trans": runs / trans,
            "promo_share": 1 - panel["pur_vol_no_promo_pct"].to_numpy(dtype=float),
            "avg_price": panel["avg_price"].to_numpy(dtype=float),
        },
        index=pd.Index(panel[id_col].to_numpy(), name=id_col),
    )
    return out


def classify_brand_loyal(measures: pd.DataFrame, *, share_threshold: float, max_brands: int) -> pd.Series:
    """Rule-based split of households into brand-loyal and switchers.

    Parameters
    ----------
    measures : DataFrame
        :func:`brand_loyalty_measures`.
    share_threshold : float
        Minimum ``max_brand_share`` of a loyal household (e.g. 0.6).
    max_brands : int
        Maximum ``no_of_brands`` of a loyal household (e.g. 3).

    Returns
    -------
    Series
        ``"loyal"`` or ``"switcher"`` per household, named ``brand_loyalty``.

    Raises
    ------
    DataError
        When a column is missing or ``share_threshold`` is outside (0, 1].

    Notes
    -----
    ``loyal = (max_brand_share >= s*) & (no_of_brands <= b*)``: a share rule
    alone would call a household loyal that buys one brand at 60 % and
    five others now and then.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"max_brand_share": [0.9, 0.7, 0.3], "no_of_brands": [1, 5, 2]})
    >>> classify_brand_loyal(m, share_threshold=0.6, max_brands=3).tolist()
    ['loyal', 'switcher', 'switcher']
    """
    where = "classify_brand_loyal"
    if not 0 < share_threshold <= 1:
        raise DataError(f"{where}: share_threshold={share_threshold!r} should be in (0, 1]")
    require_dataframe(measures, where=where)
    require_columns(measures, ["max_brand_share", "no_of_brands"], where=where)
    loyal = (measures["max_brand_share"] >= share_threshold) & (measures["no_of_brands"] <= max_brands)
    return pd.Series(np.where(loyal, "loyal", "switcher"), index=measures.index, name="brand_loyalty")


def compare_means(
    data: pd.DataFrame,
    *,
    group: pd.Series | str,
    columns: Sequence[str],
    first: str,
    second: str,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Difference of two groups' means with a Welch confidence interval, per column.

    Parameters
    ----------
    data : DataFrame
        One row per unit (e.g. household).
    group : Series or str
        Group label per row (aligned on the index), or the name of a column of ``data``.
    columns : sequence of str
        Numeric columns to compare.
    first, second : str
        The two group labels; the difference is ``mean(first) - mean(second)``.
    confidence : float, default 0.95
        Level of the confidence interval.

    Returns
    -------
    DataFrame
        Indexed by column: ``n_first``, ``n_second``, ``mean_first``,
        ``mean_second``, ``difference``, ``ci_low``, ``ci_high``.

    Raises
    ------
    DataError
        When a column is missing or not numeric, a group has fewer than two
        rows, or ``confidence`` is not in (0, 1).

    Notes
    -----
    Welch's interval: ``d +- t_{q, nu} sqrt(s1^2/n1 + s2^2/n2)`` with the
    Welch-Satterthwaite degrees of freedom ``nu``.  It measures sampling
    error only: a difference between groups that differ in other ways too
    (income, brand) is a comparison, not an effect.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"g": ["a", "a", "a", "b", "b", "b"], "x": [1.0, 2.0, 3.0, 5.0, 6.0, 7.0]})
    >>> r = compare_means(df, group="g", columns=["x"], first="a", second="b")
    >>> float(r.loc["x", "difference"]), round(float(r.loc["x", "ci_low"]), 2)
    (-4.0, -6.27)
    """
    where = "compare_means"
    require_dataframe(data, where=where)
    if not 0 < confidence < 1:
        raise DataError(f"{where}: confidence={confidence!r} should be between 0 and 1")
    labels = data[group] if isinstance(group, str) else pd.Series(group).reindex(data.index)
    require_columns(data, list(columns), where=where)
    for col in columns:
        require_numeric(data, col, where=where)
    rows = {}
    for col in columns:
        a = data.loc[labels == first, col].dropna().to_numpy(dtype=float)
        b = data.loc[labels == second, col].dropna().to_numpy(dtype=float)
        for name, x in ((first, a), (second, b)):
            if len(x) < 2:
                raise DataError(f"{where}: group {name!r} has {len(x)} non-missing values of {col!r}; need at least 2")
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        se = float(np.sqrt(va + vb))
        nu = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
        half = float(stats.t.ppf(0.5 + confidence / 2, nu)) * se
        d = float(a.mean() - b.mean())
        rows[col] = {
            "n_first": len(a),
            "n_second": len(b),
            "mean_first": float(a.mean()),
            "mean_second": float(b.mean()),
            "difference": d,
            "ci_low": d - half,
            "ci_high": d + half,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


@dataclass(frozen=True)
class ClusterResult:
    """Result of :func:`kmeans_by_silhouette`.

    Attributes
    ----------
    labels : Series
        Segment 0..k-1 per row (segment 0 is the largest).
    k : int
        Chosen number of segments.
    silhouette : DataFrame
        ``k``, ``silhouette`` for every k tried.
    profile : DataFrame
        Mean of every feature per segment (original units) plus ``size`` and ``share``.
    """

    labels: pd.Series
    k: int
    silhouette: pd.DataFrame
    profile: pd.DataFrame


def kmeans_by_silhouette(
    data: pd.DataFrame,
    *,
    features: Sequence[str],
    k_values: Sequence[int],
    random_state: int,
    log_features: Sequence[str] = (),
    sample_size: int | None = None,
    n_threads: int | None = 1,
) -> ClusterResult:
    """Standardise, run k-means for each k and keep the k with the best silhouette.

    The search over k is :func:`crm_lessons.segmentation.choose_k` (the package's one k-means by
    silhouette) on the standardised features; this function adds the feature preparation, the
    labels of the chosen k, renumbered by size, and a profile of each segment.

    Parameters
    ----------
    data : DataFrame
        One row per customer.
    features : list of str
        Numeric columns to cluster on.
    k_values : sequence of int
        Candidate numbers of segments (each >= 2).
    random_state : int
        Seed of :class:`sklearn.cluster.KMeans`.
    log_features : list of str, optional
        Subset of ``features`` transformed with ``log1p`` before
        standardising (for skewed counts such as miles); must be >= 0.
    sample_size : int, optional
        Compute each silhouette on a random subsample of this many rows
        (drawn with ``random_state``) instead of all rows; the silhouette
        costs O(n^2), k-means itself always uses every row.
    n_threads : int or None, default 1
        Threads for k-means and the distances (``None``: all cores).  One
        thread, as in :func:`crm_lessons.segmentation.choose_k`: on a few
        thousand rows extra threads mostly wait for each other (on a busy
        2-core machine the bath-soap segmentation took 14 s with all threads
        and 0.2 s with one).

    Returns
    -------
    ClusterResult
        ``labels`` (index of ``data``), ``k``, ``silhouette`` table and
        ``profile`` (feature means per segment, ``size``, ``share``).

    Raises
    ------
    DataError
        When a feature is missing, non-numeric or has missing values, or a k is
        < 2 or >= the number of rows.

    Notes
    -----
    Silhouette of point i: ``s_i = (b_i - a_i) / max(a_i, b_i)``; the chosen k
    maximises its mean (Rousseeuw 1987).  Segments are renumbered by
    size so that labels do not depend on k-means' arbitrary order.

    References
    ----------
    Rousseeuw, P. J. (1987). Silhouettes. Journal of Computational and Applied
    Mathematics, 20, 53-65.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [0, 0.1, 0.2, 5, 5.1, 5.2], "y": [0, 0.2, 0.1, 5, 5.2, 5.1]})
    >>> res = kmeans_by_silhouette(df, features=["x", "y"], k_values=[2, 3], random_state=0)
    >>> res.k, res.labels.tolist()
    (2, [0, 0, 0, 1, 1, 1])
    """
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    where = "kmeans_by_silhouette"
    require_dataframe(data, where=where)
    features = list(features)
    require_columns(data, features, where=where)
    for col in features:
        require_no_missing(data, col, where=where)
        require_numeric(data, col, where=where)
    for col in log_features:
        if col not in features:
            raise DataError(f"{where}: log feature {col!r} is not among features {features}")
        require_non_negative(data, col, where=where)
    ks = [int(k) for k in k_values]
    if not ks or min(ks) < 2 or max(ks) >= len(data):
        raise DataError(f"{where}: k_values={ks} should be integers >= 2 and < the {len(data)} rows")
    x = data[features].astype(float).copy()
    for col in log_features:
        x[col] = np.log1p(x[col])
    z = StandardScaler().fit_transform(x.to_numpy())
    if n_threads is not None and (int(n_threads) != n_threads or n_threads < 1):
        raise DataError(f"{where}: n_threads={n_threads!r} should be a positive integer or None (all cores)")
    # the silhouette of every k: segmentation.choose_k, the one k-means-by-silhouette of the package
    threads = None if n_threads is None else int(n_threads)
    table = choose_k(z, k_range=ks, random_state=random_state, sample_size=sample_size, n_threads=threads)
    best = int(table.loc[table["best"], "k"].iloc[0])
    scores = table["silhouette"].to_numpy()
    with threadpool_limits(limits=n_threads):  # the chosen k again, with choose_k's settings: the same labels
        raw = KMeans(n_clusters=best, n_init=10, random_state=random_state).fit(z).labels_
    order = pd.Series(raw).value_counts().index  # largest first; ties in value_counts order
    relabel = {int(old): new for new, old in enumerate(order)}
    labels = pd.Series([relabel[int(v)] for v in raw], index=data.index, name="segment")
    profile = data[features].groupby(labels).mean()
    profile["size"] = labels.value_counts().sort_index()
    profile["share"] = profile["size"] / len(data)
    return ClusterResult(
        labels=labels, k=best, silhouette=pd.DataFrame({"k": ks, "silhouette": scores}), profile=profile
    )
