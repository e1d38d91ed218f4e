"""RFM scores (quintiles or fixed cuts), segment maps and the R x F grid."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    first_rows,
    require_columns,
    require_dataframe,
    require_no_missing,
    require_numeric,
)
from crm_lessons.rfm._table import _DIMENSIONS


# --------------------------------------------------------------------------- #
# Scores
# --------------------------------------------------------------------------- #
def _check_rfm_columns(rfm: pd.DataFrame, columns: Sequence[str], *, where: str) -> None:
    require_dataframe(rfm, where=where)
    require_columns(rfm, list(columns), where=where)
    for col in columns:
        require_no_missing(rfm, col, where=where)
        require_numeric(rfm, col, where=where)


def _quantile_score(
    values: pd.Series, *, bins: int, higher_is_better: bool, tiebreak: np.ndarray | None = None
) -> np.ndarray:
    """Scores 1..bins of equal size by rank; ties broken by row order or by ``tiebreak``."""
    if tiebreak is None:
        ranked = values.rank(method="first", ascending=higher_is_better).to_numpy()
    else:
        x = values.to_numpy(dtype="float64")
        order = np.lexsort((tiebreak, x if higher_is_better else -x))
        ranked = np.empty(len(x), dtype="float64")
        ranked[order] = np.arange(1, len(x) + 1)
    return pd.qcut(ranked, bins, labels=False).astype("int64") + 1


def _cut_score(
    values: pd.Series, cuts: Sequence[float], *, higher_is_better: bool, where: str, name: str
) -> np.ndarray:
    edges = np.asarray(cuts, dtype="float64")
    if edges.ndim != 1 or len(edges) == 0 or not np.all(np.diff(edges) > 0):
        raise DataError(
            f"{where}: cuts[{name!r}]={list(cuts)!r} should be a non-empty list of strictly increasing numbers"
        )
    # bin 0 = (-inf, c1], bin j = (c_j, c_{j+1}], last = (c_last, inf)
    b = np.searchsorted(edges, values.to_numpy(dtype="float64"), side="left")
    return (b + 1 if higher_is_better else len(edges) + 1 - b).astype("int64")


def rfm_scores(
    rfm: pd.DataFrame,
    *,
    bins: int = 5,
    method: Literal["quantile", "cuts"] = "quantile",
    cuts: Mapping[str, Sequence[float]] | None = None,
    ties: Literal["first", "random"] = "first",
    random_state: int | None = None,
) -> pd.DataFrame:
    """Code each customer's R, F and M into scores 1..bins (Hughes quintiles).

    Parameters
    ----------
    rfm : DataFrame
        Output of :func:`rfm_table` (needs ``days_since_last``,
        ``n_purchases``, ``total_spend``).
    bins : int, default 5
        Number of score levels for ``method="quantile"`` (2 to 9).
    method : {"quantile", "cuts"}
        ``"quantile"``: equal-sized groups by rank.  ``"cuts"``: fixed cut
        points from ``cuts``.
    cuts : dict, optional
        For ``method="cuts"``: ``{"days_since_last": [...], "n_purchases":
        [...], "total_spend": [...]}``, increasing interior cut points per
        dimension.  Intervals are closed on the right: a value equal to a cut
        point falls in the lower interval.  With ``m`` cut points a dimension
        gets scores ``1..m+1``.
    ties : {"first", "random"}, default "first"
        How ``method="quantile"`` orders customers with equal values:
        ``"first"`` by their row order, ``"random"`` in a random order drawn
        with ``random_state``.
    random_state : int, optional
        Seed for ``ties="random"`` (numpy ``default_rng``).

    Returns
    -------
    DataFrame
        Same index as ``rfm``, columns ``r_score``, ``f_score``, ``m_score``
        (int, higher = better: most recent, most frequent, highest spend),
        ``rfm_cell`` (str, e.g. ``"545"``; digits joined with ``"-"`` when a
        score can exceed 9) and ``rfm_score`` (int, the sum of the three).

    Raises
    ------
    DataError
        Missing or non-numeric columns, missing values, fewer customers than
        ``bins``, bad ``bins``, ``method`` or ``cuts``.

    Notes
    -----
    Quantile scores rank customers with ``rank(method="first")`` and cut the
    ranks into ``bins`` equal groups with ``pandas.qcut``: each score holds
    ``n / bins`` customers (+-1) even when many customers share a value
    (CDNOW: most customers bought once).  The price is that tied customers
    can get different scores, decided by their row order.  When the row
    order means something (CDNOW ids follow the date of the first purchase)
    that order leaks into the scores: the many one-purchase customers get
    ``f_score`` 1 or 2 by id, i.e. by acquisition date, which correlates
    with ``r_score``.  ``ties="random"`` removes that artefact.  For
    ``days_since_last`` lower is better, so ``r_score = bins`` marks the most
    recent customers.

    References
    ----------
    Hughes (2012), *Strategic Database Marketing* (quintile coding, 5 =
    best); Blattberg, Kim & Neslin (2008), chapter "RFM analysis".

    Examples
    --------
    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"days_since_last": [5, 40, 300, 90, 10],
    ...                     "n_purchases": [6, 2, 1, 1, 3],
    ...                     "total_spend": [500.0, 80.0, 20.0, 35.0, 120.0]},
    ...                    index=pd.Index(list("abcde"), name="customer_id"))
    >>> rfm_scores(rfm)
                 r_score  f_score  m_score rfm_cell  rfm_score
    customer_id
    a                  5        5        5      555         15
    b                  3        3        3      333          9
    c                  1        1        1      111          3
    d                  2        2        2      222          6
    e                  4        4        4      444         12
    >>> rfm_scores(rfm, method="cuts", cuts={"days_since_last": [30, 180],
    ...            "n_purchases": [1, 3], "total_spend": [50, 200]})["rfm_cell"].tolist()
    ['333', '222', '111', '211', '322']
    """
    where = "rfm_scores"
    columns = [col for col, _ in _DIMENSIONS.values()]
    _check_rfm_columns(rfm, columns, where=where)
    scores: dict[str, np.ndarray] = {}
    if method == "quantile":
        if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 2 <= bins <= 9:
            raise DataError(f"{where}: bins={bins!r} should be an integer from 2 to 9 (5 = quintiles)")
        if len(rfm) < bins:
            raise DataError(f"{where}: n_customers={len(rfm)} should be >= bins={bins}; use fewer bins")
        rng = None
        if ties == "random":
            if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)):
                raise DataError(f"{where}: ties='random' needs an integer random_state, got {random_state!r}")
            rng = np.random.default_rng(random_state)
        elif ties != "first":
            raise DataError(f"{where}: ties={ties!r} should be 'first' or 'random'")
        for dim, (col, better_high) in _DIMENSIONS.items():
            # an independent order per dimension, so that ties do not tie R to F
            tiebreak = None if rng is None else rng.permutation(len(rfm))
            scores[f"{dim}_score"] = _quantile_score(
                rfm[col], bins=bins, higher_is_better=better_high, tiebreak=tiebreak
            )
    elif method == "cuts":
        if cuts is None:
            raise DataError(
                f"{where}: method='cuts' needs cuts={{'days_since_last': [...], 'n_purchases': [...], 'total_spend': [...]}}"
            )
        unknown = set(cuts) - set(columns)
        missing = [c for c in columns if c not in cuts]
        if unknown or missing:
            raise DataError(
                f"{where}: cuts should have exactly the keys {columns}; "
                f"missing {missing}, unknown {sorted(map(str, unknown))}"
            )
        for dim, (col, better_high) in _DIMENSIONS.items():
            scores[f"{dim}_score"] = _cut_score(
                rfm[col], cuts[col], higher_is_better=better_high, where=where, name=col
            )
    else:
        raise DataError(f"{where}: method={method!r} should be 'quantile' or 'cuts'")

    out = pd.DataFrame(scores, index=rfm.index)
    r, f, m = (out[c].to_numpy(dtype="int64") for c in ("r_score", "f_score", "m_score"))
    sep = "" if int(out.to_numpy().max()) <= 9 else "-"
    # the text of each distinct cell, made once and taken for every customer (no text per customer)
    base = int(max(r.max(), f.max(), m.max())) + 1 if len(out) else 1
    cells, which = np.unique((r * base + f) * base + m, return_inverse=True)
    labels = [f"{c // base // base}{sep}{c // base % base}{sep}{c % base}" for c in cells.tolist()]
    out["rfm_cell"] = pd.array(labels, dtype="str")[which.reshape(-1)]
    out["rfm_score"] = out["r_score"] + out["f_score"] + out["m_score"]
    return out


# --------------------------------------------------------------------------- #
# Segment maps
# --------------------------------------------------------------------------- #
# name, 中文, r_min, r_max, f_min, f_max (inclusive) on 5-level scores; M is not used.
_DEFAULT_MAP = [
    ("champions", "重要价值客户 (冠军)", 5, 5, 4, 5),
    ("loyal", "忠诚客户", 3, 4, 4, 5),
    ("potential_loyalist", "潜力客户", 4, 5, 2, 3),
    ("new", "新客户", 5, 5, 1, 1),
    ("promising", "有希望的客户", 4, 4, 1, 1),
    ("need_attention", "需唤醒客户", 3, 3, 3, 3),
    ("about_to_sleep", "将沉睡客户", 3, 3, 1, 2),
    ("at_risk", "有流失风险客户", 1, 2, 3, 4),
    ("cannot_lose", "不能失去的客户", 1, 2, 5, 5),
    ("hibernating", "沉睡客户", 2, 2, 1, 2),
    ("lost", "流失客户", 1, 1, 1, 2),
]


def segment_map(scheme: str = "default") -> pd.DataFrame:
    """The rules of a named RFM segment map, one row per segment.

    Parameters
    ----------
    scheme : {"default"}
        ``"default"``: the widely used R x F grid on 5-level scores
        (champions, loyal, potential loyalists, new, promising, need
        attention, about to sleep, at risk, cannot lose, hibernating, lost).

    Returns
    -------
    DataFrame
        Indexed by ``segment`` (English), columns ``segment_zh``, ``r_min``,
        ``r_max``, ``f_min``, ``f_max``, ``m_min``, ``m_max`` (inclusive score
        ranges; M spans 1..5 in the default map).

    Raises
    ------
    DataError
        Unknown ``scheme``.

    Notes
    -----
    The rules partition the 5 x 5 x 5 = 125 cells: every cell belongs to
    exactly one segment (tested).

    References
    ----------
    Hughes (2012); the R x F grid is the common practitioners' map
    built on Hughes' quintile scores.

    Examples
    --------
    >>> segment_map().loc["champions", ["r_min", "r_max", "f_min", "f_max"]].tolist()
    [5, 5, 4, 5]
    """
    if scheme != "default":
        raise DataError(f"segment_map: scheme={scheme!r} is unknown; available: ['default']")
    table = pd.DataFrame(_DEFAULT_MAP, columns=["segment", "segment_zh", "r_min", "r_max", "f_min", "f_max"])
    table["m_min"], table["m_max"] = 1, 5
    return table.set_index("segment")


def rfm_segments(scores: pd.DataFrame, *, scheme: str = "default") -> pd.DataFrame:
    """Name each customer's segment from their R, F (and M) scores.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`rfm_scores` with ``bins=5`` (``r_score``,
        ``f_score``, ``m_score`` in 1..5).
    scheme : str, default "default"
        Name of a map from :func:`segment_map`.

    Returns
    -------
    DataFrame
        Same index as ``scores``, columns ``segment`` (English) and
        ``segment_zh`` (Chinese), both categorical in the order of the map.

    Raises
    ------
    DataError
        Missing score columns, or scores outside 1..5.

    Notes
    -----
    Segment = the unique row of :func:`segment_map` with
    ``r_min <= r_score <= r_max`` and ``f_min <= f_score <= f_max`` and
    ``m_min <= m_score <= m_max``.

    References
    ----------
    Hughes (2012).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"r_score": [5, 1, 3], "f_score": [5, 1, 3], "m_score": [4, 2, 3]})
    >>> rfm_segments(s)["segment"].tolist()
    ['champions', 'lost', 'need_attention']
    """
    where = "rfm_segments"
    cols = ["r_score", "f_score", "m_score"]
    _check_rfm_columns(scores, cols, where=where)
    for col in cols:
        bad = ~scores[col].isin(range(1, 6)).to_numpy()
        if bad.any():
            raise DataError(
                f"{where}: column {col!r} should hold scores 1..5 but not in {first_rows(bad, scores.index)}; "
                "compute them with rfm_scores(rfm, bins=5)"
            )
    rules = segment_map(scheme)
    r, f, m = (scores[c].to_numpy() for c in cols)
    lookup = np.full((6, 6, 6), -1, dtype="int64")
    for i, row in enumerate(rules.itertuples()):
        lookup[row.r_min : row.r_max + 1, row.f_min : row.f_max + 1, row.m_min : row.m_max + 1] = i
    idx = lookup[r, f, m]
    return pd.DataFrame(
        {
            "segment": pd.Categorical.from_codes(idx, categories=list(rules.index)),
            "segment_zh": pd.Categorical.from_codes(idx, categories=list(rules["segment_zh"])),
        },
        index=scores.index,
    )


def rfm_grid(
    data: pd.DataFrame,
    *,
    value: str = "total_spend",
    agg: Literal["mean", "median", "sum", "count"] = "mean",
) -> pd.DataFrame:
    """R score x F score table of a statistic (the data behind the RFM heatmap).

    Parameters
    ----------
    data : DataFrame
        Scores joined with the RFM table, e.g. ``rfm_scores(t).join(t)``;
        needs ``r_score``, ``f_score`` and, unless ``agg="count"``, ``value``.
    value : str, default "total_spend"
        Column to summarise.
    agg : {"mean", "median", "sum", "count"}
        Statistic per cell; ``"count"`` counts customers.

    Returns
    -------
    DataFrame
        Rows ``r_score`` (highest first: most recent on top), columns
        ``f_score`` (ascending); cells without customers are NaN (0 for
        ``"count"``).

    Raises
    ------
    DataError
        Missing columns or unknown ``agg``.

    Notes
    -----
    Cell ``(r, f)`` holds ``agg({value_i : r_score_i = r, f_score_i = f})``.

    References
    ----------
    Hughes (2012) (RFM cells).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"r_score": [1, 1, 2, 2], "f_score": [1, 2, 2, 2], "total_spend": [5.0, 7.0, 10.0, 20.0]})
    >>> rfm_grid(d)
    f_score    1     2
    r_score
    2        NaN  15.0
    1        5.0   7.0
    """
    where = "rfm_grid"
    require_dataframe(data, where=where)
    if agg not in ("mean", "median", "sum", "count"):
        raise DataError(f"{where}: agg={agg!r} should be 'mean', 'median', 'sum' or 'count'")
    needed = ["r_score", "f_score"] + ([] if agg == "count" else [value])
    require_columns(data, needed, where=where)
    if agg != "count":
        require_numeric(data, value, where=where)
    grouped = data.groupby(["r_score", "f_score"], sort=True)
    stat = grouped.size() if agg == "count" else getattr(grouped[value], agg)()
    grid = stat.unstack("f_score")
    if agg == "count":
        grid = grid.fillna(0).astype("int64")
    return grid.sort_index(ascending=False)
