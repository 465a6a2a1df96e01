"""The article frontier: article requests discovered but not yet resolved, kept across runs.

A scheduled run stops walking a listing at the first page holding only stored articles
(`PortalSpider._only_stored`), so an article that a run discovered but could not store
(timeouts, 5xx after retries, a kill -9 before its line was written) would never be
linked from a walked page again. The frontier remembers every article request on its way
out of the spider and re-issues it at the start of the next runs until the article is
stored, the page turns out not to be an article (or outside the run's range), or
ARCHIVE_FRONTIER_MAX_ATTEMPTS runs have tried it.

Entries are rows of a small SQLite file per state directory (WAL; a committed insert
survives the process being killed), written before the requests of a page are scheduled,
one transaction per page. "Stored" is read from the dedup state, which only holds durably written
records, so the frontier never forgets an article that is not in the files.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured

from crawler.dedup.state import DedupState, shared_state
from crawler.durable import open_sqlite
from crawler.items import ArticleItem
from crawler.paths import state_dir

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending (
    portal TEXT NOT NULL, id TEXT NOT NULL, url TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (portal, id)
) WITHOUT ROWID;
"""


def _setup(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(_SCHEMA)


class Frontier:
    """Pending article requests of one portal in `<state dir>/frontier.sqlite3`."""

    def __init__(self, path: Path, portal: str) -> None:
        self.portal = portal
        self._db = open_sqlite(path, _setup)  # an unreadable file is moved aside: the frontier starts empty

    def add(self, record_id: str, path: str) -> None:
        self.add_many([(record_id, path)])

    def add_many(self, entries: list[tuple[str, str]]) -> None:
        """Remember (id, path) entries, in one transaction: one fsync per listing page, not one per article."""
        if not entries:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany("INSERT OR IGNORE INTO pending (portal, id, url) VALUES (?, ?, ?)",
                                 [(self.portal, record_id, path) for record_id, path in entries])  # fmt: skip
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def resolve(self, record_id: str) -> None:
        self._db.execute("DELETE FROM pending WHERE portal = ? AND id = ?", (self.portal, record_id))

    def due(self, state: DedupState, max_attempts: int) -> tuple[list[tuple[str, str]], list[str]]:
        """(id, path) of the entries to try again now, and the ids given up; stored ones are dropped."""
        rows = self._db.execute("SELECT id, url, attempts FROM pending WHERE portal = ?", (self.portal,)).fetchall()
        due, given_up = [], []
        for record_id, url, attempts in rows:
            if state.is_stored(record_id):
                self.resolve(record_id)
            elif attempts >= max_attempts:
                given_up.append(record_id)
                self.resolve(record_id)
            else:
                due.append((record_id, url))
        self._db.executemany(
            "UPDATE pending SET attempts = attempts + 1 WHERE portal = ? AND id = ?", [(self.portal, i) for i, _ in due]
        )
        return due, given_up

    def close(self) -> None:
        self._db.close()


class FrontierMiddleware:
    """Spider middleware: records article requests, resolves answered ones, re-issues the rest next run.

    Settings: ARCHIVE_FRONTIER_ENABLED, ARCHIVE_FRONTIER_MAX_ATTEMPTS (and the state directory's).
    Request meta: archive_record_id (article requests), archive_frontier (set on re-issued requests),
    archive_unresolved (set by the spider when a page's answer may be passing: soft 404, empty body).
    Stats: archive/frontier/{reissued,given_up,resolved}.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_attempts = crawler.settings.getint("ARCHIVE_FRONTIER_MAX_ATTEMPTS")
        self._frontier: Frontier | None = None
        crawler.signals.connect(self._close, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_FRONTIER_ENABLED"):
            raise NotConfigured("ARCHIVE_FRONTIER_ENABLED is off")
        return cls(crawler)

    @property
    def frontier(self) -> Frontier:
        if self._frontier is None:
            assert self.crawler.spider is not None
            self._frontier = Frontier(state_dir(self.crawler.settings) / "frontier.sqlite3", self.crawler.spider.name)
        return self._frontier

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        due, given_up = self.frontier.due(shared_state(self.crawler), self.max_attempts)
        for record_id in given_up:
            logger.warning("frontier: %s not stored after %d runs, given up", record_id, self.max_attempts)
        self._inc("given_up", len(given_up))
        self._inc("reissued", len(due))
        spider: Any = self.crawler.spider
        for record_id, path in due:
            # Filtered like any request: the dupefilter is new for each run (scrapy-redis's too, when a run
            # starts), so it only drops the same article listed again in this run or re-issued by another worker.
            meta = {"archive_record_id": record_id, "archive_frontier": True}
            yield Request(spider.portal.base_url + path, callback=spider.parse_article, meta=meta, priority=1)
        async for item_or_request in start:
            yield item_or_request

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        answered = response.meta.get("archive_record_id")
        outputs = list(result)  # remembered before any of them is scheduled, in one transaction
        self._remember([output for output in outputs if isinstance(output, Request)])
        # An article item is resolved once durably stored (read from the dedup state next run).
        stored_later = any(isinstance(output, ArticleItem) for output in outputs)
        yield from outputs
        if answered and not stored_later and not response.meta.get("archive_unresolved"):
            # Answered for good: not an article (photo page, listing...), or outside the run's range.
            self.frontier.resolve(answered)
            self._inc("resolved")

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        for output in self.process_spider_output(response, [item async for item in result]):
            yield output

    def _remember(self, requests: list[Request]) -> None:
        state = shared_state(self.crawler)
        entries = []
        for request in requests:
            record_id = request.meta.get("archive_record_id")
            if record_id and not request.meta.get("archive_frontier") and not state.is_stored(record_id):
                # Kept without its origin: a later run may crawl another base_url (mirror, replica).
                parts = urlsplit(request.url)
                entries.append((record_id, parts.path + (f"?{parts.query}" if parts.query else "")))
        self.frontier.add_many(entries)

    def _inc(self, event: str, count: int = 1) -> None:
        if count and self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"archive/frontier/{event}", count)

    def _close(self) -> None:
        if self._frontier is not None:
            self._frontier.close()
