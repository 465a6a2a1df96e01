"""The dedup state in one SQLite file: the single-machine backend (the default ARCHIVE_DEDUP_BACKEND)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.dedup.neardup import Fingerprinter, NearDupParams
from crawler.dedup.state import Revision, StateError, StoredRecord
from crawler.durable import open_sqlite
from crawler.paths import state_dir

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

FILE_NAME = "dedup.sqlite3"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS revisions (
    id TEXT NOT NULL, revision INTEGER NOT NULL, content_hash BLOB NOT NULL, PRIMARY KEY (id, revision)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hashes (content_hash BLOB PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS near (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, signature BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS near_bands (
    key INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (key, seq)
) WITHOUT ROWID;
"""


def _setup(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.executescript(_SCHEMA)
    db.execute("SELECT count(*) FROM meta").fetchone()  # reads a page: a damaged file fails here, not later


class SqliteDedupState:
    """`DedupState` in one SQLite file (WAL mode, synchronous=FULL, so a commit survives power loss).

    Hashes are stored as 32-byte blobs and the keyed tables are WITHOUT ROWID, which keeps
    one million ids with their hashes well under 200 MB. Several processes (different
    portals) may share the file: WAL lets readers run beside the one writer, and writers
    wait up to `busy_timeout_ms` for each other.

    Commits go through a connection of their own, so that they can run in a worker thread
    (`commit_in_thread`: the group commit does so, and the crawl goes on during the
    transaction's fsync) while the lookups go on in the reactor thread on the other
    connection, each reading the last committed state (WAL).
    """

    commit_in_thread = True
    """`commit` may be called from any thread (one at a time), beside lookups in the thread that opened the state."""

    @classmethod
    def from_settings(cls, settings: BaseSettings, params: NearDupParams) -> SqliteDedupState:
        """`<ARCHIVE_STATE_DIR>/dedup.sqlite3`."""
        path = state_dir(settings) / FILE_NAME
        state = cls(path, params)
        logger.info("dedup state: %s (state id %s)", path, state.state_id)
        return state

    def __init__(self, path: Path, params: NearDupParams, *, busy_timeout_ms: int = 30_000) -> None:
        self.path = path
        self.fingerprinter = Fingerprinter(params)
        # An unreadable file is moved aside and a new state started: its new state id makes the
        # JSONL writer replay every export line into it (`crawler.store.writer`), rebuilding it.
        self._db = open_sqlite(path, _setup, timeout=busy_timeout_ms / 1000)
        self._writer = sqlite3.connect(
            path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
        )
        self._writer.execute("PRAGMA synchronous=FULL")
        self._writing = threading.Lock()
        self._state_id = self._init_meta(params)

    def _init_meta(self, params: NearDupParams) -> str:
        wanted = {"state_id": uuid.uuid4().hex, "near_num_perm": str(params.num_perm),
                  "near_bands_rows": "{}x{}".format(*params.bands_rows)}  # fmt: skip
        with self._transaction() as db:
            db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", wanted.items())
            stored = dict(db.execute("SELECT key, value FROM meta").fetchall())
        for key in ("near_num_perm", "near_bands_rows"):
            if stored[key] != wanted[key]:
                raise StateError(f"{self.path}: stored {key}={stored[key]} differs from the settings' {wanted[key]}")
        return str(stored["state_id"])

    def _transaction(self) -> sqlite3.Connection:
        # `with connection` commits or rolls back; BEGIN IMMEDIATE takes the write lock up front,
        # so a concurrent writer waits instead of failing half-way with SQLITE_BUSY.
        self._writer.execute("BEGIN IMMEDIATE")
        return self._writer

    @property
    def state_id(self) -> str:
        return self._state_id

    def is_stored(self, record_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM revisions WHERE id = ? LIMIT 1", (record_id,)).fetchone() is not None

    def latest(self, record_id: str) -> Revision | None:
        return _latest(self._db, record_id)

    def first_with_hash(self, content_hash: str) -> str | None:
        row = self._db.execute("SELECT id FROM hashes WHERE content_hash = ?", (_blob(content_hash),)).fetchone()
        return str(row[0]) if row else None

    def nearest(self, signature: bytes, *, exclude: str) -> str | None:
        keys = self.fingerprinter.band_keys(signature)
        rows = self._db.execute(
            f"SELECT id, signature FROM near WHERE seq IN (SELECT seq FROM near_bands WHERE key IN "
            f"({','.join('?' * len(keys))})) ORDER BY seq",
            keys,
        ).fetchall()
        threshold = self.fingerprinter.params.threshold
        for record_id, stored in rows:
            if record_id != exclude and self.fingerprinter.similarity(signature, bytes(stored)) >= threshold:
                return str(record_id)
        return None

    def commit(self, records: Sequence[StoredRecord]) -> int:
        added = 0
        with self._writing, self._transaction() as db:
            for record in records:
                added += self._commit_one(db, record)
        return added

    def _commit_one(self, db: sqlite3.Connection, record: StoredRecord) -> int:
        latest = _latest(db, record.record_id)
        inserted = db.execute(
            "INSERT OR IGNORE INTO revisions VALUES (?, ?, ?)",
            (record.record_id, record.revision, _blob(record.content_hash)),
        ).rowcount
        if not inserted:
            return 0
        db.execute("INSERT OR IGNORE INTO hashes VALUES (?, ?)", (_blob(record.content_hash), record.record_id))
        # Replayed records may arrive out of revision order; the index follows the newest text only.
        if record.signature is not None and (latest is None or record.revision > latest.revision):
            self._index_signature(db, record.record_id, record.signature)
        return 1

    def _index_signature(self, db: sqlite3.Connection, record_id: str, signature: bytes) -> None:
        row = db.execute("SELECT seq, signature FROM near WHERE id = ?", (record_id,)).fetchone()
        if row is None:
            seq = db.execute("INSERT INTO near (id, signature) VALUES (?, ?)", (record_id, signature)).lastrowid
        else:
            # A revision keeps the article's place in the "earliest" order but replaces its text.
            seq = row[0]
            old_keys = self.fingerprinter.band_keys(bytes(row[1]))
            db.executemany("DELETE FROM near_bands WHERE key = ? AND seq = ?", [(k, seq) for k in old_keys])
            db.execute("UPDATE near SET signature = ? WHERE seq = ?", (signature, seq))
        keys = self.fingerprinter.band_keys(signature)
        db.executemany("INSERT OR IGNORE INTO near_bands VALUES (?, ?)", [(k, seq) for k in keys])

    def close(self) -> None:
        self._db.close()
        with self._writing:
            self._writer.close()


def _latest(db: sqlite3.Connection, record_id: str) -> Revision | None:
    row = db.execute(
        "SELECT revision, content_hash FROM revisions WHERE id = ? ORDER BY revision DESC LIMIT 1", (record_id,)
    ).fetchone()
    return Revision(record_id, row[0], bytes(row[1]).hex()) if row else None


def _blob(content_hash: str) -> bytes:
    # A malformed hash (validation warns about it) is stored as its text rather than lost.
    try:
        return bytes.fromhex(content_hash)
    except ValueError:
        return content_hash.encode()
