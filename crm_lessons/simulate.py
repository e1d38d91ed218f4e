"""Seeded simulators whose true parameters are known.

Synthetic customer bases let a chapter (or a test) check that a model
recovers the truth, and give the benchmarks large transaction logs.  Every
simulator draws only from ``numpy.random.default_rng(random_state)``.

Examples
--------
>>> from crm_lessons.simulate import simulate_bgnbd
>>> sim = simulate_bgnbd(1000, r=0.25, alpha=4.0, a=0.8, b=2.5, T=52, random_state=1)
>>> list(sim.transactions.columns)
['customer_id', 'date', 'amount']
>>> list(sim.customers.columns)
['first_purchase', 'lambda_', 'p', 'nu', 'frequency', 'recency', 'T', 'alive']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from crm_lessons._validation import DataError, check_scalar, to_timestamp
from crm_lessons.clv import UNIT_DAYS

__all__ = ["Simulation", "simulate_bgnbd", "simulate_pareto_nbd"]


@dataclass(frozen=True)
class Simulation:
    """Result of a simulator.

    Attributes
    ----------
    transactions : DataFrame
        ``customer_id``, ``date`` (calendar day), ``amount``, one row per
        purchase including each customer's first, sorted by customer and date.
    customers : DataFrame
        One row per customer (index ``customer_id``): ``first_purchase``
        (date), the latent parameters, and the exact continuous-time history
        ``frequency`` (repeat purchases), ``recency``, ``T`` (in ``freq``
        units) and ``alive`` (still active at the end).
    params : dict
        The true population parameters.
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)


def _check_positive(where: str, **values: float) -> None:
    """Each value a finite number > 0 (:func:`crm_lessons._validation.check_scalar`)."""
    for name, v in values.items():
        check_scalar(v, name, where=where, low=0, low_open=True, expected="a positive number")


