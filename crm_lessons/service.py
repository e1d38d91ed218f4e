"""Customer interaction and service (客户互动与服务): experiments, staffing, waiting, complaints, diffusion.

The course treats interaction with the customer (its roles, channels and six
design steps), customer service and complaint handling, team building,
process optimisation (PDCA) and social media.  This module computes the
parts that have numbers:

* evaluating an interaction by experiment: :func:`ab_test` (difference in
  response with a confidence interval and a test), :func:`ab_power` and
  :func:`ab_sample_size` for the next test;
* call-centre staffing with the Erlang C model: :func:`erlang_c` (probability
  of waiting), :func:`service_level`, :func:`average_speed_of_answer`,
  :func:`occupancy`, :func:`agents_required`, :func:`rostered_staff`
  (shrinkage), :func:`staffing_table` and :func:`pooling_effect`;
* waiting: :func:`simulate_queue` (a first-come-first-served multi-server
  queue with adjustable arrival and service variability),
  :func:`queue_summary`, :func:`announced_wait` and Maister's principles
  (:func:`waiting_principles`);
* complaints as a process: :func:`simulate_complaint_log` and
  :func:`complaint_metrics` (time to first response, time to resolution,
  reopen rate); the complaint concepts themselves are in
  :mod:`crm_lessons.satisfaction`;
* process improvement: :func:`simulate_daily_service` and
  :func:`compare_periods` (a before/after comparison that accounts for
  day-to-day noise: the "check" of PDCA);
* word of mouth: the Bass diffusion model, :func:`bass_cumulative`,
  :func:`bass_adoptions`, :func:`simulate_bass` and :func:`fit_bass`.

Units: any time unit will do as long as it is the same everywhere (arrival
rate per minute, handling time and target answer time in minutes, ...).
Traffic in Erlangs is arrival rate x average handling time.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from numbers import Integral, Real

import numpy as np
import pandas as pd

from crm_lessons._validation import DataError, first_rows, require_columns, require_dataframe

__all__ = [
    "ab_power",
    "ab_sample_size",
    "ab_test",
    "agents_required",
    "announced_wait",
    "average_speed_of_answer",
    "bass_adoptions",
    "bass_cumulative",
    "compare_periods",
    "complaint_metrics",
    "erlang_b",
    "erlang_c",
    "fit_bass",
    "occupancy",
    "pooling_effect",
    "queue_summary",
    "rostered_staff",
    "service_level",
    "simulate_bass",
    "simulate_complaint_log",
    "simulate_daily_service",
    "simulate_queue",
    "staffing_table",
    "waiting_principles",
]


# -- checks ---------------------------------------------------------------------


def _positive(value: object, *, name: str, where: str, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise DataError(f"{where}: {name}={value!r} should be a number")
    x = float(value)
    if not math.isfinite(x) or x < 0 or (x == 0 and not allow_zero):
        rule = ">= 0" if allow_zero else "> 0"
        raise DataError(f"{where}: {name}={value!r} should be a finite number {rule}")
    return x


def _count(value: object, *, name: str, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise DataError(f"{where}: {name}={value!r} should be a whole number (int), e.g. {name}=10")
    if int(value) < minimum:
        raise DataError(f"{where}: {name}={value!r} should be >= {minimum}")
    return int(value)


def _probability(value: object, *, name: str, where: str, open_interval: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise DataError(f"{where}: {name}={value!r} should be a number in [0, 1]")
    x = float(value)
    if open_interval and not 0 < x < 1:
        raise DataError(f"{where}: {name}={value!r} should be strictly between 0 and 1")
    if not 0 <= x <= 1:
        raise DataError(f"{where}: {name}={value!r} should be in [0, 1]")
    return x


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
    a = _positive(traffic, name="traffic", where=where, allow_zero=True)
    n = _count(agents, name="agents", where=where)
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
    a = _positive(traffic, name="traffic", where=where, allow_zero=True)
    n = _count(agents, name="agents", where=where)
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
    h = _positive(aht, name="aht", where=where)
    t = _positive(target_time, name="target_time", where=where, allow_zero=True)
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
    h = _positive(aht, name="aht", where="average_speed_of_answer")
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
    a = _positive(traffic, name="traffic", where=where, allow_zero=True)
    n = _count(agents, name="agents", where=where)
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
    a = _positive(traffic, name="traffic", where=where)
    _positive(aht, name="aht", where=where)
    _positive(target_time, name="target_time", where=where, allow_zero=True)
    level = _probability(target_level, name="target_level", where=where, open_interval=True)
    cap = _probability(max_occupancy, name="max_occupancy", where=where)
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
    n = _count(agents, name="agents", where=where, minimum=0)
    s = _probability(shrinkage, name="shrinkage", where=where)
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
    lam = _positive(arrival_rate, name="arrival_rate", where=where)
    _positive(aht, name="aht", where=where)
    a = lam * aht
    levels = range(math.floor(a) + 1, math.ceil(a) + 7) if agents is None else agents
    rows = []
    for n in levels:
        n = _count(n, name="agents", where=where)
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
    lam = _positive(arrival_rate, name="arrival_rate", where=where)
    n = _count(agents, name="agents", where=where)
    k = _count(n_teams, name="n_teams", where=where)
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


# -- queue simulation ---------------------------------------------------------------


def _gamma_times(rng: np.random.Generator, mean: float, cv: float, size: int) -> np.ndarray:
    if cv == 0:
        return np.full(size, mean)
    shape = 1.0 / cv**2
    return rng.gamma(shape, mean / shape, size=size)


def simulate_queue(
    arrival_rate: float,
    *,
    aht: float,
    agents: int,
    n_customers: int,
    arrival_cv: float = 1.0,
    service_cv: float = 1.0,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Simulate a first-come-first-served queue with ``agents`` servers, customer by customer.

    Parameters
    ----------
    arrival_rate : float
        Mean arrivals per time unit.
    aht : float
        Mean service (handling) time.
    agents : int
        Number of servers.
    n_customers : int
        Customers to simulate (the system starts empty).
    arrival_cv, service_cv : float, default 1.0
        Coefficients of variation of the gaps between arrivals and of the
        service times (gamma distributed; 1 = exponential, i.e. M/M/N;
        0 = perfectly regular; above 1 = bursty).
    random_state : int or Generator, optional
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    DataFrame
        One row per customer in arrival order: ``arrival``, ``wait``,
        ``service``, ``departure`` and ``in_system`` (customers present,
        waiting or being served, when this one arrived).

    Raises
    ------
    DataError
        For invalid inputs.  An overloaded system (``arrival_rate * aht >=
        agents``) is simulated (waits then grow with time), not refused.

    Notes
    -----
    Each customer takes the server that becomes free first; the wait is
    ``max(0, earliest free time - arrival)``.

    Examples
    --------
    >>> sim = simulate_queue(0.5, aht=1.0, agents=1, n_customers=5, random_state=1)
    >>> list(sim.columns)
    ['arrival', 'wait', 'service', 'departure', 'in_system']
    >>> bool((sim["departure"] == sim["arrival"] + sim["wait"] + sim["service"]).all())
    True
    """
    where = "simulate_queue"
    lam = _positive(arrival_rate, name="arrival_rate", where=where)
    h = _positive(aht, name="aht", where=where)
    n_agents = _count(agents, name="agents", where=where)
    n = _count(n_customers, name="n_customers", where=where)
    ca = _positive(arrival_cv, name="arrival_cv", where=where, allow_zero=True)
    cs = _positive(service_cv, name="service_cv", where=where, allow_zero=True)
    rng = np.random.default_rng(random_state)
    arrival = np.cumsum(_gamma_times(rng, 1.0 / lam, ca, n))
    service = _gamma_times(rng, h, cs, n)
    wait = np.empty(n)
    free = [0.0] * n_agents
    for i in range(n):
        earliest = heapq.heappop(free)
        start = earliest if earliest > arrival[i] else arrival[i]
        wait[i] = start - arrival[i]
        heapq.heappush(free, start + service[i])
    departure = arrival + wait + service
    # customers still present at arrival i: earlier arrivals that have not left (later ones leave later)
    left = np.searchsorted(np.sort(departure), arrival, side="right")
    in_system = np.arange(n) - left
    return pd.DataFrame(
        {"arrival": arrival, "wait": wait, "service": service, "departure": departure, "in_system": in_system}
    )


