"""The WARC archive's spider middleware: no callback runs before its response's records are written,
and no record it makes goes on before they are durable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future

from crawler.warc.extension import WarcArchiver

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class WarcDurabilityMiddleware:
    """Spider middleware: callbacks wait for their response's WARC records to be written, records
    they make for those records to be fsynced.

    The innermost spider middleware (SPIDER_MIDDLEWARES 990), so it asks the callback for its
    first output itself; a callback that is a generator (every callback of our spiders) starts
    only then. Before that it waits for the archiver's writer thread to have written the
    response's records (`GroupSync.write_done`), so the spider sees no response whose records
    a kill -9 could still lose, and its `archive_warc` meta names them. Each item (an exported
    record names them) then waits for an fsync covering them (`GroupSync.durable`), so no
    export names a record a power cut could still take away. Requests go on at once: what
    they lead to is fetched and archived on its own, and making the listing walk, the crawl's
    critical path, wait 20-40 ms for an fsync per listing page cost throughput.

    Why a spider middleware: in a downloader middleware the waits counted against
    CONCURRENT_REQUESTS, since Scrapy frees a request's downloader slot only when its downloader
    middlewares are done; with the archive on, a third of the slots were held by responses
    waiting for an fsync instead of downloading. The scraper holds them now, bounded by
    SCRAPER_SLOT_MAX_ACTIVE_SIZE.
    Settings: ARCHIVE_WARC_ENABLED.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._archiver: WarcArchiver | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcDurabilityMiddleware:
        if not crawler.settings.getbool("ARCHIVE_WARC_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        # Async only: the waits need the event loop, so Scrapy hands a sync callback's output over as async.
        archiver = self._archiver or self.crawler.get_extension(WarcArchiver)
        self._archiver = archiver  # looked up once it exists: get_extension searches every extension
        request = response.request
        if archiver is None or request is None:
            async for output in result:
                yield output
            return
        await maybe_deferred_to_future(archiver.sync.write_done(request))
        durable = False
        async for output in result:
            if not durable and not isinstance(output, Request):
                await maybe_deferred_to_future(archiver.sync.durable(request))
                durable = True
            yield output
