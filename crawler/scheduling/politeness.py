"""Politeness that depends on the run or the site: backfills go slower, robots.txt `Crawl-delay` is obeyed.

A scheduled run makes a handful of requests; a `since` backfill walks thousands of listing
and article pages in one go, so it gets a longer DOWNLOAD_DELAY. The value is set at
"spider" priority before the crawl starts: `-s DOWNLOAD_DELAY=...` (command line) still
wins, and a portal's own larger delay is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


def is_backfill(spider_args: Mapping[str, str]) -> bool:
    return bool(spider_args.get("since") or spider_args.get("until"))


def apply_backfill_politeness(settings: BaseSettings, spider_args: Mapping[str, str]) -> None:
    """Settings: ARCHIVE_BACKFILL_DOWNLOAD_DELAY_SECONDS (raises DOWNLOAD_DELAY of backfill runs)."""
    if not is_backfill(spider_args):
        return
    delay = max(settings.getfloat("ARCHIVE_BACKFILL_DOWNLOAD_DELAY_SECONDS"), settings.getfloat("DOWNLOAD_DELAY"))
    settings.set("DOWNLOAD_DELAY", delay, priority="spider")


class CrawlDelayRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, also obeying `Crawl-delay`: the host's download slot then waits
    the larger of it and the configured delay between requests, not randomised, and AutoThrottle may
    raise that wait but never lower it. A Crawl-delay above ARCHIVE_ROBOTS_MAX_CRAWL_DELAY_SECONDS is
    capped there (with a warning): one line of a robots.txt must not stall a run for days.

    Settings: ROBOTSTXT_OBEY (Scrapy's), ARCHIVE_ROBOTS_MAX_CRAWL_DELAY_SECONDS.
    Stats: archive/politeness/crawl_delay_seconds (the delay applied).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._max = crawler.settings.getfloat("ARCHIVE_ROBOTS_MAX_CRAWL_DELAY_SECONDS")
        self._floors: dict[str, float] = {}
        # Connected after AutoThrottle's handler (extensions start first): its lowering is undone at once.
        crawler.signals.connect(self._keep_floor, signal=signals.response_downloaded)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        super().process_request_2(rp, request)
        if rp is None:
            return
        agent = self._robotstxt_useragent or request.headers.get(b"User-Agent", self._default_useragent)
        delay = rp.crawl_delay(agent or "") if agent is not None else None
        if not delay or delay <= 0:
            return
        if delay > self._max:
            logger.warning("robots.txt Crawl-delay %s s for %s capped at %s s (ARCHIVE_ROBOTS_MAX_CRAWL_DELAY_SECONDS)",
                           delay, request.url, self._max)  # fmt: skip
            delay = self._max
        self._apply(request, delay)

    def _apply(self, request: Request, delay: float) -> None:
        engine = self.crawler.engine
        if engine is None:
            return
        key = engine.downloader.get_slot_key(request)
        if self._floors.get(key) != delay:
            self._floors[key] = delay
            if self.crawler.stats is not None:
                self.crawler.stats.max_value("archive/politeness/crawl_delay_seconds", delay)
        self._raise_slot(key)

    def _raise_slot(self, key: str) -> None:
        engine = self.crawler.engine
        slot = engine.downloader.slots.get(key) if engine is not None else None
        floor = self._floors.get(key)
        if slot is not None and floor is not None:
            slot.delay = max(slot.delay, floor)
            slot.randomize_delay = False  # randomised, half of the delay would pass for it

    def _keep_floor(self, response: Any, request: Request, spider: Any) -> None:
        if self._floors and self.crawler.engine is not None:
            self._raise_slot(self.crawler.engine.downloader.get_slot_key(request))
