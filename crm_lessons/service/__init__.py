"""Customer interaction and service (客户互动与服务): staffing, waiting, complaints, process improvement.

The course treats interaction with the customer (its roles, channels and six
design steps), customer service and complaint handling, team building,
process optimisation (PDCA) and social media.  This module computes the
parts that have numbers:

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
  day-to-day noise: the "check" of PDCA).

Chapter 8 also evaluates an interaction by experiment and word of mouth by diffusion: those
live in :mod:`crm_lessons.ab_testing` (:func:`~crm_lessons.ab_testing.ab_test`, ``ab_power``,
``ab_sample_size``) and :mod:`crm_lessons.diffusion` (the Bass model: ``bass_cumulative``,
``bass_adoptions``, ``simulate_bass``, ``fit_bass``), and stay importable from here, where the
chapters call them (``service.ab_test``, ``service.fit_bass``, ...).

Units: any time unit will do as long as it is the same everywhere (arrival
rate per minute, handling time and target answer time in minutes, ...).
Traffic in Erlangs is arrival rate x average handling time.
"""

from __future__ import annotations

# the A/B tests and the Bass model, in modules named for them; the chapters call them from here
from crm_lessons.ab_testing import ab_power as ab_power
from crm_lessons.ab_testing import ab_sample_size as ab_sample_size
from crm_lessons.ab_testing import ab_test as ab_test
from crm_lessons.diffusion import bass_adoptions as bass_adoptions
from crm_lessons.diffusion import bass_cumulative as bass_cumulative
from crm_lessons.diffusion import fit_bass as fit_bass
from crm_lessons.diffusion import simulate_bass as simulate_bass
from crm_lessons.service._complaints import complaint_metrics, simulate_complaint_log
from crm_lessons.service._improvement import compare_periods, simulate_daily_service
from crm_lessons.service._staffing import (
    agents_required,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    occupancy,
    pooling_effect,
    rostered_staff,
    service_level,
    staffing_table,
)
from crm_lessons.service._waiting import announced_wait, queue_summary, simulate_queue, waiting_principles

__all__ = [
    "agents_required",
    "announced_wait",
    "average_speed_of_answer",
    "compare_periods",
    "complaint_metrics",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "pooling_effect",
    "queue_summary",
    "rostered_staff",
    "service_level",
    "simulate_complaint_log",
    "simulate_daily_service",
    "simulate_queue",
    "staffing_table",
    "waiting_principles",
]
