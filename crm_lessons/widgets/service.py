"""Chapter 8 control: move the number of agents, watch service level, waiting and occupancy.

The logic is :func:`crm_lessons.service.service_level`,
:func:`crm_lessons.service.average_speed_of_answer` and
:func:`crm_lessons.service.occupancy` (tested); this module only collects the
slider value and shows their result.
"""

from __future__ import annotations

from typing import Any

from crm_lessons.service import average_speed_of_answer, erlang_c, service_level

__all__ = ["describe_staffing", "staffing_explorer"]


def describe_staffing(agents: int, *, arrival_rate: float, aht: float, target_time: float) -> str:
    """One line with P(wait), service level, ASA and occupancy for ``agents``: the widget's text and its static fallback.

    Parameters
    ----------
    agents : int
        Agents on the phones.
    arrival_rate : float
        Calls per minute.
    aht, target_time : float
        Average handling time and answer-time target, in minutes.

    Returns
    -------
    str
        When ``agents`` do not exceed the traffic, a line saying the queue
        grows without limit (instead of an error, so the slider can pass
        through such values).

    Raises
    ------
    DataError
        For invalid rates or times (as :func:`crm_lessons.service.service_level`).

    Examples
    --------
    >>> describe_staffing(10, arrival_rate=2.0, aht=4.0, target_time=1 / 3)
    '10 名坐席: 需等待 40.9%, 20 秒内接通 65.4%, 平均等待 49 秒, 占用率 80%'
    >>> describe_staffing(8, arrival_rate=2.0, aht=4.0, target_time=1 / 3)
    '8 名坐席: 话务量 8.0 Erl >= 坐席数, 队列无限增长 (the queue grows without limit)'
    """
    traffic = float(arrival_rate) * float(aht)
    if agents <= traffic:
        return f"{agents} 名坐席: 话务量 {traffic:.1f} Erl >= 坐席数, 队列无限增长 (the queue grows without limit)"
    sl = service_level(traffic, agents, aht=aht, target_time=target_time)
    asa = average_speed_of_answer(traffic, agents, aht=aht)
    return (
        f"{agents} 名坐席: 需等待 {erlang_c(traffic, agents):.1%}, {target_time * 60:.0f} 秒内接通 {sl:.1%}, "
        f"平均等待 {asa * 60:.0f} 秒, 占用率 {traffic / agents:.0%}"
    )


def staffing_explorer(
    *,
    agents: int = 10,
    arrival_rate: float = 2.0,
    aht: float = 4.0,
    target_time: float = 1 / 3,
    max_agents: int | None = None,
) -> Any:
    """A slider for the number of agents and the resulting Erlang C measures.

    Parameters
    ----------
    agents : int, default 10
        Initial slider position.
    arrival_rate, aht, target_time : float
        Calls per minute, average handling time and answer-time target (minutes).
    max_agents : int, optional
        Upper end of the slider; default twice the traffic plus 2.

    Returns
    -------
    ipywidgets.VBox
        Display it in a notebook cell; headless runs show only its text
        representation, so print :func:`describe_staffing` for a static result.
    """
    import ipywidgets as widgets

    traffic = arrival_rate * aht
    top = int(max_agents) if max_agents is not None else int(2 * traffic) + 2
    slider = widgets.IntSlider(
        value=agents,
        min=1,
        max=max(top, agents),
        step=1,
        description="坐席 agents",
        style={"description_width": "8em"},
        layout=widgets.Layout(width="30em"),
    )
    out = widgets.Label(value=describe_staffing(agents, arrival_rate=arrival_rate, aht=aht, target_time=target_time))

    def _update(_change: Any = None) -> None:
        out.value = describe_staffing(slider.value, arrival_rate=arrival_rate, aht=aht, target_time=target_time)

    slider.observe(_update, names="value")
    return widgets.VBox([slider, out])
