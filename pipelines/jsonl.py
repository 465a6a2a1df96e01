"""Durable JSON Lines storage: the archive's store of record (never Scrapy's FEEDS).

The file layout, manifest and torn-line quarantine are described in `crawler.store.layout`;
appends and crash recovery in `crawler.store.writer`; the batching of fsyncs, state commits
and manifests in `pipelines.groupcommit`; why the state is committed here, after the fsync,
in `pipelines/__init__.py`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy.exceptions import DropItem, NotConfigured

from crawler.distributed.mode import distributed, worker_id
from crawler.paths import exports_dir, state_dir
from crawler.storage import stop_on_storage_error, stopped
from crawler.store.layout import partition_of
from crawler.store.lock import LockedError
from crawler.store.writer import PortalWriter, Recovery
from pipelines import Ledger, as_record, ledger_for
from pipelines.groupcommit import GroupCommit

_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""`json.dumps(record, ensure_ascii=False, separators=(",", ":"))`, without building an encoder per record."""

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class JsonLinesPipeline:
    """Appends each record as one line to `<ARCHIVE_EXPORTS_DIR>/<portal>/<YYYY>/<YYYY-MM>.jsonl`.

    Per record: one write of one complete line at once; then, shared by a small batch
    (`pipelines.groupcommit`): fsync, the dedup state commit, the manifest. The item leaves
    the pipeline only after all three. A portal directory is opened (run lock taken, crash
    leftovers repaired) when the spider opens, for the spider's own portal, or at its
    first record otherwise. In distributed mode the files carry the worker id and a lost
    claim takes the line back.

    Settings: ARCHIVE_JSONL_ENABLED, ARCHIVE_JSONL_COMMIT_MAX_RECORDS, ARCHIVE_JSONL_COMMIT_MAX_SECONDS,
    ARCHIVE_EXPORTS_DIR, ARCHIVE_STATE_DIR, ARCHIVE_REDIS_URL, ARCHIVE_WORKER_ID.
    Stats: archive/jsonl/written, archive/jsonl/bytes, archive/jsonl/failed, archive/jsonl/commits,
    archive/jsonl/fsyncs, archive/jsonl/quarantined, archive/jsonl/replayed, archive/jsonl/restored,
    archive/jsonl/unreadable, archive/jsonl/lost_claim, archive/jsonl/dropped.
    """

    def __init__(self, crawler: Crawler, root: Path, ledger: Ledger, stats: StatsCollector) -> None:
        self.crawler = crawler
        self.root = root
        self.ledger = ledger
        self.stats = stats
        self.state_dir = state_dir(crawler.settings)
        self.worker = worker_id(crawler.settings) if distributed(crawler.settings) else None
        self.writers: dict[str, PortalWriter] = {}
        settings = crawler.settings
        self.commits = GroupCommit(ledger, stats, max_records=settings.getint("ARCHIVE_JSONL_COMMIT_MAX_RECORDS"),
                                   max_seconds=settings.getfloat("ARCHIVE_JSONL_COMMIT_MAX_SECONDS"))  # fmt: skip

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ARCHIVE_JSONL_ENABLED"):
            raise NotConfigured("ARCHIVE_JSONL_ENABLED is off")
        assert crawler.stats is not None
        return cls(crawler, exports_dir(crawler.settings), ledger_for(crawler), crawler.stats)

    def open_spider(self) -> None:
        # Recover before the first request, so that deltafetch and dedup see what a killed run wrote.
        spider = self.crawler.spider
        if spider is not None and getattr(spider, "name", None):
            self._writer(spider.name)

    async def process_item(self, item: Any) -> Any:
        record = as_record(item)
        if stopped(self.crawler):  # a full disk: take no further records (the next run fetches them)
            self.ledger.release(record["id"])
            raise DropItem(f"not written: the run stopped on a storage error ({record['id']})", log_level="DEBUG")
        line = (_LINE(record) + "\n").encode()
        try:
            writer = self._writer(record["portal"])
        except LockedError as exc:
            self.ledger.release(record["id"])
            self.stats.inc_value("archive/jsonl/failed")
            raise DropItem(f"not written, {exc}", log_level="ERROR") from exc
        try:
            stored = await self.commits.write(writer, partition_of(record, self.worker), record, line)
        except (OSError, sqlite3.Error) as exc:
            self.ledger.release(record["id"])  # a no-op when the failed batch already released it
            self.stats.inc_value("archive/jsonl/failed")
            if stop_on_storage_error(self.crawler, exc, f"storing {record['id']}"):
                raise DropItem(f"not written: {record['id']}: {exc}", log_level="DEBUG") from exc
            raise
        if not stored:
            self.stats.inc_value("archive/jsonl/lost_claim")
            raise DropItem(f"duplicate: another worker stored {record['id']} revision {record.get('revision')} first",
                           log_level="INFO")  # fmt: skip
        self.stats.inc_value("archive/jsonl/written")
        self.stats.inc_value("archive/jsonl/bytes", len(line))
        return item

    async def close_spider(self) -> None:
        try:
            await self.commits.flush()
        finally:
            for writer in self.writers.values():
                writer.close()
            self.writers.clear()

    def _writer(self, portal: str) -> PortalWriter:
        if portal not in self.writers:
            writer = PortalWriter(self.root, portal, self.state_dir, self.ledger.state.state_id, self.worker)
            try:
                self._report(portal, writer.recover(self.ledger.replay))
            except BaseException:
                writer.close()
                raise
            self.writers[portal] = writer
        return self.writers[portal]

    def _report(self, portal: str, recovery: Recovery) -> None:
        for path in recovery.quarantined:
            logger.warning("%s: quarantined a torn last line in %s", portal, path)
        for key in ("replayed", "restored", "unreadable", "dropped"):
            if getattr(recovery, key):
                self.stats.inc_value(f"archive/jsonl/{key}", getattr(recovery, key))
        if recovery.quarantined:
            self.stats.inc_value("archive/jsonl/quarantined", len(recovery.quarantined))
        if recovery.restored:
            logger.warning("%s: %d records written by an interrupted run restored to the dedup state",
                           portal, recovery.restored)  # fmt: skip
