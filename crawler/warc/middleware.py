"""The WARC archive's downloader middleware: no response goes on before its WARC records are written and durable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future

from crawler.warc.extension import WarcArchiver

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class WarcDurabilityMiddleware:
    """Downloader middleware holding each archived response until its WARC records are written and fsynced.

    The archiver's writer thread may not have written them yet when the response arrives here;
    `GroupSync.durable` waits for that write, then for an fsync covering it. Placed first in
    process_response order (priority 950), so nothing downstream, spider and pipelines
    included, sees a response whose records are not yet durable (or its `archive_warc` meta unset).
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

    async def process_response(self, request: Request, response: Response) -> Response:
        archiver = self._archiver or self.crawler.get_extension(WarcArchiver)
        self._archiver = archiver  # looked up once it exists: get_extension searches every extension
        if archiver is not None:
            await maybe_deferred_to_future(archiver.sync.durable(request))
        return response
