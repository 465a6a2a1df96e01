"""Item pipelines: validate (100) -> dedup (200) -> jsonl (300), one job each; and their hand-off.

Order of side effects is the correctness rule: an article is marked stored only after its
line is durably written, so a kill -9 at any instant loses nothing (what was not durable
is fetched again by the next run) and duplicates nothing (what was durable is found again,
see below). The three steps are split across two pipelines:

1. `DedupPipeline` *decides*, reading the dedup state only: drop (unchanged or duplicate),
   or keep with `revision`, `previous_hash` and `near_duplicate_of` set. It records the
   decision in the crawler's `Ledger` as a claim (so a second copy of the same id arriving
   before the first is committed is still recognised) and writes nothing.
2. `JsonLinesPipeline` *writes*: one line at once; the lines of a small group are fsynced
   together, then `Ledger.commit_batch` marks the group stored in the state (one
   transaction), then the manifest is replaced (`pipelines.groupcommit`). Until then the
   claims stay in the ledger, so dedup sees those records as in flight: a copy arriving
   meanwhile is dropped, a revision follows the claimed one, a syndicated copy links to it.
3. If the process dies between the write and the commit, the next run's writer finds the
   lines beyond the manifest's byte count and replays them into the state (`Ledger.replay`,
   idempotent), before any request is made. (A line still unsynced at a power cut may be
   gone, but it was never marked stored either: its article is fetched again.)

Distributed mode (several workers, one Redis state, `crawler.dedup.state.ClaimingState`) adds one
rule, for the window between one worker's write and its commit: the commit is an atomic
claim of (id, revision), and the first worker to claim a version owns it. A worker whose
claim loses (another worker wrote and claimed the same version meanwhile) cuts its own
line off again before publishing it (`PortalWriter.drop`); a worker killed inside the
window leaves the line beyond its manifest's count, so no reader sees it, and its next
start replays the line as a claim and cuts it out if it lost. Claiming only after the
fsync keeps the first rule: a claimed version is always on some worker's disk.

Neither pipeline knows a portal: the record's `portal` field only names its directory.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from itemadapter import ItemAdapter

from crawler.dedup.neardup import Fingerprinter
from crawler.dedup.state import (
    CLAIM_LOST,
    CLAIM_NEW,
    ClaimingState,
    DedupState,
    Revision,
    StoredRecord,
    near_dup_params,
    shared_state,
)
from crawler.store.writer import Replayed

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


@dataclass(frozen=True)
class Claim:
    """A decision of the dedup pipeline waiting for its line to be written."""

    revision: int
    content_hash: str
    signature: bytes | None


class Ledger:
    """The dedup state plus the claims between decision and durable write, one per crawler."""

    def __init__(self, state: DedupState, fingerprinter: Fingerprinter | None) -> None:
        self.state = state
        self.fingerprinter = fingerprinter
        self.claims: dict[str, Claim] = {}
        self.written: set[str] = set()
        """Ids written by this run, to tell in-run duplicates from unchanged re-fetches."""

    def previous(self, record_id: str) -> Revision | None:
        """The version a new record of `record_id` would follow: an in-flight claim, else the stored latest."""
        claim = self.claims.get(record_id)
        if claim is not None:
            return Revision(record_id, claim.revision, claim.content_hash)
        return self.state.latest(record_id)

    def signature(self, body: str) -> bytes | None:
        return self.fingerprinter.signature(body) if self.fingerprinter else None

    def claim(self, record_id: str, claim: Claim) -> None:
        self.claims[record_id] = claim

    def release(self, record_id: str) -> None:
        """Forget a claim whose write failed: the article stays unstored and is fetched again."""
        self.claims.pop(record_id, None)

    def first_with_hash(self, content_hash: str) -> str | None:
        """`DedupState.first_with_hash`, counting records in flight (claimed, not yet committed) after stored ones."""
        found = self.state.first_with_hash(content_hash)
        if found is None:
            found = next((rid for rid, claim in self.claims.items() if claim.content_hash == content_hash), None)
        return found

    def nearest(self, signature: bytes, *, exclude: str) -> str | None:
        """`DedupState.nearest`, counting records in flight after stored ones (as if committed one by one)."""
        found = self.state.nearest(signature, exclude=exclude)
        if found is None and self.fingerprinter is not None:
            threshold = self.fingerprinter.params.threshold
            for record_id, claim in self.claims.items():
                if record_id != exclude and claim.signature is not None and \
                        self.fingerprinter.similarity(signature, claim.signature) >= threshold:  # fmt: skip
                    return record_id
        return found

    def commit(self, record: Mapping[str, Any]) -> bool:
        """`commit_batch` of one record."""
        return self.commit_batch([record])[0]

    def commit_batch(self, records: Sequence[Mapping[str, Any]]) -> list[bool]:
        """Mark durably written records stored, in one state transaction. Call only after their lines are fsynced.

        Per record, False: another writer (distributed mode) committed this version first; take the line back.
        The three steps may be taken apart (`pipelines.groupcommit` runs `store` in a worker thread).
        """
        stored = self.prepare(records)
        kept = self.store(stored)
        self.settle(records, kept)
        return kept

    def prepare(self, records: Sequence[Mapping[str, Any]]) -> list[StoredRecord]:
        """What `store` writes for `records`; their claims stay until `settle`, so dedup still sees them in flight."""
        return [_stored(record, self._signature_of(record)) for record in records]

    def store(self, stored: Sequence[StoredRecord]) -> list[bool]:
        """The state transaction of `commit_batch`; in any thread when the state's `commit_in_thread` says so."""
        if isinstance(self.state, ClaimingState):
            return [status != CLAIM_LOST for status in self.state.claim(stored)]
        self.state.commit(stored)
        return [True] * len(stored)

    def settle(self, records: Sequence[Mapping[str, Any]], kept: Sequence[bool]) -> None:
        """End the claims of stored records (unless a later revision of the same id holds it now)."""
        for record, ok in zip(records, kept, strict=True):
            if self._holds_claim(record):
                del self.claims[record["id"]]
            if ok:
                self.written.add(record["id"])

    def _holds_claim(self, record: Mapping[str, Any]) -> bool:
        claim = self.claims.get(record["id"])
        return claim is not None and (claim.revision, claim.content_hash) == (
            record.get("revision"),
            record["content_hash"],
        )

    def _signature_of(self, record: Mapping[str, Any]) -> bytes | None:
        if self._holds_claim(record):
            return self.claims[record["id"]].signature
        return self.signature(record.get("body") or "")

    def replay(self, records: list[dict[str, Any]]) -> Replayed:
        """Commit records read back from the export files (crash recovery)."""
        indexes = [i for i, r in enumerate(records) if _has_identity(r)]
        stored = [_stored(records[i], self.signature(records[i].get("body") or "")) for i in indexes]
        if not isinstance(self.state, ClaimingState):
            return Replayed(self.state.commit(stored))
        statuses = self.state.claim(stored)
        lost = {i for i, status in zip(indexes, statuses, strict=True) if status == CLAIM_LOST}
        return Replayed(statuses.count(CLAIM_NEW), lost)


