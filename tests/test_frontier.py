"""The frontier: an article a run discovered but could not store is fetched by the next runs.

Without it, a scheduled run that stops at the first all-stored listing page would never
reach an old article whose fetch failed once (helper of the incremental stop rule).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.dedup.neardup import NearDupParams
from crawler.dedup.sqlite import SqliteDedupState
from crawler.dedup.state import StoredRecord
from crawler.scheduling.frontier import Frontier
from crawler.scheduling.walks import WalkCheckpoint
from tests.replica.data import load_file
from tests.replica.harness import KALTIM_DATA, RunningReplica, run_crawl

PORTAL = "antara_kaltim"


def _stored(state: SqliteDedupState, record_id: str) -> None:
    state.commit([StoredRecord(record_id, 0, hashlib.sha256(record_id.encode()).hexdigest())])


def test_due_entries_until_stored_or_given_up(tmp_path: Path) -> None:
    state = SqliteDedupState(tmp_path / "dedup.sqlite3", NearDupParams())
    frontier = Frontier(tmp_path / "frontier.sqlite3", PORTAL)
    frontier.add(f"{PORTAL}:1", "/berita/1/a")
    frontier.add(f"{PORTAL}:2", "/berita/2/b")
    frontier.add(f"{PORTAL}:3", "/berita/3/c")
    frontier.add(f"{PORTAL}:3", "/berita/3/other-slug")  # the first path stays
    _stored(state, f"{PORTAL}:1")
    frontier.resolve(f"{PORTAL}:2")
    assert frontier.due(state, max_attempts=2) == ([(f"{PORTAL}:3", "/berita/3/c")], [])
    assert frontier.due(state, max_attempts=2) == ([(f"{PORTAL}:3", "/berita/3/c")], [])
    assert frontier.due(state, max_attempts=2) == ([], [f"{PORTAL}:3"])
    assert frontier.due(state, max_attempts=2) == ([], [])


def test_other_portals_entries_are_not_due(tmp_path: Path) -> None:
    state = SqliteDedupState(tmp_path / "dedup.sqlite3", NearDupParams())
    Frontier(tmp_path / "frontier.sqlite3", "antara_kalbar").add("antara_kalbar:9", "/berita/9/x")
    assert Frontier(tmp_path / "frontier.sqlite3", PORTAL).due(state, max_attempts=5) == ([], [])


@pytest.mark.e2e  # replica, `scrapy crawl`
def test_an_old_article_that_failed_once_is_stored_by_the_next_scheduled_run(
    tmp_path: Path, replica_factory: Callable[..., RunningReplica]
) -> None:
    data = load_file(KALTIM_DATA)
    oldest = min(data.articles, key=lambda a: a.published)
    path = f"/berita/{oldest.id}/{oldest.slug}"
    replica = replica_factory(KALTIM_DATA, "--rate-limit", f"{path}=0")
    exports = tmp_path / "exports"
    # No retries: the one 429 loses the page in the first run.
    first = run_crawl(PORTAL, exports, base_url=replica.base_url, settings={"RETRY_ENABLED": "False"})
    assert first.process.returncode in (0, 3), first.process.stderr[-2000:]
    ids = {record["id"] for record in first.records}
    assert f"{PORTAL}:{oldest.id}" not in ids and len(ids) == len(data.articles) - 1
    mark = replica.mark()
    second = run_crawl(PORTAL, exports, base_url=replica.base_url)
    assert second.process.returncode == 0, second.process.stderr[-2000:]
    assert sorted(r["id"] for r in second.records) == sorted(f"{PORTAL}:{a.id}" for a in data.articles)
    assert "'archive/frontier/reissued': 1" in second.process.stderr
    listing_pages = [r for r in replica.requests(mark) if r["path"].startswith("/terkini")]
    assert len(listing_pages) == 1, "the scheduled run stopped at the first all-stored listing page"


def test_walk_checkpoint_keeps_the_anchor_of_the_last_finished_walk(tmp_path: Path) -> None:
    walks = WalkCheckpoint(tmp_path / "walks.sqlite3", PORTAL)
    assert walks.anchor("/terkini") is None and walks.unfinished("/terkini") is None
    walks.begin("/terkini", ["a", "b"])
    walks.page_done("/terkini", 1)
    walks.page_done("/terkini", 2)
    # Killed here: the next open sees an unfinished walk of two pages and still no anchor.
    walks.close()
    walks = WalkCheckpoint(tmp_path / "walks.sqlite3", PORTAL)
    assert walks.unfinished("/terkini") == 2 and walks.anchor("/terkini") is None
    walks.begin("/terkini", ["c", "a"])
    walks.finish("/terkini", ["c", "a"])
    assert walks.anchor("/terkini") == frozenset({"c", "a"}) and walks.unfinished("/terkini") is None
    walks.begin("/terkini", ["d", "c"])  # a later walk, interrupted: the finished walk's anchor stays
    assert walks.anchor("/terkini") == frozenset({"c", "a"}) and walks.unfinished("/terkini") == 0
    assert WalkCheckpoint(tmp_path / "walks.sqlite3", "antara_kalbar").anchor("/terkini") is None
