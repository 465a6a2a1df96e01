"""Corrupt state heals: an unreadable state file or manifest is moved aside, rebuilt or started empty; the run goes on.

After a first crawl of the Kalimantan Timur replica, every SQLite state file (dedup state,
frontier, walk checkpoints, conditional-request validators, the WARC revisit index) and the
portal's manifest are overwritten with junk. The next run must log one line per file, finish
with exit 0 and no traceback, and leave every article stored exactly once (the dedup state
is rebuilt from the export files, the manifest from the partition files); `verify` passes.
An exports directory that cannot be written refuses the run in one line with exit 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from crawler.exitcodes import EXIT_FAILURE
from crawler.paths import state_beside
from crawler.store.verify import verify
from tests.replica.harness import ROOT, RunningReplica, run_crawl

PORTAL = "antara_kaltim"


def _ids(exports: Path) -> Counter[str]:
    lines = [line for p in (exports / PORTAL).rglob("*.jsonl") for line in p.read_text(encoding="utf-8").splitlines()]
    return Counter(json.loads(line)["id"] for line in lines)


@pytest.mark.e2e
def test_unreadable_state_files_and_manifest_are_moved_aside_and_rebuilt(
    tmp_path: Path, kaltim_replica: RunningReplica
) -> None:
    exports = tmp_path / "exports"
    first = run_crawl(PORTAL, exports, base_url=kaltim_replica.base_url)
    assert first.process.returncode == 0, first.process.stderr[-3000:]
    stored = _ids(exports)
    damaged = [state_beside(exports) / name for name in
               ("dedup.sqlite3", "frontier.sqlite3", "walks.sqlite3", "validators.sqlite3")]  # fmt: skip
    damaged += [exports / "warc" / "payloads.sqlite3", exports / PORTAL / "manifest.json"]
    for path in damaged:
        assert path.exists(), path
        path.write_bytes(b"this is not what it was \x00\xff" * 50)

    second = run_crawl(PORTAL, exports, base_url=kaltim_replica.base_url)
    assert second.process.returncode == 0, second.process.stderr[-3000:]
    assert "Traceback" not in second.process.stderr, second.process.stderr[-5000:]
    moved = [line for line in second.stderr_lines if "is unreadable" in line and "moved aside" in line]
    assert len(moved) == len(damaged), moved
    for path in damaged:
        assert list(path.parent.glob(f"{path.name}.corrupt-*")), path
    assert _ids(exports) == stored and max(stored.values()) == 1
    assert verify(exports).problems == []


@pytest.mark.e2e
def test_an_unwritable_exports_dir_is_one_line_and_exit_1(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    roots = [blocker / "exports"]
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs",
                                                    str(readonly)], capture_output=True).returncode == 0  # fmt: skip
    if mounted:
        roots.append(readonly / "exports")
    try:
        for root in roots:
            for command in (["crawl", PORTAL], ["crawlall", PORTAL]):
                done = subprocess.run([sys.executable, "-m", "scrapy", *command, "-s", f"ARCHIVE_EXPORTS_DIR={root}"],
                                      cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
                lines = [line for line in done.stderr.splitlines() if line.strip()]
                assert done.returncode == EXIT_FAILURE, done.stderr[-2000:]
                assert len(lines) == 1 and "cannot write to" in lines[0], lines
    finally:
        if mounted:
            subprocess.run(["umount", str(readonly)], check=False)
