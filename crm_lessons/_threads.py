"""Array work split over the machine's cores with threads (numpy and Arrow kernels release the GIL).

Used by the reader's duplicate check and the customer tables: each task computes a part of a
result that does not depend on how the work was split, so one core or several give the same
numbers, only sooner.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np

__all__ = ["cores", "row_slices", "run", "start"]

T = TypeVar("T")

#: Rows below which a column is not worth splitting (a thread costs ~0.1 ms to start).
MIN_ROWS = 1 << 17


def cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run(tasks: Sequence[Callable[[], T]]) -> list[T]:
    """Each task's result, in order, the tasks run on up to :func:`cores` threads (one task: here).

    An exception in a task is raised here, after every task has ended.

    Examples
    --------
    >>> run([lambda: 1 + 1, lambda: "two"])
    [2, 'two']
    """
    if len(tasks) <= 1 or cores() == 1:
        return [task() for task in tasks]
    with ThreadPoolExecutor(min(len(tasks), cores())) as pool:
        futures = [pool.submit(task) for task in tasks]
        return [f.result() for f in futures]


def start(task: Callable[[], T]) -> Future[T]:
    """The task started on a thread of its own (here and now when there is one core); its result,
    or its exception, from the returned future's ``result()``.

    Examples
    --------
    >>> start(lambda: 6 * 7).result()
    42
    """
    if cores() == 1:
        done: Future[T] = Future()
        try:
            done.set_result(task())
        except BaseException as exc:  # given to the caller by result(), as from a thread
            done.set_exception(exc)
        return done
    pool = ThreadPoolExecutor(1)
    future = pool.submit(task)
    pool.shutdown(wait=False)  # the thread ends with the task
    return future


def row_slices(n: int, min_rows: int | None = None) -> list[slice]:
    """``n`` rows cut into one slice per core (fewer when a slice would have under ``min_rows`` rows,
    default :data:`MIN_ROWS`).

    Examples
    --------
    >>> row_slices(10, min_rows=1)[0].start, row_slices(10, min_rows=1)[-1].stop
    (0, 10)
    >>> row_slices(10)
    [slice(0, 10, None)]
    """
    parts = max(1, min(cores(), n // max(MIN_ROWS if min_rows is None else min_rows, 1)))
    bounds = np.linspace(0, n, parts + 1).round().astype(np.int64)
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
