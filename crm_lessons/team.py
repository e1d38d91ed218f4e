"""The CRM team: judging front-line staff on their numbers without ranking noise.

A contact centre scores each agent every month on a rate, such as first-contact resolution (FCR: the
share of contacts resolved without the customer coming back). With a hundred or so contacts per agent
the rates differ by chance alone, so a league table ranks luck. A control chart for proportions
(p-chart; a funnel plot when the number of contacts differs) flags only the agents whose rate lies
outside what chance allows around the team's target.

Examples
--------
>>> month = simulate_agent_month([0.7, 0.7, 0.4], contacts=200, random_state=1)
>>> agent_control_limits(month, target=0.7)["signal"].tolist()
['within limits', 'within limits', 'below']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["agent_control_limits", "simulate_agent_month"]


def simulate_agent_month(
    true_rates: Sequence[float], *, contacts: int | Sequence[int], random_state: int
) -> pd.DataFrame:
    """One month of contacts per agent, each resolved with the agent's true probability.

    Parameters
    ----------
    true_rates : sequence of float
        Each agent's true success probability (e.g. first-contact resolution), in [0, 1].
    contacts : int or sequence of int
        Contacts handled per agent (one number for all, or one per agent).
    random_state : int
        Seed.

    Returns
    -------
    DataFrame
        Indexed by ``agent`` (1, 2, ...): ``contacts``, ``successes``, ``rate``, ``true_rate``.
    """
    rates = np.asarray(true_rates, dtype="float64")
    if rates.ndim != 1 or len(rates) == 0 or not ((rates >= 0) & (rates <= 1)).all():
        raise ValueError(f"simulate_agent_month: true_rates should be probabilities in [0, 1]; got {true_rates!r}")
    n = np.broadcast_to(np.asarray(contacts, dtype="int64"), rates.shape)
    if (n < 1).any():
        raise ValueError(f"simulate_agent_month: contacts={contacts!r} should be >= 1")
    successes = np.random.default_rng(random_state).binomial(n, rates)
    index = pd.RangeIndex(1, len(rates) + 1, name="agent")
    return pd.DataFrame({"contacts": n, "successes": successes, "rate": successes / n, "true_rate": rates}, index=index)


def agent_control_limits(results: pd.DataFrame, *, target: float, z: float = 3.0) -> pd.DataFrame:
    """Control limits for each agent's rate around the team's target (p-chart / funnel plot).

    Parameters
    ----------
    results : DataFrame
        One row per agent with ``contacts`` and ``successes``.
    target : float
        The rate every agent is expected to reach, in (0, 1).
    z : float, default 3.0
        Width of the limits in standard errors (3: Shewhart's limits; 2: a warning line).

    Returns
    -------
    DataFrame
        ``results`` plus ``rate``, ``lower``, ``upper`` (target -/+ z * sqrt(target (1 - target) / contacts),
        clipped to [0, 1]), ``signal`` ('below', 'above' or 'within limits') and ``league_rank``
        (1 = best rate, what a league table would show).

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance.
    *Statistics in Medicine*, 24(8), 1185-1202.
    """
    missing = {"contacts", "successes"} - set(results.columns)
    if missing:
        raise ValueError(
            f"agent_control_limits: missing column(s) {sorted(missing)}; columns are {list(results.columns)}"
        )
    if not 0 < target < 1:
        raise ValueError(f"agent_control_limits: target={target} should be in (0, 1)")
    out = results.copy()
    n = out["contacts"].astype("float64")
    out["rate"] = out["successes"] / n
    half = z * np.sqrt(target * (1 - target) / n)
    out["lower"] = (target - half).clip(lower=0.0)
    out["upper"] = (target + half).clip(upper=1.0)
    out["signal"] = np.select(
        [out["rate"] < out["lower"], out["rate"] > out["upper"]], ["below", "above"], "within limits"
    )
    out["league_rank"] = out["rate"].rank(ascending=False, method="min").astype("int64")
    return out
