"""Resumable listing walks: a durable checkpoint per portal and listing, so an interrupted walk is finished later.

A scheduled run stops walking a listing at the first page holding only stored articles
(`PortalSpider._only_stored`). That is only sound if the pages below were walked by an
earlier run: after a kill, SIGTERM or a full disk part-way through a walk, the pages the
run never reached hold articles nobody discovered, and the frontier cannot re-issue what
it never saw. So each listing keeps a checkpoint in `<state dir>/walks.sqlite3`:

- `anchor`: the article ids of page 1 when the last *finished* walk began. Everything from
  there down the listing was walked by finished walks (each one reached the anchor of the
  one before it, the first one the listing's end).
- `started`, `pages_done`: the walk in progress (ids of its page 1, listing pages whose
  links are durably in the frontier); left behind by an interrupted run, logged by the next.

A walk may stop early only on a page at or past one holding an anchor id (`covers`); with
no finished walk yet it goes to the listing's end (or ARCHIVE_MAX_LISTING_PAGES). A walk
finishes when it stops early or reaches the end, and its page-1 ids become the anchor. A
page counts as done only after the frontier middleware has remembered its article
requests (this middleware runs after it), so a page that is done is never lost.
Backfills (`since`/`until`) end by date, not at the listing's end, and do not take part.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.durable import open_sqlite
from crawler.paths import state_dir

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

WALK_META = "archive_walk"
"""Request/response meta of a listing page in a walk: {"start": page-1 ids, "covered": bool, "end": bool}."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS walks (
    portal TEXT NOT NULL, listing TEXT NOT NULL, anchor TEXT, started TEXT, pages_done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (portal, listing)
) WITHOUT ROWID;
"""


def _setup(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(_SCHEMA)


class WalkCheckpoint:
    """Listing-walk checkpoints of one portal in `<state dir>/walks.sqlite3` (each change one transaction)."""

    def __init__(self, path: Path, portal: str) -> None:
        self.portal = portal
        # An unreadable file is moved aside: no anchor then, so the next walk goes to the listing's end.
        self._db = open_sqlite(path, _setup)

    def anchor(self, listing: str) -> frozenset[str] | None:
        """Page-1 ids of the last finished walk of `listing`; None when no walk of it has finished."""
        row = self._row(listing)
        return frozenset(json.loads(row[0])) if row and row[0] is not None else None

    def unfinished(self, listing: str) -> int | None:
        """Pages an interrupted walk of `listing` had completed; None when no walk is unfinished."""
        row = self._row(listing)
        return row[2] if row and row[1] is not None else None

    def begin(self, listing: str, start: list[str]) -> None:
        self._db.execute(
            "INSERT INTO walks (portal, listing, started, pages_done) VALUES (?, ?, ?, 0)"
            " ON CONFLICT (portal, listing) DO UPDATE SET started = excluded.started, pages_done = 0",
            (self.portal, listing, json.dumps(start)),
        )

    def page_done(self, listing: str, number: int) -> None:
        self._db.execute(
            "UPDATE walks SET pages_done = max(pages_done, ?) WHERE portal = ? AND listing = ?",
            (number, self.portal, listing),
        )

    def finish(self, listing: str, start: list[str]) -> None:
        """The walk that began with page-1 ids `start` reached covered ground or the listing's end."""
        self._db.execute(
            "INSERT INTO walks (portal, listing, anchor) VALUES (?, ?, ?) ON CONFLICT (portal, listing)"
            " DO UPDATE SET anchor = excluded.anchor, started = NULL, pages_done = 0",
            (self.portal, listing, json.dumps(start)),
        )

    def close(self) -> None:
        self._db.close()

    def _row(self, listing: str) -> tuple[str | None, str | None, int] | None:
        query = "SELECT anchor, started, pages_done FROM walks WHERE portal = ? AND listing = ?"
        row: tuple[str | None, str | None, int] | None = self._db.execute(query, (self.portal, listing)).fetchone()
        return row


_checkpoints: WeakKeyDictionary[Crawler, WalkCheckpoint] = WeakKeyDictionary()


def walk_checkpoint(crawler: Crawler) -> WalkCheckpoint | None:
    """The crawler's walk checkpoint (opened on first use), or None when ARCHIVE_WALK_CHECKPOINT_ENABLED is off."""
    if not crawler.settings.getbool("ARCHIVE_WALK_CHECKPOINT_ENABLED"):
        return None
    if crawler not in _checkpoints:
        assert crawler.spider is not None
        checkpoint = WalkCheckpoint(state_dir(crawler.settings) / "walks.sqlite3", crawler.spider.name)
        _checkpoints[crawler] = checkpoint
        crawler.signals.connect(checkpoint.close, signal=signals.spider_closed, weak=False)
    return _checkpoints[crawler]


def covers(crawler: Crawler, listing: str, ids: Iterable[str]) -> bool:
    """Whether a page linking `ids` is at or past the last finished walk's page 1 (always, when switched off)."""
    checkpoint = walk_checkpoint(crawler)
    if checkpoint is None:
        return True
    anchor = checkpoint.anchor(listing)
    return anchor is not None and not anchor.isdisjoint(ids)


def walk_unfinished(crawler: Crawler, listing: str) -> bool:
    """Whether an interrupted walk of `listing` is waiting to be finished (its page 1 must not be a 304)."""
    checkpoint = walk_checkpoint(crawler)
    return checkpoint is not None and checkpoint.unfinished(listing) is not None


def end_walk(crawler: Crawler, listing: str, start: list[str]) -> None:
    """The walk that began with page-1 ids `start` met the listing's end (a page past it answered 404)."""
    checkpoint = walk_checkpoint(crawler)
    if checkpoint is not None:
        checkpoint.finish(listing, start)
        if crawler.stats is not None:
            crawler.stats.inc_value("archive/walk/finished")


class WalkCheckpointMiddleware:
    """Spider middleware: records each listing page of a walk once its links are remembered; finishes walks.

    Runs after the frontier middleware (a lower priority number), so a page is marked done
    only once its article requests are durably in the frontier.
    Settings: ARCHIVE_WALK_CHECKPOINT_ENABLED. Request meta: archive_walk, archive_listing,
    archive_listing_page. Stats: archive/walk/{resumed,finished}.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_WALK_CHECKPOINT_ENABLED"):
            raise NotConfigured("ARCHIVE_WALK_CHECKPOINT_ENABLED is off")
        return cls(crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        outputs = list(result)
        self.record(response)
        yield from outputs

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        outputs = [output async for output in result]
        self.record(response)
        for output in outputs:
            yield output

    def record(self, response: Response) -> None:
        """Checkpoint the listing page `response` (its outputs are remembered by now)."""
        walk = response.meta.get(WALK_META)
        checkpoint = walk_checkpoint(self.crawler)
        if not walk or checkpoint is None:
            return
        listing, number = response.meta["archive_listing"], response.meta.get("archive_listing_page", 1)
        if number == 1:
            interrupted = checkpoint.unfinished(listing)
            if interrupted is not None:
                logger.info("listing %s: a walk was interrupted after %d pages; this walk finishes it", listing,
                            interrupted)  # fmt: skip
                self._inc("resumed")
            checkpoint.begin(listing, walk["start"])
        if walk.get("end"):
            end_walk(self.crawler, listing, walk["start"])
        else:
            checkpoint.page_done(listing, number)

    def _inc(self, event: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"archive/walk/{event}")
