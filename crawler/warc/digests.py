"""Where each (target URI, payload digest) was first stored: the lookup behind revisit records.

A small SQLite database beside the WARC files (`payloads.sqlite3`), shared by runs and by
portals (keys are full URIs, so portals never collide). WAL mode lets two portals' crawls
use it at once. An entry may outlive its record (a power cut before the fsync, a torn
tail cut off after a crash, a file removed by retention), so the writer checks that the
file still reaches past the record's offset before writing a revisit.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crawler.durable import open_sqlite
from crawler.warc.records import PayloadRef

INDEX_NAME = "payloads.sqlite3"


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
    def __init__(self, path: Path) -> None:
        # An unreadable index is moved aside: payloads are then stored in full once more.
        self._db = open_sqlite(path, _setup)

    def find(self, uri: str, digest: str) -> PayloadRef | None:
        row = self._db.execute(
            "SELECT record_id, date, warc_file, offset FROM payloads WHERE uri = ? AND digest = ?", (uri, digest)
        ).fetchone()
        return PayloadRef(*row) if row else None

    def add(self, uri: str, digest: str, ref: PayloadRef) -> None:
        # The first stored copy stays the reference: revisits always point at a full record.
        self._db.execute(
            "INSERT OR IGNORE INTO payloads VALUES (?, ?, ?, ?, ?, ?)",
            (uri, digest, ref.record_id, ref.date, ref.warc_file, ref.offset),
        )

    def forget(self, uri: str, digest: str) -> None:
        self._db.execute("DELETE FROM payloads WHERE uri = ? AND digest = ?", (uri, digest))

    def close(self) -> None:
        self._db.close()
