"""Listing pages ahead of queued articles while the queue is short: keep the listing walk off the critical path.

The spider finds listing page n+1 only by parsing page n, and gives article requests a
higher priority than the next listing page (so a long backfill does not queue its whole
walk in memory before fetching an article). Each listing page then waits behind every
article it linked: the crawl advances in waves, and the download slots go idle at the end
of each wave. Measured against the replica (`benchmarks/crawl.py`, 2,000 articles, no
delay), the full crawl reached 82% of a bare spider's throughput this way and 98% with
listing pages first.

So this spider middleware puts a listing request (`meta["archive_listing_page"]`) ahead of
articles (`ARTICLE_PRIORITY + 1`) when fewer than twice CONCURRENT_REQUESTS requests wait in
the scheduler, and leaves it as the spider made it otherwise: the walk stays a page or two
ahead of the downloads without ever queueing more than that, so memory stays bounded and,
under a download delay (backfills), articles still go out in between listing pages. What
is crawled, and where an incremental walk stops, does not depend on this order (see
`PortalSpider._only_stored`). Off in distributed mode, whose shared queue already serves
listing pages first (`crawler.distributed.workers`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request
from scrapy.exceptions import NotConfigured

from crawler.distributed.mode import distributed

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

ARTICLE_PRIORITY = 1
"""Priority the spider gives article requests (`PortalSpider._article_request`)."""


class ListingFirstMiddleware:
    """Spider middleware: raises a listing request's priority above articles while the queue is short.

    Settings: ARCHIVE_LISTING_FIRST_ENABLED (CONCURRENT_REQUESTS sets the queue bound).
    Request meta: archive_listing_page (set by the spider on listing requests).
    Stats: archive/listing_first/raised.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_queued = 2 * crawler.settings.getint("CONCURRENT_REQUESTS")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_LISTING_FIRST_ENABLED"):
            raise NotConfigured("ARCHIVE_LISTING_FIRST_ENABLED is off")
        if distributed(crawler.settings):
            raise NotConfigured("distributed mode: the shared queue orders listing pages itself")
        return cls(crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        for output in result:
            if isinstance(output, Request) and "archive_listing_page" in output.meta and self._queue_is_short():
                output.priority = max(output.priority, ARTICLE_PRIORITY + 1)
                self._count()
            yield output

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for output in result:
            for processed in self.process_spider_output(response, [output]):
                yield processed

    def _queue_is_short(self) -> bool:
        scheduler = self.crawler.engine.scheduler if self.crawler.engine is not None else None
        try:
            return scheduler is not None and len(scheduler) < self.max_queued  # type: ignore[arg-type]
        except TypeError:  # a scheduler that cannot count its queue: leave the spider's order
            return False

    def _count(self) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("archive/listing_first/raised")
