"""How satisfaction turns into loyalty under competition, benefits and switching costs (after Jones & Sasser 1995)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from crm_lessons._validation import (
    DataError,
)


def loyalty_probability(
    satisfaction: float | Sequence[float] | np.ndarray,
    *,
    competition: int,
    switching_cost: float,
    sunk_cost: float = 0.0,
    benefit: float = 0.0,
    alternative_mean: float = 4.0,
    alternative_sd: float = 1.0,
) -> np.ndarray | float:
    """Probability of staying for a given satisfaction, number of rivals and switching cost.

    Parameters
    ----------
    satisfaction : float or array-like
        Satisfaction with the current supplier on a 1-5 scale (the utility of
        staying).
    competition : int
        Number of competing alternatives the customer considers (0 =
        monopoly).
    switching_cost : float
        Utility lost by switching, in satisfaction points (>= 0): 转移成本.
    sunk_cost : float, default 0
        What the customer has already invested and would lose by leaving
        (unredeemed points, a paid membership), in satisfaction points (>= 0):
        沉没成本.  Irrelevant to a rational choice, but it weighs on real ones.
    benefit : float, default 0
        Extra benefit of staying (rewards, recognition), in satisfaction
        points (>= 0): 客户获得的利益.
    alternative_mean, alternative_sd : float, default 4.0, 1.0
        Each rival's offer is valued ``Normal(alternative_mean, alternative_sd)``.

    Returns
    -------
    float or ndarray
        ``P(stay)`` in [0, 1].

    Raises
    ------
    DataError
        When ``competition`` is negative or not an integer, or
        ``switching_cost`` / ``alternative_sd`` is invalid.

    Notes
    -----
    The customer stays when ``s + b + c + k >= max_j U_j`` (``b`` benefit,
    ``c`` switching cost, ``k`` sunk cost) with ``U_j`` iid normal,
    so ``P(stay) = Phi((s + b + c + k - mu) / sigma) ** m``.  In this model
    the four act alike on ``P(stay)``; they differ in *why* the customer
    stays (see :func:`simulate_satisfaction_loyalty`, column ``locked_in``).  For large ``m`` the
    maximum of the rivals is high and the curve is convex: only the "completely
    satisfied" stay, as in the highly competitive curve of Jones & Sasser's
    (1995) satisfaction-loyalty exhibit.  With ``m = 0`` or a high ``c`` loyalty is high whatever
    the satisfaction (their noncompetitive zone).  This is a stated-assumption
    model that reproduces the shape, not their data.

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    Harvard Business Review, 73(6), 88-99.

    Examples
    --------
    >>> loyalty_probability(3, competition=0, switching_cost=0)
    1.0
    >>> [round(float(p), 3) for p in loyalty_probability([4, 5], competition=1, switching_cost=0)]
    [0.5, 0.841]
    """
    where = "loyalty_probability"
    if int(competition) != competition or competition < 0:
        raise DataError(f"{where}: competition={competition!r} should be a non-negative integer (number of rivals)")
    for name, value in (("switching_cost", switching_cost), ("sunk_cost", sunk_cost), ("benefit", benefit)):
        if value < 0:
            raise DataError(f"{where}: {name}={value!r} should be >= 0")
    if alternative_sd <= 0:
        raise DataError(f"{where}: alternative_sd={alternative_sd!r} should be > 0")
    s = np.asarray(satisfaction, dtype=float)
    keep = s + benefit + switching_cost + sunk_cost
    p = stats.norm.cdf((keep - alternative_mean) / alternative_sd) ** int(competition)
    return float(p) if np.ndim(p) == 0 else p


def simulate_satisfaction_loyalty(
    n: int,
    *,
    competition: int,
    switching_cost: float,
    sunk_cost: float = 0.0,
    benefit: float = 0.0,
    alternative_mean: float = 4.0,
    alternative_sd: float = 1.0,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Simulate customers' satisfaction (1-5) and whether they stay, under competition.

    Parameters
    ----------
    n : int
        Number of customers.
    competition : int
        Number of rival offers each customer sees (0 = monopoly).
    switching_cost : float
        Utility lost by switching, in satisfaction points (>= 0): 转移成本.
    sunk_cost : float, default 0
        Investment lost by leaving, in satisfaction points (>= 0): 沉没成本.
    benefit : float, default 0
        Extra benefit of staying, in satisfaction points (>= 0): 客户获得的利益.
    alternative_mean, alternative_sd : float, default 4.0, 1.0
        Distribution of the value of each rival offer.
    random_state : int or Generator, optional
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    DataFrame
        One row per customer: ``satisfaction`` (int 1-5, uniform), ``best_rival``
        (value of the best rival offer, NaN without rivals), ``loyal``
        (bool, stays) and ``locked_in`` (bool, stays only because of the
        switching and sunk costs: without them the customer would leave).

    Raises
    ------
    DataError
        As :func:`loyalty_probability`, or when ``n`` < 1.

    Notes
    -----
    Draws ``U_1..U_m ~ Normal(mu, sigma)`` per customer and sets
    ``loyal = s + b + c + k >= max_j U_j`` and
    ``locked_in = loyal & (s + b < max_j U_j)``; the share loyal at each
    satisfaction level converges to :func:`loyalty_probability`.  Benefit
    and satisfaction are reasons to want to stay (积极因素); switching and
    sunk costs are reasons unable to leave (消极因素), hence ``locked_in``.

    References
    ----------
    Jones, T. O., & Sasser, W. E. (1995). Why satisfied customers defect.
    Harvard Business Review, 73(6), 88-99.

    Examples
    --------
    >>> sim = simulate_satisfaction_loyalty(5000, competition=8, switching_cost=0.5, random_state=1)
    >>> rates = sim.groupby("satisfaction")["loyal"].mean()
    >>> bool(rates[5] - rates[4] > rates[2] - rates[1])
    True
    """
    where = "simulate_satisfaction_loyalty"
    if int(n) != n or n < 1:
        raise DataError(f"{where}: n={n!r} should be a positive integer")
    loyalty_probability(
        1.0,
        competition=competition,
        switching_cost=switching_cost,
        sunk_cost=sunk_cost,
        benefit=benefit,
        alternative_mean=alternative_mean,
        alternative_sd=alternative_sd,
    )  # validates
    rng = np.random.default_rng(random_state)
    sat = rng.integers(1, 6, size=int(n))
    m = int(competition)
    if m == 0:
        best = np.full(int(n), np.nan)
        loyal = np.ones(int(n), dtype=bool)
        locked = np.zeros(int(n), dtype=bool)
    else:
        best = rng.normal(alternative_mean, alternative_sd, size=(int(n), m)).max(axis=1)
        wants = sat + benefit >= best
        loyal = sat + benefit + switching_cost + sunk_cost >= best
        locked = loyal & ~wants
    return pd.DataFrame({"satisfaction": sat, "best_rival": best, "loyal": loyal, "locked_in": locked})
