"""The crawl's stats collector: Scrapy's in-memory one without its per-access deprecation shim.

Scrapy 2.19's `StatsCollector.__getattribute__` (the shim that warns about the deprecated
`spider` argument) runs on every attribute read of the collector, its own `self._stats`
inside `inc_value` included, and raises and catches an `AttributeError` each time: about
2 us per counter update. A crawl updates some 40 counters per page, so the shim was 2% of
the crawl thread's CPU (docs/internals.md, "Benchmarks and their figures"). This class reads
its attributes the ordinary way; its methods are Scrapy's, and a `spider` argument still works
(it is ignored, without the warning).
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class ArchiveStatsCollector(MemoryStatsCollector):
    """`MemoryStatsCollector` with plain attribute access (setting STATS_CLASS)."""

    __getattribute__ = object.__getattribute__
