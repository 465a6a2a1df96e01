"""The crawl's stats collector (`crawler.monitoring.stats`): Scrapy's in-memory stats, minus the per-access shim."""

from __future__ import annotations

import warnings
from pathlib import Path

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.monitoring.stats import ArchiveStatsCollector
from tests.storage_support import project_settings


def test_the_project_crawls_with_it_and_it_counts_as_scrapys(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict=project_settings(ARCHIVE_EXPORTS_DIR=str(tmp_path)))
    ours = crawler.stats
    assert type(ours) is ArchiveStatsCollector
    scrapys = MemoryStatsCollector(crawler)
    for stats in (ours, scrapys):
        stats.inc_value("pages")
        stats.inc_value("pages", 2)
        stats.inc_value("bytes", 10, start=5)
        stats.set_value("file", "a.warc.gz")
        stats.max_value("max", 3)
        stats.max_value("max", 1)
        stats.min_value("min", 3)
        stats.min_value("min", 1)
    assert ours.get_stats() == scrapys.get_stats() == {"pages": 3, "bytes": 15, "file": "a.warc.gz", "max": 3, "min": 1}
    assert ours.get_value("pages") == 3 and ours.get_value("missing", 7) == 7


def test_attribute_reads_skip_scrapys_shim() -> None:
    # Scrapy's shim caches a wrapped method per name on first read: none is cached here.
    stats = ArchiveStatsCollector(get_crawler())
    stats.inc_value("x")
    assert not [name for name in vars(stats) if name.startswith("_cached_")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats.inc_value("x")  # no deprecation warning on the ordinary call
    assert stats.get_value("x") == 2
