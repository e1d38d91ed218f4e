"""Choosing a CRM system: system types and a weighted scoring matrix with its sensitivity to the weights."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
    first_rows,
    require_dataframe,
)


# --------------------------------------------------------------------------- #
# CRM systems and how to choose one
# --------------------------------------------------------------------------- #
def crm_system_types() -> pd.DataFrame:
    """The three kinds of CRM system (operational, analytical, collaborative).

    Returns
    -------
    DataFrame
        Indexed by ``type`` (operational / analytical / collaborative):
        ``type_zh``, ``purpose_zh``, ``examples_zh``, ``users_zh``.
    """
    rows = [
        (
            "operational",
            "操作型 CRM",
            "让面向客户的日常业务自动化、有记录：销售、营销、服务",
            "销售自动化 (SFA)、营销活动管理、客服工单与呼叫中心、客户档案查询",
            "销售、客服、市场一线人员",
        ),
        (
            "analytical",
            "分析型 CRM",
            "从积累的客户数据中提炼客户知识，支持决策",
            "数据仓库、RFM 与客户价值分析、流失预警、细分与响应模型",
            "分析师、市场与管理层",
        ),
        (
            "collaborative",
            "协作型 CRM",
            "让各部门、各渠道（及合作伙伴）共享同一份客户信息、协同服务客户",
            "全渠道联络中心、客户门户与自助服务、部门间共享的客户视图、与经销商共享线索",
            "跨部门团队、渠道与合作伙伴",
        ),
    ]
    return pd.DataFrame(rows, columns=["type", "type_zh", "purpose_zh", "examples_zh", "users_zh"]).set_index("type")


def _check_matrix(scores: pd.DataFrame, weights: Mapping[str, float], where: str) -> tuple[pd.DataFrame, pd.Series]:
    scores = require_dataframe(scores, where=where)
    w = pd.Series(dict(weights), dtype=float)
    if set(w.index) != set(scores.columns):
        raise DataError(
            f"{where}: weights name {sorted(w.index)} but the score columns (criteria) are "
            f"{sorted(map(str, scores.columns))}; give one weight per criterion"
        )
    if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
        raise DataError(f"{where}: weights should be non-negative numbers, not all zero; got {w.to_dict()}")
    vals = scores.apply(pd.to_numeric, errors="coerce")
    bad = vals.isna().any(axis=1).to_numpy()
    if bad.any():
        raise DataError(f"{where}: scores should be numbers; missing or non-numeric in {first_rows(bad, scores.index)}")
    return vals, w.reindex(scores.columns) / w.sum()


def weighted_scores(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Weighted scoring decision matrix: total score and rank of each option.

    Parameters
    ----------
    scores : DataFrame
        Options (rows) by criteria (columns); higher is better on every
        criterion (score cost as "cheapness").
    weights : mapping
        Criterion -> importance; rescaled to sum to 1.

    Returns
    -------
    DataFrame
        ``scores`` with ``total`` (sum of weight x score) and ``rank`` (1 = best),
        sorted by rank.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"fit": [5, 3], "cost": [2, 5]}, index=["A", "B"])
    >>> weighted_scores(s, {"fit": 0.7, "cost": 0.3})["total"].round(2).to_dict()
    {'A': 4.1, 'B': 3.6}
    """
    vals, w = _check_matrix(scores, weights, "weighted_scores")
    total = vals.to_numpy() @ w.to_numpy()
    out = vals.assign(total=total)
    out["rank"] = out["total"].rank(ascending=False, method="min").astype(int)
    return out.sort_values(["rank"], kind="stable")


def weight_ranges(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """How far each weight can move before the winner changes (one weight at a time).

    Criterion ``c``'s weight is set to ``t`` and the other weights are scaled
    by ``(1 - t) / (1 - w_c)`` so that they keep their proportions.  Totals
    are linear in ``t``, so the range of ``t`` over which today's winner
    stays first is found exactly from where the lines cross.

    Returns
    -------
    DataFrame
        Indexed by criterion: ``weight`` (rescaled to sum 1), ``low``,
        ``high`` (the winner stays first for ``low <= t <= high``),
        ``rival_low``, ``rival_high`` (the option that overtakes beyond each
        end; empty when none does).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"fit": [5, 3], "cost": [2, 5]}, index=["A", "B"])
    >>> weight_ranges(s, {"fit": 0.7, "cost": 0.3})[["weight", "low", "high"]].round(3)
          weight  low  high
    fit      0.7  0.6   1.0
    cost     0.3  0.0   0.4
    """
    vals, w = _check_matrix(scores, weights, "weight_ranges")
    s = vals.to_numpy(dtype=float)
    totals = s @ w.to_numpy()
    win = int(np.argmax(totals))
    rows = {}
    for j, crit in enumerate(vals.columns):
        wj = w.iloc[j]
        others = w.to_numpy().copy()
        others[j] = 0.0
        rest = others.sum()
        base = s @ (others / rest) if rest > 0 else np.zeros(len(s))  # total when t = 0
        # total_i(t) = t * s[i, j] + (1 - t) * base[i]; winner minus rival: d0 + t * (d1 - d0)
        lo, hi, r_lo, r_hi = 0.0, 1.0, "", ""
        for i in range(len(s)):
            if i == win:
                continue
            d0 = base[win] - base[i]
            d1 = s[win, j] - s[i, j]
            if d1 == d0:
                continue
            t_cross = d0 / (d0 - d1)
            if t_cross < wj and d1 > d0 and t_cross > lo:  # rival ahead for small t
                lo, r_lo = t_cross, str(vals.index[i])
            if t_cross > wj and d1 < d0 and t_cross < hi:  # rival ahead for large t
                hi, r_hi = t_cross, str(vals.index[i])
        rows[crit] = {"weight": wj, "low": max(lo, 0.0), "high": min(hi, 1.0), "rival_low": r_lo, "rival_high": r_hi}
    return pd.DataFrame.from_dict(rows, orient="index")


def winner_shares(
    scores: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    n_draws: int = 2000,
    concentration: float = 50.0,
    random_state: int,
) -> pd.Series:
    """Share of random weight sets around ``weights`` under which each option ranks first.

    Weight sets are drawn from a Dirichlet distribution with mean
    ``weights`` and parameters ``concentration x weights`` (larger =
    closer to the given weights): a simple probabilistic sensitivity analysis.

    Returns
    -------
    Series
        Indexed by option, name ``winner_share``, summing to 1, sorted descending.
    """
    vals, w = _check_matrix(scores, weights, "winner_shares")
    if n_draws < 1 or concentration <= 0:
        raise DataError(f"winner_shares: n_draws={n_draws} should be >= 1 and concentration={concentration} > 0")
    rng = np.random.default_rng(random_state)
    alpha = np.maximum(concentration * w.to_numpy(), 1e-3)
    draws = rng.dirichlet(alpha, size=n_draws)
    best = np.argmax(draws @ vals.to_numpy(dtype=float).T, axis=1)
    share = np.bincount(best, minlength=len(vals)) / n_draws
    return pd.Series(share, index=vals.index, name="winner_share").sort_values(ascending=False, kind="stable")
