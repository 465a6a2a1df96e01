"""Read misdeclared pages in the encoding their bytes are really in, and say so on the item.

`CharsetRepairMiddleware` (downloader) gives an HTML response whose declared charset is
wrong or missing (`crawler.middlewares.encoding`) the right encoding, so that the page object reads the
publisher's text instead of U+FFFD characters or mojibake; the body bytes (and the WARC
record) stay as received. `CharsetWarningMiddleware` (spider) adds the repair as a
`charset: ...` warning to every item parsed from that response, because a record decoded
against its page's own declaration should say so.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse

from crawler.middlewares.encoding import charset_problem

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

META_KEY = "archive_charset"
"""Request meta: the `charset: ...` warning of a repaired response."""


def repaired(response: Response, meta: dict[str, Any], fallback: str = "cp1252") -> tuple[Response, str | None]:
    """The response to parse (re-encoded when its declaration is wrong) and the problem's kind, if any.

    The warning goes into `meta` (the request's: a response still in the downloader has none of its own).
    """
    if not isinstance(response, HtmlResponse) or not response.body:
        return response, None
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    problem = charset_problem(content_type, response.body, fallback)
    if problem is None:
        return response, None
    meta[META_KEY] = problem.warning()
    return response.replace(encoding=problem.use), problem.kind


class CharsetRepairMiddleware:
    """Decodes HTML responses in the encoding their bytes are in when the declared one is wrong or missing.

    Settings: ARCHIVE_CHARSET_REPAIR_ENABLED, ARCHIVE_CHARSET_FALLBACK.
    Stats: archive/faults/charset_<kind> (`not_utf8`, `utf8_declared_legacy`, `undeclared_legacy`).
    """

    def __init__(self, stats: StatsCollector, fallback: str) -> None:
        self.stats = stats
        self.fallback = fallback

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_CHARSET_REPAIR_ENABLED"):
            raise NotConfigured("ARCHIVE_CHARSET_REPAIR_ENABLED is off")
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.settings.get("ARCHIVE_CHARSET_FALLBACK"))

    def process_response(self, request: Request, response: Response) -> Response:
        fixed, kind = repaired(response, request.meta, self.fallback)
        if kind is not None:
            self.stats.inc_value(f"archive/faults/charset_{kind}")
            logger.warning("%s: %s", response.url, request.meta[META_KEY])
        return fixed


class CharsetWarningMiddleware:
    """Adds the repair note of `CharsetRepairMiddleware` to the `warnings` of items parsed from that response.

    Settings: ARCHIVE_CHARSET_REPAIR_ENABLED.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_CHARSET_REPAIR_ENABLED"):
            raise NotConfigured("ARCHIVE_CHARSET_REPAIR_ENABLED is off")
        return cls()

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        note = response.meta.get(META_KEY)
        for output in result:
            yield _noted(output, note)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        note = response.meta.get(META_KEY)
        async for output in result:
            yield _noted(output, note)


def _noted(output: Any, note: str | None) -> Any:
    if note and ItemAdapter.is_item(output):
        adapter = ItemAdapter(output)
        if "warnings" in adapter.field_names() and note not in (adapter.get("warnings") or []):
            adapter["warnings"] = [*(adapter.get("warnings") or []), note]
    return output
