"""Per-run limits that map onto Scrapy's own settings.

`PageCapAddon` turns ARCHIVE_MAX_PAGES_PER_RUN into CLOSESPIDER_PAGECOUNT (at add-on
priority, so an explicit `-s CLOSESPIDER_PAGECOUNT=` still wins): a backfill of years of
listings then fetches at most that many pages per run and ends with the close reason
`closespider_pagecount`; the next run continues where the stored articles end, since
deltafetch skips what is already archived.

`PageCapHold` makes that cap hold: Scrapy's CloseSpider extension schedules the close for a
later turn of the event loop, and until then every response that frees a download slot
lets the engine start another request. Pausing the engine at the cap's response leaves only
the requests already in the downloader (at most CONCURRENT_REQUESTS) to arrive after it.
Requests the pause holds back stay in the scheduler (and the frontier) for the next run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.closespider import CloseSpider
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


class PageCapAddon:
    """Settings: ARCHIVE_MAX_PAGES_PER_RUN (responses per run; 0 = no cap; negative is refused)."""

    def update_settings(self, settings: BaseSettings) -> None:
        cap = settings.getint("ARCHIVE_MAX_PAGES_PER_RUN")
        if cap < 0:
            raise ValueError(f"ARCHIVE_MAX_PAGES_PER_RUN must be >= 0, not {cap}")
        if cap:
            settings.set("CLOSESPIDER_PAGECOUNT", cap, priority="addon")


class PageCapHold:
    """Stops new downloads once CLOSESPIDER_PAGECOUNT responses have arrived (not configured without a cap)."""

    def __init__(self, crawler: Crawler, cap: int) -> None:
        self.crawler = crawler
        self.cap = cap
        self.responses = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageCapHold:
        cap = crawler.settings.getint("CLOSESPIDER_PAGECOUNT")
        if cap <= 0:
            raise NotConfigured  # without a message: Scrapy logs one as a WARNING, and no cap is the normal case
        extensions = build_component_list(crawler.settings.getwithbase("EXTENSIONS"))
        if not any(load_object(path) is CloseSpider for path in extensions):
            # A paused engine with nothing to close it would never end the run.
            raise NotConfigured("CLOSESPIDER_PAGECOUNT is set but Scrapy's CloseSpider extension is disabled")
        hold = cls(crawler, cap)
        crawler.signals.connect(hold.response_received, signal=signals.response_received)
        return hold

    def response_received(self, **_: Any) -> None:
        self.responses += 1
        if self.responses == self.cap and self.crawler.engine is not None:
            logger.info("Page cap of %d responses reached: no new request starts", self.cap)
            self.crawler.engine.pause()
