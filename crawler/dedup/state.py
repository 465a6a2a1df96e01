"""The persistent dedup state: which articles are stored, at which revision, and their fingerprints.

The state answers four questions for the dedup pipeline and the deltafetch middleware:
is this id stored (seen ids), what is its latest revision and content hash (revisions),
which id first stored exactly this content (content hashes), and which earlier article
is near-identical (near-duplicate index: MinHash signatures plus LSH band keys, see
`crawler.dedup.neardup`). `DedupState` is the interface; `SqliteDedupState` is the embedded
backend (one SQLite file in WAL mode, shared by every portal so that syndicated copies
across portals are found). A Redis backend implements the same Protocol with the same
semantics: `commit` is idempotent per (id, revision), and "earliest" means first committed.

The state is written only by `commit`, which the JSONL writer calls after a record's line
is durably on disk (see `pipelines/__init__.py`); so everything in the state is in the
export files, and the files can always rebuild the state.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object

from crawler.dedup.neardup import NearDupParams

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


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
    """MinHash signature of the body (`crawler.dedup.neardup`), None when too short or near-duplicates are off."""


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


# --- one store per crawler --------------------------------------------------------------------------------


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


BACKEND_ALIASES = {
    "sqlite": "crawler.dedup.sqlite.SqliteDedupState",
    "redis": "crawler.dedup.redis_state.RedisDedupState",
}
"""Short names accepted by ARCHIVE_DEDUP_BACKEND besides a dotted path."""


class DedupBackend(Protocol):
    """A dedup state class as ARCHIVE_DEDUP_BACKEND names it: built from the settings."""

    @classmethod
    def from_settings(cls, settings: BaseSettings, params: NearDupParams) -> DedupState: ...


def open_state(settings: BaseSettings) -> DedupState:
    """The dedup store named by ARCHIVE_DEDUP_BACKEND (a dotted path, as Scrapy's HTTPCACHE_STORAGE)."""
    name = settings.get("ARCHIVE_DEDUP_BACKEND") or "sqlite"
    try:
        backend: DedupBackend = load_object(BACKEND_ALIASES.get(name, name))
    except (ImportError, NameError, ValueError) as exc:
        raise NotConfigured(f"ARCHIVE_DEDUP_BACKEND={name!r}: {exc}") from exc
    # Distributed mode always shares the state (the add-on names the Redis backend; this holds even
    # where add-ons are not applied): a worker-local store would let two workers store one article.
    if settings.get("ARCHIVE_REDIS_URL") and not hasattr(backend, "claim"):
        backend = load_object(BACKEND_ALIASES["redis"])
    return backend.from_settings(settings, near_dup_params(settings))
