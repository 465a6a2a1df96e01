"""The persistent dedup state: which articles are stored, at which revision, and their fingerprints.

The state answers four questions for the dedup pipeline and the deltafetch middleware:
is this id stored (seen ids), what is its latest revision and content hash (revisions),
which id first stored exactly this content (content hashes), and which earlier article
is near-identical (near-duplicate index: MinHash signatures plus LSH band keys, see
`crawler.neardup`). `DedupState` is the interface; `SqliteDedupState` is the embedded
backend (one SQLite file in WAL mode, shared by every portal so that syndicated copies
across portals are found). A Redis backend implements the same Protocol with the same
semantics: `commit` is idempotent per (id, revision), and "earliest" means first committed.

The state is written only by `commit`, which the JSONL writer calls after a record's line
is durably on disk (see `pipelines/__init__.py`); so everything in the state is in the
export files, and the files can always rebuild the state.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.neardup import Fingerprinter, NearDupParams

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

STATE_DIR_NAME = ".state"
"""Default state directory, inside the exports root (hidden, so it is never taken for a portal)."""


class StateError(RuntimeError):
    """The state store cannot be used as configured (e.g. near-duplicate parameters differ from the stored ones)."""


@dataclass(frozen=True)
class Revision:
    """The latest stored version of an article."""

    record_id: str
    revision: int
    content_hash: str


@dataclass(frozen=True)
class StoredRecord:
    """What committing one durably written record adds to the state."""

    record_id: str
    revision: int
    content_hash: str
    signature: bytes | None = None
    """MinHash signature of the body (`crawler.neardup`), None when too short or near-duplicates are off."""


class DedupState(Protocol):
    """Seen ids, revisions, content hashes and the near-duplicate index, persistent across runs."""

    @property
    def state_id(self) -> str:
        """Random id of this store, written into manifests: a new store means the files must be re-indexed."""
        ...

    def is_stored(self, record_id: str) -> bool: ...

    def latest(self, record_id: str) -> Revision | None: ...

    def first_with_hash(self, content_hash: str) -> str | None:
        """The id that first stored exactly this content, if any."""
        ...

    def nearest(self, signature: bytes, *, exclude: str) -> str | None:
        """The earliest stored id (other than `exclude`) whose text is near-identical to `signature`'s."""
        ...

    def commit(self, records: Sequence[StoredRecord]) -> int:
        """Mark records stored, atomically; idempotent per (id, revision). Returns how many were new."""
        ...

    def close(self) -> None: ...


CLAIM_NEW, CLAIM_OWN, CLAIM_LOST = 1, 0, -1
"""`ClaimingState.claim` outcomes: newly stored by this writer; stored by this writer before; another writer's."""


@runtime_checkable
class ClaimingState(DedupState, Protocol):
    """A state shared by several writers (distributed mode): a commit can lose to another writer's."""

    writer: str

    def claim(self, records: Sequence[StoredRecord]) -> list[int]:
        """`commit`, telling per record who owns its (id, revision) now: CLAIM_NEW, CLAIM_OWN or CLAIM_LOST."""
        ...


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


