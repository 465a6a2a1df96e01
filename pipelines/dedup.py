"""Deduplication: drop what is already stored, number revisions, summarise their changes, link near-duplicates.

This pipeline only decides; it never marks an article stored (the JSONL writer does that
after the fsync, see `pipelines/__init__.py`). The previous revision's text for a
revision's `revision_diff` is read back from the export files (`crawler.dedup.revisions`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from crawler.dedup.revisions import PreviousRevisions, revision_diff
from crawler.items import RevisionDiff
from crawler.paths import exports_dir
from pipelines import Claim, Ledger, ledger_for

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from crawler.dedup.state import Revision

logger = logging.getLogger(__name__)


class DedupPipeline:
    """Identity is the record `id`; a change of `content_hash` is a new revision.

    * same id, same content_hash as the latest stored version: dropped, `unchanged`
      (a re-fetch with `-a refresh=1`), or `duplicate` when this run already wrote it;
    * same id, other content_hash: kept with `revision` = previous + 1, `previous_hash` and
      `revision_diff` against the previous revision's record in the export files (when that
      cannot be read, e.g. another machine's worker wrote it: null, with a warning);
    * new id: kept with `revision` 0;
    * kept records get `near_duplicate_of` = the earliest stored other id with the same
      content_hash, else with near-identical text (MinHash LSH, `crawler.dedup.neardup`).

    Settings: ARCHIVE_DEDUP_ENABLED, ARCHIVE_DEDUP_NEAR_ENABLED, ARCHIVE_DEDUP_NEAR_THRESHOLD,
    ARCHIVE_DEDUP_NEAR_PERMUTATIONS, ARCHIVE_DEDUP_NEAR_MIN_WORDS, ARCHIVE_DEDUP_BACKEND, ARCHIVE_STATE_DIR,
    ARCHIVE_EXPORTS_DIR (where previous revisions are read).
    Stats: archive/dedup/new, archive/dedup/revision, archive/dedup/near_duplicate,
    archive/dedup/dropped, archive/dedup/dropped/<reason> (unchanged, duplicate),
    archive/dedup/previous_found, archive/dedup/previous_missing, archive/dedup/previous_other_month,
    archive/dedup/previous_bytes_searched, archive/dedup/signatures_from_workers (near-duplicate
    signatures a parse worker computed, `crawler.portals.worker`).
    """

    def __init__(self, ledger: Ledger, stats: StatsCollector, previous: PreviousRevisions) -> None:
        self.ledger = ledger
        self.stats = stats
        self.previous = previous

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_DEDUP_ENABLED"):
            raise NotConfigured("ARCHIVE_DEDUP_ENABLED is off")
        assert crawler.stats is not None
        return cls(ledger_for(crawler), crawler.stats, PreviousRevisions(exports_dir(crawler.settings)))

    def close_spider(self) -> None:
        fingerprinter = self.ledger.fingerprinter
        if fingerprinter is not None and fingerprinter.handed_over:
            self.stats.set_value("archive/dedup/signatures_from_workers", fingerprinter.handed_over)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        record_id, content_hash = adapter["id"], adapter["content_hash"]
        previous = self.ledger.previous(record_id)
        if previous is not None and previous.content_hash == content_hash:
            in_run = record_id in self.ledger.written or record_id in self.ledger.claims
            self._drop("duplicate" if in_run else "unchanged", record_id)
        if previous is None:
            adapter["revision"], adapter["previous_hash"] = 0, None
            adapter["revision_diff"] = None
            self.stats.inc_value("archive/dedup/new")
        else:
            adapter["revision"], adapter["previous_hash"] = previous.revision + 1, previous.content_hash
            adapter["revision_diff"] = self._diff(adapter, previous)
            self.stats.inc_value("archive/dedup/revision")
            logger.info("revision %d of %s (content changed)", previous.revision + 1, record_id)
        signature = self.ledger.signature(adapter.get("body") or "")
        adapter["near_duplicate_of"] = self._near_duplicate_of(record_id, content_hash, signature)
        self.ledger.claim(record_id, Claim(adapter["revision"], content_hash, signature))
        return item

    def _diff(self, adapter: ItemAdapter, previous: Revision) -> RevisionDiff | None:
        lookup = self.previous.find(adapter["portal"], previous.record_id, previous.revision, previous.content_hash,
                                    adapter.get("published_at"))  # fmt: skip
        self.stats.inc_value("archive/dedup/previous_bytes_searched", lookup.bytes)
        if lookup.record is None:
            self.stats.inc_value("archive/dedup/previous_missing")
            logger.warning("revision %d of %s: revision %d is not in the export files, no revision_diff",
                           previous.revision + 1, previous.record_id, previous.revision)  # fmt: skip
            problem = f"revision_diff: revision {previous.revision} not found in the export files"
            adapter["warnings"] = [*(adapter.get("warnings") or []), problem]
            return None
        self.stats.inc_value("archive/dedup/previous_found")
        if lookup.fallback:
            self.stats.inc_value("archive/dedup/previous_other_month")
        old = lookup.record
        return revision_diff(str(old.get("title") or ""), str(old.get("body") or ""),
                             adapter.get("title") or "", adapter.get("body") or "")  # fmt: skip

    def _near_duplicate_of(self, record_id: str, content_hash: str, signature: bytes | None) -> str | None:
        state = self.ledger  # stored records first, then those still in flight (group commit)
        same = state.first_with_hash(content_hash)
        if same is None or same == record_id:
            same = state.nearest(signature, exclude=record_id) if signature is not None else None
        if same is not None:
            self.stats.inc_value("archive/dedup/near_duplicate")
        return same

    def _drop(self, reason: str, record_id: str) -> None:
        self.stats.inc_value("archive/dedup/dropped")
        self.stats.inc_value(f"archive/dedup/dropped/{reason}")
        # Counted above, so the log line is for debugging: a refresh run drops thousands of unchanged pages.
        raise DropItem(f"{reason}: {record_id} is already stored with this content", log_level="DEBUG")
