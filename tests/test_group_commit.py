"""Group commit (`pipelines.groupcommit`): items in flight together share one fsync, state commit and manifest.

The pipelines run as in a crawl, several items at once on one asyncio loop (what Scrapy's
scraper does with CONCURRENT_ITEMS), on real files, a real SQLite state and a real
redis-server for the distributed case.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import DropItem

from crawler.dedup.state import shared_state
from crawler.items import ArticleItem
from crawler.store.layout import Manifest, read_archive
from crawler.store.verify import verify
from tests.storage_support import PORTAL, Chain, article, read_records
from tests.support.scheduling import priority, thread_task

SYNDICATED = " ".join(f"kalimat{i} tentang pembangunan jembatan di kawasan pesisir Samarinda" for i in range(10))


def _concurrently(chain: Chain, items: list[ArticleItem]) -> list[Any]:
    """Each item through validate, dedup and jsonl, all in flight at once; the stored item or the drop reason."""

    async def one(item: Any) -> Any:
        try:
            for stage in chain.stages:
                item = stage.process_item(item)
                if asyncio.iscoroutine(item):
                    item = await item
        except DropItem as exc:
            return str(exc)
        return item

    async def every() -> list[Any]:
        return list(await asyncio.gather(*(one(item) for item in items)))

    return chain.loop.run_until_complete(every())


# Age limits far longer than the tests take: their batches close on size, so a stalled (loaded)
# machine cannot close one early by age and change the number of commits.
NEVER_BY_AGE = 60.0


def test_a_full_batch_commits_at_once_and_the_rest_after_the_delay(tmp_path: Path) -> None:
    chain = Chain.open(tmp_path, ARCHIVE_JSONL_COMMIT_MAX_RECORDS=4, ARCHIVE_JSONL_COMMIT_MAX_SECONDS=NEVER_BY_AGE)
    results = _concurrently(chain, [article(n) for n in range(1, 11)])
    assert all(isinstance(r, ArticleItem) for r in results)
    stats = chain.stats
    # 4 at once, then the 6 written meanwhile (a batch closes on size or age, one commit at a time).
    assert stats["archive/jsonl/commits"] == 2 and stats["archive/jsonl/written"] == 10
    state = shared_state(chain.crawler)
    assert all(state.is_stored(f"{PORTAL}:{n}") for n in range(1, 11))
    chain.close()
    manifest = Manifest.load(tmp_path / PORTAL)
    assert manifest is not None and manifest.partitions["2019/2019-09.jsonl"].records == 10
    assert not verify(tmp_path, [PORTAL]).problems


def test_records_in_flight_count_for_dedup(tmp_path: Path) -> None:
    # Four lines are written (the exact copy is dropped first): one batch, closed by the fourth.
    chain = Chain.open(tmp_path, ARCHIVE_JSONL_COMMIT_MAX_RECORDS=4, ARCHIVE_JSONL_COMMIT_MAX_SECONDS=NEVER_BY_AGE)
    first, again, copy = article(1, body=SYNDICATED), article(1, body=SYNDICATED), article(2, body=SYNDICATED)
    changed = article(3, body="Versi pertama.")
    revised = article(3, body="Versi kedua, dengan koreksi.")
    results = _concurrently(chain, [first, again, copy, changed, revised])
    assert results[1].startswith("duplicate: ")  # the first copy was only claimed, not yet committed
    assert results[2].near_duplicate_of == f"{PORTAL}:1"
    assert (results[3].revision, results[4].revision, results[4].previous_hash) == (0, 1, changed.content_hash)
    assert chain.stats["archive/jsonl/commits"] == 1
    chain.close()
    assert [(r["id"], r["revision"]) for r in read_records(tmp_path)] == [
        (f"{PORTAL}:1", 0), (f"{PORTAL}:2", 0), (f"{PORTAL}:3", 0), (f"{PORTAL}:3", 1),
    ]  # fmt: skip
    again_chain = Chain.open(tmp_path)  # all of it committed: a later run drops every copy as unchanged
    assert again_chain.feed(article(3, body="Versi kedua, dengan koreksi.")).startswith("unchanged: ")
    again_chain.close()


def test_a_failed_commit_stops_the_writer_and_the_next_start_publishes_its_lines(tmp_path: Path) -> None:
    chain = Chain.open(tmp_path, ARCHIVE_JSONL_COMMIT_MAX_RECORDS=100, ARCHIVE_JSONL_COMMIT_MAX_SECONDS=0.05)
    assert isinstance(chain.feed(article(1)), ArticleItem)
    # A real failure: the manifest's temporary file cannot be created (a directory holds its name).
    blocker = tmp_path / PORTAL / f".manifest.json.{os.getpid()}.tmp"
    blocker.mkdir()
    with pytest.raises(OSError, match="not stored"):
        chain.feed(article(2))
    with pytest.raises(OSError, match="writer stopped") as refused:
        chain.feed(article(3))  # nothing more is written after a failed commit
    assert isinstance(refused.value.__cause__, OSError)  # the failure behind it, for the storage-error guard
    assert chain.stats["archive/jsonl/failed"] == 2
    chain.close()
    blocker.rmdir()
    manifest = Manifest.load(tmp_path / PORTAL)
    assert manifest is not None and manifest.partitions["2019/2019-09.jsonl"].records == 1  # line 2 unpublished
    later = Chain.open(tmp_path)  # the next start counts line 2 (durable, committed) in the manifest
    assert later.stats["archive/jsonl/replayed"] == 1
    assert later.feed(article(2)).startswith("unchanged: ") and isinstance(later.feed(article(3)), ArticleItem)
    later.close()
    assert [r["id"] for r in read_records(tmp_path)] == [f"{PORTAL}:{n}" for n in (1, 2, 3)]
    assert not verify(tmp_path, [PORTAL]).problems


@pytest.mark.e2e  # redis-server
def test_lost_claims_are_cut_out_of_a_batch_and_later_lines_stay(tmp_path: Path, redis_url: str) -> None:
    one = Chain.open(tmp_path, ARCHIVE_REDIS_URL=redis_url, ARCHIVE_WORKER_ID="w1",
                     ARCHIVE_JSONL_COMMIT_MAX_RECORDS=3, ARCHIVE_JSONL_COMMIT_MAX_SECONDS=NEVER_BY_AGE)  # fmt: skip
    # w2 stores one item at a time (`feed` waits for each commit): its batches close by age.
    two = Chain.open(
        tmp_path, ARCHIVE_REDIS_URL=redis_url, ARCHIVE_WORKER_ID="w2", ARCHIVE_JSONL_COMMIT_MAX_SECONDS=0.05
    )
    decided = [one.stages[1].process_item(one.stages[0].process_item(article(n))) for n in range(1, 7)]
    # w2 stores two of them between w1's decision and w1's claim.
    assert isinstance(two.feed(article(2)), ArticleItem) and isinstance(two.feed(article(5)), ArticleItem)

    async def store(item: Any) -> Any:
        try:
            return await one.stages[2].process_item(item)
        except DropItem as exc:
            return str(exc)

    async def every() -> list[Any]:
        return list(await asyncio.gather(*(store(item) for item in decided)))

    # Batch 1 = articles 1-3 (closed at 3 records); 4-6 are written while it commits, behind the line cut out.
    results = one.loop.run_until_complete(every())
    assert [isinstance(r, ArticleItem) for r in results] == [True, False, True, True, False, True]
    assert one.stats["archive/jsonl/lost_claim"] == 2 and one.stats["archive/jsonl/commits"] == 2
    one.close()
    two.close()
    mine = sorted(r["id"] for r in read_records(tmp_path) if r["id"] not in {f"{PORTAL}:2", f"{PORTAL}:5"})
    assert mine == [f"{PORTAL}:{n}" for n in (1, 3, 4, 6)]
    assert sorted(r["id"] for r in read_archive(tmp_path / PORTAL)) == [f"{PORTAL}:{n}" for n in range(1, 7)]
    assert not verify(tmp_path, [PORTAL]).problems


def test_the_commit_threads_run_batch(tmp_path: Path) -> None:
    """The fsync, state commit and manifest run in the loop's executor under SCHED_BATCH, so that
    waking them does not preempt the crawl's event loop (`crawler.runtime`)."""
    chain = Chain.open(tmp_path, ARCHIVE_JSONL_COMMIT_MAX_RECORDS=2, ARCHIVE_JSONL_COMMIT_MAX_SECONDS=NEVER_BY_AGE)
    assert all(isinstance(r, ArticleItem) for r in _concurrently(chain, [article(n) for n in range(1, 5)]))
    executor = chain.loop._default_executor  # type: ignore[attr-defined]  # the loop's, which run_in_executor(None) uses
    threads = [thread.native_id for thread in executor._threads]
    assert threads
    policies = {priority(thread_task(tid))[0] for tid in threads}
    chain.close()
    assert policies == {os.SCHED_BATCH}
