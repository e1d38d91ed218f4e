"""Waiting: a simulated multi-server queue, its summary, announced waits and Maister's principles."""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_lessons._validation import DataError, check_scalar, require_columns, require_dataframe

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
    lam = check_scalar(arrival_rate, "arrival_rate", where=where, low=0, low_open=True)
    h = check_scalar(aht, "aht", where=where, low=0, low_open=True)
    n_agents = check_scalar(agents, "agents", where=where, integer=True, low=1)
    n = check_scalar(n_customers, "n_customers", where=where, integer=True, low=1)
    ca = check_scalar(arrival_cv, "arrival_cv", where=where, low=0)
    cs = check_scalar(service_cv, "service_cv", where=where, low=0)
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
    >>> from crm_lessons.service import erlang_c
    >>> sim = simulate_queue(1.6, aht=5.0, agents=10, n_customers=20000, random_state=2)
    >>> s = queue_summary(sim, target_time=0.5)
    >>> bool(abs(s["p_wait"] - erlang_c(8.0, 10)) < 0.05)
    True
    """
    where = "queue_summary"
    require_dataframe(sim, where=where)
    require_columns(sim, {"wait": ""}, where=where)
    t = check_scalar(target_time, "target_time", where=where, low=0)
    share = check_scalar(warmup, "warmup", where=where, low=0, high=1)
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
    n = check_scalar(agents, "agents", where=where, integer=True, low=1)
    h = check_scalar(aht, "aht", where=where, low=0, low_open=True)
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
