"""Tuning of the crawl process's run time: the garbage collector, and the CPU scheduling of its helpers.

**The start-up heap out of the cyclic garbage collector's full collections (`GcFreeze`).**
By the time the engine starts, the process holds a few hundred thousand long-lived objects
(Scrapy, Twisted, lxml, dateparser's language data, the schema, the registry). Every
full (generation 2) collection walks all of them again, although none of them is ever
garbage; in a 2,000-article crawl that was about 2 s of the crawl's ~14 s of CPU time.
`gc.freeze()` moves everything alive at that moment into a permanent generation that
collections skip; objects created later are collected as usual (CPython's documented use
of `gc.freeze`, as in pre-fork servers). Nothing is leaked: frozen objects that die are
still freed by reference counting; only cycles among them would wait (none are expected
in start-up objects, and the process ends with the crawl anyway).

Then the youngest generation is collected after `YOUNG_THRESHOLD` net allocations instead of
CPython's 700: a crawl allocates and frees a few thousand container objects per page (requests,
responses, selectors, deferreds), so at 700 it ran about 850 young collections and 80 middle
ones in a 2,000-article crawl, 0.36-0.42 s of CPU, each one walking the objects that were
still alive at that moment; at 20,000 it ran 16 young collections and no middle one, 0.11 s.
Reference counting frees nearly all of those objects anyway; only garbage in cycles waits
longer, a few MB at most.

**Helpers give way to the event loop that keeps the downloads going (`make_batch`, `in_batch_thread`).**
On a busy machine (the benchmark's two cores: the crawl, its parse worker, the portal's
replica) a thread that the event loop wakes (the WARC writer, a group commit's fsync, the
parse worker's pipe) may preempt the loop at once under Linux's normal policy: the loop was
preempted about 5,400 times per 2,000-page crawl, 2,200 times with its helper threads under
`SCHED_BATCH`, which the kernel never lets preempt a task at wake-up; their share of the CPU is
unchanged (docs/internals.md, "Benchmarks and their figures"). Elsewhere, or where a sandbox
refuses it, everything runs as before.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, ParamSpec, Self, TypeVar

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

YOUNG_THRESHOLD = 20_000
"""Net allocations between two collections of the youngest generation (CPython's default: 700)."""


class GcFreeze:
    """Extension: `gc.freeze()` and a higher young-generation threshold once the engine has started.

    Settings: ARCHIVE_GC_FREEZE_ENABLED.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_GC_FREEZE_ENABLED"):
            raise NotConfigured("ARCHIVE_GC_FREEZE_ENABLED is off")
        extension = cls()
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        return extension

    def engine_started(self) -> None:
        # The young generations only: start-up garbage there is freed, not frozen. A full
        # collection here walked all ~100,000 start-up objects, freed none of them (measured
        # against the replica) and held the event loop 65-95 ms before the first request.
        gc.collect(1)
        gc.freeze()
        gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        logger.debug("gc: %d start-up objects frozen", gc.get_freeze_count())


# --- CPU scheduling of the helpers ---------------------------------------------------------------
_P = ParamSpec("_P")
_R = TypeVar("_R")
_local = threading.local()


def make_batch(tid: int = 0, nicer_by: int = 0) -> None:
    """Put thread `tid` (0: the calling one) under `SCHED_BATCH`, `nicer_by` nicer than it is (at most 19)."""
    try:
        if (policy := getattr(os, "SCHED_BATCH", None)) is not None:
            os.sched_setscheduler(tid, policy, os.sched_param(0))
        if nicer_by:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nicer_by))
    except OSError as exc:  # refused, or the thread ended: it runs as before
        logger.debug("background priority refused for thread %d: %s", tid, exc)


def in_batch_thread(work: Callable[_P, _R]) -> Callable[_P, _R]:
    """`work`, which a helper thread runs, putting that thread under `SCHED_BATCH` on its first call.

    For work handed to a thread pool, whose threads are started by (and inherit the policy of)
    the event loop's thread.
    """

    @functools.wraps(work)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if not getattr(_local, "batch", False):
            _local.batch = True
            if threading.current_thread() is not threading.main_thread():
                make_batch()
        return work(*args, **kwargs)

    return run
