"""The change feed (`crawler.read_changes`, `scrapy changes`) on archives written by the real pipelines.

Records are written by `tests.storage_support.Chain` (validate -> dedup -> jsonl, group commit
and manifest included); a second distributed worker's partition and manifest are written with
the layout's own helpers (a worker id needs a Redis server, which only e2e tests start).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from crawler import read_archive, read_changes
from crawler.store.layout import Manifest, PartitionEntry
from tests.replica.harness import ROOT
from tests.storage_support import PORTAL, Chain, article


def write(exports: Path, *items: object) -> None:
    chain = Chain.open(exports)
    for item in items:
        chain.feed(item)
    chain.close()


def add_worker_partition(exports: Path, worker: str, *records: dict[str, object]) -> None:
    """What a distributed worker leaves: `2019/2019-09.<worker>.jsonl` and `manifest.<worker>.json`."""
    directory = exports / PORTAL
    name = f"2019/2019-09.{worker}.jsonl"
    data = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)
    (directory / name).write_bytes(data)
    entry = PartitionEntry(records=len(records), bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    Manifest(PORTAL, partitions={name: entry}, worker=worker).save(directory)


def keys(records: list[dict[str, object]]) -> list[tuple[object, object]]:
    return sorted((r["id"], r["revision"]) for r in records)


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    root = tmp_path / "exports"
    write(root, article(1), article(2, published_at="2019-10-01T07:05:00+07:00"),
          article(2, body="Versi koreksi.", published_at="2019-10-01T07:05:00+07:00"))  # fmt: skip
    return root


def test_from_the_beginning_every_record_then_nothing_until_more_are_written(exports: Path) -> None:
    records, cursor = read_changes(exports)
    assert keys(records) == [(f"{PORTAL}:1", 0), (f"{PORTAL}:2", 0), (f"{PORTAL}:2", 1)]
    assert read_changes(exports, cursor) == ([], cursor)
    write(exports, article(3), article(1, body="Isi yang dikoreksi."))
    newer, later = read_changes(exports, cursor)
    assert keys(newer) == [(f"{PORTAL}:1", 1), (f"{PORTAL}:3", 0)]
    assert read_changes(exports, cursor) == (newer, later), "the same cursor again gives the same records"
    assert read_changes(exports, later)[0] == []


def test_a_torn_or_uncommitted_tail_beyond_the_manifest_is_not_returned(exports: Path) -> None:
    partition = exports / PORTAL / "2019" / "2019-09.jsonl"
    committed = partition.stat().st_size
    with partition.open("ab") as handle:
        handle.write(json.dumps(asdict(article(9))).encode() + b"\n")  # a whole line whose commit is pending
        handle.write(b'{"id": "torn')  # and a torn one
    records, cursor = read_changes(exports)
    assert f"{PORTAL}:9" not in {r["id"] for r in records} and len(records) == 3
    # Recovery cuts the tail; the next commit then writes there: the cursor never skipped a byte.
    os.truncate(partition, committed)
    write(exports, article(4))
    assert keys(read_changes(exports, cursor)[0]) == [(f"{PORTAL}:4", 0)]


def test_a_second_worker_partition_is_part_of_the_feed(exports: Path) -> None:
    first, cursor = read_changes(exports)
    extra = {**asdict(article(50)), "revision": 0}
    add_worker_partition(exports, "w2", extra)
    records, _ = read_changes(exports, cursor)
    assert [r["id"] for r in records] == [f"{PORTAL}:50"]
    assert keys(read_changes(exports)[0]) == keys(first + records)


def test_limit_pages_through_the_feed_without_loss_or_repeat(exports: Path) -> None:
    add_worker_partition(exports, "w2", {**asdict(article(50)), "revision": 0})
    seen: list[dict[str, object]] = []
    cursor = None
    while batch := read_changes(exports, cursor, limit=2):
        records, cursor = batch
        if not records:
            break
        assert len(records) <= 2
        seen += records
    assert keys(seen) == keys(list(read_archive(exports, revisions=True)))
    assert len(seen) == 4


def test_a_malformed_cursor_is_refused(exports: Path) -> None:
    with pytest.raises(ValueError, match="not a change-feed cursor"):
        read_changes(exports, "no such cursor!")


CONSUMER = """
import os, sys
from dataclasses import asdict
from pathlib import Path
from crawler.durable import replace_atomically
from crawler.store.changes import iter_changes

exports, out, cursor_file = map(Path, sys.argv[1:4])
cursor = cursor_file.read_text().strip() if cursor_file.exists() else None
for record, after in iter_changes(exports, cursor):
    with out.open("a") as handle:  # process the record (durably) ...
        handle.write(f"{record['id']} {record['revision']}\\n")
        handle.flush()
        os.fsync(handle.fileno())
    replace_atomically(cursor_file, after)  # ... then commit the cursor
    print("committed", flush=True)
    sys.stdin.readline()  # the test kills the consumer here, between two records of a batch
print("done", flush=True)
"""


@pytest.mark.e2e
def test_a_consumer_killed_mid_batch_processes_every_record_exactly_once(exports: Path, tmp_path: Path) -> None:
    add_worker_partition(exports, "w2", {**asdict(article(50)), "revision": 0})
    script, out, cursor_file = tmp_path / "consumer.py", tmp_path / "processed.txt", tmp_path / "cursor"
    script.write_text(CONSUMER)
    command = [sys.executable, str(script), str(exports), str(out), str(cursor_file)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    consumer = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert consumer.stdin is not None and consumer.stdout is not None
    assert consumer.stdout.readline() == "committed\n"
    consumer.stdin.write("\n")
    consumer.stdin.flush()
    assert consumer.stdout.readline() == "committed\n"
    consumer.send_signal(signal.SIGKILL)  # two of four records done, the batch not finished
    consumer.wait(timeout=30)
    assert len(out.read_text().splitlines()) == 2
    write(exports, article(5))  # written while no consumer runs
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0 and done.stdout.endswith("done\n"), done.stderr[-2000:]
    processed = sorted(tuple(line.split()) for line in out.read_text().splitlines())
    expected = sorted((r["id"], str(r["revision"])) for r in read_archive(exports, revisions=True))
    assert processed == expected and len(processed) == 5, "every record once: none lost, none twice"


@pytest.mark.e2e
def test_scrapy_changes_prints_json_lines_and_keeps_the_cursor_file(exports: Path, tmp_path: Path) -> None:
    cursor_file = tmp_path / "feed.cursor"
    command = [sys.executable, "-m", "scrapy", "changes", "--cursor-file", str(cursor_file), "--limit", "2",
               "-s", f"ARCHIVE_EXPORTS_DIR={exports}"]  # fmt: skip
    batches = []
    for _ in range(3):
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        batches.append([json.loads(line) for line in done.stdout.splitlines()])
    assert [len(b) for b in batches] == [2, 1, 0]
    assert keys(batches[0] + batches[1]) == keys(read_changes(exports)[0])
    bad = subprocess.run([sys.executable, "-m", "scrapy", "changes", "--since", "???", "-s",
                          f"ARCHIVE_EXPORTS_DIR={exports}"], cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert bad.returncode == 64 and "not a change-feed cursor" in bad.stderr, bad.stderr
