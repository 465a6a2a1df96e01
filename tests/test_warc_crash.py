"""kill -9 while WARC files are being written, then restart: every record before the crash is readable.

Two real crash tests, with random kill moments (seeded from the clock; the seed is printed
so a failure can be replayed with WARC_CRASH_SEED=<seed>):

* real `scrapy crawl` subprocesses against the replica, SIGKILLed while their WARC file
  grows, restarted, then a last run to the end;
* a writer subprocess appending large records (8 MB, so that a write takes long enough
  to be cut), SIGKILLed the moment its file is seen growing: the restart must find any
  half-written record and move it, byte for byte, to the quarantine.

After each restart every WARC file has its CDXJ index, passes `warcio check` and reads to
the end with warcio's ArchiveIterator, and files of earlier runs are never modified.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.warc.files import cdxj_path, complete_length
from tests.replica.data import write_file
from tests.replica.harness import FAST_SETTINGS, ROOT, RunningReplica, run_crawl
from tests.replica.synth import generate
from tests.warc_reading import make_archiver, read_records, warc_files, warcio_cli

pytestmark = pytest.mark.e2e  # replica, `scrapy crawl` and WARC writers killed with SIGKILL, warcio CLI

PORTAL = "antara_kaltim"


@pytest.fixture
def rng() -> random.Random:
    seed = int(os.environ.get("WARC_CRASH_SEED") or time.time_ns() % 1_000_000)
    print(f"WARC_CRASH_SEED={seed}")
    return random.Random(seed)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_all_finished_and_readable(directory: Path) -> list[str]:
    """Every file indexed, checked by warcio, read to the end; returns the record ids."""
    files = warc_files(directory)
    assert files
    assert [f.name for f in files if not cdxj_path(f).exists()] == []
    checked = warcio_cli("check", *map(str, files))
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
    return [record.id for path in files for record in read_records(path)]


def _wait_for_growth(directory: Path, process: subprocess.Popen[bytes], at_least: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if sum(p.stat().st_size for p in directory.glob("*.warc.gz")) >= at_least:
            return
        time.sleep(0.002)


def test_kill_9_during_crawls_then_restart(
    tmp_path: Path, rng: random.Random, replica_factory: Callable[..., RunningReplica]
) -> None:
    data = tmp_path / "data.json"
    write_file(data, generate(300, seed=rng.randrange(1000), page_size=20))
    replica = replica_factory(data)
    exports, warc = tmp_path / "exports", tmp_path / "exports" / "warc"
    finished: dict[str, str] = {}
    command = [sys.executable, "-m", "scrapy", "crawl", PORTAL, "-a", f"base_url={replica.base_url}"]
    # Without the incremental stop, each restart walks the whole listing again: long enough to be killed.
    settings = {**FAST_SETTINGS, "ARCHIVE_EXPORTS_DIR": str(exports), "ARCHIVE_INCREMENTAL_ENABLED": "False"}
    for name, value in {**settings, "LOG_LEVEL": "WARNING"}.items():
        command += ["-s", f"{name}={value}"]
    for _ in range(3):
        before = sum(p.stat().st_size for p in warc.glob("*.warc.gz")) if warc.exists() else 0
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_growth(warc, process, before + rng.randrange(5_000, 60_000))
        assert process.poll() is None, "the crawl ended before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        for path in warc_files(warc):  # files finished by earlier runs are never touched again
            if path.name in finished:
                assert _digest(path) == finished[path.name], f"{path.name} changed"
        finished.update({p.name: _digest(p) for p in warc_files(warc) if cdxj_path(p).exists()})
    last = run_crawl(PORTAL, exports, base_url=replica.base_url, settings={"ARCHIVE_INCREMENTAL_ENABLED": "False"})
    assert last.process.returncode == 0, last.process.stderr[-3000:]
    ids = _assert_all_finished_and_readable(warc)
    assert len(ids) == len(set(ids))
    assert all(_digest(warc / name) == digest for name, digest in finished.items())
    records = {r.id: r for path in warc_files(warc) for r in read_records(path)}
    assert len({r["id"] for r in last.records}) == 300
    for exported in last.records:  # provenance never points at a record lost in a crash
        assert records[exported["warc_record_id"]].headers["WARC-X-Fetched-URI"] == exported["fetched_url"]


WRITER = """
import os, sys, pathlib
from tests.warc_reading import make_archiver, fetch
archiver, spider = make_archiver(pathlib.Path(sys.argv[1]))
body = bytearray(os.urandom(8 * 1024 * 1024))
n = 0
while True:
    n += 1
    body[:8] = n.to_bytes(8, "big")  # a new payload each time: full response records, no revisits
    fetch(archiver, spider, f"/berita/{n}/x", bytes(body))
"""


def test_kill_9_mid_record_is_cut_off_on_restart(tmp_path: Path, rng: random.Random) -> None:
    warc = tmp_path / "warc"
    torn = 0
    for _ in range(4):
        process = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], cwd=ROOT)
        sizes = {p: p.stat().st_size for p in warc.glob("*.warc.gz")} if warc.exists() else {}
        growing = None
        deadline = time.monotonic() + 120
        skip = rng.randrange(0, 3)  # let a few writes complete first
        while growing is None and time.monotonic() < deadline and process.poll() is None:
            now = {p: p.stat().st_size for p in warc.glob("*.warc.gz")}
            changed = [p for p, size in now.items() if sizes.get(p) not in (None, size)]
            if changed and (skip := skip - 1) < 0:
                growing = changed[0]
            sizes.update(now)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert growing is not None, "the writer never wrote"
        size, whole = growing.stat().st_size, complete_length(growing)
        tail = growing.read_bytes()[whole:]
        make_archiver(tmp_path)  # a new start: repairs what the killed writer left
        if size != whole:
            torn += 1
            quarantined = warc / "quarantine" / f"{growing.name}.{whole}.torn"
            assert quarantined.read_bytes() == tail
        assert growing.stat().st_size == whole
        _assert_all_finished_and_readable(warc)
    print(f"{torn} of 4 kills tore a record")
