"""Over-size responses: one warning line and a count, not an ERROR with a traceback.

Scrapy cancels a download whose body passes DOWNLOAD_MAXSIZE (announced by Content-Length,
or while it streams) and logs a warning saying so; the cancelled request then surfaces as
an "Error downloading" traceback. Here the cancellation becomes an ignored request, counted
as `archive/faults/oversize`: the page is too big for the archive by configuration, not a
crash. The response never reaches a callback, so nothing of it is stored.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from twisted.internet.defer import CancelledError

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class OversizeMiddleware:
    """Downloader middleware: a download cancelled for its size is ignored and counted.

    Stats: archive/faults/oversize.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, DownloadCancelledError | CancelledError):
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("archive/faults/oversize")
            # Scrapy has logged the size and the cap in one warning line already.
            raise IgnoreRequest(f"download cancelled (over DOWNLOAD_MAXSIZE?): {request.url}")
