"""JsonLinesPipeline: partitions, one line per record, manifest, torn-tail quarantine, crash replay."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured

from crawler.items import ArticleItem
from crawler.paths import state_beside
from crawler.store.layout import MANIFEST_FORMAT, Manifest, PartitionEntry
from crawler.store.verify import verify
from pipelines.jsonl import JsonLinesPipeline
from tests.storage_support import PORTAL, Chain, article, make_crawler, read_records


def _store(exports: Path, *items: ArticleItem) -> dict[str, object]:
    chain = Chain.open(exports)
    for item in items:
        chain.feed(item)
    chain.close()
    return chain.stats


def test_records_go_to_the_month_printed_in_published_at(tmp_path: Path) -> None:
    _store(
        tmp_path,
        article(1, published_at="2019-09-30T23:30:00+08:00"),  # 15:30 UTC, still September locally
        article(2, published_at="2019-10-01T00:10:00+08:00"),  # September in UTC, October as printed
        article(3, published_at=None),
    )
    root = tmp_path / PORTAL
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*.jsonl")) == [
        "2019/2019-09.jsonl", "2019/2019-10.jsonl", "undated.jsonl",
    ]  # fmt: skip
    assert json.loads((root / "2019/2019-10.jsonl").read_text())["id"] == "antara_kaltim:2"


def test_one_complete_json_line_per_record_in_field_order(tmp_path: Path) -> None:
    stats = _store(tmp_path, article(1), article(2, body="Kalimat dengan “kutipan” dan é.\n\nBaris dua."))
    text = (tmp_path / PORTAL / "2019/2019-09.jsonl").read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == 3
    order = [f.name for f in dataclasses.fields(ArticleItem)]
    assert [list(json.loads(line)) for line in lines[:2]] == [order, order]
    assert "“kutipan”" in lines[1]  # UTF-8, not \u escapes
    assert stats["archive/jsonl/written"] == 2 and stats["archive/jsonl/bytes"] == len(text.encode())


def test_files_grow_by_appending_and_are_not_world_writable(tmp_path: Path) -> None:
    old = os.umask(0)  # even a permissive umask must not give o+w
    try:
        _store(tmp_path, article(1))
        path = tmp_path / PORTAL / "2019/2019-09.jsonl"
        first = path.read_bytes()
        _store(tmp_path, article(2))
    finally:
        os.umask(old)
    assert path.read_bytes().startswith(first) and len(read_records(tmp_path)) == 2
    assert not path.stat().st_mode & stat.S_IWOTH
    assert not (tmp_path / PORTAL / "manifest.json").stat().st_mode & stat.S_IWOTH


def test_a_world_writable_file_loses_o_plus_w(tmp_path: Path) -> None:
    path = tmp_path / PORTAL / "2019" / "2019-09.jsonl"
    path.parent.mkdir(parents=True)
    path.touch()
    path.chmod(0o666)
    _store(tmp_path, article(1))
    assert not path.stat().st_mode & stat.S_IWOTH


def test_manifest_counts_records_bytes_and_sha256(tmp_path: Path) -> None:
    _store(tmp_path, article(1), article(2), article(3, published_at=None))
    manifest = Manifest.load(tmp_path / PORTAL)
    assert manifest is not None and set(manifest.partitions) == {"2019/2019-09.jsonl", "undated.jsonl"}
    for name, entry in manifest.partitions.items():
        data = (tmp_path / PORTAL / name).read_bytes()
        expected = (data.count(b"\n"), len(data), hashlib.sha256(data).hexdigest())
        assert (entry.records, entry.bytes, entry.sha256) == expected
    report = verify(tmp_path)
    assert report.problems == [] and report.records == 3


def test_a_torn_last_line_is_quarantined_on_open(tmp_path: Path) -> None:
    _store(tmp_path, article(1))
    path = tmp_path / PORTAL / "2019/2019-09.jsonl"
    with path.open("ab") as handle:
        handle.write(b'{"id":"antara_kaltim:2","title":"Setengah ba')  # killed mid-write
    stats = _store(tmp_path, article(2))
    assert stats["archive/jsonl/quarantined"] == 1
    [quarantine] = list(path.parent.glob("2019-09.jsonl.quarantine-*"))
    assert quarantine.read_bytes() == b'{"id":"antara_kaltim:2","title":"Setengah ba'
    assert [r["id"] for r in read_records(tmp_path)] == ["antara_kaltim:1", "antara_kaltim:2"]
    report = verify(tmp_path)
    assert report.problems == [] and len(report.notes) == 1


def test_a_line_written_but_not_committed_is_replayed_not_duplicated(tmp_path: Path) -> None:
    """Killed between fsync and state commit: the next run finds the line and counts it as stored."""
    _store(tmp_path, article(1))
    scratch = tmp_path / "scratch"
    _store(scratch, article(2))
    line = (scratch / PORTAL / "2019/2019-09.jsonl").read_bytes()
    with (tmp_path / PORTAL / "2019/2019-09.jsonl").open("ab") as handle:
        handle.write(line)  # on disk, but neither in the state nor in the manifest
    chain = Chain.open(tmp_path)
    assert chain.stats["archive/jsonl/restored"] == 1
    assert chain.feed(article(2)).startswith("unchanged: antara_kaltim:2")
    chain.close()
    assert [r["id"] for r in read_records(tmp_path)] == ["antara_kaltim:1", "antara_kaltim:2"]
    assert verify(tmp_path, [PORTAL]).problems == []


def test_a_lost_state_is_rebuilt_from_the_files(tmp_path: Path) -> None:
    _store(tmp_path, article(1), article(2, body="Versi awal."), article(2, body="Versi koreksi."))
    shutil.rmtree(state_beside(tmp_path))
    chain = Chain.open(tmp_path)
    assert chain.stats["archive/jsonl/restored"] == 3
    assert chain.feed(article(1)).startswith("unchanged")
    assert chain.feed(article(2, body="Versi koreksi.")).startswith("unchanged")
    assert chain.feed(article(2, body="Versi ketiga.")).revision == 2
    chain.close()
    assert verify(tmp_path).problems == []


def test_state_dir_can_live_elsewhere(tmp_path: Path) -> None:
    chain = Chain.open(tmp_path / "exports", ARCHIVE_STATE_DIR=str(tmp_path / "state"))
    chain.feed(article(1))
    chain.close()
    assert (tmp_path / "state" / "dedup.sqlite3").exists() and not state_beside(tmp_path / "exports").exists()


def test_verify_reports_a_tampered_file(tmp_path: Path) -> None:
    _store(tmp_path, article(1), article(2))
    path = tmp_path / PORTAL / "2019/2019-09.jsonl"
    path.write_bytes(path.read_bytes().replace(b"nomor 2", b"nomor 9"))
    problems = verify(tmp_path).problems
    assert any("sha256" in p for p in problems), problems


def test_feeds_is_not_the_store_of_record(tmp_path: Path) -> None:
    assert not make_crawler(tmp_path).settings.getdict("FEEDS")


def test_can_be_switched_off(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        JsonLinesPipeline.from_crawler(make_crawler(tmp_path, ARCHIVE_JSONL_ENABLED=False))


def test_as_record_is_dataclasses_asdict() -> None:
    """The fast conversion gives exactly `dataclasses.asdict`, nested dataclasses and lists included."""
    from crawler.items import Image, Related, RevisionDiff
    from pipelines import as_record

    item = article(7, body="kata " * 50)
    item.images = [Image(url="https://x.test/a.jpg", caption="Foto")]
    item.related = [Related(title="Baca juga", url="https://x.test/b")]
    item.revision_diff = RevisionDiff(title_changed=True, paragraphs_added=1, paragraphs_removed=0, paragraphs_changed=2)
    record = as_record(item)
    assert record == dataclasses.asdict(item) and list(record) == [f.name for f in dataclasses.fields(item)]
    record["images"][0]["caption"] = "changed"
    assert item.images[0].caption == "Foto"


def test_a_new_partition_file_is_made_durable_with_its_group(tmp_path: Path) -> None:
    """Creating a partition fsyncs no directory on the spot: the next cut carries the directories to fsync."""
    from crawler.store.writer import PortalWriter, sync

    writer = PortalWriter(tmp_path, PORTAL, tmp_path / ".state", "state")
    try:
        writer.write("2024/2024-01.jsonl", b"{}\n")
        cut = writer.cut()
        kinds = sorted("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file" for fd in cut.fds)
        sync(cut.fds)
        writer.write("2024/2024-01.jsonl", b"{}\n")
        later = writer.cut()
        sync(later.fds)
    finally:
        writer.close()
    assert kinds == ["dir", "dir", "file"]  # the year directory and the portal directory
    assert len(later.fds) == 1


@pytest.mark.parametrize("worker", [None, "w1"])
def test_manifest_text_is_the_indented_json_dump(worker: str | None) -> None:
    """Rendering partition by partition (cached) writes exactly `json.dumps(doc, indent=1)`, after every change."""
    manifest = Manifest(PORTAL, "state", worker=worker)
    for n in range(30):
        manifest.partitions[f"{2020 + n % 4}/{2020 + n % 4}-{n % 12 + 1:02d}.jsonl"] = PartitionEntry(
            n, 100 * n, "ab" * 32, f"2026-12-03T08:{n:02d}:00Z"
        )
        doc = {"format": MANIFEST_FORMAT, "portal": PORTAL, "state_id": "state",
               **({"worker": worker} if worker else {}),
               "partitions": {k: dataclasses.asdict(v) for k, v in sorted(manifest.partitions.items())}}  # fmt: skip
        assert manifest.render() == (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode()
