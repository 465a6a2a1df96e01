"""Re-parsing from WARC: archived article responses fed to a portal spider's own `parse_article`.

`reparse_spider(portal_spider_class, records)` makes a subclass of the generated portal
spider whose `start()` yields, instead of requests, the items its inherited
`parse_article` makes from archived responses, one at a time: each item has gone through
the pipelines (dedup, revisions, JSONL) before the next response is parsed, so revisions
come out in fetch order as they did in the crawls. Nothing is fetched: requests are
never yielded (and the `reparse` command also removes the HTTP download handlers).

The subclass is made at run time and has no module-level `name`, so `scrapy list`
shows only portals.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawler.portals import REGISTRY, PortalDefinition, load_registry
from crawler.spiders.portal import PortalSpider
from crawler.warc.extension import META_KEY
from crawler.warc.reader import ArchivedRecord, StoredExchange, load

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class ReparseMixin(PortalSpider):
    """Stats: archive/reparse/{responses,unreadable,ignored_requests}."""

    archived: list[ArchivedRecord]
    _yielded: int
    _finished: int
    _drained: Deferred[None] | None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ReparseMixin:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, ReparseMixin)
        spider._yielded = spider._finished = 0
        spider._drained = None
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider._item_done, signal=signal)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        # The same decoding step as in the crawl: the archive holds payloads as received.
        decoder = HttpCompressionMiddleware(crawler=self.crawler)
        for record in self.archived:
            response = self._response(record, decoder)
            if response is None:
                continue
            for result in self.parse_article(response):
                if isinstance(result, scrapy.Request):
                    self._count("archive/reparse/ignored_requests")
                    continue
                self._yielded += 1
                yield result
                await self._all_items_done()

    def _response(self, record: ArchivedRecord, decoder: HttpCompressionMiddleware) -> Response | None:
        stored = load(record)
        if stored is None:
            self.logger.warning(
                "reparse: no payload for %s (%s in %s)", record.target_uri, record.record_id, record.warc
            )
            self._count("archive/reparse/unreadable")
            return None
        self._count("archive/reparse/responses")
        request = self._request(record)
        response = decoder.process_response(request, self._raw_response(request, stored))
        assert isinstance(response, Response)  # the middleware only ever returns a response
        return response

    def _request(self, record: ArchivedRecord) -> scrapy.Request:
        meta = {
            META_KEY: {"file": record.warc.name, "record_id": record.record_id, "offset": record.offset,
                       "payload_digest": record.digest, "date": record.date, "type": record.type},
            "archive_record_id": self.real_portal.record_id(record.target_uri),
        }  # fmt: skip
        return scrapy.Request(record.fetched_uri, meta=meta)

    @staticmethod
    def _raw_response(request: scrapy.Request, stored: StoredExchange) -> Response:
        """The response as the download handler built it in the crawl (class chosen the same way)."""
        headers = Headers(stored.headers)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=stored.body)
        return cls(url=request.url, status=stored.status, headers=headers, body=stored.body,
                   protocol=stored.protocol, request=request)  # fmt: skip

    # --- one item at a time ---------------------------------------------------------
    def _item_done(self, *args: Any, **kwargs: Any) -> None:
        self._finished += 1
        if self._drained is not None and self._finished >= self._yielded:
            drained, self._drained = self._drained, None
            drained.callback(None)

    async def _all_items_done(self) -> None:
        if self._finished < self._yielded:
            self._drained = Deferred()
            await maybe_deferred_to_future(self._drained)


def reparse_spider(portal_spider: type[PortalSpider], records: list[ArchivedRecord]) -> type[ReparseMixin]:
    """A spider named like `portal_spider` that re-parses `records` (one portal's, in fetch order)."""
    attributes = {"__module__": __name__, "archived": records, "__doc__": f"Re-parses {portal_spider.name} from WARC."}
    return type(f"Reparse{portal_spider.__name__}", (ReparseMixin, portal_spider), attributes)


def article_records(records: list[ArchivedRecord], *, latest: bool = False) -> dict[str, list[ArchivedRecord]]:
    """The records a crawl would have parsed (2xx article URLs), by portal, portals in fetch order.

    The portal comes from the target URI's host (the real host, or one of its aliases);
    records of other hosts (an off-site redirect target, robots.txt of a CDN) are left out.
    With `latest`, only the most recent fetch of each article is kept.
    """
    by_host: dict[str, PortalDefinition] = {}
    for row in load_registry().values():
        by_host.update(dict.fromkeys((row.host, *row.alias_hosts), row))
    plan: dict[str, list[ArchivedRecord]] = {}
    for record in records:
        portal = by_host.get(urlsplit(record.target_uri).netloc.lower())
        if portal is not None and 200 <= record.status < 300 and portal.record_id(record.target_uri):
            plan.setdefault(portal.name, []).append(record)
    if latest:
        for name, kept in plan.items():
            last = {REGISTRY[name].record_id(r.target_uri): r for r in kept}
            plan[name] = [r for r in kept if last[REGISTRY[name].record_id(r.target_uri)] is r]
    return plan
