"""Revision diffs: the paragraph diff itself, and the dedup pipeline reading the previous revision from real files.

The pipeline cases run validate -> dedup -> jsonl on real files under `tmp_path`
(`tests.storage_support.Chain`), one chain per run; the distributed cases share a real
redis-server between two workers' chains. The end-to-end case (an article edited on the
replica, crawled again with `-a refresh=1`) is in `tests/test_revision_diff_e2e.py`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crawler.dedup.revisions import PreviousRevisions, revision_diff
from crawler.items import ArticleItem, RevisionDiff
from crawler.store.layout import read_archive
from crawler.store.verify import verify
from tests.storage_support import PORTAL, Chain, article, read_records

P1 = "Pemerintah provinsi menyiapkan program bantuan nelayan di kawasan pesisir pada tahun ini."
P2 = "Kepala dinas mengatakan bantuan berupa mesin perahu dan jaring untuk dua ribu nelayan."
P3 = "Program itu dibiayai anggaran daerah dan akan dievaluasi sebelum akhir tahun."
P4 = "Tim olahraga dayung berlatih di Sungai Mahakam untuk persiapan kejuaraan nasional."
P1_EDITED = P1 + " Bantuan diprioritaskan bagi nelayan kecil."
BODY = "\n\n".join([P1, P2, P3])


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (("T", BODY), ("T", "\n\n".join([P1_EDITED, P2, P3])), (False, 0, 0, 1)),
        (("T", BODY), ("T2", BODY), (True, 0, 0, 0)),
        (("T", BODY), ("T", "\n\n".join([P1, P2, P3, P4])), (False, 1, 0, 0)),
        (("T", BODY), ("T", "\n\n".join([P1, P3])), (False, 0, 1, 0)),
        # An unrelated paragraph in place of another is not an edit of it.
        (("T", BODY), ("T", "\n\n".join([P1, P4, P3])), (False, 1, 1, 0)),
        # Replaced run of two: one edited, one swapped for an unrelated paragraph.
        (("T", BODY), ("T", "\n\n".join([P1_EDITED, P4, P3])), (False, 1, 1, 1)),
        # Title, an edit, an insertion and a removal at once.
        (("T", BODY), ("T3", "\n\n".join([P4, P1_EDITED, P2])), (True, 1, 1, 1)),
        # A paragraph moved to the end counts as removed where it was and added where it is.
        (("T", BODY), ("T", "\n\n".join([P2, P3, P1])), (False, 1, 1, 0)),
        (("T", ""), ("T", BODY), (False, 3, 0, 0)),
        (("T", BODY), ("T", ""), (False, 0, 3, 0)),
    ],
    ids=str.split("edited title added removed replaced-unrelated replaced-mixed everything moved from-empty to-empty"),
)
def test_paragraph_diff(old: tuple[str, str], new: tuple[str, str], expected: tuple[bool, int, int, int]) -> None:
    assert revision_diff(*old, *new) == RevisionDiff(*expected)


def test_changed_means_at_least_half_the_words_in_order() -> None:
    words = [f"kata{i}" for i in range(20)]
    half = " ".join(words[:10] + [f"baru{i}" for i in range(10)])  # ratio 0.5 exactly
    less = " ".join(words[:9] + [f"baru{i}" for i in range(11)])  # ratio 0.45
    assert revision_diff("T", " ".join(words), "T", half).paragraphs_changed == 1
    assert revision_diff("T", " ".join(words), "T", less) == RevisionDiff(False, 1, 1, 0)


def test_a_long_replaced_run_stays_cheap_and_counts_every_paragraph() -> None:
    old = "\n\n".join(f"paragraf lama nomor {i} tentang pembangunan jalan desa" for i in range(80))
    new = "\n\n".join(f"paragraf baru {i} mengenai festival budaya daerah" for i in range(70))
    diff = revision_diff("T", old, "T", new)
    assert diff.paragraphs_removed - diff.paragraphs_added == 10
    assert diff.paragraphs_removed + diff.paragraphs_changed == 80


# --- the pipeline, real files -------------------------------------------------------------------------------------


def _store(exports: Path, item: ArticleItem, **settings: str) -> ArticleItem | str:
    """One run that stores one item (validate -> dedup -> jsonl), as a crawl would."""
    chain = Chain.open(exports, **settings)
    try:
        return chain.feed(item)  # type: ignore[no-any-return]
    finally:
        chain.close()


def test_each_revision_carries_its_diff_against_the_one_before(tmp_path: Path) -> None:
    versions = [
        article(5, body=BODY),
        article(5, body="\n\n".join([P1_EDITED, P2, P3])),
        article(5, title="Judul dikoreksi", body="\n\n".join([P1_EDITED, P2, P3, P4])),
    ]
    for version in versions:
        assert isinstance(_store(tmp_path, version), ArticleItem)
    diffs = [r["revision_diff"] for r in read_records(tmp_path)]
    assert diffs == [
        None,
        {"title_changed": False, "paragraphs_added": 0, "paragraphs_removed": 0, "paragraphs_changed": 1},
        {"title_changed": True, "paragraphs_added": 1, "paragraphs_removed": 0, "paragraphs_changed": 0},
    ]
    assert not verify(tmp_path, [PORTAL]).problems


def test_a_revision_in_the_same_run_reads_the_line_just_written(tmp_path: Path) -> None:
    chain = Chain.open(tmp_path)
    chain.feed(article(5, body=BODY))
    changed = chain.feed(article(5, body="\n\n".join([P1, P3])))
    stats = chain.stats
    chain.close()
    assert changed.revision_diff == RevisionDiff(False, 0, 1, 0)
    assert stats["archive/dedup/previous_found"] == 1 and "archive/dedup/previous_other_month" not in stats


def test_a_revision_moved_to_another_month_finds_its_predecessor_there(tmp_path: Path) -> None:
    for month in range(1, 7):  # other partitions, to be searched nearest first
        _store(tmp_path, article(100 + month, published_at=f"2019-{month:02d}-10T10:00:00+08:00"))
    _store(tmp_path, article(7, body=BODY, published_at="2019-09-30T23:30:00+08:00"))
    chain = Chain.open(tmp_path)
    moved = chain.feed(article(7, body="\n\n".join([P1, P2, P3, P4]), published_at="2019-10-01T08:00:00+08:00"))
    stats = chain.stats
    chain.close()
    assert moved.revision_diff == RevisionDiff(False, 1, 0, 0)
    assert stats["archive/dedup/previous_other_month"] == 1
    months = sorted(p.name for p in (tmp_path / PORTAL).rglob("*.jsonl"))
    assert months[-2:] == ["2019-09.jsonl", "2019-10.jsonl"]
    assert not verify(tmp_path, [PORTAL]).problems


def test_only_the_committed_bytes_of_a_partition_count(tmp_path: Path) -> None:
    """A line beyond the manifest's count (written, not yet committed) is not a previous revision."""
    _store(tmp_path, article(5, body=BODY))
    [partition] = (tmp_path / PORTAL).rglob("*.jsonl")
    record = partition.read_bytes()
    size = len(record)
    with partition.open("ab") as handle:
        handle.write(record.replace(b'"revision":0', b'"revision":1'))
    lookups = PreviousRevisions(tmp_path)
    found = lookups.find(PORTAL, f"{PORTAL}:5", 0, article(5, body=BODY).content_hash, "2019-09-03T15:20:00+08:00")
    assert found.record is not None and found.bytes == size
    assert lookups.find(PORTAL, f"{PORTAL}:5", 1, article(5, body=BODY).content_hash, None).record is None


