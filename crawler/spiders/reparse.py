"""Re-parsing from WARC: a portal spider whose requests are answered from the archive.

`reparse_spider(portal_spider_class, records)` makes a subclass of the generated portal
spider whose `start()` requests, one at a time, the URL each archived article response was
fetched from. `scrapy reparse` answers them with `crawler.warc.handler` (no network), so
the response runs through the same downloader middlewares, spider middlewares, inherited
`parse_article` and pipelines as in the crawl. Each record's items have gone through the
pipelines (dedup, revisions, JSONL) before the next record is requested, so revisions
come out in fetch order as they did in the crawls.

The subclass is made at run time and has no module-level `name`, so `scrapy list`
shows only portals.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawler.portals.base import PortalDefinition
from crawler.portals.registry import REGISTRY, load_registry
from crawler.spiders.portal import PortalSpider
from crawler.warc.handler import REPARSE_META
from crawler.warc.reader import ArchivedRecord

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure


class ReparseMixin(PortalSpider):
    """Stats: archive/reparse/{records,failed,ignored_requests}."""

    archived: list[ArchivedRecord]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Records were fetched from the real host, mirrors or replicas: nothing is off-site here.
        self.allowed_domains = []
        self._expected: int | None = None
        self._done = 0
        self._record_done: Deferred[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ReparseMixin:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, ReparseMixin)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider._item_done, signal=signal)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for record in self.archived:
            self._expected, self._done, self._record_done = None, 0, Deferred()
            meta = {REPARSE_META: record, "archive_record_id": self.real_portal.record_id(record.target_uri)}
            self._count("archive/reparse/records")
            yield scrapy.Request(record.fetched_uri, callback=self._reparse, errback=self._failed, meta=meta,
                                 dont_filter=True)  # fmt: skip  # the same URL may be archived many times
            await maybe_deferred_to_future(self._record_done)

    def _reparse(self, response: Response) -> Iterable[Any]:
        results = list(self.parse_article(response))
        items = [result for result in results if not isinstance(result, scrapy.Request)]
        if len(items) < len(results):  # nothing may be fetched; a crawl would have followed these
            self._count("archive/reparse/ignored_requests")
        self._expect(len(items))
        return items

    def _failed(self, failure: Failure) -> None:
        self.logger.warning("reparse: %s", failure.value)
        self._count("archive/reparse/failed")
        self._expect(0)

    # --- one record at a time -------------------------------------------------------
    def _expect(self, count: int) -> None:
        self._expected = count
        self._check()

    def _item_done(self, *args: Any, **kwargs: Any) -> None:
        self._done += 1
        self._check()

    def _check(self) -> None:
        if self._record_done is not None and self._expected is not None and self._done >= self._expected:
            done, self._record_done = self._record_done, None
            done.callback(None)


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