def queue_summary(sim: pd.DataFrame, *, target_time: float, warmup: float = 0.1) -> pd.Series:
    """Waiting measures of a simulated (or recorded) queue.

    Parameters
    ----------
    sim : DataFrame
        With a ``wait`` column, e.g. from :func:`simulate_queue`.
    target_time : float
        Answer-time target for the service level.
    warmup : float, default 0.1
        Share of the first customers to drop (the system starts empty).

    Returns
    -------
    Series
        ``n``, ``p_wait`` (share that waited at all), ``service_level``
        (share waiting at most ``target_time``), ``mean_wait`` (ASA),
        ``p90_wait`` and ``max_wait``.

    Raises
    ------
    DataError
        Without a ``wait`` column, with negative waits, or when ``warmup``
        leaves no customer.

    Examples
    --------
    >>> sim = simulate_queue(1.6, aht=5.0, agents=10, n_customers=20000, random_state=2)
    >>> s = queue_summary(sim, target_time=0.5)
    >>> bool(abs(s["p_wait"] - erlang_c(8.0, 10)) < 0.05)
    True
    """
    where = "queue_summary"
    require_dataframe(sim, where=where)
    require_columns(sim, {"wait": ""}, where=where)
    t = _positive(target_time, name="target_time", where=where, allow_zero=True)
    share = _probability(warmup, name="warmup", where=where)
    w = sim["wait"].to_numpy(dtype=float)[int(len(sim) * share) :]
    if len(w) == 0:
        raise DataError(f"{where}: warmup={warmup} drops every customer; use a smaller share")
    if np.isnan(w).any() or (w < 0).any():
        raise DataError(f"{where}: column 'wait' has negative or missing values; waits are >= 0")
    return pd.Series(
        {
            "n": float(len(w)),
            "p_wait": float(np.mean(w > 0)),
            "service_level": float(np.mean(w <= t)),
            "mean_wait": float(w.mean()),
            "p90_wait": float(np.quantile(w, 0.9)),
            "max_wait": float(w.max()),
        }
    )


