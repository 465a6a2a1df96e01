"""Retry page requests answered `200` with nothing in them: an empty body or the site's error page.

Portals under load sometimes answer 200 with an empty body, or with their "page not found"
template, for a page that exists; seen once, neither says the article is gone. Scrapy
retries only by status code, so without this the first such answer would be final: the
page object would call the article "not an article" and the run would lose it.
Only the spider's own page requests are judged (those carrying `archive_record_id` or
`archive_listing_page` in meta); robots.txt, feeds and sitemaps may legitimately be empty.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Self

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
PAGE_META_KEYS = ("archive_record_id", "archive_listing_page")


class SoftErrorRetryMiddleware:
    """Retries an empty 200, or a 200 whose `<title>` is an error title, through Scrapy's retry machinery.

    An empty body is retried up to RETRY_TIMES; an error page once (a deleted article
    stays deleted: one more request is enough to tell). After that the response goes on to
    the spider, which records it as "not an article".

    Settings: ARCHIVE_SOFT_ERROR_RETRY_ENABLED, ARCHIVE_SOFT_ERROR_TITLES, RETRY_TIMES.
    Stats: archive/faults/empty_200, archive/faults/error_page_200 (and Scrapy's
    retry/reason_count/archive/faults/<kind>).
    """

    def __init__(self, crawler: Crawler, titles: list[str]) -> None:
        self.crawler = crawler
        self.titles = tuple(title.lower() for title in titles)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_SOFT_ERROR_RETRY_ENABLED"):
            raise NotConfigured("ARCHIVE_SOFT_ERROR_RETRY_ENABLED is off")
        return cls(crawler, crawler.settings.getlist("ARCHIVE_SOFT_ERROR_TITLES"))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status != 200 or not any(key in request.meta for key in PAGE_META_KEYS):
            return response
        kind = self._kind(response.body)
        if kind is None:
            return response
        self._stats().inc_value(f"archive/faults/{kind}")
        assert self.crawler.spider is not None
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=f"archive/faults/{kind}",
            max_retry_times=1 if kind == "error_page_200" else None,
        )
        return retry or response

    def _kind(self, body: bytes) -> str | None:
        if not body.strip():
            return "empty_200"
        # The title is in the head: the first 64 KiB hold it on any real page.
        match = _TITLE.search(body[:65536])
        title = match.group(1).decode("utf-8", "replace").strip().lower() if match else ""
        return "error_page_200" if title and any(marker in title for marker in self.titles) else None

    def _stats(self) -> StatsCollector:
        assert self.crawler.stats is not None
        return self.crawler.stats
