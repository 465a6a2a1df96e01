"""Progress of a running crawl, one log line per interval, in the words of the run summary.

Replaces Scrapy's LogStats ("Crawled N pages (at N pages/min)"): pages and items say little
about an archive; links found, articles fetched, new, revised and dropped say what the run
is doing, and request errors say early when it is going wrong.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.monitoring.report.summary import articles_block, requests_block

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def progress_line(portal: str, stats: dict[str, object]) -> str:
    articles, requests = articles_block(stats), requests_block(stats)
    dropped = sum(articles["dropped"].values())
    errors = sum(requests["errors"].values())
    return (
        f"{portal}: {articles['found']} article links found, {articles['skipped_stored']} already stored, "
        f"{articles['fetched']} fetched, {articles['new']} new, {articles['revised']} revised, {dropped} dropped; "
        f"{requests['total']} requests, {errors} errors"
    )


class ProgressLog:
    """Extension: logs `progress_line` every ARCHIVE_PROGRESS_INTERVAL_SECONDS while the spider runs.

    Settings: ARCHIVE_PROGRESS_INTERVAL_SECONDS (0 turns it off).
    """

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("ARCHIVE_PROGRESS_INTERVAL_SECONDS")
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.loop = task.LoopingCall(self.log, spider.name)
        self.loop.start(self.interval, now=False)

    def log(self, portal: str) -> None:
        assert self.crawler.stats is not None
        logger.info("progress %s", progress_line(portal, self.crawler.stats.get_stats()))

    def spider_closed(self, spider: Spider) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