def announced_wait(in_system: Sequence[int] | np.ndarray | pd.Series, *, agents: int, aht: float) -> np.ndarray:
    """Expected wait to announce to a caller who finds ``in_system`` customers present (M/M/N, FCFS).

    Parameters
    ----------
    in_system : array of int
        Customers present (being served or waiting) when the caller arrives.
    agents : int
        Number of servers.
    aht : float
        Average handling time.

    Returns
    -------
    ndarray
        0 when a server is free (``in_system < agents``), else
        ``(in_system - agents + 1) * aht / agents``: the caller waits for
        ``in_system - agents + 1`` service completions, which occur at rate
        ``agents / aht`` while everyone is busy.

    Raises
    ------
    DataError
        For negative counts or invalid ``agents`` / ``aht``.

    Examples
    --------
    >>> announced_wait([0, 9, 10, 14], agents=10, aht=5.0).tolist()
    [0.0, 0.0, 0.5, 2.5]
    """
    where = "announced_wait"
    n = _count(agents, name="agents", where=where)
    h = _positive(aht, name="aht", where=where)
    k = np.asarray(in_system, dtype=float)
    if np.isnan(k).any() or (k < 0).any():
        raise DataError(f"{where}: in_system should hold counts >= 0")
    return np.where(k < n, 0.0, (k - n + 1) * h / n)


def waiting_principles() -> pd.DataFrame:
    """Maister's eight principles of the psychology of waiting, plus two later additions.

    Returns
    -------
    DataFrame
        ``principle`` (1..10), ``principle_zh``, ``principle_en``, ``lever``
        (what a service manager can change besides staff) and ``source``.

    Notes
    -----
    Principles 1-8: Maister (1985); 9 (comfort) from Davis & Heineke (1994),
    10 (familiarity) from Jones & Peppiatt (1996), as the course material
    lists them.

    References
    ----------
    Maister, D. H. (1985). The psychology of waiting lines. In J. A. Czepiel,
    M. R. Solomon & C. F. Surprenant (eds.), *The Service Encounter*,
    Lexington Books, 113-123 (first circulated as a Harvard Business School
    note in 1984).
    Davis, M. M., & Heineke, J. (1994). Understanding the roles of the
    customer and the operation for better queue management. *International
    Journal of Operations & Production Management*, 14(5), 21-34.
    Jones, P., & Peppiatt, E. (1996). Managing perceptions of waiting times in
    service queues. *International Journal of Service Industry Management*,
    7(5), 47-61.

    Examples
    --------
    >>> waiting_principles()["principle_en"].iloc[0]
    'occupied time feels shorter than unoccupied time'
    """
    maister = "Maister (1985)"
    rows = [
        (
            "无事可做的等待比有事可做的等待显得长",
            "occupied time feels shorter than unoccupied time",
            "give the wait content: forms to fill in, menus, useful information",
            maister,
        ),
        (
            "服务开始前的等待比服务过程中的等待显得长",
            "pre-process waits feel longer than in-process waits",
            "start the service early: greet, take details, triage",
            maister,
        ),
        (
            "焦虑使等待显得更长",
            "anxiety makes waits seem longer",
            "reassure: confirm the call is in the queue",
            maister,
        ),
        (
            "不确定的等待比已知、有限的等待显得长",
            "uncertain waits are longer than known, finite waits",
            "announce the expected wait or position in the queue",
            maister,
        ),
        (
            "没有解释的等待比有解释的等待显得长",
            "unexplained waits are longer than explained waits",
            "say why there is a delay",
            maister,
        ),
        (
            "不公平的等待比公平的等待显得长",
            "unfair waits are longer than equitable waits",
            "one visible first-come-first-served queue; explain priority rules",
            maister,
        ),
        (
            "服务越有价值，人们愿意等得越久",
            "the more valuable the service, the longer people will wait",
            "match waits to value: callbacks or priority for complex, high-value contacts",
            maister,
        ),
        (
            "独自等待比群体等待显得长",
            "solo waiting feels longer than group waiting",
            "community and shared spaces; in digital channels, progress and status",
            maister,
        ),
        (
            "不舒适的等待比舒适的等待显得长",
            "uncomfortable waits feel longer than comfortable waits",
            "comfortable waiting areas, no dead air on the phone",
            "Davis & Heineke (1994)",
        ),
        (
            "不熟悉的等待比熟悉的等待显得长",
            "unfamiliar waits feel longer than familiar waits",
            "explain the process to first-time customers",
            "Jones & Peppiatt (1996)",
        ),
    ]
    df = pd.DataFrame(rows, columns=["principle_zh", "principle_en", "lever", "source"])
    df.insert(0, "principle", np.arange(1, len(df) + 1))
    return df


# -- evaluating an interaction: A/B test ---------------------------------------------


