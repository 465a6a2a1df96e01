"""Where each (target URI, payload digest) was first stored: the lookup behind revisit records.

A small SQLite database beside the WARC files (`payloads.sqlite3`), shared by runs and by
portals (keys are full URIs, so portals never collide). WAL mode lets two portals' crawls
use it at once. An entry may outlive its record (a power cut before the fsync, a torn
tail cut off after a crash, a file removed by retention), so the writer checks that the
file still reaches past the record's offset before writing a revisit.

New entries are kept in memory and inserted `FLUSH_EVERY` at a time in one transaction (and
when a WARC file is finished or the index closes): one write transaction per response cost more than the lookup. A
crash loses at most the entries not yet inserted, whose payloads are then stored in full
once more rather than as revisits, as after a power cut.

During a crawl the index is used by the archiver's writer thread, having been opened in the
reactor thread (and closed there once the writer has stopped): one thread at a time, never
two at once.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from crawler.durable import open_sqlite
from crawler.warc.records import PayloadRef

INDEX_NAME = "payloads.sqlite3"
FLUSH_EVERY = 64

logger = logging.getLogger(__name__)


def _setup(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL is durable against a process crash; a lost entry after a power cut only
    # means the next identical payload is stored in full once more.
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS payloads (uri TEXT NOT NULL, digest TEXT NOT NULL,"
        " record_id TEXT NOT NULL, date TEXT NOT NULL, warc_file TEXT NOT NULL, offset INTEGER NOT NULL,"
        " PRIMARY KEY (uri, digest)) WITHOUT ROWID"
    )


class PayloadIndex:
    """`warn(message, *args)` reports entries that could not be saved (a logger's `warning` by default)."""

    def __init__(self, path: Path, *, warn: Callable[..., None] = logger.warning) -> None:
        # An unreadable index is moved aside: payloads are then stored in full once more.
        # Not bound to the opening thread: the archiver's writer thread uses it (serially) during a crawl.
        self._db = open_sqlite(path, _setup, check_same_thread=False)
        self._pending: dict[tuple[str, str], PayloadRef] = {}
        self._warn = warn

    def find(self, uri: str, digest: str) -> PayloadRef | None:
        pending = self._pending.get((uri, digest))
        if pending is not None:
            return pending
        row = self._db.execute(
            "SELECT record_id, date, warc_file, offset FROM payloads WHERE uri = ? AND digest = ?", (uri, digest)
        ).fetchone()
        return PayloadRef(*row) if row else None

    def add(self, uri: str, digest: str, ref: PayloadRef) -> None:
        # The first stored copy stays the reference: revisits always point at a full record.
        self._pending.setdefault((uri, digest), ref)
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Insert the entries kept in memory, in one transaction."""
        if not self._pending:
            return
        rows = [(uri, digest, r.record_id, r.date, r.warc_file, r.offset) for (uri, digest), r in self._pending.items()]
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR IGNORE INTO payloads VALUES (?, ?, ?, ?, ?, ?)", rows)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:  # a full disk: losing entries only costs storage, never a record
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            self._warn(
                "revisit index: %d entries not saved (%s); those payloads are stored in full again", len(rows), exc
            )
        self._pending.clear()

    def forget(self, uri: str, digest: str) -> None:
        self._pending.pop((uri, digest), None)
        self._db.execute("DELETE FROM payloads WHERE uri = ? AND digest = ?", (uri, digest))

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._db.close()
