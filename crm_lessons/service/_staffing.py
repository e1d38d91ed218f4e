"""Call-centre staffing with the Erlang C model: waiting probability, service level, agents required."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from crm_lessons._validation import DataError, check_scalar

# -- checks ---------------------------------------------------------------------


def _stable_queue(traffic: float, agents: int, *, where: str) -> None:
    if traffic >= agents:
        raise DataError(
            f"{where}: traffic={traffic:g} Erlangs >= agents={agents}: the queue would grow without limit "
            f"(occupancy {traffic / agents:.0%}); use at least {math.floor(traffic) + 1} agents or lower the "
            "traffic (arrival rate x average handling time)"
        )


# -- Erlang B and C ----------------------------------------------------------------


def erlang_b(traffic: float, agents: int) -> float:
    """Erlang B blocking probability B(N, A) by the stable recursion.

    Parameters
    ----------
    traffic : float
        Offered traffic A in Erlangs (arrival rate x average handling time), ``>= 0``.
    agents : int
        Number of servers N, ``>= 1``.

    Returns
    -------
    float
        Probability that an arriving call finds all N servers busy in a loss
        system (no queue).

    Raises
    ------
    DataError
        For a negative or non-finite traffic or a non-integer / non-positive
        number of agents.

    Notes
    -----
    ``B(0, A) = 1`` and ``B(k, A) = A B(k-1, A) / (k + A B(k-1, A))``.  Every
    step stays in [0, 1], so there is no factorial and no overflow, however
    many servers.

    References
    ----------
    Cooper, R. B. (1981). *Introduction to Queueing Theory* (2nd ed.),
    North Holland, section 3.4 (the Erlang loss formula and its recursion).

    Examples
    --------
    >>> round(erlang_b(1.0, 1), 6)  # A / (1 + A)
    0.5
    >>> round(erlang_b(2.0, 2), 6)  # (A^2/2) / (1 + A + A^2/2) = 2 / 5
    0.4
    """
    where = "erlang_b"
    a = check_scalar(traffic, "traffic", where=where, low=0)
    n = check_scalar(agents, "agents", where=where, integer=True, low=1)
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return float(b)


def erlang_c(traffic: float, agents: int) -> float:
    """Erlang C: probability that a call has to wait, P(wait), in an M/M/N queue.

    Parameters
    ----------
    traffic : float
        Offered traffic A in Erlangs: arrival rate x average handling time
        (e.g. 2 calls a minute x 4 minutes = 8 Erlangs).
    agents : int
        Number of agents N answering the calls; must exceed ``traffic``.

    Returns
    -------
    float
        P(wait) in [0, 1): the share of calls that find every agent busy.

    Raises
    ------
    DataError
        When ``traffic >= agents`` (no steady state: the queue grows without
        limit), or for invalid inputs.

    Notes
    -----
    Computed from Erlang B, ``C = N B / (N - A (1 - B))``, which is exact and
    numerically stable for hundreds of agents, instead of the textbook sum of
    ``A^k / k!`` terms that overflows near ``N = 170``.  For ``N = 1`` it reduces
    to the M/M/1 result ``P(wait) = rho = A``.

    References
    ----------
    Erlang, A. K. (1917). Solution of some problems in the theory of
    probabilities of significance in automatic telephone exchanges.
    *Elektroteknikeren* 13.  Cooper (1981), section 3.5, for the relation
    between the B and C formulas.

    Examples
    --------
    >>> round(erlang_c(0.5, 1), 6)  # M/M/1: P(wait) = rho
    0.5
    >>> round(erlang_c(8.0, 10), 4)
    0.409
    >>> 0 < erlang_c(480.0, 500) < 1  # hundreds of agents: finite, no overflow
    True
    """
    where = "erlang_c"
    a = check_scalar(traffic, "traffic", where=where, low=0)
    n = check_scalar(agents, "agents", where=where, integer=True, low=1)
    _stable_queue(a, n, where=where)
    b = erlang_b(a, n)
    return float(n * b / (n - a * (1.0 - b)))


def service_level(traffic: float, agents: int, *, aht: float, target_time: float) -> float:
    """Share of calls answered within ``target_time`` (e.g. 80% within 20 seconds).

    Parameters
    ----------
    traffic : float
        Offered traffic in Erlangs (arrival rate x ``aht``).
    agents : int
        Number of agents; must exceed ``traffic``.
    aht : float
        Average handling time (same unit as ``target_time``).
    target_time : float
        Answer-time target, ``>= 0``.

    Returns
    -------
    float
        ``P(wait <= target_time) = 1 - C exp(-(N - A) t / aht)``.

    Raises
    ------
    DataError
        As :func:`erlang_c`; for a non-positive ``aht`` or a negative ``target_time``.

    Notes
    -----
    In an M/M/N queue the wait of a delayed call is exponential with rate
    ``(N - A) / aht``, hence the formula (Cooper 1981, section 5.2).

    Examples
    --------
    >>> round(service_level(8.0, 10, aht=4.0, target_time=1 / 3), 3)  # 20 s with AHT 4 min
    0.654
    >>> service_level(8.0, 10, aht=4.0, target_time=0) == 1 - erlang_c(8.0, 10)
    True
    """
    where = "service_level"
    h = check_scalar(aht, "aht", where=where, low=0, low_open=True)
    t = check_scalar(target_time, "target_time", where=where, low=0)
    c = erlang_c(traffic, agents)
    return float(1.0 - c * math.exp(-(agents - float(traffic)) * t / h))


def average_speed_of_answer(traffic: float, agents: int, *, aht: float) -> float:
    """Average speed of answer (ASA): the mean wait over all calls, ``C aht / (N - A)``.

    Parameters
    ----------
    traffic : float
        Offered traffic in Erlangs.
    agents : int
        Number of agents; must exceed ``traffic``.
    aht : float
        Average handling time; the result is in the same unit.

    Returns
    -------
    float

    Raises
    ------
    DataError
        As :func:`erlang_c`.

    Examples
    --------
    >>> round(average_speed_of_answer(0.5, 1, aht=2.0), 6)  # M/M/1: rho/(1-rho) x aht
    2.0
    """
    h = check_scalar(aht, "aht", where="average_speed_of_answer", low=0, low_open=True)
    c = erlang_c(traffic, agents)
    return float(c * h / (agents - float(traffic)))


def occupancy(traffic: float, agents: int) -> float:
    """Agent occupancy: the share of paid time agents spend on calls, ``A / N``.

    Parameters
    ----------
    traffic : float
        Offered traffic in Erlangs.
    agents : int
        Number of agents; must exceed ``traffic``.

    Returns
    -------
    float

    Raises
    ------
    DataError
        As :func:`erlang_c` (an occupancy of 100% or more has no steady state).

    Examples
    --------
    >>> occupancy(8.0, 10)
    0.8
    """
    where = "occupancy"
    a = check_scalar(traffic, "traffic", where=where, low=0)
    n = check_scalar(agents, "agents", where=where, integer=True, low=1)
    _stable_queue(a, n, where=where)
    return a / n


def agents_required(
    traffic: float, *, aht: float, target_time: float, target_level: float, max_occupancy: float = 1.0
) -> int:
    """Smallest number of agents that meets a service-level target (and an occupancy cap).

    Parameters
    ----------
    traffic : float
        Offered traffic in Erlangs.
    aht, target_time : float
        Average handling time and answer-time target (same unit).
    target_level : float
        Required share answered within ``target_time``, in (0, 1), e.g. 0.8.
    max_occupancy : float, default 1.0
        Optional cap on occupancy (e.g. 0.85 to avoid burning agents out).

    Returns
    -------
    int
        The smallest ``N > traffic`` with ``service_level >= target_level``
        and ``occupancy <= max_occupancy``.

    Raises
    ------
    DataError
        For invalid inputs.

    Examples
    --------
    >>> agents_required(8.0, aht=4.0, target_time=1 / 3, target_level=0.8)
    11
    >>> agents_required(8.0, aht=4.0, target_time=1 / 3, target_level=0.8, max_occupancy=0.7)
    12
    """
    where = "agents_required"
    a = check_scalar(traffic, "traffic", where=where, low=0, low_open=True)
    check_scalar(aht, "aht", where=where, low=0, low_open=True)
    check_scalar(target_time, "target_time", where=where, low=0)
    level = check_scalar(target_level, "target_level", where=where, low=0, high=1, low_open=True, high_open=True)
    cap = check_scalar(max_occupancy, "max_occupancy", where=where, low=0, high=1)
    if cap == 0:
        raise DataError(f"{where}: max_occupancy=0 cannot be met; use a cap such as 0.85")
    n = max(math.floor(a) + 1, math.ceil(a / cap))
    while a / n > cap:
        n += 1
    while service_level(a, n, aht=aht, target_time=target_time) < level:
        n += 1
    return n


def rostered_staff(agents: int, *, shrinkage: float) -> int:
    """Staff to roster so that ``agents`` are on the phones after shrinkage.

    Parameters
    ----------
    agents : int
        Agents needed on the phones (e.g. from :func:`agents_required`).
    shrinkage : float
        Share of paid time not available for calls (breaks, training,
        meetings, absence), in [0, 1).

    Returns
    -------
    int
        ``ceil(agents / (1 - shrinkage))``.

    Raises
    ------
    DataError
        For ``shrinkage`` outside [0, 1).

    Examples
    --------
    >>> rostered_staff(11, shrinkage=0.3)
    16
    """
    where = "rostered_staff"
    n = check_scalar(agents, "agents", where=where, integer=True, low=0)
    s = check_scalar(shrinkage, "shrinkage", where=where, low=0, high=1)
    if s >= 1:
        raise DataError(f"{where}: shrinkage={shrinkage!r} should be below 1 (nobody would be on the phones)")
    return math.ceil(n / (1.0 - s) - 1e-9)


def staffing_table(
    arrival_rate: float, *, aht: float, target_time: float, agents: Sequence[int] | None = None
) -> pd.DataFrame:
    """Erlang C measures for a range of staffing levels.

    Parameters
    ----------
    arrival_rate : float
        Calls per time unit.
    aht, target_time : float
        Average handling time and answer-time target (same time unit).
    agents : sequence of int, optional
        Staffing levels to show; default from the first stable level
        (``floor(A) + 1``) to ``ceil(A) + 6``.  Levels at or below the
        traffic are skipped (no steady state).

    Returns
    -------
    DataFrame
        Indexed by ``agents``: ``p_wait``, ``service_level``, ``asa`` and
        ``occupancy``.

    Raises
    ------
    DataError
        For invalid inputs or when no level exceeds the traffic.

    Examples
    --------
    >>> t = staffing_table(2.0, aht=4.0, target_time=1 / 3)
    >>> t.index[0], round(float(t.loc[10, "p_wait"]), 3)
    (9, 0.409)
    """
    where = "staffing_table"
    lam = check_scalar(arrival_rate, "arrival_rate", where=where, low=0, low_open=True)
    check_scalar(aht, "aht", where=where, low=0, low_open=True)
    a = lam * aht
    levels = range(math.floor(a) + 1, math.ceil(a) + 7) if agents is None else agents
    rows = []
    for n in levels:
        n = check_scalar(n, "agents", where=where, integer=True, low=1)
        if n <= a:
            continue
        rows.append(
            {
                "agents": n,
                "p_wait": erlang_c(a, n),
                "service_level": service_level(a, n, aht=aht, target_time=target_time),
                "asa": average_speed_of_answer(a, n, aht=aht),
                "occupancy": a / n,
            }
        )
    if not rows:
        raise DataError(f"{where}: every staffing level is <= the traffic {a:g} Erlangs; give levels above it")
    return pd.DataFrame(rows).set_index("agents")


def pooling_effect(
    arrival_rate: float, *, aht: float, agents: int, target_time: float, n_teams: int = 2
) -> pd.DataFrame:
    """One shared queue versus ``n_teams`` separate teams with the same total staff and calls.

    Parameters
    ----------
    arrival_rate : float
        Total calls per time unit, split evenly between the teams.
    aht, target_time : float
        Average handling time and answer-time target.
    agents : int
        Total agents, split evenly (must be divisible by ``n_teams``).
    n_teams : int, default 2

    Returns
    -------
    DataFrame
        Rows ``pooled`` and ``separate`` with ``agents_per_queue``,
        ``traffic_per_queue``, ``p_wait``, ``service_level``, ``asa`` and
        ``occupancy`` (identical in both: same work, same staff).

    Raises
    ------
    DataError
        When ``agents`` is not divisible by ``n_teams`` or a team is overloaded.

    Notes
    -----
    Pooling keeps occupancy but cuts waiting: a call waits in the shared
    queue only when *every* agent is busy, whereas with separate teams it can
    wait while agents of the other team are idle.

    Examples
    --------
    >>> p = pooling_effect(2.0, aht=4.0, agents=10, target_time=1 / 3)
    >>> bool(p.loc["pooled", "asa"] < p.loc["separate", "asa"])
    True
    """
    where = "pooling_effect"
    lam = check_scalar(arrival_rate, "arrival_rate", where=where, low=0, low_open=True)
    n = check_scalar(agents, "agents", where=where, integer=True, low=1)
    k = check_scalar(n_teams, "n_teams", where=where, integer=True, low=1)
    if n % k:
        raise DataError(f"{where}: agents={n} cannot be split evenly into n_teams={k}; use a multiple of {k}")
    rows = {}
    for label, queues in [("pooled", 1), ("separate", k)]:
        a, m = lam * aht / queues, n // queues
        rows[label] = {
            "agents_per_queue": m,
            "traffic_per_queue": a,
            "p_wait": erlang_c(a, m),
            "service_level": service_level(a, m, aht=aht, target_time=target_time),
            "asa": average_speed_of_answer(a, m, aht=aht),
            "occupancy": a / m,
        }
    return pd.DataFrame.from_dict(rows, orient="index")