def ab_test(
    data: pd.DataFrame,
    *,
    group_col: str,
    response_col: str,
    control: object,
    treatment: object,
    confidence: float = 0.95,
    method: str = "newcomb",
) -> pd.Series:
    """Compare the response rates of two versions of an interaction (an A/B test).

    Parameters
    ----------
    data : DataFrame
        One row per customer contacted.
    group_col : str
        Column naming the version each customer received.
    response_col : str
        0/1 (or boolean) response column, e.g. ``opened``.
    control, treatment : object
        The labels of the two versions in ``group_col``; the difference is
        ``treatment - control``.
    confidence : float, default 0.95
        Level of the interval for the difference.
    method : {"newcomb", "wald"}, default "newcomb"
        Interval for the difference: Newcombe's hybrid score interval (good
        for small counts) or the textbook Wald interval
        ``d +- z sqrt(p1 q1 / n1 + p2 q2 / n2)``.

    Returns
    -------
    Series
        ``n_control``, ``n_treatment``, ``rate_control``, ``rate_treatment``,
        ``difference``, ``ci_low``, ``ci_high``, ``z`` and ``p_value`` (the
        two-sided pooled z test of equal rates).

    Raises
    ------
    DataError
        For missing columns, a response that is not 0/1, a label not found,
        or a group without customers.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between
    independent proportions: comparison of eleven methods. *Statistics in
    Medicine*, 17(8), 873-890 (method 10).

    Examples
    --------
    >>> df = pd.DataFrame({"v": ["A"] * 100 + ["B"] * 100, "y": [1] * 10 + [0] * 90 + [1] * 20 + [0] * 80})
    >>> r = ab_test(df, group_col="v", response_col="y", control="A", treatment="B")
    >>> round(float(r["difference"]), 2), bool(r["p_value"] < 0.05)
    (0.1, True)
    """
    where = "ab_test"
    require_dataframe(data, where=where)
    require_columns(data, {group_col: "group_col", response_col: "response_col"}, where=where)
    level = _probability(confidence, name="confidence", where=where, open_interval=True)
    if method not in ("newcomb", "wald"):
        raise DataError(f"{where}: method={method!r} should be 'newcomb' or 'wald'")
    y = data[response_col]
    bad = ~y.isin([0, 1, True, False])
    if bad.any():
        raise DataError(
            f"{where}: column {response_col!r} should hold 0/1 responses but has other values in "
            f"{first_rows(bad.to_numpy(), data.index)}"
        )
    counts = {}
    for label in (control, treatment):
        mask = (data[group_col] == label).to_numpy()
        if not mask.any():
            raise DataError(
                f"{where}: no rows with {group_col} == {label!r}; labels present are "
                f"{sorted(map(str, data[group_col].dropna().unique()))}"
            )
        counts[label] = (int(y[mask].astype(int).sum()), int(mask.sum()))
    (x0, n0), (x1, n1) = counts[control], counts[treatment]
    from scipy import stats
    from statsmodels.stats.proportion import confint_proportions_2indep  # lazy: statsmodels is slow to import

    p0, p1 = x0 / n0, x1 / n1
    diff = p1 - p0
    if method == "wald":
        z_crit = stats.norm.ppf(0.5 + level / 2)
        se = math.sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)
        low, high = diff - z_crit * se, diff + z_crit * se
    else:
        low, high = confint_proportions_2indep(x1, n1, x0, n0, method="newcomb", compare="diff", alpha=1 - level)
    pooled = (x0 + x1) / (n0 + n1)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
    z = diff / se0 if se0 > 0 else 0.0
    return pd.Series(
        {
            "n_control": float(n0),
            "n_treatment": float(n1),
            "rate_control": p0,
            "rate_treatment": p1,
            "difference": diff,
            "ci_low": float(low),
            "ci_high": float(high),
            "z": z,
            "p_value": float(2 * stats.norm.sf(abs(z))),
        }
    )


def _cohen_h(p_control: float, p_treatment: float) -> float:
    return 2 * math.asin(math.sqrt(p_treatment)) - 2 * math.asin(math.sqrt(p_control))


def ab_power(p_control: float, p_treatment: float, *, n_control: int, n_treatment: int, alpha: float = 0.05) -> float:
    """Power of a two-sided test to detect ``p_control`` vs ``p_treatment`` with the given group sizes.

    Parameters
    ----------
    p_control, p_treatment : float
        Response rates the test should tell apart (a *planned* effect, not
        the observed one: "observed power" only restates the p-value).
    n_control, n_treatment : int
        Customers per group.
    alpha : float, default 0.05
        Significance level.

    Returns
    -------
    float
        Probability of a significant result when the rates really are
        ``p_control`` and ``p_treatment``.

    Raises
    ------
    DataError
        For rates outside (0, 1), equal rates or non-positive group sizes.

    Notes
    -----
    Normal approximation on Cohen's arcsine scale,
    ``h = 2 asin(sqrt(p_t)) - 2 asin(sqrt(p_c))``, with variance
    ``1/n_c + 1/n_t`` (Cohen 1988, chapter 6), as
    :class:`statsmodels.stats.power.NormalIndPower`.

    References
    ----------
    Cohen, J. (1988). *Statistical Power Analysis for the Behavioral
    Sciences* (2nd ed.). Erlbaum, chapter 6.

    Examples
    --------
    >>> round(ab_power(0.10, 0.15, n_control=700, n_treatment=700), 2)
    0.8
    """
    where = "ab_power"
    pc = _probability(p_control, name="p_control", where=where, open_interval=True)
    pt = _probability(p_treatment, name="p_treatment", where=where, open_interval=True)
    if pc == pt:
        raise DataError(f"{where}: p_control and p_treatment are equal ({pc}); give the effect to detect")
    nc = _count(n_control, name="n_control", where=where)
    nt = _count(n_treatment, name="n_treatment", where=where)
    a = _probability(alpha, name="alpha", where=where, open_interval=True)
    from statsmodels.stats.power import NormalIndPower

    return float(
        NormalIndPower().power(
            effect_size=abs(_cohen_h(pc, pt)), nobs1=nc, alpha=a, ratio=nt / nc, alternative="two-sided"
        )
    )


