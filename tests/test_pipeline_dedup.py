"""DedupPipeline with the real SQLite state: within a run, across runs, revisions, and the hand-off order."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured

from crawler.dedup.state import shared_state
from crawler.items import ArticleItem
from pipelines import ledger_for
from pipelines.dedup import DedupPipeline
from tests.storage_support import Chain, article, make_crawler, read_records


def test_same_article_twice_in_one_run_is_stored_once(tmp_path: Path) -> None:
    chain = Chain.open(tmp_path)
    assert isinstance(chain.feed(article(1)), ArticleItem)
    assert chain.feed(article(1)).startswith("duplicate: antara_kaltim:1")
    stats = chain.stats
    chain.close()
    assert len(read_records(tmp_path)) == 1
    assert stats["archive/dedup/dropped"] == stats["archive/dedup/dropped/duplicate"] == 1


def test_unchanged_refetch_in_a_later_run_exports_nothing(tmp_path: Path) -> None:
    first = Chain.open(tmp_path)
    first.feed(article(1))
    first.feed(article(2))
    first.close()
    second = Chain.open(tmp_path)
    assert second.feed(article(1)).startswith("unchanged: antara_kaltim:1")
    assert isinstance(second.feed(article(3)), ArticleItem)
    stats = second.stats
    second.close()
    assert [r["id"] for r in read_records(tmp_path)] == ["antara_kaltim:1", "antara_kaltim:2", "antara_kaltim:3"]
    assert stats["archive/dedup/dropped/unchanged"] == 1 and stats["archive/dedup/new"] == 1


def test_changed_content_is_a_new_revision(tmp_path: Path) -> None:
    versions = [article(5, body=f"Isi versi {n}.\n\nParagraf kedua.") for n in ("awal", "koreksi", "awal")]
    for version in versions:
        chain = Chain.open(tmp_path)
        stored = chain.feed(version)
        chain.close()
        assert isinstance(stored, ArticleItem)
    records = read_records(tmp_path)
    assert [(r["revision"], r["previous_hash"]) for r in records] == [
        (0, None),
        (1, versions[0].content_hash),
        (2, versions[1].content_hash),  # back to the first text: still a genuine change
    ]


def test_a_change_in_the_same_run_is_also_a_revision(tmp_path: Path) -> None:
    chain = Chain.open(tmp_path)
    chain.feed(article(5))
    changed = chain.feed(article(5, title="Judul dikoreksi"))
    chain.close()
    assert (changed.revision, changed.previous_hash) == (1, article(5).content_hash)
    assert chain.stats["archive/dedup/revision"] == 1


def test_same_text_under_another_id_is_linked_not_dropped(tmp_path: Path) -> None:
    chain = Chain.open(tmp_path)
    body = "Teks yang sama persis.\n\nDiterbitkan ulang dengan nomor baru."
    # Too short for MinHash (ARCHIVE_DEDUP_NEAR_MIN_WORDS): found by its content_hash.
    chain.feed(article(10, title="Judul sama", body=body))
    copy = chain.feed(article(11, title="Judul sama", body=body))
    chain.close()
    assert copy.near_duplicate_of == "antara_kaltim:10" and copy.revision == 0
    assert chain.stats["archive/dedup/near_duplicate"] == 1


def test_dedup_marks_nothing_only_the_writer_does(tmp_path: Path) -> None:
    """The decision alone leaves the state untouched: a crash before the write loses nothing."""
    crawler = make_crawler(tmp_path)
    dedup = DedupPipeline.from_crawler(crawler)
    dedup.process_item(article(1))
    assert not shared_state(crawler).is_stored("antara_kaltim:1")
    assert "antara_kaltim:1" in ledger_for(crawler).claims
    shared_state(crawler).close()
    chain = Chain.open(tmp_path)  # the "next run"
    assert isinstance(chain.feed(article(1)), ArticleItem)
    chain.close()


def test_a_failed_write_is_not_marked_stored(tmp_path: Path) -> None:
    # A directory where the partition file should be makes the append fail with an OSError.
    (tmp_path / "antara_kaltim" / "2019" / "2019-09.jsonl").mkdir(parents=True)
    chain = Chain.open(tmp_path)
    with pytest.raises(OSError):
        chain.feed(article(1))
    state = ledger_for(chain.crawler).state
    assert not state.is_stored("antara_kaltim:1") and ledger_for(chain.crawler).claims == {}
    assert chain.stats["archive/jsonl/failed"] == 1
    chain.close()


def test_can_be_switched_off(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        DedupPipeline.from_crawler(make_crawler(tmp_path, ARCHIVE_DEDUP_ENABLED=False))