def as_record(item: Any) -> dict[str, Any]:
    """`ItemAdapter(item).asdict()`: the item as plain dicts and lists, as it is validated and written.

    For dataclass items (`ArticleItem`) the same dict as `dataclasses.asdict`, built without
    its deep copy of every string and number (immutable, so shared safely): 0.04 instead of
    0.09 ms per article, and it runs twice per item (validation, then the JSONL line).
    """
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return _plain_dataclass(item)
    return ItemAdapter(item).asdict()


_ATOMS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    if type(value) in _ATOMS:
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain_dataclass(value)
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return type(value)(_plain(v) for v in value)
    return copy.deepcopy(value)  # anything else (a namedtuple, a set...) exactly as dataclasses.asdict would


def _plain_dataclass(value: Any) -> dict[str, Any]:
    names = _FIELD_NAMES.get(type(value))
    if names is None:
        names = _FIELD_NAMES[type(value)] = tuple(field.name for field in dataclasses.fields(value))
    return {name: _plain(getattr(value, name)) for name in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _stored(record: Mapping[str, Any], signature: bytes | None) -> StoredRecord:
    return StoredRecord(str(record["id"]), int(record.get("revision") or 0), str(record["content_hash"]), signature)


def _has_identity(record: Any) -> bool:
    return isinstance(record, dict) and all(isinstance(record.get(key), str) for key in ("id", "content_hash"))


_LEDGERS: WeakKeyDictionary[Crawler, Ledger] = WeakKeyDictionary()


def ledger_for(crawler: Crawler) -> Ledger:
    """The crawler's ledger (shared by the dedup and JSONL pipelines).

    Settings: ARCHIVE_DEDUP_NEAR_ENABLED, ARCHIVE_DEDUP_NEAR_* (and the state's, see `crawler.dedup.state`).
    """
    if crawler not in _LEDGERS:
        near = crawler.settings.getbool("ARCHIVE_DEDUP_NEAR_ENABLED")
        fingerprinter = Fingerprinter(near_dup_params(crawler.settings)) if near else None
        _LEDGERS[crawler] = Ledger(shared_state(crawler), fingerprinter)
    return _LEDGERS[crawler]