def ab_sample_size(
    p_control: float, p_treatment: float, *, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0
) -> pd.Series:
    """Customers needed per group to detect ``p_control`` vs ``p_treatment`` (two-sided test).

    Parameters
    ----------
    p_control, p_treatment : float
        The rates to tell apart (e.g. the current rate and the smallest
        improvement worth acting on).
    alpha : float, default 0.05
    power : float, default 0.8
    ratio : float, default 1.0
        Treatment group size / control group size.

    Returns
    -------
    Series
        ``n_control``, ``n_treatment`` (rounded up) and ``n_total``.

    Raises
    ------
    DataError
        As :func:`ab_power`.

    Notes
    -----
    ``n_control = (z_{1-alpha/2} + z_{power})^2 (1 + 1/ratio) / h^2`` with
    Cohen's ``h`` (see :func:`ab_power`).

    Examples
    --------
    >>> ab_sample_size(0.10, 0.15).to_dict()
    {'n_control': 681, 'n_treatment': 681, 'n_total': 1362}
    """
    where = "ab_sample_size"
    pc = _probability(p_control, name="p_control", where=where, open_interval=True)
    pt = _probability(p_treatment, name="p_treatment", where=where, open_interval=True)
    if pc == pt:
        raise DataError(f"{where}: p_control and p_treatment are equal ({pc}); give the effect to detect")
    a = _probability(alpha, name="alpha", where=where, open_interval=True)
    pw = _probability(power, name="power", where=where, open_interval=True)
    r = _positive(ratio, name="ratio", where=where)
    from scipy import stats

    z = stats.norm.ppf(1 - a / 2) + stats.norm.ppf(pw)
    n_c = math.ceil(z**2 * (1 + 1 / r) / _cohen_h(pc, pt) ** 2 - 1e-9)
    n_t = math.ceil(n_c * r - 1e-9)
    return pd.Series({"n_control": n_c, "n_treatment": n_t, "n_total": n_c + n_t})


# -- complaints as a process -----------------------------------------------------------

_CHANNEL_SHARES = {"phone": 0.4, "email": 0.3, "web": 0.2, "social": 0.1}
_FIRST_RESPONSE_HOURS = {"phone": 1.0, "email": 12.0, "web": 4.0, "social": 2.0}


