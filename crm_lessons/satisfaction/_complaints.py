"""Complaint handling: the steps, principles and causes of the course, and a simulated service recovery."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crm_lessons._validation import (
    DataError,
)

COMPLAINT_STEPS: tuple[tuple[str, str, str], ...] = (
    ("倾听客户的意见", "倾听", "listen to the customer"),
    (
        "记录投诉要点，判断投诉是否成立",
        "记录、判断",
        "record the key points and judge whether the complaint is justified",
    ),
    ("提出可行的解决办法", "解决办法", "propose a workable solution"),
    ("跟踪服务，确认问题已解决", "跟踪", "follow up"),
)

#: The course's five principles of handling a complaint: ``(principle_zh, principle_en)``.
COMPLAINT_PRINCIPLES: tuple[tuple[str, str], ...] = (
    ("先处理感情，后处理事件", "deal with the feelings first, then with the matter"),
    ("耐心倾听客户的抱怨", "listen patiently"),
    ("想方设法平息抱怨", "calm the complaint"),
    ("站在客户立场上将心比心", "put yourself in the customer's place"),
    ("迅速采取行动", "act quickly"),
)

#: The course's causes of complaints: ``(side_zh, side_en, cause_zh, cause_en)``.
COMPLAINT_CAUSES: tuple[tuple[str, str, str, str], ...] = (
    ("企业方面", "firm", "产品或服务质量问题", "product or service quality"),
    ("企业方面", "firm", "服务人员、服务环境等问题", "staff, service environment"),
    ("客户方面", "customer", "客户使用不当", "misuse by the customer"),
    ("客户方面", "customer", "客户期望值过高", "expectations too high"),
)


def complaint_handling_steps() -> pd.DataFrame:
    """The course's four steps of handling a customer complaint, in order.

    Returns
    -------
    DataFrame
        One row per step of :data:`COMPLAINT_STEPS`: ``step`` (1..4),
        ``step_zh``, ``keyword`` (the exam's word for the step) and ``step_en``.

    Notes
    -----
    The order is the course's (exam review sheet, 客户投诉处理步骤): listen,
    record and judge, propose a workable solution, follow up.  The literature
    describes the same process in other words (e.g. Tax & Brown 1998);
    the chapter lists it only as further reading.

    References
    ----------
    Tax, S. S., & Brown, S. W. (1998). Recovering and learning from service
    failure. Sloan Management Review, 40(1), 75-88.

    Examples
    --------
    >>> complaint_handling_steps()["keyword"].tolist()
    ['倾听', '记录、判断', '解决办法', '跟踪']
    """
    return pd.DataFrame(
        [(i + 1, *row) for i, row in enumerate(COMPLAINT_STEPS)], columns=["step", "step_zh", "keyword", "step_en"]
    )


def complaint_handling_principles() -> pd.DataFrame:
    """The course's five principles of handling a customer complaint.

    Returns
    -------
    DataFrame
        ``principle_zh`` and ``principle_en``, one row per principle of
        :data:`COMPLAINT_PRINCIPLES`.

    Notes
    -----
    The course's list (正确处理客户投诉的原则).  The justice dimensions of
    Tax, Brown & Chandrashekaran (1998) (fair outcome, fair procedure, fair
    treatment) describe what a complaining customer judges; the chapter
    gives them as further reading.

    References
    ----------
    Tax, S. S., Brown, S. W., & Chandrashekaran, M. (1998). Customer
    evaluations of service complaint experiences. Journal of Marketing, 62(2),
    60-76.

    Examples
    --------
    >>> complaint_handling_principles()["principle_zh"].iloc[0]
    '先处理感情，后处理事件'
    """
    return pd.DataFrame(list(COMPLAINT_PRINCIPLES), columns=["principle_zh", "principle_en"])


def complaint_causes() -> pd.DataFrame:
    """The course's causes of complaints, on the firm's side and the customer's side.

    Returns
    -------
    DataFrame
        ``side_zh``, ``side`` (``"firm"`` or ``"customer"``), ``cause_zh`` and
        ``cause_en``, one row per cause of :data:`COMPLAINT_CAUSES`.

    Examples
    --------
    >>> complaint_causes().groupby("side").size().to_dict()
    {'customer': 2, 'firm': 2}
    """
    return pd.DataFrame(list(COMPLAINT_CAUSES), columns=["side_zh", "side", "cause_zh", "cause_en"])


def simulate_service_recovery(
    n_customers: int,
    *,
    p_failure: float = 0.2,
    p_complain: float = 0.4,
    p_recovery: float = 0.7,
    repurchase: Mapping[str, float] | None = None,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Simulate customers through service failure, complaint and recovery.

    Parameters
    ----------
    n_customers : int
        Number of simulated customers.
    p_failure : float, default 0.2
        Probability that a customer experiences a service failure.
    p_complain : float, default 0.4
        Probability that a customer with a failure complains.
    p_recovery : float, default 0.7
        Probability that a complaint is resolved to the customer's satisfaction.
    repurchase : dict, optional
        Repurchase probability per path, keys ``no failure``,
        ``failure, no complaint``, ``complaint, not recovered``,
        ``complaint, recovered``.  Default ``0.80, 0.45, 0.30, 0.85``: stated
        assumptions in which a good recovery beats no failure at all (the
        recovery paradox); set the last value below the first to see the
        paradox vanish.
    random_state : int or Generator, optional
        Seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    DataFrame
        Indexed by ``path`` (the four keys above): ``customers``, ``share``
        and ``repurchase_rate`` (simulated).

    Raises
    ------
    DataError
        When a probability is outside [0, 1] or a path is missing.

    Notes
    -----
    Each customer follows a tree: failure ~ Bernoulli(p_failure), complaint
    ~ Bernoulli(p_complain), recovery ~ Bernoulli(p_recovery), then
    repurchase ~ Bernoulli(repurchase[path]).  The paradox (Hart, Heskett &
    Sasser 1990; McCollough & Bharadwaj 1992) is contested: the meta-analysis of
    de Matos, Henrique & Rossi (2007) finds it for satisfaction but not for
    repurchase intention, so the default is an assumption to discuss, not a
    fact.

    References
    ----------
    Hart, C. W. L., Heskett, J. L., & Sasser, W. E. (1990). The profitable art
    of service recovery. Harvard Business Review, 68(4), 148-156.
    de Matos, C. A., Henrique, J. L., & Rossi, C. A. V. (2007). Service recovery
    paradox: A meta-analysis. Journal of Service Research, 10(1), 60-77.

    Examples
    --------
    >>> r = simulate_service_recovery(20000, random_state=3)
    >>> r.index.tolist()
    ['no failure', 'failure, no complaint', 'complaint, not recovered', 'complaint, recovered']
    >>> bool(r.loc["complaint, recovered", "repurchase_rate"] > r.loc["no failure", "repurchase_rate"])
    True
    """
    where = "simulate_service_recovery"
    if int(n_customers) != n_customers or n_customers < 1:
        raise DataError(f"{where}: n_customers={n_customers!r} should be a positive integer")
    paths = ["no failure", "failure, no complaint", "complaint, not recovered", "complaint, recovered"]
    rates = dict(zip(paths, (0.80, 0.45, 0.30, 0.85))) if repurchase is None else dict(repurchase)
    for key in paths:
        if key not in rates:
            raise DataError(f"{where}: repurchase is missing the path {key!r}; give all of {paths}")
    for name, p in [
        ("p_failure", p_failure),
        ("p_complain", p_complain),
        ("p_recovery", p_recovery),
        *[(f"repurchase[{k!r}]", rates[k]) for k in paths],
    ]:
        if not 0 <= p <= 1:
            raise DataError(f"{where}: {name}={p!r} should be a probability in [0, 1]")
    rng = np.random.default_rng(random_state)
    n = int(n_customers)
    fail = rng.random(n) < p_failure
    complain = fail & (rng.random(n) < p_complain)
    recovered = complain & (rng.random(n) < p_recovery)
    code = np.where(~fail, 0, np.where(~complain, 1, np.where(~recovered, 2, 3)))
    buy = rng.random(n) < np.asarray([rates[k] for k in paths])[code]
    counts = np.bincount(code, minlength=4)
    bought = np.bincount(code, weights=buy, minlength=4)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(counts > 0, bought / np.maximum(counts, 1), np.nan)
    return pd.DataFrame(
        {"customers": counts, "share": counts / n, "repurchase_rate": rate}, index=pd.Index(paths, name="path")
    )