def _purchase_times(
    rng: np.random.Generator, n_kept: np.ndarray, n_window: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """First ``n_kept`` of ``n_window`` uniform order statistics on (0, length), per customer.

    Uses the exponential-spacings representation U_(j) = S_j / S_{K+1}: only
    the kept arrivals are drawn, plus one gamma variable per customer for the
    rest of the spacings.  Returns (customer position, time) for each kept purchase.
    """
    owner = np.repeat(np.arange(len(n_kept)), n_kept)
    if owner.size == 0:
        return owner, np.zeros(0)
    spacing = rng.standard_exponential(owner.size)
    csum = np.cumsum(spacing)
    starts = np.cumsum(n_kept) - n_kept
    base = np.concatenate([[0.0], csum])[starts]  # sum before each customer's block
    within = csum - np.repeat(base, n_kept)
    rest = rng.standard_gamma(np.maximum(n_window - n_kept + 1, 1).astype(np.float64))
    total = within[np.maximum(starts + n_kept - 1, 0)] * (n_kept > 0) + rest
    times = within / np.repeat(total, n_kept) * np.repeat(length, n_kept)
    return owner, times


def _assemble(
    rng: np.random.Generator,
    *,
    n_customers: int,
    birth: np.ndarray,
    T_i: np.ndarray,
    owner: np.ndarray,
    times: np.ndarray,
    n_kept: np.ndarray,
    spend: tuple[float, float, float] | None,
    start: pd.Timestamp,
    unit_days: int,
    latent: dict[str, np.ndarray],
    alive: np.ndarray,
    params: dict[str, Any],
) -> Simulation:
    ids = np.arange(1, n_customers + 1)
    if spend is not None:
        p, q, gamma = spend
        nu = rng.gamma(q, 1.0 / gamma, n_customers)
    else:
        nu = np.full(n_customers, np.nan)
    # first purchase (time 0 for each customer) + repeat purchases
    # each customer's block: first purchase (time 0), then the repeat purchases in time order
    all_owner = np.repeat(np.arange(n_customers), n_kept + 1)
    all_time = np.zeros(all_owner.size)
    is_repeat = np.ones(all_owner.size, dtype=bool)
    is_repeat[np.cumsum(n_kept + 1) - (n_kept + 1)] = False
    all_time[is_repeat] = times
    all_time += birth[all_owner]
    if spend is not None:
        amount = np.round(rng.gamma(spend[0], 1.0 / nu[all_owner]), 2)
    else:
        amount = np.ones(all_owner.size)
    day0 = np.datetime64(start.date(), "D")
    dates = day0 + np.floor(all_time * unit_days).astype("timedelta64[D]")
    transactions = pd.DataFrame({"customer_id": ids[all_owner], "date": pd.to_datetime(dates), "amount": amount})
    # times increase within each customer's block: the last one is the recency
    block_end = np.cumsum(n_kept) - 1
    last = np.where(n_kept > 0, times[np.maximum(block_end, 0)] if times.size else 0.0, 0.0)
    customers = pd.DataFrame(
        {
            "first_purchase": pd.to_datetime(day0 + np.floor(birth * unit_days).astype("timedelta64[D]")),
            **latent,
            "nu": nu,
            "frequency": n_kept,
            "recency": last,
            "T": T_i,
            "alive": alive,
        },
        index=pd.Index(ids, name="customer_id"),
    )
    return Simulation(transactions, customers, params)


def _common(
    where: str, n_customers: int, T: float, acquisition_period: float, freq: str, start: Any, spend: Any
) -> tuple[pd.Timestamp, int, tuple[float, float, float] | None]:
    if int(n_customers) != n_customers or n_customers < 1:
        raise DataError(f"{where}: n_customers={n_customers} should be a whole number >= 1")
    _check_positive(where, T=T)
    if not (0 <= acquisition_period < T):
        raise DataError(f"{where}: acquisition_period={acquisition_period} should be >= 0 and < T={T}")
    if freq not in UNIT_DAYS:
        raise DataError(f"{where}: freq={freq!r} is not supported; use 'W' (weeks) or 'D' (days)")
    ts = to_timestamp(start, name="start", where=where)
    gg = None
    if spend is not None:
        if len(spend) != 3:
            raise DataError(f"{where}: spend should be (p, q, gamma) of the Gamma-Gamma model, got {spend!r}")
        gg = tuple(float(v) for v in spend)
        _check_positive(where, p=gg[0], q=gg[1], gamma=gg[2])
    return ts, UNIT_DAYS[freq], gg  # type: ignore[return-value]


class _Histories(NamedTuple):
    """What a model draws per customer, given the purchase rates and the ages."""

    n_kept: np.ndarray  # repeat purchases in the window
    n_arrivals: np.ndarray  # Poisson arrivals the purchase times are the first n_kept order statistics of
    span: np.ndarray  # the interval (0, span) the arrivals are uniform on
    latent: dict[str, np.ndarray]  # the latent columns of ``customers``, in order
    alive: np.ndarray


def _simulate(
    where: str,
    model: dict[str, float],
    draw: Callable[[np.random.Generator, np.ndarray, np.ndarray], _Histories],
    n_customers: int,
    T: float,
    acquisition_period: float,
    freq: str,
    start: Any,
    spend: Any,
    random_state: int | np.random.Generator | None,
) -> Simulation:
    """The steps both count models share: checks, ages, purchase rates, then ``draw``, times and spend."""
    _check_positive(where, **model)
    ts, unit_days, gg = _common(where, n_customers, T, acquisition_period, freq, start, spend)
    rng = np.random.default_rng(random_state)
    n = int(n_customers)
    birth = rng.uniform(0.0, acquisition_period, n) if acquisition_period > 0 else np.zeros(n)
    T_i = T - birth
    lam = rng.gamma(model["r"], 1.0 / model["alpha"], n)
    drawn = draw(rng, lam, T_i)
    owner, times = _purchase_times(rng, drawn.n_kept, drawn.n_arrivals, drawn.span)
    params: dict[str, Any] = {**model, "T": T, "freq": freq}
    if gg is not None:
        params.update({"p": gg[0], "q": gg[1], "gamma": gg[2]})
    return _assemble(
        rng,
        n_customers=n,
        birth=birth,
        T_i=T_i,
        owner=owner,
        times=times,
        n_kept=drawn.n_kept,
        spend=gg,
        start=ts,
        unit_days=unit_days,
        latent=drawn.latent,
        alive=drawn.alive,
        params=params,
    )


def simulate_bgnbd(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: float,
    acquisition_period: float = 0.0,
    freq: str = "W",
    start: Any = "2024-01-01",
    spend: tuple[float, float, float] | None = (6.25, 3.74, 15.44),
    random_state: int | np.random.Generator | None = None,
) -> Simulation:
    """Simulate a customer base from the BG/NBD model (with Gamma-Gamma spend).

    Parameters
    ----------
    n_customers : int
        Number of customers.
    r, alpha : float
        Purchase rates while alive: :math:`\\lambda \\sim` Gamma(shape r, rate alpha).
    a, b : float
        Drop-out probability after each repeat purchase: :math:`p \\sim` Beta(a, b).
    T : float
        End of the observation window, in ``freq`` units after ``start``.
    acquisition_period : float, default 0
        First purchases are spread uniformly over ``[0, acquisition_period)``
        (0: everyone buys first at ``start``), so each customer's age is
        ``T`` minus their first-purchase time.
    freq : {"W", "D"}, default "W"
        Time unit (weeks or days).
    start : date-like, default "2024-01-01"
        Calendar date of time 0.
    spend : (p, q, gamma) or None, default (6.25, 3.74, 15.44)
        Gamma-Gamma spend: :math:`\\nu \\sim` Gamma(q, rate gamma) per
        customer, each amount ~ Gamma(p, rate nu) (rounded to cents).
        ``None``: every amount is 1. The default is the CDNOW estimate of
        Fader, Hardie & Lee (2005, JMR).
    random_state : int, Generator or None
        Seed for ``numpy.random.default_rng``.

    Returns
    -------
    Simulation
        ``transactions`` (``customer_id``, ``date``, ``amount``),
        ``customers`` (``first_purchase``, ``lambda_``, ``p``, ``nu``,
        ``frequency``, ``recency``, ``T``, ``alive``) and ``params``.

    Raises
    ------
    DataError
        Non-positive parameters, ``acquisition_period`` outside [0, T), an
        unknown ``freq`` or a non-date ``start``.

    Notes
    -----
    After the first purchase at time 0, purchases follow a Poisson process
    with rate :math:`\\lambda`; after each repeat purchase the customer drops
    out with probability p.  The number of repeat purchases before drop-out is
    geometric, N ~ Geom(p) on {1, 2, ...}, so the customer makes
    :math:`\\min(N, K)` repeat purchases where :math:`K \\sim` Poisson(λT) is
    the number of arrivals in the window; their times are the first order
    statistics of K uniforms (drawn by exponential spacings, vectorised).
    Dates are floored to the calendar day, so two purchases on one day appear
    as two rows that :func:`crm_lessons.clv.customer_summary` merges; the
    ``customers`` table keeps the exact continuous-time history.

    References
    ----------
    Fader, Hardie & Lee (2005), Marketing Science 24(2), section 3 (assumptions i-v).

    Examples
    --------
    >>> sim = simulate_bgnbd(3, r=0.5, alpha=2.0, a=1.0, b=3.0, T=10, random_state=0)
    >>> sim.customers[["frequency", "alive"]].dtypes.astype(str).tolist()
    ['int64', 'bool']
    >>> sim.params["r"]
    0.5
    """

    def draw(rng: np.random.Generator, lam: np.ndarray, T_i: np.ndarray) -> _Histories:
        p = rng.beta(a, b, len(lam))
        n_window = rng.poisson(lam * T_i)
        n_life = rng.geometric(p)
        n_kept = np.minimum(n_window, n_life).astype(np.int64)
        return _Histories(n_kept, n_window, T_i, {"lambda_": lam, "p": p}, n_life > n_window)

    model = {"r": r, "alpha": alpha, "a": a, "b": b}
    return _simulate(
        "simulate_bgnbd", model, draw, n_customers, T, acquisition_period, freq, start, spend, random_state
    )


def simulate_pareto_nbd(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    s: float,
    beta: float,
    T: float,
    acquisition_period: float = 0.0,
    freq: str = "W",
    start: Any = "2024-01-01",
    spend: tuple[float, float, float] | None = (6.25, 3.74, 15.44),
    random_state: int | np.random.Generator | None = None,
) -> Simulation:
    """Simulate a customer base from the Pareto/NBD model (with Gamma-Gamma spend).

    Parameters
    ----------
    n_customers : int
        Number of customers.
    r, alpha : float
        Purchase rate :math:`\\lambda \\sim` Gamma(shape r, rate alpha).
    s, beta : float
        Drop-out rate :math:`\\mu \\sim` Gamma(shape s, rate beta); the
        lifetime is exponential with rate :math:`\\mu`.
    T, acquisition_period, freq, start, spend, random_state
        As in :func:`simulate_bgnbd`.

    Returns
    -------
    Simulation
        As :func:`simulate_bgnbd`, with latent columns ``lambda_`` and ``mu``.

    Raises
    ------
    DataError
        As :func:`simulate_bgnbd`.

    Notes
    -----
    The customer is active until :math:`\\tau \\sim` Exp(μ) and buys at
    Poisson rate λ while active: :math:`K \\sim` Poisson(λ min(τ, T)) repeat
    purchases at uniform times on (0, min(τ, T)).

    References
    ----------
    Schmittlein, Morrison & Colombo (1987), Management Science 33(1), 1-24.

    Examples
    --------
    >>> sim = simulate_pareto_nbd(500, r=0.55, alpha=10.6, s=0.61, beta=11.7, T=39, random_state=0)
    >>> bool(sim.customers["frequency"].sum() == len(sim.transactions) - 500)
    True
    """

    def draw(rng: np.random.Generator, lam: np.ndarray, T_i: np.ndarray) -> _Histories:
        mu = rng.gamma(s, 1.0 / beta, len(lam))
        tau = rng.exponential(1.0 / mu)
        active = np.minimum(tau, T_i)
        n_kept = rng.poisson(lam * active).astype(np.int64)
        return _Histories(n_kept, n_kept, active, {"lambda_": lam, "mu": mu}, tau > T_i)

    model = {"r": r, "alpha": alpha, "s": s, "beta": beta}
    return _simulate(
        "simulate_pareto_nbd", model, draw, n_customers, T, acquisition_period, freq, start, spend, random_state
    )
