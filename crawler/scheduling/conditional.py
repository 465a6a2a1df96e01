"""Conditional requests for listings, feeds and sitemaps: a small regional server answers `304` instead of a page.

A cron run every few minutes re-reads the same listing page and feed; when nothing was
published they are the same bytes as last time. The server's validators (`ETag`,
`Last-Modified`) of every 200 listing/feed/sitemap response are remembered across runs in
`<state dir>/validators.sqlite3`, and sent back as `If-None-Match` / `If-Modified-Since`.
A `304 Not Modified` then costs the server no body and us no parsing: it ends the request
here (`IgnoreRequest`, counted), so the spider never mistakes it for an empty page and the
listing walk stops there, as it would at a page of stored articles. The WARC extension
still records the exchange, as a `revisit` record (server-not-modified profile).

Only requests the spider marks with `meta["archive_conditional"]` are made conditional:
discovery requests of scheduled runs. Backfills and `refresh` runs walk past unchanged
pages on purpose, and article pages are skipped earlier by deltafetch.

Validators are committed only when the run finishes normally: a run killed, or cut short
by a page cap, after reading listing page 1 but before walking the pages behind it must
not leave a validator that would turn page 1 into a `304` and hide those pages from the
next run. Articles discovered but not stored are re-issued by the frontier whatever page
1 answers. The file is per state directory, so in distributed mode each worker keeps its
own validators (one worker's `304` is only a saved download for that worker).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, replace
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import DeferredList

from crawler.durable import open_sqlite
from crawler.paths import state_dir
from crawler.warc.extension import WarcArchiver
from crawler.warc.not_modified import ORIGINAL_META_KEY

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

META_KEY = "archive_conditional"
"""Request meta: True on requests that may be sent conditionally (listing, feed, sitemap of a scheduled run)."""
FILE_NAME = "validators.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS validators (
    portal TEXT NOT NULL, url TEXT NOT NULL, etag TEXT, last_modified TEXT,
    warc_record_id TEXT, warc_date TEXT, PRIMARY KEY (portal, url)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class Validators:
    """What a 200 response said about its version, and where the WARC archive holds it."""

    etag: str | None
    last_modified: str | None
    warc_record_id: str | None = None
    warc_date: str | None = None


def _with_record(validators: Validators, meta: dict[str, Any]) -> Validators:
    """`validators` with the WARC record their response was archived in (`crawler.warc.extension.META_KEY`)."""
    warc = meta.get("archive_warc") or {}
    return replace(validators, warc_record_id=warc.get("record_id"), warc_date=warc.get("date"))


def _setup(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(_SCHEMA)


class ValidatorStore:
    """Validators per (portal, URL) in one SQLite file; URLs include the origin, since validators are per server."""

    def __init__(self, path: Path, portal: str) -> None:
        self.portal = portal
        self._db = open_sqlite(path, _setup)  # an unreadable file is moved aside: no validators, full pages

    def get(self, url: str) -> Validators | None:
        row = self._db.execute(
            "SELECT etag, last_modified, warc_record_id, warc_date FROM validators WHERE portal = ? AND url = ?",
            (self.portal, url),
        ).fetchone()
        return Validators(*row) if row else None

    def put_all(self, entries: dict[str, Validators]) -> None:
        rows = [(self.portal, u, v.etag, v.last_modified, v.warc_record_id, v.warc_date) for u, v in entries.items()]
        with self._db:  # one transaction: a run's validators are committed together or not at all
            self._db.executemany("INSERT OR REPLACE INTO validators VALUES (?, ?, ?, ?, ?, ?)", rows)

    def close(self) -> None:
        self._db.close()


class ConditionalRequestsMiddleware:
    """Downloader middleware: sends remembered validators, turns `304` into an ignored request.

    Settings: ARCHIVE_CONDITIONAL_ENABLED (and the state directory's).
    Request meta: archive_conditional (set by the spider), archive_conditional_original (set here).
    Stats: archive/conditional/{sent,not_modified,changed,remembered,discarded}.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._store: ValidatorStore | None = None
        self._seen: dict[str, tuple[Validators, Request]] = {}
        """Per URL, the validators of its 200 and its request, whose meta names the WARC record
        once the archive's writer thread has written it (before the spider sees the response)."""
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_CONDITIONAL_ENABLED"):
            raise NotConfigured("ARCHIVE_CONDITIONAL_ENABLED is off")
        return cls(crawler)

    @property
    def store(self) -> ValidatorStore:
        if self._store is None:
            assert self.crawler.spider is not None
            self._store = ValidatorStore(state_dir(self.crawler.settings) / FILE_NAME, self.crawler.spider.name)
        return self._store

    def process_request(self, request: Request) -> None:
        if not request.meta.get(META_KEY):
            return
        known = self.store.get(request.url)
        if known is None:
            return
        if known.etag:
            request.headers.setdefault("If-None-Match", known.etag)
        if known.last_modified:
            request.headers.setdefault("If-Modified-Since", known.last_modified)
        request.meta[ORIGINAL_META_KEY] = (
            {"record_id": known.warc_record_id, "date": known.warc_date} if known.warc_record_id else {}
        )
        self._inc("sent")

    def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get(META_KEY):
            return response
        if response.status == HTTPStatus.NOT_MODIFIED:
            self._inc("not_modified")
            logger.info("not modified since the last run, nothing new: %s", request.url)
            raise IgnoreRequest(f"304 Not Modified: {request.url}")
        if response.status == HTTPStatus.OK:
            self._remember(request, response)
        return response

    def _remember(self, request: Request, response: Response) -> None:
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        if etag is None and modified is None:
            return
        if ORIGINAL_META_KEY in request.meta:
            self._inc("changed")  # validators were sent, yet the page changed
        validators = Validators(
            etag.decode("latin-1") if etag else None, modified.decode("latin-1") if modified else None
        )
        self._seen[request.url] = (validators, request)

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._seen and reason == "finished":
            await self._records_durable()
            self.store.put_all({url: _with_record(v, request.meta) for url, (v, request) in self._seen.items()})
            self._inc("remembered", len(self._seen))
        elif self._seen:
            # A cut-short run may not have walked the pages behind these: the next run must read them in full.
            logger.info("run ended with %r: %d validators not remembered", reason, len(self._seen))
            self._inc("discarded", len(self._seen))
        if self._store is not None:
            self._store.close()

    async def _records_durable(self) -> None:
        """Wait until the WARC records the validators will name are fsynced: a listing page's
        callback does not wait for that (`crawler.warc.middleware`), and a validator naming a
        record a power cut took away would make the next run's revisit point at nothing."""
        if not self.crawler.settings.getbool("ARCHIVE_WARC_ENABLED"):
            return
        try:
            archiver = self.crawler.get_extension(WarcArchiver)
        except RuntimeError:  # no extensions: the middleware is driven on its own, not by a crawl
            return
        if archiver is not None:
            waits = [archiver.sync.durable(request) for _, request in self._seen.values()]
            await maybe_deferred_to_future(DeferredList(waits, consumeErrors=True))

    def _inc(self, event: str, count: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"archive/conditional/{event}", count)
