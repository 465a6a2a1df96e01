"""Group commit of JSONL records: one fsync, one state transaction and one manifest per small batch.

Done per record, the durable path (fsync of the line, a synchronous SQLite commit, the
manifest's temporary file, rename and directory fsync) cost several fsyncs, all on the
reactor thread, and capped the crawl at a fraction of Scrapy's throughput. Here each
record's line is still written at once, whole (`PortalWriter.write`), and its item waits
in the pipeline; a batch is closed when it holds ARCHIVE_JSONL_COMMIT_MAX_RECORDS records
or ARCHIVE_JSONL_COMMIT_MAX_SECONDS after its first one, whichever comes first (one commit
at a time: records arriving meanwhile form the next batch). Then, in this order:

1. every partition file written to is fsynced, in a worker thread (the reactor keeps going);
2. `Ledger.commit_batch` marks the batch stored: one transaction (one Lua script in
   distributed mode, where records whose claim another worker won are cut out of the file
   again, `PortalWriter.drop`), in a worker thread too for the SQLite state (its claims end
   only once the transaction is committed, so dedup sees the batch in flight until then);
3. the manifest is replaced (rendered here, written and fsynced in a worker thread);
4. the batch's items leave the pipeline (`item_scraped`, stats).

So the order of side effects per record is unchanged (durable line, then state, then
manifest), only shared. A kill -9 anywhere leaves lines beyond the manifest's count that the
next start replays (`crawler.store.writer`). A failed fsync or commit stops the portal's
writer for the rest of the run, since after a failed fsync nothing written since the last
good one can be trusted: its waiting items fail, the next start replays whichever of their
lines are complete on disk, and a later run fetches the others again. When the state was not
committed (the fsync or the commit failed), the batch's lines are cut off again at once
(`PortalWriter.rollback`), so the files stay exactly what their manifest says.
Needs a running asyncio loop, i.e. Scrapy's default asyncio reactor.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.runtime import in_batch_thread
from crawler.store.layout import replace_manifest
from crawler.store.writer import Cut, PortalWriter, sync

if TYPE_CHECKING:
    from scrapy.statscollectors import StatsCollector

    from pipelines import Ledger

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    writer: PortalWriter
    partition: str
    offset: int
    record: dict[str, Any]
    done: asyncio.Future[bool] = field(repr=False)


class GroupCommit:
    """Batches of written lines on their way to durable, committed and published (see the module docstring)."""

    def __init__(self, ledger: Ledger, stats: StatsCollector, *, max_records: int, max_seconds: float) -> None:
        self.ledger = ledger
        self.stats = stats
        self.max_records = max(1, max_records)
        self.max_seconds = max(0.0, max_seconds)
        self._pending: list[_Pending] = []
        self._opened_at = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._committing: asyncio.Task[None] | None = None

    def write(self, writer: PortalWriter, partition: str, record: dict[str, Any], line: bytes) -> asyncio.Future[bool]:
        """Write `line` now; the future says, once the batch is committed, whether the record was stored.

        False: another worker committed the same version first and the line was cut out again.
        Raises OSError (write failed) at once, or through the future (fsync or commit failed).
        """
        loop = asyncio.get_running_loop()
        offset = writer.write(partition, line)
        if not self._pending:
            self._opened_at = time.monotonic()
        done: asyncio.Future[bool] = loop.create_future()
        self._pending.append(_Pending(writer, partition, offset, record, done))
        self._schedule(loop)  # may start the commit of this very batch at once
        return done

    async def flush(self) -> None:
        """Commit everything written so far (the spider is closing)."""
        while self._pending or self._committing is not None:
            if self._committing is None:
                self._start()
            if self._committing is not None:
                await asyncio.shield(self._committing)

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._committing is not None or not self._pending:
            return
        wait = self._opened_at + self.max_seconds - time.monotonic()
        if len(self._pending) >= self.max_records or wait <= 0:
            self._start()
        elif self._timer is None:
            self._timer = loop.call_later(wait, self._start)

    def _start(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._committing is not None or not self._pending:
            return
        batch, self._pending = self._pending, []
        self._opened_at = time.monotonic()
        # Cut now, not when the task first runs: lines written in between belong to the next batch.
        cuts = {writer: writer.cut() for writer in dict.fromkeys(p.writer for p in batch)}
        self._committing = asyncio.get_running_loop().create_task(self._commit(batch, cuts))
        self._committing.add_done_callback(self._committed)

    def _committed(self, task: asyncio.Task[None]) -> None:
        self._committing = None
        if not task.cancelled() and task.exception() is not None:
            logger.error("group commit crashed", exc_info=task.exception())
        self._schedule(asyncio.get_running_loop())

    async def _commit(self, batch: list[_Pending], cuts: dict[PortalWriter, Cut]) -> None:
        loop = asyncio.get_running_loop()
        writers = list(cuts)
        step = "fsync"
        try:
            await loop.run_in_executor(None, in_batch_thread(sync), [fd for cut in cuts.values() for fd in cut.fds])
            self.stats.inc_value("archive/jsonl/fsyncs", sum(len(cut.fds) for cut in cuts.values()))
            step = "commit"
            kept = await self._commit_state([p.record for p in batch])
            step = "publish"
            self._drop_lost([p for p, ok in zip(batch, kept, strict=True) if not ok], cuts)
            for writer, cut in cuts.items():
                await loop.run_in_executor(
                    None, in_batch_thread(replace_manifest), writer.directory, writer.worker, writer.stage(cut)
                )
        except Exception as exc:  # noqa: BLE001 - every failure ends the same way: nothing in this batch counts
            # Only when surely not in the state: before the commit, or a SQLite commit (rolled back whole).
            uncommitted = step == "fsync" or (step == "commit" and isinstance(exc, sqlite3.Error))
            self._fail(batch, writers, exc, rollback=uncommitted)
            return
        self.stats.inc_value("archive/jsonl/commits")
        for pending, ok in zip(batch, kept, strict=True):
            if not pending.done.done():
                pending.done.set_result(ok)

    async def _commit_state(self, records: list[dict[str, Any]]) -> list[bool]:
        """`Ledger.commit_batch`, its transaction (and the fsync in it) in a worker thread when the state allows."""
        if not getattr(self.ledger.state, "commit_in_thread", False):
            return self.ledger.commit_batch(records)
        stored = self.ledger.prepare(records)
        kept = await asyncio.get_running_loop().run_in_executor(None, in_batch_thread(self.ledger.store), stored)
        self.ledger.settle(records, kept)
        return kept

    def _drop_lost(self, lost: list[_Pending], cuts: dict[PortalWriter, Cut]) -> None:
        by_file: dict[tuple[PortalWriter, str], set[int]] = defaultdict(set)
        for pending in lost:
            by_file[(pending.writer, pending.partition)].add(pending.offset)
        for (writer, partition), offsets in by_file.items():
            removed = writer.drop(partition, offsets, cuts[writer])
            for later in self._pending:  # written after the cut, so behind every dropped line
                if later.writer is writer and later.partition == partition:
                    later.offset -= removed

    def _fail(self, batch: list[_Pending], writers: list[PortalWriter], exc: Exception, *, rollback: bool) -> None:
        for writer in writers:
            writer.failed = exc
            logger.error("%s: group commit failed, nothing more is stored this run: %s", writer.portal, exc)
            if rollback:  # not in the state: cut the lines off, so the files are exactly what the manifest says
                try:
                    writer.rollback()
                except OSError as cut_error:  # left for the next start, which replays whole lines beyond the manifest
                    logger.warning("%s: uncommitted lines not cut off: %s", writer.portal, cut_error)
        # Lines written after the cut are not committed either: their items fail with the batch.
        stranded = [p for p in self._pending if p.writer in writers]
        self._pending = [p for p in self._pending if p.writer not in writers]
        for pending in [*batch, *stranded]:
            self.ledger.release(pending.record["id"])
            if not pending.done.done():
                error = OSError(f"not stored: {exc}")
                error.__cause__ = exc  # what failed (a full disk, an I/O error) stays visible to the caller
                pending.done.set_exception(error)