class SqliteDedupState:
    """`DedupState` in one SQLite file (WAL mode, synchronous=FULL, so a commit survives power loss).

    Hashes are stored as 32-byte blobs and the keyed tables are WITHOUT ROWID, which keeps
    one million ids with their hashes well under 200 MB. Several processes (different
    portals) may share the file: WAL lets readers run beside the one writer, and writers
    wait up to `busy_timeout_ms` for each other.
    """

    def __init__(self, path: Path, params: NearDupParams, *, busy_timeout_ms: int = 30_000) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        self.path = path
        self.fingerprinter = Fingerprinter(params)
        self._db = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._state_id = self._init_meta(params)

    def _init_meta(self, params: NearDupParams) -> str:
        wanted = {"state_id": uuid.uuid4().hex, "near_num_perm": str(params.num_perm),
                  "near_bands_rows": "{}x{}".format(*params.bands_rows)}  # fmt: skip
        with self._transaction():
            self._db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", wanted.items())
            stored = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        for key in ("near_num_perm", "near_bands_rows"):
            if stored[key] != wanted[key]:
                raise StateError(f"{self.path}: stored {key}={stored[key]} differs from the settings' {wanted[key]}")
        return str(stored["state_id"])

    def _transaction(self) -> sqlite3.Connection:
        # `with connection` commits or rolls back; BEGIN IMMEDIATE takes the write lock up front,
        # so a concurrent writer waits instead of failing half-way with SQLITE_BUSY.
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    @property
    def state_id(self) -> str:
        return self._state_id

    def is_stored(self, record_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM revisions WHERE id = ? LIMIT 1", (record_id,)).fetchone() is not None

    def latest(self, record_id: str) -> Revision | None:
        row = self._db.execute(
            "SELECT revision, content_hash FROM revisions WHERE id = ? ORDER BY revision DESC LIMIT 1", (record_id,)
        ).fetchone()
        return Revision(record_id, row[0], bytes(row[1]).hex()) if row else None

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
        with self._transaction() as db:
            for record in records:
                added += self._commit_one(db, record)
        return added

    def _commit_one(self, db: sqlite3.Connection, record: StoredRecord) -> int:
        latest = self.latest(record.record_id)
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


def _blob(content_hash: str) -> bytes:
    # A malformed hash (validation warns about it) is stored as its text rather than lost.
    try:
        return bytes.fromhex(content_hash)
    except ValueError:
        return content_hash.encode()


# --- one store per crawler --------------------------------------------------------------------------------


def state_dir(settings: BaseSettings) -> Path:
    """ARCHIVE_STATE_DIR, or `<ARCHIVE_EXPORTS_DIR>/.state` when it is empty."""
    configured = settings.get("ARCHIVE_STATE_DIR") or ""
    return Path(configured) if configured else Path(settings.get("ARCHIVE_EXPORTS_DIR", "exports")) / STATE_DIR_NAME


def near_dup_params(settings: BaseSettings) -> NearDupParams:
    return NearDupParams(
        threshold=settings.getfloat("ARCHIVE_DEDUP_NEAR_THRESHOLD"),
        num_perm=settings.getint("ARCHIVE_DEDUP_NEAR_PERMUTATIONS"),
        min_words=settings.getint("ARCHIVE_DEDUP_NEAR_MIN_WORDS"),
    )


_SHARED: WeakKeyDictionary[Crawler, DedupState] = WeakKeyDictionary()


def shared_state(crawler: Crawler) -> DedupState:
    """The crawler's dedup state (opened on first use, closed when the spider closes), shared by all components.

    Settings: ARCHIVE_DEDUP_BACKEND, ARCHIVE_STATE_DIR, ARCHIVE_EXPORTS_DIR, ARCHIVE_DEDUP_NEAR_*,
    and for the "redis" backend ARCHIVE_REDIS_URL, ARCHIVE_REDIS_PREFIX, ARCHIVE_WORKER_ID.
    """
    if crawler not in _SHARED:
        state = open_state(crawler.settings)
        crawler.signals.connect(state.close, signal=signals.spider_closed)
        _SHARED[crawler] = state
    return _SHARED[crawler]


def open_state(settings: BaseSettings) -> DedupState:
    """The dedup store: SQLite (one local file), or Redis in distributed mode (`crawler.state_redis`)."""
    url = settings.get("ARCHIVE_REDIS_URL") or ""
    # Distributed mode always shares the state: a worker-local store would let two workers store one article.
    backend = "redis" if url else settings.get("ARCHIVE_DEDUP_BACKEND", "sqlite")
    if backend == "redis":
        # Imported here: without distributed mode nothing needs the redis package or a server.
        from crawler.distributed import redis_prefix, worker_id
        from crawler.state_redis import RedisDedupState

        if not url:
            raise NotConfigured("ARCHIVE_DEDUP_BACKEND='redis' needs ARCHIVE_REDIS_URL")
        redis_state = RedisDedupState.from_url(url, near_dup_params(settings), writer=worker_id(settings),
                                               prefix=redis_prefix(settings))  # fmt: skip
        logger.info("dedup state: redis %s as writer %s (state id %s)", url, redis_state.writer, redis_state.state_id)
        return redis_state
    if backend != "sqlite":
        raise NotConfigured(f"ARCHIVE_DEDUP_BACKEND={backend!r}: use 'sqlite' or 'redis'")
    path = state_dir(settings) / "dedup.sqlite3"
    state = SqliteDedupState(path, near_dup_params(settings))
    logger.info("dedup state: %s (state id %s)", path, state.state_id)
    return state
