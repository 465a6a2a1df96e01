"""Overlapping runs: a second run of the same portal refuses (one line, exit 75); other portals run alongside."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from crawler.exitcodes import EXIT_LOCKED
from crawler.store.verify import verify
from tests.replica.harness import FAST_SETTINGS, KALTIM_DATA, ROOT, RunningReplica, run_crawl

pytestmark = pytest.mark.e2e  # replicas, `scrapy crawl`


def _start_crawl(portal: str, base_url: str, exports: Path, **settings: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", portal, "-a", f"base_url={base_url}"]
    for name, value in {**FAST_SETTINGS, "ARCHIVE_EXPORTS_DIR": str(exports), **settings}.items():
        command += ["-s", f"{name}={value}"]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_lock(lock_file: Path, pid: int, timeout: float = 30) -> None:
    """Until `pid` has written itself into the lock file (it does so right after taking the lock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if json.loads(lock_file.read_text() or "{}").get("pid") == pid:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"pid {pid} never took {lock_file}")


def test_overlapping_runs_of_one_portal(tmp_path: Path, replica_factory: Callable[..., RunningReplica]) -> None:
    kaltim = replica_factory(KALTIM_DATA)
    kalbar = replica_factory(KALTIM_DATA, "--portal", "antara_kalbar")
    exports = tmp_path / "exports"
    # A download delay keeps the first run busy for several seconds.
    first = _start_crawl("antara_kaltim", kaltim.base_url, exports, DOWNLOAD_DELAY="0.15")
    try:
        _wait_for_lock(exports / ".locks" / "antara_kaltim.lock", first.pid)
        second = run_crawl("antara_kaltim", exports, base_url=kaltim.base_url, timeout=60)
        other = run_crawl("antara_kalbar", exports, base_url=kalbar.base_url, timeout=90)
        assert first.poll() is None, "the first run ended before the overlap was tested"
    finally:
        _, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err[-3000:]
    assert second.process.returncode == EXIT_LOCKED
    assert len(second.stderr_lines) == 1, second.stderr_lines
    assert "antara_kaltim" in second.stderr_lines[0] and f"pid {first.pid}" in second.stderr_lines[0]
    assert other.process.returncode == 0, other.process.stderr[-3000:]
    assert other.records and all(r["portal"] == "antara_kalbar" for r in other.records)
    kaltim_records = [json.loads(line) for p in (exports / "antara_kaltim").rglob("*.jsonl")
                      for line in p.read_text().splitlines()]  # fmt: skip
    assert kaltim_records and max(Counter(r["id"] for r in kaltim_records).values()) == 1
    assert verify(exports).problems == []


def test_a_killed_run_leaves_no_stale_lock(tmp_path: Path, replica_factory: Callable[..., RunningReplica]) -> None:
    replica = replica_factory(KALTIM_DATA)
    exports = tmp_path / "exports"
    first = _start_crawl("antara_kaltim", replica.base_url, exports, DOWNLOAD_DELAY="0.15")
    _wait_for_lock(exports / ".locks" / "antara_kaltim.lock", first.pid)
    os.kill(first.pid, 9)
    first.communicate(timeout=30)
    after = run_crawl("antara_kaltim", exports, base_url=replica.base_url)
    assert after.process.returncode == 0, after.process.stderr[-3000:]


def test_one_writer_per_exports_whatever_the_state_dir(
    tmp_path: Path, replica_factory: Callable[..., RunningReplica]
) -> None:
    replica = replica_factory(KALTIM_DATA)
    exports = tmp_path / "exports"
    first = _start_crawl("antara_kaltim", replica.base_url, exports, DOWNLOAD_DELAY="0.15",
                         ARCHIVE_STATE_DIR=str(tmp_path / "state-a"))  # fmt: skip
    try:
        _wait_for_lock(exports / ".locks" / "antara_kaltim.lock", first.pid)
        os.kill(first.pid, signal.SIGSTOP)  # holds the lock while the second run tries
        second = run_crawl("antara_kaltim", exports, base_url=replica.base_url, timeout=60,
                           settings={"ARCHIVE_STATE_DIR": str(tmp_path / "state-b")})  # fmt: skip
    finally:
        os.kill(first.pid, signal.SIGCONT)
        _, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err[-3000:]
    assert second.process.returncode == EXIT_LOCKED, second.process.stderr[-3000:]
    assert len(second.stderr_lines) == 1 and f"pid {first.pid}" in second.stderr_lines[0]
    records = [json.loads(line) for p in (exports / "antara_kaltim").rglob("*.jsonl")
               for line in p.read_text().splitlines()]  # fmt: skip
    assert records and max(Counter(r["id"] for r in records).values()) == 1
    assert verify(exports).problems == []