# --- distributed mode: workers' files, real Redis ----------------------------------------------------------------


def _worker(redis_url: str, worker: str) -> dict[str, str]:
    return {"ARCHIVE_REDIS_URL": redis_url, "ARCHIVE_WORKER_ID": worker}


@pytest.mark.e2e  # redis-server
def test_a_worker_diffs_against_the_revision_another_worker_wrote(tmp_path: Path, redis_url: str) -> None:
    exports = tmp_path / "exports"  # shared by both workers (one machine, or a shared file system)
    assert isinstance(_store(exports, article(5, body=BODY), **_worker(redis_url, "w1")), ArticleItem)
    revised = _store(exports, article(5, body="\n\n".join([P1_EDITED, P2])), **_worker(redis_url, "w2"))
    assert isinstance(revised, ArticleItem) and revised.revision == 1
    assert revised.revision_diff == RevisionDiff(False, 0, 1, 1)
    by_worker = sorted(p.name for p in (exports / PORTAL).rglob("*.jsonl"))
    assert by_worker == ["2019-09.w1.jsonl", "2019-09.w2.jsonl"]
    assert [r["revision_diff"] is None for r in read_archive(exports / PORTAL)] == [True, False]
    assert not verify(exports, [PORTAL]).problems


@pytest.mark.e2e  # redis-server
def test_a_predecessor_on_another_machine_gives_a_warning_not_a_guess(tmp_path: Path, redis_url: str) -> None:
    _store(tmp_path / "machine1", article(5, body=BODY), **_worker(redis_url, "w1"))
    chain = Chain.open(tmp_path / "machine2", **_worker(redis_url, "w2"))
    revised = chain.feed(article(5, body="\n\n".join([P1_EDITED, P2])))
    stats = chain.stats
    chain.close()
    assert (revised.revision, revised.revision_diff) == (1, None)
    assert revised.warnings == ["revision_diff: revision 0 not found in the export files"]
    assert stats["archive/dedup/previous_missing"] == 1
    for machine in ("machine1", "machine2"):  # gathered afterwards (README), the archive is whole
        shutil.copytree(tmp_path / machine / PORTAL, tmp_path / "gathered" / PORTAL, dirs_exist_ok=True)
    assert not verify(tmp_path / "gathered", [PORTAL]).problems
