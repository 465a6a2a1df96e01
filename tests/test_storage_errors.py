"""A full disk stops the run cleanly: no traceback, what was written stays valid, unhealthy, non-zero exit.

The disk is real: the exports (state and WARC files included) go on a 1 MiB tmpfs when the
test may mount one (root), else every file the crawl writes is capped by RLIMIT_FSIZE with
SIGXFSZ ignored, so a write past the cap fails with EFBIG. The crawl of a 150-article
replica then runs out of room part-way; afterwards space returns (the tmpfs is grown, or the
cap lifted) and one ordinary run must store every article, each exactly once.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crawler.exitcodes import EXIT_UNHEALTHY
from crawler.store.verify import verify
from tests.replica.data import write_file
from tests.replica.harness import FAST_SETTINGS, ROOT, RunningReplica
from tests.replica.synth import generate

PORTAL = "antara_kaltim"
ARTICLES = 150
FILE_CAP_BYTES = 96 * 1024


def _mount(directory: Path, size: str, *, remount: bool = False) -> bool:
    options = f"remount,size={size}" if remount else f"size={size}"
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[tuple[Path, Callable[[], None], Callable[[], None] | None]]:
    """(exports dir, make room, preexec_fn of a crawl subprocess while the disk is small)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = os.geteuid() == 0 and _mount(disk, "1m")
    capped = {"on": not mounted}

    def room() -> None:
        if mounted:
            assert _mount(disk, "256m", remount=True)
        capped["on"] = False

    def cap() -> None:
        if capped["on"]:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_CAP_BYTES, FILE_CAP_BYTES))

    print(f"small disk: {'1 MiB tmpfs' if mounted else f'RLIMIT_FSIZE {FILE_CAP_BYTES} bytes'}")
    yield disk / "exports", room, cap
    if mounted:
        subprocess.run(["umount", str(disk)], check=False)


def _crawl(base_url: str, exports: Path, preexec: Callable[[], None] | None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", PORTAL, "-a", f"base_url={base_url}"]
    for name, value in {**FAST_SETTINGS, "ARCHIVE_EXPORTS_DIR": str(exports)}.items():
        command += ["-s", f"{name}={value}"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, preexec_fn=preexec)


def _ids(exports: Path) -> Counter[str]:
    lines = [line for p in (exports / PORTAL).rglob("*.jsonl") for line in p.read_text(encoding="utf-8").splitlines()]
    return Counter(json.loads(line)["id"] for line in lines)


@pytest.mark.e2e
def test_a_full_disk_stops_the_run_and_the_next_run_stores_everything(
    tmp_path: Path,
    replica_factory: Callable[..., RunningReplica],
    small_disk: tuple[Path, Callable[[], None], Callable[[], None]],
) -> None:
    exports, room, cap = small_disk
    doc = generate(ARTICLES, seed=7, page_size=20)
    write_file(tmp_path / "data.json", doc)
    replica = replica_factory(tmp_path / "data.json")

    full = _crawl(replica.base_url, exports, cap)
    print(f"full disk: exit {full.returncode}, {sum(_ids(exports).values())} records stored")
    assert full.returncode == EXIT_UNHEALTHY, full.stderr[-3000:]
    assert "Traceback" not in full.stderr, full.stderr[-5000:]
    stops = [line for line in full.stderr.splitlines() if "storage error" in line and "stopping the run" in line]
    assert len(stops) == 1 and any(cause in stops[0] for cause in ("ENOSPC", "EFBIG", "SQLITE_FULL")), stops
    unhealthy = [line for line in full.stderr.splitlines() if "UNHEALTHY" in line]
    assert unhealthy and "storage_error" in unhealthy[0], unhealthy
    stored = _ids(exports)
    assert len(stored) < ARTICLES and max(stored.values(), default=1) == 1
    # What was written is valid. A full disk may refuse the manifest itself: lines already fsynced then
    # wait beyond it (in a file it lists, or a new file it does not list yet) for the next start's
    # recovery, exactly as after a kill -9; nothing else may be found.
    assert all(_awaits_recovery(problem) for problem in verify(exports).problems), verify(exports).problems

    room()
    after = _crawl(replica.base_url, exports, None)
    assert after.returncode == 0, after.stderr[-3000:]
    stored = _ids(exports)
    assert set(stored) == {f"{PORTAL}:{a['id']}" for a in doc["articles"]}
    assert max(stored.values()) == 1
    assert verify(exports).problems == []


def _awaits_recovery(problem: str) -> bool:
    """A verify problem that only says committed lines lie beyond the manifest (never fewer bytes than it counts)."""
    if problem.endswith((": not in manifest.json",)):
        return True
    found = re.search(r": (\d+) bytes, manifest says (\d+)$", problem)
    return found is not None and int(found[1]) > int(found[2])


def test_a_record_refused_by_a_stopped_writer_is_the_storage_error_behind_it(tmp_path: Path) -> None:
    """Items in flight when a commit fails on a full disk meet a stopped writer: one line, never a traceback each."""
    import sqlite3

    from crawler.storage import storage_error
    from crawler.store.writer import PortalWriter

    writer = PortalWriter(tmp_path, PORTAL, tmp_path / "state", "s1")
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode, full.sqlite_errorname = sqlite3.SQLITE_FULL, "SQLITE_FULL"  # type: ignore[attr-defined]
    writer.failed = full
    with pytest.raises(OSError, match="writer stopped after a failed commit") as refused:
        writer.write("2019/2019-09.jsonl", b"{}\n")
    writer.close()
    assert storage_error(refused.value) == "SQLITE_FULL: database or disk is full"


def test_a_report_the_full_disk_refuses_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import errno
    import logging
    from types import SimpleNamespace

    import crawler.monitoring.report.page as page
    from crawler.monitoring.monitor import RunMonitor

    def full(*_: object) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(page, "write_report", full)
    monitor = SimpleNamespace(_report_due=True, exports_root=tmp_path, state_root=tmp_path / "state")
    with caplog.at_level(logging.INFO, logger="crawler.monitoring.monitor"):
        RunMonitor.engine_stopped(monitor)  # type: ignore[arg-type]
    [record] = [r for r in caplog.records if "could not write the report" in r.getMessage()]
    assert record.exc_info is None and "ENOSPC" in record.getMessage()
