"""Deltafetch: skip article requests for articles the archive already stores.

A cron job re-reads the same listings every few minutes; without this every linked
article would be downloaded again only for the dedup pipeline to drop it. Article
requests carry `meta["archive_record_id"]` (set by the spider); a request whose id is in
the dedup state is ignored before it reaches the network, unless the spider's `refresh`
attribute is true (`-a refresh=1`, to look for revisions) or the request sets
`meta["archive_deltafetch_skip"] = False`.

Because the state only holds records that were durably written, an article lost by a
crash is not in it and is fetched again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.dedup.state import DedupState, shared_state

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class DeltaFetchMiddleware:
    """Downloader middleware (scrapy-deltafetch's idea, keyed by archive id instead of request fingerprint).

    Settings: ARCHIVE_DELTAFETCH_ENABLED (and the dedup state's settings).
    Request meta: archive_record_id (the article's id), archive_deltafetch_skip (False = always fetch).
    Stats: archive/deltafetch/skipped, archive/deltafetch/refreshed.
    """

    def __init__(self, crawler: Crawler, state: DedupState) -> None:
        self.crawler = crawler
        self.state = state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_DELTAFETCH_ENABLED"):
            raise NotConfigured("ARCHIVE_DELTAFETCH_ENABLED is off")
        return cls(crawler, shared_state(crawler))

    def process_request(self, request: Request) -> None:
        record_id = request.meta.get("archive_record_id")
        if not record_id or request.meta.get("archive_deltafetch_skip", True) is False:
            return
        if not self.state.is_stored(record_id):
            return
        assert self.crawler.stats is not None
        if getattr(self.crawler.spider, "refresh", False):
            self.crawler.stats.inc_value("archive/deltafetch/refreshed")
            return
        self.crawler.stats.inc_value("archive/deltafetch/skipped")
        logger.debug("already stored, not fetched: %s (%s)", record_id, request.url)
        raise IgnoreRequest(f"{record_id} is already stored")