def simulate_complaint_log(
    n_complaints: int,
    *,
    start: str = "2024-01-01",
    days: int = 90,
    channel_shares: Mapping[str, float] | None = None,
    mean_first_response_hours: float | Mapping[str, float] | None = None,
    mean_resolution_hours: float = 48.0,
    reopen_rate: float = 0.1,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """A complaint log with known rates, for practising the process metrics.

    Parameters
    ----------
    n_complaints : int
        Complaints to generate.
    start : str, default "2024-01-01"
        First day of the log.
    days : int, default 90
        Complaints open uniformly over this many days.
    channel_shares : dict, optional
        Channel -> share of complaints (normalised); default phone 0.4,
        email 0.3, web 0.2, social 0.1.
    mean_first_response_hours : float or dict, optional
        Mean hours from opening to the first response (exponential), overall
        or per channel; default phone 1, email 12, web 4, social 2.
    mean_resolution_hours : float, default 48
        Mean hours from the first response to resolution (exponential).
    reopen_rate : float, default 0.1
        Probability that a resolved complaint is reopened (not really solved).
    random_state : int or Generator, optional

    Returns
    -------
    DataFrame
        ``complaint_id``, ``channel``, ``opened_at``, ``first_response_at``,
        ``resolved_at`` (timestamps) and ``reopened`` (bool).

    Raises
    ------
    DataError
        For invalid shares, means or rates.

    Notes
    -----
    With exponential times the truth is known in closed form: the share of
    first responses within ``s`` hours is ``1 - exp(-s / mean)``.

    Examples
    --------
    >>> log = simulate_complaint_log(5, random_state=0)
    >>> list(log.columns)
    ['complaint_id', 'channel', 'opened_at', 'first_response_at', 'resolved_at', 'reopened']
    """
    where = "simulate_complaint_log"
    n = _count(n_complaints, name="n_complaints", where=where)
    d = _count(days, name="days", where=where)
    t0 = pd.Timestamp(start)
    shares = dict(_CHANNEL_SHARES if channel_shares is None else channel_shares)
    for ch, s in shares.items():
        _positive(s, name=f"channel_shares[{ch!r}]", where=where)
    means = _FIRST_RESPONSE_HOURS if mean_first_response_hours is None else mean_first_response_hours
    if not isinstance(means, Mapping):
        means = {ch: means for ch in shares}
    for ch in shares:
        if ch not in means:
            raise DataError(f"{where}: mean_first_response_hours has no value for channel {ch!r}")
        _positive(means[ch], name=f"mean_first_response_hours[{ch!r}]", where=where)
    res = _positive(mean_resolution_hours, name="mean_resolution_hours", where=where)
    rr = _probability(reopen_rate, name="reopen_rate", where=where)
    rng = np.random.default_rng(random_state)
    names = list(shares)
    probs = np.array([shares[c] for c in names], dtype=float)
    channel = rng.choice(names, size=n, p=probs / probs.sum())
    opened = np.sort(rng.uniform(0, d * 24.0, size=n))
    first = rng.exponential(np.array([means[c] for c in channel], dtype=float))
    resolve = first + rng.exponential(res, size=n)
    reopened = rng.random(n) < rr

    def _at(h: np.ndarray) -> pd.Series:
        return pd.Series(t0 + pd.to_timedelta(h, unit="h")).dt.round("min")

    return pd.DataFrame(
        {
            "complaint_id": np.arange(1, n + 1),
            "channel": channel.astype(object),
            "opened_at": _at(opened),
            "first_response_at": _at(opened + first),
            "resolved_at": _at(opened + resolve),
            "reopened": reopened,
        }
    )


def complaint_metrics(
    log: pd.DataFrame,
    *,
    sla_first_response_hours: float,
    sla_resolution_hours: float,
    by: str | None = None,
    opened_col: str = "opened_at",
    first_response_col: str = "first_response_at",
    resolved_col: str = "resolved_at",
    reopened_col: str = "reopened",
) -> pd.Series | pd.DataFrame:
    """Service levels of the complaint process: response and resolution times, reopen rate.

    Parameters
    ----------
    log : DataFrame
        One row per complaint with timestamps and a reopened flag.
    sla_first_response_hours, sla_resolution_hours : float
        The promised times (service-level agreement, SLA) in hours.
    by : str, optional
        Column to group by (e.g. ``"channel"``); one row per group.
    opened_col, first_response_col, resolved_col, reopened_col : str
        Column names.

    Returns
    -------
    Series, or DataFrame when ``by`` is given
        ``complaints``, ``median_first_response_h``,
        ``first_response_within_sla``, ``median_resolution_h`` (opening to
        resolution), ``resolution_within_sla`` and ``reopen_rate``.
        Complaints not yet resolved (missing ``resolved_at``) count as not
        resolved within the SLA and are left out of the median.

    Raises
    ------
    DataError
        For missing columns or times, or a response or resolution before the
        opening.

    Examples
    --------
    >>> log = simulate_complaint_log(2000, mean_first_response_hours=4.0, random_state=1)
    >>> m = complaint_metrics(log, sla_first_response_hours=4, sla_resolution_hours=72)
    >>> bool(abs(m["first_response_within_sla"] - (1 - np.exp(-1))) < 0.03)
    True
    """
    where = "complaint_metrics"
    require_dataframe(log, where=where)
    cols = {
        opened_col: "opened_col",
        first_response_col: "first_response_col",
        resolved_col: "resolved_col",
        reopened_col: "reopened_col",
    }
    if by is not None:
        cols[by] = "by"
    require_columns(log, cols, where=where)
    s1 = _positive(sla_first_response_hours, name="sla_first_response_hours", where=where)
    s2 = _positive(sla_resolution_hours, name="sla_resolution_hours", where=where)
    opened = pd.to_datetime(log[opened_col])
    first = pd.to_datetime(log[first_response_col])
    resolved = pd.to_datetime(log[resolved_col])
    for name, col in [(opened_col, opened), (first_response_col, first)]:
        if col.isna().any():
            raise DataError(
                f"{where}: column {name!r} has missing times in {first_rows(col.isna().to_numpy(), log.index)}"
            )
    h1 = (first - opened).dt.total_seconds() / 3600
    h2 = (resolved - opened).dt.total_seconds() / 3600
    for name, h in [(first_response_col, h1), (resolved_col, h2)]:
        bad = (h < 0).to_numpy()
        if bad.any():
            raise DataError(
                f"{where}: {name!r} is before {opened_col!r} in {first_rows(bad, log.index)}; "
                "check the time stamps (time zone? swapped columns?)"
            )
    reopened = log[reopened_col].astype(bool)
    frame = pd.DataFrame({"h1": h1, "h2": h2, "reopened": reopened}, index=log.index)

    def _one(g: pd.DataFrame) -> pd.Series:
        return pd.Series(
            {
                "complaints": float(len(g)),
                "median_first_response_h": float(g["h1"].median()),
                "first_response_within_sla": float((g["h1"] <= s1).mean()),
                "median_resolution_h": float(g["h2"].median()),
                "resolution_within_sla": float((g["h2"] <= s2).mean()),
                "reopen_rate": float(g["reopened"].mean()),
            }
        )

    if by is None:
        return _one(frame)
    return pd.DataFrame({k: _one(g) for k, g in frame.groupby(log[by], sort=True)}).T.rename_axis(by)


# -- PDCA: check a change against noise -------------------------------------------------


def simulate_daily_service(
    n_days: int,
    *,
    arrival_rate: float,
    aht: float,
    agents: int,
    hours: float,
    target_time: float,
    rate_sd: float = 0.1,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Daily service level and ASA of a call centre, simulated day by day (M/M/N within a day).

    Parameters
    ----------
    n_days : int
        Days to simulate.
    arrival_rate : float
        Mean calls per time unit (e.g. per minute).
    aht : float
        Average handling time (same unit).
    agents : int
        Agents on the phones.
    hours : float
        Length of the day in the same unit as ``aht`` x 60 / 60, i.e. the
        number of time units per day divided by 60 (minutes -> hours).
    target_time : float
        Answer-time target for the service level.
    rate_sd : float, default 0.1
        Day-to-day variation of the arrival rate (standard deviation of a
        lognormal factor), on top of Poisson noise.
    random_state : int or Generator, optional

    Returns
    -------
    DataFrame
        One row per ``day`` (1..n_days): ``calls``, ``service_level`` and ``asa``.

    Raises
    ------
    DataError
        For invalid inputs.

    Examples
    --------
    >>> d = simulate_daily_service(3, arrival_rate=1.6, aht=5.0, agents=10, hours=8, target_time=0.5,
    ...                            random_state=0)
    >>> d.shape
    (3, 3)
    """
    where = "simulate_daily_service"
    days = _count(n_days, name="n_days", where=where)
    lam = _positive(arrival_rate, name="arrival_rate", where=where)
    length = _positive(hours, name="hours", where=where) * 60
    sd = _positive(rate_sd, name="rate_sd", where=where, allow_zero=True)
    rng = np.random.default_rng(random_state)
    rows = []
    for day in range(1, days + 1):
        lam_day = lam * float(np.exp(rng.normal(-(sd**2) / 2, sd))) if sd > 0 else lam
        n = max(int(rng.poisson(lam_day * length)), 1)
        sim = simulate_queue(lam_day, aht=aht, agents=agents, n_customers=n, random_state=rng)
        w = sim["wait"].to_numpy()
        rows.append({"day": day, "calls": n, "service_level": float(np.mean(w <= target_time)), "asa": float(w.mean())})
    return pd.DataFrame(rows).set_index("day")


def compare_periods(
    before: Sequence[float] | pd.Series, after: Sequence[float] | pd.Series, *, confidence: float = 0.95
) -> pd.Series:
    """Before/after comparison of a daily metric that accounts for day-to-day noise (Welch t test).

    Parameters
    ----------
    before, after : sequence of float
        The metric on each day before and after a change (e.g. daily
        service level).
    confidence : float, default 0.95
        Level of the interval for the change.

    Returns
    -------
    Series
        ``n_before``, ``n_after``, ``mean_before``, ``mean_after``,
        ``change`` (after - before), ``ci_low``, ``ci_high``, ``t`` and
        ``p_value`` (two-sided Welch t test).

    Raises
    ------
    DataError
        With fewer than two finite values in a period.

    Notes
    -----
    Welch's test does not assume equal variances in the two periods.  It
    treats days as independent; with strong day-of-week patterns compare
    like days or use more weeks.

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when
    several different population variances are involved. *Biometrika*,
    34(1-2), 28-35.

    Examples
    --------
    >>> r = compare_periods([0.70, 0.72, 0.68, 0.71], [0.80, 0.79, 0.83, 0.81])
    >>> round(float(r["change"]), 3), bool(r["p_value"] < 0.01)
    (0.105, True)
    """
    where = "compare_periods"
    level = _probability(confidence, name="confidence", where=where, open_interval=True)
    x0 = np.asarray(before, dtype=float)
    x1 = np.asarray(after, dtype=float)
    for name, x in [("before", x0), ("after", x1)]:
        if x.ndim != 1 or np.isfinite(x).sum() < 2 or not np.isfinite(x).all():
            raise DataError(f"{where}: {name} should hold at least two finite daily values, got {x.tolist()[:5]}")
    from scipy import stats

    res = stats.ttest_ind(x1, x0, equal_var=False)
    ci = res.confidence_interval(confidence_level=level)
    return pd.Series(
        {
            "n_before": float(len(x0)),
            "n_after": float(len(x1)),
            "mean_before": float(x0.mean()),
            "mean_after": float(x1.mean()),
            "change": float(x1.mean() - x0.mean()),
            "ci_low": float(ci.low),
            "ci_high": float(ci.high),
            "t": float(res.statistic),
            "p_value": float(res.pvalue),
        }
    )


# -- word of mouth: the Bass diffusion model ----------------------------------------------


def bass_cumulative(t: float | Sequence[float] | np.ndarray, *, p: float, q: float) -> np.ndarray:
    """Bass model: share of the market potential that has adopted by time ``t``.

    Parameters
    ----------
    t : float or array
        Time since launch (``>= 0``).
    p : float
        Coefficient of innovation (external influence: advertising, media), > 0.
    q : float
        Coefficient of imitation (internal influence: word of mouth), >= 0.

    Returns
    -------
    ndarray
        ``F(t) = (1 - exp(-(p+q) t)) / (1 + (q/p) exp(-(p+q) t))``.

    Raises
    ------
    DataError
        For invalid parameters or negative times.

    Notes
    -----
    Solution of ``f(t) / (1 - F(t)) = p + q F(t)``: the chance of adopting now,
    for those who have not yet, rises with the share who already have.

    References
    ----------
    Bass, F. M. (1969). A new product growth for model consumer durables.
    *Management Science*, 15(5), 215-227, equations (3)-(8).

    Examples
    --------
    >>> float(bass_cumulative(0.0, p=0.03, q=0.38))
    0.0
    >>> bool(abs(bass_cumulative(5.0, p=0.03, q=0.0) - (1 - np.exp(-0.15))) < 1e-12)  # no imitation
    True
    """
    where = "bass_cumulative"
    pp = _positive(p, name="p", where=where)
    qq = _positive(q, name="q", where=where, allow_zero=True)
    tt = np.asarray(t, dtype=float)
    if np.isnan(tt).any() or (tt < 0).any():
        raise DataError(f"{where}: times should be >= 0")
    e = np.exp(-(pp + qq) * tt)
    return (1 - e) / (1 + (qq / pp) * e)


def bass_adoptions(n_periods: int, *, p: float, q: float, m: float) -> np.ndarray:
    """Expected new adopters in periods 1..n_periods: ``m (F(t) - F(t-1))``.

    Parameters
    ----------
    n_periods : int
    p, q : float
        Bass coefficients, see :func:`bass_cumulative`.
    m : float
        Market potential (everyone who will ever adopt).

    Returns
    -------
    ndarray of length ``n_periods``

    Raises
    ------
    DataError
        For invalid inputs.

    Examples
    --------
    >>> a = bass_adoptions(200, p=0.03, q=0.38, m=1000)
    >>> round(float(a.sum()), 3)
    1000.0
    """
    where = "bass_adoptions"
    n = _count(n_periods, name="n_periods", where=where)
    mm = _positive(m, name="m", where=where)
    return mm * np.diff(bass_cumulative(np.arange(n + 1), p=p, q=q))


def simulate_bass(
    m: int, *, p: float, q: float, n_periods: int, random_state: int | np.random.Generator | None = None
) -> pd.Series:
    """Adopters per period when each of ``m`` potential adopters follows the Bass model.

    Parameters
    ----------
    m : int
        Market potential (number of people who will eventually adopt).
    p, q : float
        Bass coefficients, see :func:`bass_cumulative`.
    n_periods : int
        Periods observed.
    random_state : int or Generator, optional

    Returns
    -------
    Series
        Indexed by ``period`` (1..n_periods): new adopters in the period
        (people adopting later are not observed).

    Raises
    ------
    DataError
        For invalid inputs.

    Notes
    -----
    Each person's adoption time is drawn by inverting ``F``:
    ``t = -ln((1 - u) / (1 + (q/p) u)) / (p + q)`` for ``u ~ U(0, 1)``.

    Examples
    --------
    >>> s = simulate_bass(10000, p=0.03, q=0.38, n_periods=15, random_state=0)
    >>> int(s.idxmax()) in range(5, 9)
    True
    """
    where = "simulate_bass"
    mm = _count(m, name="m", where=where)
    n = _count(n_periods, name="n_periods", where=where)
    pp = _positive(p, name="p", where=where)
    qq = _positive(q, name="q", where=where, allow_zero=True)
    rng = np.random.default_rng(random_state)
    u = rng.random(mm)
    t = -np.log((1 - u) / (1 + (qq / pp) * u)) / (pp + qq)
    counts = np.bincount(np.ceil(t[t <= n]).astype(int).clip(1), minlength=n + 1)[1 : n + 1]
    return pd.Series(counts, index=pd.RangeIndex(1, n + 1, name="period"), name="adopters")


def fit_bass(adoptions: Sequence[float] | pd.Series) -> pd.Series:
    """Fit the Bass model to adopters per period by nonlinear least squares.

    Parameters
    ----------
    adoptions : sequence of float
        New adopters (or first-purchase sales) in periods 1, 2, ..., T since launch.

    Returns
    -------
    Series
        ``p``, ``q``, ``m`` and their standard errors ``se_p``, ``se_q``,
        ``se_m``; ``peak_time`` (``ln(q/p) / (p+q)``, periods since launch),
        ``rmse`` and ``n_periods``.

    Raises
    ------
    DataError
        With fewer than 4 periods, negative values or no adoption at all.

    Notes
    -----
    Minimises ``sum_t (x_t - m (F(t) - F(t-1)))^2`` over ``log p``, ``log q``,
    ``log m`` (so all stay positive) with :func:`scipy.optimize.least_squares`,
    starting from Bass's (1969) regression
    ``x_t = a + b X_{t-1} + c X_{t-1}^2`` when it gives valid values.
    Standard errors come from the Jacobian (delta method).  Before the peak
    ``m`` is poorly determined: look at ``se_m``.

    References
    ----------
    Srinivasan, V., & Mason, C. H. (1986). Nonlinear least squares estimation
    of new product diffusion models. *Marketing Science*, 5(2), 169-178.

    Examples
    --------
    >>> fit = fit_bass(bass_adoptions(15, p=0.03, q=0.38, m=1000))
    >>> round(float(fit["p"]), 4), round(float(fit["q"]), 4), round(float(fit["m"]))
    (0.03, 0.38, 1000)
    """
    where = "fit_bass"
    x = np.asarray(adoptions, dtype=float)
    if x.ndim != 1 or len(x) < 4:
        raise DataError(f"{where}: give adopters for at least 4 periods since launch, got {x.size}")
    if not np.isfinite(x).all() or (x < 0).any():
        raise DataError(f"{where}: adoptions should be finite and >= 0")
    if x.sum() <= 0:
        raise DataError(f"{where}: no adoption in any period; nothing to fit")
    from scipy.optimize import least_squares

    n = len(x)
    t = np.arange(n + 1)

    def resid(theta: np.ndarray) -> np.ndarray:
        p, q, m = np.exp(theta)
        e = np.exp(-(p + q) * t)
        return m * np.diff((1 - e) / (1 + (q / p) * e)) - x

    cum = np.concatenate([[0.0], np.cumsum(x)[:-1]])
    start = np.log([0.01, 0.3, 1.5 * x.sum()])
    c, b, a = np.polyfit(cum, x, 2)
    disc = b * b - 4 * a * c
    if c < 0 and a > 0 and disc > 0:
        m0 = (-b - math.sqrt(disc)) / (2 * c)
        if m0 > x.sum():
            p0, q0 = a / m0, -c * m0
            if p0 > 0 and q0 > 0:
                start = np.log([p0, q0, m0])
    fit = least_squares(resid, start, method="lm", xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=5000)
    p, q, m = np.exp(fit.x)
    dof = max(n - 3, 1)
    s2 = float(fit.fun @ fit.fun) / dof
    try:
        cov_log = s2 * np.linalg.inv(fit.jac.T @ fit.jac)
        se = np.sqrt(np.clip(np.diag(cov_log), 0, None)) * np.array([p, q, m])
    except np.linalg.LinAlgError:
        se = np.full(3, np.nan)
    return pd.Series(
        {
            "p": float(p),
            "q": float(q),
            "m": float(m),
            "se_p": float(se[0]),
            "se_q": float(se[1]),
            "se_m": float(se[2]),
            "peak_time": float(math.log(q / p) / (p + q)) if q > p else 0.0,
            "rmse": float(math.sqrt(fit.fun @ fit.fun / n)),
            "n_periods": float(n),
        }
    )
