"""Listing lookahead: several pages of a walk in flight at once, and a walk that still finishes only whole.

With ARCHIVE_LISTING_LOOKAHEAD above 1 the spider requests pages n+1 .. n+lookahead of a walk
that must go deep (a first walk, a backfill), so pages are parsed in any order. The walk
checkpoint then finishes a walk only when every page from 1 to its last one is done; a page
that never arrives (here: disallowed by robots.txt) leaves the walk unfinished for the next run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.scheduling.walks import WalkCheckpoint
from tests.replica.data import write_file
from tests.replica.harness import RunningReplica, run_crawl
from tests.replica.synth import generate
from tests.test_faults import dumped_stats

PORTAL = "antara_kaltim"
LISTING = "/terkini"
START = ["a", "b"]


def _checkpoint(tmp_path: Path) -> WalkCheckpoint:
    return WalkCheckpoint(tmp_path / "walks.sqlite3", PORTAL, out_of_order=True)


def test_pages_done_out_of_order_finish_the_walk_once_the_gap_closes(tmp_path: Path) -> None:
    walks = _checkpoint(tmp_path)
    walks.begin(LISTING, START)
    assert not walks.record(LISTING, START, 1)
    assert not walks.record(LISTING, START, 3)
    assert not walks.record(LISTING, START, 4, last=True)  # the end is known, page 2 is not done
    assert walks.unfinished(LISTING) == 1 and walks.anchor(LISTING) is None
    assert walks.record(LISTING, START, 2)
    assert walks.anchor(LISTING) == frozenset(START) and walks.unfinished(LISTING) is None
    assert not walks.record(LISTING, START, 5, last=True), "a walk finishes once"


def test_a_404_past_the_end_finishes_the_walk_only_when_the_pages_before_it_are_done(tmp_path: Path) -> None:
    walks = _checkpoint(tmp_path)
    walks.begin(LISTING, START)
    for number in (1, 2, 4):
        walks.record(LISTING, START, number)
    assert not walks.ended_before(LISTING, START, 5)  # page 3 is still missing
    assert not walks.ended_before(LISTING, START, 6)
    assert walks.unfinished(LISTING) == 2
    assert walks.record(LISTING, START, 3)
    assert walks.anchor(LISTING) == frozenset(START)


def test_the_earliest_end_counts(tmp_path: Path) -> None:
    walks = _checkpoint(tmp_path)
    walks.begin(LISTING, START)
    walks.record(LISTING, START, 1)
    assert not walks.record(LISTING, START, 3, last=True)
    assert walks.record(LISTING, START, 2, last=True)  # page 2 was the walk's real end: page 3 is not needed


def test_pages_in_order_finish_at_the_last_page_as_before(tmp_path: Path) -> None:
    """One page at a time (lookahead 1, distributed workers): the last page finishes the walk at once."""
    walks = WalkCheckpoint(tmp_path / "walks.sqlite3", PORTAL)
    walks.begin(LISTING, START)
    walks.record(LISTING, START, 1)
    assert walks.record(LISTING, START, 3, last=True)  # page 2 was parsed by another worker
    assert walks.anchor(LISTING) == frozenset(START)


def test_a_walk_begun_elsewhere_finishes_at_its_last_page(tmp_path: Path) -> None:
    walks = _checkpoint(tmp_path)
    assert walks.record(LISTING, START, 7, last=True)
    assert walks.anchor(LISTING) == frozenset(START)


# --- crawls -----------------------------------------------------------------------------------------------------


def _walk_row(exports: Path) -> tuple[str | None, str | None, int]:
    path = exports.with_name(exports.name + "-state") / "walks.sqlite3"  # ARCHIVE_STATE_DIR's default
    with sqlite3.connect(path) as db:
        row: tuple[str | None, str | None, int] = db.execute(
            "SELECT anchor, started, pages_done FROM walks WHERE portal = ? AND listing = ?", (PORTAL, LISTING)
        ).fetchone()
    return row


@pytest.mark.e2e  # replicas, `scrapy crawl`
def test_a_listing_page_that_never_arrives_leaves_the_walk_to_the_next_run(
    tmp_path: Path, replica_factory: Callable[..., RunningReplica]
) -> None:
    """Ten listing pages; page 3 is disallowed by robots.txt in the first run, so pages 4-10 are read
    (lookahead) but the walk may not finish. The next run, against a replica that serves page 3,
    resumes the walk and stores the articles of page 3."""
    doc = generate(200, seed=5, page_size=20)
    data = tmp_path / "data.json"
    write_file(data, doc)
    gap = replica_factory(data, "--robots-disallow", f"{LISTING}/3")
    exports = tmp_path / "exports"
    settings = {"ARCHIVE_LISTING_LOOKAHEAD": "4"}
    first = run_crawl(PORTAL, exports, base_url=gap.base_url, settings=settings)
    assert first.process.returncode in (0, 3), first.process.stderr[-2000:]
    listing_pages = sorted(
        int(r["path"].rsplit("/", 1)[1]) for r in gap.requests() if r["path"].startswith(f"{LISTING}/")
    )
    assert 3 not in listing_pages and max(listing_pages) >= 10, listing_pages
    stats = dumped_stats(first.process.stderr)
    assert "archive/walk/finished" not in stats
    anchor, started, pages_done = _walk_row(exports)
    assert anchor is None and started is not None and pages_done == 2
    stored = {record["id"] for record in first.records}
    assert len(stored) < 200

    whole = replica_factory(data)
    second = run_crawl(PORTAL, exports, base_url=whole.base_url, settings=settings)
    assert second.process.returncode == 0, second.process.stderr[-2000:]
    stats = dumped_stats(second.process.stderr)
    assert stats["archive/walk/resumed"] == 1 and stats["archive/walk/finished"] == 1
    assert stored | {record["id"] for record in second.records} == {f"{PORTAL}:{a['id']}" for a in doc["articles"]}
    anchor, started, _ = _walk_row(exports)
    assert anchor is not None and started is None


@pytest.mark.e2e  # replica, `scrapy crawl`
def test_a_first_walk_with_lookahead_reads_the_pages_of_a_walk_one_at_a_time_would(
    tmp_path: Path, replica_factory: Callable[..., RunningReplica]
) -> None:
    doc = generate(200, seed=5, page_size=20)
    data = tmp_path / "data.json"
    write_file(data, doc)
    replica = replica_factory(data)
    pages: dict[str, list[int]] = {}
    for lookahead in ("1", "4"):
        mark = replica.mark()
        result = run_crawl(PORTAL, tmp_path / lookahead, base_url=replica.base_url,
                           settings={"ARCHIVE_LISTING_LOOKAHEAD": lookahead})  # fmt: skip
        assert result.process.returncode == 0, result.process.stderr[-2000:]
        assert len({record["id"] for record in result.records}) == 200
        assert dumped_stats(result.process.stderr)["archive/walk/finished"] == 1
        pages[lookahead] = sorted(
            int(r["path"].rsplit("/", 1)[1]) for r in replica.requests(mark) if r["path"].startswith(f"{LISTING}/")
        )
    # One page at a time: every page of the listing, then the first page past its end.
    assert pages["1"] == list(range(2, 14))
    # Lookahead reads the same pages, and at most 3 more past where the walk ended.
    assert pages["4"][: len(pages["1"])] == pages["1"] and len(pages["4"]) <= len(pages["1"]) + 3
