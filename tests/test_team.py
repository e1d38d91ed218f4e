"""Tests of crm_lessons.team: simulated agent months and control limits."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from crm_lessons import team


def test_control_limits_by_hand():
    res = pd.DataFrame({"contacts": [100, 100, 400], "successes": [70, 50, 320]}, index=[1, 2, 3])
    out = team.agent_control_limits(res, target=0.7, z=3)
    half = 3 * math.sqrt(0.7 * 0.3 / 100)
    assert out.loc[1, "lower"] == pytest.approx(0.7 - half) and out.loc[1, "upper"] == pytest.approx(0.7 + half)
    assert out["signal"].tolist() == ["within limits", "below", "above"]
    assert out["league_rank"].tolist() == [2, 3, 1]
    assert "rate" not in res.columns  # the input is not changed


def test_control_limits_errors():
    with pytest.raises(ValueError, match=r"missing column\(s\) \['successes'\]"):
        team.agent_control_limits(pd.DataFrame({"contacts": [1]}), target=0.5)
    with pytest.raises(ValueError, match="target=1.2"):
        team.agent_control_limits(pd.DataFrame({"contacts": [1], "successes": [1]}), target=1.2)


def test_simulated_month_is_seeded_and_rarely_flags_average_agents():
    a = team.simulate_agent_month([0.7] * 200, contacts=120, random_state=3)
    assert a.equals(team.simulate_agent_month([0.7] * 200, contacts=120, random_state=3))
    assert a["successes"].between(0, 120).all() and list(a.index[:2]) == [1, 2]
    flagged = (team.agent_control_limits(a, target=0.7)["signal"] != "within limits").mean()
    assert flagged < 0.03  # 3-sigma limits: about 0.3% of average agents by chance
    with pytest.raises(ValueError, match="probabilities"):
        team.simulate_agent_month([1.5], contacts=10, random_state=0)
    with pytest.raises(ValueError, match="contacts"):
        team.simulate_agent_month([0.5], contacts=0, random_state=0)
