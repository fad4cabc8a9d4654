"""Both cores (issue 15): run independent pieces of work in forked worker processes.

A cold check parses and checks every note on its own before anything looks across
notes, and a build writes every page and every client's PDF on its own: such work
is spread over the cores this process may use, one forked worker per core. Forking
is what makes it cheap (a worker starts with everything the parent loaded: the
settings, the vocabulary, the templates, the parsed notes) and what lets the work be
a closure: only the result travels back, pickled.

Starting workers costs tens of milliseconds, so small inputs stay in this process:
the callers pass the smallest count worth a pool (measured with benchmarks/run.py;
see their constants). Where fork is not available (Windows, macOS' default), with a
single usable core, or with ``SOAPBUILD_JOBS=1``, everything runs here, in order,
with the same results. A long-running process with threads (``watch``) never forks:
it re-checks a note or two per save anyway.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

JOBS_VARIABLE = "SOAPBUILD_JOBS"

# The work of the pool being run: set before the fork, so every worker inherits it.
_TASK: Callable[[int], object] | None = None


def usable_cores() -> int:
    """The cores this process may run on, or ``SOAPBUILD_JOBS`` when set (at least 1)."""
    wanted = os.environ.get(JOBS_VARIABLE, "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether forking is available and safe: no other thread but the progress line's
    timers (:class:`soapbuild.console.Progress`), which only print, and workers never do."""
    others = [t for t in threading.enumerate() if t is not threading.current_thread()]
    return ("fork" in multiprocessing.get_all_start_methods()
            and all(isinstance(thread, threading.Timer) for thread in others))


def spread(task: Callable[[int], T], count: int, least: int,
           chunk: int | None = None) -> Iterator[T]:
    """``task(0)``, ``task(1)``, … ``task(count - 1)``, in order: in one forked worker per
    usable core when there are at least ``least`` of them, else in this process.

    ``chunk`` is how many tasks a worker takes at a time (1 for long tasks of uneven
    length, such as PDFs; by default a few per worker, which keeps the messages few).
    An exception raised by a task is raised here, as it would be without workers.
    """
    workers = min(usable_cores(), count)
    if count < max(least, 2) or workers < 2 or not can_fork():
        yield from (task(number) for number in range(count))
        return
    global _TASK
    _TASK = task
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            size = chunk or max(1, min(64, count // (workers * 8)))
            yield from pool.imap(_run, range(count), chunksize=size)
    finally:
        _TASK = None


def _run(number: int) -> object:
    assert _TASK is not None
    return _TASK(number)
